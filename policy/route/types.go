package route

import (
	"fmt"
)

// A Confidence says how well a rule entry was checked against its legal
// source.
type Confidence string

// Confidence levels.
const (
	Checked    Confidence = "checked"    // against the full text of the instrument
	Summary    Confidence = "summary"    // against an official summary, a regulator's notice or a law-firm report
	Unverified Confidence = "unverified" // memory or one unofficial source: verify before relying on it
)

func (c Confidence) valid() bool { return c == Checked || c == Summary || c == Unverified }

// A Route is the legal route a transfer must take.
//
// For data of the CN region: [Exempt], [SCCOrCert], [SecurityAssessment],
// [Block], [Hold]. For data of the EU region: [Exempt] (not a transfer to a
// third country), [Adequacy], [SCCOrBCR], [Derogation], [Block].
type Route string

// Routes.
const (
	Exempt             Route = "EXEMPT"              // no export route needed; the listed duties still apply
	SCCOrCert          Route = "SCC_OR_CERT"         // CN standard contract (filed) or PI protection certification
	SecurityAssessment Route = "SECURITY_ASSESSMENT" // CN security assessment by the CAC before export
	Block              Route = "BLOCK"               // the data may not leave
	Hold               Route = "HOLD"                // held in China until sector rules (credit) allow otherwise
	Adequacy           Route = "ADEQUACY"            // EU: adequacy decision for the recipient's country (GDPR Art. 45)
	SCCOrBCR           Route = "SCC_OR_BCR"          // EU: standard contractual clauses or binding corporate rules (GDPR Arts. 46-47)
	Derogation         Route = "DEROGATION"          // EU: a derogation for a specific situation (GDPR Art. 49)
)

// allRoutes fixes each route's bit in a route set.
var allRoutes = [...]Route{Exempt, SCCOrCert, SecurityAssessment, Block, Hold, Adequacy, SCCOrBCR, Derogation}

// bit returns r's bit in a route set, 0 for an unknown route.
func (r Route) bit() uint16 {
	for i, x := range allRoutes {
		if x == r {
			return 1 << i
		}
	}
	return 0
}

// Ready reports whether the transfer may go ahead without evidence of a
// filing, certificate, approval or safeguard: [Exempt] and [Adequacy].
// The decision's requirements (notice, consent, records) still apply.
func (r Route) Ready() bool { return r == Exempt || r == Adequacy }

// Blocked reports whether the route stops the transfer: [Block] and [Hold].
func (r Route) Blocked() bool { return r == Block || r == Hold }

// A Reason is one rule that led to a decision. Reasons are built once when
// the rules load and shared by every decision that cites them; do not
// modify them.
type Reason struct {
	Rule       string     `json:"rule"`       // rule id, e.g. "cn.o16.scc.pi"
	Ref        string     `json:"ref"`        // legal reference, e.g. "O16 Art. 8; PIPL Art. 38(1)"
	Text       string     `json:"text"`       // the rule in plain words
	Confidence Confidence `json:"confidence"` // how well the entry was checked
}

// A Requirement is something the transfer still needs, with its deadline
// where the law sets one. Requirements are shared like [Reason]s.
type Requirement struct {
	ID         string     `json:"id"`
	Text       string     `json:"text"`
	Ref        string     `json:"ref"`
	Confidence Confidence `json:"confidence"`
	Deadline   *Deadline  `json:"deadline,omitempty"`
}

// Deadline relations.
const (
	RelBefore            = "before"               // done before the anchor event
	RelWithinAfter       = "within_after"         // within Amount Units after the anchor
	RelValidFor          = "valid_for"            // valid for Amount Units from the anchor
	RelWindowBefore      = "window_before"        // in the Amount Units before the anchor (expiry)
	RelNoLaterThanBefore = "no_later_than_before" // at least Amount Units before the anchor (expiry)
)

// Deadline units.
const (
	UnitWorkingDays = "working_days" // on the PRC calendar, holidays and make-up days included; see [Date.IsWorkingDay]
	UnitDays        = "days"
	UnitMonths      = "months"
	UnitYears       = "years"
)

// A Deadline says when a requirement must be met, relative to an anchor
// event such as "the contract's effective date".
type Deadline struct {
	Text     string `json:"text"`             // e.g. "within 10 working days after the contract's effective date"
	Amount   int    `json:"amount,omitempty"` // 0 for RelBefore
	Unit     string `json:"unit,omitempty"`   // one of the Unit constants; "" for RelBefore
	Relation string `json:"relation"`         // one of the Rel constants
	Anchor   string `json:"anchor"`           // the event counted from, in words
}

