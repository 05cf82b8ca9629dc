package sqlstore

import (
	"context"
	"time"

	"github.com/sluice-gateway/sluice"
)

// FindIngestsBefore returns up to limit committed ingests of a dataset
// created at or before t, oldest first: those whose records a retention
// period ending at t has run out for.
func (s *IngestService) FindIngestsBefore(ctx context.Context, datasetID int64, t time.Time, limit int) ([]*sluice.Ingest, error) {
	rows, err := s.db.Read.Query(ctx, `
		SELECT id, dataset_id, region, state, record_count, created_at FROM ingests
		WHERE dataset_id = $1 AND state = $2 AND created_at <= $3 ORDER BY id LIMIT $4`,
		datasetID, sluice.IngestCommitted, s.db.Dialect.Time(t), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sluice.Ingest
	for rows.Next() {
		var in sluice.Ingest
		if err := rows.Scan(&in.ID, &in.DatasetID, &in.Region, &in.State, &in.RecordCount, ScanTime(&in.CreatedAt)); err != nil {
			return nil, err
		}
		out = append(out, &in)
	}
	return out, rows.Err()
}

// ExpireIngest marks a committed ingest expired, its records removed from
// its region's store, and takes the removed records (those left of it:
// corrections and erasures may have taken some before) off the dataset's
// record count. Expiring an ingest that is not committed does nothing.
func (s *IngestService) ExpireIngest(ctx context.Context, id, removed int64) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		var datasetID int64
		n := removed
		err := tx.QueryRow(ctx, `SELECT dataset_id FROM ingests WHERE id = $1 AND state = $2`+tx.Dialect().ForUpdate("FOR UPDATE"),
			id, sluice.IngestCommitted).Scan(&datasetID)
		if IsNoRows(err) {
			return nil
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE ingests SET state = $1, expired_count = $2 WHERE id = $3`, sluice.IngestExpired, n, id); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err = tx.Exec(ctx, `UPDATE datasets SET record_count = CASE WHEN record_count > $1 THEN record_count - $1 ELSE 0 END, updated_at = $2 WHERE id = $3`,
			n, tx.Dialect().Time(tx.Now), datasetID)
		return tx.Dialect().FormatError(err)
	})
}

// DeleteSubjectRecords removes the visible records of a dataset about
// the people with the given subject keys, and returns how many it
// removed.
func (s *RecordStore) DeleteSubjectRecords(ctx context.Context, datasetID int64, keys []string) (int64, error) {
	var n int64
	err := s.db.writeTx(ctx, func(ctx context.Context, tx *Tx) error {
		n = 0
		for _, k := range keys {
			if err := splitSubjectBlocks(ctx, tx, datasetID, k); err != nil {
				return tx.Dialect().FormatError(err)
			}
			m, err := tx.Exec(ctx, `DELETE FROM records WHERE dataset_id = $1 AND subject_key = `+tx.Dialect().KeyIn("$2"), datasetID, k)
			if err != nil {
				return tx.Dialect().FormatError(err)
			}
			n += m
		}
		return nil
	})
	return n, err
}

// AddRecordCount adds delta to a dataset's record count, never below 0:
// for records removed outside an ingest.
func (s *IngestService) AddRecordCount(ctx context.Context, datasetID, delta int64) error {
	return s.db.write(ctx, func(ctx context.Context, q Querier, now time.Time) error {
		_, err := q.Exec(ctx, `UPDATE datasets SET record_count = CASE WHEN record_count + $1 > 0 THEN record_count + $1 ELSE 0 END, updated_at = $2 WHERE id = $3`,
			delta, q.Dialect().Time(now), datasetID)
		return q.Dialect().FormatError(err)
	})
}

// CountIngestRecords counts the records of one ingest of a dataset still
// stored.
func (s *RecordStore) CountIngestRecords(ctx context.Context, datasetID, ingestID int64) (int64, error) {
	var n int64
	err := s.db.Read.QueryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM records WHERE dataset_id = $1 AND ingest_id = $2`, datasetID, ingestID).Scan(&n)
	return n, err
}
