package sluice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"time"
)

// ActionPurposeCreate is the audit action of a purpose's registration.
const ActionPurposeCreate = "purpose.create"

// MaxRetentionDays bounds a purpose's retention period: 100 years.
const MaxRetentionDays = 36500

// A Purpose is why an org processes personal data, as it declares it: the
// legal basis it relies on, the data categories the purpose needs (its
// necessary scope, PIPL Art. 6) and how long the data is kept for it
// (PIPL Art. 19). Datasets and grants name purposes; consent is given to
// a purpose.
type Purpose struct {
	ID    int64  `json:"id"`
	OrgID int64  `json:"org_id"`
	Name  string `json:"name"`
	// LegalBasis is a PIPL Art. 13 basis (consent, contract, hr,
	// statutory_duty, emergency, news, public_info, other_law) or, for an
	// org whose home region's data falls under the GDPR, an Art. 6 basis
	// (consent, contract, legal_obligation, vital_interests, public_task,
	// legitimate_interests). The server checks it against the legal rules
	// of the org's home region.
	LegalBasis    string   `json:"legal_basis"`
	Categories    []string `json:"categories"` // data category keys the purpose needs
	RetentionDays int      `json:"retention_days"`
	// SpecialCategoryCondition is, for an org whose data falls under the
	// GDPR, the condition that lifts the prohibition of processing special
	// categories (Art. 9(2)(a)–(j): explicit_consent,
	// employment_social_security, vital_interests, not_for_profit_body,
	// made_public, legal_claims, substantial_public_interest, health_care,
	// public_health, archiving_research) or criminal data (Art. 10:
	// official_authority, authorised_by_law). Without one, special fields
	// are not served for the purpose (a consent-based purpose relies on
	// Art. 9(2)(a), explicit consent record by record). The legal rules
	// list the names; the server checks them.
	SpecialCategoryCondition string `json:"special_category_condition,omitempty"`
	// Profiling: the purpose profiles people for personalised
	// recommendations or automated decisions; children's data is refused
	// to it (Shenzhen Data Regulations Arts. 28–30).
	Profiling bool      `json:"profiling,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

var purposeNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.:-]{0,62}$`)

var basisRE = regexp.MustCompile(`^[a-z][a-z_]{0,31}$`)

var categoryRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$`)

// Validate returns EINVALID if p is not fit to be stored. It checks the
// form of the legal basis, not that the basis exists in a regime: that
// takes the legal rules (see package policy).
func (p *Purpose) Validate() error {
	switch {
	case p.Name == "":
		return Errorf(EINVALID, "Purpose name required.")
	case !purposeNameRE.MatchString(p.Name):
		return Errorf(EINVALID, "Purpose name %q must be 1-63 lower-case letters, digits, '.', '_', ':' or '-', starting with a letter or digit.", p.Name)
	case p.LegalBasis == "":
		return Errorf(EINVALID, "Purpose %q: legal_basis required.", p.Name)
	case !basisRE.MatchString(p.LegalBasis):
		return Errorf(EINVALID, "Purpose %q: legal_basis %q is not a legal basis.", p.Name, p.LegalBasis)
	case p.RetentionDays < 1 || p.RetentionDays > MaxRetentionDays:
		return Errorf(EINVALID, "Purpose %q: retention_days must be from 1 to %d.", p.Name, MaxRetentionDays)
	case p.SpecialCategoryCondition != "" && !basisRE.MatchString(p.SpecialCategoryCondition):
		return Errorf(EINVALID, "Purpose %q: special_category_condition %q is not a condition name.", p.Name, p.SpecialCategoryCondition)
	case len(p.Categories) > 256:
		return Errorf(EINVALID, "Purpose %q: more than 256 categories.", p.Name)
	}
	seen := make(map[string]bool, len(p.Categories))
	for _, c := range p.Categories {
		if len(c) > 128 || !categoryRE.MatchString(c) {
			return Errorf(EINVALID, "Purpose %q: %q is not a data category key (dotted lower-case words, e.g. user.contact.phone_number).", p.Name, c)
		} else if seen[c] {
			return Errorf(EINVALID, "Purpose %q: category %q listed twice.", p.Name, c)
		}
		seen[c] = true
	}
	return nil
}

// PurposeFilter selects purposes. Nil fields do not filter.
type PurposeFilter struct {
	ID    *int64
	OrgID *int64
	Name  *string

	Offset int
	Limit  int
}

// PurposeService keeps the purposes orgs declare.
type PurposeService interface {
	// CreatePurpose registers p for the acting org, with its audit event,
	// and sets p.ID, p.OrgID and p.CreatedAt. It returns ECONFLICT if the
	// org has a purpose of that name.
	CreatePurpose(ctx context.Context, p *Purpose) error

	// FindPurposes returns the purposes matching filter and how many match
	// in all. An org sees its own purposes; the operator sees all.
	FindPurposes(ctx context.Context, filter PurposeFilter) ([]*Purpose, int, error)

	// FindPurposeByName returns the purpose name of org orgID, whoever the
	// actor (grants name their consumer's purpose), or ENOTFOUND.
	FindPurposeByName(ctx context.Context, orgID int64, name string) (*Purpose, error)
}

// NewPurposeEvent returns the audit event of a purpose's registration by
// org.
func NewPurposeEvent(org *Org, p *Purpose) *Event {
	cats := make([]any, len(p.Categories))
	for i, c := range p.Categories {
		cats[i] = c
	}
	e := &Event{
		Action:  ActionPurposeCreate,
		Object:  map[string]any{"org": org.Name, "purpose": p.Name},
		Details: map[string]any{"legal_basis": p.LegalBasis, "categories": cats, "retention_days": p.RetentionDays},
	}
	if p.SpecialCategoryCondition != "" {
		e.Details["special_category_condition"] = p.SpecialCategoryCondition
	}
	if p.Profiling {
		e.Details["profiling"] = true
	}
	return e
}

// TextHash returns the hex SHA-256 of s: how free text (justifications,
// reasons, evidence) appears in the public audit log, which must not hold
// it in the clear.
func TextHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
