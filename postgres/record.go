package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// Ensure RecordStore implements the interface.
var _ sluice.RecordStore = (*RecordStore)(nil)

// RecordStore holds one region's records in a region database.
type RecordStore struct {
	*sqlstore.RecordStore // the reads
	db                    *DB
	region                sluice.Region
}

// NewRecordStore returns the record store of region over db.
func NewRecordStore(db *DB, region sluice.Region) *RecordStore {
	return &RecordStore{RecordStore: sqlstore.NewRecordStore(db.DB, region), db: db, region: region}
}

// WriteRecords writes a pending ingest's records with COPY, in one
// transaction: PostgreSQL does not block other writers while it runs, and
// a failure leaves nothing behind.
func (s *RecordStore) WriteRecords(ctx context.Context, in *sluice.Ingest, it sluice.RecordIterator) (int64, error) {
	if in.Region != s.region {
		return 0, fmt.Errorf("postgres: ingest %d is for region %s, not %s", in.ID, in.Region, s.region)
	}
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO record_ingests (id, dataset_id, state) VALUES ($1, $2, $3)`,
		in.ID, in.DatasetID, sluice.IngestPending); err != nil {
		return 0, FormatError(err)
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"records"}, []string{"dataset_id", "ingest_id", "subject_key", "data", "record_key"},
		&copySource{it: it, datasetID: in.DatasetID, ingestID: in.ID})
	if err != nil {
		if e := it.Err(); e != nil {
			return 0, e
		}
		return 0, FormatError(err)
	}
	if err := it.Err(); err != nil {
		return 0, err
	}
	return n, FormatError(tx.Commit(ctx))
}

// copySource adapts a RecordIterator to pgx.CopyFromSource.
type copySource struct {
	it                  sluice.RecordIterator
	datasetID, ingestID int64
	row                 [5]any
	subject             [sha256.Size]byte
}

func (c *copySource) Next() bool { return c.it.Next() }

func (c *copySource) Values() ([]any, error) {
	r := c.it.Record()
	var key any
	if r.Key != "" {
		key = r.Key
	}
	// The subject key is stored as its bytes (see migration 0008).
	if len(r.SubjectKey) != hex.EncodedLen(len(c.subject)) {
		return nil, errors.New("postgres: a record's subject key is not 64 hex characters")
	}
	if _, err := hex.Decode(c.subject[:], []byte(r.SubjectKey)); err != nil {
		return nil, errors.New("postgres: a record's subject key is not 64 hex characters")
	}
	c.row = [5]any{c.datasetID, c.ingestID, c.subject[:], r.Data, key}
	return c.row[:], nil
}

func (c *copySource) Err() error { return c.it.Err() }

// CommitIngest makes an ingest's records visible.
func (s *RecordStore) CommitIngest(ctx context.Context, id int64) error {
	var state string
	err := s.db.pool.QueryRow(ctx, `
		INSERT INTO record_ingests (id, dataset_id, state) VALUES ($1, 0, $2)
		ON CONFLICT (id) DO UPDATE SET state = CASE WHEN record_ingests.state = $3 THEN record_ingests.state ELSE excluded.state END
		RETURNING state`, id, sluice.IngestCommitted, sluice.IngestAborted).Scan(&state)
	if err != nil {
		return FormatError(err)
	} else if state == string(sluice.IngestAborted) {
		return sluice.Errorf(sluice.ECONFLICT, "Ingest %d was aborted.", id)
	}
	return nil
}

// AbortIngest removes an ingest's records.
func (s *RecordStore) AbortIngest(ctx context.Context, id int64) error {
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `DELETE FROM records WHERE ingest_id = $1`, id); err != nil {
		return FormatError(err)
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO record_ingests (id, dataset_id, state) VALUES ($1, 0, $2)
		ON CONFLICT (id) DO UPDATE SET state = excluded.state`, id, sluice.IngestAborted); err != nil {
		return FormatError(err)
	}
	return FormatError(tx.Commit(ctx))
}
