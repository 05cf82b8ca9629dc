package postgres

import "github.com/sluice-gateway/sluice/internal/sqlstore"

// KeyService stores API keys in the control database.
type KeyService = sqlstore.KeyService

// NewKeyService returns a KeyService over db.
func NewKeyService(db *DB) *KeyService { return sqlstore.NewKeyService(db.DB) }
