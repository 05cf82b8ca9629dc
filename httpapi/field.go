package httpapi

import (
	"net/http"
	"slices"

	"github.com/sluice-gateway/sluice"
)

// A Catalog knows the data categories: it fills in what a set of category
// keys makes of a field, and grades datasets. classify.Catalog is one.
type Catalog interface {
	// Describe sets f's categories to keys and its personal, sensitive
	// and grade to what they make it. It returns EINVALID for an unknown
	// key.
	Describe(f *sluice.Field, keys []string) error
	sluice.DatasetGrader
}

// UpdateFieldRequest is the body of PATCH /v1/datasets/{id}/fields/{name}:
// the field's categories as a person confirms or corrects them.
type UpdateFieldRequest struct {
	Categories *[]string `json:"categories"`
}

func (s *Server) handleUpdateField(w http.ResponseWriter, r *http.Request) {
	d, err := s.dataset(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	name := r.PathValue("name")
	old := d.Field(name)
	if old == nil {
		writeError(w, r, s.Logger, &sluice.Error{Code: sluice.ENOTFOUND, Field: name, Message: "Dataset has no field \"" + name + "\"."})
		return
	}
	var req UpdateFieldRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	} else if req.Categories == nil {
		writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, `Send {"categories": [...]}, the field's category keys ([] for none).`))
		return
	} else if s.Catalog == nil {
		writeError(w, r, s.Logger, sluice.Errorf(sluice.EUNAVAILABLE, "This server has no category catalog."))
		return
	}
	f, grade, err := s.correctField(r, d, old, *req.Categories)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if err := s.Datasets.UpdateField(r.Context(), d.ID, f, grade); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if d, err = s.Datasets.FindDatasetByID(r.Context(), d.ID); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// correctField describes field old of d with the category keys, and
// grades the dataset as it will be with the corrected field.
func (s *Server) correctField(r *http.Request, d *sluice.Dataset, old *sluice.Field, categories []string) (*sluice.Field, sluice.Grade, error) {
	keys := slices.Compact(slices.Sorted(slices.Values(categories)))
	f := &sluice.Field{Name: old.Name, NonEmpty: old.NonEmpty, Minors: old.Minors}
	if err := s.Catalog.Describe(f, keys); err != nil {
		return nil, "", err
	}
	fields := make([]*sluice.Field, len(d.Fields))
	for i, g := range d.Fields {
		c := *g
		if g.Name == old.Name {
			c = *f
		}
		fields[i] = &c
	}
	actor := sluice.ActorFromContext(r.Context())
	corrected := *d
	corrected.Fields = fields
	grade := sluice.GradeDeclared(s.Catalog, &corrected, actor.Org.Sector, sluice.Now())
	for _, g := range fields {
		if g.Name == old.Name {
			f.Grade = g.Grade // a volume rule may lift it
		}
	}
	return f, grade, nil
}
