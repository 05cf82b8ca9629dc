package sqlite

import (
	"context"
	"fmt"

	"sluice"
)

// Ensure RecordStore implements the interface.
var _ sluice.RecordStore = (*RecordStore)(nil)

// DefaultBatchSize is how many records RecordStore.WriteRecords commits per
// transaction: large enough that commits cost little, small enough that
// other writers of the region are not held up for long.
const DefaultBatchSize = 20000

// RecordStore holds one region's records in a region database.
type RecordStore struct {
	db     *DB
	region sluice.Region

	// BatchSize is the number of records per write transaction.
	BatchSize int
}

// NewRecordStore returns the record store of region over db.
func NewRecordStore(db *DB, region sluice.Region) *RecordStore {
	return &RecordStore{db: db, region: region, BatchSize: DefaultBatchSize}
}

// Region returns the store's region.
func (s *RecordStore) Region() sluice.Region { return s.region }

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
		if more, err = s.writeBatch(ctx, in, it, &n); err != nil {
			return n, err
		}
	}
	return n, it.Err()
}

func (s *RecordStore) writeBatch(ctx context.Context, in *sluice.Ingest, it sluice.RecordIterator, n *int64) (more bool, err error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO records (dataset_id, ingest_id, subject_key, data) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return false, err
	}
	defer stmt.Close()
	for i := 0; i < s.BatchSize; i++ {
		if !it.Next() {
			return false, tx.Commit()
		}
		r := it.Record()
		if _, err := stmt.ExecContext(ctx, in.DatasetID, in.ID, r.SubjectKey, r.Data); err != nil {
			return false, FormatError(err)
		}
		*n++
	}
	return true, tx.Commit()
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

// AbortIngest removes an ingest's records, in batches so that other
// writers are not held up by a large delete.
func (s *RecordStore) AbortIngest(ctx context.Context, id int64) error {
	for {
		res, err := s.db.wdb.ExecContext(ctx, `DELETE FROM records WHERE id IN (SELECT id FROM records WHERE ingest_id = ? LIMIT ?)`, id, s.BatchSize)
		if err != nil {
			return FormatError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			break
		}
	}
	_, err := s.db.wdb.ExecContext(ctx, `
		INSERT INTO record_ingests (id, dataset_id, state) VALUES (?, 0, ?)
		ON CONFLICT (id) DO UPDATE SET state = excluded.state`, id, sluice.IngestAborted)
	return FormatError(err)
}

// PendingIngests lists ingests neither committed nor aborted.
func (s *RecordStore) PendingIngests(ctx context.Context) ([]int64, error) {
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT id FROM record_ingests WHERE state = ? ORDER BY id`, sluice.IngestPending)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// FindRecords returns visible records of a dataset in ID order.
func (s *RecordStore) FindRecords(ctx context.Context, f sluice.RecordFilter) ([]*sluice.Record, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.db.rdb.QueryContext(ctx, `
		SELECT r.id, r.dataset_id, r.ingest_id, r.subject_key, r.data
		FROM records r JOIN record_ingests i ON i.id = r.ingest_id
		WHERE r.dataset_id = ? AND r.id > ? AND i.state = ?
		ORDER BY r.id LIMIT ?`, f.DatasetID, f.After, sluice.IngestCommitted, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sluice.Record
	for rows.Next() {
		var r sluice.Record
		if err := rows.Scan(&r.ID, &r.DatasetID, &r.IngestID, &r.SubjectKey, &r.Data); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}
