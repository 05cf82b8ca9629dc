package httpapi

import (
	"net/http"

	"github.com/sluice-gateway/sluice"
)

// dutyRoutes adds the routes of an org's volume duties and record of
// processing, when the server runs those services.
func (s *Server) dutyRoutes(mux *http.ServeMux) {
	s.automotiveRoutes(mux)
	if s.Duties != nil {
		mux.Handle("GET /v1/orgs/{id}/duties", s.auth(s.handleOrgDuties, sluice.RoleOwner, sluice.RoleAuditor, sluice.RoleSupervisor))
	}
	if s.Processing != nil {
		mux.Handle("GET /v1/orgs/{id}/processing", s.auth(s.handleOrgProcessing, sluice.RoleOwner, sluice.RoleAuditor, sluice.RoleSupervisor))
		mux.Handle("GET /v1/orgs/{id}/pipia", s.auth(s.handleOrgPIPIA, sluice.RoleOwner, sluice.RoleAuditor, sluice.RoleSupervisor))
	}
}

// handleOrgDuties serves GET /v1/orgs/{id}/duties: the distinct people
// across the org's datasets, counted exactly, and the duties that number
// brings (PIPO at 1,000,000 people, PIPL Art. 52, filed within 30 working
// days; a compliance audit every two years above 10,000,000, Art. 54;
// the important-data processor's duties from 10,000,000, NDSR Art. 28 →
// Arts. 30, 32), with the day each was first found to apply and its
// deadline. Roles: it only reads; an org's owners and auditors read their
// own org's, supervisors those of the orgs of their regions (the view
// logged).
func (s *Server) handleOrgDuties(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	d, err := s.Duties.OrgDuties(r.Context(), id)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// handleOrgProcessing serves GET /v1/orgs/{id}/processing: the org's
// record of processing generated from sluice's own data — per dataset its
// purposes, categories, recipients and transfers (GDPR Art. 30(1)) — and
// the processings that need an impact assessment (PIPL Art. 55: exports,
// sensitive data provided to others, automated decisions), kept 3 years
// (Art. 56). Roles: it only reads; an org's owners and auditors read their
// own org's, supervisors those of the orgs of their regions (the view
// logged).
func (s *Server) handleOrgProcessing(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	rec, err := s.Processing.OrgRecord(r.Context(), id)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}
