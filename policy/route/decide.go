package route

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
)

// earliestZone is the offset of the time zone where a calendar day begins
// first (UTC+14). A transfer date is in the future when it has not begun
// anywhere on Earth.
const earliestZone = 14 * 3600

// Decide returns the route the transfer in must take, using the default
// rules. See [Rules.Decide].
func Decide(in *Input, now time.Time) (Decision, error) { return Default().Decide(in, now) }

// Decide returns the route the transfer in must take under the rules in
// force on in.Date: the rules of the exporter's region are tried in order
// and the first that matches decides. The decision lists that rule (and
// the counting window or the country fact it relied on) as reasons, and
// what the transfer still needs.
//
// Decide does not allocate when in is valid. It returns an EINVALID
// *sluice.Error, whose Field names the input field, for an unknown region,
// country, recipient kind, exemption or derogation; a date missing, in the
// future of now, or before the region's rules begin; a negative count; and
// facts that contradict each other.
func (r *Rules) Decide(in *Input, now time.Time) (Decision, error) {
	p := r.pack(in.Exporter.Region)
	if p == nil {
		return Decision{}, r.errRegion(in.Exporter.Region)
	}
	d := in.Date
	switch {
	case d == 0:
		return Decision{}, fieldErr("date", "date: required (YYYY-MM-DD).")
	case d < p.span.from:
		return Decision{}, errTooEarly(p, d)
	case p.span.to != 0 && d > p.span.to:
		return Decision{}, fieldErr("date", "date: the %s transfer rules held here end on %s.", p.region, p.span.to)
	case d.unixStart()-earliestZone > now.Unix():
		return Decision{}, errFuture(d, now)
	}
	e := p.epochAt(d)
	if e == nil {
		return Decision{}, sluice.Errorf(sluice.EINTERNAL, "No %s rules compiled for %s.", p.region, d)
	}
	c := r.country(in.Recipient.Country)
	if c == nil {
		return Decision{}, errCountry(in.Recipient.Country)
	}
	for _, code := range p.domestic {
		if code == c.code {
			return Decision{}, fieldErr("recipient.country", "recipient.country: %s is inside region %s, so this is not a cross-border transfer.", code, p.region)
		}
	}

	var f facts
	if f.kind = kindIndex(in.Recipient.Kind); f.kind < 0 {
		return Decision{}, errKind(in.Recipient.Kind)
	}
	var err error
	if f.exemption, err = p.lookup(p.exemptions, "exemption", in.Exemption, d); err != nil {
		return Decision{}, err
	}
	if f.derogation, err = p.lookup(p.derogations, "derogation", in.Derogation, d); err != nil {
		return Decision{}, err
	}
	if f.safeguard, err = p.lookup(p.safeguards, "safeguard", in.Safeguard, d); err != nil {
		return Decision{}, err
	}
	consent, err := p.isConsent(in.LegalBasis, f.exemption)
	if err != nil {
		return Decision{}, err
	}
	if err := checkCounts(in, e); err != nil {
		return Decision{}, err
	}
	f.sector = in.Exporter.Sector
	f.counters[cntPI], f.counters[cntSPI] = in.YTD.PI, in.YTD.SPI
	if e.window != nil && e.window.previousYear {
		f.counters[cntPI], f.counters[cntSPI] = in.SincePrevYear.PI, in.SincePrevYear.SPI
	}
	f.counters[cntPIProcessed] = in.Exporter.PIProcessed
	f.counters[cntAutoIndividuals] = in.Data.AutoIndividuals
	f.bools = flag(in.Recipient.ApprovalOnFile, bApproval) |
		flag(in.Data.Core, bCore) |
		flag(in.Data.Important, bImportant) |
		flag(in.Data.CreditAgency, bCreditAgency) |
		flag(in.Data.CreditInfo, bCreditInfo) |
		flag(in.Recipient.LicensedCreditAgency, bLicensed) |
		flag(in.Data.PI == nil || *in.Data.PI, bPI) |
		flag(in.Exporter.CIIO, bCIIO) |
		flag(in.Exporter.StateOrgan, bStateOrgan) |
		flag(f.derogation >= 0, bDerogationClaimed) |
		flag(consent, bConsentBasis) |
		flag(f.safeguard >= 0, bSafeguardClaimed) |
		flag(strings.TrimSpace(in.NoSafeguardReason) != "", bNoSafeguardReason)
	if b := at(c.blocs, d); b != nil {
		f.bools |= bEEA
		f.fact = b
	} else if a := at(c.adequacy, d); a != nil {
		f.fact = a
		if !a.partial || in.Recipient.AdequacyScope {
			f.bools |= bAdequate
		}
	}

	for _, w := range e.rows {
		if !w.cond.match(&f) {
			continue
		}
		dec := Decision{Route: w.route, Reasons: w.reasons, Requires: w.requires(e.commonMask(w.routeBit, &f))}
		switch {
		case w.cite == citeCountry && f.fact != nil:
			dec.Reasons = w.citeReasons[f.fact.index]
		case w.cite == citeDerogation && f.derogation >= 0:
			dec.Reasons = w.citeReasons[p.derogations[f.derogation].index]
		case w.cite == citeExemption && f.exemption >= 0:
			dec.Reasons = w.citeReasons[p.exemptions[f.exemption].index]
		case w.cite == citeSafeguard && f.safeguard >= 0:
			dec.Reasons = w.citeReasons[p.safeguards[f.safeguard].index]
		}
		if w.route == Derogation && f.bools&bNoSafeguardReason != 0 {
			dec.NoSafeguardReason = in.NoSafeguardReason
		}
		dec.ConsentAssumed = consent && in.LegalBasis == "" && p.consentBasis != ""
		return dec, nil
	}
	// Unreachable: Load makes sure the last rule of every epoch matches.
	return Decision{}, sluice.Errorf(sluice.EINTERNAL, "No %s rule matched.", p.region)
}

