// Package residency routes each dataset's records to the record store of
// the dataset's region, and makes every ingest all-or-nothing across the
// regional store (records) and the control store (metadata and audit
// event).
//
// # Two-step ingest
//
// An ingest is recorded pending in the control store; its records are
// written to the region's store under the ingest's id, invisible; the
// control store then commits the ingest, the dataset's new counts and
// field metadata and the audit event in one transaction; last, the
// region's store makes the records visible. A crash at any point is
// repaired by [RecordService.Recover] at start: records of an ingest the
// control store committed are made visible, all others are removed.
package residency

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"sluice"
)

// Ensure RecordService implements the interface.
var _ sluice.RecordService = (*RecordService)(nil)

// A FieldObserver watches the records of an ingest go by and reports
// what it saw of each field. Classification plugs in here.
type FieldObserver interface {
	Add(names, values []string)
	Fields() []*sluice.Field
}

// RecordService implements sluice.RecordService over the control store's
// services and one record store per region.
type RecordService struct {
	Datasets sluice.DatasetService
	Ingests  sluice.IngestService
	Stores   map[sluice.Region]sluice.RecordStore

	// Secret keys the subject keys (HMAC-SHA-256).
	Secret []byte

	// NewObserver returns the observer for one ingest; nil counts
	// non-empty values only.
	NewObserver func() FieldObserver

	Logger *slog.Logger
}

// Store returns the record store of region, or EUNAVAILABLE if this server
// has none configured for it.
func (s *RecordService) Store(region sluice.Region) (sluice.RecordStore, error) {
	st, ok := s.Stores[region]
	if !ok {
		return nil, sluice.Errorf(sluice.EUNAVAILABLE, "No record store is configured for region %s on this server.", region)
	}
	return st, nil
}

// Regions returns the regions with a store, sorted.
func (s *RecordService) Regions() []sluice.Region {
	var rs []sluice.Region
	for r := range s.Stores {
		rs = append(rs, r)
	}
	slices.Sort(rs)
	return rs
}

// IngestRecords stores every record of src in the dataset, or none.
func (s *RecordService) IngestRecords(ctx context.Context, datasetID int64, src sluice.RecordSource) (*sluice.Ingest, error) {
	d, err := s.Datasets.FindDatasetByID(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	store, err := s.Store(d.Region)
	if err != nil {
		return nil, err
	}
	in := &sluice.Ingest{DatasetID: d.ID, Region: d.Region}
	if err := s.Ingests.BeginIngest(ctx, in); err != nil {
		return nil, fmt.Errorf("begin ingest: %w", err)
	}
	var obs FieldObserver = &countObserver{}
	if s.NewObserver != nil {
		obs = s.NewObserver()
	}
	p := newPipeline(ctx, src, d.SubjectField, s.Secret, obs)
	n, err := store.WriteRecords(ctx, in, p)
	p.stop()
	if err == nil {
		err = p.Err()
	}
	if err != nil {
		s.abort(in)
		return nil, err
	}
	in.RecordCount = n
	if _, err := s.Ingests.FinishIngest(ctx, in, obs.Fields()); err != nil {
		s.abort(in)
		return nil, fmt.Errorf("finish ingest: %w", err)
	}
	// The ingest is durable from here; making it visible is repeated by
	// Recover if it fails now.
	if err := store.CommitIngest(context.WithoutCancel(ctx), in.ID); err != nil {
		s.logger().ErrorContext(ctx, "commit ingest in region store; Recover will finish it", slog.Int64("ingest", in.ID), slog.Any("err", err))
	}
	return in, nil
}

// abort undoes a failed ingest in both stores. If it cannot, Recover will.
func (s *RecordService) abort(in *sluice.Ingest) {
	ctx := context.Background()
	if err := s.Ingests.FailIngest(ctx, in.ID); err != nil {
		s.logger().Error("mark ingest failed", slog.Int64("ingest", in.ID), slog.Any("err", err))
	}
	if st, ok := s.Stores[in.Region]; ok {
		if err := st.AbortIngest(ctx, in.ID); err != nil {
			s.logger().Error("remove records of failed ingest", slog.Int64("ingest", in.ID), slog.Any("err", err))
		}
	}
}

// Recover finishes or undoes the ingests a crash left half done: for each
// ingest pending in a region store, it makes its records visible if the
// control store committed it, and removes them otherwise.
func (s *RecordService) Recover(ctx context.Context) error {
	for _, region := range s.Regions() {
		store := s.Stores[region]
		ids, err := store.PendingIngests(ctx)
		if err != nil {
			return fmt.Errorf("pending ingests in %s: %w", region, err)
		}
		for _, id := range ids {
			in, err := s.Ingests.FindIngestByID(ctx, id)
			if err != nil && sluice.ErrorCode(err) != sluice.ENOTFOUND {
				return err
			}
			if in != nil && in.State == sluice.IngestCommitted {
				s.logger().InfoContext(ctx, "recover: making committed ingest visible", slog.Int64("ingest", id), slog.String("region", string(region)))
				err = store.CommitIngest(ctx, id)
			} else {
				s.logger().InfoContext(ctx, "recover: removing records of unfinished ingest", slog.Int64("ingest", id), slog.String("region", string(region)))
				if in != nil && in.State == sluice.IngestPending {
					if err := s.Ingests.FailIngest(ctx, id); err != nil {
						return err
					}
				}
				err = store.AbortIngest(ctx, id)
			}
			if err != nil {
				return fmt.Errorf("recover ingest %d: %w", id, err)
			}
		}
	}
	return nil
}

// FindRecords returns a page of a dataset's records for its owner.
func (s *RecordService) FindRecords(ctx context.Context, f sluice.RecordFilter) ([]*sluice.Record, error) {
	d, err := s.Datasets.FindDatasetByID(ctx, f.DatasetID)
	if err != nil {
		return nil, err
	}
	store, err := s.Store(d.Region)
	if err != nil {
		return nil, err
	}
	return store.FindRecords(ctx, f)
}

func (s *RecordService) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// countObserver counts non-empty values per field.
type countObserver struct {
	names []string
	index map[string]int
	count []int64
}

func (o *countObserver) Add(names, values []string) {
	if o.index == nil {
		o.index = map[string]int{}
	}
	for i, name := range names {
		j, ok := o.index[name]
		if !ok {
			j = len(o.names)
			o.index[name] = j
			o.names = append(o.names, name)
			o.count = append(o.count, 0)
		}
		if values[i] != "" {
			o.count[j]++
		}
	}
}

func (o *countObserver) Fields() []*sluice.Field {
	fs := make([]*sluice.Field, len(o.names))
	for i, name := range o.names {
		fs[i] = &sluice.Field{Name: name, NonEmpty: o.count[i], Grade: sluice.GradeGeneral, Categories: []sluice.FieldCategory{}}
	}
	return fs
}
