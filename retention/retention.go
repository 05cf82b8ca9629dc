// Package retention deletes records that have outlived their retention
// (PIPL Arts. 19, 47): per dataset, the period it declares or else its
// purpose's, bounded by the floors and maxima that laws set for kinds of
// records ([Rules], from data/record_types.json with their references).
// It also deletes, after the organisation's grace period, the records of
// people who withdrew the consent that a consent-based purpose rests on
// (PIPL Art. 47(1)(4)).
//
// Each [Service.Run] logs its counts, never an identifier, and a run that
// deletes records is one audit event with those counts; each run also says
// what the next week would delete. Records are removed
// for good: on SQLite the region stores delete with secure_delete and the
// run checkpoints and truncates the write-ahead log; on PostgreSQL the
// rows are deleted, and their bytes stay in dead tuples until VACUUM
// reclaims them and in backups until those age out.
package retention

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/residency"
)

// ActionRun is the audit action of a retention run.
const ActionRun = "retention.run"

// DefaultInterval is how often sluice serve runs the retention job.
const DefaultInterval = time.Hour

// Lookahead is how far ahead a run reports what is coming due.
const Lookahead = 7 * 24 * time.Hour

// IngestExpirer is the control store's side of retention.
type IngestExpirer interface {
	FindIngestsBefore(ctx context.Context, datasetID int64, t time.Time, limit int) ([]*sluice.Ingest, error)
	ExpireIngest(ctx context.Context, id, removed int64) error
	AddRecordCount(ctx context.Context, datasetID, delta int64) error
}

// SubjectDeleter removes a dataset's records about some people; the
// region stores implement it.
type SubjectDeleter interface {
	DeleteSubjectRecords(ctx context.Context, datasetID int64, keys []string) (int64, error)
}

// An IngestCounter counts the records of an ingest still stored; the
// region stores implement it.
type IngestCounter interface {
	CountIngestRecords(ctx context.Context, datasetID, ingestID int64) (int64, error)
}

// A Checkpointer makes deletions final on disk (SQLite's WAL checkpoint).
type Checkpointer interface {
	Checkpoint(ctx context.Context) error
}

// EventAppender appends an audit event.
type EventAppender interface {
	AppendEvent(ctx context.Context, e *sluice.Event) (int64, error)
}

// A Service runs retention over the control store and the region stores.
type Service struct {
	Datasets sluice.DatasetService
	Purposes sluice.PurposeService
	Consents sluice.ConsentService
	Settings sluice.SettingsService
	Ingests  IngestExpirer
	Stores   residency.Stores
	Events   EventAppender
	Rules    *Rules
	Now      func() time.Time
	Logger   *slog.Logger
}

// A Run is what one retention run did (or, dry, would do).
type Run struct {
	At       time.Time `json:"at"`
	DryRun   bool      `json:"dry_run"`
	Datasets int       `json:"datasets"` // datasets with records deleted
	Ingests  int       `json:"ingests"`  // uploads whose records expired
	Records  int64     `json:"records"`  // records deleted for expiry
	// Withdrawn counts records deleted because the consent they were held
	// on was withdrawn, and the grace period is over.
	Withdrawn int64 `json:"withdrawn"`
	// NextWeek is what runs in the next 7 days would delete for expiry.
	NextWeek Forecast     `json:"next_week"`
	Details  []DatasetRun `json:"details"`
}

// A Forecast counts what is coming due.
type Forecast struct {
	Ingests int   `json:"ingests"`
	Records int64 `json:"records"`
}

// A DatasetRun is one dataset's part of a run.
type DatasetRun struct {
	DatasetID int64     `json:"dataset_id"`
	Cutoff    time.Time `json:"cutoff,omitzero"` // records ingested at or before are expired
	// EventCutoff: records whose event ended at or before are expired
	// (negative credit information, see credit.go).
	EventCutoff time.Time `json:"event_cutoff,omitzero"`
	Ingests     int       `json:"ingests"`
	Records     int64     `json:"records"`
	Withdrawn   int64     `json:"withdrawn"`
	NextWeek    Forecast  `json:"next_week"`
}