// isConsent reports whether consent is the legal basis of the
// transfer under region p's rules: the basis given, else the basis the
// exemption claimed implies (O16 Art. 5), else consent, the cautious
// reading when the input says nothing. A region that names no consent
// basis never has one.
func (p *pack) isConsent(basis string, exemption int) (bool, error) {
	if p.consentBasis == "" {
		return false, nil
	}
	if basis != "" && !slices.Contains(p.legalBases, basis) {
		return false, fieldErr("legal_basis", "legal_basis: %q is not one of %s for region %s.", basis, strings.Join(p.legalBases, ", "), p.region)
	}
	if basis == "" && exemption >= 0 {
		basis = p.exemptions[exemption].basis
	}
	return basis == "" || basis == p.consentBasis, nil
}

func flag(b bool, bit uint32) uint32 {
	if b {
		return bit
	}
	return 0
}

// lookup returns the index of the exemption or derogation called name in
// list, -1 for none, or an error naming the field.
func (p *pack) lookup(list []*named, field, name string, d Date) (int, error) {
	if name == "" || name == None {
		return -1, nil
	}
	for i, n := range list {
		if n.name == name {
			if !n.span.in(d) {
				return 0, fieldErr(field, "%s: %q (%s) is not in force on %s; it applies from %s.", field, name, n.reason.Ref, d, n.span.from)
			}
			return i, nil
		}
	}
	return 0, errUnknownName(p, list, field, name)
}

