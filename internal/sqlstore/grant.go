package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/sluice-gateway/sluice"
)

// Ensure GrantService implements the interface.
var _ sluice.GrantService = (*GrantService)(nil)

// GrantService keeps grants in the control database and runs their state
// machine; every transition appends its audit event in its transaction.
type GrantService struct{ db *DB }

// NewGrantService returns a GrantService over db.
func NewGrantService(db *DB) *GrantService { return &GrantService{db: db} }

const grantColumns = `id, dataset_id, owner_org_id, consumer_org_id, purpose, legal_basis, justification, duration_days,
	requested_fields, fields, status, expires_at, risk_assessment_ref, written_request_ref, authority_approval_ref,
	identified_data, reason, created_at, updated_at, decided_at`

// CreateGrant files g for the acting org as consumer.
func (s *GrantService) CreateGrant(ctx context.Context, g *sluice.Grant) error {
	actor := sluice.ActorFromContext(ctx)
	if actor == nil || actor.Org == nil {
		return sluice.Errorf(sluice.EUNAUTHORIZED, "Only an org can ask for a grant.")
	}
	if err := g.Validate(); err != nil {
		return err
	}
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		d, err := findDatasetByID(sluice.NewContextWithActor(ctx, nil), tx, g.DatasetID)
		if err != nil {
			return err
		}
		if err := sluice.CheckGrantRequest(g, d, actor.Org); err != nil {
			return err
		}
		var basis string
		err = tx.QueryRow(ctx, `SELECT legal_basis FROM purposes WHERE org_id = $1 AND name = $2`, actor.Org.ID, g.Purpose).Scan(&basis)
		if IsNoRows(err) {
			return sluice.Errorf(sluice.EINVALID, "Purpose %q is not one your org has declared (POST /v1/purposes).", g.Purpose)
		} else if err != nil {
			return err
		}
		if g.LegalBasis == "" {
			g.LegalBasis = basis
		} else if g.LegalBasis != basis {
			return sluice.Errorf(sluice.EINVALID, "Legal basis %q differs from %q, the basis declared for purpose %q.", g.LegalBasis, basis, g.Purpose)
		}
		owner, err := findOrgByID(ctx, tx, d.OrgID)
		if err != nil {
			return err
		}
		g.OwnerOrgID, g.ConsumerOrgID = d.OrgID, actor.Org.ID
		g.Status, g.ExpiresAt, g.DecidedAt, g.Reason = sluice.GrantPending, nil, nil, ""
		g.RiskAssessmentRef, g.AuthorityApprovalRef, g.IdentifiedData = "", "", false
		g.Fields = make([]sluice.GrantField, len(g.RequestedFields))
		for i, f := range g.RequestedFields {
			g.Fields[i] = sluice.GrantField{Name: f}
		}
		g.CreatedAt, g.UpdatedAt = tx.Now, tx.Now
		req, fields, err := grantJSON(g)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO grants (dataset_id, owner_org_id, consumer_org_id, purpose, legal_basis, justification, duration_days,
				requested_fields, fields, status, written_request_ref, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
			g.DatasetID, g.OwnerOrgID, g.ConsumerOrgID, g.Purpose, g.LegalBasis, g.Justification, g.DurationDays,
			req, fields, g.Status, g.WrittenRequestRef, tx.Dialect().Time(tx.Now)).Scan(&g.ID); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err = AppendEvent(ctx, tx, sluice.NewGrantEvent(sluice.ActionGrantRequest, g, owner, actor.Org))
		return err
	})
}

func grantJSON(g *sluice.Grant) (requested, fields []byte, err error) {
	if requested, err = json.Marshal(g.RequestedFields); err != nil {
		return nil, nil, err
	}
	fields, err = json.Marshal(g.Fields)
	return requested, fields, err
}

