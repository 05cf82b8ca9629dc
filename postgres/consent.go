package postgres

import (
	"context"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// Ensure ConsentService implements the interface.
var _ sluice.ConsentService = (*ConsentService)(nil)

// ConsentService keeps the consent ledger in the control database.
type ConsentService struct {
	*sqlstore.ConsentService // CreateConsent, FindConsents
	db                       *DB
}

// NewConsentService returns a ConsentService over db.
func NewConsentService(db *DB) *ConsentService {
	return &ConsentService{ConsentService: sqlstore.NewConsentService(db.DB), db: db}
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
