package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sluice-gateway/sluice"
)

// Ensure DatasetService implements the interface.
var _ sluice.DatasetService = (*DatasetService)(nil)

// DatasetService stores datasets and their fields in the control database.
type DatasetService struct {
	db *DB

	// Sectors, when set, gives each dataset read the class and level of
	// its fields in its owner's sector catalogues.
	Sectors sluice.SectorLeveler
}

// NewDatasetService returns a DatasetService over db.
func NewDatasetService(db *DB) *DatasetService { return &DatasetService{db: db} }

// FindDatasetByID returns the dataset if the actor may see it.
func (s *DatasetService) FindDatasetByID(ctx context.Context, id int64) (*sluice.Dataset, error) {
	var d *sluice.Dataset
	err := s.db.View(ctx, func(q Querier) (err error) {
		d, err = findDatasetByID(ctx, q, id)
		if err == nil {
			err = s.attachSectorLevels(ctx, q, []*sluice.Dataset{d})
		}
		return err
	})
	return d, err
}

// FindDatasets returns the datasets matching filter that the actor may see.
func (s *DatasetService) FindDatasets(ctx context.Context, filter sluice.DatasetFilter) ([]*sluice.Dataset, int, error) {
	var ds []*sluice.Dataset
	var n int
	err := s.db.View(ctx, func(q Querier) (err error) {
		ds, n, err = findDatasets(ctx, q, filter)
		if err == nil {
			err = s.attachSectorLevels(ctx, q, ds)
		}
		return err
	})
	return ds, n, err
}

