package sluice

import (
	"context"
	"strings"
	"time"
)

// Audit actions of the consent ledger.
const (
	ActionConsentGive     = "consent.give"
	ActionConsentWithdraw = "consent.withdraw"
)

// A ConsentKind is what one entry of the consent ledger records: consent
// given, separate consent given, or a withdrawal.
type ConsentKind string

// Consent kinds. Separate consent (PIPL Arts. 23, 25, 26, 29, 39; explicit
// consent under GDPR Art. 9(2)(a)) is the stronger kind and satisfies a
// need for plain consent.
//
// Guardian consent is the consent of a parent or other guardian to the
// processing of a child's personal information (PIPL Art. 31): a child's
// information is sensitive (Art. 28), so it is given as separate consent
// and ranks above it; reads of children's data on a consent basis need
// it.
const (
	ConsentGiven    ConsentKind = "consent"          // PIPL Art. 14; GDPR Art. 6(1)(a)
	ConsentSeparate ConsentKind = "separate_consent" // specific consent for one processing
	ConsentExplicit ConsentKind = "explicit_consent" // GDPR Art. 9(2)(a); ranks with separate consent
	ConsentGuardian ConsentKind = "guardian_consent" // PIPL Art. 31: a parent's or guardian's, for a child under 14
	// ConsentWritten is consent given in writing (a signed form, its
	// reference in the evidence), which credit information needs before
	// another may query it (Credit Reporting Industry Regulations Art.
	// 18). It ranks with separate consent; the state remembers it apart
	// (ConsentState.Written), as no other kind stands for it.
	ConsentWritten    ConsentKind = "written_consent"
	ConsentWithdrawal ConsentKind = "withdrawal" // PIPL Art. 15: never retroactive
)

// Validate returns EINVALID unless k is a known kind.
func (k ConsentKind) Validate() error {
	switch k {
	case ConsentGiven, ConsentSeparate, ConsentExplicit, ConsentGuardian, ConsentWritten, ConsentWithdrawal:
		return nil
	}
	return Errorf(EINVALID, "Consent kind %q is not one of consent, separate_consent, explicit_consent, guardian_consent, written_consent, withdrawal.", string(k))
}

// Rank orders the kinds of consent given: none 0, consent 1, separate,
// explicit or written consent 2, guardian consent 3. A withdrawal ranks 0.
func (k ConsentKind) Rank() int {
	switch k {
	case ConsentGiven:
		return 1
	case ConsentSeparate, ConsentExplicit, ConsentWritten:
		return 2
	case ConsentGuardian:
		return 3
	}
	return 0
}

// MaxConsentEvidence bounds the evidence of a consent entry.
const MaxConsentEvidence = 4096

// A Consent is one entry of an org's consent ledger: a data subject gave
// consent or separate consent to a purpose, or withdrew it. Entries are
// never changed or deleted; a subject's state for a purpose is the fold of
// its entries (see [FoldConsents]). The ledger belongs to the org that
// holds the data and asks for the consent (the owner of the datasets a
// grant or an export concerns).
type Consent struct {
	ID         int64       `json:"id"`
	OrgID      int64       `json:"org_id"` // whose ledger
	SubjectKey string      `json:"subject_key"`
	Purpose    string      `json:"purpose"`            // purpose name
	GrantID    int64       `json:"grant_id,omitempty"` // the grant the consent was asked for, if any
	Kind       ConsentKind `json:"kind"`
	// Evidence says how the consent was obtained, e.g. the reference of a
	// signed form or of the screen and version the person agreed on. It is
	// kept in the store; the audit log holds only its SHA-256.
	Evidence  string    `json:"evidence,omitempty"`
	CreatedAt time.Time `json:"created_at"` // when it was recorded, and took effect
}

// Validate returns EINVALID if c is not fit to be recorded.
func (c *Consent) Validate() error {
	switch {
	case !IsSubjectKey(c.SubjectKey):
		return Errorf(EINVALID, "Consent: subject key required (64 lower-case hex characters).")
	case strings.TrimSpace(c.Purpose) == "":
		return Errorf(EINVALID, "Consent: purpose required.")
	case len(c.Evidence) > MaxConsentEvidence:
		return Errorf(EINVALID, "Consent: evidence is longer than %d bytes.", MaxConsentEvidence)
	}
	return c.Kind.Validate()
}

// A ConsentState is where a subject stands with one purpose at one time,
// folded from the ledger entries recorded up to then.
type ConsentState struct {
	// Kind is the strongest consent given since the last withdrawal that
	// preceded it: "" (none), consent, separate_consent, explicit_consent,
	// written_consent or guardian_consent.
	Kind    ConsentKind `json:"kind,omitempty"`
	GivenAt time.Time   `json:"given_at,omitzero"`
	// WithdrawnAt is set when the latest entry is a withdrawal: the
	// consent counts for nothing from then on.
	WithdrawnAt time.Time `json:"withdrawn_at,omitzero"`
	// Written: a written_consent entry was recorded since the last
	// withdrawal (Credit Reporting Industry Regulations Art. 18).
	Written bool `json:"written,omitempty"`
}

