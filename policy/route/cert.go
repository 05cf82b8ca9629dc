package route

import (
	"fmt"
	"slices"
	"strings"
)

// OutOfScope is the status of evidence that is in date but does not cover
// the transfer relying on it.
const OutOfScope EvidenceStatus = "out_of_scope"

// A CertScope is what a personal-information protection certificate
// covers, as its certificate states. Countries and Categories are
// required; Recipients and Purposes, when given, limit it further.
type CertScope struct {
	Countries  []string `json:"countries"`            // recipient countries, ISO 3166-1 alpha-2
	Categories []string `json:"categories"`           // kinds of personal information, as category keys
	Recipients []string `json:"recipients,omitempty"` // recipients, as the exporter names them
	Purposes   []string `json:"purposes,omitempty"`   // purposes of the export
}

// A Certificate is a personal-information protection certification relied
// on as the route of a CN transfer (PIPL Art. 38(1)(2)).
type Certificate struct {
	IssuedOn Date      `json:"issued_on"`
	ValidTo  Date      `json:"valid_to,omitzero"` // last valid day; zero for the full validity the rules allow
	Scope    CertScope `json:"scope"`
}

// A CertUse is the transfer that relies on a certificate.
type CertUse struct {
	Country    string   `json:"country"`
	Categories []string `json:"categories"`
	Recipient  string   `json:"recipient,omitempty"`
	Purpose    string   `json:"purpose,omitempty"`
}

// A CertValidity is whether a certificate carries a transfer on a given
// day, and if not, why, with the date.
type CertValidity struct {
	Status    EvidenceStatus `json:"status"`  // not_yet_valid, valid, expired or out_of_scope
	Blocked   bool           `json:"blocked"` // the transfer may not rely on the certificate
	ValidFrom Date           `json:"valid_from"`
	ValidTo   Date           `json:"valid_to"` // last valid day
	Field     string         `json:"field,omitempty"`
	Reason    string         `json:"reason"`               // a sentence naming the dates
	Validity  *Requirement   `json:"validity"`             // the rule that sets the validity
	ScopeRule *Requirement   `json:"scope_rule,omitempty"` // the rule that keeps the export within scope
}

// CertificationValid tells whether certificate c carries transfer use on
// day now. A certificate is valid for the period the validity rule in
// force on its issue date allows (3 years: the 2022 Implementation Rules
// of personal information protection certification, then O20 from
// 2026-01-01), and only for its scope: the transfer's country, each of its
// categories and, where the certificate limits them, its recipient and
// purpose must be within it. Expiry, a certificate not yet valid, and a
// scope mismatch block the route; Reason says why, with the dates. No
// recipient or purpose is named in Reason, only the field.
//
// It returns an EINVALID error, naming the field, when the issue date is
// missing or no certification rule was in force on it, when ValidTo is
// before the issue date or past the validity the law allows, and when the
// scope names no country or no category.
func (r *Rules) CertificationValid(c Certificate, use CertUse, now Date) (CertValidity, error) {
	switch {
	case c.IssuedOn == 0:
		return CertValidity{}, fieldErr("issued_on", "issued_on: required (YYYY-MM-DD).")
	case now == 0:
		return CertValidity{}, fieldErr("now", "now: required (YYYY-MM-DD).")
	case c.ValidTo != 0 && c.ValidTo < c.IssuedOn:
		return CertValidity{}, fieldErr("valid_to", "valid_to: %s is before issued_on %s.", c.ValidTo, c.IssuedOn)
	case len(c.Scope.Countries) == 0:
		return CertValidity{}, fieldErr("scope.countries", "scope.countries: required: the recipient countries the certificate covers.")
	case len(c.Scope.Categories) == 0:
		return CertValidity{}, fieldErr("scope.categories", "scope.categories: required: the kinds of personal information the certificate covers.")
	}
	val := r.evidenceAt(evidenceCertValidity, c.IssuedOn)
	if val == nil {
		return CertValidity{}, fieldErr("issued_on", "issued_on: no personal information protection certification rule was in force on %s.", c.IssuedOn)
	}
	last, _ := val.Deadline.Due(c.IssuedOn)
	switch {
	case c.ValidTo == 0:
		c.ValidTo = last
	case c.ValidTo > last:
		return CertValidity{}, fieldErr("valid_to", "valid_to: %s is after %s, the end of the validity the law allows (%s: %s).",
			c.ValidTo, last, val.Ref, val.Deadline.Text)
	}
	v := CertValidity{ValidFrom: c.IssuedOn, ValidTo: c.ValidTo, Validity: &val.Requirement, Status: Valid}
	if s := r.evidenceAt(evidenceScope, now); s != nil {
		v.ScopeRule = &s.Requirement
	}
	switch {
	case now < c.IssuedOn:
		v.Status = NotYetValid
		v.Reason = fmt.Sprintf("The certificate is valid only from %s; on %s the transfer cannot rely on it.", c.IssuedOn, now)
	case now > c.ValidTo:
		v.Status = Expired
		v.Reason = fmt.Sprintf("The certificate was valid until %s and expired on %s (%s: %s); the transfer cannot rely on it.",
			c.ValidTo, c.ValidTo.AddDays(1), val.Ref, val.Deadline.Text)
	default:
		v.Field, v.Reason = c.Scope.outside(use)
		if v.Field != "" {
			v.Status = OutOfScope
			v.Reason = fmt.Sprintf("The certificate, valid from %s to %s, %s.", c.IssuedOn, c.ValidTo, v.Reason)
		} else {
			v.Reason = fmt.Sprintf("The certificate is valid from %s to %s and covers the transfer.", c.IssuedOn, c.ValidTo)
		}
	}
	v.Blocked = v.Status != Valid
	return v, nil
}

// CertificationValid is [Rules.CertificationValid] with the default rules.
func CertificationValid(c Certificate, use CertUse, now Date) (CertValidity, error) {
	return Default().CertificationValid(c, use, now)
}

// outside returns the first field of use that s does not cover, and the
// mismatch in words; "" when s covers use.
func (s CertScope) outside(use CertUse) (field, why string) {
	if !slices.Contains(s.Countries, use.Country) {
		return "scope.countries", fmt.Sprintf("does not cover recipient country %s (it covers %s)", use.Country, strings.Join(s.Countries, ", "))
	}
	if len(use.Categories) == 0 {
		return "scope.categories", "cannot be matched: the transfer names no categories of personal information"
	}
	var missing []string
	for _, c := range use.Categories {
		if !slices.Contains(s.Categories, c) && !slices.Contains(missing, c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return "scope.categories", fmt.Sprintf("does not cover the categories %s", strings.Join(missing, ", "))
	}
	if len(s.Recipients) > 0 && !slices.Contains(s.Recipients, use.Recipient) {
		return "scope.recipients", "does not cover this recipient"
	}
	if len(s.Purposes) > 0 && !slices.Contains(s.Purposes, use.Purpose) {
		return "scope.purposes", "does not cover this purpose"
	}
	return "", ""
}
