// Package policybench compares the cost of sluice's built-in sharing
// decision with the same rules written in Cedar (cedar-go Authorize) and in
// Rego (OPA, prepared query), with 10 and 10,000 grants loaded. It is a
// module of its own so that sluice does not carry OPA.
//
// Run it with bench/policy.sh, or
//
//	cd bench/policy && go test -run '^$' -bench . -count 6 | tee new.txt
//
// and compare runs with `benchstat old.txt new.txt`.
package policybench

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"testing"
	"time"

	cedar "github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy"
)

//go:embed sharing.rego
var sharingRego string

//go:embed sharing.cedar
var sharingCedar string

var now = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// grantFields are the fields every benchmark grant covers.
var grantFields = []string{"name", "phone", "id_number", "city", "amount"}

// world holds the same n grants for the three engines.
type world struct {
	n      int
	grants []*policy.Grant
}

// newWorld makes n grants: grant i gives consumer 1000+i dataset 5000+i/4
// for purpose "purpose-(i%7)" on the basis of consent, expiring in a year.
func newWorld(n int) *world {
	w := &world{n: n}
	for i := range n {
		g := &policy.Grant{
			ID: int64(i + 1), Consumer: int64(1000 + i), Dataset: int64(5000 + i/4),
			Status: policy.StatusApproved, ExpiresAt: now.AddDate(1, 0, 0),
			Purpose: fmt.Sprintf("purpose-%d", i%7), LegalBasis: policy.BasisConsent,
		}
		for _, f := range grantFields {
			g.Fields = append(g.Fields, policy.GrantField{Name: f})
		}
		w.grants = append(w.grants, g)
	}
	return w
}

// A scenario is one field of one record read by one consumer.
type scenario struct {
	name    string
	req     policy.Request
	field   policy.Field
	consent policy.Consent
	grant   *policy.Grant // the grant the server would name, nil if none
}

// scenarios returns the cases the engines must agree on; the first is the
// one measured (an allowed, de-identified phone number under separate
// consent).
func (w *world) scenarios() []scenario {
	g := w.grants[w.n/2]
	base := policy.Request{
		Consumer: policy.Consumer{ID: g.Consumer, Region: "CN", Kind: sluice.OrgCompany},
		Dataset:  policy.Dataset{ID: g.Dataset, Owner: 1, Region: "CN"},
		Purpose:  policy.Purpose{Name: g.Purpose, LegalBasis: policy.BasisConsent},
		Now:      now,
	}
	phone := policy.Field{Name: "phone", Categories: []string{"user.contact.phone_number"}, PI: true, Grade: "general"}
	sep := policy.Consent{Kind: policy.ConsentSeparate}
	s := []scenario{
		{name: "allow", req: base, field: phone, consent: sep, grant: g},
		{name: "withheld-no-separate-consent", req: base, field: phone, consent: policy.Consent{Kind: policy.ConsentGiven}, grant: g},
		{name: "withheld-withdrawn", req: base, field: phone, consent: policy.Consent{Kind: policy.ConsentSeparate, WithdrawnAt: now.Add(-time.Hour)}, grant: g},
		{name: "core", req: base, field: policy.Field{Name: "amount", Grade: "core"}, consent: sep, grant: g},
		{name: "important-no-assessment", req: base, field: policy.Field{Name: "amount", Grade: "important"}, consent: sep, grant: g},
		{name: "field-outside-grant", req: base, field: policy.Field{Name: "salary"}, consent: sep, grant: g},
		{name: "non-pi", req: base, field: policy.Field{Name: "city", Grade: "general"}, consent: policy.Consent{}, grant: g},
	}
	foreign := base
	foreign.Consumer.Kind = sluice.OrgForeignJudicial
	s = append(s, scenario{name: "foreign", req: foreign, field: phone, consent: sep, grant: g})
	other := base
	other.Purpose.Name = "marketing"
	s = append(s, scenario{name: "no-grant", req: other, field: phone, consent: sep})
	return s
}

// --- built-in -------------------------------------------------------------

func (w *world) engine(tb testing.TB) *policy.Engine {
	tb.Helper()
	rules, err := policy.DefaultRules()
	if err != nil {
		tb.Fatal(err)
	}
	x := policy.NewGrantIndex()
	for _, g := range w.grants {
		if err := x.Put(g); err != nil {
			tb.Fatal(err)
		}
	}
	return policy.NewEngine(rules, x, nil)
}

// builtin returns whether the record's field is served.
func builtin(e *policy.Engine, s *scenario) bool {
	d := e.DecideField(&s.req, &s.field)
	return d.Admits(s.consent, s.req.Now)
}

// --- Cedar ----------------------------------------------------------------

type cedarWorld struct {
	ps   *cedar.PolicySet
	ents types.EntityMap
}

