package postgres

import "github.com/sluice-gateway/sluice/internal/sqlstore"

// OrgService stores orgs in the control database.
type OrgService = sqlstore.OrgService

// NewOrgService returns an OrgService over db.
func NewOrgService(db *DB) *OrgService { return sqlstore.NewOrgService(db.DB) }
