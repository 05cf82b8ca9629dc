package route

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/sluice-gateway/sluice"
)

// Rules is a loaded, validated and compiled rule set. It is immutable and
// safe for concurrent use.
type Rules struct {
	version      string
	hash         string
	instruments  map[string]*Instrument
	countries    map[string]*country
	byCode       [26 * 26]*country // countries by alpha-2 code, for lookups without hashing
	requirements map[string]*requirement
	thresholds   map[string]*threshold
	evidence     []*requirement // entries with an evidence role
	packs        []*pack
	cited        int // number of facts and derogations a rule can cite, each with an index
}

// An Instrument is a law, regulation, decision or treaty that rule entries
// cite by its short id.
type Instrument struct {
	ID            string     `json:"id"`
	Title         string     `json:"title"`
	EffectiveFrom Date       `json:"effective_from"`
	EffectiveTo   Date       `json:"effective_to,omitzero"`
	Confidence    Confidence `json:"confidence"`
}

// Version returns the version the rule files declare.
func (r *Rules) Version() string { return r.version }

// Hash returns "sha256:" and the hex SHA-256 of the rule files, so that an
// audit record can say exactly which rules decided.
func (r *Rules) Hash() string { return r.hash }

// Instrument returns the instrument with the given short id, or nil.
func (r *Rules) Instrument(id string) *Instrument { return r.instruments[id] }

// Regions returns the regions that have transfer rules, in load order.
func (r *Rules) Regions() []sluice.Region {
	out := make([]sluice.Region, len(r.packs))
	for i, p := range r.packs {
		out[i] = p.region
	}
	return out
}

// RouteText describes route in the words of region's rules, "" if the
// region does not use it.
func (r *Rules) RouteText(region sluice.Region, route Route) string {
	if p := r.pack(region); p != nil {
		return p.routeText[route]
	}
	return ""
}

// CountryName returns the name of the ISO 3166-1 alpha-2 code, "" if the
// code is unknown.
func (r *Rules) CountryName(code string) string {
	if c := r.countries[code]; c != nil {
		return c.name
	}
	return ""
}

// country returns the country with ISO code code, or nil.
func (r *Rules) country(code string) *country {
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return nil
	}
	return r.byCode[int(code[0]-'A')*26+int(code[1]-'A')]
}

func (r *Rules) pack(region sluice.Region) *pack {
	for _, p := range r.packs {
		if p.region == region {
			return p
		}
	}
	return nil
}

type requirement struct {
	Requirement
	span     span
	evidence string // evidenceValidity, evidenceRenewal or ""
}

// Evidence roles of requirement entries.
const (
	evidenceValidity     = "assessment_validity"
	evidenceRenewal      = "assessment_renewal"
	evidenceCertValidity = "certification_validity" // a PI protection certificate's validity
	evidenceScope        = "scope"                  // the rule that keeps an export within its approved scope
)

type threshold struct {
	Threshold
	span span
}

// A country is an ISO 3166-1 code with its EEA status and adequacy
// decisions over time.
type country struct {
	code, name string
	blocs      []*fact // periods in which it counts as EEA for GDPR transfers
	adequacy   []*fact // adequacy decisions
}

// A fact is a dated statement about a country, cited as a reason.
type fact struct {
	span    span
	partial bool // adequacy limited to a scope
	reason  *Reason
	index   int // in Rules.cited
}

// at returns the fact of list in force on d, or nil.
func at(list []*fact, d Date) *fact {
	for _, f := range list {
		if f.span.in(d) {
			return f
		}
	}
	return nil
}

// named is an exemption, derogation or safeguard.
type named struct {
	name   string
	span   span
	reason *Reason
	index  int    // in Rules.cited
	basis  string // exemptions: the legal basis claiming it implies, "" if none
}

type window struct {
	span         span
	previousYear bool
	reason       *Reason
}

