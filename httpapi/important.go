package httpapi

import (
	"net/http"

	"github.com/sluice-gateway/sluice"
)

// importantRoutes adds the routes of notified important data (O16 Art. 2;
// NDSR Art. 37). Supervisors read a notice on the dataset they view
// (GET /v1/supervisor/datasets/{id}, field important_notice).
func (s *Server) importantRoutes(mux *http.ServeMux) {
	mux.Handle("PUT /v1/datasets/{id}/important", s.auth(s.handlePutImportant, sluice.RoleOwner))
	mux.Handle("DELETE /v1/datasets/{id}/important", s.auth(s.handleDeleteImportant, sluice.RoleOwner))
	mux.Handle("GET /v1/datasets/{id}/important", s.auth(s.handleGetImportant, sluice.RoleOwner, sluice.RoleAuditor))
}

// ImportantRequest is the body of PUT /v1/datasets/{id}/important: the
// authority's notice that the dataset is important data.
type ImportantRequest struct {
	Notice    string `json:"notice"`
	Authority string `json:"authority"`
	Date      string `json:"date"` // YYYY-MM-DD
}

// handlePutImportant records that an authority notified the dataset as
// important data, replacing any earlier notice. Owners only.
func (s *Server) handlePutImportant(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Dataset")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	var req ImportantRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	n := &sluice.ImportantNotice{Notice: req.Notice, Authority: req.Authority, Date: req.Date}
	if err := s.Important.SetImportantNotice(r.Context(), id, n); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

// handleDeleteImportant clears the dataset's notice (withdrawn, or
// recorded in error). Owners only.
func (s *Server) handleDeleteImportant(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Dataset")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if err := s.Important.ClearImportantNotice(r.Context(), id); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleGetImportant returns the dataset's notice; 404 if it has none.
// Owners and auditors of the dataset's org.
func (s *Server) handleGetImportant(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Dataset")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	n, err := s.Important.FindImportantNotice(r.Context(), id)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}
