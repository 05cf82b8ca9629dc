package sqlite

import "github.com/sluice-gateway/sluice/internal/sqlstore"

// NewSettingsService returns the SettingsService of control database db.
func NewSettingsService(db *DB) *sqlstore.SettingsService { return sqlstore.NewSettingsService(db.DB) }
