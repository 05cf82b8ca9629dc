package console

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/workday"
)

// allDatasets returns every dataset the viewer may see.
func (s *Server) allDatasets(v *view) ([]*sluice.Dataset, error) {
	var out []*sluice.Dataset
	for off := 0; ; off += 500 {
		ds, n, err := s.Datasets.FindDatasets(v.ctx(), sluice.DatasetFilter{Offset: off, Limit: 500})
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
		if len(ds) == 0 || len(out) >= n {
			return out, nil
		}
	}
}

// allGrants returns up to 1000 grants the viewer may see, matching f.
func (s *Server) allGrants(v *view, f sluice.GrantFilter) ([]*sluice.Grant, error) {
	if s.Sharing == nil {
		return nil, nil
	}
	f.Limit = 1000
	gs, _, err := s.Sharing.Grants.FindGrants(v.ctx(), f)
	return gs, err
}

// A count is a labelled number.
type count struct {
	Label string
	N     int64
}

// A pending item is something waiting on someone, with its deadline.
type pending struct {
	Kind     string // msg key
	Label    string
	Link     string
	Deadline string
	Overdue  bool
	due      time.Time
}

func (s *Server) handleOverview(v *view) {
	if v.supervisor() {
		s.svOverview(v)
		return
	}
	ds, err := s.allDatasets(v)
	if err != nil {
		s.fail(v, err)
		return
	}
	grades := map[sluice.Grade]int64{}
	regions := map[sluice.Region]int64{}
	var sensitive, records, subjects int64
	for _, d := range ds {
		grades[d.Grade]++
		regions[d.Region]++
		records += d.RecordCount
		subjects += d.Subjects
		for _, f := range d.Fields {
			if f.Sensitive {
				sensitive++
			}
		}
	}
	var byGrade, byRegion []count
	for _, g := range []sluice.Grade{sluice.GradeGeneral, sluice.GradeImportant, sluice.GradeCore} {
		byGrade = append(byGrade, count{string(g), grades[g]})
	}
	for r, n := range regions {
		byRegion = append(byRegion, count{string(r), n})
	}
	slices.SortFunc(byRegion, func(a, b count) int { return cmp.Compare(a.Label, b.Label) })
	data := map[string]any{
		"Datasets": len(ds), "ByGrade": byGrade, "ByRegion": byRegion,
		"Sensitive": sensitive, "Records": records, "Subjects": subjects,
	}
	if v.key.Role == sluice.RoleOwner || v.key.Role == sluice.RoleAuditor {
		charts, err := s.counterCharts(v)
		if err != nil {
			s.fail(v, err)
			return
		}
		data["Charts"] = charts
	}
	items, err := s.pendingItems(v)
	if err != nil {
		s.fail(v, err)
		return
	}
	data["Pending"] = items
	s.render(v, "overview", data)
}

