package sluice

import (
	"context"
	"strings"
	"time"
)

// Audit actions of data-subject requests, legal holds and offboarding.
const (
	ActionSubjectRequestFile    = "subject_request.file"
	ActionSubjectRequestVerify  = "subject_request.verify"
	ActionSubjectRequestFulfil  = "subject_request.fulfil"
	ActionSubjectRequestRefuse  = "subject_request.refuse"
	ActionSubjectRequestExtend  = "subject_request.extend"
	ActionSubjectRequestLift    = "subject_request.lift"
	ActionSubjectRequestPolicy  = "subject_request.policy"
	ActionSubjectRecordsErase   = "subject.erase"
	ActionSubjectRecordsCorrect = "subject.correct"
	ActionSubjectRestrict       = "subject.restrict"
	ActionHoldPlace             = "dataset.hold.place"
	ActionHoldLift              = "dataset.hold.lift"
	ActionDatasetDelete         = "dataset.delete"
	ActionOrgOffboard           = "org.offboard"
)

// A SubjectRequestType is what a person asks of an organisation that holds
// data about them (PIPL Arts. 44-48; GDPR Arts. 15-18, 20).
type SubjectRequestType string

// Subject request types.
const (
	RequestAccess      SubjectRequestType = "access"      // PIPL Art. 45 ¶1; GDPR Art. 15
	RequestCopy        SubjectRequestType = "copy"        // PIPL Art. 45 ¶1; GDPR Art. 15(3)
	RequestPortability SubjectRequestType = "portability" // PIPL Art. 45 ¶3; GDPR Art. 20
	RequestCorrection  SubjectRequestType = "correction"  // PIPL Art. 46; GDPR Art. 16
	RequestErasure     SubjectRequestType = "erasure"     // PIPL Art. 47; GDPR Art. 17
	RequestRestriction SubjectRequestType = "restriction" // PIPL Art. 44; GDPR Art. 18
	RequestExplanation SubjectRequestType = "explanation" // PIPL Art. 48
)

// Validate returns EINVALID unless t is a known type.
func (t SubjectRequestType) Validate() error {
	switch t {
	case RequestAccess, RequestCopy, RequestPortability, RequestCorrection, RequestErasure, RequestRestriction, RequestExplanation:
		return nil
	}
	return &Error{Code: EINVALID, Field: "type", Message: "Subject request type \"" + string(t) +
		"\" is not one of access, copy, portability, correction, erasure, restriction, explanation."}
}

// Packaged reports whether fulfilling a request of type t hands the person
// a package of their data.
func (t SubjectRequestType) Packaged() bool {
	return t == RequestAccess || t == RequestCopy || t == RequestPortability || t == RequestExplanation
}

// A SubjectRequestState is where a request stands.
type SubjectRequestState string

// Subject request states: received → verified → fulfilled | refused, and
// extended (from received or verified) before either.
const (
	RequestReceived  SubjectRequestState = "received"
	RequestVerified  SubjectRequestState = "verified"
	RequestExtended  SubjectRequestState = "extended"
	RequestFulfilled SubjectRequestState = "fulfilled"
	RequestRefused   SubjectRequestState = "refused"
)

// Open reports whether a request in state s still awaits an answer.
func (s SubjectRequestState) Open() bool {
	return s == RequestReceived || s == RequestVerified || s == RequestExtended
}

// Identifier kinds a subject request may name a person by, and the data
// category a field holding each is classified as.
var IdentifierCategories = map[string]string{
	"resident_id": "user.government_id.national_identification_number",
	"phone":       "user.contact.phone_number",
	"email":       "user.contact.email",
}

// A Deadline is the date by which a request must be answered, with the
// rule it comes from.
type Deadline struct {
	Due         time.Time `json:"due"`
	Rule        string    `json:"rule"`      // e.g. "15 working days (PRC calendar)", "1 month"
	Basis       string    `json:"basis"`     // statute or policy
	Reference   string    `json:"reference"` // legal reference
	Provisional bool      `json:"provisional,omitempty"`
	Warning     string    `json:"warning,omitempty"`
}

// A Correction is the change a correction request asks for: the field and
// its new value. The value is kept only until the request is fulfilled.
type Correction struct {
	Field string `json:"field"`
	Value string `json:"value,omitempty"`
}

