package sharing

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy"
)

// CreatePurpose declares a purpose of the acting org, whose legal basis
// must be one of the regime that governs the org's region.
func (sh *Service) CreatePurpose(ctx context.Context, p *sluice.Purpose) error {
	org := sluice.ActorFromContext(ctx).Org
	if err := sh.checkBasis(org.Region, p.LegalBasis); err != nil {
		return err
	}
	if err := sh.checkSpecialCondition(org.Region, p); err != nil {
		return err
	}
	return sh.Purposes.CreatePurpose(ctx, p)
}

// checkSpecialCondition returns EINVALID unless p's special-category
// condition is empty or one the legal rules list for the GDPR, which
// governs data of region (GDPR Arts. 9(2), 10).
func (sh *Service) checkSpecialCondition(region sluice.Region, p *sluice.Purpose) error {
	c := p.SpecialCategoryCondition
	if c == "" {
		return nil
	}
	rules := sh.Engine.Rules()
	if rules.Regime(region) != policy.RegimeGDPR {
		return sluice.Errorf(sluice.EINVALID, "Purpose %q: special_category_condition is a GDPR Art. 9(2) or Art. 10 condition; data of region %s is governed by %s.", p.Name, region, regimeName(rules.Regime(region)))
	}
	if rules.SpecialCondition(c) == nil {
		return sluice.Errorf(sluice.EINVALID, "Purpose %q: special_category_condition %q is not one of %s (GDPR Art. 9(2)(a)–(j), Art. 10).", p.Name, c, strings.Join(rules.SpecialConditions(), ", "))
	}
	return nil
}

// checkBasis returns EINVALID unless basis is a legal basis of the regime
// that governs data of region.
func (sh *Service) checkBasis(region sluice.Region, basis string) error {
	if basis == "" {
		return nil // the store reports it missing
	}
	rules := sh.Engine.Rules()
	if rules.Basis(region, policy.Basis(basis)) == nil {
		return sluice.Errorf(sluice.EINVALID, "Legal basis %q is not a basis under %s, which governs data of region %s.",
			basis, regimeName(rules.Regime(region)), region)
	}
	return nil
}

func regimeName(regime string) string {
	if regime == policy.RegimeGDPR {
		return "the GDPR (Art. 6)"
	}
	return "PIPL (Art. 13)"
}

// CreateGrant records the acting consumer's request for access and puts
// it into the grant index. The legal basis must exist where the data is.
func (sh *Service) CreateGrant(ctx context.Context, g *sluice.Grant) error {
	if g.DatasetID > 0 {
		// An unknown dataset is the store's to report, one the consumer
		// may not see ours, in the same words.
		d, err := sh.findSharedDataset(ctx, g.DatasetID)
		if err == nil {
			if err = sh.checkBasis(d.Region, g.LegalBasis); err == nil {
				err = sh.checkRequestable(ctx, d)
			}
			if err == nil {
				err = sh.checkSpecialFields(ctx, d, g)
			}
		} else if sluice.ErrorCode(err) == sluice.ENOTFOUND && sh.DatasetVisible != nil {
			err = sluice.Errorf(sluice.ENOTFOUND, "Dataset %d not found.", g.DatasetID)
		} else {
			err = nil
		}
		if err != nil {
			return err
		}
	}
	if err := sh.Grants.CreateGrant(ctx, g); err != nil {
		return err
	}
	sh.indexGrant(ctx, g)
	sh.autoApprove(ctx, g)
	return nil
}

// indexGrant puts a grant the store accepted into the decision engine's
// index. A failure is logged: the next read refreshes the grant anyway.
func (sh *Service) indexGrant(ctx context.Context, g *sluice.Grant) {
	if err := sh.putGrant(g); err != nil {
		sh.logger().ErrorContext(ctx, "index grant", "grant", g.ID, "err", err)
	}
}

