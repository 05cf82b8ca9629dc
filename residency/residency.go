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

	"github.com/sluice-gateway/sluice"
)

// Ensure RecordService implements the interface.
var _ sluice.RecordService = (*RecordService)(nil)

// A Classifier makes the FieldObserver of each ingest, and says when a
// dataset's grade depends on how many people its records concern.
type Classifier interface {
	NewObserver() sluice.FieldObserver

	// CountsSubjects reports whether a volume rule could grade a dataset of
	// an org in sector with these fields, so that its distinct subjects
	// must be counted.
	CountsSubjects(sector string, fields []*sluice.Field) bool
}

// An IngestRule refuses an ingest whose classified fields the law forbids
// the ingesting org to hold, e.g. a credit agency collecting health data.
type IngestRule interface {
	// CheckIngest returns EINVALID naming the first forbidden field, or
	// nil.
	CheckIngest(org *sluice.Org, fields []*sluice.Field) error
}

// RecordService implements sluice.RecordService over the control store's
// services and one record store per region.
type RecordService struct {
	Datasets sluice.DatasetService
	Ingests  sluice.IngestService
	Stores   Stores

	// Secret keys the subject keys (HMAC-SHA-256).
	Secret []byte

	// Classifier classifies every field of every ingest, in the pass that
	// stores the records; nil counts non-empty values only.
	Classifier Classifier

	// IngestRule, if set, checks the classified fields of every ingest
	// before it is committed; a refused ingest leaves nothing behind.
	IngestRule IngestRule
	// Minimiser checks each ingest against the necessary scope of the
	// dataset's app type, in the pass that stores the records; nil skips
	// the check.
	Minimiser Minimiser
	// Settings give each org's minimisation mode; nil is the default.
	Settings sluice.SettingsService
	// Purposes give the categories a dataset's purpose names; nil is
	// none.
	Purposes sluice.PurposeService

	Logger *slog.Logger
}

// A Minimiser finds the personal information of a dataset's fields that
// lies outside the necessary scope of its app type and the categories its
// purpose names. *scope.Provisions implements it through [scope.Minimiser].
type Minimiser interface {
	Excess(appType string, purposeCategories []string, fields []*sluice.Field) ([]sluice.Excess, error)
}

// A KeyedStore replaces records by the key field of their dataset.
type KeyedStore interface {
	// CountReplaced counts the visible records of a dataset that a
	// pending ingest replaces: those whose key it sends again.
	CountReplaced(ctx context.Context, datasetID, ingestID int64) (int64, error)
	// ReplaceKeyed removes them, before the ingest is made visible.
	ReplaceKeyed(ctx context.Context, ingestID int64) (int64, error)
}

// commit makes a committed ingest's records visible, first removing the
// records it replaces by key: run again by Recover after a crash, it
// finds nothing more to remove.
func commit(ctx context.Context, store sluice.RecordStore, id int64) error {
	if keyed, ok := store.(KeyedStore); ok {
		if _, err := keyed.ReplaceKeyed(ctx, id); err != nil {
			return fmt.Errorf("replace records by key: %w", err)
		}
	}
	return store.CommitIngest(ctx, id)
}

// Stores are a server's record stores, one per region: the rule of where
// data may live. A region's records are written to and read from its own
// store only.
type Stores map[sluice.Region]sluice.RecordStore

// Store returns the record store of region, or EUNAVAILABLE if this server
// has none configured for it.
func (s Stores) Store(region sluice.Region) (sluice.RecordStore, error) {
	st, ok := s[region]
	if !ok {
		return nil, sluice.Errorf(sluice.EUNAVAILABLE, "No record store is configured for region %s on this server.", region)
	}
	return st, nil
}

// Store returns the record store of region, or EUNAVAILABLE if this server
// has none configured for it.
func (s *RecordService) Store(region sluice.Region) (sluice.RecordStore, error) {
	return s.Stores.Store(region)
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
	return s.IngestBatch(ctx, datasetID, "", src)
}