func (w *world) cedar(tb testing.TB) *cedarWorld {
	tb.Helper()
	ps, err := cedar.NewPolicySetFromBytes("sharing.cedar", []byte(sharingCedar))
	if err != nil {
		tb.Fatal(err)
	}
	ents := types.EntityMap{}
	for _, g := range w.grants {
		fields := make([]types.Value, len(g.Fields))
		for i, f := range g.Fields {
			fields[i] = types.String(f.Name)
		}
		uid := grantUID(g.ID)
		ents[uid] = types.Entity{UID: uid, Attributes: types.NewRecord(types.RecordMap{
			"consumer":            orgUID(g.Consumer),
			"dataset":             datasetUID(g.Dataset),
			"purpose":             types.String(g.Purpose),
			"status":              types.String(g.Status),
			"expires_at":          types.Long(g.ExpiresAt.Unix()),
			"legal_basis":         types.String(g.LegalBasis),
			"fields":              types.NewSet(fields...),
			"risk_assessment_ref": types.String(g.RiskAssessmentRef),
			"written_request_ref": types.String(g.WrittenRequestRef),
		})}
	}
	return &cedarWorld{ps: ps, ents: ents}
}

func grantUID(id int64) types.EntityUID {
	return types.NewEntityUID("Sluice::Grant", types.String(strconv.FormatInt(id, 10)))
}
func orgUID(id int64) types.EntityUID {
	return types.NewEntityUID("Sluice::Org", types.String(strconv.FormatInt(id, 10)))
}
func datasetUID(id int64) types.EntityUID {
	return types.NewEntityUID("Sluice::Dataset", types.String(strconv.FormatInt(id, 10)))
}

