package route

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/sluice-gateway/sluice"
)

// embedded holds the rule data shipped with sluice.
//
//go:embed rules/*.json
var embedded embed.FS

// SchemaVersion is the rule-data layout this package reads; every file
// states it in its "schema" field.
const SchemaVersion = 1

var defaultRules = sync.OnceValues(func() (*Rules, error) {
	sub, err := fs.Sub(embedded, "rules")
	if err != nil {
		return nil, err
	}
	return Load(sub)
})

// Default returns the rules embedded in sluice, loaded and validated once.
// It panics if they do not load, which a test of this package rules out.
func Default() *Rules {
	r, err := defaultRules()
	if err != nil {
		panic(err)
	}
	return r
}

// MustLoad is Load that panics on error, for tests and fixed rule sets.
func MustLoad(fsys fs.FS) *Rules {
	r, err := Load(fsys)
	if err != nil {
		panic(err)
	}
	return r
}

// Load reads every *.json file at the root of fsys, validates the rule set
// and compiles it for decisions. Errors are *[DataError]s naming the file
// and the entry at fault.
func Load(fsys fs.FS) (*Rules, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, &DataError{File: ".", Msg: "no *.json rule files"}
	}
	sort.Strings(names)
	l := &loader{ids: map[string]string{}}
	h := sha256.New()
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read route rules: %w", err)
		}
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write([]byte(name))
		h.Write(n[:])
		h.Write(b)
		if err := l.decode(name, b); err != nil {
			return nil, err
		}
	}
	r, err := l.build()
	if err != nil {
		return nil, err
	}
	r.hash = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return r, nil
}

// Raw forms of the rule files, as decoded from JSON.

type rawFile struct {
	Schema       int              `json:"schema"`
	Version      string           `json:"version"`
	Instruments  []rawInstrument  `json:"instruments"`
	ISO3166      *rawISO          `json:"iso3166"`
	Blocs        []rawBloc        `json:"blocs"`
	Adequacy     []rawAdequacy    `json:"adequacy"`
	Thresholds   []rawThreshold   `json:"thresholds"`
	Windows      []rawWindow      `json:"windows"`
	Exemptions   []rawExemption   `json:"exemptions"`
	Derogations  []rawExemption   `json:"derogations"`
	Safeguards   []rawExemption   `json:"safeguards"`
	Requirements []rawRequirement `json:"requirements"`
	Pack         *rawPack         `json:"pack"`
}

type rawInstrument struct {
	ID            string     `json:"id"`
	Title         string     `json:"title"`
	EffectiveFrom Date       `json:"effective_from"`
	EffectiveTo   *Date      `json:"effective_to"`
	Confidence    Confidence `json:"confidence"`
}

type rawRef struct {
	Instrument string `json:"instrument"`
	Article    string `json:"article"`
}

// rawMeta is what every rule entry carries.
type rawMeta struct {
	ID            string     `json:"id"`
	Instrument    string     `json:"instrument"`
	Article       string     `json:"article"`
	SeeAlso       []rawRef   `json:"see_also"`
	Confidence    Confidence `json:"confidence"`
	EffectiveFrom Date       `json:"effective_from"`
	EffectiveTo   *Date      `json:"effective_to"`
	Text          string     `json:"text"`
}

type rawISO struct {
	rawMeta
	Codes map[string]string `json:"codes"`
}

type rawBloc struct {
	rawMeta
	Country string `json:"country"`
	Bloc    string `json:"bloc"`
}

type rawAdequacy struct {
	rawMeta
	Country  string `json:"country"`
	Decision string `json:"decision"`
	Decided  Date   `json:"decided"`
	Partial  bool   `json:"partial"`
	Scope    string `json:"scope"`
}

type rawThreshold struct {
	rawMeta
	Value int64  `json:"value"`
	Op    string `json:"op"`
	Unit  string `json:"unit"`
}

type rawWindow struct {
	rawMeta
	Region sluice.Region `json:"region"`
	Window string        `json:"window"`
}

type rawExemption struct {
	rawMeta
	Name   string        `json:"name"`
	Region sluice.Region `json:"region"`
	// Basis, for an exemption, is the legal basis that claiming it implies
	// when the input names none (O16 Art. 5: contract, hr, emergency).
	Basis string `json:"basis"`
}

