package policy_test

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy"
)

// vectorFacts are the facts of one vector case, after merging over the
// file's defaults.
type vectorFacts struct {
	Consumer    policy.Consumer `json:"consumer"`
	Dataset     policy.Dataset  `json:"dataset"`
	Purpose     policy.Purpose  `json:"purpose"`
	GrantID     int64           `json:"grant_id"`
	Now         time.Time       `json:"now"`
	Field       policy.Field    `json:"field"`
	Grant       policy.Grant    `json:"grant"`
	ExtraGrants []policy.Grant  `json:"extra_grants"`
	NoGrants    bool            `json:"no_grants"`
	Consent     policy.Consent  `json:"consent"`
	Cedar       string          `json:"cedar"`
	CedarOrg    int64           `json:"cedar_org"`
	Want        struct {
		Effect      policy.Effect `json:"effect"`
		Op          string        `json:"op"`
		Rule        string        `json:"rule"`
		Ref         string        `json:"ref"`
		OpRule      string        `json:"op_rule"`
		Consent     string        `json:"consent"`
		ConsentRule string        `json:"consent_rule"`
		ConsentRef  string        `json:"consent_ref"`
		Authority   bool          `json:"authority"`
		Grant       int64         `json:"grant"`
		Policy      *string       `json:"policy"`
		Withheld    bool          `json:"withheld"`
		Applied     []string      `json:"applied"`
	} `json:"want"`
}

// merge deep-merges over onto base: objects merge key by key, anything
// else replaces.
func merge(base, over any) any {
	b, ok1 := base.(map[string]any)
	o, ok2 := over.(map[string]any)
	if !ok1 || !ok2 {
		return over
	}
	out := make(map[string]any, len(b)+len(o))
	for k, v := range b {
		out[k] = v
	}
	for k, v := range o {
		out[k] = merge(b[k], v)
	}
	return out
}

type vectorCase struct {
	name  string
	facts vectorFacts
}