// A HeldData names data that erasure could not delete because of a duty
// to keep it: it was restricted instead.
type HeldData struct {
	DatasetID int64  `json:"dataset_id"`
	Reason    string `json:"reason"`
	Records   int64  `json:"records"`
}

// A SubjectRequestOutcome is what fulfilling a request did.
type SubjectRequestOutcome struct {
	Found      bool       `json:"found"` // whether any record of the person was found
	Datasets   []int64    `json:"datasets,omitempty"`
	Records    int64      `json:"records"`              // records found
	Erased     int64      `json:"erased,omitempty"`     // records deleted
	Elements   int64      `json:"elements,omitempty"`   // array elements removed or corrected in others' records
	Corrected  int64      `json:"corrected,omitempty"`  // records corrected
	Restricted int64      `json:"restricted,omitempty"` // records restricted
	Consents   int        `json:"consents,omitempty"`   // consents closed
	Held       []HeldData `json:"held,omitempty"`
	Note       string     `json:"note,omitempty"`
}

// A SubjectRequest is one data-subject request to an organisation. It
// keeps the person's subject keys, never their identifiers.
type SubjectRequest struct {
	ID           int64               `json:"id"`
	OrgID        int64               `json:"org_id"`
	Type         SubjectRequestType  `json:"type"`
	Jurisdiction Region              `json:"jurisdiction"` // CN or EU: whose deadline applies
	State        SubjectRequestState `json:"state"`
	SubjectKeys  []string            `json:"subject_keys"`
	Identifiers  []string            `json:"identifiers"` // the kinds given: phone, resident_id, email
	Evidence     string              `json:"evidence,omitempty"`
	Correction   *Correction         `json:"correction,omitempty"`

	ReceivedAt      time.Time              `json:"received_at"`
	Deadline        Deadline               `json:"deadline"`
	ExtendedAt      *time.Time             `json:"extended_at,omitempty"`
	ExtensionReason string                 `json:"extension_reason,omitempty"`
	VerifiedAt      *time.Time             `json:"verified_at,omitempty"`
	ClosedAt        *time.Time             `json:"closed_at,omitempty"`
	Reason          string                 `json:"reason,omitempty"` // why refused
	Outcome         *SubjectRequestOutcome `json:"outcome,omitempty"`
	LiftedAt        *time.Time             `json:"lifted_at,omitempty"` // a restriction's end
	Overdue         bool                   `json:"overdue"`
}

// SetOverdue sets r.Overdue: open and past its deadline at now.
func (r *SubjectRequest) SetOverdue(now time.Time) {
	r.Overdue = r.State.Open() && now.After(r.Deadline.Due)
}

// MaxRequestText bounds the evidence and reasons of a request.
const MaxRequestText = 4096

// Validate returns EINVALID if r is not fit to be filed.
func (r *SubjectRequest) Validate() error {
	if err := r.Type.Validate(); err != nil {
		return err
	}
	switch {
	case r.Jurisdiction != "CN" && r.Jurisdiction != "EU":
		return &Error{Code: EINVALID, Field: "jurisdiction", Message: "Subject request jurisdiction must be CN or EU."}
	case len(r.SubjectKeys) == 0:
		return &Error{Code: EINVALID, Field: "identifiers", Message: "Subject request: give at least one identifier (phone, resident_id or email)."}
	case len(r.Evidence) > MaxRequestText:
		return &Error{Code: EINVALID, Field: "evidence", Message: "Subject request evidence is too long."}
	case r.Type == RequestCorrection && (r.Correction == nil || strings.TrimSpace(r.Correction.Field) == ""):
		return &Error{Code: EINVALID, Field: "correction.field", Message: "A correction request names the field to correct and its new value."}
	case r.Type != RequestCorrection && r.Correction != nil:
		return &Error{Code: EINVALID, Field: "correction", Message: "Only a correction request carries a correction."}
	}
	for _, k := range r.SubjectKeys {
		if !IsSubjectKey(k) {
			return &Error{Code: EINVALID, Field: "identifiers", Message: "Subject request: a subject key is malformed."}
		}
	}
	return nil
}

// SubjectRequestFilter selects requests. Nil fields do not filter.
type SubjectRequestFilter struct {
	OrgID *int64
	State *SubjectRequestState
}

// A DatasetHold is a legal hold an organisation placed on a dataset: a
// specific duty to keep its data, which turns erasure into restriction.
type DatasetHold struct {
	DatasetID int64     `json:"dataset_id"`
	OrgID     int64     `json:"org_id"`
	Reason    string    `json:"reason"`
	PlacedAt  time.Time `json:"placed_at"`
}

