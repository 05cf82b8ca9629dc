package sluice

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Audit actions of grants, one per transition, and of reads through them.
const (
	ActionGrantRequest = "grant.request"
	ActionGrantApprove = "grant.approve"
	ActionGrantDeny    = "grant.deny"
	ActionGrantRevoke  = "grant.revoke"
	ActionGrantExpire  = "grant.expire"
	ActionGrantRead    = "grant.read" // a consumer's read through a grant, served or refused
	ActionPolicyUpdate = "policy.update"
)

// A GrantStatus is where a grant is in its life:
//
//	pending ──approve──▶ approved ──(expires_at)──▶ expired
//	   │ └──deny──▶ denied   │
//	   └──revoke──▶ revoked ◀┘ revoke (either side)
//
// Only a pending grant can be approved or denied, so two approvals sent at
// once end with one approval and one ECONFLICT.
type GrantStatus string

// Grant statuses.
const (
	GrantPending  GrantStatus = "pending"
	GrantApproved GrantStatus = "approved"
	GrantDenied   GrantStatus = "denied"
	GrantRevoked  GrantStatus = "revoked"
	GrantExpired  GrantStatus = "expired"
)

// Validate returns EINVALID unless s is a known status.
func (s GrantStatus) Validate() error {
	switch s {
	case GrantPending, GrantApproved, GrantDenied, GrantRevoked, GrantExpired:
		return nil
	}
	return Errorf(EINVALID, "Grant status %q is not one of pending, approved, denied, revoked, expired.", string(s))
}

// Limits on grants.
const (
	MaxGrantDays      = 3650 // longest duration a grant may ask for or be given
	MaxGrantFields    = 1024
	MaxGrantText      = 4096 // justification, reasons and references
	DefaultGrantLimit = 100
)

// A GrantField is one field a grant covers and, once approved, the
// de-identification operator the owner set for it, in the text form of
// package policy (e.g. "mask(3,4)", "pseudonym"); "" means the default for
// the field's data categories.
type GrantField struct {
	Name string `json:"name"`
	Op   string `json:"op,omitempty"`
}

// A Grant is a consumer org's access to fields of another org's dataset,
// for one of its purposes and a legal basis: asked for by the consumer,
// approved or denied by the dataset's owner, revocable by either, ended by
// its expiry.
type Grant struct {
	ID            int64  `json:"id"`
	DatasetID     int64  `json:"dataset"`
	OwnerOrgID    int64  `json:"owner_org_id"`
	ConsumerOrgID int64  `json:"consumer_org_id"`
	Purpose       string `json:"purpose"` // a purpose of the consumer org
	LegalBasis    string `json:"legal_basis"`
	Justification string `json:"justification"`
	DurationDays  int    `json:"duration_days"` // as asked for

	// RequestedFields are the fields asked for; Fields are those the grant
	// covers: the requested ones while pending, the approved ones (with
	// their operators) after.
	RequestedFields []string     `json:"requested_fields"`
	Fields          []GrantField `json:"fields"`

	Status    GrantStatus `json:"status"`
	ExpiresAt *time.Time  `json:"expires_at,omitempty"`

	// RiskAssessmentRef is the reference of the risk assessment required
	// before important data is provided (NDSR Art. 31); set on approval.
	RiskAssessmentRef string `json:"risk_assessment_ref,omitempty"`
	// WrittenRequestRef is the reference of a domestic authority's written
	// request (DSL Art. 35); given with the request or on approval.
	WrittenRequestRef string `json:"written_request_ref,omitempty"`
	// AuthorityApprovalRef is the reference of the competent authority's
	// approval of a foreign judicial or law-enforcement request (DSL Art.
	// 36, PIPL Art. 41); without it such a consumer is refused.
	AuthorityApprovalRef string `json:"authority_approval_ref,omitempty"`
	// IdentifiedData, set by the owner, provides personal data without the
	// default de-identification (Shenzhen Data Regulations Art. 27).
	IdentifiedData bool `json:"identified_data,omitempty"`

	Reason    string     `json:"reason,omitempty"` // why it was denied or revoked
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	DecidedAt *time.Time `json:"decided_at,omitempty"` // approved or denied
}

// FieldNames returns the names of the fields g covers.
func (g *Grant) FieldNames() []string {
	names := make([]string, len(g.Fields))
	for i, f := range g.Fields {
		names[i] = f.Name
	}
	return names
}

