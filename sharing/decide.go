package sharing

import (
	"context"
	"strconv"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy"
)

// A DecideRequest asks what would happen if consumer read these fields of
// the dataset now (or at At), for the purpose or under the grant. An
// owner asks about a consumer of its own dataset; a consumer asks about
// its own org.
type DecideRequest struct {
	Dataset  int64
	Fields   []string // default: the grant's fields, else every field
	Purpose  string
	Grant    int64
	Consumer int64 // org id; owners only
	At       *time.Time
}

// A Decision is a read decided: its request, its fields and the plan.
type Decision struct {
	Dataset  *sluice.Dataset
	Consumer *sluice.Org
	At       time.Time
	Request  policy.Request
	Fields   []policy.Field
	Plan     *policy.ReadPlan
}

// Decide decides a read without reading any data, and appends the
// decision's audit event (sluice.ActionDecisionAsk) before answering.
func (sh *Service) Decide(ctx context.Context, req DecideRequest) (*Decision, error) {
	actor := sluice.ActorFromContext(ctx)
	if req.Dataset <= 0 {
		return nil, sluice.Errorf(sluice.EINVALID, "dataset required.")
	}
	d, consumer, err := sh.decideParties(ctx, actor, req)
	if err != nil {
		return nil, err
	}
	var g *sluice.Grant
	if req.Grant != 0 {
		if g, err = sh.Grants.FindGrantByID(ctx, req.Grant); err != nil {
			return nil, err
		}
		if g.ConsumerOrgID != consumer.ID || g.DatasetID != d.ID {
			return nil, sluice.Errorf(sluice.EINVALID, "Grant %d is not for this consumer and dataset.", g.ID)
		}
	}
	at := sh.Clock()
	if req.At != nil {
		at = req.At.UTC()
	}
	dec, err := sh.decide(ctx, d, consumer, g, req.Purpose, req.Fields, at)
	if err != nil {
		return nil, err
	}
	// A decision is processing too: it is recorded (PIPL Arts. 55–56).
	if err := sh.logDecision(ctx, dec, req.Grant); err != nil {
		return nil, err
	}
	return dec, nil
}

// decideParties returns the dataset and the consumer of a decision: an
// owner's own dataset and the consumer it names, or the dataset a
// consumer names and the consumer itself.
func (sh *Service) decideParties(ctx context.Context, actor *sluice.Actor, req DecideRequest) (*sluice.Dataset, *sluice.Org, error) {
	if actor.Role == sluice.RoleOwner {
		d, err := sh.Datasets.FindDatasetByID(ctx, req.Dataset) // its own only
		if err != nil {
			return nil, nil, err
		}
		if req.Consumer == 0 {
			return nil, nil, sluice.Errorf(sluice.EINVALID, "consumer required: the org whose read to decide.")
		}
		consumer, err := sh.Orgs.FindOrgByID(ctx, req.Consumer)
		if err != nil {
			return nil, nil, err
		}
		return d, consumer, nil
	}
	if req.Consumer != 0 && req.Consumer != actor.Org.ID {
		return nil, nil, sluice.Errorf(sluice.EFORBIDDEN, "A consumer key asks about its own org only.")
	}
	d, err := sh.findSharedDataset(ctx, req.Dataset)
	if err != nil {
		return nil, nil, err
	}
	return d, actor.Org, nil
}

