package postgres

import (
	"context"

	"sluice"
	"sluice/internal/sqlstore"
)

// OrgService stores orgs in the control database.
type OrgService = sqlstore.OrgService

// NewOrgService returns an OrgService over db.
func NewOrgService(db *DB) *OrgService { return sqlstore.NewOrgService(db.DB) }

func findOrgByID(ctx context.Context, q execer, id int64) (*sluice.Org, error) {
	return sqlstore.FindOrgByID(ctx, conn{q}, id)
}