type rawDeadline struct {
	Amount   int    `json:"amount"`
	Unit     string `json:"unit"`
	Relation string `json:"relation"`
	Anchor   string `json:"anchor"`
}

type rawRequirement struct {
	rawMeta
	Evidence string       `json:"evidence"`
	Deadline *rawDeadline `json:"deadline"`
}

type rawRouteText struct {
	Route Route  `json:"route"`
	Text  string `json:"text"`
}

type rawRule struct {
	rawMeta
	Route    Route           `json:"route"`
	When     json.RawMessage `json:"when"`
	Requires []string        `json:"requires"`
	Cite     string          `json:"cite"`
}

type rawCommon struct {
	Requirement string          `json:"requirement"`
	When        json.RawMessage `json:"when"`
	Routes      []Route         `json:"routes"`
}

type rawPack struct {
	rawMeta
	Region   sluice.Region  `json:"region"`
	Domestic []string       `json:"domestic"`
	Routes   []rawRouteText `json:"routes"`
	Rules    []rawRule      `json:"rules"`
	Common   []rawCommon    `json:"common"`
	// LegalBases are the legal bases an input may name for the region;
	// empty means the region's rules test none and any name is accepted.
	LegalBases []string `json:"legal_bases"`
	// ConsentBasis is the one of LegalBases that is consent.
	ConsentBasis string `json:"consent_basis"`
}

// rawWhen is a rule's condition: every key given must hold.
type rawWhen struct {
	RecipientKind        []string  `json:"recipient_kind,omitempty"`
	ApprovalOnFile       *bool     `json:"approval_on_file,omitempty"`
	Core                 *bool     `json:"core,omitempty"`
	Important            *bool     `json:"important,omitempty"`
	CreditAgency         *bool     `json:"credit_agency,omitempty"`
	CreditInfo           *bool     `json:"credit_info,omitempty"`
	LicensedCreditAgency *bool     `json:"licensed_credit_agency,omitempty"`
	PI                   *bool     `json:"pi,omitempty"`
	CIIO                 *bool     `json:"ciio,omitempty"`
	StateOrgan           *bool     `json:"state_organ,omitempty"`
	EEA                  *bool     `json:"eea,omitempty"`
	Adequate             *bool     `json:"adequate,omitempty"`
	DerogationClaimed    *bool     `json:"derogation_claimed,omitempty"`
	ConsentBasis         *bool     `json:"consent_basis,omitempty"`
	SafeguardClaimed     *bool     `json:"safeguard_claimed,omitempty"`
	NoSafeguardReason    *bool     `json:"no_safeguard_reason,omitempty"`
	Sector               string    `json:"sector,omitempty"`
	Exemption            []string  `json:"exemption,omitempty"`
	ExemptionNot         []string  `json:"exemption_not,omitempty"`
	Derogation           []string  `json:"derogation,omitempty"`
	Safeguard            []string  `json:"safeguard,omitempty"`
	Count                *rawCount `json:"count,omitempty"`
}

type rawCount struct {
	Counter   string `json:"counter"`
	Threshold string `json:"threshold"`
}

// src is a decoded entry with the file it came from.
type src[T any] struct {
	file string
	v    *T
}

// loader gathers the entries of every file before validation.
type loader struct {
	version      string
	versionFile  string
	ids          map[string]string // entry id -> file, for uniqueness
	instruments  []src[rawInstrument]
	iso          []src[rawISO]
	blocs        []src[rawBloc]
	adequacy     []src[rawAdequacy]
	thresholds   []src[rawThreshold]
	windows      []src[rawWindow]
	exemptions   []src[rawExemption]
	derogations  []src[rawExemption]
	safeguards   []src[rawExemption]
	requirements []src[rawRequirement]
	packs        []src[rawPack]
}

