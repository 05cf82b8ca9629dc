package sqlstore

import (
	"context"

	"github.com/sluice-gateway/sluice"
)

// Ensure SettingsService implements the interface.
var _ sluice.SettingsService = (*SettingsService)(nil)

// SettingsService keeps organisation settings in the control database.
type SettingsService struct{ db *DB }

// NewSettingsService returns a SettingsService over db.
func NewSettingsService(db *DB) *SettingsService { return &SettingsService{db: db} }

// FindSettings returns org orgID's settings, the defaults if it has
// chosen none.
func (s *SettingsService) FindSettings(ctx context.Context, orgID int64) (*sluice.OrgSettings, error) {
	st := &sluice.OrgSettings{OrgID: orgID, Minimisation: sluice.DefaultMinimisationMode}
	err := s.db.Read.QueryRow(ctx, `SELECT minimisation, consent_grace_days, updated_at FROM org_settings WHERE org_id = $1`, orgID).
		Scan(&st.Minimisation, &st.ConsentGraceDays, ScanTime(&st.UpdatedAt))
	if err != nil && !IsNoRows(err) {
		return nil, err
	}
	return st, nil
}

// PutSettings replaces the acting org's settings, with an audit event.
func (s *SettingsService) PutSettings(ctx context.Context, st *sluice.OrgSettings) error {
	actor := sluice.ActorFromContext(ctx)
	if actor == nil || actor.Org == nil {
		return sluice.Errorf(sluice.EUNAUTHORIZED, "Only an org has settings.")
	}
	st.OrgID = actor.Org.ID
	if err := st.Validate(); err != nil {
		return err
	}
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		st.UpdatedAt = tx.Now
		if _, err := tx.Exec(ctx, `
			INSERT INTO org_settings (org_id, minimisation, consent_grace_days, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (org_id) DO UPDATE SET minimisation = excluded.minimisation,
				consent_grace_days = excluded.consent_grace_days, updated_at = excluded.updated_at`,
			st.OrgID, st.Minimisation, st.ConsentGraceDays, tx.Dialect().Time(tx.Now)); err != nil {
			return tx.Dialect().FormatError(err)
		}
		_, err := AppendEvent(ctx, tx, &sluice.Event{
			Action:  sluice.ActionSettingsPut,
			Object:  map[string]any{"org": actor.Org.Name},
			Details: map[string]any{"minimisation": string(st.Minimisation), "consent_grace_days": st.ConsentGraceDays},
		})
		return err
	})
}
