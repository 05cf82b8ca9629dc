package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// Ensure CatalogStore implements the interface.
var _ sluice.CatalogStore = (*CatalogStore)(nil)

// CatalogStore keeps the sharing catalogue's entries in the control
// database.
type CatalogStore struct{ db *DB }

// NewCatalogStore returns a CatalogStore over db.
func NewCatalogStore(db *DB) *CatalogStore { return &CatalogStore{db: db} }

// FindCatalogEntries returns the stored entries of the datasets.
func (s *CatalogStore) FindCatalogEntries(ctx context.Context, ids []int64) (map[int64]*sluice.CatalogEntry, error) {
	out := map[int64]*sluice.CatalogEntry{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		marks := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			marks[i], args[i] = "$"+strconv.Itoa(i+1), id
		}
		rows, err := s.db.Read.Query(ctx, `SELECT dataset_id, sharing, opening, justification, legal_basis, conditions, updated_at
			FROM catalog_entries WHERE dataset_id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var e sluice.CatalogEntry
			if err := rows.Scan(&e.DatasetID, &e.Sharing, &e.Opening, &e.Justification, &e.LegalBasis, &e.Conditions, ScanTime(&e.UpdatedAt)); err != nil {
				rows.Close()
				return nil, err
			}
			out[e.DatasetID] = &e
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PutCatalogEntry stores e and appends ev.
func (s *CatalogStore) PutCatalogEntry(ctx context.Context, e *sluice.CatalogEntry, ev *sluice.Event) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		e.UpdatedAt, e.Default = tx.Now, false
		if _, err := tx.Exec(ctx, `INSERT INTO catalog_entries (dataset_id, sharing, opening, justification, legal_basis, conditions, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (dataset_id) DO UPDATE SET sharing = excluded.sharing, opening = excluded.opening, justification = excluded.justification,
				legal_basis = excluded.legal_basis, conditions = excluded.conditions, updated_at = excluded.updated_at`,
			e.DatasetID, e.Sharing, e.Opening, e.Justification, e.LegalBasis, e.Conditions, tx.Dialect().Time(e.UpdatedAt)); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err := AppendEvent(ctx, tx, ev)
		return err
	})
}