// Active reports whether s holds consent of at least kind need
// (consent, separate_consent, guardian_consent; written_consent: given in
// writing) that has not been withdrawn.
func (s ConsentState) Active(need ConsentKind) bool {
	if need == ConsentWritten && !s.Written {
		return false
	}
	return s.WithdrawnAt.IsZero() && s.Kind.Rank() >= need.Rank() && s.Kind.Rank() > 0
}

// FoldConsents returns the state of one subject for one purpose at time
// at, from that subject's ledger entries for the purpose in the order they
// were recorded. Entries recorded after at are ignored: a withdrawal never
// reaches back before its own time. Consent given after a withdrawal
// starts afresh.
func FoldConsents(entries []*Consent, at time.Time) ConsentState {
	var s ConsentState
	for _, c := range entries {
		if c.CreatedAt.After(at) {
			continue
		}
		s = s.Apply(c)
	}
	return s
}

// Apply returns s after entry c.
func (s ConsentState) Apply(c *Consent) ConsentState {
	switch c.Kind {
	case ConsentWithdrawal:
		if s.WithdrawnAt.IsZero() {
			s.WithdrawnAt = c.CreatedAt
		}
	case ConsentGiven, ConsentSeparate, ConsentExplicit, ConsentGuardian, ConsentWritten:
		if !s.WithdrawnAt.IsZero() {
			s = ConsentState{}
		}
		if c.Kind.Rank() > s.Kind.Rank() {
			s.Kind, s.GivenAt = c.Kind, c.CreatedAt
		}
		s.Written = s.Written || c.Kind == ConsentWritten
	}
	return s
}

// ConsentFilter selects ledger entries. Nil fields do not filter.
type ConsentFilter struct {
	OrgID      *int64
	SubjectKey *string
	Purpose    *string
	GrantID    *int64

	Offset int
	Limit  int
}

// MaxConsentLookup is the most subject keys one FindConsentStates call
// takes.
const MaxConsentLookup = 100_000

// ConsentService keeps the consent ledger in the control store.
type ConsentService interface {
	// CreateConsent records c in the ledger of c.OrgID (the acting org's
	// when zero; an org writes only its own ledger) and appends its audit
	// event, which names the subject key and a hash of the evidence. It
	// sets c.ID and c.CreatedAt, the time from which the entry counts.
	// When c.GrantID is set, the grant must concern a dataset of the org,
	// and c.Purpose is the grant's purpose (set if empty). It returns
	// EINVALID for an unknown purpose: one the org has not registered
	// (see [PurposeService]) and no grant on its datasets names.
	CreateConsent(ctx context.Context, c *Consent) error

	// FindConsents returns the entries matching filter in the order they
	// were recorded, and how many match in all. An org sees only its own
	// ledger.
	FindConsents(ctx context.Context, filter ConsentFilter) ([]*Consent, int, error)

	// FindConsentStates returns, for each of subjectKeys that has any
	// entry for purpose in orgID's ledger recorded at or before at, its
	// state at that time (see [FoldConsents]). Keys with no entry are
	// absent: nothing given. It takes at most MaxConsentLookup keys and
	// reads the ledger as it is, whoever the actor: it is for the server's
	// decisions, not for showing to callers.
	FindConsentStates(ctx context.Context, orgID int64, purpose string, subjectKeys []string, at time.Time) (map[string]ConsentState, error)
}

// NewConsentEvent returns the audit event of a ledger entry of org: the
// subject key, the purpose and grant, the kind, and the evidence's hash.
func NewConsentEvent(org *Org, c *Consent) *Event {
	action := ActionConsentGive
	if c.Kind == ConsentWithdrawal {
		action = ActionConsentWithdraw
	}
	e := &Event{
		Action:   action,
		Decision: string(c.Kind),
		Object:   map[string]any{"org": org.Name, "purpose": c.Purpose, "consent": c.ID},
		Subjects: []string{c.SubjectKey},
		Details:  map[string]any{"evidence_sha256": TextHash(c.Evidence)},
	}
	if c.GrantID != 0 {
		e.Object["grant"] = c.GrantID
	}
	return e
}

// PrepareConsent sets c.OrgID to the acting org's when zero and refuses an
// entry in another org's ledger; the operator may write any org's.
func PrepareConsent(ctx context.Context, c *Consent) error {
	actor := OrgIDFromContext(ctx)
	switch {
	case c.OrgID == 0 && actor == 0:
		return Errorf(EINVALID, "Consent: say whose ledger (org) it goes in.")
	case c.OrgID == 0:
		c.OrgID = actor
	case actor != 0 && c.OrgID != actor:
		return Errorf(EFORBIDDEN, "An org records consent only in its own ledger.")
	}
	if c.Kind == "" {
		return Errorf(EINVALID, "Consent: kind required (consent, separate_consent, explicit_consent, guardian_consent, written_consent or withdrawal).")
	}
	return nil
}

// ConsentPurposeFromGrant sets c.Purpose to purpose, the purpose of the
// grant c names, or returns EINVALID if c names another.
func ConsentPurposeFromGrant(c *Consent, purpose string) error {
	if c.Purpose == "" {
		c.Purpose = purpose
	} else if c.Purpose != purpose {
		return Errorf(EINVALID, "Consent: grant %d is for purpose %q, not %q.", c.GrantID, purpose, c.Purpose)
	}
	return nil
}
