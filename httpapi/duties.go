package httpapi

import (
	"net/http"
	"strconv"

	"sluice"
)

// dutyRoutes adds the volume-duty routes, when the server runs the
// duties service.
func (s *Server) dutyRoutes(mux *http.ServeMux) {
	if s.Duties == nil {
		return
	}
	mux.Handle("GET /v1/orgs/{id}/duties", s.auth(s.handleOrgDuties, sluice.RoleOwner, sluice.RoleAuditor))
}

// handleOrgDuties serves GET /v1/orgs/{id}/duties: the distinct people
// across the org's datasets, counted exactly, and the duties that number
// brings (PIPO at 1,000,000 people, PIPL Art. 52, filed within 30 working
// days; a compliance audit every two years above 10,000,000, Art. 54;
// the important-data processor's duties from 10,000,000, NDSR Art. 28 →
// Arts. 30, 32), with the day each was first found to apply and its
// deadline. Roles: it only reads; an org's owners and auditors (and
// supervisors, through an auditor key) read their own org's.
func (s *Server) handleOrgDuties(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "Org id %q is not a number.", r.PathValue("id")))
		return
	}
	d, err := s.Duties.OrgDuties(r.Context(), id)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}
