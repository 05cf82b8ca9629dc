package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"sluice"
	"sluice/policy"
)

// CreatePurposeRequest is the body of POST /v1/purposes.
type CreatePurposeRequest struct {
	Name          string   `json:"name"`
	LegalBasis    string   `json:"legal_basis"`
	Categories    []string `json:"categories"`
	RetentionDays int      `json:"retention_days"`
}

// PurposeList is the body of GET /v1/purposes.
type PurposeList struct {
	Purposes []*sluice.Purpose `json:"purposes"`
	Total    int               `json:"total"`
}

func (s *Server) handleCreatePurpose(w http.ResponseWriter, r *http.Request) {
	var req CreatePurposeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	org := sluice.ActorFromContext(r.Context()).Org
	if err := s.checkBasis(org.Region, req.LegalBasis); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	p := &sluice.Purpose{Name: req.Name, LegalBasis: req.LegalBasis, Categories: req.Categories, RetentionDays: req.RetentionDays}
	if err := s.Purposes.CreatePurpose(r.Context(), p); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

// checkBasis returns EINVALID unless basis is a legal basis of the regime
// that governs data of region.
func (s *Server) checkBasis(region sluice.Region, basis string) error {
	if basis == "" {
		return nil // the store reports it missing
	}
	rules := s.Sharing.Engine.Rules()
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

func (s *Server) handleListPurposes(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := pageParams(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	ps, n, err := s.Purposes.FindPurposes(r.Context(), sluice.PurposeFilter{Limit: limit, Offset: offset})
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if ps == nil {
		ps = []*sluice.Purpose{}
	}
	writeJSON(w, http.StatusOK, PurposeList{Purposes: ps, Total: n})
}

// CreateGrantRequest is the body of POST /v1/grants.
type CreateGrantRequest struct {
	Dataset           int64    `json:"dataset"`
	Fields            []string `json:"fields"`
	Purpose           string   `json:"purpose"`
	LegalBasis        string   `json:"legal_basis,omitempty"`
	Justification     string   `json:"justification"`
	DurationDays      int      `json:"duration_days"`
	WrittenRequestRef string   `json:"written_request_ref,omitempty"`
}

func (s *Server) handleCreateGrant(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req CreateGrantRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if req.Dataset > 0 {
		// The basis must exist where the data is; an unknown dataset is
		// the store's to report, one the consumer may not see ours.
		d, err := s.findSharedDataset(ctx, req.Dataset)
		if err == nil {
			err = s.checkBasis(d.Region, req.LegalBasis)
		} else if sluice.ErrorCode(err) == sluice.ENOTFOUND && s.DatasetVisible != nil {
			err = sluice.Errorf(sluice.ENOTFOUND, "Dataset %d not found.", req.Dataset)
		} else {
			err = nil
		}
		if err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
	}
	g := &sluice.Grant{
		DatasetID: req.Dataset, RequestedFields: req.Fields, Purpose: req.Purpose, LegalBasis: req.LegalBasis,
		Justification: req.Justification, DurationDays: req.DurationDays, WrittenRequestRef: req.WrittenRequestRef,
	}
	if err := s.Grants.CreateGrant(ctx, g); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	s.indexGrant(r, g)
	writeJSON(w, http.StatusCreated, g)
}

// indexGrant puts a grant the store accepted into the decision engine's
// index. A failure is logged: the next read refreshes the grant anyway.
func (s *Server) indexGrant(r *http.Request, g *sluice.Grant) {
	if err := s.Sharing.putGrant(g); err != nil {
		s.Logger.ErrorContext(r.Context(), "index grant", "grant", g.ID, "err", err)
	}
}

// GrantList is the body of GET /v1/grants.
type GrantList struct {
	Grants []*sluice.Grant `json:"grants"`
	Total  int             `json:"total"`
}

// handleListGrants serves GET /v1/grants?role=owner|consumer&status=…&dataset=….
// role says which side of the grants to list: those on the org's datasets
// (owner) or those it asked for (consumer); by default the key's role's
// side, and both for an auditor key.
func (s *Server) handleListGrants(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := sluice.ActorFromContext(ctx)
	limit, offset, err := pageParams(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if limit == 0 {
		limit = sluice.DefaultGrantLimit
	}
	filter := sluice.GrantFilter{Limit: limit, Offset: offset}
	q := r.URL.Query()
	role := q.Get("role")
	if role == "" && actor.Role != sluice.RoleAuditor {
		role = string(actor.Role)
	}
	switch role {
	case "":
	case string(sluice.RoleOwner):
		filter.OwnerOrgID = &actor.Org.ID
	case string(sluice.RoleConsumer):
		filter.ConsumerOrgID = &actor.Org.ID
	default:
		writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "role must be owner or consumer."))
		return
	}
	if v := q.Get("status"); v != "" {
		st := sluice.GrantStatus(v)
		if err := st.Validate(); err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
		filter.Status = &st
	}
	if v := q.Get("dataset"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "dataset must be a dataset id."))
			return
		}
		filter.DatasetID = &id
	}
	gs, n, err := s.Grants.FindGrants(ctx, filter)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if gs == nil {
		gs = []*sluice.Grant{}
	}
	writeJSON(w, http.StatusOK, GrantList{Grants: gs, Total: n})
}

