package sluice

import (
	"context"
	"strings"
	"time"
)

// ActionCatalogUpdate is the audit action of a change of a dataset's
// catalogue entry.
const ActionCatalogUpdate = "catalog.update"

// Sharing classes of public data (State Council Interim Measures for
// Government Information Resource Sharing, 2016; Shenzhen Data
// Regulations Arts. 41-43): to whom a dataset is shared.
const (
	SharingUnconditional = "unconditional"
	SharingConditional   = "conditional"
	SharingNone          = "none"
)

// Opening classes of public data (Shenzhen Data Regulations Arts. 47-49):
// whether a dataset is opened to the public.
const (
	OpeningUnconditional = "unconditional"
	OpeningConditional   = "conditional"
	OpeningClosed        = "closed"
)

// MaxCatalogText bounds a catalogue entry's texts.
const MaxCatalogText = 4096

// A CatalogEntry is a dataset's entry in the sharing catalogue: its
// sharing and opening classes, why, on which legal basis, and the
// conditions of conditional sharing or opening.
type CatalogEntry struct {
	DatasetID     int64     `json:"dataset"`
	Sharing       string    `json:"sharing"`
	Opening       string    `json:"opening"`
	Justification string    `json:"justification"`
	LegalBasis    string    `json:"legal_basis"`
	Conditions    string    `json:"conditions,omitempty"`
	Default       bool      `json:"default,omitempty"` // not set by the owner: the class a new dataset starts with
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
}

// CheckForm returns EINVALID, naming the field, unless e's classes are
// known and its texts within MaxCatalogText. Whether a class needs a
// justification is for the rules (policy.PublicDataClasses) to say.
func (e *CatalogEntry) CheckForm() error {
	switch e.Sharing {
	case SharingUnconditional, SharingConditional, SharingNone:
	default:
		return &Error{Code: EINVALID, Field: "sharing", Message: "sharing must be unconditional, conditional or none."}
	}
	switch e.Opening {
	case OpeningUnconditional, OpeningConditional, OpeningClosed:
	default:
		return &Error{Code: EINVALID, Field: "opening", Message: "opening must be unconditional, conditional or closed."}
	}
	for field, v := range map[string]string{"justification": e.Justification, "legal_basis": e.LegalBasis, "conditions": e.Conditions} {
		if len(v) > MaxCatalogText {
			return &Error{Code: EINVALID, Field: field, Message: field + " is longer than 4096 bytes."}
		}
	}
	e.Justification, e.LegalBasis, e.Conditions = strings.TrimSpace(e.Justification), strings.TrimSpace(e.LegalBasis), strings.TrimSpace(e.Conditions)
	return nil
}

// CatalogStore keeps catalogue entries in the control store.
type CatalogStore interface {
	// FindCatalogEntries returns the stored entries of the datasets, by
	// dataset id; a dataset without an entry is absent.
	FindCatalogEntries(ctx context.Context, datasetIDs []int64) (map[int64]*CatalogEntry, error)
	// PutCatalogEntry stores e, replacing the dataset's entry, and appends
	// ev in the same transaction. It sets e.UpdatedAt.
	PutCatalogEntry(ctx context.Context, e *CatalogEntry, ev *Event) error
}