// IngestBatch is IngestRecords under an idempotency key: an upload whose
// key the dataset already committed returns that ingest, Replayed,
// without reading src. Two uploads with one key at once store one: the
// second to finish is undone and answered with the first.
func (s *RecordService) IngestBatch(ctx context.Context, datasetID int64, batchID string, src sluice.RecordSource) (*sluice.Ingest, error) {
	d, err := s.Datasets.FindDatasetByID(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	if batchID == "" {
		return s.ingest(ctx, d, "", src)
	}
	if err := ValidateBatchID(batchID); err != nil {
		return nil, err
	}
	replay := func() (*sluice.Ingest, error) {
		prev, err := s.Ingests.FindIngestByBatch(ctx, d.ID, batchID)
		if err == nil {
			prev.Replayed = true
		}
		return prev, err
	}
	if prev, err := replay(); err == nil {
		return prev, nil
	} else if sluice.ErrorCode(err) != sluice.ENOTFOUND {
		return nil, err
	}
	in, err := s.ingest(ctx, d, batchID, src)
	if sluice.ErrorCode(err) == sluice.ECONFLICT {
		if prev, rerr := replay(); rerr == nil {
			return prev, nil
		}
	}
	return in, err
}

// MaxBatchID bounds an idempotency key.
const MaxBatchID = 255

// ValidateBatchID returns EINVALID unless id is 1 to MaxBatchID printable
// ASCII characters.
func ValidateBatchID(id string) error {
	if id == "" || len(id) > MaxBatchID {
		return &sluice.Error{Code: sluice.EINVALID, Field: "Idempotency-Key", Message: fmt.Sprintf("An idempotency key is 1 to %d characters.", MaxBatchID)}
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return &sluice.Error{Code: sluice.EINVALID, Field: "Idempotency-Key", Message: "An idempotency key is printable ASCII without spaces."}
		}
	}
	return nil
}

// SaveIngestAnswer keeps the answer given to a batch's upload.
func (s *RecordService) SaveIngestAnswer(ctx context.Context, ingestID int64, answer []byte) error {
	return s.Ingests.SaveIngestAnswer(ctx, ingestID, answer)
}

func (s *RecordService) ingest(ctx context.Context, d *sluice.Dataset, batchID string, src sluice.RecordSource) (*sluice.Ingest, error) {
	store, err := s.Store(d.Region)
	if err != nil {
		return nil, err
	}
	m, err := s.minimise(ctx, d)
	if err != nil {
		return nil, err
	}
	in := &sluice.Ingest{DatasetID: d.ID, Region: d.Region, BatchID: batchID}
	if err := s.Ingests.BeginIngest(ctx, in); err != nil {
		return nil, fmt.Errorf("begin ingest: %w", err)
	}
	var obs sluice.FieldObserver = &countObserver{}
	if s.Classifier != nil {
		obs = s.Classifier.NewObserver()
	}
	p := newPipeline(ctx, src, d.SubjectField, d.KeyField, s.Secret, d.OrgID, obs, m)
	n, err := store.WriteRecords(ctx, in, p)
	p.stop()
	if err == nil {
		err = p.Err()
	}
	if err == nil && n == 0 {
		err = sluice.Errorf(sluice.EINVALID, "The upload holds no records: nothing was stored.")
	}
	if err != nil {
		s.abort(in)
		return nil, err
	}
	in.RecordCount = n
	if d.KeyField != "" {
		keyed, ok := store.(KeyedStore)
		if !ok {
			s.abort(in)
			return nil, sluice.Errorf(sluice.EUNSUPPORTED, "The record store of region %s cannot replace records by key.", d.Region)
		}
		if in.Replaced, err = keyed.CountReplaced(ctx, d.ID, in.ID); err != nil {
			s.abort(in)
			return nil, fmt.Errorf("count replaced records: %w", err)
		}
	}
	fields := obs.Fields()
	if m != nil {
		in.Minimisation = m.result()
		fields = slices.DeleteFunc(fields, func(f *sluice.Field) bool { return m.strip[f.Name] })
	}
	if a := sluice.ActorFromContext(ctx); s.IngestRule != nil && a != nil && a.Org != nil {
		if err := s.IngestRule.CheckIngest(a.Org, fields); err != nil {
			s.abort(in)
			return nil, err
		}
	}
	if a := sluice.ActorFromContext(ctx); s.Classifier != nil && a != nil && a.Org != nil &&
		s.Classifier.CountsSubjects(a.Org.Sector, sluice.MergeFields(d.Fields, fields)) {
		if in.Subjects, err = store.CountSubjects(ctx, d.ID, in.ID); err != nil {
			s.abort(in)
			return nil, fmt.Errorf("count subjects: %w", err)
		}
	}
	if _, err := s.Ingests.FinishIngest(ctx, in, fields); err != nil {
		s.abort(in)
		return nil, fmt.Errorf("finish ingest: %w", err)
	}
	// The ingest is durable from here; making it visible is repeated by
	// Recover if it fails now.
	if err := commit(context.WithoutCancel(ctx), store, in.ID); err != nil {
		s.logger().ErrorContext(ctx, "commit ingest in region store; Recover will finish it", slog.Int64("ingest", in.ID), slog.Any("err", err))
	}
	return in, nil
}

