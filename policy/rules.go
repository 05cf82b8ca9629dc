package policy

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
)

//go:embed rules/sharing.json
var sharingJSON []byte

// A Confidence says how well a rule was checked against the law's text.
type Confidence string

// Confidence levels (✔, ◐ and ○ in the rule notes).
const (
	Checked    Confidence = "checked"    // against the full text of the instrument
	Summary    Confidence = "summary"    // against an official summary or a secondary report
	Unverified Confidence = "unverified" // from memory or one unofficial source
)

// A Rule is one legal rule as the rule file states it. Decisions point at
// the rules that made them, so every answer carries its legal reference.
type Rule struct {
	ID            string     `json:"id"`
	Instrument    string     `json:"instrument"`
	Article       string     `json:"article"`
	Confidence    Confidence `json:"confidence"`
	EffectiveFrom string     `json:"effective_from"`
	EffectiveTo   string     `json:"effective_to,omitempty"`
	Reason        string     `json:"reason,omitempty"`
	Note          string     `json:"note,omitempty"`
}

// Ref returns the legal reference, e.g. "PIPL Art. 23".
func (r *Rule) Ref() string {
	if r == nil {
		return ""
	}
	return r.Instrument + " " + r.Article
}

// A LegalBasis is a legal basis of a regime, and whether it rests on the
// subject's consent.
type LegalBasis struct {
	Rule
	Regime       string `json:"regime"`
	Basis        Basis  `json:"basis"`
	NeedsConsent bool   `json:"needs_consent"`
}

// A ConsentTrigger is a processing that needs separate consent.
type ConsentTrigger struct {
	Rule
	Trigger string `json:"trigger"`
	RuleID  string `json:"rule,omitempty"` // decision rule applied for this trigger, if reads use it
}

// An AuthorityRule decides requests of authorities of some kinds.
type AuthorityRule struct {
	Rule
	Kinds        []sluice.OrgKind `json:"kinds"`
	Regime       string           `json:"regime"`
	Basis        Basis            `json:"basis,omitempty"`
	Outcome      string           `json:"outcome"` // deny_unless_approved | allow_on_written_request
	RuleID       string           `json:"rule"`
	ApprovedRule string           `json:"approved_rule,omitempty"`
	MissingRule  string           `json:"missing_rule,omitempty"`
}

// Authority outcomes.
const (
	OutcomeDenyUnlessApproved    = "deny_unless_approved"
	OutcomeAllowOnWrittenRequest = "allow_on_written_request"
)

// An OperatorDefault is the de-identification operator for a data category
// and, unless a more specific key has its own, for the keys below it. Its
// rule ID is "op." and the category ("op.fallback" for the operator of
// personal data with no listed category).
type OperatorDefault struct {
	Rule
	Category string `json:"category"`
	Op       Op     `json:"op"`
}

// A RegimeRule names the legal regime that governs data of a region.
type RegimeRule struct {
	Rule
	Region sluice.Region `json:"region"` // "*" for every region not listed
	Regime string        `json:"regime"`
}

// Regimes.
const (
	RegimePIPL = "pipl"
	RegimeGDPR = "gdpr"
)

type deidentifyRule struct {
	Rule
	Default    bool   `json:"default"`
	RuleID     string `json:"rule"`
	FallbackOp Op     `json:"fallback_op"`
}

type sharingFile struct {
	Version          string            `json:"version"`
	Description      string            `json:"description"`
	Regimes          []RegimeRule      `json:"regimes"`
	Rules            []Rule            `json:"rules"`
	LegalBases       []LegalBasis      `json:"legal_bases"`
	SeparateConsent  []ConsentTrigger  `json:"separate_consent"`
	Authority        []AuthorityRule   `json:"authority"`
	Deidentify       deidentifyRule    `json:"deidentify"`
	OperatorDefaults []OperatorDefault `json:"operators"`
	// Special categories of personal data (GDPR Arts. 9–10) and the
	// conditions that lift their prohibition: see special.go.
	SpecialCategories []SpecialCategory  `json:"special_categories"`
	SpecialConditions []SpecialCondition `json:"special_category_conditions"`
	// Children's data (PIPL Arts. 28, 31): see minors.go.
	Minors MinorsRule `json:"minors"`
	// The platform-to-lender flow rule for credit information: credit.go.
	CreditFlow CreditFlowRule `json:"credit_flow"`
	// What some sectors may never collect: ingest.go.
	Prohibited []ProhibitedCollection `json:"prohibited_collection"`
	// Data given to another only on written consent: written.go.
	WrittenConsent WrittenConsentRule `json:"written_consent"`
}

