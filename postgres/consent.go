package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"sluice"
)

// Ensure ConsentService implements the interface.
var _ sluice.ConsentService = (*ConsentService)(nil)

// ConsentService keeps the consent ledger in the control database.
type ConsentService struct{ db *DB }

// NewConsentService returns a ConsentService over db.
func NewConsentService(db *DB) *ConsentService { return &ConsentService{db: db} }

// CreateConsent records c in the ledger of c.OrgID.
func (s *ConsentService) CreateConsent(ctx context.Context, c *sluice.Consent) error {
	if err := sluice.PrepareConsent(ctx, c); err != nil {
		return err
	}
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		if c.GrantID != 0 {
			var owner int64
			var purpose string
			err := tx.QueryRow(ctx, `SELECT owner_org_id, purpose FROM grants WHERE id = $1`, c.GrantID).Scan(&owner, &purpose)
			if isNoRows(err) || err == nil && owner != c.OrgID {
				return sluice.Errorf(sluice.ENOTFOUND, "Grant %d not found.", c.GrantID)
			} else if err != nil {
				return err
			}
			if err := sluice.ConsentPurposeFromGrant(c, purpose); err != nil {
				return err
			}
		}
		if err := c.Validate(); err != nil {
			return err
		}
		var known bool
		if err := tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM purposes WHERE org_id = $1 AND name = $2)
				OR EXISTS (SELECT 1 FROM grants WHERE owner_org_id = $1 AND purpose = $2)`,
			c.OrgID, c.Purpose).Scan(&known); err != nil {
			return err
		} else if !known {
			return sluice.Errorf(sluice.EINVALID, "Purpose %q is unknown: declare it (POST /v1/purposes) or give the grant that names it.", c.Purpose)
		}
		org, err := findOrgByID(ctx, tx, c.OrgID)
		if err != nil {
			return err
		}
		c.CreatedAt = tx.now
		var grant *int64
		if c.GrantID != 0 {
			grant = &c.GrantID
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO consents (org_id, purpose, subject_key, grant_id, kind, evidence, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			c.OrgID, c.Purpose, c.SubjectKey, grant, string(c.Kind), c.Evidence, c.CreatedAt).Scan(&c.ID); err != nil {
			return FormatError(err)
		}
		_, err = appendEvent(ctx, tx, sluice.NewConsentEvent(org, c))
		return err
	})
}

// FindConsents returns the ledger entries matching filter that the actor
// may see, in the order they were recorded.
func (s *ConsentService) FindConsents(ctx context.Context, filter sluice.ConsentFilter) ([]*sluice.Consent, int, error) {
	where, args := []string{"TRUE"}, []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if org := sluice.OrgIDFromContext(ctx); org != 0 {
		add("org_id = $%d", org)
	}
	if v := filter.OrgID; v != nil {
		add("org_id = $%d", *v)
	}
	if v := filter.SubjectKey; v != nil {
		add("subject_key = $%d", *v)
	}
	if v := filter.Purpose; v != nil {
		add("purpose = $%d", *v)
	}
	if v := filter.GrantID; v != nil {
		add("grant_id = $%d", *v)
	}
	rows, err := s.db.pool.Query(ctx, `
		SELECT id, org_id, purpose, subject_key, COALESCE(grant_id, 0), kind, evidence, created_at, COUNT(*) OVER ()
		FROM consents WHERE `+strings.Join(where, " AND ")+` ORDER BY id`+limitClause(filter.Limit, filter.Offset), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*sluice.Consent
	var n int
	for rows.Next() {
		var c sluice.Consent
		if err := rows.Scan(&c.ID, &c.OrgID, &c.Purpose, &c.SubjectKey, &c.GrantID, &c.Kind, &c.Evidence, &c.CreatedAt, &n); err != nil {
			return nil, 0, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, &c)
	}
	return out, n, rows.Err()
}

// FindConsentStates returns the consent state at time at of each subject
// key with entries for purpose in orgID's ledger.
func (s *ConsentService) FindConsentStates(ctx context.Context, orgID int64, purpose string, keys []string, at time.Time) (map[string]sluice.ConsentState, error) {
	if len(keys) > sluice.MaxConsentLookup {
		return nil, sluice.Errorf(sluice.EINVALID, "At most %d subject keys at a time.", sluice.MaxConsentLookup)
	}
	out := make(map[string]sluice.ConsentState)
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := s.db.pool.Query(ctx, `
		SELECT subject_key, kind, created_at FROM consents
		WHERE org_id = $1 AND purpose = $2 AND subject_key = ANY($3::text[]) AND created_at <= $4
		ORDER BY id`, orgID, purpose, keys, at)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var e sluice.Consent
	for rows.Next() {
		if err := rows.Scan(&e.SubjectKey, &e.Kind, &e.CreatedAt); err != nil {
			return nil, err
		}
		e.CreatedAt = e.CreatedAt.UTC()
		out[e.SubjectKey] = out[e.SubjectKey].Apply(&e)
	}
	return out, rows.Err()
}