// cedarRequest builds, outside the measured loop, the entities and request
// for a scenario: the consumer, dataset and field entities and a context
// naming the grant the server found by ID (Cedar cannot search grants).
func (cw *cedarWorld) request(s *scenario) (types.EntityGetter, cedar.Request) {
	ents := types.EntityMap{}
	for k, v := range cw.ents {
		ents[k] = v
	}
	p := types.Entity{UID: orgUID(s.req.Consumer.ID), Attributes: types.NewRecord(types.RecordMap{
		"region": types.String(s.req.Consumer.Region), "kind": types.String(s.req.Consumer.Kind),
		"approval_on_file": types.Boolean(s.req.Consumer.ApprovalOnFile),
	})}
	d := types.Entity{UID: datasetUID(s.req.Dataset.ID), Attributes: types.NewRecord(types.RecordMap{
		"region": types.String(s.req.Dataset.Region), "owner": orgUID(s.req.Dataset.Owner),
	})}
	f := types.Entity{
		UID:     types.NewEntityUID("Sluice::Field", types.String(fmt.Sprintf("%d/%s", s.req.Dataset.ID, s.field.Name))),
		Parents: types.NewEntityUIDSet(d.UID),
		Attributes: types.NewRecord(types.RecordMap{
			"name": types.String(s.field.Name), "dataset": d.UID, "pi": types.Boolean(s.field.PI), "sensitive": types.Boolean(s.field.Sensitive),
			"grade": types.String(cmpOr(string(s.field.Grade), "general")),
		}),
	}
	ents[p.UID], ents[d.UID], ents[f.UID] = p, d, f
	grant := grantUID(0)
	if s.grant != nil {
		grant = grantUID(s.grant.ID)
	}
	var withdrawn int64
	if !s.consent.WithdrawnAt.IsZero() {
		withdrawn = s.consent.WithdrawnAt.Unix()
	}
	regime := "pipl"
	if s.req.Dataset.Region == "EU" {
		regime = "gdpr"
	}
	return ents, cedar.Request{
		Principal: p.UID, Action: types.NewEntityUID("Sluice::Action", "read"), Resource: f.UID,
		Context: types.NewRecord(types.RecordMap{
			"grant": grant, "purpose": types.String(s.req.Purpose.Name), "purpose_basis": types.String(s.req.Purpose.LegalBasis),
			"now": types.Long(s.req.Now.Unix()), "regime": types.String(regime),
			"consent": types.String(s.consent.Kind.String()), "withdrawn_at": types.Long(withdrawn),
		}),
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// --- OPA ------------------------------------------------------------------

type opaWorld struct {
	pq rego.PreparedEvalQuery
}

func (w *world) opa(tb testing.TB) *opaWorld {
	tb.Helper()
	byPair := map[string]any{}
	for _, g := range w.grants {
		c, d := strconv.FormatInt(g.Consumer, 10), strconv.FormatInt(g.Dataset, 10)
		ds, _ := byPair[c].(map[string]any)
		if ds == nil {
			ds = map[string]any{}
			byPair[c] = ds
		}
		fields := map[string]any{}
		for _, f := range g.Fields {
			fields[f.Name] = f.Op.String()
		}
		list, _ := ds[d].([]any)
		ds[d] = append(list, map[string]any{
			"id": g.ID, "purpose": g.Purpose, "status": string(g.Status), "expires_at": g.ExpiresAt.Unix(),
			"legal_basis": string(g.LegalBasis), "fields": fields,
			"risk_assessment_ref": g.RiskAssessmentRef, "written_request_ref": g.WrittenRequestRef, "identified": g.IdentifiedData,
		})
	}
	pq, err := rego.New(
		rego.Query("data.sluice.sharing.result"),
		rego.Module("sharing.rego", sharingRego),
		rego.Store(inmem.NewFromObject(map[string]any{"grants": byPair})),
	).PrepareForEval(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return &opaWorld{pq: pq}
}

// input converts a scenario to a parsed OPA input, outside the measured
// loop.
func (s *scenario) opaInput(tb testing.TB) ast.Value {
	tb.Helper()
	var withdrawn int64
	if !s.consent.WithdrawnAt.IsZero() {
		withdrawn = s.consent.WithdrawnAt.Unix()
	}
	cats := make([]any, len(s.field.Categories))
	for i, c := range s.field.Categories {
		cats[i] = c
	}
	v, err := ast.InterfaceToValue(map[string]any{
		"consumer": map[string]any{"id": strconv.FormatInt(s.req.Consumer.ID, 10), "region": string(s.req.Consumer.Region),
			"kind": string(s.req.Consumer.Kind), "approval_on_file": s.req.Consumer.ApprovalOnFile},
		"dataset": map[string]any{"id": strconv.FormatInt(s.req.Dataset.ID, 10), "owner": strconv.FormatInt(s.req.Dataset.Owner, 10),
			"region": string(s.req.Dataset.Region)},
		"purpose": map[string]any{"name": s.req.Purpose.Name, "legal_basis": string(s.req.Purpose.LegalBasis)},
		"field": map[string]any{"name": s.field.Name, "categories": cats, "pi": s.field.PI, "sensitive": s.field.Sensitive,
			"grade": cmpOr(string(s.field.Grade), "general")},
		"now":     s.req.Now.Unix(),
		"consent": map[string]any{"kind": s.consent.Kind.String(), "withdrawn_at": withdrawn},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func (ow *opaWorld) served(tb testing.TB, in ast.Value) bool {
	ok, _ := ow.decide(tb, in)
	return ok
}

// decide returns whether the field is served and with which operator.
func (ow *opaWorld) decide(tb testing.TB, in ast.Value) (bool, string) {
	rs, err := ow.pq.Eval(context.Background(), rego.EvalParsedInput(in))
	if err != nil {
		tb.Fatal(err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		tb.Fatalf("result set %v", rs)
	}
	res := rs[0].Expressions[0].Value.(map[string]any)
	op, _ := res["op"].(string)
	return res["served"] == true, op
}

// --- tests and benchmarks ---------------------------------------------------

// TestEquivalent checks that the three engines agree on every scenario, so
// that the benchmark compares the same rules.
func TestEquivalent(t *testing.T) {
	w := newWorld(10)
	e, cw, ow := w.engine(t), w.cedar(t), w.opa(t)
	want := map[string]bool{"allow": true, "non-pi": true}
	for _, s := range w.scenarios() {
		t.Run(s.name, func(t *testing.T) {
			b := builtin(e, &s)
			ents, req := cw.request(&s)
			dec, diag := cedar.Authorize(cw.ps, ents, req)
			if len(diag.Errors) > 0 && s.grant != nil { // no grant: Cedar errors on the missing entity and denies
				t.Fatalf("cedar errors: %v", diag.Errors)
			}
			o, op := ow.decide(t, s.opaInput(t))
			if b != want[s.name] || bool(dec) != b || o != b {
				t.Errorf("built-in %v, cedar %v, opa %v; want %v", b, dec, o, want[s.name])
			}
			if d := e.DecideField(&s.req, &s.field); b && d.Op.String() != op {
				t.Errorf("operator: built-in %s, opa %s", d.Op, op)
			}
		})
	}
}

func BenchmarkDecision(b *testing.B) {
	for _, n := range []int{10, 10_000} {
		w := newWorld(n)
		s := w.scenarios()[0]
		b.Run(fmt.Sprintf("engine=builtin/grants=%d", n), func(b *testing.B) {
			e := w.engine(b)
			b.ReportAllocs()
			for b.Loop() {
				if !builtin(e, &s) {
					b.Fatal("denied")
				}
			}
		})
		b.Run(fmt.Sprintf("engine=cedar/grants=%d", n), func(b *testing.B) {
			cw := w.cedar(b)
			ents, req := cw.request(&s)
			b.ReportAllocs()
			for b.Loop() {
				if d, _ := cedar.Authorize(cw.ps, ents, req); d != cedar.Allow {
					b.Fatal("denied")
				}
			}
		})
		b.Run(fmt.Sprintf("engine=opa/grants=%d", n), func(b *testing.B) {
			ow := w.opa(b)
			in := s.opaInput(b)
			b.ReportAllocs()
			for b.Loop() {
				if !ow.served(b, in) {
					b.Fatal("denied")
				}
			}
		})
	}
}
