// Package minimisation reports over-collection: per dataset of an
// organisation, the fields holding personal information beyond the
// necessary scope of the dataset's app type (PIPL Art. 6; the Necessary PI
// Provisions), the people affected, and a rectification deadline of
// [RectificationDays] working days on the PRC calendar (package workday).
// The check itself is the [residency.Minimiser]'s; the same check runs on
// ingest, where the org's mode warns, strips or rejects.
package minimisation

import (
	"context"
	"fmt"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/recordio"
	"github.com/sluice-gateway/sluice/residency"
	"github.com/sluice-gateway/sluice/workday"
)

// RectificationDays is the number of working days from a report within
// which an organisation is asked to rectify over-collection.
const RectificationDays = 15

// A Service builds over-collection reports.
type Service struct {
	Datasets  sluice.DatasetService
	Purposes  sluice.PurposeService
	Stores    residency.Stores
	Minimiser residency.Minimiser
	// Calendar counts working days; nil is workday.CN().
	Calendar *workday.Calendar
	Now      func() time.Time
}

// A Report is an over-collection report of the datasets the actor sees.
type Report struct {
	GeneratedAt time.Time `json:"generated_at"`
	// Deadline is RectificationDays working days after GeneratedAt, a
	// date on the PRC calendar; Provisional if the calendar lacks a year
	// it spans, with Warning saying so.
	Deadline     string    `json:"deadline"`
	WorkingDays  int       `json:"working_days"`
	Provisional  bool      `json:"provisional"`
	Warning      string    `json:"warning,omitempty"`
	Datasets     []Dataset `json:"datasets"`
	ExcessFields int       `json:"excess_fields"` // in all datasets
}

// A Dataset is one dataset's part of a report.
type Dataset struct {
	ID       int64           `json:"id"`
	Name     string          `json:"name"`
	AppType  string          `json:"app_type"`
	Excess   []sluice.Excess `json:"excess"`
	Subjects int64           `json:"subjects"` // distinct people with a value in an excess field
}

// Report builds the report of every dataset the actor may see that
// declares an app type.
func (s *Service) Report(ctx context.Context) (*Report, error) {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	cal := s.Calendar
	if cal == nil {
		cal = workday.CN()
	}
	due := cal.Add(now, RectificationDays)
	r := &Report{GeneratedAt: now, Deadline: due.Due.Format(time.DateOnly), WorkingDays: RectificationDays,
		Provisional: due.Provisional, Warning: due.Warning, Datasets: []Dataset{}}
	for offset := 0; ; {
		ds, n, err := s.Datasets.FindDatasets(ctx, sluice.DatasetFilter{Offset: offset, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if d.AppType == "" {
				continue
			}
			dr, err := s.dataset(ctx, d)
			if err != nil {
				return nil, fmt.Errorf("dataset %d: %w", d.ID, err)
			}
			r.ExcessFields += len(sluice.ExcessFieldNames(dr.Excess))
			r.Datasets = append(r.Datasets, *dr)
		}
		offset += len(ds)
		if len(ds) == 0 || offset >= n {
			break
		}
	}
	return r, nil
}

func (s *Service) dataset(ctx context.Context, d *sluice.Dataset) (*Dataset, error) {
	var cats []string
	if s.Purposes != nil {
		if p, err := s.Purposes.FindPurposeByName(ctx, d.OrgID, d.Purpose); err == nil {
			cats = p.Categories
		} else if sluice.ErrorCode(err) != sluice.ENOTFOUND {
			return nil, err
		}
	}
	ex, err := s.Minimiser.Excess(d.AppType, cats, d.Fields)
	if err != nil {
		return nil, err
	}
	if ex == nil {
		ex = []sluice.Excess{}
	}
	out := &Dataset{ID: d.ID, Name: d.Name, AppType: d.AppType, Excess: ex}
	if len(ex) > 0 {
		if out.Subjects, err = s.subjects(ctx, d, sluice.ExcessFieldNames(ex)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// subjects counts the distinct people of d's records with a value in one
// of fields, reading the records a page at a time.
func (s *Service) subjects(ctx context.Context, d *sluice.Dataset, fields []string) (int64, error) {
	store, err := s.Stores.Store(d.Region)
	if err != nil {
		return 0, err
	}
	sc := recordio.NewFieldScanner(fields)
	seen := map[string]struct{}{}
	var after int64
	for {
		recs, err := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: d.ID, After: after, Limit: 5000})
		if err != nil {
			return 0, err
		}
		for _, rec := range recs {
			after = rec.ID
			if err := sc.Scan(rec.Data); err != nil {
				return 0, err
			}
			for _, v := range sc.Values {
				if v.Kind == recordio.Other || v.Kind == recordio.String && len(v.Raw) > 0 {
					seen[rec.SubjectKey] = struct{}{}
					break
				}
			}
		}
		if len(recs) < 5000 {
			return int64(len(seen)), nil
		}
	}
}