// decide refreshes the grants of consumer on d and the policies of d's
// owner from the store, and decides a read of the named fields (default:
// g's fields, else every field of d) for the purpose (default: g's).
func (sh *Service) decide(ctx context.Context, d *sluice.Dataset, consumer *sluice.Org, g *sluice.Grant, purpose string, names []string, now time.Time) (*Decision, error) {
	if purpose == "" && g != nil {
		purpose = g.Purpose
	}
	if purpose == "" {
		return nil, sluice.Errorf(sluice.EINVALID, "purpose required (or the grant that names it).")
	}
	if g != nil && g.Purpose != purpose {
		return nil, sluice.Errorf(sluice.EINVALID, "Grant %d is for purpose %q, not %q.", g.ID, g.Purpose, purpose)
	}
	p, err := sh.Purposes.FindPurposeByName(ctx, consumer.ID, purpose)
	if sluice.ErrorCode(err) == sluice.ENOTFOUND {
		return nil, sluice.Errorf(sluice.EINVALID, "Purpose %q is not one org %s has declared.", purpose, consumer.Name)
	} else if err != nil {
		return nil, err
	}
	dec := &Decision{Dataset: d, Consumer: consumer, At: now}
	if dec.Fields, err = policyFields(d, g, names); err != nil {
		return nil, err
	}
	if err := sh.refreshGrants(ctx, consumer.ID, d.ID); err != nil {
		return nil, err
	}
	if err := sh.refreshPolicy(ctx, d.OrgID); err != nil {
		return nil, err
	}
	dec.Request = policy.Request{
		Consumer: policyConsumer(consumer, g),
		Dataset:  policy.Dataset{ID: d.ID, Owner: d.OrgID, Region: d.Region, Minors: d.Minors || d.HoldsMinors}, // declared, or found by classification
		Purpose: policy.Purpose{Name: p.Name, LegalBasis: policy.Basis(p.LegalBasis), SpecialCondition: p.SpecialCategoryCondition,
			Profiling: p.Profiling},
		Now: now,
	}
	if g != nil {
		dec.Request.GrantID = g.ID
	}
	if err := sh.creditFacts(ctx, d, &dec.Request.Dataset); err != nil {
		return nil, err
	}
	if err := dec.Request.Validate(); err != nil {
		return nil, err
	}
	dec.Plan = sh.Engine.Plan(&dec.Request, dec.Fields)
	return dec, nil
}

// policyFields returns the decision engine's view of the named fields of
// d (default: g's fields, else every field), each once.
func policyFields(d *sluice.Dataset, g *sluice.Grant, names []string) ([]policy.Field, error) {
	if names == nil {
		if g != nil {
			names = g.FieldNames()
		} else {
			for _, f := range d.Fields {
				names = append(names, f.Name)
			}
		}
	}
	out := make([]policy.Field, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		f := d.Field(name)
		if f == nil {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: name, Message: "Dataset " + strconv.FormatInt(d.ID, 10) + " has no field \"" + name + "\"."}
		} else if seen[name] {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: name, Message: "Field \"" + name + "\" is asked for twice."}
		}
		seen[name] = true
		out = append(out, PolicyField(d, f))
	}
	return out, nil
}

// PutPolicy replaces the acting org's Cedar policy text (empty: none) and
// installs it; a syntax error is EINVALID with its line and column.
func (sh *Service) PutPolicy(ctx context.Context, text []byte) (*sluice.OrgPolicy, *policy.CedarSet, error) {
	org := sluice.ActorFromContext(ctx).Org
	set, err := policy.ParseCedar(org.ID, text)
	if err != nil {
		return nil, nil, err
	}
	p, err := sh.Policies.PutPolicy(ctx, string(text))
	if err != nil {
		return nil, nil, err
	}
	sh.installPolicy(p, sh.logger())
	return p, set, nil
}

// FindPolicy returns the acting org's stored policy text and the policies
// parsed from it.
func (sh *Service) FindPolicy(ctx context.Context) (*sluice.OrgPolicy, *policy.CedarSet, error) {
	org := sluice.ActorFromContext(ctx).Org
	p, err := sh.Policies.FindPolicy(ctx, org.ID)
	if err != nil {
		return nil, nil, err
	}
	set, _ := policy.ParseCedar(org.ID, []byte(p.Text))
	return p, set, nil
}

// creditFacts sets the facts of the credit flow rule on pd: whether d
// holds credit information and, if so, its owner's sector.
func (sh *Service) creditFacts(ctx context.Context, d *sluice.Dataset, pd *policy.Dataset) error {
	rules := sh.Engine.Rules()
	for _, f := range d.Fields {
		for _, c := range f.Categories {
			if rules.CreditCategory([]string{c.Key}) {
				pd.Credit = true
			}
		}
	}
	if !pd.Credit {
		return nil
	}
	owner, err := sh.Orgs.FindOrgByID(operatorContext(ctx), d.OrgID)
	if err != nil {
		return err
	}
	pd.OwnerSector = owner.Sector
	return nil
}