// checkCounts rejects negative counts and missing or inconsistent counts
// for the window in force.
func checkCounts(in *Input, e *epoch) error {
	if in.YTD.PI|in.YTD.SPI|in.Exporter.PIProcessed|in.Data.AutoIndividuals < 0 {
		return errNegative(in)
	}
	if e.window == nil || !e.window.previousYear {
		return nil
	}
	prev := in.SincePrevYear
	switch {
	case prev == nil:
		return fieldErr("since_prev_year", "since_prev_year: required for a transfer dated %s: %s (%s)", in.Date, e.window.reason.Text, e.window.reason.Ref)
	case prev.PI < 0:
		return fieldErr("since_prev_year.pi", "since_prev_year.pi: %d is negative.", prev.PI)
	case prev.SPI < 0:
		return fieldErr("since_prev_year.spi", "since_prev_year.spi: %d is negative.", prev.SPI)
	case prev.PI < in.YTD.PI:
		return fieldErr("since_prev_year.pi", "since_prev_year.pi: %d is less than ytd.pi %d, but the window since 1 January of the previous year includes this year.", prev.PI, in.YTD.PI)
	case prev.SPI < in.YTD.SPI:
		return fieldErr("since_prev_year.spi", "since_prev_year.spi: %d is less than ytd.spi %d, but the window since 1 January of the previous year includes this year.", prev.SPI, in.YTD.SPI)
	}
	return nil
}

// errNegative names the first negative count of in.
func errNegative(in *Input) error {
	for _, c := range []struct {
		field string
		n     int64
	}{
		{"ytd.pi", in.YTD.PI}, {"ytd.spi", in.YTD.SPI},
		{"exporter.pi_processed", in.Exporter.PIProcessed},
		{"data.auto_individuals", in.Data.AutoIndividuals},
	} {
		if c.n < 0 {
			return fieldErr(c.field, "%s: %d is negative.", c.field, c.n)
		}
	}
	return nil
}

func (r *Rules) errRegion(region sluice.Region) error {
	var known []string
	for _, p := range r.packs {
		known = append(known, string(p.region))
	}
	switch {
	case region == "":
		return fieldErr("exporter.region", "exporter.region: required (one of %s).", strings.Join(known, ", "))
	case region.Validate() != nil:
		return fieldErr("exporter.region", "exporter.region: %q is not a region code (packs: %s).", region, strings.Join(known, ", "))
	}
	return &NoRulesError{Region: region, err: fieldErr("exporter.region",
		"exporter.region: no rule pack covers region %s, so sluice decides no transfer route for its data and applies no other region's rules (packs: %s).",
		region, strings.Join(known, ", "))}
}

// A NoRulesError says that no rule pack covers a well-formed region, such
// as US: sluice holds no transfer rules for its data and does not borrow
// another region's (PIPL or GDPR). [Rules.Decide], [Rules.CountingWindow]
// and [Rules.Limits] return it. It unwraps to an EINVALID *sluice.Error
// whose Field is "exporter.region", so callers that only look at sluice
// errors see a refusal; callers that want to tell the case apart use
// errors.As or [IsNoRules], or ask [Rules.Covers] first. Treat it as "no
// rules to apply here": record the transfer as undecided, or let the
// operator add a rule pack for the region; never fall back to another
// region's route.
type NoRulesError struct {
	Region sluice.Region
	err    *sluice.Error
}

// Error returns the message, which names the region.
func (e *NoRulesError) Error() string { return e.err.Message }

// Unwrap returns the EINVALID *sluice.Error.
func (e *NoRulesError) Unwrap() error { return e.err }

// IsNoRules reports whether err says that no rule pack covers a region.
func IsNoRules(err error) bool {
	var e *NoRulesError
	return errors.As(err, &e)
}

// Covers reports whether a rule pack covers region.
func (r *Rules) Covers(region sluice.Region) bool { return r.pack(region) != nil }

// errTooEarly reports a date before the region's rules begin. For CN that
// is 2022-09-01, when the Security Assessment Measures came into force:
// PIPL Art. 38 named the routes from 2021-11-01, but which route a transfer
// needed turned on volumes the CAC had not yet set, so sluice refuses to
// invent a decision for earlier dates rather than apply PIPL alone.
func errTooEarly(p *pack, d Date) error {
	return fieldErr("date", "date: no %s transfer rules in force before %s (%s is earlier). %s", p.region, p.span.from, d, p.reason.Text)
}