func loadVectors(t *testing.T) []vectorCase {
	t.Helper()
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Defaults map[string]any   `json:"defaults"`
		Cases    []map[string]any `json:"cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	var out []vectorCase
	for i, c := range file.Cases {
		name, _ := c["name"].(string)
		if name == "" {
			t.Fatalf("case %d has no name", i)
		}
		b, err := json.Marshal(merge(file.Defaults, c))
		if err != nil {
			t.Fatal(err)
		}
		var f vectorFacts
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("case %s: %v", name, err)
		}
		out = append(out, vectorCase{name, f})
	}
	return out
}

func mustRules(tb testing.TB) *policy.SharingRules {
	tb.Helper()
	r, err := policy.DefaultRules()
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestEngine_Vectors(t *testing.T) {
	rules := mustRules(t)
	cases := loadVectors(t)
	if len(cases) < 40 {
		t.Fatalf("only %d vector cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &c.facts
			grants := policy.NewGrantIndex()
			if !f.NoGrants {
				if err := grants.Put(&f.Grant); err != nil {
					t.Fatal(err)
				}
			}
			for i := range f.ExtraGrants {
				if err := grants.Put(&f.ExtraGrants[i]); err != nil {
					t.Fatal(err)
				}
			}
			var layer *policy.CedarLayer
			if f.Cedar != "" {
				org := f.CedarOrg
				if org == 0 {
					org = f.Dataset.Owner
				}
				set, err := policy.ParseCedar(org, []byte(f.Cedar))
				if err != nil {
					t.Fatalf("cedar: %v", err)
				}
				layer = policy.NewCedarLayer()
				layer.Put(set)
			}
			eng := policy.NewEngine(rules, grants, layer)
			req := &policy.Request{Consumer: f.Consumer, Dataset: f.Dataset, Purpose: f.Purpose, GrantID: f.GrantID, Now: f.Now}
			plan := eng.Plan(req, []policy.Field{f.Field})
			d := plan.Fields[0]
			w := f.Want

			if d.Effect != w.Effect {
				t.Errorf("effect = %s, want %s (reason %q)", d.Effect, w.Effect, d.Reason)
			}
			if d.Effect != policy.Deny && d.Op.String() != w.Op {
				t.Errorf("op = %s, want %s", d.Op, w.Op)
			}
			if d.Rule == nil {
				t.Fatalf("no rule")
			}
			if d.Rule.ID != w.Rule || d.Rule.Ref() != w.Ref {
				t.Errorf("rule = %s (%s), want %s (%s)", d.Rule.ID, d.Rule.Ref(), w.Rule, w.Ref)
			}
			if d.Reason == "" {
				t.Errorf("empty reason")
			}
			if w.OpRule != "" && !slices.ContainsFunc(d.Applied(), func(r *policy.Rule) bool { return r.ID == w.OpRule }) {
				t.Errorf("applied %v lacks %s", ids(d.Applied()), w.OpRule)
			}
			if want := w.Consent; want != "" || d.Consent != policy.ConsentNone {
				if d.Consent.String() != want {
					t.Errorf("consent = %s, want %q", d.Consent, want)
				}
				if d.ConsentRule == nil || d.ConsentRule.ID != w.ConsentRule || d.ConsentRule.Ref() != w.ConsentRef {
					t.Errorf("consent rule = %v, want %s (%s)", d.ConsentRule, w.ConsentRule, w.ConsentRef)
				}
			}
			if d.Authority != w.Authority {
				t.Errorf("authority = %v, want %v", d.Authority, w.Authority)
			}
			if d.Grant != w.Grant {
				t.Errorf("grant = %d, want %d", d.Grant, w.Grant)
			}
			if w.Policy != nil && d.Policy != *w.Policy {
				t.Errorf("policy = %q, want %q", d.Policy, *w.Policy)
			}
			if w.Applied != nil && !slices.Equal(ids(d.Applied()), w.Applied) {
				t.Errorf("applied = %v, want %v", ids(d.Applied()), w.Applied)
			}
			// Per record: a denied field serves no record; otherwise the consent decides.
			withheld := plan.Served() == 0 || plan.Withheld(f.Consent)
			if withheld != w.Withheld {
				t.Errorf("withheld = %v, want %v", withheld, w.Withheld)
			}
			if got := d.Admits(f.Consent, f.Now); got == w.Withheld {
				t.Errorf("Admits = %v, want %v", got, !w.Withheld)
			}
			// Without Cedar, DecideField and Plan agree.
			if layer == nil {
				if d2 := eng.DecideField(req, &f.Field); d2 != d {
					t.Errorf("DecideField = %+v, Plan = %+v", d2, d)
				}
			}
		})
	}
}

func ids(rs []*policy.Rule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestEngine_Plan(t *testing.T) {
	rules := mustRules(t)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	grants := policy.NewGrantIndex()
	g := &policy.Grant{ID: 7, Consumer: 2, Dataset: 10, Status: policy.StatusApproved, Purpose: "p", LegalBasis: "consent",
		Fields: []policy.GrantField{{Name: "phone"}, {Name: "amount"}, {Name: "diagnosis"}}}
	if err := grants.Put(g); err != nil {
		t.Fatal(err)
	}
	req := &policy.Request{Consumer: policy.Consumer{ID: 2, Region: "CN", Kind: sluice.OrgCompany},
		Dataset: policy.Dataset{ID: 10, Owner: 1, Region: "CN"}, Purpose: policy.Purpose{Name: "p", LegalBasis: "consent"}, Now: now}
	fields := []policy.Field{
		{Name: "phone", Categories: []string{"user.contact.phone_number"}, PI: true},
		{Name: "amount"},
		{Name: "salary"},
	}

	t.Run("OK", func(t *testing.T) {
		p := policy.NewEngine(rules, grants, nil).Plan(req, fields)
		if p.Served() != 2 {
			t.Fatalf("served %d fields, want 2", p.Served())
		}
		if p.Fields[2].Effect != policy.Deny || p.Fields[2].Rule.ID != "grant.field" {
			t.Errorf("salary: %+v", p.Fields[2])
		}
		if p.Consent != policy.ConsentSeparate || p.ConsentRule.ID != "consent.separate.provide" {
			t.Errorf("plan consent = %s %v", p.Consent, p.ConsentRule)
		}
		if !p.Withheld(policy.Consent{Kind: policy.ConsentGiven}) || p.Withheld(policy.Consent{Kind: policy.ConsentSeparate}) {
			t.Errorf("withheld wrong")
		}
		b, err := json.Marshal(p.Fields[0])
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m["effect"] != "allow_deidentified" || m["op"] != "mask(3,4)" || m["consent"] != "separate_consent" {
			t.Errorf("json = %s", b)
		}
	})

	t.Run("OKNoPIFieldsNoConsentFilter", func(t *testing.T) {
		p := policy.NewEngine(rules, grants, nil).Plan(req, fields[1:2])
		if p.Consent != policy.ConsentNone || p.Withheld(policy.Consent{}) {
			t.Errorf("non-PI read filtered by consent: %s", p.Consent)
		}
	})

	t.Run("OKCedarDeniesOneField", func(t *testing.T) {
		layer := policy.NewCedarLayer()
		set, err := policy.ParseCedar(1, []byte(`@id("no-amount") forbid (principal, action, resource == Sluice::Field::"10/amount");`))
		if err != nil {
			t.Fatal(err)
		}
		layer.Put(set)
		p := policy.NewEngine(rules, grants, layer).Plan(req, fields)
		if p.Fields[0].Effect == policy.Deny || p.Fields[1].Effect != policy.Deny || p.Fields[1].Policy != "no-amount" {
			t.Errorf("fields = %+v", p.Fields)
		}
		// The consent need stays that of the served phone field.
		if p.Consent != policy.ConsentSeparate {
			t.Errorf("consent = %s", p.Consent)
		}
	})

	t.Run("OKGrantChangesSeen", func(t *testing.T) {
		eng := policy.NewEngine(rules, grants, nil)
		g2 := *g
		g2.Status = policy.StatusRevoked
		if err := grants.Put(&g2); err != nil {
			t.Fatal(err)
		}
		defer grants.Put(g)
		if d := eng.DecideField(req, &fields[0]); d.Effect != policy.Deny || d.Rule.ID != "grant.revoked" {
			t.Errorf("after revoke: %+v", d)
		}
		grants.Delete(7)
		if d := eng.DecideField(req, &fields[0]); d.Rule.ID != "grant.not_found" {
			t.Errorf("after delete: %s", d.Rule.ID)
		}
	})
}

func TestGrantIndex_Put(t *testing.T) {
	ok := policy.Grant{ID: 1, Consumer: 2, Dataset: 3, Purpose: "p", Status: policy.StatusApproved, Fields: []policy.GrantField{{Name: "a"}}}
	t.Run("OK", func(t *testing.T) {
		x := policy.NewGrantIndex()
		g := ok
		if err := x.Put(&g); err != nil {
			t.Fatal(err)
		}
		g.Fields[0].Name = "changed" // the index keeps its own copy
		got, found := x.Get(1)
		if !found || got.Fields[0].Name != "a" || x.Len() != 1 {
			t.Errorf("Get = %+v, %v", got, found)
		}
	})
	for name, mut := range map[string]func(*policy.Grant){
		"ErrIDRequired":      func(g *policy.Grant) { g.ID = 0 },
		"ErrConsumer":        func(g *policy.Grant) { g.Consumer = 0 },
		"ErrDataset":         func(g *policy.Grant) { g.Dataset = 0 },
		"ErrPurpose":         func(g *policy.Grant) { g.Purpose = "" },
		"ErrStatus":          func(g *policy.Grant) { g.Status = "expired" },
		"ErrFieldTwice":      func(g *policy.Grant) { g.Fields = []policy.GrantField{{Name: "a"}, {Name: "a"}} },
		"ErrFieldName":       func(g *policy.Grant) { g.Fields = []policy.GrantField{{}} },
		"ErrFieldOpInvalid":  func(g *policy.Grant) { g.Fields = []policy.GrantField{{Name: "a", Op: policy.Op{Kind: 99}}} },
		"ErrFieldMaskTooBig": func(g *policy.Grant) { g.Fields = []policy.GrantField{{Name: "a", Op: policy.Mask(200, 0)}} },
	} {
		t.Run(name, func(t *testing.T) {
			g := ok
			g.Fields = slices.Clone(ok.Fields)
			mut(&g)
			if err := policy.NewGrantIndex().Put(&g); sluice.ErrorCode(err) != sluice.EINVALID {
				t.Errorf("err = %v, want EINVALID", err)
			}
		})
	}
}

func TestRequest_Validate(t *testing.T) {
	ok := policy.Request{Consumer: policy.Consumer{ID: 2, Region: "CN", Kind: sluice.OrgCompany},
		Dataset: policy.Dataset{ID: 10, Owner: 1, Region: "CN"}, Purpose: policy.Purpose{Name: "p"}, Now: time.Now()}
	t.Run("OK", func(t *testing.T) {
		if err := ok.Validate(); err != nil {
			t.Fatal(err)
		}
	})
	for name, mut := range map[string]func(*policy.Request){
		"ErrConsumer":   func(r *policy.Request) { r.Consumer.ID = 0 },
		"ErrKind":       func(r *policy.Request) { r.Consumer.Kind = "court" },
		"ErrDataset":    func(r *policy.Request) { r.Dataset.ID = 0 },
		"ErrOwner":      func(r *policy.Request) { r.Dataset.Owner = 0 },
		"ErrRegion":     func(r *policy.Request) { r.Dataset.Region = "cn" },
		"ErrConsRegion": func(r *policy.Request) { r.Consumer.Region = "x" },
		"ErrPurpose":    func(r *policy.Request) { r.Purpose.Name = "" },
		"ErrNow":        func(r *policy.Request) { r.Now = time.Time{} },
	} {
		t.Run(name, func(t *testing.T) {
			r := ok
			mut(&r)
			if err := r.Validate(); sluice.ErrorCode(err) != sluice.EINVALID {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// TestEngine_Concurrent runs reads while grants and policies change; run
// with -race.
func TestEngine_Concurrent(t *testing.T) {
	rules := mustRules(t)
	grants := policy.NewGrantIndex()
	layer := policy.NewCedarLayer()
	eng := policy.NewEngine(rules, grants, layer)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	req := &policy.Request{Consumer: policy.Consumer{ID: 2, Region: "CN"}, Dataset: policy.Dataset{ID: 10, Owner: 1, Region: "CN"},
		Purpose: policy.Purpose{Name: "p", LegalBasis: "contract"}, Now: now}
	fields := []policy.Field{{Name: "phone", Categories: []string{"user.contact.phone_number"}, PI: true}, {Name: "amount"}}
	set, err := policy.ParseCedar(1, []byte(`forbid (principal, action, resource) when { context.field == "amount" };`))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			st := policy.StatusApproved
			if i%2 == 1 {
				st = policy.StatusRevoked
			}
			g := &policy.Grant{ID: 1, Consumer: 2, Dataset: 10, Status: st, Purpose: "p", LegalBasis: "contract",
				Fields: []policy.GrantField{{Name: "phone"}, {Name: "amount"}}}
			if err := grants.Put(g); err != nil {
				t.Error(err)
				return
			}
			if i%10 == 0 {
				layer.Put(set)
			} else if i%10 == 5 {
				layer.Delete(1)
			}
		}
	}()
	for range 200 {
		p := eng.Plan(req, fields)
		for _, d := range p.Fields {
			if d.Effect != policy.Deny && d.Rule == nil {
				t.Fatal("allowed without a rule")
			}
		}
	}
	<-done
}
