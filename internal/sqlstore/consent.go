package sqlstore

import (
	"context"

	"github.com/sluice-gateway/sluice"
)

// ConsentService keeps the consent ledger in the control database.
// The engines add FindConsentStates, the bulk lookup, each its own way.
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
			if IsNoRows(err) || err == nil && owner != c.OrgID {
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
		c.CreatedAt = tx.Now
		var grant *int64
		if c.GrantID != 0 {
			grant = &c.GrantID
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO consents (org_id, purpose, subject_key, grant_id, kind, evidence, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			c.OrgID, c.Purpose, c.SubjectKey, grant, string(c.Kind), c.Evidence, tx.Dialect().Time(c.CreatedAt)).Scan(&c.ID); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err = AppendEvent(ctx, tx, sluice.NewConsentEvent(org, c))
		return err
	})
}

// FindConsents returns the ledger entries matching filter that the actor
// may see, in the order they were recorded.
func (s *ConsentService) FindConsents(ctx context.Context, filter sluice.ConsentFilter) ([]*sluice.Consent, int, error) {
	var w where
	if org := sluice.OrgIDFromContext(ctx); org != 0 {
		w.add("org_id = $?", org)
	}
	if v := filter.OrgID; v != nil {
		w.add("org_id = $?", *v)
	}
	if v := filter.SubjectKey; v != nil {
		w.add("subject_key = $?", *v)
	}
	if v := filter.Purpose; v != nil {
		w.add("purpose = $?", *v)
	}
	if v := filter.GrantID; v != nil {
		w.add("grant_id = $?", *v)
	}
	query := `
		SELECT id, org_id, purpose, subject_key, COALESCE(grant_id, 0), kind, evidence, created_at, COUNT(*) OVER ()
		FROM consents WHERE ` + w.String() + ` ORDER BY id`
	query += w.limit(s.db.Dialect, filter.Limit, filter.Offset)
	rows, err := s.db.Read.Query(ctx, query, w.args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*sluice.Consent
	var n int
	for rows.Next() {
		var c sluice.Consent
		if err := rows.Scan(&c.ID, &c.OrgID, &c.Purpose, &c.SubjectKey, &c.GrantID, &c.Kind, &c.Evidence, ScanTime(&c.CreatedAt), &n); err != nil {
			return nil, 0, err
		}
		out = append(out, &c)
	}
	return out, n, rows.Err()
}
