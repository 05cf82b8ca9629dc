package sluice

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
)

// An Org is a tenant: an organisation whose datasets sluice holds, or which
// consumes data that others share.
type Org struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Region Region `json:"region"` // home region: where its datasets are stored
	Sector string `json:"sector,omitempty"`
	CIIO   bool   `json:"ciio"` // critical-information-infrastructure operator
	// Kind says whether the org is a company or an authority; authorities
	// are decided by their own rules (DSL Arts. 35-36, PIPL Art. 41). ""
	// is stored as company.
	Kind OrgKind `json:"kind"`
	// PublicBody marks a public management and service body (Shenzhen
	// Data Regulations Art. 2(9)): its data is public data, and its new
	// datasets start in the sharing catalogue as conditional.
	PublicBody bool `json:"public_body,omitempty"`
	// AnswerDays is the number of PRC working days in which the org
	// answers a sharing request (Shenzhen Data Regulations Art. 43); 0
	// is DefaultAnswerDays.
	AnswerDays int `json:"answer_days,omitempty"`
	// AutoApprove approves at once the requests of public bodies for the
	// org's datasets whose sharing class is unconditional, when the org
	// is a public body itself.
	AutoApprove bool      `json:"auto_approve_unconditional,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// An OrgKind says what kind of body an org is.
type OrgKind string

// Org kinds.
const (
	OrgCompany               OrgKind = "company"                 // any organisation that is not an authority
	OrgDomesticAuthority     OrgKind = "domestic_authority"      // a public body of the data's own jurisdiction
	OrgForeignJudicial       OrgKind = "foreign_judicial"        // a foreign court
	OrgForeignLawEnforcement OrgKind = "foreign_law_enforcement" // a foreign police or enforcement body
)

// Validate returns EINVALID unless k is a known kind or "" (company).
func (k OrgKind) Validate() error {
	switch k {
	case "", OrgCompany, OrgDomesticAuthority, OrgForeignJudicial, OrgForeignLawEnforcement:
		return nil
	}
	return Errorf(EINVALID, "Org kind %q is not one of company, domestic_authority, foreign_judicial, foreign_law_enforcement.", string(k))
}

// DefaultAnswerDays is the answer deadline of a sharing request, in PRC
// working days, for an org that set none.
const DefaultAnswerDays = 10

// MaxAnswerDays bounds an org's answer deadline.
const MaxAnswerDays = 60

// AnswerDeadline returns the org's answer deadline in working days.
func (o *Org) AnswerDeadline() int {
	if o == nil || o.AnswerDays <= 0 {
		return DefaultAnswerDays
	}
	return o.AnswerDays
}

var orgNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

// Validate returns EINVALID if o is not fit to be stored.
func (o *Org) Validate() error {
	if o.Name == "" {
		return Errorf(EINVALID, "Org name required.")
	} else if !orgNameRE.MatchString(o.Name) {
		return Errorf(EINVALID, "Org name %q must be 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.", o.Name)
	} else if err := o.Kind.Validate(); err != nil {
		return err
	} else if o.AnswerDays < 0 || o.AnswerDays > MaxAnswerDays {
		return Errorf(EINVALID, "Org answer_days must be from 0 (the default, %d) to %d working days.", DefaultAnswerDays, MaxAnswerDays)
	}
	return o.Region.Validate()
}

// OrgFilter selects orgs. Nil fields do not filter.
type OrgFilter struct {
	ID   *int64
	Name *string

	Offset int
	Limit  int
}

// OrgService manages orgs.
type OrgService interface {
	// FindOrgByID returns ENOTFOUND if the org does not exist.
	FindOrgByID(ctx context.Context, id int64) (*Org, error)

	// FindOrgs returns the orgs matching filter and the number matching in
	// all, regardless of Offset and Limit.
	FindOrgs(ctx context.Context, filter OrgFilter) ([]*Org, int, error)

	// CreateOrg stores o and sets its ID and CreatedAt. It returns
	// ECONFLICT if the name is taken and EINVALID if o is not valid.
	CreateOrg(ctx context.Context, o *Org) error
}

// A Role is what an API key may do within its org.
type Role string

// Roles.
const (
	RoleOwner    Role = "owner"    // holds datasets: creates, ingests, reads its own records
	RoleConsumer Role = "consumer" // asks for and reads data that other orgs share
	RoleAuditor  Role = "auditor"  // reads metadata and the audit trail, never records
	// RoleSupervisor belongs to regions, not to an org: a data centre's or
	// regulator's staff, reading the metadata of every org in its regions
	// (inventories, grades, grants, transfers, counters, the audit
	// trail), never records, and changing nothing.
	RoleSupervisor Role = "supervisor"
)

// Validate returns EINVALID unless r is a known role.
func (r Role) Validate() error {
	switch r {
	case RoleOwner, RoleConsumer, RoleAuditor, RoleSupervisor:
		return nil
	}
	return Errorf(EINVALID, "Role %q is not one of owner, consumer, auditor, supervisor.", string(r))
}

// An APIKey authenticates calls to the API for one org and role, or, for
// a supervisor, for its regions. Only a hash of its secret is stored; the
// secret is shown once, at creation.
type APIKey struct {
	ID        string     `json:"id"` // public part of the key, e.g. "k3f9a2c1d"
	OrgID     int64      `json:"org_id"`
	Role      Role       `json:"role"`
	Regions   []Region   `json:"regions,omitempty"` // a supervisor's regions; OrgID is then 0
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`

	Org *Org `json:"-"` // attached by FindKey and Authenticate
}