func (l *loader) decode(name string, b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f rawFile
	if err := dec.Decode(&f); err != nil {
		return &DataError{File: name, Msg: err.Error()}
	}
	if dec.More() {
		return &DataError{File: name, Msg: "more than one JSON value"}
	}
	if f.Schema != SchemaVersion {
		return &DataError{File: name, Msg: fmt.Sprintf("schema %d, want %d", f.Schema, SchemaVersion)}
	}
	if f.Version == "" {
		return &DataError{File: name, Msg: "no version"}
	}
	if l.version == "" {
		l.version, l.versionFile = f.Version, name
	} else if f.Version != l.version {
		return &DataError{File: name, Msg: fmt.Sprintf("version %q differs from %q in %s", f.Version, l.version, l.versionFile)}
	}
	for i := range f.Instruments {
		l.instruments = append(l.instruments, src[rawInstrument]{name, &f.Instruments[i]})
	}
	if f.ISO3166 != nil {
		l.iso = append(l.iso, src[rawISO]{name, f.ISO3166})
	}
	for i := range f.Blocs {
		l.blocs = append(l.blocs, src[rawBloc]{name, &f.Blocs[i]})
	}
	for i := range f.Adequacy {
		l.adequacy = append(l.adequacy, src[rawAdequacy]{name, &f.Adequacy[i]})
	}
	for i := range f.Thresholds {
		l.thresholds = append(l.thresholds, src[rawThreshold]{name, &f.Thresholds[i]})
	}
	for i := range f.Windows {
		l.windows = append(l.windows, src[rawWindow]{name, &f.Windows[i]})
	}
	for i := range f.Exemptions {
		l.exemptions = append(l.exemptions, src[rawExemption]{name, &f.Exemptions[i]})
	}
	for i := range f.Derogations {
		l.derogations = append(l.derogations, src[rawExemption]{name, &f.Derogations[i]})
	}
	for i := range f.Safeguards {
		l.safeguards = append(l.safeguards, src[rawExemption]{name, &f.Safeguards[i]})
	}
	for i := range f.Requirements {
		l.requirements = append(l.requirements, src[rawRequirement]{name, &f.Requirements[i]})
	}
	if f.Pack != nil {
		l.packs = append(l.packs, src[rawPack]{name, f.Pack})
	}
	return nil
}

// span is the period an entry is in force: from From to To inclusive; a
// zero To is open-ended.
type span struct{ from, to Date }

func (s span) in(d Date) bool { return s.from <= d && (s.to == 0 || d <= s.to) }

func (s span) overlaps(o span) bool {
	return (s.to == 0 || o.from <= s.to) && (o.to == 0 || s.from <= o.to)
}

// meta validates the fields every entry carries and returns its span and
// its legal reference. The id must be unique across the rule set.
func (l *loader) meta(file string, m *rawMeta, kind string, r *Rules) (span, string, error) {
	bad := func(format string, args ...any) error {
		return &DataError{File: file, Entry: m.ID, Msg: kind + ": " + fmt.Sprintf(format, args...)}
	}
	if m.ID == "" {
		return span{}, "", &DataError{File: file, Msg: kind + " without an id"}
	}
	if other, dup := l.ids[m.ID]; dup {
		return span{}, "", bad("id already used in %s", other)
	}
	l.ids[m.ID] = file
	if _, ok := r.instruments[m.Instrument]; !ok {
		return span{}, "", bad("unknown instrument %q", m.Instrument)
	}
	if m.Article == "" {
		return span{}, "", bad("no article")
	}
	if !m.Confidence.valid() {
		return span{}, "", bad("confidence %q is not checked, summary or unverified", m.Confidence)
	}
	if m.EffectiveFrom == 0 {
		return span{}, "", bad("no effective_from")
	}
	s := span{from: m.EffectiveFrom}
	if m.EffectiveTo != nil {
		s.to = *m.EffectiveTo
		if s.to < s.from {
			return span{}, "", bad("effective_to %s is before effective_from %s", s.to, s.from)
		}
	}
	if strings.TrimSpace(m.Text) == "" {
		return span{}, "", bad("no text")
	}
	refs := []string{m.Instrument + " " + m.Article}
	for _, a := range m.SeeAlso {
		if _, ok := r.instruments[a.Instrument]; !ok {
			return span{}, "", bad("see_also: unknown instrument %q", a.Instrument)
		}
		if a.Article == "" {
			return span{}, "", bad("see_also %s: no article", a.Instrument)
		}
		refs = append(refs, a.Instrument+" "+a.Article)
	}
	return s, strings.Join(refs, "; "), nil
}

var (
	countryCodeRE = regexp.MustCompile(`^[A-Z]{2}$`)
	nameRE        = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	placeholderRE = regexp.MustCompile(`\{([a-z0-9_.]+)\}`)
)