// A pack is the transfer rules of one region.
type pack struct {
	region      sluice.Region
	span        span
	reason      *Reason
	domestic    []string
	routes      uint16 // route set
	routeText   map[Route]string
	exemptions  []*named
	derogations []*named
	safeguards  []*named
	// legalBases are the legal bases the region's rules know, empty if
	// they test none; consentBasis is the one that is consent.
	legalBases   []string
	consentBasis string
	windows      []*window
	epochs       []*epoch // consecutive, in date order
}

// An epoch is a period in which the same rules, thresholds and
// requirements are in force, compiled for decisions.
type epoch struct {
	span   span
	window *window
	rows   []*row
	common []*commonDef
}

// epochAt returns the epoch holding d, nil if none.
func (p *pack) epochAt(d Date) *epoch {
	for i := len(p.epochs) - 1; i >= 0; i-- {
		if e := p.epochs[i]; e.span.in(d) {
			return e
		} else if d > e.span.from {
			break
		}
	}
	return nil
}

// Rule citations.
const (
	citeCountry    = "country"    // the recipient country's EEA or adequacy fact
	citeDerogation = "derogation" // the derogation claimed
	citeExemption  = "exemption"  // the exemption claimed, when a rule overrides it
	citeSafeguard  = "safeguard"  // the safeguard relied on
)

// ruleDef is a validated rule before compilation.
type ruleDef struct {
	id       string
	span     span
	route    Route
	when     *rawWhen
	requires []*requirement
	cite     string
	text     string
	reason   *Reason // Text filled in by compile
}

type commonDef struct {
	req    *requirement
	when   *rawWhen
	cond   cond
	routes uint16
}

// A row is a rule compiled for one epoch.
type row struct {
	id          string
	route       Route
	routeBit    uint16
	cond        cond
	reasons     []*Reason
	cite        string
	catchAll    bool        // no condition
	threshold   *Threshold  // the threshold cond counts against, if any
	citeReasons [][]*Reason // by cited fact or derogation index: reasons followed by it
	variants    []variant   // one per mask of common requirements that can apply
}

// A variant is the requirement list of a row for one set of common
// requirements.
type variant struct {
	mask     uint32
	requires []*Requirement
}

// requires returns the row's requirements when the common requirements in
// mask apply. Rows have a handful of variants, so a scan beats a map.
func (w *row) requires(mask uint32) []*Requirement {
	for i := range w.variants {
		if w.variants[i].mask == mask {
			return w.variants[i].requires
		}
	}
	return nil // unreachable: compileRow covers every mask
}

// Facts as bits, for conditions.
const (
	bApproval uint32 = 1 << iota
	bCore
	bImportant
	bCreditAgency
	bCreditInfo
	bLicensed
	bPI
	bCIIO
	bStateOrgan
	bEEA
	bAdequate
	bDerogationClaimed
	bConsentBasis      // consent is the legal basis, or none is given
	bSafeguardClaimed  // an Art. 46 safeguard is relied on (EU)
	bNoSafeguardReason // the reason no safeguard is available is given (EU)
)

// Counters a condition can compare with a threshold.
const (
	cntPI              = iota // non-sensitive PI in the window in force
	cntSPI                    // sensitive PI in the window in force
	cntPIProcessed            // people whose PI the exporter processes
	cntAutoIndividuals        // automotive location/trajectory/exterior-image PI
	nCounters
)

var counterNames = [nCounters]string{"pi", "spi", "pi_processed", "auto_individuals"}

// facts are an Input reduced to what conditions test.
type facts struct {
	bools      uint32
	kind       int
	exemption  int // index into the pack's exemptions, -1 for none
	derogation int // index into the pack's derogations, -1 for none
	safeguard  int // index into the pack's safeguards, -1 for none
	sector     string
	counters   [nCounters]int64
	fact       *fact // the recipient country's EEA or adequacy fact
}

// A cond is a compiled condition: every part must hold.
type cond struct {
	set, clear    uint32 // fact bits that must be set, and clear
	kinds         uint32 // recipient kinds allowed; 0 = any
	exemptions    uint64 // exemptions of which one must be claimed; 0 = any
	exemptionsNot uint64 // exemptions none of which may be claimed
	derogations   uint64 // derogations of which one must be claimed; 0 = any
	safeguards    uint64 // safeguards of which one must be relied on; 0 = any
	sector        string // "" = any
	counter       int    // -1 = no count
	value         int64
	gt            bool
}