// FindGrantByID returns the grant if the actor's org is a party to it.
func (s *GrantService) FindGrantByID(ctx context.Context, id int64) (*sluice.Grant, error) {
	now := s.db.Now()
	g, err := findGrantByID(ctx, s.db.Read, id, now)
	if err != nil {
		return nil, err
	}
	g.Status = g.EffectiveStatus(now)
	return g, nil
}

func findGrantByID(ctx context.Context, q Querier, id int64, now time.Time) (*sluice.Grant, error) {
	gs, _, err := findGrants(ctx, q, sluice.GrantFilter{ID: &id}, now)
	if err != nil {
		return nil, err
	} else if len(gs) == 0 {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Grant %d not found.", id)
	}
	return gs[0], nil
}

// FindGrants returns the grants matching filter that the actor may see.
func (s *GrantService) FindGrants(ctx context.Context, filter sluice.GrantFilter) ([]*sluice.Grant, int, error) {
	now := s.db.Now()
	gs, n, err := findGrants(ctx, s.db.Read, filter, now)
	for _, g := range gs {
		g.Status = g.EffectiveStatus(now)
	}
	return gs, n, err
}

// findGrants applies the tenant rule: an org sees the grants it is the
// owner or the consumer of; the operator sees all.
func findGrants(ctx context.Context, q Querier, filter sluice.GrantFilter, now time.Time) ([]*sluice.Grant, int, error) {
	var w where
	if org := sluice.OrgIDFromContext(ctx); org != 0 {
		w.add("(owner_org_id = $? OR consumer_org_id = $?)", org)
	}
	if v := filter.ID; v != nil {
		w.add("id = $?", *v)
	}
	if v := filter.DatasetID; v != nil {
		w.add("dataset_id = $?", *v)
	}
	if v := filter.OwnerOrgID; v != nil {
		w.add("owner_org_id = $?", *v)
	}
	if v := filter.ConsumerOrgID; v != nil {
		w.add("consumer_org_id = $?", *v)
	}
	if v := filter.Status; v != nil {
		t := q.Dialect().Time(now)
		switch *v {
		case sluice.GrantApproved:
			w.add("status = 'approved' AND (expires_at IS NULL OR expires_at > $?)", t)
		case sluice.GrantExpired:
			w.add("(status = 'expired' OR status = 'approved' AND expires_at <= $?)", t)
		default:
			w.add("status = $?", *v)
		}
	}
	query := `SELECT ` + grantColumns + `, COUNT(*) OVER () FROM grants WHERE ` + w.String() + ` ORDER BY id DESC`
	query += w.limit(q.Dialect(), filter.Limit, filter.Offset)
	rows, err := q.Query(ctx, query, w.args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*sluice.Grant
	var n int
	for rows.Next() {
		g, err := scanGrant(rows, &n)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, g)
	}
	return out, n, rows.Err()
}

func scanGrant(rows Rows, n *int) (*sluice.Grant, error) {
	var g sluice.Grant
	var req, fields []byte
	err := rows.Scan(&g.ID, &g.DatasetID, &g.OwnerOrgID, &g.ConsumerOrgID, &g.Purpose, &g.LegalBasis, &g.Justification, &g.DurationDays,
		&req, &fields, &g.Status, ScanNullTime(&g.ExpiresAt), &g.RiskAssessmentRef, &g.WrittenRequestRef, &g.AuthorityApprovalRef,
		&g.IdentifiedData, &g.Reason, ScanTime(&g.CreatedAt), ScanTime(&g.UpdatedAt), ScanNullTime(&g.DecidedAt), n)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(req, &g.RequestedFields); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(fields, &g.Fields); err != nil {
		return nil, err
	}
	return &g, nil
}

