package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"sluice"
	"sluice/auditlog"
)

// appendEvent adds e to the audit log within tx, so that the event commits
// if and only if the change it records does, and records beside it the
// subject keys it concerns (see auditlog.SetSubjects): one row of packed
// keys, written at once however many they are, indexed by key later (see
// LogStore.IndexSubjects). It sets e.Time to the transaction's time and
// the actor from ctx if unset, and returns the event's index in the log.
func appendEvent(ctx context.Context, tx *Tx, e *sluice.Event) (int64, error) {
	if e.Time.IsZero() {
		e.Time = tx.now
	}
	if e.Actor == (sluice.EventActor{}) {
		e.Actor = sluice.EventActorFromContext(ctx)
	}
	data, err := e.MarshalCanonical()
	if err != nil {
		return 0, err
	}
	keys, err := auditlog.PackSubjects(e)
	if err != nil {
		return 0, err
	}
	leaf, salt, err := auditlog.Commit(data)
	if err != nil {
		return 0, err
	}
	// idx is the table's rowid: Exec and LastInsertId cost less than
	// RETURNING, and this runs once per change. data is the public entry.
	res, err := tx.ExecContext(ctx, `INSERT INTO events (idx, data, event, salt) VALUES ((SELECT COALESCE(MAX(idx) + 1, 0) FROM events), ?, ?, ?)`, leaf, data, salt)
	if err != nil {
		return 0, fmt.Errorf("append event: %w", err)
	}
	idx, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("append event: %w", err)
	}
	if keys != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_subject_sets (idx, keys) VALUES (?, ?)`, idx, keys); err != nil {
			return 0, fmt.Errorf("append event: subject keys: %w", err)
		}
	}
	return idx, nil
}

// EventService reads and appends the audit events of the control store.
type EventService struct{ db *DB }

// NewEventService returns an EventService over db.
func NewEventService(db *DB) *EventService { return &EventService{db: db} }

// AppendEvent appends an event that records no change of the control
// store, such as a read of records, and returns its index once it is
// durable.
func (s *EventService) AppendEvent(ctx context.Context, e *sluice.Event) (idx int64, err error) {
	err = s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		idx, err = appendEvent(ctx, tx, e)
		return err
	})
	return idx, err
}

// ReadEvents returns the encoded events with index in [start, start+n).
func (s *EventService) ReadEvents(ctx context.Context, start, n int64) ([][]byte, error) {
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT COALESCE(event, data) FROM events WHERE idx >= ? AND idx < ? ORDER BY idx`, start, start+n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// CountEvents returns the number of events in the log.
func (s *EventService) CountEvents(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	err := s.db.rdb.QueryRowContext(ctx, `SELECT MAX(idx) + 1 FROM events`).Scan(&n)
	return n.Int64, err
}