func (c *cond) match(f *facts) bool {
	if f.bools&c.set != c.set || f.bools&c.clear != 0 {
		return false
	}
	if c.kinds != 0 && c.kinds&(1<<f.kind) == 0 {
		return false
	}
	if c.exemptions != 0 && (f.exemption < 0 || c.exemptions&(1<<f.exemption) == 0) {
		return false
	}
	if c.exemptionsNot != 0 && f.exemption >= 0 && c.exemptionsNot&(1<<f.exemption) != 0 {
		return false
	}
	if c.derogations != 0 && (f.derogation < 0 || c.derogations&(1<<f.derogation) == 0) {
		return false
	}
	if c.safeguards != 0 && (f.safeguard < 0 || c.safeguards&(1<<f.safeguard) == 0) {
		return false
	}
	if c.sector != "" && c.sector != f.sector {
		return false
	}
	if c.counter >= 0 {
		n := f.counters[c.counter]
		if c.gt {
			return n > c.value
		}
		return n >= c.value
	}
	return true
}

// empty reports whether w has no condition at all.
func (w *rawWhen) empty() bool {
	b, _ := json.Marshal(w)
	return string(b) == "{}"
}

// parseWhen decodes and checks a condition; it is compiled per epoch.
// Common requirements may test only pi, consent_basis,
// no_safeguard_reason, safeguard_claimed, exemption, exemption_not,
// derogation and safeguard,
// so that every combination can be compiled in advance.
func (p *pack) parseWhen(raw json.RawMessage, r *Rules, common bool) (*rawWhen, error) {
	w := &rawWhen{}
	if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(w); err != nil {
			return nil, err
		}
	}
	if common {
		only := rawWhen{PI: w.PI, ConsentBasis: w.ConsentBasis, NoSafeguardReason: w.NoSafeguardReason, SafeguardClaimed: w.SafeguardClaimed,
			Exemption: w.Exemption, ExemptionNot: w.ExemptionNot, Derogation: w.Derogation, Safeguard: w.Safeguard,
			CreditInfo: w.CreditInfo, CreditAgency: w.CreditAgency}
		a, _ := json.Marshal(w)
		b, _ := json.Marshal(&only)
		if !bytes.Equal(a, b) {
			return nil, fmt.Errorf("common requirements may test only pi, consent_basis, no_safeguard_reason, safeguard_claimed, exemption, exemption_not, derogation, safeguard, credit_info and credit_agency")
		}
	}
	for _, k := range w.RecipientKind {
		if kindIndex(k) < 0 || k == "" {
			return nil, fmt.Errorf("unknown recipient kind %q", k)
		}
	}
	for _, list := range [][]string{w.Exemption, w.ExemptionNot} {
		for _, n := range list {
			if findNamed(p.exemptions, n) < 0 {
				return nil, fmt.Errorf("unknown exemption %q for region %s", n, p.region)
			}
		}
	}
	for _, n := range w.Derogation {
		if findNamed(p.derogations, n) < 0 {
			return nil, fmt.Errorf("unknown derogation %q for region %s", n, p.region)
		}
	}
	for _, n := range w.Safeguard {
		if findNamed(p.safeguards, n) < 0 {
			return nil, fmt.Errorf("unknown safeguard %q for region %s", n, p.region)
		}
	}
	if w.ConsentBasis != nil && p.consentBasis == "" {
		return nil, fmt.Errorf("consent_basis tested, but region %s names no consent basis", p.region)
	}
	if c := w.Count; c != nil {
		if counterIndex(c.Counter) < 0 {
			return nil, fmt.Errorf("unknown counter %q", c.Counter)
		}
		if r.thresholds[c.Threshold] == nil {
			return nil, fmt.Errorf("unknown threshold %q", c.Threshold)
		}
	}
	return w, nil
}

func counterIndex(name string) int {
	for i, n := range counterNames {
		if n == name {
			return i
		}
	}
	return -1
}

