package dsr

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/workday"
)

//go:embed rules/deadlines.json
var deadlineData []byte

// A DeadlineRule is one jurisdiction's rule for answering a request, as
// data with its legal reference (rules/deadlines.json).
type DeadlineRule struct {
	Jurisdiction       sluice.Region `json:"jurisdiction"`
	Basis              string        `json:"basis"` // statute or policy
	WorkingDays        int           `json:"working_days,omitempty"`
	Calendar           string        `json:"calendar,omitempty"`
	Months             int           `json:"months,omitempty"`
	ExtensionMonths    int           `json:"extension_months,omitempty"`
	Reference          string        `json:"reference"`
	ExtensionReference string        `json:"extension_reference,omitempty"`
	RefusalReference   string        `json:"refusal_reference,omitempty"`
}

// Rules are the deadline rules of every jurisdiction.
type Rules struct {
	Schema    int             `json:"schema"`
	Version   string          `json:"version"`
	Deadlines []*DeadlineRule `json:"deadlines"`
}

// LoadRules parses deadline rules, rejecting unknown fields and rules
// that name no deadline.
func LoadRules(data []byte) (*Rules, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Rules
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("deadlines.json: %w", err)
	}
	if r.Schema != 1 {
		return nil, fmt.Errorf("deadlines.json: schema %d, want 1", r.Schema)
	}
	for i, d := range r.Deadlines {
		switch {
		case d.Jurisdiction == "":
			return nil, fmt.Errorf("deadlines.json: deadlines[%d].jurisdiction required", i)
		case (d.WorkingDays > 0) == (d.Months > 0):
			return nil, fmt.Errorf("deadlines.json: deadlines[%d] (%s): give working_days or months", i, d.Jurisdiction)
		case d.WorkingDays > 0 && d.Calendar != "CN":
			return nil, fmt.Errorf("deadlines.json: deadlines[%d] (%s).calendar: only CN is known", i, d.Jurisdiction)
		case d.Reference == "":
			return nil, fmt.Errorf("deadlines.json: deadlines[%d] (%s).reference required", i, d.Jurisdiction)
		}
	}
	return &r, nil
}

// DefaultRules returns the deadline rules embedded in sluice.
func DefaultRules() *Rules {
	r, err := LoadRules(deadlineData)
	if err != nil {
		panic(err) // the embedded file is checked by a test
	}
	return r
}

// Rule returns the rule of jurisdiction j.
func (r *Rules) Rule(j sluice.Region) (*DeadlineRule, error) {
	for _, d := range r.Deadlines {
		if d.Jurisdiction == j {
			return d, nil
		}
	}
	return nil, &sluice.Error{Code: sluice.EINVALID, Field: "jurisdiction", Message: "No deadline rule for jurisdiction " + string(j) + "."}
}

// beijing is the time zone PRC working days are counted in.
var beijing = time.FixedZone("CST", 8*3600)

// Deadline returns the deadline of a request received at received under
// rule; workingDays, if not 0, is the organisation's own policy value in
// place of the rule's default.
func (d *DeadlineRule) Deadline(received time.Time, workingDays int) sluice.Deadline {
	if d.Months > 0 {
		return sluice.Deadline{
			Due:       addMonths(received, d.Months),
			Rule:      months(d.Months),
			Basis:     d.Basis,
			Reference: d.Reference,
		}
	}
	n := d.WorkingDays
	if workingDays > 0 {
		n = workingDays
	}
	r := workday.CN().Add(received.In(beijing), n)
	// Due by the end of the working day, Beijing time.
	y, m, day := r.Due.Date()
	due := time.Date(y, m, day, 23, 59, 59, 0, beijing).UTC()
	return sluice.Deadline{
		Due:         due,
		Rule:        strconv.Itoa(n) + " working days (PRC calendar)",
		Basis:       d.Basis,
		Reference:   d.Reference,
		Provisional: r.Provisional,
		Warning:     r.Warning,
	}
}

// Extend returns the deadline after an extension under rule, given at at,
// or an error if the rule allows none or the time for one has passed.
func (d *DeadlineRule) Extend(dl sluice.Deadline, received, at time.Time) (sluice.Deadline, error) {
	if d.ExtensionMonths == 0 {
		return dl, sluice.Errorf(sluice.ECONFLICT, "The %s deadline cannot be extended: %s", d.Jurisdiction, d.Reference)
	}
	if at.After(addMonths(received, d.Months)) {
		return dl, sluice.Errorf(sluice.ECONFLICT, "Too late to extend: the extension must be given within %s of receipt (%s).", months(d.Months), d.ExtensionReference)
	}
	dl.Due = addMonths(received, d.Months+d.ExtensionMonths)
	dl.Rule = months(d.Months) + " + " + months(d.ExtensionMonths) + " (extended)"
	dl.Reference = d.ExtensionReference
	return dl, nil
}

func months(n int) string {
	if n == 1 {
		return "1 month"
	}
	return strconv.Itoa(n) + " months"
}

// addMonths adds n calendar months to t (UTC); a day the target month
// lacks becomes its last day (31 January + 1 month = 28 or 29 February),
// as the period is counted under Regulation 1182/71 Art. 3(2)(c).
func addMonths(t time.Time, n int) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 23, 59, 59, 0, time.UTC)
}
