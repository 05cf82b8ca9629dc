package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/sluice-gateway/sluice"
)

// Incidents are kept by the org service: an org's security incidents,
// each a JSON document with its status, and every change with its audit
// event in the same transaction.
var _ sluice.IncidentStore = (*OrgService)(nil)

// CreateIncident stores x with its event.
func (s *OrgService) CreateIncident(ctx context.Context, x *sluice.Incident, e *sluice.Event) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		x.CreatedAt, x.UpdatedAt = tx.Now, tx.Now
		data, err := json.Marshal(x)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO incidents (org_id, status, data, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			x.OrgID, x.Status, data, tx.Dialect().Time(tx.Now), tx.Dialect().Time(tx.Now)).Scan(&x.ID); err != nil {
			return tx.Dialect().FormatError(err)
		}
		e.Object["incident"] = x.ID
		_, err = AppendEvent(ctx, tx, e)
		return err
	})
}

// UpdateIncident changes incident id of org orgID with fn and appends
// fn's event.
func (s *OrgService) UpdateIncident(ctx context.Context, orgID, id int64, fn func(x *sluice.Incident) (*sluice.Event, error)) (*sluice.Incident, error) {
	var out *sluice.Incident
	err := s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		xs, err := findIncidents(ctx, tx, orgID, id, tx.Dialect().ForUpdate("FOR UPDATE"))
		if err != nil {
			return err
		} else if len(xs) == 0 {
			return sluice.Errorf(sluice.ENOTFOUND, "Incident %d not found.", id)
		}
		x := xs[0]
		e, err := fn(x)
		if err != nil {
			return err
		}
		x.UpdatedAt = tx.Now
		data, err := json.Marshal(x)
		if err != nil {
			return err
		}
		if n, err := tx.Exec(ctx, `UPDATE incidents SET status = $1, data = $2, updated_at = $3 WHERE id = $4 AND org_id = $5`,
			x.Status, data, tx.Dialect().Time(tx.Now), x.ID, orgID); err != nil {
			return tx.Dialect().FormatError(err)
		} else if n != 1 {
			return sluice.Errorf(sluice.EINTERNAL, "Incident %d was not updated.", x.ID)
		}
		e.Object["incident"] = x.ID
		if _, err := AppendEvent(ctx, tx, e); err != nil {
			return err
		}
		out = x
		return nil
	})
	return out, err
}

// FindIncidents returns org orgID's incidents (id 0: all), newest first.
func (s *OrgService) FindIncidents(ctx context.Context, orgID, id int64) ([]*sluice.Incident, error) {
	return findIncidents(ctx, s.db.Read, orgID, id, "")
}

func findIncidents(ctx context.Context, q Querier, orgID, id int64, lock string) ([]*sluice.Incident, error) {
	var w where
	w.add("org_id = $?", orgID)
	if id != 0 {
		w.add("id = $?", id)
	}
	rows, err := q.Query(ctx, `SELECT id, data FROM incidents WHERE `+w.String()+` ORDER BY id DESC`+lock, w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sluice.Incident
	for rows.Next() {
		var x sluice.Incident
		var data []byte
		var id int64
		if err := rows.Scan(&id, &data); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &x); err != nil {
			return nil, err
		}
		x.ID = id // the document was written before its id was known
		out = append(out, &x)
	}
	return out, rows.Err()
}