// Validate returns EINVALID if g is not fit to be filed: a dataset, at
// least one field and no field twice, a purpose, a justification and a
// duration of 1 to MaxGrantDays days.
func (g *Grant) Validate() error {
	switch {
	case g.DatasetID <= 0:
		return Errorf(EINVALID, "Grant: dataset required.")
	case len(g.RequestedFields) == 0:
		return Errorf(EINVALID, "Grant: name at least one field.")
	case len(g.RequestedFields) > MaxGrantFields:
		return Errorf(EINVALID, "Grant: more than %d fields.", MaxGrantFields)
	case strings.TrimSpace(g.Purpose) == "":
		return Errorf(EINVALID, "Grant: purpose required.")
	case strings.TrimSpace(g.Justification) == "":
		return Errorf(EINVALID, "Grant: justification required: say why the data is needed (Shenzhen Data Regulations Art. 43).")
	case len(g.Justification) > MaxGrantText || len(g.WrittenRequestRef) > MaxGrantText:
		return Errorf(EINVALID, "Grant: justification and references are limited to %d bytes.", MaxGrantText)
	case g.DurationDays < 1 || g.DurationDays > MaxGrantDays:
		return Errorf(EINVALID, "Grant: duration_days must be from 1 to %d.", MaxGrantDays)
	}
	seen := make(map[string]bool, len(g.RequestedFields))
	for _, f := range g.RequestedFields {
		if f == "" {
			return Errorf(EINVALID, "Grant: a field name is empty.")
		} else if seen[f] {
			return &Error{Code: EINVALID, Field: f, Message: "Grant: field \"" + f + "\" is listed twice."}
		}
		seen[f] = true
	}
	return nil
}

// A GrantApproval is what an owner decides when approving a grant.
type GrantApproval struct {
	// Fields narrows the grant to some of the requested fields and sets
	// their operators; nil approves every requested field with the default
	// operators.
	Fields []GrantField `json:"fields,omitempty"`
	// ExpiresAt ends the grant; nil: DurationDays after approval.
	ExpiresAt            *time.Time `json:"expires_at,omitempty"`
	RiskAssessmentRef    string     `json:"risk_assessment_ref,omitempty"`
	WrittenRequestRef    string     `json:"written_request_ref,omitempty"`
	AuthorityApprovalRef string     `json:"authority_approval_ref,omitempty"`
	IdentifiedData       bool       `json:"identified_data,omitempty"`
}

// GrantFilter selects grants. Nil fields do not filter.
type GrantFilter struct {
	ID            *int64
	DatasetID     *int64
	OwnerOrgID    *int64
	ConsumerOrgID *int64
	// Status "expired" matches approved grants past their expiry too, and
	// "approved" only those not past it.
	Status *GrantStatus

	Offset int
	Limit  int
}

// GrantService keeps grants and runs their state machine. Every
// transition appends its audit event in the same transaction. An org sees
// the grants it owns the dataset of or consumes; the operator sees all.
// A grant read after its expiry shows status expired, whether or not
// ExpireGrants has recorded it yet.
type GrantService interface {
	// CreateGrant files g for the acting org as consumer: pending. It sets
	// ID, OwnerOrgID, ConsumerOrgID, Fields, Status and times. It returns
	// ENOTFOUND for an unknown dataset, and EINVALID for a field the
	// dataset does not have, the consumer's own dataset, or a purpose the
	// consumer has not registered or whose legal basis differs.
	CreateGrant(ctx context.Context, g *Grant) error

	// FindGrantByID returns ENOTFOUND unless the grant exists and the
	// actor's org is its owner or consumer.
	FindGrantByID(ctx context.Context, id int64) (*Grant, error)

	// FindGrants returns the grants matching filter that the actor may
	// see, newest first, and how many match in all.
	FindGrants(ctx context.Context, filter GrantFilter) ([]*Grant, int, error)

	// ApproveGrant approves a pending grant of the acting org's dataset.
	// It returns ECONFLICT if the grant is not pending, EFORBIDDEN if the
	// actor is not its owner, and EINVALID for a field not requested or an
	// expiry not in the future.
	ApproveGrant(ctx context.Context, id int64, a GrantApproval) (*Grant, error)

	// DenyGrant denies a pending grant of the acting org's dataset, with a
	// reason. Errors as ApproveGrant.
	DenyGrant(ctx context.Context, id int64, reason string) (*Grant, error)

	// RevokeGrant ends a pending or approved, unexpired grant; either its
	// owner or its consumer may. It returns ECONFLICT otherwise.
	RevokeGrant(ctx context.Context, id int64, reason string) (*Grant, error)

	// ExpireGrants records the expiry of every approved grant past its
	// expiry, one audit event each, and returns them. Decisions do not
	// wait for it: a grant past its expiry serves nothing.
	ExpireGrants(ctx context.Context) ([]*Grant, error)
}

// MaxPolicyText is the largest organisation policy text the store keeps.
const MaxPolicyText = 1 << 20