// Due returns the day the deadline falls on, given the anchor's date:
//
//   - within_after: the last day to act;
//   - valid_for: the last day of validity;
//   - window_before: the first day of the window, anchor being the expiry
//     date (the first day no longer valid);
//   - no_later_than_before: the last day to act, anchor being the expiry date.
//
// ok is false for a "before" deadline, which has no count. Working days
// count on the PRC calendar; [Deadline.DueOn] also says when the count is
// provisional.
func (dl *Deadline) Due(anchor Date) (due Date, ok bool) {
	r := dl.DueOn(anchor)
	return r.Date, r.OK
}

// A Due is the day a deadline falls on, with what to show with it.
type Due struct {
	Date Date `json:"date"`
	OK   bool `json:"-"` // false for a "before" deadline, which has no count
	// Provisional says that a working-day count went through a year the
	// PRC calendar lacks, where Monday to Friday were counted; Warning is
	// the sentence to show with the date.
	Provisional bool   `json:"provisional,omitempty"`
	Warning     string `json:"warning,omitempty"`
}

// DueOn is [Deadline.Due] with the calendar's verdict: a deadline in
// working days counted through a year the PRC calendar lacks is marked
// provisional, never silently.
func (dl *Deadline) DueOn(anchor Date) Due {
	n := dl.Amount
	switch dl.Relation {
	case RelWithinAfter:
	case RelValidFor:
		r := dl.add(anchor, n)
		r.Date = r.Date.AddDays(-1)
		return r
	case RelWindowBefore, RelNoLaterThanBefore:
		n = -n
	default:
		return Due{}
	}
	return dl.add(anchor, n)
}

func (dl *Deadline) add(d Date, n int) Due {
	r := Due{Date: d, OK: true}
	switch dl.Unit {
	case UnitWorkingDays:
		if r.Date, r.Provisional = d.AddWorkingDaysFlagged(n); r.Provisional {
			r.Warning = ProvisionalWarning(d, n)
		}
	case UnitDays:
		r.Date = d.AddDays(n)
	case UnitMonths:
		r.Date = d.AddDate(0, n, 0)
	case UnitYears:
		r.Date = d.AddDate(n, 0, 0)
	}
	return r
}

// describe writes the deadline's Text from its parts.
func (dl *Deadline) describe() string {
	unit := map[string]string{UnitWorkingDays: "working days", UnitDays: "days", UnitMonths: "months", UnitYears: "years"}[dl.Unit]
	if dl.Amount == 1 {
		unit = unit[:len(unit)-1]
	}
	switch dl.Relation {
	case RelWithinAfter:
		return fmt.Sprintf("within %d %s after %s", dl.Amount, unit, dl.Anchor)
	case RelValidFor:
		return fmt.Sprintf("valid for %d %s from %s", dl.Amount, unit, dl.Anchor)
	case RelWindowBefore:
		return fmt.Sprintf("in the %d %s before %s", dl.Amount, unit, dl.Anchor)
	case RelNoLaterThanBefore:
		return fmt.Sprintf("at least %d %s before %s", dl.Amount, unit, dl.Anchor)
	}
	return "before " + dl.Anchor
}

// A Threshold is a count of individuals at which a rule applies.
type Threshold struct {
	ID         string     `json:"id"`
	Value      int64      `json:"value"`
	Op         string     `json:"op"` // "gte" (at least Value) or "gt" (more than Value)
	Unit       string     `json:"unit"`
	Ref        string     `json:"ref"`
	Text       string     `json:"text"`
	Confidence Confidence `json:"confidence"`
}

// Reached reports whether count n meets the threshold.
func (t *Threshold) Reached(n int64) bool {
	if t.Op == "gt" {
		return n > t.Value
	}
	return n >= t.Value
}

// A Decision is the route a transfer must take, the rules that chose it
// (the deciding rule first) and what the transfer still needs. Its slices
// are shared between decisions: read them, do not modify them.
type Decision struct {
	Route    Route          `json:"route"`
	Reasons  []*Reason      `json:"reasons"`
	Requires []*Requirement `json:"requires"`
	// ConsentAssumed says that the input named no legal basis, so the
	// requirements assume consent (PIPL Art. 39 separate consent is
	// listed); name the basis to list only what applies.
	ConsentAssumed bool `json:"consent_assumed,omitempty"`
	// NoSafeguardReason, for a [Derogation], records the input's reason
	// why no GDPR Art. 46 safeguard is available. It is free text that may
	// name a business: log its hash, not the text.
	NoSafeguardReason string `json:"no_safeguard_reason,omitempty"`
}

// A DataError is a fault in the rule data, found when the rules load.
type DataError struct {
	File  string // file name within the rule set, e.g. "cn.json"
	Entry string // the entry's id, or "" for the file as a whole
	Msg   string
}

// Error says which file and entry are at fault, and how.
func (e *DataError) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("route rules: %s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("route rules: %s: entry %q: %s", e.File, e.Entry, e.Msg)
}
