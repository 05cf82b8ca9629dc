package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/sluice-gateway/sluice"
)

// CreatePurposeRequest is the body of POST /v1/purposes.
type CreatePurposeRequest struct {
	Name          string   `json:"name"`
	LegalBasis    string   `json:"legal_basis"`
	Categories    []string `json:"categories"`
	RetentionDays int      `json:"retention_days"`
	// SpecialCategoryCondition: for GDPR data, the Art. 9(2) or Art. 10
	// condition the purpose relies on for special categories.
	SpecialCategoryCondition string `json:"special_category_condition,omitempty"`
	// Profiling: the purpose profiles people (refused children's data).
	Profiling bool `json:"profiling,omitempty"`
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
	p := &sluice.Purpose{Name: req.Name, LegalBasis: req.LegalBasis, Categories: req.Categories, RetentionDays: req.RetentionDays,
		SpecialCategoryCondition: req.SpecialCategoryCondition, Profiling: req.Profiling}
	if err := s.Sharing.CreatePurpose(r.Context(), p); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) handleListPurposes(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := pageParams(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	ps, n, err := s.Sharing.Purposes.FindPurposes(r.Context(), sluice.PurposeFilter{Limit: limit, Offset: offset})
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
	var req CreateGrantRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	g := &sluice.Grant{
		DatasetID: req.Dataset, RequestedFields: req.Fields, Purpose: req.Purpose, LegalBasis: req.LegalBasis,
		Justification: req.Justification, DurationDays: req.DurationDays, WrittenRequestRef: req.WrittenRequestRef,
	}
	if err := s.Sharing.CreateGrant(r.Context(), g); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusCreated, g)
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
	filter, err := grantFilter(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	gs, n, err := s.Sharing.Grants.FindGrants(r.Context(), filter)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if gs == nil {
		gs = []*sluice.Grant{}
	}
	writeJSON(w, http.StatusOK, GrantList{Grants: gs, Total: n})
}

// grantFilter parses the page, role, status and dataset of a grant list.
func grantFilter(r *http.Request) (sluice.GrantFilter, error) {
	actor := sluice.ActorFromContext(r.Context())
	limit, offset, err := pageParams(r)
	if err != nil {
		return sluice.GrantFilter{}, err
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
		return filter, sluice.Errorf(sluice.EINVALID, "role must be owner or consumer.")
	}
	if v := q.Get("status"); v != "" {
		st := sluice.GrantStatus(v)
		if err := st.Validate(); err != nil {
			return filter, err
		}
		filter.Status = &st
	}
	if v := q.Get("dataset"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return filter, sluice.Errorf(sluice.EINVALID, "dataset must be a dataset id.")
		}
		filter.DatasetID = &id
	}
	return filter, nil
}

func (s *Server) handleGetGrant(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Grant")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	g, err := s.Sharing.Grants.FindGrantByID(r.Context(), id)
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
		Fields: req.Fields, ExpiresAt: req.ExpiresAt, RiskAssessmentRef: req.RiskAssessmentRef, WrittenRequestRef: req.WrittenRequestRef,
		AuthorityApprovalRef: req.AuthorityApprovalRef, IdentifiedData: req.IdentifiedData,
	}
	g, err := s.Sharing.ApproveGrant(r.Context(), id, a, req.DurationDays)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

// GrantReasonRequest is the body of POST /v1/grants/{id}/deny and
// /revoke.
type GrantReasonRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) handleDenyGrant(w http.ResponseWriter, r *http.Request) {
	s.handleGrantReason(w, r, s.Sharing.DenyGrant)
}

func (s *Server) handleRevokeGrant(w http.ResponseWriter, r *http.Request) {
	s.handleGrantReason(w, r, s.Sharing.RevokeGrant)
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
	writeJSON(w, http.StatusOK, g)
}
