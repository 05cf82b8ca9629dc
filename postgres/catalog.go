package postgres

import "github.com/sluice-gateway/sluice/internal/sqlstore"

// NewCatalogStore returns the sharing catalogue's store of control database db.
func NewCatalogStore(db *DB) *sqlstore.CatalogStore { return sqlstore.NewCatalogStore(db.DB) }
