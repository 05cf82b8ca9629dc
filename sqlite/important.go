package sqlite

import "github.com/sluice-gateway/sluice/internal/sqlstore"

// NewImportantStore returns the store of notified important data of
// control database db.
func NewImportantStore(db *DB) *sqlstore.ImportantStore { return sqlstore.NewImportantStore(db.DB) }
