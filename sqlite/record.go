package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// Ensure RecordStore implements the interface.
var _ sluice.RecordStore = (*RecordStore)(nil)

// DefaultBatchSize is how many records RecordStore.WriteRecords commits per
// transaction: large enough that commits cost little, small enough that
// other writers of the region are not held up for long.
const DefaultBatchSize = 20000

// RecordStore holds one region's records in a region database.
type RecordStore struct {
	*sqlstore.RecordStore // the reads
	db                    *DB
	region                sluice.Region

	// BatchSize is the number of records per write transaction.
	BatchSize int
}

// NewRecordStore returns the record store of region over db.
func NewRecordStore(db *DB, region sluice.Region) *RecordStore {
	return &RecordStore{RecordStore: sqlstore.NewRecordStore(db.DB, region), db: db, region: region, BatchSize: DefaultBatchSize}
}

// WriteRecords writes a pending ingest's records, invisible until committed.
func (s *RecordStore) WriteRecords(ctx context.Context, in *sluice.Ingest, it sluice.RecordIterator) (int64, error) {
	if in.Region != s.region {
		return 0, fmt.Errorf("sqlite: ingest %d is for region %s, not %s", in.ID, in.Region, s.region)
	}
	if _, err := s.db.wdb.ExecContext(ctx, `INSERT INTO record_ingests (id, dataset_id, state) VALUES (?, ?, ?)`,
		in.ID, in.DatasetID, sluice.IngestPending); err != nil {
		return 0, FormatError(err)
	}
	var n int64
	for more := true; more; {
		var err error
		if more, err = s.writeBatch(ctx, in, it, &n, more); err != nil {
			return n, err
		}
	}
	return n, it.Err()
}

// rowsPerInsert is how many records one INSERT statement carries: one
// statement per record would spend more time crossing into SQLite than
// SQLite spends storing the record.
const rowsPerInsert = 128

// cols is the number of values one record binds.
const cols = 5

// insertBytes bounds the bytes of the records one statement inserts, so
// that memory stays flat with large records.
const insertBytes = 8 << 20

// flushOwn inserts the records of args with a statement of their number.
func flushOwn(ctx context.Context, tx *sql.Tx, flush func(*sql.Stmt) error, n int) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO records (dataset_id, ingest_id, subject_key, data, record_key) VALUES `+
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", n), ", "))
	if err != nil {
		return err
	}
	defer stmt.Close()
	return flush(stmt)
}

func (s *RecordStore) writeBatch(ctx context.Context, in *sluice.Ingest, it sluice.RecordIterator, n *int64, more bool) (bool, error) {
	tx, err := s.db.beginWrite(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	many, err := tx.PrepareContext(ctx, `INSERT INTO records (dataset_id, ingest_id, subject_key, data, record_key) VALUES `+
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", rowsPerInsert), ", "))
	if err != nil {
		return false, err
	}
	defer many.Close()
	args := make([]any, 0, cols*rowsPerInsert)
	var first, last int64 = -1, -1
	release := func() {}
	if b, ok := it.(sluice.BufferedIterator); ok {
		release = b.Release // SQLite has copied the records it inserted
	}
	flush := func(stmt *sql.Stmt) error {
		res, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return FormatError(err)
		}
		release()
		// One writer, one statement: the rows got consecutive ids.
		if last, err = res.LastInsertId(); err != nil {
			return err
		}
		if first < 0 {
			first = last - int64(len(args)/cols) + 1
		}
		*n += int64(len(args) / cols)
		args = args[:0]
		return nil
	}
	size := 0 // bytes of the records in args
	for i := 0; i < s.BatchSize && more; i++ {
		if more = it.Next(); more {
			r := it.Record()
			var key any
			if r.Key != "" {
				key = r.Key
			}
			args = append(args, in.DatasetID, in.ID, r.SubjectKey, r.Data, key)
			size += len(r.Data)
			if len(args) == cap(args) {
				if err := flush(many); err != nil {
					return false, err
				}
				size = 0
			} else if size >= insertBytes { // large records: fewer per statement
				if err := flushOwn(ctx, tx, flush, len(args)/cols); err != nil {
					return false, err
				}
				size = 0
			}
		}
	}
	if len(args) > 0 { // the rest, in one statement of its own size
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO records (dataset_id, ingest_id, subject_key, data, record_key) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", len(args)/cols), ", "))
		if err != nil {
			return false, err
		}
		defer stmt.Close()
		if err := flush(stmt); err != nil {
			return false, err
		}
	}
	if first >= 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO record_batches (ingest_id, first_id, last_id) VALUES (?, ?, ?)`, in.ID, first, last); err != nil {
			return false, err
		}
	}
	return more, tx.Commit()
}

// CommitIngest makes an ingest's records visible.
func (s *RecordStore) CommitIngest(ctx context.Context, id int64) error {
	res, err := s.db.wdb.ExecContext(ctx, `UPDATE record_ingests SET state = ? WHERE id = ? AND state <> ?`,
		sluice.IngestCommitted, id, sluice.IngestAborted)
	if err != nil {
		return FormatError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var state string
		if err := s.db.wdb.QueryRowContext(ctx, `SELECT state FROM record_ingests WHERE id = ?`, id).Scan(&state); isNoRows(err) {
			// An ingest with no records written in this store: nothing to show.
			_, err = s.db.wdb.ExecContext(ctx, `INSERT INTO record_ingests (id, dataset_id, state) VALUES (?, 0, ?)`, id, sluice.IngestCommitted)
			return FormatError(err)
		} else if err != nil {
			return err
		} else if state == string(sluice.IngestAborted) {
			return sluice.Errorf(sluice.ECONFLICT, "Ingest %d was aborted.", id)
		}
	}
	return nil
}

// AbortIngest removes an ingest's records, one write batch at a time (each
// batch's rows have consecutive ids), so that other writers are not held up
// by a large delete.
func (s *RecordStore) AbortIngest(ctx context.Context, id int64) error {
	for {
		var first, last int64
		err := s.db.wdb.QueryRowContext(ctx, `SELECT first_id, last_id FROM record_batches WHERE ingest_id = ? LIMIT 1`, id).Scan(&first, &last)
		if isNoRows(err) {
			break
		} else if err != nil {
			return err
		}
		tx, err := s.db.beginWrite(ctx)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM records WHERE id BETWEEN ? AND ? AND ingest_id = ?`, first, last, id)
		if err == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM record_batches WHERE ingest_id = ? AND first_id = ?`, id, first)
		}
		if err == nil {
			err = tx.Commit()
		}
		tx.Rollback()
		if err != nil {
			return FormatError(err)
		}
	}
	_, err := s.db.wdb.ExecContext(ctx, `
		INSERT INTO record_ingests (id, dataset_id, state) VALUES (?, 0, ?)
		ON CONFLICT (id) DO UPDATE SET state = excluded.state`, id, sluice.IngestAborted)
	return FormatError(err)
}

// CountAllRows counts every row of the records table, visible or not. It is
// for checks of where bytes were written.
func (s *RecordStore) CountAllRows(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM records`).Scan(&n)
	return n, err
}

// Checkpoint copies the write-ahead log into the database file and
// truncates it, so that the bytes of deleted records (overwritten in the
// database file by secure_delete) are gone from the log too. It waits for
// readers to finish.
func (s *RecordStore) Checkpoint(ctx context.Context) error {
	var busy, logFrames, done int
	if err := s.db.wdb.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
		return FormatError(err)
	}
	if busy != 0 {
		return sluice.Errorf(sluice.EUNAVAILABLE, "WAL checkpoint of region %s blocked by readers; run it again.", s.region)
	}
	return nil
}
