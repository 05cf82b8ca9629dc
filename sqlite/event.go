package sqlite

import (
	"context"

	"sluice"
	"sluice/internal/sqlstore"
)

// appendEvent adds e to the audit log within tx; see sqlstore.AppendEvent.
func appendEvent(ctx context.Context, tx *Tx, e *sluice.Event) (int64, error) {
	return sqlstore.AppendEvent(ctx, tx.core(), e)
}

// EventService reads and appends the audit events of the control store.
type EventService = sqlstore.EventService

// NewEventService returns an EventService over db.
func NewEventService(db *DB) *EventService { return sqlstore.NewEventService(db.DB) }