// A SubjectRequestStore keeps subject requests and legal holds in the
// control store.
type SubjectRequestStore interface {
	// CreateSubjectRequest stores r with its audit event, and sets r.ID.
	CreateSubjectRequest(ctx context.Context, r *SubjectRequest, e *Event) error

	// FindSubjectRequestByID returns ENOTFOUND for an unknown request.
	FindSubjectRequestByID(ctx context.Context, id int64) (*SubjectRequest, error)

	// FindSubjectRequests returns the requests matching filter, newest
	// first.
	FindSubjectRequests(ctx context.Context, filter SubjectRequestFilter) ([]*SubjectRequest, error)

	// UpdateSubjectRequest writes r (its state, times, reasons, outcome and
	// correction) if its stored state is still from, and appends e in the
	// same transaction. It returns ECONFLICT if the state moved on.
	UpdateSubjectRequest(ctx context.Context, r *SubjectRequest, from SubjectRequestState, e *Event) error

	// PutHold places or replaces a dataset's legal hold, with its event.
	PutHold(ctx context.Context, h *DatasetHold, e *Event) error
	// DeleteHold lifts a dataset's hold; ENOTFOUND if it has none.
	DeleteHold(ctx context.Context, datasetID int64, e *Event) error
	// FindHolds returns the holds on the org's datasets.
	FindHolds(ctx context.Context, orgID int64) ([]*DatasetHold, error)

	// PutWorkingDays sets an org's deadline for CN requests, with its
	// event; FindWorkingDays returns it, 0 if the org set none.
	PutWorkingDays(ctx context.Context, orgID int64, days int, e *Event) error
	FindWorkingDays(ctx context.Context, orgID int64) (int, error)

	// SetRecordCount sets a dataset's record count after records left it.
	SetRecordCount(ctx context.Context, datasetID, n int64) error

	// MarkDatasetDeleted makes a dataset a tombstone: no longer found, its
	// name free, its fields, counts and hold gone; grants, transfers and
	// events keep naming it. ENOTFOUND if it is deleted already.
	MarkDatasetDeleted(ctx context.Context, datasetID int64, e *Event) error
	// DeletedDatasets lists the tombstones (id, org and region), so that
	// records left by a deletion cut short are removed at start.
	DeletedDatasets(ctx context.Context) ([]*Dataset, error)
	// CloseOrg revokes every key of an org and deletes its consent
	// ledger, with its event (whose Details get the counts).
	CloseOrg(ctx context.Context, orgID int64, e *Event) error
}

// A SubjectRecordStore is what erasure, correction and restriction need of
// a region's record store, beyond [RecordStore].
type SubjectRecordStore interface {
	// ScanRecords returns committed records of a dataset with ID > after,
	// restricted ones included, at most limit, in ID order.
	ScanRecords(ctx context.Context, datasetID, after int64, limit int) ([]*Record, error)

	// ApplySubjectChange deletes, rewrites and restricts records in one
	// transaction: all of it happens or none. It then makes the deletion
	// final on disk where the engine allows (SQLite: secure_delete and a
	// WAL checkpoint). It returns each dataset's count of visible records
	// after the change.
	ApplySubjectChange(ctx context.Context, c *SubjectChange) (map[int64]int64, error)

	// RestrictedRecords reports which of ids are restricted.
	RestrictedRecords(ctx context.Context, ids []int64) (map[int64]bool, error)

	// LiftRestrictions lifts the restrictions a request placed and
	// returns how many.
	LiftRestrictions(ctx context.Context, requestID int64) (int64, error)

	// DeleteDatasetRecords deletes every record of a dataset in one
	// transaction, final on disk as ApplySubjectChange, and returns how
	// many.
	DeleteDatasetRecords(ctx context.Context, datasetID int64) (int64, error)
}

// A SubjectChange is what one request does to a region's records.
type SubjectChange struct {
	RequestID int64
	Delete    []int64          // record ids
	Rewrite   map[int64][]byte // record id → new data
	Restrict  map[int64]string // record id → reason
	Lift      []string         // subject keys whose restrictions are lifted
	// Datasets are the datasets whose counts to return. They include the
	// dataset of every record changed: a store finds a record by its
	// dataset and id.
	Datasets []int64
}
