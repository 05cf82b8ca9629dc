package policy

import "testing"

// TestSharingRules_DSLArt36EffectiveFrom checks that the rules resting on
// DSL Art. 36 (foreign judicial and law-enforcement requests) are in force
// from the DSL's own date, 2021-09-01, not from PIPL's 2021-11-01.
func TestSharingRules_DSLArt36EffectiveFrom(t *testing.T) {
	s, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"authority.foreign", "authority.foreign.approved"} {
		r := s.Rule(id)
		if r == nil {
			t.Fatalf("no rule %s", id)
		}
		if r.EffectiveFrom != "2021-09-01" {
			t.Errorf("%s (DSL Art. 36): effective_from %s, want 2021-09-01", id, r.EffectiveFrom)
		}
	}
	for _, a := range s.file.Authority {
		if a.RuleID == "authority.foreign" && a.EffectiveFrom != "2021-09-01" {
			t.Errorf("authority row for %v (DSL Art. 36): effective_from %s, want 2021-09-01", a.Kinds, a.EffectiveFrom)
		}
	}
}
