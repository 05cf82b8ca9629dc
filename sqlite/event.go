package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"sluice"
)

// appendEvent adds e to the audit log within tx, so that the event commits
// if and only if the change it records does. It sets e.Time to the
// transaction's time and the actor from ctx if unset, and returns the
// event's index in the log.
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
	var idx int64
	if err := tx.QueryRowContext(ctx, `
		INSERT INTO events (idx, data) VALUES ((SELECT COALESCE(MAX(idx) + 1, 0) FROM events), ?)
		RETURNING idx`, data).Scan(&idx); err != nil {
		return 0, fmt.Errorf("append event: %w", err)
	}
	return idx, nil
}

// EventService reads the audit events of the control store.
type EventService struct{ db *DB }

// NewEventService returns an EventService over db.
func NewEventService(db *DB) *EventService { return &EventService{db: db} }

// ReadEvents returns the encoded events with index in [start, start+n).
func (s *EventService) ReadEvents(ctx context.Context, start, n int64) ([][]byte, error) {
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT data FROM events WHERE idx >= ? AND idx < ? ORDER BY idx`, start, start+n)
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