// CreateDataset creates d in the acting org's home region.
func (s *DatasetService) CreateDataset(ctx context.Context, d *sluice.Dataset) error {
	actor := sluice.ActorFromContext(ctx)
	if actor == nil || actor.Org == nil {
		return sluice.Errorf(sluice.EUNAUTHORIZED, "Only an org can own a dataset.")
	}
	if d.Grade != sluice.GradeImportant && d.Grade != sluice.GradeCore {
		d.Grade = sluice.GradeGeneral // a grade given is what the owner's declarations make it
	}
	d.OrgID, d.Region, d.RecordCount, d.Fields = actor.Org.ID, actor.Org.Region, 0, nil
	if err := d.Validate(); err != nil {
		return err
	}
	purposes, err := json.Marshal(nonNil(d.Purposes))
	if err != nil {
		return err
	}
	auto, err := json.Marshal(d.Automotive)
	if err != nil {
		return err
	}
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		d.CreatedAt, d.UpdatedAt = tx.Now, tx.Now
		for _, name := range d.Purposes {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM purposes WHERE org_id = $1 AND name = $2`, d.OrgID, name).Scan(&n); err != nil {
				return err
			} else if n == 0 {
				return sluice.Errorf(sluice.EINVALID, "Dataset purposes: %q is not a purpose your org has declared (POST /v1/purposes).", name)
			}
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO datasets (org_id, name, purpose, purposes, minors, subject_field, region, grade, created_at, updated_at, app_type, retention_days, record_type, key_field, automotive,
				event_field)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
			d.OrgID, d.Name, d.Purpose, purposes, d.Minors, d.SubjectField, d.Region, d.Grade, tx.Dialect().Time(tx.Now), tx.Dialect().Time(tx.Now),
			d.AppType, d.RetentionDays, d.RecordType, d.KeyField, auto,
			d.EventField).Scan(&d.ID); err != nil {
			if sluice.ErrorCode(tx.Dialect().FormatError(err)) == sluice.ECONFLICT {
				return sluice.Errorf(sluice.ECONFLICT, "Your org already has a dataset named %q.", d.Name)
			}
			return tx.Dialect().FormatError(err)
		}
		details := map[string]any{"name": d.Name, "purpose": d.Purpose, "region": string(d.Region), "subject_field": d.SubjectField}
		if d.AppType != "" {
			details["app_type"] = d.AppType
		}
		if d.RetentionDays != 0 {
			details["retention_days"] = d.RetentionDays
		}
		if d.RecordType != "" {
			details["record_type"] = d.RecordType
		}
		if d.KeyField != "" {
			details["key_field"] = d.KeyField
		}
		if d.EventField != "" {
			details["event_field"] = d.EventField
		}
		if len(d.Purposes) > 0 {
			details["purposes"] = anyList(d.Purposes)
		}
		if d.Minors {
			details["minors"] = true
		}
		if !d.Automotive.IsZero() {
			details["automotive"] = d.Automotive.Details()
		}
		_, err := AppendEvent(ctx, tx, &sluice.Event{
			Action:  sluice.ActionDatasetCreate,
			Object:  map[string]any{"dataset": d.ID},
			Details: details,
		})
		return err
	})
}

// findDatasetByID returns the dataset with id if the actor in ctx may see
// it.
func findDatasetByID(ctx context.Context, q Querier, id int64) (*sluice.Dataset, error) {
	ds, _, err := findDatasets(ctx, q, sluice.DatasetFilter{ID: &id})
	if err != nil {
		return nil, err
	} else if len(ds) == 0 {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Dataset %d not found.", id)
	}
	return ds[0], nil
}

// findDatasets applies the tenant rule: an org sees only its own datasets;
// the operator sees all.
func findDatasets(ctx context.Context, q Querier, filter sluice.DatasetFilter) ([]*sluice.Dataset, int, error) {
	var w where
	if orgID := sluice.OrgIDFromContext(ctx); orgID != 0 {
		w.add("org_id = $?", orgID)
	}
	if v := filter.ID; v != nil {
		w.add("id = $?", *v)
	}
	if v := filter.OrgID; v != nil {
		w.add("org_id = $?", *v)
	}
	if v := filter.Name; v != nil {
		w.add("name = $?", *v)
	}
	query := `
		SELECT id, org_id, name, purpose, purposes, minors, subject_field, region, record_count, subjects, grade, created_at, updated_at,
			app_type, retention_days, record_type, key_field, automotive,
			event_field, COUNT(*) OVER ()
		FROM datasets WHERE deleted_at IS NULL AND ` + w.String() + ` ORDER BY id`
	query += w.limit(q.Dialect(), filter.Limit, filter.Offset)
	rows, err := q.Query(ctx, query, w.args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var ds []*sluice.Dataset
	var n int
	for rows.Next() {
		var d sluice.Dataset
		var purposes, auto []byte
		if err := rows.Scan(&d.ID, &d.OrgID, &d.Name, &d.Purpose, &purposes, &d.Minors, &d.SubjectField, &d.Region, &d.RecordCount, &d.Subjects, &d.Grade,
			ScanTime(&d.CreatedAt), ScanTime(&d.UpdatedAt), &d.AppType, &d.RetentionDays, &d.RecordType, &d.KeyField, &auto,
			&d.EventField, &n); err != nil {
			return nil, 0, err
		}
		if err := json.Unmarshal(auto, &d.Automotive); err != nil {
			return nil, 0, err
		}
		if err := json.Unmarshal(purposes, &d.Purposes); err != nil {
			return nil, 0, err
		}
		if len(d.Purposes) == 0 {
			d.Purposes = nil
		}
		ds = append(ds, &d)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	for _, d := range ds {
		if d.Fields, err = findFields(ctx, q, d.ID); err != nil {
			return nil, 0, err
		}
		d.HoldsMinors = sluice.HoldsMinors(d.Fields)
	}
	if err := attachImportantNotices(ctx, q, ds); err != nil {
		return nil, 0, err
	}
	return ds, n, nil
}

func findFields(ctx context.Context, q Querier, datasetID int64) ([]*sluice.Field, error) {
	rows, err := q.Query(ctx, `
		SELECT name, categories, personal, sensitive, grade, non_empty, confirmed, sensitive_in, minors
		FROM fields WHERE dataset_id = $1 ORDER BY position`, datasetID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fields := []*sluice.Field{}
	for rows.Next() {
		var f sluice.Field
		var cats, in []byte
		if err := rows.Scan(&f.Name, &cats, &f.Personal, &f.Sensitive, &f.Grade, &f.NonEmpty, &f.Confirmed, &in, &f.Minors); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(cats, &f.Categories); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(in, &f.SensitiveIn); err != nil {
			return nil, err
		}
		f.SensitiveIn = sluice.UnionJurisdictions(f.SensitiveIn, nil)
		fields = append(fields, &f)
	}
	return fields, rows.Err()
}

// UpdateField sets a field's categories as confirmed by a person.
func (s *DatasetService) UpdateField(ctx context.Context, datasetID int64, f *sluice.Field, datasetGrade sluice.Grade) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		if tx.Dialect().RowLocks {
			if _, err := tx.Exec(ctx, `SELECT 1 FROM datasets WHERE id = $1 FOR UPDATE`, datasetID); err != nil {
				return err
			}
		}
		d, err := findDatasetByID(ctx, tx, datasetID)
		if err != nil {
			return err
		}
		before := d.Field(f.Name)
		if before == nil {
			return &sluice.Error{Code: sluice.ENOTFOUND, Field: f.Name, Message: fmt.Sprintf("Dataset %d has no field %q.", datasetID, f.Name)}
		}
		cats, err := json.Marshal(f.Categories)
		if err != nil {
			return err
		}
		f.SensitiveIn = sluice.UnionJurisdictions(f.SensitiveIn, nil)
		in, err := json.Marshal(f.SensitiveIn)
		if err != nil {
			return err
		}
		f.Confirmed = true
		if _, err := tx.Exec(ctx, `
			UPDATE fields SET categories = $1, personal = $2, sensitive = $3, grade = $4, confirmed = TRUE, sensitive_in = $5, minors = $6
			WHERE dataset_id = $7 AND name = $8`,
			cats, f.Personal, f.Sensitive, f.Grade, in, f.Minors, datasetID, f.Name); err != nil {
			return tx.Dialect().FormatError(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE datasets SET grade = $1, updated_at = $2 WHERE id = $3`, datasetGrade, tx.Dialect().Time(tx.Now), datasetID); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err = AppendEvent(ctx, tx, sluice.NewFieldUpdateEvent(datasetID, before, f, datasetGrade))
		return err
	})
}

