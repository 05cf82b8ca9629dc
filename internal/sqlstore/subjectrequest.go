package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sluice-gateway/sluice"
)

// Ensure SubjectRequestStore implements the interface.
var _ sluice.SubjectRequestStore = (*SubjectRequestStore)(nil)

// SubjectRequestStore keeps data-subject requests and legal holds in the
// control database.
type SubjectRequestStore struct{ db *DB }

// NewSubjectRequestStore returns a SubjectRequestStore over db.
func NewSubjectRequestStore(db *DB) *SubjectRequestStore { return &SubjectRequestStore{db: db} }

const requestColumns = `id, org_id, type, jurisdiction, state, subject_keys, identifiers, evidence, correction,
	received_at, deadline, verified_at, extended_at, extension_reason, closed_at, reason, outcome, lifted_at`

// CreateSubjectRequest stores r with its audit event.
func (s *SubjectRequestStore) CreateSubjectRequest(ctx context.Context, r *sluice.SubjectRequest, e *sluice.Event) error {
	keys, _ := json.Marshal(r.SubjectKeys)
	ids, _ := json.Marshal(r.Identifiers)
	deadline, _ := json.Marshal(r.Deadline)
	corr, err := nullJSON(r.Correction)
	if err != nil {
		return err
	}
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		d := tx.Dialect()
		if err := tx.QueryRow(ctx, `
			INSERT INTO subject_requests (org_id, type, jurisdiction, state, subject_keys, identifiers, evidence,
				correction, received_at, deadline, due_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			r.OrgID, r.Type, r.Jurisdiction, r.State, string(keys), string(ids), r.Evidence, corr,
			d.Time(r.ReceivedAt), string(deadline), d.Time(r.Deadline.Due)).Scan(&r.ID); err != nil {
			return d.FormatError(err)
		}
		e.Object["subject_request"] = r.ID
		_, err := AppendEvent(ctx, tx, e)
		return err
	})
}

// FindSubjectRequestByID returns ENOTFOUND for an unknown request.
func (s *SubjectRequestStore) FindSubjectRequestByID(ctx context.Context, id int64) (*sluice.SubjectRequest, error) {
	rs, err := s.find(ctx, s.db.Read, `WHERE id = $1`, id)
	if err != nil {
		return nil, err
	} else if len(rs) == 0 {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Subject request %d not found.", id)
	}
	return rs[0], nil
}

// FindSubjectRequests returns the requests matching filter, newest first.
func (s *SubjectRequestStore) FindSubjectRequests(ctx context.Context, f sluice.SubjectRequestFilter) ([]*sluice.SubjectRequest, error) {
	w := where{}
	if f.OrgID != nil {
		w.add("org_id = $?", *f.OrgID)
	}
	if f.State != nil {
		w.add("state = $?", string(*f.State))
	}
	return s.find(ctx, s.db.Read, `WHERE `+w.String()+` ORDER BY id DESC`, w.args...)
}

func (s *SubjectRequestStore) find(ctx context.Context, q Querier, tail string, args ...any) ([]*sluice.SubjectRequest, error) {
	rows, err := q.Query(ctx, `SELECT `+requestColumns+` FROM subject_requests `+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sluice.SubjectRequest
	for rows.Next() {
		var r sluice.SubjectRequest
		var keys, ids, deadline string
		var corr, outcome *string
		if err := rows.Scan(&r.ID, &r.OrgID, &r.Type, &r.Jurisdiction, &r.State, &keys, &ids, &r.Evidence, &corr,
			ScanTime(&r.ReceivedAt), &deadline, ScanNullTime(&r.VerifiedAt), ScanNullTime(&r.ExtendedAt),
			&r.ExtensionReason, ScanNullTime(&r.ClosedAt), &r.Reason, &outcome, ScanNullTime(&r.LiftedAt)); err != nil {
			return nil, err
		}
		if err := unmarshalColumns(&keys, &r.SubjectKeys, &ids, &r.Identifiers, &deadline, &r.Deadline, corr, &r.Correction, outcome, &r.Outcome); err != nil {
			return nil, fmt.Errorf("subject request %d: %w", r.ID, err)
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// unmarshalColumns decodes pairs of (JSON text or nil, destination).
func unmarshalColumns(pairs ...any) error {
	for i := 0; i < len(pairs); i += 2 {
		src, _ := pairs[i].(*string)
		if src == nil || *src == "" {
			continue
		}
		if err := json.Unmarshal([]byte(*src), pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func nullJSON(v any) (*string, error) {
	switch v := v.(type) {
	case *sluice.Correction:
		if v == nil {
			return nil, nil
		}
	case *sluice.SubjectRequestOutcome:
		if v == nil {
			return nil, nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

// UpdateSubjectRequest writes r if its stored state is still from.
func (s *SubjectRequestStore) UpdateSubjectRequest(ctx context.Context, r *sluice.SubjectRequest, from sluice.SubjectRequestState, e *sluice.Event) error {
	deadline, _ := json.Marshal(r.Deadline)
	corr, err := nullJSON(r.Correction)
	if err != nil {
		return err
	}
	outcome, err := nullJSON(r.Outcome)
	if err != nil {
		return err
	}
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		d := tx.Dialect()
		n, err := tx.Exec(ctx, `
			UPDATE subject_requests SET state = $1, correction = $2, deadline = $3, due_at = $4, verified_at = $5,
				extended_at = $6, extension_reason = $7, closed_at = $8, reason = $9, outcome = $10, lifted_at = $11
			WHERE id = $12 AND state = $13 AND lifted_at IS NULL`,
			r.State, corr, string(deadline), d.Time(r.Deadline.Due), d.NullTime(r.VerifiedAt), d.NullTime(r.ExtendedAt),
			r.ExtensionReason, d.NullTime(r.ClosedAt), r.Reason, outcome, d.NullTime(r.LiftedAt), r.ID, from)
		if err != nil {
			return d.FormatError(err)
		} else if n == 0 {
			return sluice.Errorf(sluice.ECONFLICT, "Subject request %d is no longer %s.", r.ID, from)
		}
		e.Object["subject_request"] = r.ID
		_, err = AppendEvent(ctx, tx, e)
		return err
	})
}

// PutHold places or replaces a dataset's legal hold.
func (s *SubjectRequestStore) PutHold(ctx context.Context, h *sluice.DatasetHold, e *sluice.Event) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		h.PlacedAt = tx.Now
		if _, err := tx.Exec(ctx, `
			INSERT INTO dataset_holds (dataset_id, org_id, reason, placed_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (dataset_id) DO UPDATE SET reason = excluded.reason, placed_at = excluded.placed_at`,
			h.DatasetID, h.OrgID, h.Reason, tx.Dialect().Time(h.PlacedAt)); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err := AppendEvent(ctx, tx, e)
		return err
	})
}

// DeleteHold lifts a dataset's hold.
func (s *SubjectRequestStore) DeleteHold(ctx context.Context, datasetID int64, e *sluice.Event) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		n, err := tx.Exec(ctx, `DELETE FROM dataset_holds WHERE dataset_id = $1`, datasetID)
		if err != nil {
			return err
		} else if n == 0 {
			return sluice.Errorf(sluice.ENOTFOUND, "Dataset %d has no legal hold.", datasetID)
		}
		_, err = AppendEvent(ctx, tx, e)
		return err
	})
}

// FindHolds returns the holds on an org's datasets.
func (s *SubjectRequestStore) FindHolds(ctx context.Context, orgID int64) ([]*sluice.DatasetHold, error) {
	rows, err := s.db.Read.Query(ctx, `SELECT dataset_id, org_id, reason, placed_at FROM dataset_holds WHERE org_id = $1 ORDER BY dataset_id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sluice.DatasetHold
	for rows.Next() {
		var h sluice.DatasetHold
		if err := rows.Scan(&h.DatasetID, &h.OrgID, &h.Reason, ScanTime(&h.PlacedAt)); err != nil {
			return nil, err
		}
		out = append(out, &h)
	}
	return out, rows.Err()
}

// SetRecordCount sets a dataset's record count.
func (s *SubjectRequestStore) SetRecordCount(ctx context.Context, datasetID, n int64) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE datasets SET record_count = $1 WHERE id = $2`, n, datasetID)
		return err
	})
}

// MarkDatasetDeleted makes a dataset a tombstone: invisible, its name
// freed, its fields, counts and hold gone, with its event.
func (s *SubjectRequestStore) MarkDatasetDeleted(ctx context.Context, datasetID int64, e *sluice.Event) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		d := tx.Dialect()
		n, err := tx.Exec(ctx, `
			UPDATE datasets SET deleted_at = $1, name = $2, record_count = 0, subjects = 0, updated_at = $1
			WHERE id = $3 AND deleted_at IS NULL`, d.Time(tx.Now), fmt.Sprintf("deleted-%d", datasetID), datasetID)
		if err != nil {
			return d.FormatError(err)
		} else if n == 0 {
			return sluice.Errorf(sluice.ENOTFOUND, "Dataset %d not found.", datasetID)
		}
		for _, q := range []string{`DELETE FROM fields WHERE dataset_id = $1`, `DELETE FROM dataset_holds WHERE dataset_id = $1`} {
			if _, err := tx.Exec(ctx, q, datasetID); err != nil {
				return err
			}
		}
		_, err = AppendEvent(ctx, tx, e)
		return err
	})
}

// DeletedDatasets returns the id and region of every deleted dataset.
func (s *SubjectRequestStore) DeletedDatasets(ctx context.Context) ([]*sluice.Dataset, error) {
	rows, err := s.db.Read.Query(ctx, `SELECT id, org_id, region FROM datasets WHERE deleted_at IS NOT NULL ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sluice.Dataset
	for rows.Next() {
		var d sluice.Dataset
		if err := rows.Scan(&d.ID, &d.OrgID, &d.Region); err != nil {
			return nil, err
		}
		out = append(out, &d)
	}
	return out, rows.Err()
}

// CloseOrg revokes every key of an org and deletes its consent ledger,
// with its event.
func (s *SubjectRequestStore) CloseOrg(ctx context.Context, orgID int64, e *sluice.Event) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		keys, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE org_id = $2 AND revoked_at IS NULL`, tx.Dialect().Time(tx.Now), orgID)
		if err != nil {
			return err
		}
		consents, err := tx.Exec(ctx, `DELETE FROM consents WHERE org_id = $1`, orgID)
		if err != nil {
			return err
		}
		e.Details["keys_revoked"], e.Details["consents_deleted"] = keys, consents
		_, err = AppendEvent(ctx, tx, e)
		return err
	})
}

// PutWorkingDays sets an org's deadline for CN requests.
func (s *SubjectRequestStore) PutWorkingDays(ctx context.Context, orgID int64, days int, e *sluice.Event) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO subject_request_policies (org_id, cn_working_days, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (org_id) DO UPDATE SET cn_working_days = excluded.cn_working_days, updated_at = excluded.updated_at`,
			orgID, days, tx.Dialect().Time(tx.Now)); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err := AppendEvent(ctx, tx, e)
		return err
	})
}

// FindWorkingDays returns an org's deadline for CN requests, 0 if unset.
func (s *SubjectRequestStore) FindWorkingDays(ctx context.Context, orgID int64) (int, error) {
	var n int
	err := s.db.Read.QueryRow(ctx, `SELECT cn_working_days FROM subject_request_policies WHERE org_id = $1`, orgID).Scan(&n)
	if IsNoRows(err) {
		return 0, nil
	}
	return n, err
}
