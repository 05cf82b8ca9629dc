package duties_test

import (
	"testing"
	"time"

	"github.com/sluice-gateway/sluice/duties"
	"github.com/sluice-gateway/sluice/workday"
)

// TestRules_Boundaries checks each volume duty at its threshold: a PIPO
// from 1,000,000 people (PIPL Art. 52: "reaching"), filed within 30
// working days on the PRC calendar; a compliance audit only above
// 10,000,000 (PIPL Art. 54, Compliance Audit Measures Art. 3: "more
// than"); the important-data processor's duties from 10,000,000 (NDSR
// Art. 28: "or more").
func TestRules_Boundaries(t *testing.T) {
	r, err := duties.DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	applies := func(n int64) map[string]duties.Duty {
		out := map[string]duties.Duty{}
		for _, d := range r.Evaluate(n, day, nil) {
			if d.Applies {
				out[d.ID] = d
			}
		}
		return out
	}
	for _, tc := range []struct {
		subjects                int64
		pipo, audit, importantP bool
	}{
		{0, false, false, false},
		{999_999, false, false, false},
		{1_000_000, true, false, false},
		{9_999_999, true, false, false},
		{10_000_000, true, false, true},
		{10_000_001, true, true, true},
	} {
		got := applies(tc.subjects)
		_, pipo := got["cn.pipo"]
		_, audit := got["cn.audit"]
		_, imp := got["cn.ndsr28"]
		if pipo != tc.pipo || audit != tc.audit || imp != tc.importantP {
			t.Errorf("%d people: PIPO %v audit %v NDSR Art. 28 %v, want %v %v %v", tc.subjects, pipo, audit, imp, tc.pipo, tc.audit, tc.importantP)
		}
	}
	d := applies(1_000_000)["cn.pipo"]
	want, _ := workday.AddWorkingDays(day, 30)
	if d.ReachedOn != "2026-03-02" || d.Due != want.Format(time.DateOnly) || d.Due <= "2026-04-10" {
		t.Errorf("PIPO filing: reached %s due %s, want due %s (30 working days)", d.ReachedOn, d.Due, want.Format(time.DateOnly))
	}
	if a := applies(10_000_001)["cn.audit"]; a.EveryYears != 2 || a.Ref == "" {
		t.Errorf("audit %+v", a)
	}
	// A recorded day is kept: the deadline runs from it, not from today.
	for _, d := range r.Evaluate(1_000_000, day, map[string]string{"cn.pipo": "2026-01-05"}) {
		if d.ID == "cn.pipo" && d.ReachedOn != "2026-01-05" {
			t.Errorf("recorded day lost: %+v", d)
		}
	}
	// Before the rules were in force, nothing applies.
	for _, d := range r.Evaluate(20_000_000, time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), nil) {
		if d.Applies {
			t.Errorf("%s applies before its effective date", d.ID)
		}
	}
}

func TestLoadRules_Errors(t *testing.T) {
	for _, bad := range []string{
		`{"duties":[{"id":"x","threshold":0,"instrument":"a","article":"b","confidence":"checked","effective_from":"2025-01-01","text":"t"}]}`,
		`{"duties":[{"id":"x","threshold":1,"instrument":"a","article":"b","confidence":"sure","effective_from":"2025-01-01","text":"t"}]}`,
		`{"duties":[{"id":"x","threshold":1,"instrument":"a","article":"b","confidence":"checked","effective_from":"soon","text":"t"}]}`,
		`{"duties":[{"id":"x","threshold":1,"instrument":"a","article":"b","confidence":"checked","effective_from":"2025-01-01","text":"t","extra":1}]}`,
	} {
		if _, err := duties.LoadRules([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
