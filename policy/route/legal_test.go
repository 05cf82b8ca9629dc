package route

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// TestRules_Decide_PIPLArt39 checks that separate consent to the export
// (PIPL Art. 39) is listed exactly when consent is the legal basis (PIPL
// Art. 13(1)), whatever the route, and that the Art. 39 notice is listed
// for every basis.
func TestRules_Decide_PIPLArt39(t *testing.T) {
	r := Default()
	const today = "2026-11-26"
	for _, tc := range []struct {
		name    string
		in      Input
		route   Route
		consent bool // cn.pipl39.consent listed
		assumed bool // Decision.ConsentAssumed
	}{
		{"ContractBasisSCC", cn(today, basis("contract"), ytd(150000, 0)), SCCOrCert, false, false},
		{"ContractBasisAssessment", cn(today, basis("contract"), ytd(2000000, 0)), SecurityAssessment, false, false},
		{"ContractBasisExempt", cn(today, basis("contract")), Exempt, false, false},
		{"StatutoryDutyBasis", cn(today, basis("statutory_duty"), ytd(150000, 0)), SCCOrCert, false, false},
		{"HRBasisImportant", cn(today, basis("hr"), important), SecurityAssessment, false, false},
		{"ConsentBasisSCC", cn(today, basis("consent"), ytd(150000, 0)), SCCOrCert, true, false},
		{"ConsentBasisDespiteContractExemption", cn(today, basis("consent"), exempt("contract")), Exempt, true, false},
		{"ConsentBasisReexport", cn(today, basis("consent"), exempt("reexport")), Exempt, true, false},
		{"NoBasisContractExemptionImpliesContract", cn(today, exempt("contract")), Exempt, false, false},
		{"NoBasisHRExemptionImpliesHR", cn(today, exempt("hr")), Exempt, false, false},
		{"NoBasisAssumesConsent", cn(today, ytd(150000, 0)), SCCOrCert, true, true},
		{"NoBasisReexportAssumesConsent", cn(today, exempt("reexport")), Exempt, true, true},
		{"NoPINoNotice", cn(today, basis("consent"), noPI), Exempt, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := r.Decide(&tc.in, testNow)
			if err != nil {
				t.Fatal(err)
			}
			ids := requireIDs(d)
			if d.Route != tc.route {
				t.Errorf("route = %s, want %s", d.Route, tc.route)
			}
			if got := slices.Contains(ids, "cn.pipl39.consent"); got != tc.consent {
				t.Errorf("PIPL Art. 39 separate consent listed = %v, want %v (%q)", got, tc.consent, ids)
			}
			if pi := tc.in.Data.PI == nil || *tc.in.Data.PI; slices.Contains(ids, "cn.pipl39.notice") != pi {
				t.Errorf("PIPL Art. 39 notice listed = %v, want %v", !pi, pi)
			}
			if d.ConsentAssumed != tc.assumed {
				t.Errorf("ConsentAssumed = %v, want %v", d.ConsentAssumed, tc.assumed)
			}
		})
	}
	t.Run("ErrUnknownBasis", func(t *testing.T) {
		in := cn(today, basis("legitimate_interests"))
		_, err := r.Decide(&in, testNow)
		var e *sluice.Error
		if !errors.As(err, &e) || e.Field != "legal_basis" || !strings.HasPrefix(e.Message, "legal_basis:") {
			t.Fatalf("err = %v, want EINVALID on legal_basis", err)
		}
	})
	t.Run("EUIgnoresBasis", func(t *testing.T) {
		in := eu(today, "CN", basis("legitimate_interests"))
		d, err := r.Decide(&in, testNow)
		if err != nil || d.ConsentAssumed {
			t.Fatalf("Decide = %+v, %v", d, err)
		}
	})
}

