package sqlite

import (
	"context"
	"encoding/json"

	"sluice"
)

// Ensure IngestService implements the interface.
var _ sluice.IngestService = (*IngestService)(nil)

// IngestService records ingests in the control database.
type IngestService struct{ db *DB }

// NewIngestService returns an IngestService over db.
func NewIngestService(db *DB) *IngestService { return &IngestService{db: db} }

// BeginIngest records a pending ingest and sets in.ID and in.CreatedAt.
func (s *IngestService) BeginIngest(ctx context.Context, in *sluice.Ingest) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	in.State, in.CreatedAt = sluice.IngestPending, tx.now
	if err := tx.QueryRowContext(ctx, `
		INSERT INTO ingests (dataset_id, region, state, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		in.DatasetID, in.Region, in.State, formatTime(in.CreatedAt)).Scan(&in.ID); err != nil {
		return FormatError(err)
	}
	return FormatError(tx.Commit())
}

// FinishIngest commits a pending ingest with its metadata and audit event.
func (s *IngestService) FinishIngest(ctx context.Context, in *sluice.Ingest, observed []*sluice.Field) (*sluice.Dataset, error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var state sluice.IngestState
	if err := tx.QueryRowContext(ctx, `SELECT state FROM ingests WHERE id = ?`, in.ID).Scan(&state); isNoRows(err) {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Ingest %d not found.", in.ID)
	} else if err != nil {
		return nil, err
	} else if state != sluice.IngestPending {
		return nil, sluice.Errorf(sluice.ECONFLICT, "Ingest %d is %s, not pending.", in.ID, state)
	}
	d, err := findDatasetByID(ctx, tx, in.DatasetID)
	if err != nil {
		return nil, err
	}
	d.Fields = sluice.MergeFields(d.Fields, observed)
	d.Grade = sluice.HighestGrade(d.Fields)
	d.RecordCount += in.RecordCount
	d.UpdatedAt = tx.now
	if _, err := tx.ExecContext(ctx, `UPDATE ingests SET state = ?, record_count = ? WHERE id = ?`,
		sluice.IngestCommitted, in.RecordCount, in.ID); err != nil {
		return nil, FormatError(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE datasets SET record_count = ?, grade = ?, updated_at = ? WHERE id = ?`,
		d.RecordCount, d.Grade, formatTime(tx.now), d.ID); err != nil {
		return nil, FormatError(err)
	}
	if err := saveFields(ctx, tx, d); err != nil {
		return nil, err
	}
	if _, err := appendEvent(ctx, tx, sluice.NewIngestEvent(d, in, observed)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, FormatError(err)
	}
	in.State = sluice.IngestCommitted
	return d, nil
}

// saveFields writes d's fields, replacing those stored.
func saveFields(ctx context.Context, tx *Tx, d *sluice.Dataset) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM fields WHERE dataset_id = ?`, d.ID); err != nil {
		return err
	}
	for i, f := range d.Fields {
		cats, err := json.Marshal(f.Categories)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO fields (dataset_id, position, name, categories, sensitive, grade, non_empty, confirmed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, i, f.Name, cats, f.Sensitive, f.Grade, f.NonEmpty, f.Confirmed); err != nil {
			return FormatError(err)
		}
	}
	return nil
}

// FailIngest marks a pending ingest aborted.
func (s *IngestService) FailIngest(ctx context.Context, id int64) error {
	_, err := s.db.wdb.ExecContext(ctx, `UPDATE ingests SET state = ? WHERE id = ? AND state = ?`, sluice.IngestAborted, id, sluice.IngestPending)
	return FormatError(err)
}

// FindIngestByID returns ENOTFOUND for an unknown ingest.
func (s *IngestService) FindIngestByID(ctx context.Context, id int64) (*sluice.Ingest, error) {
	var in sluice.Ingest
	err := s.db.rdb.QueryRowContext(ctx, `SELECT id, dataset_id, region, state, record_count, created_at FROM ingests WHERE id = ?`, id).
		Scan(&in.ID, &in.DatasetID, &in.Region, &in.State, &in.RecordCount, timeCol{&in.CreatedAt})
	if isNoRows(err) {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Ingest %d not found.", id)
	} else if err != nil {
		return nil, err
	}
	return &in, nil
}