// build validates the gathered entries and compiles them.
func (l *loader) build() (*Rules, error) {
	r := &Rules{
		version:      l.version,
		instruments:  map[string]*Instrument{},
		countries:    map[string]*country{},
		requirements: map[string]*requirement{},
		thresholds:   map[string]*threshold{},
	}
	for _, s := range l.instruments {
		in := s.v
		bad := func(msg string) error { return &DataError{File: s.file, Entry: in.ID, Msg: "instrument: " + msg} }
		switch {
		case in.ID == "":
			return nil, &DataError{File: s.file, Msg: "instrument without an id"}
		case r.instruments[in.ID] != nil:
			return nil, bad("defined twice")
		case in.Title == "":
			return nil, bad("no title")
		case in.EffectiveFrom == 0:
			return nil, bad("no effective_from")
		case !in.Confidence.valid():
			return nil, bad(fmt.Sprintf("confidence %q is not checked, summary or unverified", in.Confidence))
		}
		x := &Instrument{ID: in.ID, Title: in.Title, EffectiveFrom: in.EffectiveFrom, Confidence: in.Confidence}
		if in.EffectiveTo != nil {
			x.EffectiveTo = *in.EffectiveTo
		}
		r.instruments[in.ID] = x
	}
	if err := l.buildCountries(r); err != nil {
		return nil, err
	}
	if err := l.buildThresholds(r); err != nil {
		return nil, err
	}
	if err := l.buildRequirements(r); err != nil {
		return nil, err
	}
	if len(l.packs) == 0 {
		return nil, &DataError{File: ".", Msg: "no pack of transfer rules"}
	}
	for _, s := range l.packs {
		p, err := l.buildPack(r, s)
		if err != nil {
			return nil, err
		}
		r.packs = append(r.packs, p)
	}
	// Windows, exemptions and derogations must belong to a pack's region.
	for _, s := range l.windows {
		if r.pack(s.v.Region) == nil {
			return nil, &DataError{File: s.file, Entry: s.v.ID, Msg: fmt.Sprintf("window: no pack for region %q", s.v.Region)}
		}
	}
	for _, list := range [][]src[rawExemption]{l.exemptions, l.derogations, l.safeguards} {
		for _, s := range list {
			if r.pack(s.v.Region) == nil {
				return nil, &DataError{File: s.file, Entry: s.v.ID, Msg: fmt.Sprintf("exemption: no pack for region %q", s.v.Region)}
			}
		}
	}
	return r, nil
}

func (l *loader) buildCountries(r *Rules) error {
	if len(l.iso) != 1 {
		return &DataError{File: ".", Msg: fmt.Sprintf("want one iso3166 country list, have %d", len(l.iso))}
	}
	iso := l.iso[0]
	if _, _, err := l.meta(iso.file, &iso.v.rawMeta, "country list", r); err != nil {
		return err
	}
	for code, name := range iso.v.Codes {
		if !countryCodeRE.MatchString(code) || strings.TrimSpace(name) == "" {
			return &DataError{File: iso.file, Entry: iso.v.ID, Msg: fmt.Sprintf("country list: bad entry %q: %q", code, name)}
		}
		c := &country{code: code, name: name}
		r.countries[code] = c
		r.byCode[int(code[0]-'A')*26+int(code[1]-'A')] = c
	}
	for _, s := range l.blocs {
		b := s.v
		sp, ref, err := l.meta(s.file, &b.rawMeta, "bloc", r)
		if err != nil {
			return err
		}
		c := r.countries[b.Country]
		switch {
		case c == nil:
			return &DataError{File: s.file, Entry: b.ID, Msg: fmt.Sprintf("bloc: unknown country %q", b.Country)}
		case b.Bloc == "":
			return &DataError{File: s.file, Entry: b.ID, Msg: "bloc: no bloc"}
		}
		f := &fact{span: sp, index: r.cited, reason: &Reason{Rule: b.ID, Ref: ref, Text: b.Text, Confidence: b.Confidence}}
		r.cited++
		if o := overlapping(c.blocs, sp); o != nil {
			return &DataError{File: s.file, Entry: b.ID, Msg: fmt.Sprintf("bloc: in force at the same time as %q", o.reason.Rule)}
		}
		c.blocs = append(c.blocs, f)
	}
	for _, s := range l.adequacy {
		a := s.v
		sp, ref, err := l.meta(s.file, &a.rawMeta, "adequacy", r)
		if err != nil {
			return err
		}
		bad := func(format string, args ...any) error {
			return &DataError{File: s.file, Entry: a.ID, Msg: "adequacy: " + fmt.Sprintf(format, args...)}
		}
		c := r.countries[a.Country]
		switch {
		case c == nil:
			return bad("unknown country %q", a.Country)
		case a.Decision == "":
			return bad("no decision")
		case a.Decided == 0:
			return bad("no decided date")
		case a.Partial != (a.Scope != ""):
			return bad("partial must be true exactly when a scope is given")
		}
		f := &fact{span: sp, partial: a.Partial, index: r.cited, reason: &Reason{Rule: a.ID, Ref: ref + "; " + a.Decision, Text: a.Text, Confidence: a.Confidence}}
		r.cited++
		if o := overlapping(c.adequacy, sp); o != nil {
			return bad("in force at the same time as %q", o.reason.Rule)
		}
		if o := overlapping(c.blocs, sp); o != nil {
			return bad("in force while the country counts as EEA (%q)", o.reason.Rule)
		}
		c.adequacy = append(c.adequacy, f)
	}
	return nil
}

