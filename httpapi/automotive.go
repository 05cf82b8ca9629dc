package httpapi

import (
	"net/http"
	"strconv"

	"github.com/sluice-gateway/sluice"
)

// automotiveRoutes adds the routes of what owners declare of their
// datasets and of the automotive annual report.
func (s *Server) automotiveRoutes(mux *http.ServeMux) {
	mux.Handle("PATCH /v1/datasets/{id}", s.auth(s.handleUpdateDataset, sluice.RoleOwner))
	if s.Automotive != nil {
		mux.Handle("GET /v1/orgs/{id}/automotive-report", s.auth(s.handleAutomotiveReport, sluice.RoleOwner, sluice.RoleAuditor, sluice.RoleSupervisor))
	}
}

// declare sets what the owner declares of the automotive data of d, a
// dataset being created, and the grade that gives it (Automotive
// Provisions Art. 3(1)-(4)).
func (s *Server) declare(r *http.Request, d *sluice.Dataset, auto *sluice.AutoDeclaration) {
	if auto == nil {
		return
	}
	d.Automotive, d.Region = *auto, sluice.ActorFromContext(r.Context()).Org.Region
	d.Grade = sluice.GradeDeclared(s.Catalog, d, "", sluice.Now())
}

// UpdateDatasetRequest is the body of PATCH /v1/datasets/{id}: what the
// owner declares of the dataset. An absent member is left as it is.
type UpdateDatasetRequest struct {
	// Automotive replaces the dataset's automotive declaration whole:
	// sensitive_area, economic_operation, charging_network (booleans) and
	// exterior_images (anonymised, faces, plates, faces_and_plates, or
	// "" for none).
	Automotive *sluice.AutoDeclaration `json:"automotive"`
}

// handleUpdateDataset serves PATCH /v1/datasets/{id}: it sets what the
// owner declares the dataset holds that classification cannot see — data
// of sensitive areas, data reflecting economic operation, charging-
// network operating data, exterior video and images with faces or plates
// (Automotive Provisions Art. 3(1)-(4)) — regrades the dataset (each
// makes it important data) and logs the change. Roles: owners of the
// dataset's org only.
func (s *Server) handleUpdateDataset(w http.ResponseWriter, r *http.Request) {
	d, err := s.dataset(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	var req UpdateDatasetRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	} else if req.Automotive == nil {
		writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, `Send {"automotive": {...}}, what the dataset holds of the automotive classes.`))
		return
	} else if err := req.Automotive.Validate(); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	d.Automotive = *req.Automotive
	grade := sluice.GradeDeclared(s.Catalog, d, sluice.ActorFromContext(r.Context()).Org.Sector, sluice.Now())
	if err := s.Datasets.UpdateDataset(r.Context(), d.ID, sluice.DatasetUpdate{Automotive: req.Automotive}, grade); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if d, err = s.Datasets.FindDatasetByID(r.Context(), d.ID); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// handleAutomotiveReport serves GET /v1/orgs/{id}/automotive-report?year=Y:
// the annual report of automotive data security management (Automotive
// Provisions; due 15 December), filled from sluice's own records — the
// processor, its datasets of important data with their classes (Art. 3)
// and people counted per processor, its transfers abroad and sharing of
// the year, its incidents — with the items sluice cannot know listed for
// the processor to complete. Roles: it only reads; an org's owners and
// auditors read their own org's, supervisors those of the orgs of their
// regions (the view logged).
func (s *Server) handleAutomotiveReport(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	year := 0
	if v := r.URL.Query().Get("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil {
			writeError(w, r, s.Logger, &sluice.Error{Code: sluice.EINVALID, Field: "year", Message: "year: " + strconv.Quote(v) + " is not a year."})
			return
		}
	}
	rep, err := s.Automotive.AnnualReport(r.Context(), id, year)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
