package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// CountDistinctSubjects counts the distinct subject keys of the visible
// records of the datasets, exactly: a person in several of them counts
// once. It reads subject keys only, never record data.
func (s *RecordStore) CountDistinctSubjects(ctx context.Context, datasetIDs []int64) (int64, error) {
	if len(datasetIDs) == 0 {
		return 0, nil
	}
	var b strings.Builder
	args := make([]any, 0, len(datasetIDs)+1)
	args = append(args, sluice.IngestCommitted)
	for i, id := range datasetIDs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("$" + strconv.Itoa(i+2))
		args = append(args, id)
	}
	var n int64
	err := s.db.Read.QueryRow(ctx, `
		SELECT COUNT(DISTINCT `+s.db.Dialect.KeyAt("r")+`)
		FROM records r JOIN record_ingests i ON i.id = r.ingest_id`+s.db.Dialect.EachRecord("r")+`
		WHERE i.state = $1 AND r.dataset_id IN (`+b.String()+`)`, args...).Scan(&n)
	return n, err
}

// FindDutyDates returns, for org orgID, the day each volume duty was first
// found to apply (duty ID → YYYY-MM-DD).
func (s *OrgService) FindDutyDates(ctx context.Context, orgID int64) (map[string]string, error) {
	rows, err := s.db.Read.Query(ctx, `SELECT duty, reached_on FROM org_duties WHERE org_id = $1`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var duty, on string
		if err := rows.Scan(&duty, &on); err != nil {
			return nil, err
		}
		out[duty] = on
	}
	return out, rows.Err()
}

// RecordDutyDate records that duty applies to org orgID from day on,
// unless an earlier day is recorded, and returns the day recorded.
func (s *OrgService) RecordDutyDate(ctx context.Context, orgID int64, duty, on string) (string, error) {
	var got string
	err := s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO org_duties (org_id, duty, reached_on) VALUES ($1, $2, $3) ON CONFLICT (org_id, duty) DO NOTHING`,
			orgID, duty, on); err != nil {
			return tx.Dialect().FormatError(err)
		}
		return tx.QueryRow(ctx, `SELECT reached_on FROM org_duties WHERE org_id = $1 AND duty = $2`, orgID, duty).Scan(&got)
	})
	return got, err
}
