package httpapi

import (
	"net/http"
	"strconv"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/incident"
)

// incidentRoutes adds the incident routes, when the server runs the
// incident service.
func (s *Server) incidentRoutes(mux *http.ServeMux) {
	if s.Incidents == nil {
		return
	}
	mux.Handle("POST /v1/incidents", s.auth(s.handleOpenIncident, sluice.RoleOwner))
	mux.Handle("GET /v1/incidents", s.auth(s.handleListIncidents, sluice.RoleOwner, sluice.RoleAuditor, sluice.RoleSupervisor))
	mux.Handle("GET /v1/incidents/{id}", s.auth(s.handleGetIncident, sluice.RoleOwner, sluice.RoleAuditor, sluice.RoleSupervisor))
	mux.Handle("PATCH /v1/incidents/{id}", s.auth(s.handleUpdateIncident, sluice.RoleOwner))
	mux.Handle("POST /v1/incidents/{id}/close", s.auth(s.handleCloseIncident, sluice.RoleOwner))
}

// IncidentList is the body of GET /v1/incidents.
type IncidentList struct {
	Incidents []*sluice.Incident `json:"incidents"`
}

// handleOpenIncident serves POST /v1/incidents {severity, discovered_at,
// datasets, subjects, personal_data, high_risk, national_security,
// description, notice}: the server computes the reports due and their
// clocks from the rules and logs the incident. Owners act; auditors and
// supervisors read.
func (s *Server) handleOpenIncident(w http.ResponseWriter, r *http.Request) {
	var x sluice.Incident
	if err := decodeJSON(w, r, &x); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	out, err := s.Incidents.Open(r.Context(), &x)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// handleUpdateIncident serves PATCH /v1/incidents/{id} (incident.Update):
// new facts, the PIPL Art. 57 notice, and the reports made ("reported":
// clock IDs). Owners act; auditors and supervisors read.
func (s *Server) handleUpdateIncident(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	var u incident.Update
	if err := decodeJSON(w, r, &u); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	out, err := s.Incidents.Modify(r.Context(), id, u)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleCloseIncident serves POST /v1/incidents/{id}/close; a
// personal-information incident closes only with its complete notice.
// Owners act; auditors and supervisors read.
func (s *Server) handleCloseIncident(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	out, err := s.Incidents.Close(r.Context(), id)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleListIncidents serves GET /v1/incidents[?org=ID]: the org's
// incidents, newest first, overdue clocks marked. Owners and auditors read
// their org's; supervisors name an org of their regions with ?org=.
func (s *Server) handleListIncidents(w http.ResponseWriter, r *http.Request) {
	org, err := orgParam(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	xs, err := s.Incidents.Find(r.Context(), org, 0)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if xs == nil {
		xs = []*sluice.Incident{}
	}
	writeJSON(w, http.StatusOK, IncidentList{Incidents: xs})
}

// handleGetIncident serves GET /v1/incidents/{id}[?org=ID]. Owners and
// auditors read their org's; supervisors name an org of their regions.
func (s *Server) handleGetIncident(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	org, err := orgParam(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	xs, err := s.Incidents.Find(r.Context(), org, id)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, xs[0])
}

func incidentID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, sluice.Errorf(sluice.EINVALID, "Incident id %q is not a number.", r.PathValue("id"))
	}
	return id, nil
}

// orgParam returns the ?org= a supervisor names, 0 if none.
func orgParam(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("org")
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, &sluice.Error{Code: sluice.EINVALID, Field: "org", Message: "org: " + strconv.Quote(v) + " is not an org id."}
	}
	return id, nil
}
