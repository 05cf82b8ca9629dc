package policy

import (
	"time"

	"github.com/sluice-gateway/sluice"
)

// A Consumer is the org that reads.
type Consumer struct {
	ID     int64          `json:"id"`
	Region sluice.Region  `json:"region"`
	Kind   sluice.OrgKind `json:"kind"` // authorities are decided by their own rules (DSL Arts. 35–36, PIPL Art. 41, GDPR Art. 48)
	// ApprovalOnFile is set for a foreign judicial or law-enforcement body
	// whose request the competent authority has approved: for data of a
	// PIPL region the PRC authority (DSL Art. 36, PIPL Art. 41); for EU data
	// an international agreement the request rests on (GDPR Art. 48).
	ApprovalOnFile bool `json:"approval_on_file,omitempty"`
	// Sector is the consumer org's sector (e.g. bank), for the flow rule
	// of credit information.
	Sector string `json:"sector,omitempty"`
}

// A GrantStatus is where a grant is in its life.
type GrantStatus string

// Grant statuses. Expiry is not a status: a grant past ExpiresAt is expired
// whatever its status says.
const (
	StatusPending  GrantStatus = "pending"
	StatusApproved GrantStatus = "approved"
	StatusDenied   GrantStatus = "denied"
	StatusRevoked  GrantStatus = "revoked"
)

// A Basis is a legal basis for processing: a PIPL Art. 13 basis (consent,
// contract, hr, statutory_duty, emergency, news, public_info, other_law) or,
// for EU-region data, a GDPR Art. 6 basis (consent, contract,
// legal_obligation, vital_interests, public_task, legitimate_interests).
// The rule file lists them; see [SharingRules.Basis].
type Basis string

// Legal bases the decision treats specially.
const (
	BasisConsent       Basis = "consent"
	BasisStatutoryDuty Basis = "statutory_duty"
)

// A Grant is a consumer's access to fields of a dataset for a purpose, as
// the owner approved it.
type Grant struct {
	ID         int64        `json:"id"`
	Consumer   int64        `json:"consumer"` // consumer org ID
	Dataset    int64        `json:"dataset"`
	Status     GrantStatus  `json:"status"`
	ExpiresAt  time.Time    `json:"expires_at"` // zero: no expiry
	Purpose    string       `json:"purpose"`    // purpose name
	LegalBasis Basis        `json:"legal_basis"`
	Fields     []GrantField `json:"fields"`
	// RiskAssessmentRef is the reference of the risk assessment required
	// before important data is provided (NDSR Art. 31).
	RiskAssessmentRef string `json:"risk_assessment_ref,omitempty"`
	// WrittenRequestRef is the reference of an authority's written request
	// (DSL Art. 35; Shenzhen Data Regulations Art. 27).
	WrittenRequestRef string `json:"written_request_ref,omitempty"`
	// IdentifiedData, set by the owner, provides personal data without the
	// default de-identification (Shenzhen Data Regulations Art. 27: the
	// person consented or a contract requires it). Per-field operators
	// still apply.
	IdentifiedData bool `json:"identified_data,omitempty"`
}

// A GrantField is one field a grant covers, with the operator the owner set
// for it; the zero Op means "the default".
type GrantField struct {
	Name string `json:"name"`
	Op   Op     `json:"op,omitzero"`
}

// A Dataset holds the facts about a dataset that decisions need.
type Dataset struct {
	ID     int64         `json:"id"`
	Owner  int64         `json:"owner"` // owner org ID
	Region sluice.Region `json:"region"`
	// Minors: the dataset holds personal information of children under
	// 14 (PIPL Arts. 28, 31).
	Minors bool `json:"minors,omitempty"`
	// OwnerSector is the owner org's sector; Credit says the dataset holds
	// credit information (a field of a credit category).
	OwnerSector string `json:"owner_sector,omitempty"`
	Credit      bool   `json:"credit,omitempty"`
}

// A Field holds the facts about one field of a dataset.
type Field struct {
	Name       string       `json:"name"`
	Categories []string     `json:"categories,omitempty"` // fideslang-style keys
	PI         bool         `json:"pi"`                   // personal information (PIPL Art. 4)
	Sensitive  bool         `json:"sensitive"`            // sensitive PI (PIPL Art. 28) / special category (GDPR Art. 9)
	Grade      sluice.Grade `json:"grade"`                // general, important or core; empty counts as general
}

