package sqlite

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"sluice"
)

// Ensure PurposeService implements the interface.
var _ sluice.PurposeService = (*PurposeService)(nil)

// PurposeService stores the purposes orgs declare in the control database.
type PurposeService struct{ db *DB }

// NewPurposeService returns a PurposeService over db.
func NewPurposeService(db *DB) *PurposeService { return &PurposeService{db: db} }

// CreatePurpose registers p for the acting org.
func (s *PurposeService) CreatePurpose(ctx context.Context, p *sluice.Purpose) error {
	actor := sluice.ActorFromContext(ctx)
	if actor == nil || actor.Org == nil {
		return sluice.Errorf(sluice.EUNAUTHORIZED, "Only an org can declare a purpose.")
	}
	p.OrgID = actor.Org.ID
	if p.Categories == nil {
		p.Categories = []string{}
	}
	if err := p.Validate(); err != nil {
		return err
	}
	cats, err := json.Marshal(p.Categories)
	if err != nil {
		return err
	}
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		p.CreatedAt = tx.now
		res, err := tx.ExecContext(ctx, `
			INSERT INTO purposes (org_id, name, legal_basis, categories, retention_days, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			p.OrgID, p.Name, p.LegalBasis, cats, p.RetentionDays, formatTime(p.CreatedAt))
		if err != nil {
			if sluice.ErrorCode(FormatError(err)) == sluice.ECONFLICT {
				return sluice.Errorf(sluice.ECONFLICT, "Your org already has a purpose named %q.", p.Name)
			}
			return FormatError(err)
		}
		if p.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		_, err = appendEvent(ctx, tx, sluice.NewPurposeEvent(actor.Org, p))
		return err
	})
}

// FindPurposes returns the purposes matching filter that the actor may see.
func (s *PurposeService) FindPurposes(ctx context.Context, filter sluice.PurposeFilter) ([]*sluice.Purpose, int, error) {
	return findPurposes(ctx, s.db.rdb, sluice.OrgIDFromContext(ctx), filter)
}

// FindPurposeByName returns the purpose name of org orgID.
func (s *PurposeService) FindPurposeByName(ctx context.Context, orgID int64, name string) (*sluice.Purpose, error) {
	ps, _, err := findPurposes(ctx, s.db.rdb, 0, sluice.PurposeFilter{OrgID: &orgID, Name: &name})
	if err != nil {
		return nil, err
	} else if len(ps) == 0 {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Purpose %q not found.", name)
	}
	return ps[0], nil
}

// findPurposes applies the tenant rule for tenant (0: none).
func findPurposes(ctx context.Context, q dbtx, tenant int64, filter sluice.PurposeFilter) ([]*sluice.Purpose, int, error) {
	where, args := []string{"1 = 1"}, []any{}
	if tenant != 0 {
		where, args = append(where, "org_id = ?"), append(args, tenant)
	}
	if v := filter.ID; v != nil {
		where, args = append(where, "id = ?"), append(args, *v)
	}
	if v := filter.OrgID; v != nil {
		where, args = append(where, "org_id = ?"), append(args, *v)
	}
	if v := filter.Name; v != nil {
		where, args = append(where, "name = ?"), append(args, *v)
	}
	rows, err := q.QueryContext(ctx, `
		SELECT id, org_id, name, legal_basis, categories, retention_days, created_at, COUNT(*) OVER ()
		FROM purposes WHERE `+strings.Join(where, " AND ")+` ORDER BY id`+limitClause(filter.Limit, filter.Offset), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*sluice.Purpose
	var n int
	for rows.Next() {
		var p sluice.Purpose
		var cats []byte
		if err := rows.Scan(&p.ID, &p.OrgID, &p.Name, &p.LegalBasis, &cats, &p.RetentionDays, timeCol{&p.CreatedAt}, &n); err != nil {
			return nil, 0, err
		}
		if err := json.Unmarshal(cats, &p.Categories); err != nil {
			return nil, 0, err
		}
		out = append(out, &p)
	}
	return out, n, rows.Err()
}

// fixedTime is how times compared in SQL are stored: RFC 3339 UTC with all
// nine digits of nanoseconds, so that text order is time order.
const fixedTime = "2006-01-02T15:04:05.000000000Z07:00"

func formatFixed(t time.Time) string { return t.UTC().Format(fixedTime) }

// nullFixed formats an optional time, nil as NULL.
func nullFixed(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatFixed(*t)
}
