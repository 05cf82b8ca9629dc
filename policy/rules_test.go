package policy_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy"
)

func TestDefaultRules(t *testing.T) {
	r := mustRules(t)
	if r.Version == "" || len(r.Hash) != 64 {
		t.Errorf("version %q hash %q", r.Version, r.Hash)
	}
	for _, id := range []string{"core.deny", "authority.foreign", "authority.domestic", "deidentify.default", "consent.separate.provide"} {
		if rule := r.Rule(id); rule == nil || rule.Confidence == "" || rule.EffectiveFrom == "" {
			t.Errorf("rule %s: %+v", id, rule)
		}
	}
	if r.Regime("EU") != policy.RegimeGDPR || r.Regime("CN") != policy.RegimePIPL || r.Regime("US") != policy.RegimePIPL {
		t.Error("regimes wrong")
	}
	if b := r.Basis("CN", "consent"); b == nil || !b.NeedsConsent || b.Article != "Art. 13(1)" {
		t.Errorf("CN consent basis: %+v", b)
	}
	if b := r.Basis("CN", "contract"); b == nil || b.NeedsConsent {
		t.Errorf("CN contract basis: %+v", b)
	}
	if r.Basis("EU", "hr") != nil || r.Basis("EU", "legitimate_interests") == nil {
		t.Error("EU bases wrong")
	}
	for _, trig := range []string{"provide", "publish", "public_camera", "sensitive", "export"} {
		if r.ConsentTrigger(trig) == nil {
			t.Errorf("no separate-consent trigger %s", trig)
		}
	}
}

func TestSharingRules_DefaultOp(t *testing.T) {
	r := mustRules(t)
	for _, tt := range []struct {
		cats   []string
		op, id string
	}{
		{[]string{"user.contact.phone_number"}, "mask(3,4)", "op.user.contact.phone_number"},
		{[]string{"user.contact.phone_number.mobile.cn"}, "mask(3,4)", "op.user.contact.phone_number"},
		{[]string{"user.contact.fax"}, "mask(1,1)", "op.user.contact"},
		{[]string{"user.government_id.national_identification_number"}, "pseudonym", "op.user.government_id"},
		{[]string{"user.government_id.vehicle_registration"}, "mask(2,1)", "op.user.government_id.vehicle_registration"},
		{[]string{"user.location.precise"}, "generalize(1km)", "op.user.location"},
		{[]string{"user.demographic.date_of_birth"}, "generalize(year)", "op.user.demographic.date_of_birth"},
		{[]string{"user.demographic.religious_belief"}, "redact", "op.user.demographic"},
		{[]string{"user.something_new"}, "pseudonym", "op.user"},
		{[]string{"organization.identifier"}, "pseudonym", "op.fallback"},
		{nil, "pseudonym", "op.fallback"},
		{[]string{"user.name", "user.contact.phone_number"}, "mask(1,1)", "op.user.name"},
		{[]string{"user.contact.phone_number", "user.government_id"}, "pseudonym", "op.user.government_id"},
		{[]string{"user.location.precise", "user.demographic.gender"}, "generalize(1km)", "op.user.location"},
		{[]string{"user.biometric", "user.name"}, "redact", "op.user.biometric"},
	} {
		t.Run(strings.Join(tt.cats, "+"), func(t *testing.T) {
			op, rule := r.DefaultOp(tt.cats)
			if op.String() != tt.op || rule.ID != tt.id {
				t.Errorf("DefaultOp = %s (%s), want %s (%s)", op, rule.ID, tt.op, tt.id)
			}
		})
	}
}