// transition runs fn on grant id within a write transaction, then saves
// the grant, unless another transaction changed its status first, and
// appends the event fn names.
func (s *GrantService) transition(ctx context.Context, id int64, fn func(tx *Tx, g *sluice.Grant, actor int64) (action string, err error)) (*sluice.Grant, error) {
	var g *sluice.Grant
	err := s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		if g, err = findGrantByID(ctx, tx, id, tx.Now); err != nil {
			return err
		}
		was := g.Status
		action, err := fn(tx, g, sluice.OrgIDFromContext(ctx))
		if err != nil {
			return err
		}
		g.UpdatedAt = tx.Now
		_, fields, err := grantJSON(g)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `
			UPDATE grants SET fields = $1, status = $2, expires_at = $3, risk_assessment_ref = $4, written_request_ref = $5,
				authority_approval_ref = $6, identified_data = $7, reason = $8, updated_at = $9, decided_at = $10
			WHERE id = $11 AND status = $12`,
			fields, g.Status, tx.Dialect().NullTime(g.ExpiresAt), g.RiskAssessmentRef, g.WrittenRequestRef,
			g.AuthorityApprovalRef, g.IdentifiedData, g.Reason, tx.Dialect().Time(tx.Now), tx.Dialect().NullTime(g.DecidedAt), g.ID, was)
		if err != nil {
			return tx.Dialect().FormatError(err)
		} else if n != 1 {
			return sluice.Errorf(sluice.ECONFLICT, "Grant %d changed meanwhile; read it again.", g.ID)
		}
		owner, err := findOrgByID(ctx, tx, g.OwnerOrgID)
		if err != nil {
			return err
		}
		consumer, err := findOrgByID(ctx, tx, g.ConsumerOrgID)
		if err != nil {
			return err
		}
		_, err = AppendEvent(ctx, tx, sluice.NewGrantEvent(action, g, owner, consumer))
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// ApproveGrant approves a pending grant of the acting org's dataset.
func (s *GrantService) ApproveGrant(ctx context.Context, id int64, a sluice.GrantApproval) (*sluice.Grant, error) {
	return s.transition(ctx, id, func(tx *Tx, g *sluice.Grant, actor int64) (string, error) {
		return sluice.ActionGrantApprove, sluice.ApplyApproval(g, a, actor, tx.Now)
	})
}

// DenyGrant denies a pending grant of the acting org's dataset.
func (s *GrantService) DenyGrant(ctx context.Context, id int64, reason string) (*sluice.Grant, error) {
	return s.transition(ctx, id, func(tx *Tx, g *sluice.Grant, actor int64) (string, error) {
		return sluice.ActionGrantDeny, sluice.ApplyDenial(g, reason, actor, tx.Now)
	})
}

// RevokeGrant ends a pending or approved, unexpired grant.
func (s *GrantService) RevokeGrant(ctx context.Context, id int64, reason string) (*sluice.Grant, error) {
	return s.transition(ctx, id, func(tx *Tx, g *sluice.Grant, actor int64) (string, error) {
		return sluice.ActionGrantRevoke, sluice.ApplyRevocation(g, reason, actor, tx.Now)
	})
}

// ExpireGrants records the expiry of approved grants past their expiry.
func (s *GrantService) ExpireGrants(ctx context.Context) ([]*sluice.Grant, error) {
	ctx = sluice.NewContextWithActor(ctx, nil)
	ids, err := readIDs(ctx, s.db.Read, `SELECT id FROM grants WHERE status = 'approved' AND expires_at <= $1 ORDER BY id`, s.db.Dialect.Time(s.db.Now()))
	if err != nil {
		return nil, err
	}
	var out []*sluice.Grant
	for _, id := range ids {
		g, err := s.transition(ctx, id, func(tx *Tx, g *sluice.Grant, _ int64) (string, error) {
			return sluice.ActionGrantExpire, sluice.ApplyExpiry(g, tx.Now)
		})
		if sluice.ErrorCode(err) == sluice.ECONFLICT {
			continue // revoked or recorded meanwhile
		} else if err != nil {
			return out, err
		}
		out = append(out, g)
	}
	return out, nil
}
