package policy

import (
	"encoding/json"
	"time"

	"github.com/sluice-gateway/sluice"
)

// An Effect is what a decision lets through for a field.
type Effect uint8

// Effects. The zero Effect is Deny, so a decision that was never made
// serves nothing.
const (
	Deny              Effect = iota // the field is not served
	Allow                           // served as stored
	AllowDeidentified               // served through the decision's Op
)

var effectNames = [...]string{"deny", "allow", "allow_deidentified"}

// String returns "deny", "allow" or "allow_deidentified".
func (e Effect) String() string {
	if int(e) < len(effectNames) {
		return effectNames[e]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (e Effect) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (e *Effect) UnmarshalText(b []byte) error {
	for i, n := range effectNames {
		if string(b) == n {
			*e = Effect(i)
			return nil
		}
	}
	return sluice.Errorf(sluice.EINVALID, "Effect %q is not one of deny, allow, allow_deidentified.", b)
}

// maxApplied bounds the rules one field decision records.
const maxApplied = 8

// A FieldDecision is the answer for one field of one read. It is a value
// with no pointers into the request, so it can be kept, copied and logged.
type FieldDecision struct {
	Field  string
	Effect Effect
	Op     Op // the operator to apply: Clear for Allow, never the zero Op unless denied
	// Rule is the rule that decided; Reason says why in words (its reason,
	// or the organisation policy's).
	Rule   *Rule
	Reason string
	// Consent is what each record's subject must have given for the record
	// to be served (ConsentNone: no per-record check), and ConsentRule the
	// rule that asks for it.
	Consent     ConsentKind
	ConsentRule *Rule
	// Authority marks data provided to a domestic authority on a written
	// request (DSL Art. 35), to be logged as such.
	Authority bool
	// Grant is the grant the decision rests on, 0 if none was found.
	Grant int64
	// Policy is the ID of the organisation's Cedar policy that denied the
	// field, if one did.
	Policy string

	applied  [maxApplied]*Rule
	nApplied uint8
}

// Applied returns the rules that shaped the decision, in the order they were
// applied; Rule is among them.
func (d *FieldDecision) Applied() []*Rule { return d.applied[:d.nApplied] }

func (d *FieldDecision) apply(r *Rule) {
	if int(d.nApplied) < maxApplied {
		d.applied[d.nApplied] = r
		d.nApplied++
	}
}

func (d *FieldDecision) deny(r *Rule) {
	d.Effect, d.Op, d.Rule, d.Reason = Deny, Op{}, r, r.Reason
	d.Consent, d.ConsentRule, d.Authority = ConsentNone, nil, false
	d.apply(r)
}

// Admits reports whether a record whose subject's consent is c may be
// served under d at time now.
func (d *FieldDecision) Admits(c Consent, now time.Time) bool {
	return d.Effect != Deny && c.Satisfies(d.Consent, now)
}

type refJSON struct {
	Rule       string     `json:"rule"`
	Instrument string     `json:"instrument"`
	Article    string     `json:"article"`
	Confidence Confidence `json:"confidence"`
}

func ref(r *Rule) *refJSON {
	if r == nil {
		return nil
	}
	return &refJSON{r.ID, r.Instrument, r.Article, r.Confidence}
}

// MarshalJSON writes d for the API and the audit log:
// {"field","effect","op","reason","rule":{...},"consent","consent_rule",
// "authority","grant","policy","applied":[...]}.
func (d FieldDecision) MarshalJSON() ([]byte, error) {
	out := struct {
		Field       string     `json:"field"`
		Effect      Effect     `json:"effect"`
		Op          string     `json:"op,omitempty"`
		Reason      string     `json:"reason"`
		Rule        *refJSON   `json:"rule,omitempty"`
		Consent     string     `json:"consent,omitempty"`
		ConsentRule *refJSON   `json:"consent_rule,omitempty"`
		Authority   bool       `json:"authority,omitempty"`
		Grant       int64      `json:"grant,omitempty"`
		Policy      string     `json:"policy,omitempty"`
		Applied     []*refJSON `json:"applied,omitempty"`
	}{Field: d.Field, Effect: d.Effect, Reason: d.Reason, Rule: ref(d.Rule), ConsentRule: ref(d.ConsentRule),
		Authority: d.Authority, Grant: d.Grant, Policy: d.Policy}
	if d.Effect != Deny {
		out.Op = d.Op.String()
	}
	if d.Consent != ConsentNone {
		out.Consent = d.Consent.String()
	}
	for _, r := range d.Applied() {
		out.Applied = append(out.Applied, ref(r))
	}
	return json.Marshal(out)
}

// unknownKindRule is the Rule of a decision refused because the consumer's
// kind is not one sluice knows. It is no legal rule: Confidence is empty.
var unknownKindRule = Rule{
	ID:         "facts.consumer_kind",
	Instrument: "sluice",
	Article:    "consumer kinds",
	Reason:     "The consumer's kind is not company, domestic_authority, foreign_judicial or foreign_law_enforcement.",
}

// An Engine decides reads from the legal rules, the grants loaded in its
// index and, for fields the rules allow, the organisations' Cedar policies.
// It is safe for concurrent use.
type Engine struct {
	rules  *SharingRules
	grants *GrantIndex
	cedar  *CedarLayer
}

// NewEngine returns an engine over rules and grants. cedar may be nil: no
// organisation policies.
func NewEngine(rules *SharingRules, grants *GrantIndex, cedar *CedarLayer) *Engine {
	return &Engine{rules: rules, grants: grants, cedar: cedar}
}

// Rules returns the engine's legal rules.
func (e *Engine) Rules() *SharingRules { return e.rules }

// Grants returns the engine's grant index.
func (e *Engine) Grants() *GrantIndex { return e.grants }

// Cedar returns the engine's organisation-policy layer, or nil.
func (e *Engine) Cedar() *CedarLayer { return e.cedar }

// DecideField applies the built-in legal rules to one field of a read. The
// organisation's Cedar policies are not consulted: see [Engine.Plan]. It
// does not allocate, and its cost does not grow with the number of grants.
func (e *Engine) DecideField(req *Request, f *Field) FieldDecision {
	e.grants.mu.RLock()
	d := e.decide(req, f)
	e.grants.mu.RUnlock()
	return d
}

// decide runs with the grant index read-locked.
func (e *Engine) decide(req *Request, f *Field) FieldDecision {
	s := e.rules
	r := &s.r
	d := FieldDecision{Field: f.Name}
	regime := s.regime(req.Dataset.Region)

	// Core data never leaves through a read (DSL Art. 21 ¶2).
	if f.Grade == sluice.GradeCore {
		d.deny(r.coreDeny)
		return d
	}

	// An unknown kind of consumer could be an authority under another
	// name: refuse rather than treat it as a company.
	kind := req.Consumer.Kind
	if kind.Validate() != nil {
		d.deny(&unknownKindRule)
		return d
	}

	// Foreign courts and law enforcement: denied pending approval
	// (DSL Art. 36, PIPL Art. 41; GDPR Art. 48).
	if kind == sluice.OrgForeignJudicial || kind == sluice.OrgForeignLawEnforcement {
		a := s.foreign[regime]
		if !req.Consumer.ApprovalOnFile {
			d.deny(s.byID[a.RuleID])
			return d
		}
		d.apply(s.byID[a.ApprovedRule])
	}

	// An approved, unexpired grant for this consumer, dataset, purpose and
	// field (Shenzhen Data Regulations Art. 43).
	g, miss := e.findGrant(req, f.Name)
	if g == nil {
		d.deny(miss)
		return d
	}
	d.Grant = g.ID
	grantOp, _ := g.field(f.Name)

	// The legal basis must be one of the regime's and match the purpose's.
	basis := g.LegalBasis
	if basis == "" {
		basis = req.Purpose.LegalBasis
	} else if req.Purpose.LegalBasis != "" && req.Purpose.LegalBasis != basis {
		d.deny(r.basisMismatch)
		return d
	}
	lb := s.basis(regime, basis)
	if lb == nil {
		if regime == regimeGDPR {
			d.deny(r.basisUnknownGDPR)
		} else {
			d.deny(r.basisUnknown)
		}
		return d
	}

	// Domestic authorities on their statutory duty need a written request
	// (DSL Art. 35); with one, the data is provided and marked as such.
	decisive := r.grantAllow
	if a := s.domestic[regime]; a != nil && kind == sluice.OrgDomesticAuthority && basis == a.Basis {
		if g.WrittenRequestRef == "" {
			d.deny(s.byID[a.MissingRule])
			return d
		}
		d.Authority = true
		decisive = s.byID[a.RuleID]
	}

	// Important data: a risk assessment first (NDSR Art. 31), and only
	// within its region (DSL Art. 31: leaving it is a transfer).
	if f.Grade == sluice.GradeImportant {
		if g.RiskAssessmentRef == "" {
			d.deny(r.importantNoAssessment)
			return d
		}
		if req.Consumer.Region != req.Dataset.Region {
			d.deny(r.importantRegion)
			return d
		}
		d.apply(r.importantAllow)
		if !d.Authority {
			decisive = r.importantAllow
		}
	}

	// Records stay in their region: moving them to a consumer elsewhere is
	// a cross-border transfer, decided by its own route.
	if req.Consumer.Region != "" && req.Consumer.Region != req.Dataset.Region {
		d.deny(r.residencyRegion)
		return d
	}

	// GDPR special data: an Art. 9 category or Art. 10 criminal data needs
	// a condition on the purpose besides its Art. 6 basis; for EU data the
	// GDPR's list, not the PIPL's, says what is sensitive.
	explicit := false
	if regime == regimeGDPR {
		var deny *Rule
		if _, explicit, deny = s.specialCheck(req, f, lb, &d); deny != nil {
			d.deny(deny)
			return d
		}
	}

	// Credit information: a platform passes it to a lender only through a
	// licensed personal credit agency or the credit reference centre.
	if f.PI && s.creditDirect(req) {
		d.deny(r.creditDirect)
		return d
	}

	// A child's personal information: never for profiling (Shenzhen Data
	// Regulations Arts. 28–30); on consent, a guardian's (PIPL Art. 31).
	minor := s.minor(regime, req, f)
	if minor && req.Purpose.Profiling {
		d.deny(r.minorsProfiling)
		return d
	}

	// Consent: which records may be served (PIPL Arts. 13(1), 14, 23, 29,
	// 31; GDPR Arts. 6(1)(a), 9(2)(a)).
	if regime == regimeGDPR && (f.PI && lb.NeedsConsent || explicit) {
		d.Consent, d.ConsentRule = ConsentGiven, r.consentGDPR
		if explicit {
			d.Consent, d.ConsentRule = ConsentSeparate, r.consentGDPRExplicit
		}
		d.apply(d.ConsentRule)
	} else if regime != regimeGDPR && f.PI && lb.NeedsConsent {
		d.Consent, d.ConsentRule = ConsentGiven, r.consentOrdinary
		if f.Sensitive {
			d.Consent, d.ConsentRule = ConsentSeparate, r.consentSensitive
		}
		if req.Consumer.ID != req.Dataset.Owner {
			d.Consent, d.ConsentRule = ConsentSeparate, r.consentProvide
		}
		if minor {
			d.Consent, d.ConsentRule = ConsentGuardian, r.consentGuardian
		} else if s.written(regime, req, f) {
			d.Consent, d.ConsentRule = ConsentWritten, r.consentWritten
		}
		d.apply(d.ConsentRule)
	}

	// De-identification: the grant's operator, else the default for the
	// field's categories unless an exception applies (Shenzhen Data
	// Regulations Arts. 26–27; GDPR Art. 25(2) for EU data).
	op := Clear
	var deid, opRule *Rule
	switch {
	case grantOp.Kind != OpDefault:
		op, deid = e.resolve(grantOp, f), r.deidGrant
	case !f.PI:
	case g.IdentifiedData:
		deid = r.deidIdentified
	case d.Authority:
		deid = r.deidAuthority
	case s.defaults:
		op, opRule = s.DefaultOp(f.Categories)
		deid = r.deidDefault
		if regime == regimeGDPR {
			deid = r.deidDefaultGDPR
		}
	}
	if deid != nil && !d.Authority {
		decisive = deid
	}
	if decisive != deid {
		d.apply(decisive)
	}
	if deid != nil {
		d.apply(deid)
	}
	if opRule != nil {
		d.apply(opRule)
	}
	d.Op, d.Rule, d.Reason = op, decisive, decisive.Reason
	d.Effect = AllowDeidentified
	if op.Kind == OpClear {
		d.Effect = Allow
	}
	return d
}

// resolve fills in the parameters a grant's bare mask or generalize leaves
// to the category default.
func (e *Engine) resolve(op Op, f *Field) Op {
	switch {
	case op.Kind == OpMask && !op.Params:
		if def, _ := e.rules.DefaultOp(f.Categories); def.Kind == OpMask {
			return def
		}
		return Mask(1, 1)
	case op.Kind == OpGeneralize && op.Level == LevelNone:
		if def, _ := e.rules.DefaultOp(f.Categories); def.Kind == OpGeneralize {
			return def
		}
		return Redact // nothing known to generalise to: withhold
	}
	return op
}

// findGrant returns the grant that gives the request's consumer field of
// the dataset for the purpose, or nil and the rule that explains why none
// does. With several candidates an approved, unexpired one covering the
// field wins; otherwise the most telling refusal is reported.
func (e *Engine) findGrant(req *Request, field string) (*indexedGrant, *Rule) {
	r := &e.rules.r
	if req.GrantID != 0 {
		g, ok := e.grants.byID[req.GrantID]
		if !ok {
			return nil, r.grantNotFound
		}
		if g.Consumer != req.Consumer.ID || g.Dataset != req.Dataset.ID || g.Purpose != req.Purpose.Name {
			return nil, r.grantMismatch
		}
		if miss := r.check(g, field, req.Now); miss != nil {
			return nil, miss
		}
		return g, nil
	}
	miss := r.grantNotFound
	rank := 0
	for _, g := range e.grants.byKey[grantKey{req.Consumer.ID, req.Dataset.ID}] {
		if g.Purpose != req.Purpose.Name {
			continue
		}
		m := r.check(g, field, req.Now)
		if m == nil {
			return g, nil
		}
		// The refusal closest to success: field > expired > revoked > not approved.
		k := 1
		switch m {
		case r.grantField:
			k = 4
		case r.grantExpired:
			k = 3
		case r.grantRevoked:
			k = 2
		}
		if k > rank {
			miss, rank = m, k
		}
	}
	return nil, miss
}

// check returns nil if g is approved, unexpired at now and covers field, or
// the rule it fails.
func (r *decisionRules) check(g *indexedGrant, field string, now time.Time) *Rule {
	switch g.Status {
	case StatusApproved:
	case StatusRevoked:
		return r.grantRevoked
	default:
		return r.grantNotApproved
	}
	if !g.ExpiresAt.IsZero() && !now.Before(g.ExpiresAt) {
		return r.grantExpired
	}
	if _, ok := g.field(field); !ok {
		return r.grantField
	}
	return nil
}

// A ReadPlan is the decision for one read: one FieldDecision per requested
// field, made once, and the per-record consent check that the server runs
// for every record.
type ReadPlan struct {
	Fields []FieldDecision
	// Consent is the strongest consent any served field needs, and
	// ConsentRule the rule behind it; records whose subject has not given
	// it are withheld whole.
	Consent     ConsentKind
	ConsentRule *Rule
	// Written: a served field also needs the consent in writing (written
	// consent ranks with separate consent; Consent is ConsentWritten
	// unless a field needs a stronger kind, a guardian's).
	Written bool
	Now     time.Time
}

// Plan decides every field of a read: the built-in rules first, then, for
// the fields they allow, the dataset owner's Cedar policies, which can turn
// an allow into a deny and never the reverse.
func (e *Engine) Plan(req *Request, fields []Field) *ReadPlan {
	p := &ReadPlan{Fields: make([]FieldDecision, len(fields)), Now: req.Now}
	var grants []Grant // the grant of each field, for the Cedar layer
	e.grants.mu.RLock()
	for i := range fields {
		p.Fields[i] = e.decide(req, &fields[i])
	}
	if e.cedar != nil {
		grants = make([]Grant, len(fields))
		for i, d := range p.Fields {
			if d.Effect != Deny {
				grants[i] = e.grants.byID[d.Grant].Grant
			}
		}
	}
	e.grants.mu.RUnlock()

	if e.cedar != nil {
		if in := e.cedar.prepare(req); in != nil {
			for i := range p.Fields {
				d := &p.Fields[i]
				if d.Effect == Deny {
					continue
				}
				if id, reason, deny := in.check(&grants[i], &fields[i]); deny {
					d.deny(&orgPolicyRule)
					d.Policy, d.Reason = id, reason
				}
			}
		}
	}
	for i := range p.Fields {
		d := &p.Fields[i]
		if d.Effect == Deny {
			continue
		}
		if d.Consent == ConsentWritten {
			p.Written = true
		}
		if d.Consent.rank() > p.Consent.rank() || d.Consent == ConsentWritten && p.Consent.rank() == ConsentSeparate.rank() {
			p.Consent, p.ConsentRule = d.Consent, d.ConsentRule
		}
	}
	return p
}

// rank orders needs: written consent ranks with separate consent.
func (k ConsentKind) rank() ConsentKind {
	if k == ConsentWritten {
		return ConsentSeparate
	}
	return k
}

// Withheld reports whether the record of a subject whose consent state is c
// must be withheld. It does not allocate.
func (p *ReadPlan) Withheld(c Consent) bool {
	return !c.Satisfies(p.Consent, p.Now) || p.Written && !c.Satisfies(ConsentWritten, p.Now)
}

// Served returns the number of fields the plan serves.
func (p *ReadPlan) Served() int {
	n := 0
	for i := range p.Fields {
		if p.Fields[i].Effect != Deny {
			n++
		}
	}
	return n
}