func overlapping(list []*fact, s span) *fact {
	for _, f := range list {
		if f.span.overlaps(s) {
			return f
		}
	}
	return nil
}

func (l *loader) buildThresholds(r *Rules) error {
	for _, s := range l.thresholds {
		t := s.v
		sp, ref, err := l.meta(s.file, &t.rawMeta, "threshold", r)
		if err != nil {
			return err
		}
		bad := func(format string, args ...any) error {
			return &DataError{File: s.file, Entry: t.ID, Msg: "threshold: " + fmt.Sprintf(format, args...)}
		}
		switch {
		case t.Value < 1:
			return bad("value %d is below 1", t.Value)
		case t.Op != "gte" && t.Op != "gt":
			return bad("op %q is not gte or gt", t.Op)
		case t.Unit == "":
			return bad("no unit")
		}
		r.thresholds[t.ID] = &threshold{span: sp, Threshold: Threshold{
			ID: t.ID, Value: t.Value, Op: t.Op, Unit: t.Unit, Ref: ref, Text: t.Text, Confidence: t.Confidence,
		}}
	}
	return nil
}

func (l *loader) buildRequirements(r *Rules) error {
	for _, s := range l.requirements {
		q := s.v
		sp, ref, err := l.meta(s.file, &q.rawMeta, "requirement", r)
		if err != nil {
			return err
		}
		bad := func(format string, args ...any) error {
			return &DataError{File: s.file, Entry: q.ID, Msg: "requirement: " + fmt.Sprintf(format, args...)}
		}
		req := &requirement{span: sp, evidence: q.Evidence, Requirement: Requirement{
			ID: q.ID, Text: q.Text, Ref: ref, Confidence: q.Confidence,
		}}
		if d := q.Deadline; d != nil {
			dl := &Deadline{Amount: d.Amount, Unit: d.Unit, Relation: d.Relation, Anchor: d.Anchor}
			switch {
			case d.Anchor == "":
				return bad("deadline without an anchor")
			case d.Relation == RelBefore:
				if d.Amount != 0 || d.Unit != "" {
					return bad("a %q deadline takes no amount or unit", RelBefore)
				}
			case d.Relation != RelWithinAfter && d.Relation != RelValidFor && d.Relation != RelWindowBefore && d.Relation != RelNoLaterThanBefore:
				return bad("deadline relation %q is unknown", d.Relation)
			case d.Amount < 1:
				return bad("deadline amount %d is below 1", d.Amount)
			case d.Unit != UnitWorkingDays && d.Unit != UnitDays && d.Unit != UnitMonths && d.Unit != UnitYears:
				return bad("deadline unit %q is unknown", d.Unit)
			}
			dl.Text = dl.describe()
			req.Deadline = dl
		}
		switch q.Evidence {
		case "":
		case evidenceValidity:
			if req.Deadline == nil || req.Deadline.Relation != RelValidFor {
				return bad("an %s entry needs a valid_for deadline", q.Evidence)
			}
		case evidenceRenewal:
			if req.Deadline == nil || (req.Deadline.Relation != RelWindowBefore && req.Deadline.Relation != RelNoLaterThanBefore) {
				return bad("an %s entry needs a window_before or no_later_than_before deadline", q.Evidence)
			}
		case evidenceCertValidity, evidenceScope:
			if q.Evidence == evidenceCertValidity && (req.Deadline == nil || req.Deadline.Relation != RelValidFor) {
				return bad("an %s entry needs a valid_for deadline", q.Evidence)
			}
		default:
			return bad("evidence %q is unknown", q.Evidence)
		}
		if q.Evidence != "" {
			for _, o := range r.evidence {
				if o.evidence == q.Evidence && o.span.overlaps(sp) {
					return bad("in force at the same time as %q", o.ID)
				}
			}
			r.evidence = append(r.evidence, req)
		}
		r.requirements[q.ID] = req
	}
	return nil
}