// A Purpose is why the consumer processes the data, with its declared basis.
type Purpose struct {
	Name       string `json:"name"`
	LegalBasis Basis  `json:"legal_basis"`
	// SpecialCondition is the condition the purpose relies on to process
	// special data of a GDPR region: an Art. 9(2) condition or an Art. 10
	// one, by name (see [SharingRules.SpecialCondition]); "" for none.
	SpecialCondition string `json:"special_category_condition,omitempty"`
	// Profiling: the purpose profiles people for personalised
	// recommendations, which children's data may not serve (Shenzhen Data
	// Regulations Arts. 28–30).
	Profiling bool `json:"profiling,omitempty"`
}

// A Request is one read (or one "what would happen" question): who reads
// which dataset, for what, when, and under which grant.
type Request struct {
	Consumer Consumer  `json:"consumer"`
	Dataset  Dataset   `json:"dataset"`
	Purpose  Purpose   `json:"purpose"`
	GrantID  int64     `json:"grant,omitempty"` // 0: any grant of the consumer for this dataset and purpose
	Now      time.Time `json:"now"`
}

// Validate returns EINVALID if r lacks a fact the decision needs: the
// consumer and its kind (empty counts as company), the dataset, its owner
// and region, the purpose, and the time. A decision on an invalid request
// is still safe (unknown kinds are refused, a missing grant denies); this
// is for the server to report bad input as such.
func (r *Request) Validate() error {
	switch {
	case r.Consumer.ID == 0:
		return sluice.Errorf(sluice.EINVALID, "Request: consumer required.")
	case r.Consumer.Kind.Validate() != nil:
		return sluice.Errorf(sluice.EINVALID, "Request: consumer kind %q is not one of company, domestic_authority, foreign_judicial, foreign_law_enforcement.", r.Consumer.Kind)
	case r.Dataset.ID == 0 || r.Dataset.Owner == 0:
		return sluice.Errorf(sluice.EINVALID, "Request: dataset and its owner required.")
	case r.Purpose.Name == "":
		return sluice.Errorf(sluice.EINVALID, "Request: purpose required.")
	case r.Now.IsZero():
		return sluice.Errorf(sluice.EINVALID, "Request: time required.")
	}
	if err := r.Dataset.Region.Validate(); err != nil {
		return err
	}
	if r.Consumer.Region != "" {
		return r.Consumer.Region.Validate()
	}
	return nil
}

// A ConsentKind is what a data subject has given for a purpose.
type ConsentKind uint8

// Consent kinds, weakest first. A stronger kind satisfies a weaker need.
const (
	ConsentNone     ConsentKind = iota // nothing given, or nothing needed
	ConsentGiven                       // consent (PIPL Art. 14; GDPR Art. 6(1)(a))
	ConsentSeparate                    // separate consent (PIPL Arts. 23, 29); explicit consent (GDPR Art. 9(2)(a))
	ConsentGuardian                    // a parent's or guardian's consent for a child under 14 (PIPL Art. 31)
	// ConsentWritten is a need only: the subject's consent given in
	// writing (Credit Reporting Industry Regulations Art. 18). A consent
	// meets it when its Written flag is set, whatever its kind.
	ConsentWritten
)

var consentNames = [...]string{"none", "consent", "separate_consent", "guardian_consent", "written_consent"}

// String returns "none", "consent", "separate_consent",
// "guardian_consent" or "written_consent".
func (k ConsentKind) String() string {
	if int(k) < len(consentNames) {
		return consentNames[k]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (k ConsentKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *ConsentKind) UnmarshalText(b []byte) error {
	for i, n := range consentNames {
		if string(b) == n {
			*k = ConsentKind(i)
			return nil
		}
	}
	return sluice.Errorf(sluice.EINVALID, "Consent kind %q is not one of none, consent, separate_consent, guardian_consent, written_consent.", b)
}

// A Consent is one subject's consent state for the purpose of a read, as the
// consent ledger holds it.
type Consent struct {
	Kind ConsentKind `json:"kind"`
	// WithdrawnAt is when the subject withdrew; zero if never. A withdrawal
	// counts for every read at or after it and for none before it.
	WithdrawnAt time.Time `json:"withdrawn_at,omitzero"`
	// Written: the consent was given in writing (written_consent in the
	// ledger, not withdrawn since).
	Written bool `json:"written,omitempty"`
}

// Satisfies reports whether c meets need at time now.
func (c Consent) Satisfies(need ConsentKind, now time.Time) bool {
	if need == ConsentNone {
		return true
	}
	kind := c.Kind
	if kind == ConsentWritten { // as a state, written consent ranks with separate consent
		kind, c.Written = ConsentSeparate, true
	}
	if need == ConsentWritten && !c.Written || kind < need.rank() {
		return false
	}
	return c.WithdrawnAt.IsZero() || now.Before(c.WithdrawnAt)
}