// abort undoes a failed ingest in both stores, unless the control store
// committed it after all (a commit that reported an error may have
// happened): then its records are made visible. If the control store
// cannot be reached, the records stay pending for Recover.
func (s *RecordService) abort(in *sluice.Ingest) {
	if err := s.settle(context.Background(), in.Region, in.ID); err != nil {
		s.logger().Error("undo failed ingest; Recover will finish it", slog.Int64("ingest", in.ID), slog.Any("err", err))
	}
}

// settle makes an ingest's records agree with the control store: it marks
// the ingest aborted there unless it is committed (the control store does
// so atomically, so a FinishIngest running at the same time either
// commits first or fails), then reads which it is, and only then shows or
// removes the records. Removing records on the strength of an older read
// could delete those of an ingest that committed in between.
func (s *RecordService) settle(ctx context.Context, region sluice.Region, id int64) error {
	store, ok := s.Stores[region]
	if !ok {
		return fmt.Errorf("no record store for region %s", region)
	}
	if err := s.Ingests.FailIngest(ctx, id); err != nil {
		return fmt.Errorf("mark ingest %d failed: %w", id, err)
	}
	in, err := s.Ingests.FindIngestByID(ctx, id)
	if err != nil && sluice.ErrorCode(err) != sluice.ENOTFOUND {
		return err
	}
	if in != nil && in.State == sluice.IngestCommitted {
		s.logger().InfoContext(ctx, "making committed ingest visible", slog.Int64("ingest", id), slog.String("region", string(region)))
		return commit(ctx, store, id)
	}
	s.logger().InfoContext(ctx, "removing records of unfinished ingest", slog.Int64("ingest", id), slog.String("region", string(region)))
	return store.AbortIngest(ctx, id)
}

// Recover finishes or undoes the ingests a crash left half done: for each
// ingest pending in a region store, it makes its records visible if the
// control store committed it, and removes them otherwise.
func (s *RecordService) Recover(ctx context.Context) error {
	for _, region := range s.Regions() {
		ids, err := s.Stores[region].PendingIngests(ctx)
		if err != nil {
			return fmt.Errorf("pending ingests in %s: %w", region, err)
		}
		for _, id := range ids {
			if err := s.settle(ctx, region, id); err != nil {
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

	last []string // the names of the last record
	at   []int    // their indexes in names
}

func (o *countObserver) Add(names, values []string) {
	// Records of one upload share their names: look them up once.
	if len(names) != len(o.last) || len(names) > 0 && &names[0] != &o.last[0] {
		if o.index == nil {
			o.index = map[string]int{}
		}
		o.last, o.at = names, o.at[:0]
		for _, name := range names {
			j, ok := o.index[name]
			if !ok {
				j = len(o.names)
				o.index[name] = j
				o.names = append(o.names, name)
				o.count = append(o.count, 0)
			}
			o.at = append(o.at, j)
		}
	}
	for i, j := range o.at {
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
