package console

import (
	"cmp"
	"slices"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/supervise"
)

// The pages of a supervisor: read through the supervise service, org by
// org, every view logged by it.

// orgDataset is a dataset with its org's name.
type orgDataset struct {
	*sluice.Dataset
	OrgName string
}

func (s *Server) supervisorViews(v *view, what string) ([]*supervise.OrgView, bool) {
	if s.Supervise == nil {
		s.fail(v, errNoService)
		return nil, false
	}
	views, err := s.Supervise.View(v.ctx(), what)
	if err != nil {
		s.fail(v, err)
		return nil, false
	}
	return views, true
}

func (s *Server) svOverview(v *view) {
	if s.Supervise == nil {
		s.fail(v, errNoService)
		return
	}
	ov, views, err := s.Supervise.Overview(v.ctx())
	if err != nil {
		s.fail(v, err)
		return
	}
	var byGrade []count
	for _, g := range []sluice.Grade{sluice.GradeGeneral, sluice.GradeImportant, sluice.GradeCore} {
		byGrade = append(byGrade, count{string(g), int64(ov.ByGrade[string(g)])})
	}
	type orgLine struct {
		Name, Region             string
		Datasets, Grants, Trans  int
		PI, SPI                  int64
		Sensitive, Records, Subj int64
	}
	var orgs []orgLine
	for _, o := range views {
		l := orgLine{Name: o.Org.Name, Region: string(o.Org.Region), Datasets: len(o.Datasets), Grants: len(o.Grants), Trans: len(o.Transfers)}
		for _, d := range o.Datasets {
			l.Records += d.RecordCount
			for _, f := range d.Fields {
				if f.Sensitive {
					l.Sensitive++
				}
			}
		}
		if o.Counters != nil {
			for _, c := range o.Counters.Counters {
				if c.Counter == sluice.CounterPI {
					l.PI = c.Count
				} else if c.Counter == sluice.CounterSPI {
					l.SPI = c.Count
				}
			}
		}
		orgs = append(orgs, l)
	}
	s.render(v, "supervisor", map[string]any{"Overview": ov, "ByGrade": byGrade, "Orgs": orgs})
}

func (s *Server) svDatasets(v *view, page string) {
	views, ok := s.supervisorViews(v, page)
	if !ok {
		return
	}
	var ds []orgDataset
	for _, o := range views {
		for _, d := range o.Datasets {
			ds = append(ds, orgDataset{d, o.Org.Name})
		}
	}
	s.render(v, page, map[string]any{"Datasets": ds, "ShowOrg": true})
}

func (s *Server) svDataset(v *view) {
	id, err := pathInt(v, "id")
	if err != nil {
		s.fail(v, err)
		return
	}
	if s.Supervise == nil {
		s.fail(v, errNoService)
		return
	}
	d, _, err := s.Supervise.Dataset(v.ctx(), id)
	if err != nil {
		s.fail(v, err)
		return
	}
	s.render(v, "dataset", map[string]any{"Dataset": d, "Why": gradeReasons(d), "HideGrants": true})
}

func (s *Server) svGrants(v *view) {
	views, ok := s.supervisorViews(v, "grants")
	if !ok {
		return
	}
	names := map[int64]string{}
	seen := map[int64]bool{}
	var rows []grantRow
	for _, o := range views {
		for _, g := range o.Grants {
			if seen[g.ID] {
				continue
			}
			seen[g.ID] = true
			rows = append(rows, grantRow{Grant: g, Owner: s.orgName(v.ctx(), g.OwnerOrgID, names), Consumer: s.orgName(v.ctx(), g.ConsumerOrgID, names), Status: g.EffectiveStatus(s.now())})
		}
	}
	slices.SortFunc(rows, func(a, b grantRow) int { return cmp.Compare(b.ID, a.ID) })
	s.render(v, "grants", map[string]any{"Grants": rows})
}

func (s *Server) svTransfers(v *view) {
	views, ok := s.supervisorViews(v, "transfers")
	if !ok {
		return
	}
	var ts []*sluice.Transfer
	for _, o := range views {
		ts = append(ts, o.Transfers...)
	}
	s.render(v, "transfers", map[string]any{"Transfers": ts})
}

// svVisibility is the log-entry rule of a supervisor: entries of the orgs
// in its regions and about their datasets.
func (s *Server) svVisibility(v *view) (func(idx int64, e *sluice.Event) bool, error) {
	if s.Supervise == nil {
		return nil, errNoService
	}
	orgs, datasets, err := s.Supervise.Scope(v.ctx())
	if err != nil {
		return nil, err
	}
	return func(_ int64, e *sluice.Event) bool {
		if e.Actor.Org != "" && orgs[e.Actor.Org] {
			return true
		}
		id, ok := eventDataset(e)
		return ok && datasets[id]
	}, nil
}
