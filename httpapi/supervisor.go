package httpapi

import (
	"net/http"

	"github.com/sluice-gateway/sluice"
)

// supervisorRoutes adds the supervisor's read-only routes: the overview
// across the orgs of its regions, each org's metadata, and one dataset.
func (s *Server) supervisorRoutes(mux *http.ServeMux) {
	mux.Handle("GET /v1/supervisor/overview", s.auth(s.handleSupervisorOverview, sluice.RoleSupervisor))
	mux.Handle("GET /v1/supervisor/orgs", s.auth(s.handleSupervisorOrgs, sluice.RoleSupervisor))
	mux.Handle("GET /v1/supervisor/datasets/{id}", s.auth(s.handleSupervisorDataset, sluice.RoleSupervisor))
}

func (s *Server) handleSupervisorOverview(w http.ResponseWriter, r *http.Request) {
	ov, _, err := s.Supervise.Overview(r.Context())
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, ov)
}

func (s *Server) handleSupervisorOrgs(w http.ResponseWriter, r *http.Request) {
	views, err := s.Supervise.View(r.Context(), "orgs")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"orgs": views})
}

func (s *Server) handleSupervisorDataset(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Dataset")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	d, _, err := s.Supervise.Dataset(r.Context(), id)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}
