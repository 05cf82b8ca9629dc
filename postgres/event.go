package postgres

import "sluice/internal/sqlstore"

// EventService reads and appends the audit events of the control store.
type EventService = sqlstore.EventService

// NewEventService returns an EventService over db.
func NewEventService(db *DB) *EventService { return sqlstore.NewEventService(db.DB) }
