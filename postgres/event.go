package postgres

import (
	"context"
	"fmt"

	"sluice"
)

// appendEvent adds e to the audit log within tx, so that the event commits
// if and only if the change it records does. The index comes from the
// event_seq row, whose lock is held to the end of tx: indexes are handed
// out in commit order, with no gaps, across every replica.
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
	if err := tx.QueryRow(ctx, `UPDATE event_seq SET next = next + 1 RETURNING next - 1`).Scan(&idx); err != nil {
		return 0, fmt.Errorf("append event: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO events (idx, data) VALUES ($1, $2)`, idx, data); err != nil {
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
	rows, err := s.db.pool.Query(ctx, `SELECT data FROM events WHERE idx >= $1 AND idx < $2 ORDER BY idx`, start, start+n)
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
	var n int64
	err := s.db.pool.QueryRow(ctx, `SELECT COALESCE(MAX(idx) + 1, 0) FROM events`).Scan(&n)
	return n, err
}
