package postgres

import "github.com/sluice-gateway/sluice/internal/sqlstore"

// NewIngestService returns the IngestService of control database db.
func NewIngestService(db *DB) *sqlstore.IngestService { return sqlstore.NewIngestService(db.DB) }
