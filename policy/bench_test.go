package policy_test

// Decision cost. Run with
//
//	go test -run '^$' -bench 'Decide|Cedar|Op_' -count 6 ./policy/ | tee new.txt
//
// and compare runs with `benchstat old.txt new.txt`. bench/policy.sh puts
// the built-in decision next to cedar-go and OPA on the same rules.

import (
	"fmt"
	"testing"
	"time"

	cedar "github.com/cedar-policy/cedar-go"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy"
)

var benchNow = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// benchGrants loads n grants: consumer 1000+i reads dataset 5000+i/4 for
// purpose "purpose-i%7". The request of benchRequest finds grant n/2.
func benchGrants(tb testing.TB, n int) *policy.GrantIndex {
	tb.Helper()
	x := policy.NewGrantIndex()
	for i := range n {
		g := &policy.Grant{
			ID: int64(i + 1), Consumer: int64(1000 + i), Dataset: int64(5000 + i/4),
			Status: policy.StatusApproved, ExpiresAt: benchNow.AddDate(1, 0, 0),
			Purpose: fmt.Sprintf("purpose-%d", i%7), LegalBasis: policy.BasisConsent,
			Fields: []policy.GrantField{{Name: "name"}, {Name: "phone"}, {Name: "id_number"}, {Name: "city"}, {Name: "amount"}},
		}
		if err := x.Put(g); err != nil {
			tb.Fatal(err)
		}
	}
	return x
}

func benchRequest(n int) *policy.Request {
	i := n / 2
	return &policy.Request{
		Consumer: policy.Consumer{ID: int64(1000 + i), Region: "CN", Kind: sluice.OrgCompany},
		Dataset:  policy.Dataset{ID: int64(5000 + i/4), Owner: 1, Region: "CN"},
		Purpose:  policy.Purpose{Name: fmt.Sprintf("purpose-%d", i%7), LegalBasis: policy.BasisConsent},
		Now:      benchNow,
	}
}

var benchPhone = policy.Field{Name: "phone", Categories: []string{"user.contact.phone_number"}, PI: true, Grade: "general"}

// BenchmarkDecide measures the built-in decision for one field of one
// record: the per-field decision and the record's consent check.
func BenchmarkDecide(b *testing.B) {
	rules := mustRules(b)
	consent := policy.Consent{Kind: policy.ConsentSeparate}
	for _, n := range []int{10, 10_000} {
		b.Run(fmt.Sprintf("grants=%d", n), func(b *testing.B) {
			eng := policy.NewEngine(rules, benchGrants(b, n), nil)
			req := benchRequest(n)
			if d := eng.DecideField(req, &benchPhone); d.Effect != policy.AllowDeidentified || !d.Admits(consent, req.Now) {
				b.Fatalf("decision %+v", d)
			}
			b.ReportAllocs()
			for b.Loop() {
				d := eng.DecideField(req, &benchPhone)
				if !d.Admits(consent, req.Now) {
					b.Fatal("withheld")
				}
			}
		})
	}
}

// BenchmarkPlanRecord measures the per-record part alone: the consent check
// the server runs for each record of a read.
func BenchmarkPlanRecord(b *testing.B) {
	eng := policy.NewEngine(mustRules(b), benchGrants(b, 10), nil)
	p := eng.Plan(benchRequest(10), []policy.Field{benchPhone})
	c := policy.Consent{Kind: policy.ConsentSeparate, WithdrawnAt: benchNow.Add(time.Hour)}
	b.ReportAllocs()
	for b.Loop() {
		if p.Withheld(c) {
			b.Fatal("withheld")
		}
	}
}

// orgPolicy is an organisation's restriction in Cedar; ten other
// organisations' policies are loaded beside it and never evaluated.
const orgPolicy = `@id("no-health-to-companies")
forbid (principal, action == Sluice::Action::"read", resource in Sluice::Dataset::"%d")
when { principal.kind == "company" && resource.categories.contains("user.health_and_medical") };
@id("credit-purposes-only")
forbid (principal, action, resource)
unless { context.purpose like "purpose-*" && context.legal_basis != "news" };
`

// BenchmarkCedar compares a bare cedar-go Authorize on the organisation's
// policies, with the request built beforehand, against the Cedar layer,
// which finds the owner's policies for the dataset and reuses the request it
// built for the field under this grant.
func BenchmarkCedar(b *testing.B) {
	req := benchRequest(10)
	g := &policy.Grant{ID: 6, Consumer: req.Consumer.ID, Dataset: req.Dataset.ID, Status: policy.StatusApproved,
		Purpose: req.Purpose.Name, LegalBasis: policy.BasisConsent}
	text := fmt.Sprintf(orgPolicy, req.Dataset.ID)

	b.Run("bare-authorize", func(b *testing.B) {
		ps, err := cedar.NewPolicySetFromBytes("", []byte(text))
		if err != nil {
			b.Fatal(err)
		}
		ents, creq := policy.CedarRequestForTest(req, g, &benchPhone)
		if d, _ := cedar.Authorize(ps, ents, creq); d != cedar.Deny { // no permit: Cedar's default deny
			b.Fatal("unexpected allow")
		}
		b.ReportAllocs()
		for b.Loop() {
			cedar.Authorize(ps, ents, creq)
		}
	})
	b.Run("bare-authorize-layer-entities", func(b *testing.B) {
		// The same, with the layer's entity getter: what the layer adds is
		// finding the policies and the cached request.
		ps, err := cedar.NewPolicySetFromBytes("", []byte(text))
		if err != nil {
			b.Fatal(err)
		}
		ents, creq := policy.CedarEntryForTest(req, g, &benchPhone)
		b.ReportAllocs()
		for b.Loop() {
			cedar.Authorize(ps, ents, creq)
		}
	})
	b.Run("layer", func(b *testing.B) {
		layer := policy.NewCedarLayer()
		for org := int64(2); org < 12; org++ {
			s, err := policy.ParseCedar(org, []byte(fmt.Sprintf(orgPolicy, 9000+org)))
			if err != nil {
				b.Fatal(err)
			}
			layer.Put(s)
		}
		s, err := policy.ParseCedar(req.Dataset.Owner, []byte(text))
		if err != nil {
			b.Fatal(err)
		}
		layer.Put(s)
		if id, _, deny := layer.Check(req, g, &benchPhone); deny {
			b.Fatalf("denied by %s", id)
		}
		b.ReportAllocs()
		for b.Loop() {
			layer.Check(req, g, &benchPhone)
		}
	})
}

func BenchmarkOp_Append(b *testing.B) {
	k := policy.NewPseudonymizer([]byte("bench secret"), 1)
	for _, c := range []struct{ op, in string }{
		{"clear", "13812345678"},
		{"mask(3,4)", "13812345678"},
		{"mask(1,1)", "张三丰"},
		{"mask(1,0,domain)", "zhangsan@example.com"},
		{"pseudonym", "110101199003071234"},
		{"generalize(year)", "1990-05-17"},
		{"generalize(1km)", "22.543096,114.057865"},
		{"generalize(band10)", "34"},
	} {
		b.Run(c.op, func(b *testing.B) {
			op := mustOp(b, c.op)
			buf := make([]byte, 0, 128)
			b.SetBytes(int64(len(c.in)))
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = op.AppendString(buf[:0], c.in, k)
			}
		})
	}
}
