package sluice

import (
	"context"
	"time"
)

// A Record is one stored record of a dataset: its values as a JSON object
// of field name to value, and the subject key of the person it is about.
type Record struct {
	ID         int64  `json:"id"` // position in the region's store; increases with each write
	DatasetID  int64  `json:"dataset_id"`
	IngestID   int64  `json:"ingest_id"`
	SubjectKey string `json:"subject_key"`
	Data       []byte `json:"data"` // a JSON object of field name to string value
	// Key is the keyed hash of the record's key field, for a dataset that
	// declares one; "" otherwise.
	Key string `json:"-"`
}

// An InputRecord is one record of an upload before it is stored: field
// names and values side by side, and the line where it starts.
type InputRecord struct {
	Line   int
	Names  []string
	Values []string
}

// A RecordSource yields the records of one upload in order and returns
// io.EOF after the last one. The record it returns may be reused by the
// next call to Read.
type RecordSource interface {
	Read() (*InputRecord, error)
}

// An Ingest is one upload of records into a dataset. Its records become
// visible together, once its audit event is durable, or never.
type Ingest struct {
	ID          int64       `json:"id"`
	DatasetID   int64       `json:"dataset_id"`
	Region      Region      `json:"region"`
	State       IngestState `json:"state"`
	RecordCount int64       `json:"record_count"`
	// Subjects is the number of distinct people the dataset's records
	// concern with this ingest's added, when counted for a volume rule.
	Subjects  int64     `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	// BatchID is the idempotency key the upload was sent with: a retry
	// with the same key gets this ingest's answer and stores nothing.
	BatchID string `json:"batch_id,omitempty"`
	// Minimisation is what the check against the necessary scope of the
	// dataset's app type found and did; nil if the dataset declares none.
	Minimisation *Minimisation `json:"minimisation,omitempty"`
	// Answer is the answer given to the upload, kept for retries.
	Answer []byte `json:"-"`
	// Replayed is set on an ingest found by its BatchID instead of run.
	Replayed bool `json:"-"`
	// Replaced is the number of stored records the ingest replaced, by
	// the dataset's key field: corrections.
	Replaced int64 `json:"replaced,omitempty"`
}

// An IngestState is where an ingest is in its two-step commit.
type IngestState string

// Ingest states.
const (
	IngestPending   IngestState = "pending"   // records may be written, invisible
	IngestCommitted IngestState = "committed" // records visible; audit event durable
	IngestAborted   IngestState = "aborted"   // records removed
	IngestExpired   IngestState = "expired"   // committed, then its records removed when their retention ended
)

// A FieldObserver watches the records of an ingest go by and reports what
// it saw of each field. Classification plugs in here.
type FieldObserver interface {
	Add(names, values []string)
	Fields() []*Field
}

// A RecordIterator feeds records to a store. Next advances and reports
// whether there is a record; Record returns it (it stays valid after Next,
// so a store may gather several before writing them); Err reports why
// iteration stopped early. Err may be called from another goroutine.
type RecordIterator interface {
	Next() bool
	Record() *Record
	Err() error
}

// A BufferedIterator is a RecordIterator over records that it holds in
// buffers of its own, each record's subject key also as its 32 bytes. A
// store that copies out what it writes may use it to spare the iterator
// the hex form of the keys, and new buffers for each batch of records.
type BufferedIterator interface {
	RecordIterator
	// SubjectKeyBytes returns the subject key of the record that Record
	// returns as the 32 bytes whose hex is its SubjectKey, valid as long
	// as the record.
	SubjectKeyBytes() []byte
	// OmitSubjectKeys says that the store reads subject keys with
	// SubjectKeyBytes only: the records that follow may have an empty
	// SubjectKey.
	OmitSubjectKeys()
	// Release says that the store holds on to no record before the
	// current one, nor to anything of theirs (Data, SubjectKeyBytes): the
	// iterator may reuse their memory.
	Release()
}

// RecordFilter selects records of one dataset for a paged read.
type RecordFilter struct {
	DatasetID int64
	After     int64 // return records with ID > After (the cursor)
	Limit     int
}

// A RecordStore holds the records of one region. Nothing but the region's
// own records is ever written to it.
type RecordStore interface {
	// Region returns the region whose records this store holds.
	Region() Region

	// WriteRecords writes the records of a pending ingest. They stay
	// invisible to FindRecords until CommitIngest. It may commit in
	// batches; a failure leaves written records behind for AbortIngest.
	WriteRecords(ctx context.Context, in *Ingest, it RecordIterator) (int64, error)

	// CommitIngest makes an ingest's records visible. Committing twice is
	// not an error.
	CommitIngest(ctx context.Context, ingestID int64) error

	// AbortIngest removes an ingest's records. Aborting an unknown or
	// aborted ingest is not an error.
	AbortIngest(ctx context.Context, ingestID int64) error

	// PendingIngests lists the ingests whose records are written but
	// neither committed nor aborted, for recovery at start.
	PendingIngests(ctx context.Context) ([]int64, error)

	// FindRecords returns visible records in ID order.
	FindRecords(ctx context.Context, filter RecordFilter) ([]*Record, error)

	// CountSubjects counts the distinct subject keys of a dataset's
	// visible records and, if ingestID is not 0, of that ingest's.
	CountSubjects(ctx context.Context, datasetID, ingestID int64) (int64, error)
}

// An IngestService records ingests in the control store: the first and
// second step of the two-step protocol that makes a regional write and its
// control-store metadata and audit event all-or-nothing.
type IngestService interface {
	// BeginIngest records a pending ingest for a dataset.
	BeginIngest(ctx context.Context, in *Ingest) error

	// FinishIngest commits a pending ingest in one control-store
	// transaction: its state, the dataset's record count, the fields
	// observed in it merged into the dataset's field metadata, and its
	// audit event. It returns the dataset as it is after the ingest.
	FinishIngest(ctx context.Context, in *Ingest, fields []*Field) (*Dataset, error)

	// FailIngest marks a pending ingest aborted.
	FailIngest(ctx context.Context, ingestID int64) error

	// FindIngestByID returns ENOTFOUND for an unknown ingest.
	FindIngestByID(ctx context.Context, id int64) (*Ingest, error)

	// FindIngestByBatch returns the committed ingest of a dataset sent
	// with batchID, with its saved answer, or ENOTFOUND. FinishIngest of
	// a second ingest with the same BatchID returns ECONFLICT.
	FindIngestByBatch(ctx context.Context, datasetID int64, batchID string) (*Ingest, error)

	// SaveIngestAnswer keeps the answer given to an ingest's upload.
	SaveIngestAnswer(ctx context.Context, ingestID int64, answer []byte) error
}

// RecordService is the API-level service for records: it routes each
// dataset's records to its region's store.
type RecordService interface {
	// IngestRecords stores every record of src in the dataset, or none.
	// The first bad record aborts the ingest with an EINVALID error that
	// names its line and field.
	IngestRecords(ctx context.Context, datasetID int64, src RecordSource) (*Ingest, error)

	// IngestBatch is IngestRecords under an idempotency key: if the
	// dataset already committed an ingest sent with batchID, it returns
	// that ingest, Replayed, without reading src. "" is no key.
	IngestBatch(ctx context.Context, datasetID int64, batchID string, src RecordSource) (*Ingest, error)

	// SaveIngestAnswer keeps the answer given to a batch's upload, to be
	// given again to a retry.
	SaveIngestAnswer(ctx context.Context, ingestID int64, answer []byte) error

	// FindRecords returns a page of a dataset's records for its owner.
	FindRecords(ctx context.Context, filter RecordFilter) ([]*Record, error)
}
