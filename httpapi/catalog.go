package httpapi

import (
	"net/http"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/sharing"
)

// catalogRoutes adds the sharing catalogue's routes.
func (s *Server) catalogRoutes(mux *http.ServeMux) {
	mux.Handle("PUT /v1/datasets/{id}/catalog", s.auth(s.handlePutCatalogEntry, sluice.RoleOwner))
	mux.Handle("GET /v1/catalog", s.auth(s.handleCatalog, sluice.RoleOwner, sluice.RoleConsumer, sluice.RoleAuditor))
}

// CatalogEntryRequest is the body of PUT /v1/datasets/{id}/catalog.
type CatalogEntryRequest struct {
	Sharing       string `json:"sharing"`
	Opening       string `json:"opening"`
	Justification string `json:"justification"`
	LegalBasis    string `json:"legal_basis"`
	Conditions    string `json:"conditions,omitempty"`
}

func (s *Server) handlePutCatalogEntry(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Dataset")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	var req CatalogEntryRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	e := &sluice.CatalogEntry{Sharing: req.Sharing, Opening: req.Opening, Justification: req.Justification, LegalBasis: req.LegalBasis, Conditions: req.Conditions}
	if err := s.Sharing.PutCatalogEntry(r.Context(), id, e); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// CatalogList is the body of GET /v1/catalog.
type CatalogList struct {
	Datasets []*sharing.CatalogItem `json:"datasets"`
}

func (s *Server) handleCatalog(w http.ResponseWriter, r *http.Request) {
	items, err := s.Sharing.Catalogue(r.Context())
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if items == nil {
		items = []*sharing.CatalogItem{}
	}
	writeJSON(w, http.StatusOK, CatalogList{Datasets: items})
}
