package route

// An EvidenceStatus says where a piece of evidence stands on a given day.
type EvidenceStatus string

// Evidence statuses.
const (
	NotYetValid EvidenceStatus = "not_yet_valid" // before its start date
	Valid       EvidenceStatus = "valid"         // valid, renewal not yet due
	RenewalDue  EvidenceStatus = "renewal_due"   // valid, inside the renewal window: remind the owner
	Expired     EvidenceStatus = "expired"       // after its last valid day
)

// Validity is the state of a security-assessment approval on a given day.
type Validity struct {
	Status    EvidenceStatus `json:"status"`
	ValidFrom Date           `json:"valid_from"`
	ValidTo   Date           `json:"valid_to"`             // last valid day
	RenewFrom Date           `json:"renew_from,omitempty"` // first day of the renewal window; zero if no renewal rule applies
	Validity  *Requirement   `json:"validity"`             // the rule that sets the validity
	Renewal   *Requirement   `json:"renewal,omitempty"`    // the rule that sets the renewal window
	// RenewProvisional says that RenewFrom was counted through a year the
	// PRC calendar lacks (Monday to Friday there); RenewWarning says so in
	// a sentence to show with it.
	RenewProvisional bool   `json:"renew_provisional,omitempty"`
	RenewWarning     string `json:"renew_warning,omitempty"`
}

// AssessmentValid returns the state on day now of a CAC security-assessment
// approval valid from approvedFrom to approvedTo (its last valid day).
//
// The validity rule in force on approvedFrom sets the longest validity: 2
// years under O11 Art. 14 for results issued before 2024-03-22, 3 years
// under O16 Art. 9 after. A zero approvedTo means "the full validity". The
// renewal rule in force on the last valid day sets the reminder: from the
// 60th working day before expiry (O16 Art. 9: the extension is requested in
// the 60 working days before expiry; O11 Art. 14: the new declaration is
// due 60 working days before it). Working days count on the PRC calendar,
// with its public holidays and make-up working days (see
// [Date.IsWorkingDay]); through a year the calendar lacks the window is
// marked provisional.
//
// It returns an EINVALID error when approvedFrom or now is missing, when
// approvedTo is before approvedFrom, when approvedTo runs past the
// validity the law allows, and when no assessment rule was in force on
// approvedFrom.
func (r *Rules) AssessmentValid(approvedFrom, approvedTo, now Date) (Validity, error) {
	switch {
	case approvedFrom == 0:
		return Validity{}, fieldErr("approved_from", "approved_from: required (YYYY-MM-DD).")
	case now == 0:
		return Validity{}, fieldErr("now", "now: required (YYYY-MM-DD).")
	}
	if approvedTo != 0 && approvedTo < approvedFrom {
		return Validity{}, fieldErr("approved_to", "approved_to: %s is before approved_from %s.", approvedTo, approvedFrom)
	}
	val := r.evidenceAt(evidenceValidity, approvedFrom)
	if val == nil {
		return Validity{}, fieldErr("approved_from", "approved_from: no security-assessment rule was in force on %s.", approvedFrom)
	}
	last, _ := val.Deadline.Due(approvedFrom)
	switch {
	case approvedTo == 0:
		approvedTo = last
	case approvedTo > last:
		return Validity{}, fieldErr("approved_to", "approved_to: %s is after %s, the end of the validity the law allows (%s: %s).",
			approvedTo, last, val.Ref, val.Deadline.Text)
	}
	v := Validity{ValidFrom: approvedFrom, ValidTo: approvedTo, Validity: &val.Requirement}
	if ren := r.evidenceAt(evidenceRenewal, approvedTo); ren != nil {
		v.Renewal = &ren.Requirement
		due := ren.Deadline.DueOn(approvedTo + 1)
		v.RenewFrom, v.RenewProvisional, v.RenewWarning = due.Date, due.Provisional, due.Warning
	}
	switch {
	case now < approvedFrom:
		v.Status = NotYetValid
	case now > approvedTo:
		v.Status = Expired
	case v.RenewFrom != 0 && now >= v.RenewFrom:
		v.Status = RenewalDue
	default:
		v.Status = Valid
	}
	return v, nil
}

// AssessmentValid is [Rules.AssessmentValid] with the default rules.
func AssessmentValid(approvedFrom, approvedTo, now Date) (Validity, error) {
	return Default().AssessmentValid(approvedFrom, approvedTo, now)
}

func (r *Rules) evidenceAt(role string, d Date) *requirement {
	for _, q := range r.evidence {
		if q.evidence == role && q.span.in(d) {
			return q
		}
	}
	return nil
}

// CheckPeriod returns an EINVALID error, with Field "valid_to", when a
// piece of evidence (a filing, certificate or approval) ends before it
// starts. A zero to means open-ended and is accepted; a zero from is
// rejected with Field "valid_from".
func CheckPeriod(from, to Date) error {
	switch {
	case from == 0:
		return fieldErr("valid_from", "valid_from: required (YYYY-MM-DD).")
	case to != 0 && to < from:
		return fieldErr("valid_to", "valid_to: %s is before valid_from %s.", to, from)
	}
	return nil
}