func (l *loader) buildPack(r *Rules, s src[rawPack]) (*pack, error) {
	rp := s.v
	sp, ref, err := l.meta(s.file, &rp.rawMeta, "pack", r)
	if err != nil {
		return nil, err
	}
	bad := func(entry, format string, args ...any) error {
		return &DataError{File: s.file, Entry: entry, Msg: fmt.Sprintf(format, args...)}
	}
	if err := rp.Region.Validate(); err != nil {
		return nil, bad(rp.ID, "pack: %s", sluice.ErrorMessage(err))
	}
	if r.pack(rp.Region) != nil {
		return nil, bad(rp.ID, "pack: a second pack for region %s", rp.Region)
	}
	p := &pack{
		region:    rp.Region,
		span:      sp,
		reason:    &Reason{Rule: rp.ID, Ref: ref, Text: rp.Text, Confidence: rp.Confidence},
		routeText: map[Route]string{},
	}
	for _, code := range rp.Domestic {
		if r.countries[code] == nil {
			return nil, bad(rp.ID, "pack: unknown domestic country %q", code)
		}
		p.domestic = append(p.domestic, code)
	}
	for _, b := range rp.LegalBases {
		if !nameRE.MatchString(b) || slices.Contains(p.legalBases, b) {
			return nil, bad(rp.ID, "pack: bad or repeated legal basis %q", b)
		}
		p.legalBases = append(p.legalBases, b)
	}
	if rp.ConsentBasis != "" && !slices.Contains(p.legalBases, rp.ConsentBasis) {
		return nil, bad(rp.ID, "pack: consent_basis %q is not one of legal_bases", rp.ConsentBasis)
	}
	p.consentBasis = rp.ConsentBasis
	for _, rt := range rp.Routes {
		switch {
		case rt.Route.bit() == 0:
			return nil, bad(rp.ID, "pack: unknown route %q", rt.Route)
		case p.routes&rt.Route.bit() != 0:
			return nil, bad(rp.ID, "pack: route %q listed twice", rt.Route)
		case rt.Text == "":
			return nil, bad(rp.ID, "pack: route %q has no text", rt.Route)
		}
		p.routes |= rt.Route.bit()
		p.routeText[rt.Route] = rt.Text
	}

	// Exemptions, derogations and safeguards of the region, each with a
	// fixed index.
	for _, pair := range []struct {
		list []src[rawExemption]
		dst  *[]*named
		kind string
	}{{l.exemptions, &p.exemptions, "exemption"}, {l.derogations, &p.derogations, "derogation"}, {l.safeguards, &p.safeguards, "safeguard"}} {
		for _, es := range pair.list {
			e := es.v
			if e.Region != p.region {
				continue
			}
			esp, eref, err := l.meta(es.file, &e.rawMeta, pair.kind, r)
			if err != nil {
				return nil, err
			}
			switch {
			case !nameRE.MatchString(e.Name) || e.Name == None:
				return nil, &DataError{File: es.file, Entry: e.ID, Msg: fmt.Sprintf("%s: bad name %q", pair.kind, e.Name)}
			case findNamed(*pair.dst, e.Name) >= 0:
				return nil, &DataError{File: es.file, Entry: e.ID, Msg: fmt.Sprintf("%s: name %q used twice in region %s", pair.kind, e.Name, p.region)}
			case len(*pair.dst) == 64:
				return nil, &DataError{File: es.file, Entry: e.ID, Msg: fmt.Sprintf("%s: more than 64 in region %s", pair.kind, p.region)}
			case e.Basis != "" && (pair.kind != "exemption" || !slices.Contains(p.legalBases, e.Basis)):
				return nil, &DataError{File: es.file, Entry: e.ID, Msg: fmt.Sprintf("%s: basis %q is not a legal basis of region %s", pair.kind, e.Basis, p.region)}
			}
			*pair.dst = append(*pair.dst, &named{name: e.Name, span: esp, index: r.cited, basis: e.Basis,
				reason: &Reason{Rule: e.ID, Ref: eref, Text: e.Text, Confidence: e.Confidence}})
			r.cited++
		}
	}

	for _, ws := range l.windows {
		w := ws.v
		if w.Region != p.region {
			continue
		}
		wsp, wref, err := l.meta(ws.file, &w.rawMeta, "window", r)
		if err != nil {
			return nil, err
		}
		if w.Window != "current_year" && w.Window != "previous_year" {
			return nil, &DataError{File: ws.file, Entry: w.ID, Msg: fmt.Sprintf("window: %q is not current_year or previous_year", w.Window)}
		}
		for _, o := range p.windows {
			if o.span.overlaps(wsp) {
				return nil, &DataError{File: ws.file, Entry: w.ID, Msg: fmt.Sprintf("window: in force at the same time as %q", o.reason.Rule)}
			}
		}
		p.windows = append(p.windows, &window{span: wsp, previousYear: w.Window == "previous_year",
			reason: &Reason{Rule: w.ID, Ref: wref, Text: w.Text, Confidence: w.Confidence}})
	}

	// Rules and common requirements, validated here, compiled per epoch.
	var rules []*ruleDef
	for i := range rp.Rules {
		rr := &rp.Rules[i]
		rsp, rref, err := l.meta(s.file, &rr.rawMeta, "rule", r)
		if err != nil {
			return nil, err
		}
		d := &ruleDef{id: rr.ID, span: rsp, route: rr.Route, cite: rr.Cite, text: rr.Text}
		d.reason = &Reason{Rule: rr.ID, Ref: rref, Confidence: rr.Confidence}
		if p.routes&rr.Route.bit() == 0 {
			return nil, bad(rr.ID, "rule: route %q is not one of the pack's routes", rr.Route)
		}
		switch rr.Cite {
		case "", citeCountry, citeDerogation, citeExemption, citeSafeguard:
		default:
			return nil, bad(rr.ID, "rule: cite %q is not country, derogation, exemption or safeguard", rr.Cite)
		}
		if d.when, err = p.parseWhen(rr.When, r, false); err != nil {
			return nil, bad(rr.ID, "rule: when: %s", err)
		}
		for _, id := range rr.Requires {
			q := r.requirements[id]
			if q == nil {
				return nil, bad(rr.ID, "rule: unknown requirement %q", id)
			}
			d.requires = append(d.requires, q)
		}
		if d.text, err = expand(rr.Text, r); err != nil {
			return nil, bad(rr.ID, "rule: text: %s", err)
		}
		rules = append(rules, d)
	}
	var commons []*commonDef
	for i := range rp.Common {
		rc := &rp.Common[i]
		q := r.requirements[rc.Requirement]
		if q == nil {
			return nil, bad(rp.ID, "common: unknown requirement %q", rc.Requirement)
		}
		c := &commonDef{req: q}
		for _, rt := range rc.Routes {
			if p.routes&rt.bit() == 0 {
				return nil, bad(rc.Requirement, "common: route %q is not one of the pack's routes", rt)
			}
			c.routes |= rt.bit()
		}
		if c.routes == 0 {
			return nil, bad(rc.Requirement, "common: no routes")
		}
		if c.when, err = p.parseWhen(rc.When, r, true); err != nil {
			return nil, bad(rc.Requirement, "common: when: %s", err)
		}
		commons = append(commons, c)
	}
	if err := p.compile(r, s.file, rules, commons); err != nil {
		return nil, err
	}
	return p, nil
}

// expand replaces each {threshold-id} in text with the threshold's value,
// written with thousands separators.
func expand(text string, r *Rules) (string, error) {
	var err error
	out := placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		id := m[1 : len(m)-1]
		t := r.thresholds[id]
		if t == nil {
			err = fmt.Errorf("unknown threshold %q", id)
			return m
		}
		return thousands(t.Value)
	})
	return out, err
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func findNamed(list []*named, name string) int {
	for i, n := range list {
		if n.name == name {
			return i
		}
	}
	return -1
}