// SharingRules are the legal rules of governed sharing, loaded from a rule
// file and checked. They are immutable once loaded and safe for concurrent
// use.
type SharingRules struct {
	// Version is the rule file's version and Hash the SHA-256 of its bytes
	// (hex), for audit events that cite the rules in force.
	Version string
	Hash    string

	file     sharingFile
	byID     map[string]*Rule
	regimes  map[sluice.Region]uint8
	fallback uint8 // regime of regions not listed
	bases    map[basisKey]*LegalBasis
	// Scanned on the hot path: a few string compares beat hashing.
	regimeList []regionRegime
	basisList  [2][]*LegalBasis
	triggers   map[string]*ConsentTrigger
	ops        map[string]*OperatorDefault

	// Rules the decision applies, resolved at load.
	r decisionRules
	// Authority rules per regime and kind.
	foreign  [2]*AuthorityRule // by regime index
	domestic [2]*AuthorityRule
	defaults bool // de-identify personal data by default
	fallOp   OperatorDefault
	// GDPR special categories by category key, and the conditions by name.
	special    map[string]*SpecialCategory
	conditions map[string]*SpecialCondition
	// The regime whose rules on children's data apply.
	minorsRegime uint8
	// The regime whose written-consent rule applies (written.go).
	writtenRegime uint8
}

type regionRegime struct {
	region sluice.Region
	regime uint8
}

type basisKey struct {
	regime uint8
	basis  Basis
}

const (
	regimePIPL uint8 = iota
	regimeGDPR
)

var regimeNames = [...]string{RegimePIPL, RegimeGDPR}

type decisionRules struct {
	grantAllow, grantNotFound, grantMismatch, grantNotApproved, grantRevoked, grantExpired, grantField *Rule
	basisUnknown, basisUnknownGDPR, basisMismatch                                                      *Rule
	coreDeny, importantNoAssessment, importantRegion, importantAllow, residencyRegion                  *Rule
	consentOrdinary, consentProvide, consentSensitive, consentGDPR, consentGDPRExplicit                *Rule
	deidDefault, deidDefaultGDPR, deidGrant, deidIdentified, deidAuthority                             *Rule
	specialNoCondition, criminalNoAuthority                                                            *Rule
	consentGuardian, minorsProfiling, creditDirect                                                     *Rule
	consentWritten                                                                                     *Rule
}

// DefaultRules returns the rules embedded in sluice (policy/rules/sharing.json),
// loaded and checked. It returns an error only if that file is broken,
// which the package's tests rule out.
func DefaultRules() (*SharingRules, error) {
	return LoadRules(sharingJSON)
}