// TestRules_Decide_GDPRArt49Record checks that the reason why no Art. 46
// safeguard is available is recorded with an Art. 49 derogation.
func TestRules_Decide_GDPRArt49Record(t *testing.T) {
	in := eu("2026-11-26", "CN", derog("legal_claims"), noSafeguard)
	d, err := Default().Decide(&in, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if d.Route != Derogation || d.NoSafeguardReason != in.NoSafeguardReason {
		t.Errorf("Decide = %s with reason %q, want DEROGATION recording %q", d, d.NoSafeguardReason, in.NoSafeguardReason)
	}
	if slices.Contains(requireIDs(d), "eu.art49.no_safeguard") {
		t.Errorf("reason given, but still required: %q", requireIDs(d))
	}
	in.Safeguard = "unicorn"
	if _, err := Default().Decide(&in, testNow); sluice.ErrorCode(err) != sluice.EINVALID {
		t.Errorf("unknown safeguard: err = %v, want EINVALID", err)
	}
}

// TestRules_NoRulePack checks that a region no rule pack covers (US: no
// PIPL, no GDPR) gets no route, and says so, instead of another region's.
func TestRules_NoRulePack(t *testing.T) {
	r := Default()
	if r.Covers("US") || !r.Covers("CN") || !r.Covers("EU") {
		t.Fatalf("Covers: US %v, CN %v, EU %v", r.Covers("US"), r.Covers("CN"), r.Covers("EU"))
	}
	in := cn("2026-11-26", region("US"), to("CN"))
	_, err := r.Decide(&in, testNow)
	var nr *NoRulesError
	if !errors.As(err, &nr) || nr.Region != "US" || !IsNoRules(err) {
		t.Fatalf("Decide(US) err = %v, want a *NoRulesError", err)
	}
	if msg := sluice.ErrorMessage(err); !strings.Contains(msg, "no rule pack covers region US") {
		t.Errorf("message %q does not say that no rule pack covers US", msg)
	}
	if sluice.ErrorCode(err) != sluice.EINVALID {
		t.Errorf("code %s, want EINVALID", sluice.ErrorCode(err))
	}
	if _, err := r.CountingWindow("US", MustParseDate("2026-11-26")); !IsNoRules(err) {
		t.Errorf("CountingWindow(US) err = %v", err)
	}
	if _, err := r.Limits("US", MustParseDate("2026-11-26")); !IsNoRules(err) {
		t.Errorf("Limits(US) err = %v", err)
	}
	for _, bad := range []sluice.Region{"", "us"} {
		in := cn("2026-11-26", region(string(bad)))
		if _, err := r.Decide(&in, testNow); err == nil || IsNoRules(err) {
			t.Errorf("region %q: err = %v, want a plain EINVALID", bad, err)
		}
	}
}

// TestDeadline_SCCFilingO13Art7 counts the standard contract's filing
// deadline (O13 Art. 7: 10 working days after the contract takes effect)
// on the PRC calendar, over National Day week and its make-up Saturday.
func TestDeadline_SCCFilingO13Art7(t *testing.T) {
	in := cn("2026-11-26", basis("contract"), ytd(150000, 0))
	d, err := Default().Decide(&in, testNow)
	if err != nil {
		t.Fatal(err)
	}
	var filing *Deadline
	for _, q := range d.Requires {
		if q.ID == "cn.scc.filing" {
			filing = q.Deadline
		}
	}
	if filing == nil || filing.Amount != 10 || filing.Unit != UnitWorkingDays {
		t.Fatalf("no 10-working-day filing deadline in %q", requireIDs(d))
	}
	for _, tc := range []struct {
		name, effective, due string
		provisional          bool
	}{
		// 2025: 1-8 October off; Sunday 28 September and Saturday 11 October worked.
		{"NationalDay2025", "2025-09-26", "2025-10-16", false},                     // 28, 29, 30 Sep; 9, 10, 11, 13, 14, 15, 16 Oct
		{"NationalDay2025MakeUpSaturdayCounts", "2025-09-29", "2025-10-20", false}, // 30 Sep; 9, 10, 11 (Sat), 13-17, 20 Oct
		// 2026: 1-7 October off; Sunday 20 September and Saturday 10 October worked.
		{"NationalDay2026", "2026-09-28", "2026-10-16", false},
		{"SpringFestival2026", "2026-02-12", "2026-03-04", false},
		{"PlainWeeks", "2026-11-23", "2026-12-07", false},
		// 2027 is not in the calendar: weekdays counted, flagged.
		{"YearNotInCalendar", "2027-09-27", "2027-10-11", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			due := filing.DueOn(MustParseDate(tc.effective))
			if due.Date.String() != tc.due || due.Provisional != tc.provisional || !due.OK {
				t.Errorf("filing due %s (provisional %v), want %s (%v)", due.Date, due.Provisional, tc.due, tc.provisional)
			}
			if tc.provisional && !strings.Contains(due.Warning, "2027") {
				t.Errorf("warning %q does not name 2027", due.Warning)
			}
			if d, ok := filing.Due(MustParseDate(tc.effective)); !ok || d != due.Date {
				t.Errorf("Due = %s, %v; DueOn = %s", d, ok, due.Date)
			}
		})
	}
}

// TestParseInput_LegalFields reads the legal basis (PIPL Art. 13), the
// GDPR Art. 46 safeguard and the reason none is available from JSON.
func TestParseInput_LegalFields(t *testing.T) {
	in, err := ParseInput([]byte(`{"date":"2026-11-26","exporter":{"region":"EU"},"recipient":{"country":"IN"},
		"legal_basis":"contract","safeguard":"none","derogation":"legal_claims","no_safeguard_reason":"no clauses accepted"}`))
	if err != nil {
		t.Fatal(err)
	}
	if in.LegalBasis != "contract" || in.Safeguard != None || in.NoSafeguardReason != "no clauses accepted" {
		t.Fatalf("parsed %+v", in)
	}
	d, err := Default().Decide(in, testNow)
	if err != nil || d.Route != Derogation || d.NoSafeguardReason != "no clauses accepted" {
		t.Fatalf("Decide = %s (%q), %v", d, d.NoSafeguardReason, err)
	}
}
