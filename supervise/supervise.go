// Package supervise reads for supervisors: a data centre's or regulator's
// staff whose keys belong to regions, not to an org. A supervisor reads the
// metadata of every org in its regions (inventories, grades, grants,
// transfers, counters), org by org, through the same services and with the
// same limits as that org's auditor: never records, never a change. Every
// view is itself logged.
package supervise

import (
	"cmp"
	"context"
	"slices"

	"github.com/sluice-gateway/sluice"
)

// ActionView is the audit action of a supervisor's view.
const ActionView = "supervisor.view"

// NearShare is how close to a threshold a counter must be for the
// overview to list its org: 80%.
const NearShare = 0.8

// EventAppender appends audit events.
type EventAppender interface {
	AppendEvent(ctx context.Context, e *sluice.Event) (int64, error)
}

// Service is the supervisor's reading of the stores.
type Service struct {
	Orgs      sluice.OrgService
	Datasets  sluice.DatasetService
	Grants    sluice.GrantService
	Transfers sluice.TransferService
	Events    EventAppender
}

// supervisor returns the acting supervisor, or EFORBIDDEN.
func supervisor(ctx context.Context) (*sluice.Actor, error) {
	a := sluice.ActorFromContext(ctx)
	if a == nil || a.Role != sluice.RoleSupervisor || a.Org != nil || len(a.Regions) == 0 {
		return nil, sluice.Errorf(sluice.EFORBIDDEN, "Only a supervisor key reads across organisations.")
	}
	return a, nil
}

// asAuditor returns ctx acting as org's auditor, through the supervisor's
// key: what an auditor of the org may read, and nothing else.
func asAuditor(ctx context.Context, a *sluice.Actor, org *sluice.Org) context.Context {
	return sluice.NewContextWithActor(ctx, &sluice.Actor{Org: org, Role: sluice.RoleAuditor, Key: a.Key})
}

// log records that the supervisor looked at view (and object, if any).
func (s *Service) log(ctx context.Context, a *sluice.Actor, view string, object map[string]any) error {
	if s.Events == nil {
		return nil
	}
	regions := make([]any, len(a.Regions))
	for i, r := range a.Regions {
		regions[i] = string(r)
	}
	_, err := s.Events.AppendEvent(ctx, &sluice.Event{
		Action: ActionView, Actor: sluice.EventActor{Role: string(sluice.RoleSupervisor)},
		Object: object, Details: map[string]any{"view": view, "key": a.Key, "regions": regions},
	})
	return err
}

// orgs returns the orgs in the supervisor's regions, by name.
func (s *Service) orgs(ctx context.Context, a *sluice.Actor) ([]*sluice.Org, error) {
	all, _, err := s.Orgs.FindOrgs(sluice.NewContextWithActor(ctx, nil), sluice.OrgFilter{})
	if err != nil {
		return nil, err
	}
	var out []*sluice.Org
	for _, o := range all {
		if slices.Contains(a.Regions, o.Region) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(x, y *sluice.Org) int { return cmp.Compare(x.Name, y.Name) })
	return out, nil
}

// An OrgView is what a supervisor sees of one org.
type OrgView struct {
	Org       *sluice.Org                 `json:"org"`
	Datasets  []*sluice.Dataset           `json:"datasets"`
	Grants    []*sluice.Grant             `json:"grants"`
	Transfers []*sluice.Transfer          `json:"transfers"`
	Counters  *sluice.TransferCounterView `json:"counters,omitempty"`
}

// Orgs returns, for every org in the supervisor's regions, its datasets,
// grants (as owner or consumer), transfers and this year's counters, and
// logs the view.
func (s *Service) View(ctx context.Context, view string) ([]*OrgView, error) {
	a, err := supervisor(ctx)
	if err != nil {
		return nil, err
	}
	orgs, err := s.orgs(ctx, a)
	if err != nil {
		return nil, err
	}
	out := make([]*OrgView, 0, len(orgs))
	for _, o := range orgs {
		octx := asAuditor(ctx, a, o)
		v := &OrgView{Org: o}
		if v.Datasets, _, err = s.Datasets.FindDatasets(octx, sluice.DatasetFilter{Limit: 10000}); err != nil {
			return nil, err
		}
		if s.Grants != nil {
			if v.Grants, _, err = s.Grants.FindGrants(octx, sluice.GrantFilter{Limit: 10000}); err != nil {
				return nil, err
			}
		}
		if s.Transfers != nil {
			if v.Transfers, _, err = s.Transfers.FindTransfers(octx, sluice.TransferFilter{Limit: 10000}); err != nil {
				return nil, err
			}
			if v.Counters, err = s.Transfers.TransferCounters(octx, ""); err != nil && sluice.ErrorCode(err) != sluice.ENOTFOUND {
				return nil, err
			}
		}
		out = append(out, v)
	}
	return out, s.log(ctx, a, view, map[string]any{"orgs": len(out)})
}

