package sluice

import (
	"context"
	"time"
)

// A MinimisationMode says what an organisation does with personal
// information it ingests beyond the necessary scope of a dataset's app
// type (PIPL Art. 6).
type MinimisationMode string

// Minimisation modes.
const (
	MinimisationWarn   MinimisationMode = "warn"   // store as sent, report the excess
	MinimisationStrip  MinimisationMode = "strip"  // drop the excess fields before storage
	MinimisationReject MinimisationMode = "reject" // refuse the ingest, store nothing
)

// ActionSettingsPut is the audit action of a change of an org's settings.
const ActionSettingsPut = "org.settings"

// DefaultMinimisationMode is the mode of an organisation that has not
// chosen one.
const DefaultMinimisationMode = MinimisationWarn

// Validate returns EINVALID unless m is warn, strip or reject.
func (m MinimisationMode) Validate() error {
	switch m {
	case MinimisationWarn, MinimisationStrip, MinimisationReject:
		return nil
	}
	return Errorf(EINVALID, "Minimisation mode %q is not warn, strip or reject.", string(m))
}

// MaxConsentGraceDays bounds the grace period after a consent withdrawal.
const MaxConsentGraceDays = 365

// OrgSettings are an organisation's choices about its own data.
type OrgSettings struct {
	OrgID int64 `json:"org_id"`
	// Minimisation is what an ingest does with excess personal
	// information.
	Minimisation MinimisationMode `json:"minimisation"`
	// ConsentGraceDays is how long data held only on a withdrawn consent
	// is kept before the retention job deletes it (PIPL Art. 47(1)(4)).
	ConsentGraceDays int       `json:"consent_grace_days"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Validate returns EINVALID if s is not fit to be stored.
func (s *OrgSettings) Validate() error {
	if err := s.Minimisation.Validate(); err != nil {
		return err
	}
	if s.ConsentGraceDays < 0 || s.ConsentGraceDays > MaxConsentGraceDays {
		return Errorf(EINVALID, "consent_grace_days must be from 0 to %d.", MaxConsentGraceDays)
	}
	return nil
}

// SettingsService keeps organisation settings in the control store.
type SettingsService interface {
	// FindSettings returns org orgID's settings, the defaults if it has
	// chosen none.
	FindSettings(ctx context.Context, orgID int64) (*OrgSettings, error)

	// PutSettings replaces the acting org's settings, with an audit
	// event.
	PutSettings(ctx context.Context, s *OrgSettings) error
}

// An Excess is a category of a field that lies outside the necessary
// personal information of a dataset's app type and outside what its
// declared purpose names.
type Excess struct {
	Field      string `json:"field"`
	Category   string `json:"category"`
	AppType    string `json:"app_type"`
	Article    string `json:"article"`
	Ref        string `json:"ref"` // instrument and article
	Confidence string `json:"confidence"`
}

// Minimisation is what the check of an ingest against the necessary scope
// found and did.
type Minimisation struct {
	Mode    MinimisationMode `json:"mode"`
	AppType string           `json:"app_type"`
	Excess  []Excess         `json:"excess"`
	// Stripped are the fields dropped before storage (strip mode).
	Stripped []string `json:"stripped,omitempty"`
	// Subjects is the number of distinct people with a value in an
	// excess field.
	Subjects int64 `json:"subjects"`
}

// ExcessFieldNames returns the distinct field names of ex, in order.
func ExcessFieldNames(ex []Excess) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range ex {
		if !seen[e.Field] {
			seen[e.Field] = true
			out = append(out, e.Field)
		}
	}
	return out
}
