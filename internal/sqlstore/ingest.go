package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/sluice-gateway/sluice"
)

// Ensure IngestService implements the interface.
var _ sluice.IngestService = (*IngestService)(nil)

// IngestService records ingests in the control database.
type IngestService struct {
	db *DB

	// Grader grades datasets as ingests change them; nil takes the
	// highest field grade.
	Grader sluice.DatasetGrader
}

// NewIngestService returns an IngestService over db.
func NewIngestService(db *DB) *IngestService { return &IngestService{db: db} }

// BeginIngest records a pending ingest and sets in.ID and in.CreatedAt.
func (s *IngestService) BeginIngest(ctx context.Context, in *sluice.Ingest) error {
	return s.db.write(ctx, func(ctx context.Context, q Querier, now time.Time) error {
		in.State, in.CreatedAt = sluice.IngestPending, now
		return q.Dialect().FormatError(q.QueryRow(ctx, `
			INSERT INTO ingests (dataset_id, region, state, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			in.DatasetID, in.Region, in.State, q.Dialect().Time(in.CreatedAt)).Scan(&in.ID))
	})
}

// FinishIngest commits a pending ingest with its metadata and audit event.
func (s *IngestService) FinishIngest(ctx context.Context, in *sluice.Ingest, observed []*sluice.Field) (*sluice.Dataset, error) {
	var d *sluice.Dataset
	err := s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		var state sluice.IngestState
		if err := tx.QueryRow(ctx, `SELECT state FROM ingests WHERE id = $1`+tx.Dialect().ForUpdate("FOR UPDATE"), in.ID).Scan(&state); IsNoRows(err) {
			return sluice.Errorf(sluice.ENOTFOUND, "Ingest %d not found.", in.ID)
		} else if err != nil {
			return err
		} else if state != sluice.IngestPending {
			return sluice.Errorf(sluice.ECONFLICT, "Ingest %d is %s, not pending.", in.ID, state)
		}
		// Lock the dataset row: concurrent ingests into one dataset merge their
		// field metadata one after the other.
		if tx.Dialect().RowLocks {
			if _, err := tx.Exec(ctx, `SELECT 1 FROM datasets WHERE id = $1 FOR UPDATE`, in.DatasetID); err != nil {
				return err
			}
		}
		var err error
		if d, err = findDatasetByID(ctx, tx, in.DatasetID); err != nil {
			return err
		}
		org, err := findOrgByID(ctx, tx, d.OrgID)
		if err != nil {
			return err
		}
		d.Fields = sluice.MergeFields(d.Fields, observed)
		d.HoldsMinors = sluice.HoldsMinors(d.Fields)
		if in.Subjects > 0 {
			d.Subjects = in.Subjects
		}
		d.Grade = sluice.GradeDeclared(s.Grader, d, org.Sector, tx.Now)
		d.RecordCount += in.RecordCount - in.Replaced
		d.UpdatedAt = tx.Now
		var batch any
		if in.BatchID != "" {
			batch = in.BatchID
		}
		if _, err := tx.Exec(ctx, `UPDATE ingests SET state = $1, record_count = $2, batch_id = $3 WHERE id = $4`,
			sluice.IngestCommitted, in.RecordCount, batch, in.ID); err != nil {
			if err := tx.Dialect().FormatError(err); sluice.ErrorCode(err) == sluice.ECONFLICT {
				return sluice.Errorf(sluice.ECONFLICT, "Dataset %d already took an upload with this idempotency key.", in.DatasetID)
			}
			return tx.Dialect().FormatError(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE datasets SET record_count = $1, subjects = $2, grade = $3, updated_at = $4 WHERE id = $5`,
			d.RecordCount, d.Subjects, d.Grade, tx.Dialect().Time(tx.Now), d.ID); err != nil {
			return tx.Dialect().FormatError(err)
		}
		if err := saveFields(ctx, tx, d); err != nil {
			return err
		}
		_, err = AppendEvent(ctx, tx, sluice.NewIngestEvent(d, in, observed))
		return err
	})
	if err != nil {
		return nil, err
	}
	in.State = sluice.IngestCommitted
	return d, nil
}

// saveFields writes d's fields, replacing those stored.
func saveFields(ctx context.Context, tx *Tx, d *sluice.Dataset) error {
	if _, err := tx.Exec(ctx, `DELETE FROM fields WHERE dataset_id = $1`, d.ID); err != nil {
		return err
	}
	for i, f := range d.Fields {
		cats, err := json.Marshal(f.Categories)
		if err != nil {
			return err
		}
		f.SensitiveIn = sluice.UnionJurisdictions(f.SensitiveIn, nil)
		in, err := json.Marshal(f.SensitiveIn)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO fields (dataset_id, position, name, categories, personal, sensitive, grade, non_empty, confirmed, sensitive_in, minors)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			d.ID, i, f.Name, cats, f.Personal, f.Sensitive, f.Grade, f.NonEmpty, f.Confirmed, in, f.Minors); err != nil {
			return tx.Dialect().FormatError(err)
		}
	}
	return nil
}

// FailIngest marks a pending ingest aborted.
func (s *IngestService) FailIngest(ctx context.Context, id int64) error {
	return s.db.write(ctx, func(ctx context.Context, q Querier, _ time.Time) error {
		_, err := q.Exec(ctx, `UPDATE ingests SET state = $1 WHERE id = $2 AND state = $3`, sluice.IngestAborted, id, sluice.IngestPending)
		return q.Dialect().FormatError(err)
	})
}

// FindIngestByBatch returns the committed ingest of a dataset sent with
// batchID, with its saved answer, or ENOTFOUND.
func (s *IngestService) FindIngestByBatch(ctx context.Context, datasetID int64, batchID string) (*sluice.Ingest, error) {
	var in sluice.Ingest
	var batch *string
	err := s.db.Read.QueryRow(ctx, `
		SELECT id, dataset_id, region, state, record_count, created_at, batch_id, answer
		FROM ingests WHERE dataset_id = $1 AND batch_id = $2 AND state IN ($3, $4)`, datasetID, batchID, sluice.IngestCommitted, sluice.IngestExpired).
		Scan(&in.ID, &in.DatasetID, &in.Region, &in.State, &in.RecordCount, ScanTime(&in.CreatedAt), &batch, &in.Answer)
	if IsNoRows(err) {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Dataset %d has no upload with this idempotency key.", datasetID)
	} else if err != nil {
		return nil, err
	}
	if batch != nil {
		in.BatchID = *batch
	}
	return &in, nil
}

// SaveIngestAnswer keeps the answer given to an ingest's upload.
func (s *IngestService) SaveIngestAnswer(ctx context.Context, ingestID int64, answer []byte) error {
	return s.db.write(ctx, func(ctx context.Context, q Querier, _ time.Time) error {
		_, err := q.Exec(ctx, `UPDATE ingests SET answer = $1 WHERE id = $2`, answer, ingestID)
		return q.Dialect().FormatError(err)
	})
}

// FindIngestByID returns ENOTFOUND for an unknown ingest.
func (s *IngestService) FindIngestByID(ctx context.Context, id int64) (*sluice.Ingest, error) {
	var in sluice.Ingest
	err := s.db.Read.QueryRow(ctx, `SELECT id, dataset_id, region, state, record_count, created_at FROM ingests WHERE id = $1`, id).
		Scan(&in.ID, &in.DatasetID, &in.Region, &in.State, &in.RecordCount, ScanTime(&in.CreatedAt))
	if IsNoRows(err) {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Ingest %d not found.", id)
	} else if err != nil {
		return nil, err
	}
	return &in, nil
}
