package sqlstore

import (
	"context"

	"github.com/sluice-gateway/sluice"
)

// Ensure PolicyService implements the interface.
var _ sluice.PolicyService = (*PolicyService)(nil)

// PolicyService keeps organisation policies in the control database.
type PolicyService struct{ db *DB }

// NewPolicyService returns a PolicyService over db.
func NewPolicyService(db *DB) *PolicyService { return &PolicyService{db: db} }

// PutPolicy replaces the acting org's policy text.
func (s *PolicyService) PutPolicy(ctx context.Context, text string) (*sluice.OrgPolicy, error) {
	actor := sluice.ActorFromContext(ctx)
	if actor == nil || actor.Org == nil {
		return nil, sluice.Errorf(sluice.EUNAUTHORIZED, "Only an org has policies.")
	}
	if len(text) > sluice.MaxPolicyText {
		return nil, sluice.Errorf(sluice.ETOOLARGE, "Policy text is larger than %d bytes.", sluice.MaxPolicyText)
	}
	p := &sluice.OrgPolicy{OrgID: actor.Org.ID, Text: text, Hash: sluice.TextHash(text)}
	err := s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		p.UpdatedAt = tx.Now
		if err := tx.QueryRow(ctx, `
			INSERT INTO org_policies (org_id, text, sha256, version, updated_at) VALUES ($1, $2, $3, 1, $4)
			ON CONFLICT (org_id) DO UPDATE SET text = excluded.text, sha256 = excluded.sha256,
				version = org_policies.version + 1, updated_at = excluded.updated_at
			RETURNING version`, p.OrgID, p.Text, p.Hash, tx.Dialect().Time(p.UpdatedAt)).Scan(&p.Version); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err := AppendEvent(ctx, tx, sluice.NewPolicyEvent(actor.Org, p))
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// FindPolicy returns the policy of org orgID.
func (s *PolicyService) FindPolicy(ctx context.Context, orgID int64) (*sluice.OrgPolicy, error) {
	ps, err := s.findPolicies(ctx, `WHERE org_id = $1`, orgID)
	if err != nil {
		return nil, err
	} else if len(ps) == 0 {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Org %d has no policy.", orgID)
	}
	return ps[0], nil
}

// FindPolicies returns every org's policy.
func (s *PolicyService) FindPolicies(ctx context.Context) ([]*sluice.OrgPolicy, error) {
	return s.findPolicies(ctx, ``)
}

func (s *PolicyService) findPolicies(ctx context.Context, where string, args ...any) ([]*sluice.OrgPolicy, error) {
	rows, err := s.db.Read.Query(ctx, `SELECT org_id, text, sha256, version, updated_at FROM org_policies `+where+` ORDER BY org_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sluice.OrgPolicy
	for rows.Next() {
		var p sluice.OrgPolicy
		if err := rows.Scan(&p.OrgID, &p.Text, &p.Hash, &p.Version, ScanTime(&p.UpdatedAt)); err != nil {
			return nil, err
		}
		out = append(out, &p)
	}
	return out, rows.Err()
}
