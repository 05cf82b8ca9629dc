package httpapi

import (
	"io"
	"net/http"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy"
	"github.com/sluice-gateway/sluice/sharing"
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
	text, err := io.ReadAll(http.MaxBytesReader(w, r.Body, policy.MaxCedarText))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	p, set, err := s.Sharing.PutPolicy(r.Context(), text)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
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
	p, set, err := s.Sharing.FindPolicy(r.Context())
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
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
	Consent     string                 `json:"consent"` // none, consent, separate_consent, guardian_consent or written_consent
	ConsentRule *policy.Rule           `json:"consent_rule,omitempty"`
}

func (s *Server) handleDecision(w http.ResponseWriter, r *http.Request) {
	var req DecisionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	dec, err := s.Sharing.Decide(r.Context(), sharing.DecideRequest{
		Dataset: req.Dataset, Fields: req.Fields, Purpose: req.Purpose, Grant: req.Grant, Consumer: req.Consumer, At: req.At,
	})
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, DecisionResponse{
		Dataset: dec.Dataset.ID, Consumer: dec.Consumer.ID, Purpose: dec.Request.Purpose.Name, Grant: req.Grant, At: dec.At,
		Fields: dec.Plan.Fields, Served: dec.Plan.Served(), Consent: dec.Plan.Consent.String(), ConsentRule: dec.Plan.ConsentRule,
	})
}
