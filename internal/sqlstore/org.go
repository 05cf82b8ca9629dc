package sqlstore

import (
	"context"

	"github.com/sluice-gateway/sluice"
)

// Ensure OrgService implements the interface.
var _ sluice.OrgService = (*OrgService)(nil)

// OrgService stores orgs in the control database.
type OrgService struct{ db *DB }

// NewOrgService returns an OrgService over db.
func NewOrgService(db *DB) *OrgService { return &OrgService{db: db} }

// FindOrgByID returns ENOTFOUND if the org does not exist.
func (s *OrgService) FindOrgByID(ctx context.Context, id int64) (*sluice.Org, error) {
	return findOrgByID(ctx, s.db.Read, id)
}

// FindOrgs returns the orgs matching filter.
func (s *OrgService) FindOrgs(ctx context.Context, filter sluice.OrgFilter) ([]*sluice.Org, int, error) {
	return findOrgs(ctx, s.db.Read, filter)
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
		o.CreatedAt = tx.Now
		if err := tx.QueryRow(ctx, `
			INSERT INTO orgs (name, region, sector, ciio, kind, public_body, answer_days, auto_approve, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			o.Name, o.Region, o.Sector, o.CIIO, o.Kind, o.PublicBody, o.AnswerDays, o.AutoApprove, tx.Dialect().Time(o.CreatedAt)).Scan(&o.ID); err != nil {
			if err := tx.Dialect().FormatError(err); sluice.ErrorCode(err) == sluice.ECONFLICT {
				return sluice.Errorf(sluice.ECONFLICT, "An org named %q already exists.", o.Name)
			} else {
				return err
			}
		}
		details := map[string]any{"region": string(o.Region), "sector": o.Sector, "ciio": o.CIIO, "kind": string(o.Kind)}
		if o.PublicBody {
			details["public_body"] = true
		}
		if o.AutoApprove {
			details["auto_approve_unconditional"] = true
		}
		if o.AnswerDays > 0 {
			details["answer_days"] = o.AnswerDays
		}
		_, err := AppendEvent(ctx, tx, &sluice.Event{Action: sluice.ActionOrgCreate, Object: map[string]any{"org": o.Name}, Details: details})
		return err
	})
}

// findOrgByID returns the org with id, ENOTFOUND if there is none.
func findOrgByID(ctx context.Context, q Querier, id int64) (*sluice.Org, error) {
	orgs, _, err := findOrgs(ctx, q, sluice.OrgFilter{ID: &id})
	if err != nil {
		return nil, err
	} else if len(orgs) == 0 {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Org %d not found.", id)
	}
	return orgs[0], nil
}

func findOrgs(ctx context.Context, q Querier, filter sluice.OrgFilter) ([]*sluice.Org, int, error) {
	var w where
	if v := filter.ID; v != nil {
		w.add("id = $?", *v)
	}
	if v := filter.Name; v != nil {
		w.add("name = $?", *v)
	}
	query := `
		SELECT id, name, region, sector, ciio, kind, public_body, answer_days, auto_approve, created_at, COUNT(*) OVER ()
		FROM orgs WHERE ` + w.String() + ` ORDER BY id`
	query += w.limit(q.Dialect(), filter.Limit, filter.Offset)
	rows, err := q.Query(ctx, query, w.args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var orgs []*sluice.Org
	var n int
	for rows.Next() {
		var o sluice.Org
		if err := rows.Scan(&o.ID, &o.Name, &o.Region, &o.Sector, &o.CIIO, &o.Kind, &o.PublicBody, &o.AnswerDays, &o.AutoApprove, ScanTime(&o.CreatedAt), &n); err != nil {
			return nil, 0, err
		}
		orgs = append(orgs, &o)
	}
	return orgs, n, rows.Err()
}