// editRules returns the embedded rule file with edit applied to its
// decoded form.
func editRules(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	data, err := os.ReadFile("rules/sharing.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func entry(m map[string]any, section string, i int) map[string]any {
	return m[section].([]any)[i].(map[string]any)
}

func TestLoadRules(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		data, err := os.ReadFile("rules/sharing.json")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := policy.LoadRules(data); err != nil {
			t.Fatal(err)
		}
	})
	for _, tt := range []struct {
		name, want string
		edit       func(m map[string]any)
	}{
		{"ErrConfidence", `operators[3] (user.name): confidence "sure"`, func(m map[string]any) { entry(m, "operators", 3)["confidence"] = "sure" }},
		{"ErrEffectiveFrom", `rules[0] (grant.allow): effective_from "2022-13-01"`, func(m map[string]any) { entry(m, "rules", 0)["effective_from"] = "2022-13-01" }},
		{"ErrEffectiveTo", `rules[1] (grant.not_found): effective_to 2020-01-01 is not after`, func(m map[string]any) { entry(m, "rules", 1)["effective_to"] = "2020-01-01" }},
		{"ErrInstrument", `legal_bases[2] (pipl/hr): instrument required`, func(m map[string]any) { entry(m, "legal_bases", 2)["instrument"] = "" }},
		{"ErrArticle", `separate_consent[0] (provide): article required`, func(m map[string]any) { entry(m, "separate_consent", 0)["article"] = " " }},
		{"ErrOperator", `Operator "mask(3)"`, func(m map[string]any) { entry(m, "operators", 5)["op"] = "mask(3)" }},
		{"ErrOperatorMissing", `operators[5] (user.contact.phone_number): op required`, func(m map[string]any) { delete(entry(m, "operators", 5), "op") }},
		{"ErrOperatorBareMask", `operators[5] (user.contact.phone_number): a default mask needs its counts`, func(m map[string]any) { entry(m, "operators", 5)["op"] = "mask" }},
		{"ErrCategory", `operators[0] (User.X): category "User.X"`, func(m map[string]any) { entry(m, "operators", 0)["category"] = "User.X" }},
		{"ErrCategoryTwice", `operators[1] (user): category listed twice`, func(m map[string]any) { entry(m, "operators", 1)["category"] = "user" }},
		{"ErrRuleMissing", `rules: rule "core.deny" is not defined`, func(m map[string]any) {
			for _, e := range m["rules"].([]any) {
				if r := e.(map[string]any); r["id"] == "core.deny" {
					r["id"] = "core.denied"
				}
			}
		}},
		{"ErrRuleTwice", `rules[1] (grant.allow): id used twice`, func(m map[string]any) { entry(m, "rules", 1)["id"] = "grant.allow" }},
		{"ErrReason", `rules[0] (grant.allow): reason required`, func(m map[string]any) { entry(m, "rules", 0)["reason"] = "" }},
		{"ErrAuthorityOutcome", `authority[0] (authority.foreign): outcome "block"`, func(m map[string]any) { entry(m, "authority", 0)["outcome"] = "block" }},
		{"ErrAuthorityKind", `authority[0] (authority.foreign): outcome deny_unless_approved applies to foreign`, func(m map[string]any) {
			entry(m, "authority", 0)["kinds"] = []any{"company"}
		}},
		{"ErrRegime", `legal_bases[0] (ccpa/consent): regime "ccpa"`, func(m map[string]any) { entry(m, "legal_bases", 0)["regime"] = "ccpa" }},
		{"ErrNoFallbackRegime", `regimes: no "*" entry`, func(m map[string]any) { m["regimes"] = m["regimes"].([]any)[:1] }},
		{"ErrUnknownField", `unknown field "colour"`, func(m map[string]any) { entry(m, "rules", 0)["colour"] = "red" }},
		{"ErrTriggerRule", `separate_consent[3] (sensitive): rule "nope" is not defined`, func(m map[string]any) { entry(m, "separate_consent", 3)["rule"] = "nope" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.LoadRules(editRules(t, tt.edit))
			if sluice.ErrorCode(err) != sluice.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			if msg := sluice.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not contain %q", msg, tt.want)
			}
		})
	}
	t.Run("ErrNotJSON", func(t *testing.T) {
		if _, err := policy.LoadRules([]byte("{")); sluice.ErrorCode(err) != sluice.EINVALID {
			t.Errorf("err = %v", err)
		}
	})
}
