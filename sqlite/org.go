package sqlite

import (
	"context"
	"strings"

	"sluice"
)

// Ensure OrgService implements the interface.
var _ sluice.OrgService = (*OrgService)(nil)

// OrgService stores orgs in the control database.
type OrgService struct{ db *DB }

// NewOrgService returns an OrgService over db.
func NewOrgService(db *DB) *OrgService { return &OrgService{db: db} }

// FindOrgByID returns ENOTFOUND if the org does not exist.
func (s *OrgService) FindOrgByID(ctx context.Context, id int64) (*sluice.Org, error) {
	return findOrgByID(ctx, s.db.rdb, id)
}

// FindOrgs returns the orgs matching filter.
func (s *OrgService) FindOrgs(ctx context.Context, filter sluice.OrgFilter) ([]*sluice.Org, int, error) {
	return findOrgs(ctx, s.db.rdb, filter)
}

// CreateOrg stores o.
func (s *OrgService) CreateOrg(ctx context.Context, o *sluice.Org) error {
	if o.Kind == "" {
		o.Kind = sluice.OrgCompany
	}
	if err := o.Validate(); err != nil {
		return err
	}
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		o.CreatedAt = tx.now
		res, err := tx.ExecContext(ctx, `INSERT INTO orgs (name, region, sector, ciio, kind, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			o.Name, o.Region, o.Sector, o.CIIO, o.Kind, formatTime(o.CreatedAt))
		if err != nil {
			if sluice.ErrorCode(FormatError(err)) == sluice.ECONFLICT {
				return sluice.Errorf(sluice.ECONFLICT, "An org named %q already exists.", o.Name)
			}
			return FormatError(err)
		}
		if o.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		_, err = appendEvent(ctx, tx, &sluice.Event{
			Action:  sluice.ActionOrgCreate,
			Object:  map[string]any{"org": o.Name},
			Details: map[string]any{"region": string(o.Region), "sector": o.Sector, "ciio": o.CIIO, "kind": string(o.Kind)},
		})
		return err
	})
}

func findOrgByID(ctx context.Context, q dbtx, id int64) (*sluice.Org, error) {
	orgs, _, err := findOrgs(ctx, q, sluice.OrgFilter{ID: &id})
	if err != nil {
		return nil, err
	} else if len(orgs) == 0 {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Org %d not found.", id)
	}
	return orgs[0], nil
}

func findOrgs(ctx context.Context, q dbtx, filter sluice.OrgFilter) ([]*sluice.Org, int, error) {
	where, args := []string{"1 = 1"}, []any{}
	if v := filter.ID; v != nil {
		where, args = append(where, "id = ?"), append(args, *v)
	}
	if v := filter.Name; v != nil {
		where, args = append(where, "name = ?"), append(args, *v)
	}
	rows, err := q.QueryContext(ctx, `
		SELECT id, name, region, sector, ciio, kind, created_at, COUNT(*) OVER ()
		FROM orgs WHERE `+strings.Join(where, " AND ")+` ORDER BY id`+limitClause(filter.Limit, filter.Offset), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var orgs []*sluice.Org
	var n int
	for rows.Next() {
		var o sluice.Org
		if err := rows.Scan(&o.ID, &o.Name, &o.Region, &o.Sector, &o.CIIO, &o.Kind, timeCol{&o.CreatedAt}, &n); err != nil {
			return nil, 0, err
		}
		orgs = append(orgs, &o)
	}
	return orgs, n, rows.Err()
}
