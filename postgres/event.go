package postgres

import (
	"context"
	"errors"
	"fmt"

	"sluice"
	"sluice/auditlog"
)

// appendEvent adds e to the audit log within tx, so that the event commits
// if and only if the change it records does, and records beside it the
// subject keys it concerns (see auditlog.SetSubjects): one row of packed
// keys, written at once however many they are, indexed by key later (see
// LogStore.IndexSubjects). The index comes from the event_seq row, whose
// lock is held to the end of tx: indexes are handed out in commit order,
// with no gaps, across every replica.
func appendEvent(ctx context.Context, tx *Tx, e *sluice.Event) (int64, error) {
	if !tx.batched {
		// Update takes the sequence lock before any other: appending from
		// another transaction could deadlock with it.
		return 0, errors.New("postgres: audit events must be appended within Update")
	}
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
	// One round trip: take the next index and insert the event (data is
	// the public entry) and its subject keys.
	q := `
		WITH seq AS (UPDATE event_seq SET next = next + 1 RETURNING next - 1 AS idx)
		INSERT INTO events (idx, data, event, salt) SELECT idx, $1, $2, $3 FROM seq RETURNING idx`
	args := []any{leaf, data, salt}
	if keys != nil {
		q = `
			WITH seq AS (UPDATE event_seq SET next = next + 1 RETURNING next - 1 AS idx),
			ev AS (INSERT INTO events (idx, data, event, salt) SELECT idx, $1, $2, $3 FROM seq RETURNING idx),
			subjects AS (INSERT INTO event_subject_sets (idx, keys) SELECT idx, $4 FROM ev)
			SELECT idx FROM ev`
		args = append(args, keys)
	}
	var idx int64
	if err := tx.QueryRow(ctx, q, args...).Scan(&idx); err != nil {
		return 0, fmt.Errorf("append event: %w", err)
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
	rows, err := s.db.pool.Query(ctx, `SELECT COALESCE(event, data) FROM events WHERE idx >= $1 AND idx < $2 ORDER BY idx`, start, start+n)
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
