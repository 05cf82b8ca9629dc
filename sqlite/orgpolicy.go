package sqlite

import "github.com/sluice-gateway/sluice/internal/sqlstore"

// NewPolicyService returns the PolicyService of control database db.
func NewPolicyService(db *DB) *sqlstore.PolicyService { return sqlstore.NewPolicyService(db.DB) }
