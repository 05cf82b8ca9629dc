package sqlstore

import (
	"context"
	"fmt"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
)

// An EventRow is what the log stores of an event: the public entry (the
// events table's data column, a commitment to the event), the event's
// canonical JSON and the commitment's salt (never served publicly), and
// the packed subject keys, nil if none.
type EventRow struct {
	Leaf, Event, Salt, Keys []byte
	// Index is the event's index in the log, within Update.
	Index int64
}

// AppendEvent adds e to the audit log within tx, so that the event commits
// if and only if the change it records does, and records beside it the
// subject keys it concerns (see auditlog.SetSubjects): one row of packed
// keys, written at once however many they are, indexed by key later (see
// LogStore.IndexSubjects). It sets e.Time to the transaction's time and
// the actor from ctx if unset, and returns the event's index in the log.
// Indexes are handed out in commit order, with no gaps (see
// Dialect.AppendEvent).
func AppendEvent(ctx context.Context, tx *Tx, e *sluice.Event) (int64, error) {
	if e.Time.IsZero() {
		e.Time = tx.Now
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
	row := EventRow{Leaf: leaf, Event: data, Salt: salt, Keys: keys}
	if tx.b != nil {
		// Within Update the index is the batch's next, the row written
		// with the next statement or the commit.
		return tx.b.appendEvent(ctx, tx, row)
	}
	idx, err := tx.Dialect().AppendEvent(ctx, tx, row)
	if err != nil {
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
		idx, err = AppendEvent(ctx, tx, e)
		return err
	})
	return idx, err
}

// ReadEvents returns the encoded events with index in [start, start+n):
// their canonical JSON, not the public entries that commit to them (for
// entries written before commitments, the two are the same).
func (s *EventService) ReadEvents(ctx context.Context, start, n int64) ([][]byte, error) {
	return readColumn(ctx, s.db.Read, `SELECT COALESCE(event, data) FROM events WHERE idx >= $1 AND idx < $2 ORDER BY idx`, start, start+n)
}

// readIDs returns the one integer column of a query's rows.
func readIDs(ctx context.Context, q Querier, query string, args ...any) ([]int64, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// readColumn returns the one column of a query's rows.
func readColumn(ctx context.Context, q Querier, query string, args ...any) ([][]byte, error) {
	rows, err := q.Query(ctx, query, args...)
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
	err := s.db.Read.QueryRow(ctx, `SELECT COALESCE(MAX(idx) + 1, 0) FROM events`).Scan(&n)
	return n, err
}