// maxIngests bounds the uploads of one dataset a run looks at.
const maxIngests = 100000

// Run deletes (unless dryRun) every record past its retention and every
// record held only on a withdrawn consent past the grace period, logs the
// run's counts as an audit event, and returns them. It runs as the
// operator: over every org's datasets.
func (s *Service) Run(ctx context.Context, dryRun bool) (*Run, error) {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	run := &Run{At: now, DryRun: dryRun, Details: []DatasetRun{}}
	for offset := 0; ; {
		ds, n, err := s.Datasets.FindDatasets(ctx, sluice.DatasetFilter{Offset: offset, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			dr, err := s.dataset(ctx, d, now, dryRun)
			if err != nil {
				return nil, fmt.Errorf("retention of dataset %d: %w", d.ID, err)
			}
			if dr.Ingests+dr.NextWeek.Ingests == 0 && dr.Records+dr.NextWeek.Records+dr.Withdrawn == 0 {
				continue
			}
			run.Details = append(run.Details, *dr)
			if dr.Records+dr.Withdrawn > 0 {
				run.Datasets++
			}
			run.Ingests += dr.Ingests
			run.Records += dr.Records
			run.Withdrawn += dr.Withdrawn
			run.NextWeek.Ingests += dr.NextWeek.Ingests
			run.NextWeek.Records += dr.NextWeek.Records
		}
		offset += len(ds)
		if len(ds) == 0 || offset >= n {
			break
		}
	}
	if !dryRun && run.Records+run.Withdrawn > 0 {
		for region, st := range s.Stores {
			if c, ok := st.(Checkpointer); ok {
				if err := c.Checkpoint(ctx); err != nil {
					return nil, fmt.Errorf("checkpoint %s: %w", region, err)
				}
			}
		}
	}
	// Every run is logged; a run that deleted something is also an audit
	// event, with its counts and no identifier.
	if !dryRun && s.Events != nil && run.Records+run.Withdrawn > 0 {
		if _, err := s.Events.AppendEvent(ctx, &sluice.Event{
			Action: ActionRun,
			Object: map[string]any{"job": "retention"},
			Details: map[string]any{"datasets": run.Datasets, "ingests": run.Ingests, "records": run.Records,
				"withdrawn": run.Withdrawn, "next_week_records": run.NextWeek.Records},
		}); err != nil {
			return nil, fmt.Errorf("log retention run: %w", err)
		}
	}
	s.logger().InfoContext(ctx, "retention run", slog.Bool("dry_run", dryRun), slog.Int("datasets", run.Datasets),
		slog.Int("ingests", run.Ingests), slog.Int64("records", run.Records), slog.Int64("withdrawn", run.Withdrawn),
		slog.Int64("next_week_records", run.NextWeek.Records))
	return run, nil
}

func (s *Service) dataset(ctx context.Context, d *sluice.Dataset, now time.Time, dryRun bool) (*DatasetRun, error) {
	dr := &DatasetRun{DatasetID: d.ID}
	var purpose *sluice.Purpose
	if s.Purposes != nil {
		p, err := s.Purposes.FindPurposeByName(ctx, d.OrgID, d.Purpose)
		if err == nil {
			purpose = p
		} else if sluice.ErrorCode(err) != sluice.ENOTFOUND {
			return nil, err
		}
	}
	purposeDays := 0
	if purpose != nil {
		purposeDays = purpose.RetentionDays
	}
	store, err := s.Stores.Store(d.Region)
	if err != nil {
		return nil, err
	}
	if cutoff, ok := s.Rules.Cutoff(d, purposeDays, now); ok {
		dr.Cutoff = cutoff
		next, _ := s.Rules.Cutoff(d, purposeDays, now.Add(Lookahead))
		ins, err := s.Ingests.FindIngestsBefore(ctx, d.ID, next, maxIngests)
		if err != nil {
			return nil, err
		}
		counter, ok := store.(IngestCounter)
		if !ok {
			return nil, sluice.Errorf(sluice.EUNAVAILABLE, "The record store of region %s cannot count an upload's records.", d.Region)
		}
		for _, in := range ins {
			// What is left of the upload: corrections and erasures may
			// have removed some of its records already.
			n, err := counter.CountIngestRecords(ctx, d.ID, in.ID)
			if err != nil {
				return nil, err
			}
			if in.CreatedAt.After(cutoff) {
				dr.NextWeek.Ingests++
				dr.NextWeek.Records += n
				continue
			}
			dr.Ingests++
			dr.Records += n
			if dryRun {
				continue
			}
			// Records first, then the control store: a crash between leaves
			// an ingest the next run expires again, finding nothing left.
			if err := store.AbortIngest(ctx, in.ID); err != nil {
				return nil, err
			}
			if err := s.Ingests.ExpireIngest(ctx, in.ID, n); err != nil {
				return nil, err
			}
		}
	}
	if err := s.eventExpiry(ctx, d, store, now, dryRun, dr); err != nil {
		return nil, err
	}
	if purpose != nil && purpose.LegalBasis == "consent" {
		if dr.Withdrawn, err = s.withdrawn(ctx, d, store, now, dryRun); err != nil {
			return nil, err
		}
	}
	return dr, nil
}

// withdrawn deletes the records of d about people whose consent to d's
// purpose, the only basis of that purpose, was withdrawn at least the
// org's grace period ago and not given again.
func (s *Service) withdrawn(ctx context.Context, d *sluice.Dataset, store sluice.RecordStore, now time.Time, dryRun bool) (int64, error) {
	if s.Consents == nil {
		return 0, nil
	}
	grace := 0
	if s.Settings != nil {
		st, err := s.Settings.FindSettings(ctx, d.OrgID)
		if err != nil {
			return 0, err
		}
		grace = st.ConsentGraceDays
	}
	deadline := now.AddDate(0, 0, -grace)
	var keys []string
	seen := map[string]bool{}
	for offset := 0; ; {
		cs, n, err := s.Consents.FindConsents(ctx, sluice.ConsentFilter{OrgID: &d.OrgID, Purpose: &d.Purpose, Offset: offset, Limit: 1000})
		if err != nil {
			return 0, err
		}
		for _, c := range cs {
			if c.Kind == sluice.ConsentWithdrawal && !seen[c.SubjectKey] {
				seen[c.SubjectKey] = true
				keys = append(keys, c.SubjectKey)
			}
		}
		offset += len(cs)
		if len(cs) == 0 || offset >= n {
			break
		}
	}
	if len(keys) == 0 {
		return 0, nil
	}
	states, err := s.Consents.FindConsentStates(ctx, d.OrgID, d.Purpose, keys, now)
	if err != nil {
		return 0, err
	}
	var due []string
	for _, k := range keys {
		st := states[k]
		if !st.WithdrawnAt.IsZero() && !st.WithdrawnAt.After(deadline) {
			due = append(due, k)
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	del, ok := store.(SubjectDeleter)
	if !ok {
		return 0, sluice.Errorf(sluice.EUNAVAILABLE, "The record store of region %s cannot delete a person's records.", d.Region)
	}
	if dryRun {
		return s.countSubjects(ctx, store, d.ID, due)
	}
	n, err := del.DeleteSubjectRecords(ctx, d.ID, due)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		if err := s.Ingests.AddRecordCount(ctx, d.ID, -n); err != nil {
			return n, err
		}
	}
	return n, nil
}

// countSubjects counts the visible records of a dataset about keys.
func (s *Service) countSubjects(ctx context.Context, store sluice.RecordStore, datasetID int64, keys []string) (int64, error) {
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	var n, after int64
	for {
		recs, err := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: datasetID, After: after, Limit: 5000})
		if err != nil {
			return 0, err
		}
		for _, r := range recs {
			after = r.ID
			if want[r.SubjectKey] {
				n++
			}
		}
		if len(recs) < 5000 {
			return n, nil
		}
	}
}

// Loop runs the job every interval until ctx ends, logging failures.
func (s *Service) Loop(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Run(ctx, false); err != nil && ctx.Err() == nil {
			s.logger().ErrorContext(ctx, "retention run failed", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}