// ApproveGrant approves grant id as a: durationDays (from now), if not
// zero, sets its end instead of a.ExpiresAt, and each field's operator is
// checked and written in its canonical form ("" for the category
// default).
func (sh *Service) ApproveGrant(ctx context.Context, id int64, a sluice.GrantApproval, durationDays int) (*sluice.Grant, error) {
	switch {
	case durationDays != 0 && a.ExpiresAt != nil:
		return nil, sluice.Errorf(sluice.EINVALID, "Give expires_at or duration_days, not both.")
	case durationDays < 0 || durationDays > sluice.MaxGrantDays:
		return nil, sluice.Errorf(sluice.EINVALID, "duration_days must be from 1 to %d.", sluice.MaxGrantDays)
	case durationDays > 0:
		t := sh.Clock().Add(time.Duration(durationDays) * 24 * time.Hour)
		a.ExpiresAt = &t
	}
	if a.Fields != nil {
		fields := make([]sluice.GrantField, len(a.Fields))
		var clear []string
		for i, f := range a.Fields {
			op, err := policy.ParseOp(f.Op)
			if err != nil {
				return nil, &sluice.Error{Code: sluice.EINVALID, Field: f.Name, Message: "Field " + strconv.Quote(f.Name) + ": " + sluice.ErrorMessage(err)}
			}
			fields[i] = sluice.GrantField{Name: f.Name}
			if !op.IsZero() {
				fields[i].Op = op.String()
			}
			if op.Kind == policy.OpClear {
				clear = append(clear, f.Name)
			}
		}
		a.Fields = fields
		if err := sh.checkClear(ctx, id, clear, a); err != nil {
			return nil, err
		}
	}
	if err := sh.checkConsumerRegion(ctx, id); err != nil {
		return nil, err
	}
	g, err := sh.Grants.ApproveGrant(ctx, id, a)
	if err != nil {
		return nil, err
	}
	sh.indexGrant(ctx, g)
	return g, nil
}

// DenyGrant refuses a pending grant.
func (sh *Service) DenyGrant(ctx context.Context, id int64, reason string) (*sluice.Grant, error) {
	return sh.changeGrant(ctx, id, reason, sh.Grants.DenyGrant)
}

// RevokeGrant withdraws a grant.
func (sh *Service) RevokeGrant(ctx context.Context, id int64, reason string) (*sluice.Grant, error) {
	return sh.changeGrant(ctx, id, reason, sh.Grants.RevokeGrant)
}

func (sh *Service) changeGrant(ctx context.Context, id int64, reason string, change func(ctx context.Context, id int64, reason string) (*sluice.Grant, error)) (*sluice.Grant, error) {
	g, err := change(ctx, id, reason)
	if err != nil {
		return nil, err
	}
	sh.indexGrant(ctx, g)
	return g, nil
}

// SubjectKey returns org orgID's subject key of an identifier (see
// sluice.NewOrgSubjectKeyer), or key itself; exactly one of them must be
// given.
func (sh *Service) SubjectKey(orgID int64, identifier, key string) (string, error) {
	switch {
	case identifier != "" && key != "":
		return "", sluice.Errorf(sluice.EINVALID, "Give subject or subject_key, not both.")
	case key != "":
		if !sluice.IsSubjectKey(key) {
			return "", sluice.Errorf(sluice.EINVALID, "subject_key is not a subject key (64 lower-case hex characters).")
		}
		return key, nil
	case identifier != "":
		k := sluice.NewOrgSubjectKeyer(sh.SubjectSecret, orgID).Key(identifier)
		if k == "" {
			return "", sluice.Errorf(sluice.EINVALID, "subject is empty.")
		}
		return k, nil
	}
	return "", sluice.Errorf(sluice.EINVALID, "subject (the identifier) or subject_key required.")
}

// CreateConsent records one entry of the acting owner's consent ledger
// for the person identifier or key names (see SubjectKey): the
// identifier is turned into the org's subject key at once and not kept.
func (sh *Service) CreateConsent(ctx context.Context, identifier, key string, c *sluice.Consent) error {
	k, err := sh.SubjectKey(sluice.OrgIDFromContext(ctx), identifier, key)
	if err != nil {
		return err
	}
	if c.Purpose == "" && c.GrantID == 0 {
		return sluice.Errorf(sluice.EINVALID, "Name the purpose, or the grant the consent is for.")
	}
	c.SubjectKey = k
	return sh.Consents.CreateConsent(ctx, c)
}

