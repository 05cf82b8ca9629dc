package sluice

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Notified important data. The Data Security Law (Art. 21 ¶3) leaves it to
// regions and departments to catalogue important data; processors identify
// and declare theirs (NDSR Art. 29) and the authorities confirm it by notice
// or publication. Data that no authority has notified, and no region or
// department has publicly released, as important need not be declared as
// important for export (O16 Art. 2; NDSR Art. 37). An ImportantNotice
// records such a notice for one dataset: the whole dataset is then
// important data in its transfers, whatever its fields' grades.

// Audit actions of notified important data.
const (
	ActionImportantNotify = "dataset.important.notify" // an owner records an authority's notice
	ActionImportantClear  = "dataset.important.clear"  // an owner clears it (the notice was withdrawn or recorded in error)
)

// An ImportantNotice is an authority's notice, or a region's or
// department's publication, that a dataset is important data.
type ImportantNotice struct {
	DatasetID int64 `json:"dataset_id"`
	// Notice is the notice's reference (its document number, or where the
	// catalogue was published).
	Notice string `json:"notice"`
	// Authority is the department or region that notified or published.
	Authority string `json:"authority"`
	// Date is the notice's date, YYYY-MM-DD.
	Date      string    `json:"date"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate returns EINVALID, naming the field, if n is not fit to be
// stored. It trims the text fields.
func (n *ImportantNotice) Validate() error {
	n.Notice, n.Authority, n.Date = strings.TrimSpace(n.Notice), strings.TrimSpace(n.Authority), strings.TrimSpace(n.Date)
	bad := func(field, msg string) error {
		return &Error{Code: EINVALID, Field: field, Message: field + ": " + msg}
	}
	switch {
	case n.Notice == "":
		return bad("notice", "the notice's reference is required.")
	case n.Authority == "":
		return bad("authority", "the notifying authority is required.")
	case utf8.RuneCountInString(n.Notice) > 200 || utf8.RuneCountInString(n.Authority) > 200:
		return bad("notice", "the reference and the authority are at most 200 characters each.")
	}
	d, err := time.Parse(DateLayout, n.Date)
	if err != nil || d.Format(DateLayout) != n.Date {
		return bad("date", "want the notice's date as YYYY-MM-DD.")
	}
	return nil
}

// ImportantStore keeps the notices in the control store.
type ImportantStore interface {
	// FindImportantNotices returns the notices of the datasets that have
	// one, by dataset id.
	FindImportantNotices(ctx context.Context, datasetIDs []int64) (map[int64]*ImportantNotice, error)
	// PutImportantNotice stores n, replacing the dataset's notice, and
	// appends ev, in one transaction.
	PutImportantNotice(ctx context.Context, n *ImportantNotice, ev *Event) error
	// ClearImportantNotice removes the dataset's notice and appends ev;
	// ENOTFOUND if it has none.
	ClearImportantNotice(ctx context.Context, datasetID int64, ev *Event) error
}

// ImportantService records notified important data for the datasets of
// the acting org.
type ImportantService interface {
	// FindImportantNotice returns the dataset's notice; ENOTFOUND if the
	// dataset is not the actor's org's or has none.
	FindImportantNotice(ctx context.Context, datasetID int64) (*ImportantNotice, error)
	// SetImportantNotice records n for a dataset of the acting owner's
	// org, with its audit event.
	SetImportantNotice(ctx context.Context, datasetID int64, n *ImportantNotice) error
	// ClearImportantNotice removes the dataset's notice, with its audit
	// event.
	ClearImportantNotice(ctx context.Context, datasetID int64) error
}