// ValidateScope returns EINVALID unless k belongs to an org (any role but
// supervisor) or, for a supervisor, to one or more regions and no org.
func (k *APIKey) ValidateScope() error {
	if err := k.Role.Validate(); err != nil {
		return err
	}
	if k.Role != RoleSupervisor {
		if len(k.Regions) > 0 {
			return Errorf(EINVALID, "Only a supervisor key has regions; a %s key belongs to an org.", k.Role)
		}
		return nil
	}
	if k.OrgID != 0 {
		return Errorf(EINVALID, "A supervisor key belongs to regions, not to an org.")
	}
	if len(k.Regions) == 0 {
		return Errorf(EINVALID, "A supervisor key needs at least one region.")
	}
	for _, r := range k.Regions {
		if err := r.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// KeyFilter selects API keys. Nil fields do not filter.
type KeyFilter struct {
	OrgID *int64

	Offset int
	Limit  int
}

// KeyService manages API keys.
type KeyService interface {
	// CreateKey makes a new key for k.OrgID and k.Role, stores its hash,
	// sets k.ID and k.CreatedAt and returns the secret token, which is not
	// stored anywhere and cannot be recovered.
	CreateKey(ctx context.Context, k *APIKey) (token string, err error)

	// Authenticate returns the live key whose token this is, with its Org
	// attached. It returns EUNAUTHORIZED for an unknown, malformed or
	// revoked token; secrets are compared in constant time.
	Authenticate(ctx context.Context, token string) (*APIKey, error)

	// FindKeys returns the keys matching filter (never their secrets).
	FindKeys(ctx context.Context, filter KeyFilter) ([]*APIKey, int, error)

	// RevokeKey revokes a key. Revoking twice is not an error.
	// It returns ENOTFOUND for an unknown key id.
	RevokeKey(ctx context.Context, id string) error
}

// NewKeyToken makes a new API key token "sk_<id>_<secret>" and returns its
// parts: id is public and names the key; secret is 32 random bytes,
// base64url-encoded, and is kept by sluice only as a hash.
func NewKeyToken() (id, secret, token string) {
	var b [37]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	id = "k" + hex.EncodeToString(b[:5])
	secret = base64.RawURLEncoding.EncodeToString(b[5:])
	return id, secret, "sk_" + id + "_" + secret
}

// ParseKeyToken splits a token made by NewKeyToken into its id and secret.
func ParseKeyToken(token string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(token, "sk_")
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || len(id) != 11 || len(secret) != 43 {
		return "", "", false
	}
	return id, secret, true
}
