package httpapi

import (
	"net/http"
	"strconv"

	"github.com/sluice-gateway/sluice"
)

// CreateConsentRequest is the body of POST /v1/consents: one entry of the
// owner's consent ledger. The subject is given either as the identifier
// (a resident ID, phone number, e-mail …), which is turned into its
// subject key at once and not kept, or as the subject key itself. The
// purpose is named, or taken from the grant the consent was asked for.
type CreateConsentRequest struct {
	Subject    string             `json:"subject,omitempty"`
	SubjectKey string             `json:"subject_key,omitempty"`
	Purpose    string             `json:"purpose,omitempty"`
	Grant      int64              `json:"grant,omitempty"`
	Kind       sluice.ConsentKind `json:"kind"`
	Evidence   string             `json:"evidence,omitempty"`
}

// ConsentList is the body of GET /v1/consents.
type ConsentList struct {
	Consents []*sluice.Consent `json:"consents"`
	Total    int               `json:"total"`
}

func (s *Server) handleCreateConsent(w http.ResponseWriter, r *http.Request) {
	var req CreateConsentRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	c := &sluice.Consent{Purpose: req.Purpose, GrantID: req.Grant, Kind: req.Kind, Evidence: req.Evidence}
	if err := s.Sharing.CreateConsent(r.Context(), req.Subject, req.SubjectKey, c); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// handleListConsents serves GET /v1/consents?subject=…|subject_key=…&purpose=…&grant=…:
// the entries of the org's ledger, in the order they were recorded.
func (s *Server) handleListConsents(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := pageParams(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	q := r.URL.Query()
	filter := sluice.ConsentFilter{Limit: limit, Offset: offset}
	if q.Get("subject") != "" || q.Get("subject_key") != "" {
		key, err := s.Sharing.SubjectKey(sluice.OrgIDFromContext(r.Context()), q.Get("subject"), q.Get("subject_key"))
		if err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
		filter.SubjectKey = &key
	}
	if v := q.Get("purpose"); v != "" {
		filter.Purpose = &v
	}
	if v := q.Get("grant"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "grant must be a grant id."))
			return
		}
		filter.GrantID = &id
	}
	cs, n, err := s.Sharing.Consents.FindConsents(r.Context(), filter)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if cs == nil {
		cs = []*sluice.Consent{}
	}
	writeJSON(w, http.StatusOK, ConsentList{Consents: cs, Total: n})
}