// Dataset returns a dataset of an org in the supervisor's regions, with
// its org, and logs the view; ENOTFOUND for any other.
func (s *Service) Dataset(ctx context.Context, id int64) (*sluice.Dataset, *sluice.Org, error) {
	a, err := supervisor(ctx)
	if err != nil {
		return nil, nil, err
	}
	orgs, err := s.orgs(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	for _, o := range orgs {
		d, err := s.Datasets.FindDatasetByID(asAuditor(ctx, a, o), id)
		if sluice.ErrorCode(err) == sluice.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		return d, o, s.log(ctx, a, "dataset", map[string]any{"dataset": d.ID})
	}
	return nil, nil, sluice.Errorf(sluice.ENOTFOUND, "Dataset %d not found.", id)
}

// An Alert is one line of the supervisor's overview.
type Alert struct {
	Org       string `json:"org"`
	Dataset   int64  `json:"dataset,omitempty"`
	Transfer  int64  `json:"transfer,omitempty"`
	Counter   string `json:"counter,omitempty"`
	Count     int64  `json:"count,omitempty"`
	Threshold int64  `json:"threshold,omitempty"`
	Route     string `json:"route,omitempty"`
	Reached   bool   `json:"reached,omitempty"`
	Grade     string `json:"grade,omitempty"`
	Country   string `json:"country,omitempty"`
	Name      string `json:"name,omitempty"`
}

// Overview aggregates across the supervisor's orgs.
type Overview struct {
	Regions  []sluice.Region `json:"regions"`
	Orgs     int             `json:"orgs"`
	Datasets int             `json:"datasets"`
	ByGrade  map[string]int  `json:"by_grade"`
	// NearThreshold lists counters at NearShare or more of a threshold
	// (reached or not), except thresholds of 1 person.
	NearThreshold []Alert `json:"near_threshold"`
	// ImportantLeaving lists transfers of important or core data.
	ImportantLeaving []Alert `json:"important_leaving"`
	// Unclassified lists datasets with no field yet (never ingested, so
	// never classified) or with no field a person confirmed.
	Unclassified []Alert `json:"unclassified"`
}

// Overview returns the aggregate view and logs it.
func (s *Service) Overview(ctx context.Context) (*Overview, []*OrgView, error) {
	views, err := s.View(ctx, "overview")
	if err != nil {
		return nil, nil, err
	}
	a, _ := supervisor(ctx)
	ov := &Overview{Regions: a.Regions, Orgs: len(views), ByGrade: map[string]int{}, NearThreshold: []Alert{}, ImportantLeaving: []Alert{}, Unclassified: []Alert{}}
	for _, v := range views {
		for _, d := range v.Datasets {
			ov.Datasets++
			ov.ByGrade[string(d.Grade)]++
			confirmed := false
			for _, f := range d.Fields {
				confirmed = confirmed || f.Confirmed
			}
			if len(d.Fields) == 0 || !confirmed {
				ov.Unclassified = append(ov.Unclassified, Alert{Org: v.Org.Name, Dataset: d.ID, Name: d.Name})
			}
		}
		for _, t := range v.Transfers {
			if g := t.Facts.Grade; g.Rank() >= sluice.GradeImportant.Rank() && !t.Status.Final() {
				ov.ImportantLeaving = append(ov.ImportantLeaving, Alert{Org: v.Org.Name, Transfer: t.ID, Dataset: t.DatasetID, Grade: string(g), Country: t.DestinationCountry, Route: t.Decision.Route})
			}
		}
		if v.Counters == nil {
			continue
		}
		for _, line := range v.Counters.Counters {
			for _, l := range line.Limits {
				if l.Threshold > 1 && float64(line.Count) >= NearShare*float64(l.Threshold) {
					ov.NearThreshold = append(ov.NearThreshold, Alert{Org: v.Org.Name, Counter: line.Counter, Count: line.Count, Threshold: l.Threshold, Route: l.Route, Reached: l.Reached})
				}
			}
		}
	}
	return ov, views, nil
}

// Scope returns the names of the orgs in the supervisor's regions and the
// ids of their datasets, for choosing the audit-log entries it may read.
func (s *Service) Scope(ctx context.Context) (orgs map[string]bool, datasets map[int64]bool, err error) {
	a, err := supervisor(ctx)
	if err != nil {
		return nil, nil, err
	}
	list, err := s.orgs(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	orgs, datasets = map[string]bool{}, map[int64]bool{}
	for _, o := range list {
		orgs[o.Name] = true
		ds, _, err := s.Datasets.FindDatasets(asAuditor(ctx, a, o), sluice.DatasetFilter{Limit: 10000})
		if err != nil {
			return nil, nil, err
		}
		for _, d := range ds {
			datasets[d.ID] = true
		}
	}
	return orgs, datasets, s.log(ctx, a, "log", nil)
}