// compileCond turns w into a cond for the epoch starting on d.
func (p *pack) compileCond(w *rawWhen, r *Rules, d Date) (cond, error) {
	c := cond{counter: -1, sector: w.Sector}
	for _, b := range []struct {
		v   *bool
		bit uint32
	}{
		{w.ApprovalOnFile, bApproval}, {w.Core, bCore}, {w.Important, bImportant},
		{w.CreditAgency, bCreditAgency}, {w.CreditInfo, bCreditInfo}, {w.LicensedCreditAgency, bLicensed},
		{w.PI, bPI}, {w.CIIO, bCIIO}, {w.StateOrgan, bStateOrgan}, {w.EEA, bEEA}, {w.Adequate, bAdequate},
		{w.DerogationClaimed, bDerogationClaimed}, {w.ConsentBasis, bConsentBasis},
		{w.SafeguardClaimed, bSafeguardClaimed}, {w.NoSafeguardReason, bNoSafeguardReason},
	} {
		if b.v == nil {
			continue
		} else if *b.v {
			c.set |= b.bit
		} else {
			c.clear |= b.bit
		}
	}
	for _, k := range w.RecipientKind {
		c.kinds |= 1 << kindIndex(k)
	}
	for _, n := range w.Exemption {
		c.exemptions |= 1 << findNamed(p.exemptions, n)
	}
	for _, n := range w.ExemptionNot {
		c.exemptionsNot |= 1 << findNamed(p.exemptions, n)
	}
	for _, n := range w.Derogation {
		c.derogations |= 1 << findNamed(p.derogations, n)
	}
	for _, n := range w.Safeguard {
		c.safeguards |= 1 << findNamed(p.safeguards, n)
	}
	if w.Count != nil {
		t := r.thresholds[w.Count.Threshold]
		if !t.span.in(d) {
			return c, fmt.Errorf("threshold %q is not in force on %s", t.ID, d)
		}
		c.counter = counterIndex(w.Count.Counter)
		c.value, c.gt = t.Value, t.Op == "gt"
	}
	return c, nil
}

