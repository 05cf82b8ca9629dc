package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// Ensure ImportantStore implements the interface.
var _ sluice.ImportantStore = (*ImportantStore)(nil)

// ImportantStore keeps the notices of notified important data in the
// control database.
type ImportantStore struct{ db *DB }

// NewImportantStore returns an ImportantStore over db.
func NewImportantStore(db *DB) *ImportantStore { return &ImportantStore{db: db} }

// FindImportantNotices returns the notices of the datasets that have one.
func (s *ImportantStore) FindImportantNotices(ctx context.Context, ids []int64) (map[int64]*sluice.ImportantNotice, error) {
	return findImportantNotices(ctx, s.db.Read, ids)
}

func findImportantNotices(ctx context.Context, q Querier, ids []int64) (map[int64]*sluice.ImportantNotice, error) {
	out := map[int64]*sluice.ImportantNotice{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		marks := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			marks[i], args[i] = "$"+strconv.Itoa(i+1), id
		}
		rows, err := q.Query(ctx, `SELECT dataset_id, notice, authority, notice_date, updated_at
			FROM important_notices WHERE dataset_id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var n sluice.ImportantNotice
			if err := rows.Scan(&n.DatasetID, &n.Notice, &n.Authority, &n.Date, ScanTime(&n.UpdatedAt)); err != nil {
				rows.Close()
				return nil, err
			}
			out[n.DatasetID] = &n
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// attachImportantNotices sets the notice of each of ds that has one.
func attachImportantNotices(ctx context.Context, q Querier, ds []*sluice.Dataset) error {
	if len(ds) == 0 {
		return nil
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	m, err := findImportantNotices(ctx, q, ids)
	if err != nil {
		return err
	}
	for _, d := range ds {
		d.ImportantNotice = m[d.ID]
	}
	return nil
}

// PutImportantNotice stores n and appends ev.
func (s *ImportantStore) PutImportantNotice(ctx context.Context, n *sluice.ImportantNotice, ev *sluice.Event) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		n.UpdatedAt = tx.Now
		if _, err := tx.Exec(ctx, `INSERT INTO important_notices (dataset_id, notice, authority, notice_date, updated_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (dataset_id) DO UPDATE SET notice = excluded.notice, authority = excluded.authority,
				notice_date = excluded.notice_date, updated_at = excluded.updated_at`,
			n.DatasetID, n.Notice, n.Authority, n.Date, tx.Dialect().Time(n.UpdatedAt)); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err := AppendEvent(ctx, tx, ev)
		return err
	})
}

// ClearImportantNotice removes the dataset's notice and appends ev.
func (s *ImportantStore) ClearImportantNotice(ctx context.Context, datasetID int64, ev *sluice.Event) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		n, err := tx.Exec(ctx, `DELETE FROM important_notices WHERE dataset_id = $1`, datasetID)
		if err != nil {
			return err
		}
		if n == 0 {
			return sluice.Errorf(sluice.ENOTFOUND, "Dataset %d has no important-data notice.", datasetID)
		}
		_, err = AppendEvent(ctx, tx, ev)
		return err
	})
}
