package httpapi

import (
	"context"
	"io"
	"net/http"
	"time"

	"sluice"
	"sluice/policy"
)

// PolicyResponse is the body of PUT and GET /v1/policies: the org's
// stored Cedar text with its hash and version, and the policies parsed
// from it.
type PolicyResponse struct {
	*sluice.OrgPolicy
	Policies []PolicySummary `json:"policies"`
}

// PolicySummary describes one parsed policy.
type PolicySummary struct {
	ID      string `json:"id"`
	Effect  string `json:"effect"` // permit or forbid
	Line    int    `json:"line"`
	Dataset int64  `json:"dataset,omitempty"` // the dataset its scope names; absent: every dataset of the org
}

// handlePutPolicy serves PUT /v1/policies: the body is the org's whole
// Cedar policy text (any content type), replacing what it had; an empty
// body removes its policies. A syntax error is a 400 whose message and
// "line" give the line and column.
func (s *Server) handlePutPolicy(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	org := sluice.ActorFromContext(ctx).Org
	text, err := io.ReadAll(http.MaxBytesReader(w, r.Body, policy.MaxCedarText))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	set, err := policy.ParseCedar(org.ID, text)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	p, err := s.Policies.PutPolicy(ctx, string(text))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	s.Sharing.installPolicy(p, s.Logger)
	writeJSON(w, http.StatusOK, policyResponse(p, set))
}

func policyResponse(p *sluice.OrgPolicy, set *policy.CedarSet) PolicyResponse {
	out := PolicyResponse{OrgPolicy: p, Policies: []PolicySummary{}}
	if set != nil {
		for _, cp := range set.Policies {
			effect := "permit"
			if cp.Forbid {
				effect = "forbid"
			}
			out.Policies = append(out.Policies, PolicySummary{ID: cp.ID, Effect: effect, Line: cp.Line, Dataset: cp.Dataset})
		}
	}
	return out
}

func (s *Server) handleGetPolicy(w http.ResponseWriter, r *http.Request) {
	org := sluice.ActorFromContext(r.Context()).Org
	p, err := s.Policies.FindPolicy(r.Context(), org.ID)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	set, _ := policy.ParseCedar(org.ID, []byte(p.Text))
	writeJSON(w, http.StatusOK, policyResponse(p, set))
}

// DecisionRequest is the body of POST /v1/decisions: what would happen
// if consumer read these fields of the dataset now (or at At), for the
// purpose or under the grant. A consumer key asks about its own org; an
// owner key asks about a consumer of its own dataset.
type DecisionRequest struct {
	Dataset  int64      `json:"dataset"`
	Fields   []string   `json:"fields,omitempty"` // default: the grant's fields, else every field
	Purpose  string     `json:"purpose,omitempty"`
	Grant    int64      `json:"grant,omitempty"`
	Consumer int64      `json:"consumer,omitempty"` // org id; owner keys only
	At       *time.Time `json:"at,omitempty"`
}

// DecisionResponse is the answer of POST /v1/decisions: one decision per
// field, with its rule and legal reference, and the consent each record's
// subject would need to be served. No data is read.
type DecisionResponse struct {
	Dataset     int64                  `json:"dataset"`
	Consumer    int64                  `json:"consumer"`
	Purpose     string                 `json:"purpose"`
	Grant       int64                  `json:"grant,omitempty"`
	At          time.Time              `json:"at"`
	Fields      []policy.FieldDecision `json:"fields"`
	Served      int                    `json:"served"`  // fields that would be served
	Consent     string                 `json:"consent"` // none, consent or separate_consent
	ConsentRule *policy.Rule           `json:"consent_rule,omitempty"`
}

