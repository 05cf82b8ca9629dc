package sqlite

import "github.com/sluice-gateway/sluice/internal/sqlstore"

// GrantService keeps grants in the control database and runs their state
// machine.
type GrantService = sqlstore.GrantService

// NewGrantService returns a GrantService over db.
func NewGrantService(db *DB) *GrantService { return sqlstore.NewGrantService(db.DB) }