// UpdateDataset applies what the owner declares of a dataset.
func (s *DatasetService) UpdateDataset(ctx context.Context, id int64, upd sluice.DatasetUpdate, grade sluice.Grade) error {
	if upd.Automotive != nil {
		if err := upd.Automotive.Validate(); err != nil {
			return err
		}
	}
	if grade.Rank() < 0 {
		return sluice.Errorf(sluice.EINVALID, "Dataset grade %q is not general, important or core.", grade)
	}
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		if tx.Dialect().RowLocks {
			if _, err := tx.Exec(ctx, `SELECT 1 FROM datasets WHERE id = $1 FOR UPDATE`, id); err != nil {
				return err
			}
		}
		d, err := findDatasetByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if sluice.OrgIDFromContext(ctx) != d.OrgID {
			return sluice.Errorf(sluice.ENOTFOUND, "Dataset %d not found.", id)
		}
		details := map[string]any{"grade": string(grade), "grade_before": string(d.Grade)}
		if upd.Automotive != nil {
			auto, err := json.Marshal(*upd.Automotive)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE datasets SET automotive = $1 WHERE id = $2`, auto, id); err != nil {
				return tx.Dialect().FormatError(err)
			}
			details["automotive"] = upd.Automotive.Details()
			details["automotive_before"] = d.Automotive.Details()
		}
		if _, err := tx.Exec(ctx, `UPDATE datasets SET grade = $1, updated_at = $2 WHERE id = $3`, grade, tx.Dialect().Time(tx.Now), id); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err = AppendEvent(ctx, tx, &sluice.Event{
			Action:  sluice.ActionDatasetUpdate,
			Object:  map[string]any{"dataset": id},
			Details: details,
		})
		return err
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
