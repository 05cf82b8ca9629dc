package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/sluice-gateway/sluice"
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
		p.CreatedAt = tx.Now
		if err := tx.QueryRow(ctx, `
			INSERT INTO purposes (org_id, name, legal_basis, categories, retention_days, special_category_condition, profiling, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			p.OrgID, p.Name, p.LegalBasis, cats, p.RetentionDays, p.SpecialCategoryCondition, p.Profiling, tx.Dialect().Time(p.CreatedAt)).Scan(&p.ID); err != nil {
			if sluice.ErrorCode(tx.Dialect().FormatError(err)) == sluice.ECONFLICT {
				return sluice.Errorf(sluice.ECONFLICT, "Your org already has a purpose named %q.", p.Name)
			}
			return tx.Dialect().FormatError(err)
		}
		_, err := AppendEvent(ctx, tx, sluice.NewPurposeEvent(actor.Org, p))
		return err
	})
}

// FindPurposes returns the purposes matching filter that the actor may see.
func (s *PurposeService) FindPurposes(ctx context.Context, filter sluice.PurposeFilter) ([]*sluice.Purpose, int, error) {
	return findPurposes(ctx, s.db.Read, sluice.OrgIDFromContext(ctx), filter)
}

// FindPurposeByName returns the purpose name of org orgID.
func (s *PurposeService) FindPurposeByName(ctx context.Context, orgID int64, name string) (*sluice.Purpose, error) {
	ps, _, err := findPurposes(ctx, s.db.Read, 0, sluice.PurposeFilter{OrgID: &orgID, Name: &name})
	if err != nil {
		return nil, err
	} else if len(ps) == 0 {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Purpose %q not found.", name)
	}
	return ps[0], nil
}

// findPurposes applies the tenant rule for tenant (0: none).
func findPurposes(ctx context.Context, q Querier, tenant int64, filter sluice.PurposeFilter) ([]*sluice.Purpose, int, error) {
	var w where
	if tenant != 0 {
		w.add("org_id = $?", tenant)
	}
	if v := filter.ID; v != nil {
		w.add("id = $?", *v)
	}
	if v := filter.OrgID; v != nil {
		w.add("org_id = $?", *v)
	}
	if v := filter.Name; v != nil {
		w.add("name = $?", *v)
	}
	query := `
		SELECT id, org_id, name, legal_basis, categories, retention_days, special_category_condition, profiling, created_at, COUNT(*) OVER ()
		FROM purposes WHERE ` + w.String() + ` ORDER BY id`
	query += w.limit(q.Dialect(), filter.Limit, filter.Offset)
	rows, err := q.Query(ctx, query, w.args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*sluice.Purpose
	var n int
	for rows.Next() {
		var p sluice.Purpose
		var cats []byte
		if err := rows.Scan(&p.ID, &p.OrgID, &p.Name, &p.LegalBasis, &cats, &p.RetentionDays, &p.SpecialCategoryCondition, &p.Profiling, ScanTime(&p.CreatedAt), &n); err != nil {
			return nil, 0, err
		}
		if err := json.Unmarshal(cats, &p.Categories); err != nil {
			return nil, 0, err
		}
		out = append(out, &p)
	}
	return out, n, rows.Err()
}