// compile splits the pack's period into epochs at every date on which a
// rule, threshold, requirement, window, exemption or derogation starts or
// ends, and compiles the rules in force in each.
func (p *pack) compile(r *Rules, file string, rules []*ruleDef, commons []*commonDef) error {
	cuts := map[Date]bool{p.span.from: true}
	add := func(s span) {
		cuts[s.from] = true
		if s.to != 0 {
			cuts[s.to+1] = true
		}
	}
	for _, d := range rules {
		add(d.span)
		for _, q := range d.requires {
			add(q.span)
		}
		if d.when.Count != nil {
			add(r.thresholds[d.when.Count.Threshold].span)
		}
	}
	for _, c := range commons {
		add(c.req.span)
	}
	for _, w := range p.windows {
		add(w.span)
	}
	for _, n := range p.exemptions {
		add(n.span)
	}
	for _, n := range p.derogations {
		add(n.span)
	}
	for _, n := range p.safeguards {
		add(n.span)
	}
	var starts []Date
	for d := range cuts {
		if d >= p.span.from && (p.span.to == 0 || d <= p.span.to) {
			starts = append(starts, d)
		}
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	for i, from := range starts {
		e := &epoch{span: span{from: from, to: p.span.to}}
		if i+1 < len(starts) {
			e.span.to = starts[i+1] - 1
		}
		for _, w := range p.windows {
			if w.span.in(from) {
				e.window = w
			}
		}
		for _, c := range commons {
			if c.req.span.in(from) {
				cc, err := p.compileCond(c.when, r, from)
				if err != nil {
					return &DataError{File: file, Entry: c.req.ID, Msg: "common: " + err.Error()}
				}
				e.common = append(e.common, &commonDef{req: c.req, when: c.when, cond: cc, routes: c.routes})
			}
		}
		if len(e.common) > 32 {
			return &DataError{File: file, Entry: p.reason.Rule, Msg: fmt.Sprintf("pack: %d common requirements in force on %s; at most 32", len(e.common), from)}
		}
		for _, d := range rules {
			if !d.span.in(from) {
				continue
			}
			w, err := p.compileRow(r, d, e, from)
			if err != nil {
				return &DataError{File: file, Entry: d.id, Msg: "rule: " + err.Error()}
			}
			e.rows = append(e.rows, w)
		}
		if len(e.rows) == 0 || !e.rows[len(e.rows)-1].catchAll {
			return &DataError{File: file, Entry: p.reason.Rule,
				Msg: fmt.Sprintf("pack: the last rule in force on %s must have an empty condition, so that every transfer gets a route", from)}
		}
		p.epochs = append(p.epochs, e)
	}
	return nil
}

func (p *pack) compileRow(r *Rules, d *ruleDef, e *epoch, from Date) (*row, error) {
	c, err := p.compileCond(d.when, r, from)
	if err != nil {
		return nil, err
	}
	reason := *d.reason
	reason.Text = d.text
	w := &row{id: d.id, route: d.route, routeBit: d.route.bit(), cond: c, cite: d.cite, catchAll: d.when.empty()}
	w.reasons = []*Reason{&reason}
	if d.when.Count != nil {
		w.threshold = &r.thresholds[d.when.Count.Threshold].Threshold
	}
	if c.counter == cntPI || c.counter == cntSPI {
		if e.window == nil {
			return nil, fmt.Errorf("counts %s but no counting window is in force on %s", counterNames[c.counter], from)
		}
		w.reasons = append(w.reasons, e.window.reason)
	}
	cite := func(index int, reason *Reason) {
		w.citeReasons[index] = append(append([]*Reason(nil), w.reasons...), reason)
	}
	switch d.cite {
	case citeCountry:
		w.citeReasons = make([][]*Reason, r.cited)
		for _, c := range r.countries {
			for _, f := range append(append([]*fact(nil), c.blocs...), c.adequacy...) {
				cite(f.index, f.reason)
			}
		}
	case citeDerogation, citeExemption, citeSafeguard:
		list := map[string][]*named{citeDerogation: p.derogations, citeExemption: p.exemptions, citeSafeguard: p.safeguards}[d.cite]
		w.citeReasons = make([][]*Reason, r.cited)
		for _, n := range list {
			cite(n.index, n.reason)
		}
	}

	// Requirements: the rule's own, then the common ones that apply, for
	// every combination of the facts common conditions may test.
	var own []*Requirement
	for _, q := range d.requires {
		if q.span.in(from) {
			own = append(own, &q.Requirement)
		}
	}
	for bits := uint32(0); bits < 32; bits++ {
		for ex := -1; ex < len(p.exemptions); ex++ {
			for dg := -1; dg < len(p.derogations); dg++ {
				for sg := -1; sg < len(p.safeguards); sg++ {
					f := facts{exemption: ex, derogation: dg, safeguard: sg,
						bools: flag(bits&1 != 0, bPI) | flag(bits&2 != 0, bConsentBasis) | flag(bits&4 != 0, bNoSafeguardReason) |
							flag(bits&8 != 0, bCreditInfo) | flag(bits&16 != 0, bCreditAgency) | flag(sg >= 0, bSafeguardClaimed)}
					mask := e.commonMask(w.routeBit, &f)
					if slices.ContainsFunc(w.variants, func(v variant) bool { return v.mask == mask }) {
						continue
					}
					reqs := append([]*Requirement{}, own...)
					for i, cd := range e.common {
						if mask&(1<<i) != 0 {
							reqs = append(reqs, &cd.req.Requirement)
						}
					}
					w.variants = append(w.variants, variant{mask, reqs})
				}
			}
		}
	}
	return w, nil
}

// commonMask returns the set of common requirements that apply to a
// decision for route bit rb on facts f.
func (e *epoch) commonMask(rb uint16, f *facts) uint32 {
	var mask uint32
	for i, c := range e.common {
		if c.routes&rb != 0 && c.cond.match(f) {
			mask |= 1 << i
		}
	}
	return mask
}