func (s *Server) handleGetGrant(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Grant")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	g, err := s.Grants.FindGrantByID(r.Context(), id)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

// ApproveGrantRequest is the body of POST /v1/grants/{id}/approve. Every
// field is optional: by default every requested field is approved with the
// default operators, for the duration asked.
type ApproveGrantRequest struct {
	// Fields narrows the grant and sets per-field operators ("mask(3,4)",
	// "pseudonym", "generalize(year)", "redact", "clear"; "" or "default"
	// for the category default).
	Fields []sluice.GrantField `json:"fields,omitempty"`
	// ExpiresAt or DurationDays (from now) end the grant earlier (or
	// later) than asked; at most one of them.
	ExpiresAt            *time.Time `json:"expires_at,omitempty"`
	DurationDays         int        `json:"duration_days,omitempty"`
	RiskAssessmentRef    string     `json:"risk_assessment_ref,omitempty"`
	WrittenRequestRef    string     `json:"written_request_ref,omitempty"`
	AuthorityApprovalRef string     `json:"authority_approval_ref,omitempty"`
	IdentifiedData       bool       `json:"identified_data,omitempty"`
}

func (s *Server) handleApproveGrant(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Grant")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	var req ApproveGrantRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	a := sluice.GrantApproval{
		ExpiresAt: req.ExpiresAt, RiskAssessmentRef: req.RiskAssessmentRef, WrittenRequestRef: req.WrittenRequestRef,
		AuthorityApprovalRef: req.AuthorityApprovalRef, IdentifiedData: req.IdentifiedData,
	}
	switch {
	case req.DurationDays != 0 && req.ExpiresAt != nil:
		writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "Give expires_at or duration_days, not both."))
		return
	case req.DurationDays < 0 || req.DurationDays > sluice.MaxGrantDays:
		writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "duration_days must be from 1 to %d.", sluice.MaxGrantDays))
		return
	case req.DurationDays > 0:
		t := s.Sharing.now().Add(time.Duration(req.DurationDays) * 24 * time.Hour)
		a.ExpiresAt = &t
	}
	if req.Fields != nil {
		a.Fields = make([]sluice.GrantField, len(req.Fields))
		for i, f := range req.Fields {
			op, err := policy.ParseOp(f.Op)
			if err != nil {
				writeError(w, r, s.Logger, &sluice.Error{Code: sluice.EINVALID, Field: f.Name, Message: "Field " + strconv.Quote(f.Name) + ": " + sluice.ErrorMessage(err)})
				return
			}
			a.Fields[i] = sluice.GrantField{Name: f.Name}
			if !op.IsZero() {
				a.Fields[i].Op = op.String()
			}
		}
	}
	g, err := s.Grants.ApproveGrant(r.Context(), id, a)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	s.indexGrant(r, g)
	writeJSON(w, http.StatusOK, g)
}

// GrantReasonRequest is the body of POST /v1/grants/{id}/deny and
// /revoke.
type GrantReasonRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) handleDenyGrant(w http.ResponseWriter, r *http.Request) {
	s.handleGrantReason(w, r, s.Grants.DenyGrant)
}

func (s *Server) handleRevokeGrant(w http.ResponseWriter, r *http.Request) {
	s.handleGrantReason(w, r, s.Grants.RevokeGrant)
}

func (s *Server) handleGrantReason(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, id int64, reason string) (*sluice.Grant, error)) {
	id, err := pathID(r, "Grant")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	var req GrantReasonRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
	}
	g, err := change(r.Context(), id, req.Reason)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	s.indexGrant(r, g)
	writeJSON(w, http.StatusOK, g)
}