// LoadRules reads and checks a rule file in the format of
// policy/rules/sharing.json. Errors are EINVALID and name the entry at
// fault, e.g. `operators[3] (user.name): confidence "sure" is not ...`.
func LoadRules(data []byte) (*SharingRules, error) {
	var f sharingFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, sluice.Errorf(sluice.EINVALID, "Sharing rules: %v.", err)
	}
	sum := sha256.Sum256(data)
	s := &SharingRules{
		Version:  f.Version,
		Hash:     hex.EncodeToString(sum[:]),
		file:     f,
		byID:     make(map[string]*Rule),
		regimes:  make(map[sluice.Region]uint8),
		bases:    make(map[basisKey]*LegalBasis),
		triggers: make(map[string]*ConsentTrigger),
		ops:      make(map[string]*OperatorDefault),
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

func invalid(entry, format string, args ...any) error {
	return sluice.Errorf(sluice.EINVALID, "Sharing rules: %s: %s.", entry, fmt.Sprintf(format, args...))
}

// check validates the fields every entry has.
func (r *Rule) check(entry string) error {
	switch {
	case strings.TrimSpace(r.Instrument) == "":
		return invalid(entry, "instrument required")
	case strings.TrimSpace(r.Article) == "":
		return invalid(entry, "article required")
	}
	switch r.Confidence {
	case Checked, Summary, Unverified:
	default:
		return invalid(entry, "confidence %q is not one of checked, summary, unverified", r.Confidence)
	}
	from, err := time.Parse(time.DateOnly, r.EffectiveFrom)
	if err != nil {
		return invalid(entry, "effective_from %q is not a date (YYYY-MM-DD)", r.EffectiveFrom)
	}
	if r.EffectiveTo != "" {
		to, err := time.Parse(time.DateOnly, r.EffectiveTo)
		if err != nil {
			return invalid(entry, "effective_to %q is not a date (YYYY-MM-DD)", r.EffectiveTo)
		} else if !to.After(from) {
			return invalid(entry, "effective_to %s is not after effective_from %s", r.EffectiveTo, r.EffectiveFrom)
		}
	}
	return nil
}

func regimeIndex(name string) (uint8, bool) {
	for i, n := range regimeNames {
		if n == name {
			return uint8(i), true
		}
	}
	return 0, false
}

func (s *SharingRules) load() error {
	f := &s.file
	if strings.TrimSpace(f.Version) == "" {
		return invalid("version", "required")
	}

	haveFallback := false
	for i := range f.Regimes {
		e := &f.Regimes[i]
		entry := fmt.Sprintf("regimes[%d] (%s)", i, e.Region)
		if err := e.check(entry); err != nil {
			return err
		}
		idx, ok := regimeIndex(e.Regime)
		if !ok {
			return invalid(entry, "regime %q is not one of pipl, gdpr", e.Regime)
		}
		if e.Region == "*" {
			if haveFallback {
				return invalid(entry, "a second \"*\" entry")
			}
			haveFallback, s.fallback = true, idx
			continue
		}
		if err := e.Region.Validate(); err != nil {
			return invalid(entry, "%s", sluice.ErrorMessage(err))
		} else if _, dup := s.regimes[e.Region]; dup {
			return invalid(entry, "region listed twice")
		}
		s.regimes[e.Region] = idx
		s.regimeList = append(s.regimeList, regionRegime{e.Region, idx})
	}
	if !haveFallback {
		return invalid("regimes", "no \"*\" entry for the regions not listed")
	}

	for i := range f.Rules {
		r := &f.Rules[i]
		entry := fmt.Sprintf("rules[%d] (%s)", i, r.ID)
		if r.ID == "" {
			return invalid(entry, "id required")
		} else if err := r.check(entry); err != nil {
			return err
		} else if r.Reason == "" {
			return invalid(entry, "reason required")
		} else if _, dup := s.byID[r.ID]; dup {
			return invalid(entry, "id used twice")
		}
		s.byID[r.ID] = r
	}
	need := func(entry, id string) (*Rule, error) {
		r, ok := s.byID[id]
		if !ok {
			return nil, invalid(entry, "rule %q is not defined in rules", id)
		}
		return r, nil
	}
	var err error
	d := &s.r
	for _, x := range []struct {
		p  **Rule
		id string
	}{
		{&d.grantAllow, "grant.allow"}, {&d.grantNotFound, "grant.not_found"}, {&d.grantMismatch, "grant.mismatch"},
		{&d.grantNotApproved, "grant.not_approved"}, {&d.grantRevoked, "grant.revoked"}, {&d.grantExpired, "grant.expired"},
		{&d.grantField, "grant.field"},
		{&d.basisUnknown, "basis.unknown"}, {&d.basisUnknownGDPR, "basis.unknown.gdpr"}, {&d.basisMismatch, "basis.mismatch"},
		{&d.coreDeny, "core.deny"}, {&d.importantNoAssessment, "important.no_assessment"},
		{&d.importantRegion, "important.region"}, {&d.importantAllow, "important.allow"}, {&d.residencyRegion, "residency.region"},
		{&d.consentOrdinary, "consent.ordinary"}, {&d.consentGDPR, "consent.gdpr"}, {&d.consentGDPRExplicit, "consent.gdpr.explicit"},
		{&d.deidDefaultGDPR, "deidentify.default.gdpr"}, {&d.deidGrant, "deidentify.grant"}, {&d.deidIdentified, "deidentify.identified"}, {&d.deidAuthority, "deidentify.authority"},
	} {
		if *x.p, err = need("rules", x.id); err != nil {
			return err
		}
	}

	for i := range f.LegalBases {
		b := &f.LegalBases[i]
		entry := fmt.Sprintf("legal_bases[%d] (%s/%s)", i, b.Regime, b.Basis)
		if err := b.check(entry); err != nil {
			return err
		}
		idx, ok := regimeIndex(b.Regime)
		if !ok {
			return invalid(entry, "regime %q is not one of pipl, gdpr", b.Regime)
		} else if b.Basis == "" {
			return invalid(entry, "basis required")
		}
		k := basisKey{idx, b.Basis}
		if _, dup := s.bases[k]; dup {
			return invalid(entry, "basis listed twice")
		}
		s.bases[k] = b
		s.basisList[idx] = append(s.basisList[idx], b)
	}
	for _, k := range []basisKey{{regimePIPL, BasisConsent}, {regimePIPL, BasisStatutoryDuty}, {regimeGDPR, BasisConsent}} {
		if _, ok := s.bases[k]; !ok {
			return invalid("legal_bases", "no entry for %s/%s", regimeNames[k.regime], k.basis)
		}
	}

	for i := range f.SeparateConsent {
		t := &f.SeparateConsent[i]
		entry := fmt.Sprintf("separate_consent[%d] (%s)", i, t.Trigger)
		if err := t.check(entry); err != nil {
			return err
		} else if t.Trigger == "" {
			return invalid(entry, "trigger required")
		} else if _, dup := s.triggers[t.Trigger]; dup {
			return invalid(entry, "trigger listed twice")
		}
		if t.RuleID != "" {
			if _, err := need(entry, t.RuleID); err != nil {
				return err
			}
		}
		s.triggers[t.Trigger] = t
	}
	for _, x := range []struct {
		p       **Rule
		trigger string
	}{{&d.consentProvide, "provide"}, {&d.consentSensitive, "sensitive"}} {
		t, ok := s.triggers[x.trigger]
		if !ok || t.RuleID == "" {
			return invalid("separate_consent", "no %q trigger with a rule", x.trigger)
		}
		*x.p = s.byID[t.RuleID]
	}

	for i := range f.Authority {
		a := &f.Authority[i]
		entry := fmt.Sprintf("authority[%d] (%s)", i, a.RuleID)
		if err := a.check(entry); err != nil {
			return err
		}
		idx, ok := regimeIndex(a.Regime)
		if !ok {
			return invalid(entry, "regime %q is not one of pipl, gdpr", a.Regime)
		} else if len(a.Kinds) == 0 {
			return invalid(entry, "kinds required")
		}
		if _, err := need(entry, a.RuleID); err != nil {
			return err
		}
		var slot *[2]*AuthorityRule
		switch a.Outcome {
		case OutcomeDenyUnlessApproved:
			if _, err := need(entry, a.ApprovedRule); err != nil {
				return err
			}
			for _, k := range a.Kinds {
				if k != sluice.OrgForeignJudicial && k != sluice.OrgForeignLawEnforcement {
					return invalid(entry, "outcome %s applies to foreign_judicial and foreign_law_enforcement, not %q", a.Outcome, k)
				}
			}
			slot = &s.foreign
		case OutcomeAllowOnWrittenRequest:
			if _, err := need(entry, a.MissingRule); err != nil {
				return err
			}
			if len(a.Kinds) != 1 || a.Kinds[0] != sluice.OrgDomesticAuthority {
				return invalid(entry, "outcome %s applies to domestic_authority alone", a.Outcome)
			} else if a.Basis == "" {
				return invalid(entry, "basis required for outcome %s", a.Outcome)
			}
			slot = &s.domestic
		default:
			return invalid(entry, "outcome %q is not one of %s, %s", a.Outcome, OutcomeDenyUnlessApproved, OutcomeAllowOnWrittenRequest)
		}
		if slot[idx] != nil {
			return invalid(entry, "a second %s rule for regime %s", a.Outcome, a.Regime)
		}
		slot[idx] = a
	}
	for idx := range s.foreign {
		if s.foreign[idx] == nil {
			return invalid("authority", "no deny_unless_approved rule for regime %s", regimeNames[idx])
		}
	}

	de := &f.Deidentify
	if err := de.check("deidentify"); err != nil {
		return err
	}
	if d.deidDefault, err = need("deidentify", de.RuleID); err != nil {
		return err
	}
	if err := checkDefaultOp("deidentify", de.FallbackOp); err != nil {
		return err
	}
	s.defaults = de.Default
	s.fallOp = OperatorDefault{Rule: de.Rule, Category: "*", Op: de.FallbackOp}
	s.fallOp.ID, s.fallOp.Reason = "op.fallback", ""

	for i := range f.OperatorDefaults {
		o := &f.OperatorDefaults[i]
		entry := fmt.Sprintf("operators[%d] (%s)", i, o.Category)
		if err := o.check(entry); err != nil {
			return err
		} else if !validCategory(o.Category) {
			return invalid(entry, "category %q is not a dotted key such as user.contact.phone_number", o.Category)
		} else if _, dup := s.ops[o.Category]; dup {
			return invalid(entry, "category listed twice")
		} else if err := checkDefaultOp(entry, o.Op); err != nil {
			return err
		}
		o.ID = "op." + o.Category
		s.ops[o.Category] = o
	}
	if err := s.loadSpecial(need); err != nil {
		return err
	}
	if err := s.loadMinors(need); err != nil {
		return err
	}
	if err := s.loadCreditFlow(need); err != nil {
		return err
	}
	if err := s.loadWritten(need); err != nil {
		return err
	}
	return s.loadProhibited()
}

func checkDefaultOp(entry string, op Op) error {
	switch {
	case op.IsZero():
		return invalid(entry, "op required")
	case op.Kind == OpMask && !op.Params:
		return invalid(entry, "a default mask needs its counts, e.g. mask(3,4)")
	case op.Kind == OpGeneralize && op.Level == LevelNone:
		return invalid(entry, "a default generalize needs its level, e.g. generalize(year)")
	}
	return nil
}

func validCategory(c string) bool {
	if c == "" || c[0] == '.' || c[len(c)-1] == '.' || strings.Contains(c, "..") {
		return false
	}
	for i := 0; i < len(c); i++ {
		ch := c[i]
		if !(ch == '.' || ch == '_' || ('a' <= ch && ch <= 'z') || isDigit(ch)) {
			return false
		}
	}
	return true
}

// Rule returns the rule with the given id, or nil.
func (s *SharingRules) Rule(id string) *Rule { return s.byID[id] }

// Rules returns every decision rule in file order.
func (s *SharingRules) Rules() []Rule { return s.file.Rules }

// Regime returns the regime governing data stored in region: "gdpr" or
// "pipl".
func (s *SharingRules) Regime(region sluice.Region) string { return regimeNames[s.regime(region)] }

func (s *SharingRules) regime(region sluice.Region) uint8 {
	for _, r := range s.regimeList {
		if r.region == region {
			return r.regime
		}
	}
	return s.fallback
}

func (s *SharingRules) basis(regime uint8, b Basis) *LegalBasis {
	for _, lb := range s.basisList[regime] {
		if lb.Basis == b {
			return lb
		}
	}
	return nil
}

// Basis returns the legal basis b of the regime governing data stored in
// region, or nil if that regime does not know b.
func (s *SharingRules) Basis(region sluice.Region, b Basis) *LegalBasis {
	return s.basis(s.regime(region), b)
}

// ConsentTrigger returns the separate-consent trigger of that name
// (provide, publish, public_camera, sensitive, export), or nil.
func (s *SharingRules) ConsentTrigger(name string) *ConsentTrigger { return s.triggers[name] }

// DefaultOp returns the default operator for a field with the given
// categories and the entry that set it. Each category resolves to the entry
// of its longest listed prefix at a dot (user.contact.phone_number.cn falls
// back to user.contact.phone_number, then user.contact, then user); of
// several categories the most protective operator wins (redact, pseudonym,
// generalize, mask keeping fewest characters, clear). With no category
// listed it returns the rule file's fallback operator. It does not allocate.
func (s *SharingRules) DefaultOp(categories []string) (Op, *Rule) {
	var best *OperatorDefault
	for _, c := range categories {
		od := s.lookupOp(c)
		if od != nil && (best == nil || stronger(od.Op, best.Op)) {
			best = od
		}
	}
	if best == nil {
		best = &s.fallOp
	}
	return best.Op, &best.Rule
}

func (s *SharingRules) lookupOp(c string) *OperatorDefault {
	for {
		if od, ok := s.ops[c]; ok {
			return od
		}
		i := strings.LastIndexByte(c, '.')
		if i < 0 {
			return nil
		}
		c = c[:i]
	}
}

var opStrength = [...]int{OpDefault: 0, OpClear: 1, OpMask: 2, OpGeneralize: 3, OpPseudonym: 4, OpRedact: 5}

// stronger reports whether a protects more than b.
func stronger(a, b Op) bool {
	if a.Kind != b.Kind {
		return opStrength[a.Kind] > opStrength[b.Kind]
	}
	switch a.Kind {
	case OpMask:
		return int(a.Head)+int(a.Tail) < int(b.Head)+int(b.Tail)
	case OpGeneralize:
		return a.Level == LevelCity && b.Level == Level1km
	}
	return false
}
