package postgres

import "github.com/sluice-gateway/sluice/internal/sqlstore"

// NewDatasetService returns the DatasetService of control database db.
func NewDatasetService(db *DB) *sqlstore.DatasetService { return sqlstore.NewDatasetService(db.DB) }