// pendingItems lists pending grants (answer due the owner's answer days,
// in PRC working days, after the request: Shenzhen Data Regulations Art.
// 43) and transfers waiting for evidence or renewal,
// overdue first, then by deadline.
func (s *Server) pendingItems(v *view) ([]pending, error) {
	st := sluice.GrantPending
	gs, err := s.allGrants(v, sluice.GrantFilter{Status: &st})
	if err != nil {
		return nil, err
	}
	now := s.now()
	var items []pending
	owners := map[int64]*sluice.Org{}
	for _, g := range gs {
		owner, ok := owners[g.OwnerOrgID]
		if !ok && s.Orgs != nil {
			owner, _ = s.Orgs.FindOrgByID(v.ctx(), g.OwnerOrgID)
			owners[g.OwnerOrgID] = owner
		}
		due, _ := workday.AddWorkingDays(g.CreatedAt, owner.AnswerDeadline())
		items = append(items, pending{Kind: "pending.grant", Label: "#" + strconv.FormatInt(g.ID, 10) + " · " + g.Purpose,
			Link: "/ui/grants", Deadline: due.Format("2006-01-02"), Overdue: now.After(due), due: due})
	}
	if s.Transfers != nil && (v.key.Role == sluice.RoleOwner || v.key.Role == sluice.RoleAuditor) {
		ts, _, err := s.Transfers.FindTransfers(v.ctx(), sluice.TransferFilter{Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if t.Status.Final() || (t.Status != sluice.TransferAwaitingEvidence && !t.RenewalDue) {
				continue
			}
			p := pending{Kind: "pending.transfer", Label: "#" + strconv.FormatInt(t.ID, 10) + " · " + t.DestinationCountry + " · " + t.Decision.Route, Link: "/ui/transfers"}
			for _, q := range t.Decision.Requires {
				if q.Deadline != "" && (p.Deadline == "" || q.Deadline < p.Deadline) {
					p.Deadline = q.Deadline
				}
			}
			if p.Deadline == "" && t.ExpiresOn != "" {
				p.Deadline = t.ExpiresOn
			}
			if d, err := time.Parse("2006-01-02", p.Deadline); err == nil {
				p.due, p.Overdue = d, now.After(d.Add(24*time.Hour))
			}
			items = append(items, p)
		}
	}
	slices.SortStableFunc(items, func(a, b pending) int {
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		if a.due.IsZero() != b.due.IsZero() {
			if a.due.IsZero() {
				return 1
			}
			return -1
		}
		return a.due.Compare(b.due)
	})
	return items, nil
}

func (s *Server) handleDatasets(v *view) {
	if v.supervisor() {
		s.svDatasets(v, "datasets")
		return
	}
	ds, err := s.allDatasets(v)
	if err != nil {
		s.fail(v, err)
		return
	}
	s.render(v, "datasets", map[string]any{"Datasets": ds})
}

func pathInt(v *view, name string) (int64, error) {
	id, err := strconv.ParseInt(v.r.PathValue(name), 10, 64)
	if err != nil || id < 0 {
		return 0, sluice.Errorf(sluice.ENOTFOUND, "not found")
	}
	return id, nil
}

func (s *Server) handleDataset(v *view) {
	if v.supervisor() {
		s.svDataset(v)
		return
	}
	s.renderDataset(v, nil, "", nil)
}

// catalogue reports whether the server keeps a sharing catalogue.
func (s *Server) catalogue() bool {
	return s.Sharing != nil && s.Sharing.Catalog != nil && s.Sharing.Classes != nil
}

// handleCatalogForm sets a dataset's catalogue entry from the form, or
// shows the dataset again with the error next to its field.
func (s *Server) handleCatalogForm(v *view) {
	if !s.allowed(v, sluice.RoleOwner) {
		return
	}
	if !s.catalogue() {
		s.fail(v, errNoService)
		return
	}
	id, err := pathInt(v, "id")
	if err != nil {
		s.fail(v, err)
		return
	}
	f := v.r.PostForm
	e := &sluice.CatalogEntry{Sharing: f.Get("sharing"), Opening: f.Get("opening"), Justification: f.Get("justification"),
		LegalBasis: f.Get("legal_basis"), Conditions: f.Get("conditions")}
	if err := s.Sharing.PutCatalogEntry(v.ctx(), id, e); err != nil {
		var se *sluice.Error
		if errors.As(err, &se) && se.Code == sluice.EINVALID && se.Field != "" {
			s.renderDataset(v, map[string]string{"catalog." + se.Field: se.Message}, "catalog", e)
			return
		}
		s.fail(v, err)
		return
	}
	seeOther(v, "/ui/datasets/"+strconv.FormatInt(id, 10))
}

// renderDataset shows a dataset: its fields, grade, grants; errs are the
// errors of a field form, shown next to the field named field.
func (s *Server) renderDataset(v *view, errs map[string]string, field string, form *sluice.CatalogEntry) {
	id, err := pathInt(v, "id")
	if err != nil {
		s.fail(v, err)
		return
	}
	d, err := s.Datasets.FindDatasetByID(v.ctx(), id)
	if err != nil {
		s.fail(v, err)
		return
	}
	gs, err := s.allGrants(v, sluice.GrantFilter{DatasetID: &d.ID})
	if err != nil {
		s.fail(v, err)
		return
	}
	status := 200
	if len(errs) > 0 {
		status = 400
	}
	data := map[string]any{
		"Dataset": d, "Grants": gs, "Errors": errs, "ErrorField": field,
		"CanEdit": v.key.Role == sluice.RoleOwner && s.Catalog != nil,
		"Why":     gradeReasons(d),
	}
	if s.catalogue() {
		e, err := s.Sharing.CatalogEntry(v.ctx(), d)
		if err != nil {
			s.fail(v, err)
			return
		}
		if field == "catalog" && form != nil {
			e = form
		}
		data["Entry"], data["CanClassify"] = e, v.key.Role == sluice.RoleOwner
		data["SharingClasses"], data["OpeningClasses"] = s.Sharing.Classes.Sharing, s.Sharing.Classes.Opening
	}
	s.renderStatus(v.w, v.r, v, status, "dataset", data)
}

// gradeReasons says why a dataset has its grade: the fields that carry
// the highest grade, with their categories.
func gradeReasons(d *sluice.Dataset) []string {
	var out []string
	for _, f := range d.Fields {
		if f.Grade == d.Grade && f.Grade != sluice.GradeGeneral {
			keys := make([]string, len(f.Categories))
			for i, c := range f.Categories {
				keys[i] = c.Key
			}
			out = append(out, f.Name+": "+strings.Join(keys, ", "))
		}
	}
	return out
}

// handleFieldForm confirms or corrects a field's categories: the form's
// "categories" is a comma- or space-separated list of category keys.
func (s *Server) handleFieldForm(v *view) {
	if !s.allowed(v, sluice.RoleOwner) {
		return
	}
	id, err := pathInt(v, "id")
	if err != nil {
		s.fail(v, err)
		return
	}
	d, err := s.Datasets.FindDatasetByID(v.ctx(), id)
	if err != nil {
		s.fail(v, err)
		return
	}
	name := v.r.PostForm.Get("field")
	old := d.Field(name)
	if old == nil {
		s.renderDataset(v, map[string]string{name: "err.field.unknown"}, name, nil)
		return
	}
	if s.Catalog == nil {
		s.fail(v, errNoService)
		return
	}
	keys := strings.FieldsFunc(v.r.PostForm.Get("categories"), func(r rune) bool { return r == ',' || r == ' ' })
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	f := &sluice.Field{Name: old.Name, NonEmpty: old.NonEmpty, Minors: old.Minors}
	if err := s.Catalog.Describe(f, keys); err != nil {
		if sluice.ErrorCode(err) == sluice.EINVALID {
			s.renderDataset(v, map[string]string{name: sluice.ErrorMessage(err)}, name, nil)
			return
		}
		s.fail(v, err)
		return
	}
	fields := make([]*sluice.Field, len(d.Fields))
	for i, g := range d.Fields {
		c := *g
		if g.Name == old.Name {
			c = *f
		}
		fields[i] = &c
	}
	corrected := *d
	corrected.Fields = fields
	grade := sluice.GradeDeclared(s.Catalog, &corrected, v.key.Org.Sector, sluice.Now())
	for _, g := range fields {
		if g.Name == old.Name {
			f.Grade = g.Grade
		}
	}
	if err := s.Datasets.UpdateField(v.ctx(), d.ID, f, grade); err != nil {
		s.fail(v, err)
		return
	}
	seeOther(v, "/ui/datasets/"+strconv.FormatInt(d.ID, 10))
}

func seeOther(v *view, path string) {
	v.w.Header().Set("Location", path)
	v.w.WriteHeader(303)
}

// categoryKeys lists a field's category keys, comma-separated.
func categoryKeys(cs any) string {
	list, _ := cs.([]sluice.FieldCategory)
	keys := make([]string, len(list))
	for i, c := range list {
		keys[i] = c.Key
	}
	return strings.Join(keys, ", ")
}