// checkSpecialFields refuses a grant request, for GDPR-region data, that
// asks for a special-category or criminal field under a purpose with no
// condition covering it (GDPR Arts. 9(2), 10): the read would never serve
// it. It names the first such field and the rule. Fields classified as
// special after the grant are refused at read time instead.
func (sh *Service) checkSpecialFields(ctx context.Context, d *sluice.Dataset, g *sluice.Grant) error {
	rules := sh.Engine.Rules()
	if rules.Regime(d.Region) != policy.RegimeGDPR || g.Purpose == "" {
		return nil
	}
	p, err := sh.Purposes.FindPurposeByName(ctx, sluice.OrgIDFromContext(ctx), g.Purpose)
	if err != nil {
		return nil // an unknown purpose is the store's to report
	}
	basis := g.LegalBasis
	if basis == "" {
		basis = p.LegalBasis
	}
	lb := rules.Basis(d.Region, policy.Basis(basis))
	if lb == nil {
		return nil
	}
	for _, name := range g.RequestedFields {
		f := d.Field(name)
		if f == nil {
			continue
		}
		pf := PolicyField(d, f)
		if deny := rules.SpecialDenial(pf.Categories, p.SpecialCategoryCondition, lb.NeedsConsent); deny != nil {
			return &sluice.Error{Code: sluice.EINVALID, Field: name,
				Message: "Field " + strconv.Quote(name) + ": " + strings.TrimSuffix(deny.Reason, ".") + " (" + deny.Ref() + ")."}
		}
	}
	return nil
}

// checkClear refuses an approval that names "clear" for a field of
// personal information without providing identified data: personal data
// is de-identified before it goes to another party unless an exception
// applies (Shenzhen Data Regulations Arts. 26–27), and the owner claims
// the exception with identified_data, not with an operator.
func (sh *Service) checkClear(ctx context.Context, id int64, names []string, a sluice.GrantApproval) error {
	if len(names) == 0 || a.IdentifiedData {
		return nil
	}
	g, err := sh.Grants.FindGrantByID(ctx, id)
	if err != nil {
		return err
	}
	d, err := sh.Datasets.FindDatasetByID(operatorContext(ctx), g.DatasetID)
	if err != nil {
		return err
	}
	for _, name := range names {
		if f := d.Field(name); f != nil && f.Personal {
			return &sluice.Error{Code: sluice.EINVALID, Field: name, Message: fmt.Sprintf(
				"Field %q holds personal information: it goes to another party de-identified unless an exception applies "+
					"(Shenzhen Data Regulations Arts. 26–27). Give an operator such as mask or hash, or provide identified data "+
					"(identified_data, sluice grant approve --identified) with the exception that allows it.", name)}
		}
	}
	return nil
}

// checkConsumerRegion refuses to approve a grant whose consumer is in
// another region than the dataset: every read would be denied (records
// stay in their region; moving them is a cross-border transfer, decided by
// its own route), so an approval would only look like access.
func (sh *Service) checkConsumerRegion(ctx context.Context, id int64) error {
	g, err := sh.Grants.FindGrantByID(ctx, id)
	if err != nil {
		return err
	}
	d, err := sh.Datasets.FindDatasetByID(operatorContext(ctx), g.DatasetID)
	if err != nil {
		return err
	}
	consumer, err := sh.Orgs.FindOrgByID(operatorContext(ctx), g.ConsumerOrgID)
	if err != nil {
		return err
	}
	if consumer.Region == "" || consumer.Region == d.Region {
		return nil
	}
	return sluice.Errorf(sluice.EINVALID,
		"Grant %d: the consumer's org is in region %s, the dataset in %s. Records stay in their region, so every read through this grant would be refused "+
			"(rule residency.region: DSL Art. 31; PIPL Art. 38; GDPR Art. 44). Moving records to %s is a cross-border transfer: use sluice transfer create, which decides its route; deny this grant.",
		g.ID, consumer.Region, d.Region, consumer.Region)
}
