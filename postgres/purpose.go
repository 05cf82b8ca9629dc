package postgres

import "github.com/sluice-gateway/sluice/internal/sqlstore"

// PurposeService stores the purposes orgs declare in the control database.
type PurposeService = sqlstore.PurposeService

// NewPurposeService returns a PurposeService over db.
func NewPurposeService(db *DB) *PurposeService { return sqlstore.NewPurposeService(db.DB) }