func errFuture(d Date, now time.Time) error {
	return fieldErr("date", "date: %s is in the future (today is %s UTC); decide transfers on their own day.", d, DateOf(now.UTC()))
}

func errCountry(code string) error {
	switch {
	case code == "":
		return fieldErr("recipient.country", "recipient.country: required (ISO 3166-1 alpha-2, e.g. US).")
	case countryCodeRE.MatchString(strings.ToUpper(code)) && !countryCodeRE.MatchString(code):
		return fieldErr("recipient.country", "recipient.country: %q must be upper case (%s).", code, strings.ToUpper(code))
	}
	return fieldErr("recipient.country", "recipient.country: %q is not an ISO 3166-1 alpha-2 country code.", code)
}

func errKind(kind string) error {
	return fieldErr("recipient.kind", "recipient.kind: %q is not one of %s.", kind, strings.Join(kinds[:], ", "))
}

func errUnknownName(p *pack, list []*named, field, name string) error {
	if len(list) == 0 {
		return fieldErr(field, "%s: region %s has no %ss; give %q or leave it out.", field, p.region, field, None)
	}
	known := []string{None}
	for _, n := range list {
		known = append(known, n.name)
	}
	return fieldErr(field, "%s: %q is not one of %s for region %s.", field, name, strings.Join(known, ", "), p.region)
}

// A Window is the period over which a region's rules count individuals on
// a given date.
type Window struct {
	From         Date    // first day counted: 1 January of the current or previous year
	PreviousYear bool    // counts run from 1 January of the previous year (O11)
	Reason       *Reason // the rule that sets the window
}

// CountingWindow returns the counting window in force on d for region, so
// that a server can count exported individuals the way the rules of that
// date count them. Regions without volume rules return ENOTFOUND.
func (r *Rules) CountingWindow(region sluice.Region, d Date) (Window, error) {
	p := r.pack(region)
	if p == nil {
		return Window{}, r.errRegion(region)
	}
	e := p.epochAt(d)
	if e == nil || e.window == nil {
		return Window{}, sluice.Errorf(sluice.ENOTFOUND, "No counting window for region %s on %s.", region, d)
	}
	year := d.Year()
	if e.window.previousYear {
		year--
	}
	return Window{From: MakeDate(year, time.January, 1), PreviousYear: e.window.previousYear, Reason: e.window.reason}, nil
}

// A Limit is a threshold on a counter with the route that applies once it
// is reached, for showing counters against their thresholds.
type Limit struct {
	Counter   string     `json:"counter"` // pi or spi (in the counting window), pi_processed, auto_individuals
	Threshold *Threshold `json:"threshold"`
	Route     Route      `json:"route"`
	Rule      *Reason    `json:"rule"`
}

// Limits returns, in rule order, the limits in force on d for region.
// A limit reached does not by itself decide the route: an earlier rule
// (an exemption, say) may apply first.
func (r *Rules) Limits(region sluice.Region, d Date) ([]Limit, error) {
	p := r.pack(region)
	if p == nil {
		return nil, r.errRegion(region)
	}
	e := p.epochAt(d)
	if e == nil {
		return nil, fieldErr("date", "date: no %s transfer rules in force on %s.", region, d)
	}
	var out []Limit
	for _, w := range e.rows {
		if w.cond.counter >= 0 {
			out = append(out, Limit{Counter: counterNames[w.cond.counter], Threshold: w.threshold, Route: w.route, Rule: w.reasons[0]})
		}
	}
	return out, nil
}

// String returns the decision in one line, for logs.
func (d Decision) String() string {
	var b strings.Builder
	b.WriteString(string(d.Route))
	for _, r := range d.Reasons {
		fmt.Fprintf(&b, " [%s: %s]", r.Rule, r.Ref)
	}
	return b.String()
}