func (s *Server) handleDecision(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := sluice.ActorFromContext(ctx)
	var req DecisionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if req.Dataset <= 0 {
		writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "dataset required."))
		return
	}
	var d *sluice.Dataset
	var consumer *sluice.Org
	var err error
	if actor.Role == sluice.RoleOwner {
		if d, err = s.Datasets.FindDatasetByID(ctx, req.Dataset); err != nil { // its own only
			writeError(w, r, s.Logger, err)
			return
		}
		if req.Consumer == 0 {
			writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "consumer required: the org whose read to decide."))
			return
		}
		if consumer, err = s.Orgs.FindOrgByID(ctx, req.Consumer); err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
	} else {
		if req.Consumer != 0 && req.Consumer != actor.Org.ID {
			writeError(w, r, s.Logger, sluice.Errorf(sluice.EFORBIDDEN, "A consumer key asks about its own org only."))
			return
		}
		consumer = actor.Org
		if d, err = s.findSharedDataset(ctx, req.Dataset); err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
	}
	var g *sluice.Grant
	if req.Grant != 0 {
		if g, err = s.Grants.FindGrantByID(ctx, req.Grant); err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
		if g.ConsumerOrgID != consumer.ID || g.DatasetID != d.ID {
			writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "Grant %d is not for this consumer and dataset.", g.ID))
			return
		}
	}
	at := s.Sharing.now()
	if req.At != nil {
		at = req.At.UTC()
	}
	dec, err := s.decide(ctx, d, consumer, g, req.Purpose, req.Fields, at)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	resp := DecisionResponse{
		Dataset: d.ID, Consumer: consumer.ID, Purpose: dec.req.Purpose.Name, Grant: req.Grant, At: at,
		Fields: dec.plan.Fields, Served: dec.plan.Served(), Consent: dec.plan.Consent.String(), ConsentRule: dec.plan.ConsentRule,
	}
	writeJSON(w, http.StatusOK, resp)
}

// A decision is a read decided: its request, its fields and the plan.
type decision struct {
	req    policy.Request
	fields []policy.Field
	plan   *policy.ReadPlan
}

// decide refreshes the grants of consumer on d and the policies of d's
// owner from the store, and decides a read of the named fields (default:
// g's fields, else every field of d) for the purpose (default: g's).
func (s *Server) decide(ctx context.Context, d *sluice.Dataset, consumer *sluice.Org, g *sluice.Grant, purpose string, names []string, now time.Time) (*decision, error) {
	if purpose == "" && g != nil {
		purpose = g.Purpose
	}
	if purpose == "" {
		return nil, sluice.Errorf(sluice.EINVALID, "purpose required (or the grant that names it).")
	}
	if g != nil && g.Purpose != purpose {
		return nil, sluice.Errorf(sluice.EINVALID, "Grant %d is for purpose %q, not %q.", g.ID, g.Purpose, purpose)
	}
	p, err := s.Purposes.FindPurposeByName(ctx, consumer.ID, purpose)
	if sluice.ErrorCode(err) == sluice.ENOTFOUND {
		return nil, sluice.Errorf(sluice.EINVALID, "Purpose %q is not one org %s has declared.", purpose, consumer.Name)
	} else if err != nil {
		return nil, err
	}
	if names == nil {
		if g != nil {
			names = g.FieldNames()
		} else {
			for _, f := range d.Fields {
				names = append(names, f.Name)
			}
		}
	}
	dec := &decision{fields: make([]policy.Field, 0, len(names))}
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		f := d.Field(name)
		if f == nil {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: name, Message: "Dataset " + itoa(d.ID) + " has no field \"" + name + "\"."}
		} else if seen[name] {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: name, Message: "Field \"" + name + "\" is asked for twice."}
		}
		seen[name] = true
		dec.fields = append(dec.fields, PolicyField(d, f))
	}
	if err := s.Sharing.refreshGrants(ctx, s.Grants, consumer.ID, d.ID); err != nil {
		return nil, err
	}
	if err := s.Sharing.refreshPolicy(ctx, s.Policies, d.OrgID, s.Logger); err != nil {
		return nil, err
	}
	dec.req = policy.Request{
		Consumer: policyConsumer(consumer, g),
		Dataset:  policy.Dataset{ID: d.ID, Owner: d.OrgID, Region: d.Region},
		Purpose:  policy.Purpose{Name: p.Name, LegalBasis: policy.Basis(p.LegalBasis)},
		Now:      now,
	}
	if g != nil {
		dec.req.GrantID = g.ID
	}
	if err := dec.req.Validate(); err != nil {
		return nil, err
	}
	dec.plan = s.Sharing.Engine.Plan(&dec.req, dec.fields)
	return dec, nil
}
