package sqlite

import "github.com/sluice-gateway/sluice/internal/sqlstore"

// EventService reads and appends the audit events of the control store.
type EventService = sqlstore.EventService

// NewEventService returns an EventService over db.
func NewEventService(db *DB) *EventService { return sqlstore.NewEventService(db.DB) }

// SubjectRescoper makes the control store's subject keys org-scoped, once.
type SubjectRescoper = sqlstore.SubjectRescoper

// NewSubjectRescoper returns a SubjectRescoper over control database db.
func NewSubjectRescoper(db *DB) *SubjectRescoper { return sqlstore.NewSubjectRescoper(db.DB) }