// An OrgPolicy is an org's own sharing rules, written in Cedar: they
// further restrict what the built-in legal rules allow for its datasets.
type OrgPolicy struct {
	OrgID     int64     `json:"org_id"`
	Text      string    `json:"text"`
	Hash      string    `json:"sha256"` // hex SHA-256 of Text
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PolicyService keeps organisation policies. Parsing them is the
// server's: the store keeps the text that parsed.
type PolicyService interface {
	// PutPolicy replaces the acting org's policy text (empty text removes
	// every policy), with its audit event, and returns the stored policy.
	PutPolicy(ctx context.Context, text string) (*OrgPolicy, error)

	// FindPolicy returns the policy of org orgID, whoever the actor, or
	// ENOTFOUND if it never had one.
	FindPolicy(ctx context.Context, orgID int64) (*OrgPolicy, error)

	// FindPolicies returns every org's policy, for loading at start.
	FindPolicies(ctx context.Context) ([]*OrgPolicy, error)
}

// NewGrantEvent returns the audit event of a grant's transition (one of
// the ActionGrant… actions) to its state in g. Free text appears only as
// its hash (see [TextHash]); references and operators in the clear.
func NewGrantEvent(action string, g *Grant, owner, consumer *Org) *Event {
	e := &Event{
		Action:   action,
		Decision: string(g.Status),
		Object:   map[string]any{"grant": g.ID, "dataset": g.DatasetID},
		Fields:   g.FieldNames(),
		Details: map[string]any{
			"owner": owner.Name, "consumer": consumer.Name, "consumer_kind": string(consumer.Kind),
			"purpose": g.Purpose, "legal_basis": g.LegalBasis,
		},
	}
	d := e.Details
	switch action {
	case ActionGrantRequest:
		d["duration_days"] = g.DurationDays
		d["justification_sha256"] = TextHash(g.Justification)
	case ActionGrantApprove:
		ops := map[string]any{}
		for _, f := range g.Fields {
			op := f.Op
			if op == "" {
				op = "default"
			}
			ops[f.Name] = op
		}
		d["operators"] = ops
		d["identified_data"] = g.IdentifiedData
	case ActionGrantDeny, ActionGrantRevoke:
		d["reason_sha256"] = TextHash(g.Reason)
	}
	if g.ExpiresAt != nil {
		d["expires_at"] = g.ExpiresAt.UTC().Format(time.RFC3339Nano)
	}
	for k, v := range map[string]string{"risk_assessment_ref": g.RiskAssessmentRef, "written_request_ref": g.WrittenRequestRef, "authority_approval_ref": g.AuthorityApprovalRef} {
		if v != "" {
			d[k] = v
		}
	}
	return e
}

// CheckGrantRequest returns an error unless consumer may ask for g on
// dataset d: not its own dataset, and only fields d has.
func CheckGrantRequest(g *Grant, d *Dataset, consumer *Org) error {
	if d.OrgID == consumer.ID {
		return Errorf(EINVALID, "Dataset %d is your own org's: read it with an owner key, no grant needed.", d.ID)
	}
	for _, f := range g.RequestedFields {
		if d.Field(f) == nil {
			return &Error{Code: EINVALID, Field: f, Message: fmt.Sprintf("Dataset %d has no field %q.", d.ID, f)}
		}
	}
	return nil
}

// ApplyApproval applies an approval by org actor at time now to g, as
// stored: only its owner may approve, and only while it is pending.
func ApplyApproval(g *Grant, a GrantApproval, actor int64, now time.Time) error {
	if err := checkOwner(g, actor, "approve"); err != nil {
		return err
	} else if g.Status != GrantPending {
		return Errorf(ECONFLICT, "Grant %d is %s, not pending: it cannot be approved.", g.ID, g.Status)
	}
	for _, ref := range []string{a.RiskAssessmentRef, a.WrittenRequestRef, a.AuthorityApprovalRef} {
		if len(ref) > MaxGrantText {
			return Errorf(EINVALID, "Grant %d: references are limited to %d bytes.", g.ID, MaxGrantText)
		}
	}
	fields := a.Fields
	if fields == nil {
		fields = make([]GrantField, len(g.RequestedFields))
		for i, f := range g.RequestedFields {
			fields[i] = GrantField{Name: f}
		}
	}
	if len(fields) == 0 {
		return Errorf(EINVALID, "Grant %d: approve at least one field, or deny the grant.", g.ID)
	}
	seen := make(map[string]bool, len(fields))
	for _, f := range fields {
		switch {
		case !slices.Contains(g.RequestedFields, f.Name):
			return &Error{Code: EINVALID, Field: f.Name, Message: fmt.Sprintf("Grant %d: field %q was not requested; an approval can only narrow the fields.", g.ID, f.Name)}
		case seen[f.Name]:
			return &Error{Code: EINVALID, Field: f.Name, Message: fmt.Sprintf("Grant %d: field %q is listed twice.", g.ID, f.Name)}
		}
		seen[f.Name] = true
	}
	expires := now.Add(time.Duration(g.DurationDays) * 24 * time.Hour)
	if a.ExpiresAt != nil {
		expires = a.ExpiresAt.UTC()
		if !expires.After(now) {
			return Errorf(EINVALID, "Grant %d: expires_at %s is not in the future.", g.ID, expires.Format(time.RFC3339))
		} else if expires.After(now.Add(MaxGrantDays * 24 * time.Hour)) {
			return Errorf(EINVALID, "Grant %d: expires_at is more than %d days away.", g.ID, MaxGrantDays)
		}
	}
	g.Fields = slices.Clone(fields)
	g.Status, g.ExpiresAt, g.DecidedAt = GrantApproved, &expires, &now
	g.RiskAssessmentRef, g.AuthorityApprovalRef, g.IdentifiedData = a.RiskAssessmentRef, a.AuthorityApprovalRef, a.IdentifiedData
	if a.WrittenRequestRef != "" {
		g.WrittenRequestRef = a.WrittenRequestRef
	}
	return nil
}

// ApplyDenial applies a denial by org actor at time now to g, as stored.
func ApplyDenial(g *Grant, reason string, actor int64, now time.Time) error {
	if err := checkOwner(g, actor, "deny"); err != nil {
		return err
	} else if g.Status != GrantPending {
		return Errorf(ECONFLICT, "Grant %d is %s, not pending: it cannot be denied.", g.ID, g.Status)
	} else if strings.TrimSpace(reason) == "" {
		return Errorf(EINVALID, "Grant %d: say why it is denied (reason).", g.ID)
	} else if len(reason) > MaxGrantText {
		return Errorf(EINVALID, "Grant %d: the reason is longer than %d bytes.", g.ID, MaxGrantText)
	}
	g.Status, g.Reason, g.DecidedAt = GrantDenied, reason, &now
	return nil
}

// ApplyRevocation applies a revocation by org actor (0: the operator) at
// time now to g, as stored: its owner or consumer may revoke it while it
// is pending or approved and unexpired.
func ApplyRevocation(g *Grant, reason string, actor int64, now time.Time) error {
	if actor != 0 && actor != g.OwnerOrgID && actor != g.ConsumerOrgID {
		return Errorf(ENOTFOUND, "Grant %d not found.", g.ID)
	} else if len(reason) > MaxGrantText {
		return Errorf(EINVALID, "Grant %d: the reason is longer than %d bytes.", g.ID, MaxGrantText)
	}
	switch {
	case g.Status == GrantPending:
	case g.Status == GrantApproved && (g.ExpiresAt == nil || now.Before(*g.ExpiresAt)):
	case g.Status == GrantApproved:
		return Errorf(ECONFLICT, "Grant %d has expired: there is nothing to revoke.", g.ID)
	default:
		return Errorf(ECONFLICT, "Grant %d is %s: it cannot be revoked.", g.ID, g.Status)
	}
	g.Status, g.Reason = GrantRevoked, reason
	return nil
}

// ApplyExpiry records at time now that g, as stored, has expired.
func ApplyExpiry(g *Grant, now time.Time) error {
	if g.Status != GrantApproved || g.ExpiresAt == nil || now.Before(*g.ExpiresAt) {
		return Errorf(ECONFLICT, "Grant %d is %s, not approved and past its expiry.", g.ID, g.Status)
	}
	g.Status = GrantExpired
	return nil
}

// EffectiveStatus returns g's status as shown at time now: an approved
// grant past its expiry is expired.
func (g *Grant) EffectiveStatus(now time.Time) GrantStatus {
	if g.Status == GrantApproved && g.ExpiresAt != nil && !now.Before(*g.ExpiresAt) {
		return GrantExpired
	}
	return g.Status
}

func checkOwner(g *Grant, actor int64, verb string) error {
	switch actor {
	case g.OwnerOrgID:
		return nil
	case g.ConsumerOrgID:
		return Errorf(EFORBIDDEN, "Only the owner of dataset %d can %s grant %d.", g.DatasetID, verb, g.ID)
	}
	return Errorf(ENOTFOUND, "Grant %d not found.", g.ID)
}

// NewPolicyEvent returns the audit event of an org's policy update: the
// hash and size of the text, not the text.
func NewPolicyEvent(org *Org, p *OrgPolicy) *Event {
	return &Event{
		Action:  ActionPolicyUpdate,
		Object:  map[string]any{"org": org.Name},
		Details: map[string]any{"sha256": p.Hash, "version": p.Version, "bytes": len(p.Text)},
	}
}
