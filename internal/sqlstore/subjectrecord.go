package sqlstore

import (
	"context"
	"errors"
	"slices"

	"github.com/sluice-gateway/sluice"
)

// notRestricted is the condition that keeps restricted records (see
// sluice.RequestRestriction) out of what is served and exported.
const notRestricted = ` AND NOT EXISTS (SELECT 1 FROM record_restrictions x WHERE x.record_id = r.id)`

// restriction returns notRestricted if the dataset has a restricted
// record, "" if it has none: one indexed lookup a page spares the reads
// of the datasets without restrictions, nearly all, a lookup a record.
func (s *RecordStore) restriction(ctx context.Context, datasetID int64) (string, error) {
	var n int
	err := s.db.Read.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM record_restrictions WHERE dataset_id = $1 LIMIT 1) x`, datasetID).Scan(&n)
	if err != nil || n == 0 {
		return "", err
	}
	return notRestricted, nil
}

// ScanRecords returns committed records of a dataset with ID > after,
// restricted ones included, at most limit, in ID order.
func (s *RecordStore) ScanRecords(ctx context.Context, datasetID, after int64, limit int) ([]*sluice.Record, error) {
	if limit == 0 {
		return nil, nil
	}
	return s.readRecords(ctx, `
		SELECT `+recordColumns(s.db.Dialect)+`
		FROM records r JOIN record_ingests i ON i.id = r.ingest_id
		WHERE r.dataset_id = $1 AND r.id > $2 AND r.id + r.n - 1 > $3 AND i.state = $4
		ORDER BY r.id`, datasetID, after, limit)
}

// RestrictedRecords reports which of ids are restricted.
func (s *RecordStore) RestrictedRecords(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, id := range ids {
		var n int
		if err := s.db.Read.QueryRow(ctx, `SELECT COUNT(*) FROM record_restrictions WHERE record_id = $1`, id).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			out[id] = true
		}
	}
	return out, nil
}

// ApplySubjectChange deletes, rewrites and restricts records in one
// transaction, and returns the datasets' counts of visible records after
// it. The engines make the deletion final on disk. c.Datasets names the
// dataset of every record changed: records are found by (dataset_id, id),
// the records table's one index.
func (s *RecordStore) ApplySubjectChange(ctx context.Context, c *sluice.SubjectChange) (map[int64]int64, error) {
	if len(c.Datasets) == 0 && len(c.Delete)+len(c.Rewrite)+len(c.Restrict) > 0 {
		return nil, errors.New("sqlstore: a subject change must name the datasets of its records")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	// A record of a block is changed as a row of its own.
	for _, ids := range [][]int64{c.Delete, sortedKeys(c.Rewrite), sortedKeys(c.Restrict)} {
		for _, id := range ids {
			if err := splitBlocks(ctx, tx, c.Datasets, id); err != nil {
				return nil, err
			}
		}
	}
	// The statements take the record's id as $1, their other arguments,
	// then the datasets from $first.
	ds2, dargs := datasetsIn(2, c.Datasets)
	ds3, _ := datasetsIn(3, c.Datasets)
	ds4, _ := datasetsIn(4, c.Datasets)
	for _, id := range c.Delete {
		if _, err := tx.Exec(ctx, `DELETE FROM records WHERE dataset_id IN (`+ds2+`) AND id = $1`, append([]any{id}, dargs...)...); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM record_restrictions WHERE record_id = $1`, id); err != nil {
			return nil, err
		}
	}
	for _, id := range sortedKeys(c.Rewrite) {
		if _, err := tx.Exec(ctx, `UPDATE records SET data = $2 WHERE dataset_id IN (`+ds3+`) AND id = $1`,
			append([]any{id, c.Rewrite[id]}, dargs...)...); err != nil {
			return nil, err
		}
	}
	for _, id := range sortedKeys(c.Restrict) {
		if _, err := tx.Exec(ctx, `
			INSERT INTO record_restrictions (record_id, dataset_id, request_id, reason)
			SELECT id, dataset_id, $2, $3 FROM records WHERE dataset_id IN (`+ds4+`) AND id = $1
			ON CONFLICT (record_id) DO NOTHING`, append([]any{id, c.RequestID, c.Restrict[id]}, dargs...)...); err != nil {
			return nil, err
		}
	}
	counts := map[int64]int64{}
	for _, d := range c.Datasets {
		var n int64
		if err := tx.QueryRow(ctx, `
			SELECT COALESCE(SUM(r.n), 0) FROM records r JOIN record_ingests i ON i.id = r.ingest_id
			WHERE r.dataset_id = $1 AND i.state = $2`, d, sluice.IngestCommitted).Scan(&n); err != nil {
			return nil, err
		}
		counts[d] = n
	}
	return counts, tx.Commit(ctx)
}

func sortedKeys[V any](m map[int64]V) []int64 {
	ks := make([]int64, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// DeleteDatasetRecords deletes every record of a dataset, visible or not,
// with their restrictions, in one transaction, and returns how
// many records it deleted.
func (s *RecordStore) DeleteDatasetRecords(ctx context.Context, datasetID int64) (int64, error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	var n int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM records WHERE dataset_id = $1`, datasetID).Scan(&n); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM records WHERE dataset_id = $1`, datasetID); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM record_restrictions WHERE dataset_id = $1`, datasetID); err != nil {
		return 0, err
	}
	return n, tx.Commit(ctx)
}

// LiftRestrictions lifts the restrictions a request placed.
func (s *RecordStore) LiftRestrictions(ctx context.Context, requestID int64) (int64, error) {
	return s.db.Write.Exec(ctx, `DELETE FROM record_restrictions WHERE request_id = $1`, requestID)
}
