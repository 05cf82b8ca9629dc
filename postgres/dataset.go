package postgres

import (
	"context"

	"sluice"
	"sluice/internal/sqlstore"
)

// NewDatasetService returns the DatasetService of control database db.
func NewDatasetService(db *DB) *sqlstore.DatasetService { return sqlstore.NewDatasetService(db.DB) }

func findDatasetByID(ctx context.Context, q execer, id int64) (*sluice.Dataset, error) {
	return sqlstore.FindDatasetByID(ctx, conn{q}, id)
}
