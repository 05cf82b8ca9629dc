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

// idBlock is the increment of the records' id identity (region migration
// 0008): each value it hands out reserves that value and the idBlock-1
// after it, which WriteRecords assigns itself.
const idBlock = 1024

// chunkBlocks is how many blocks of ids WriteRecords reserves before each
// COPY statement: a COPY writes at most chunkBlocks*idBlock records.
const chunkBlocks = 64

// WriteRecords writes a pending ingest's records with COPY, in one
// transaction: PostgreSQL does not block other writers while it runs, and
// a failure leaves nothing behind. It assigns the records' ids from
// blocks reserved from the identity, a statement per chunkBlocks blocks,
// rather than have the identity hand out an id a record.
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
	src := &copySource{it: it, datasetID: in.DatasetID, ingestID: in.ID}
	var n int64
	for !src.done {
		if err := src.reserve(ctx, tx); err != nil {
			return 0, FormatError(err)
		}
		m, err := tx.CopyFrom(ctx, pgx.Identifier{"records"}, []string{"id", "dataset_id", "ingest_id", "subject_key", "data", "record_key"}, src)
		n += m
		if err != nil {
			if e := it.Err(); e != nil {
				return 0, e
			}
			return 0, FormatError(err)
		}
	}
	if err := it.Err(); err != nil {
		return 0, err
	}
	return n, FormatError(tx.Commit(ctx))
}

// copySource adapts a RecordIterator to pgx.CopyFromSource, one chunk of
// records (as many as it holds ids for) per COPY.
type copySource struct {
	it                  sluice.RecordIterator
	datasetID, ingestID int64
	row                 [6]any
	subject             [sha256.Size]byte

	blocks []int64 // the first ids of the blocks reserved, not yet used
	next   int64   // the next id of the current block
	left   int     // ids left in the current block
	done   bool    // the iterator is exhausted
}

// reserve reserves the ids of the next chunk.
func (c *copySource) reserve(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('records', 'id')) FROM generate_series(1, $1)`, chunkBlocks)
	if err != nil {
		return err
	}
	c.blocks, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	c.left = 0
	return err
}

// Next advances to the next record, and reports false at the end of the
// records or of the chunk's ids.
func (c *copySource) Next() bool {
	if c.left == 0 {
		if len(c.blocks) == 0 {
			return false
		}
		c.next, c.left, c.blocks = c.blocks[0], idBlock, c.blocks[1:]
	}
	if !c.it.Next() {
		c.done = true
		return false
	}
	return true
}

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
	c.row = [6]any{c.next, c.datasetID, c.ingestID, c.subject[:], r.Data, key}
	c.next++
	c.left--
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
