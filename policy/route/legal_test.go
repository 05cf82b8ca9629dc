package route

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"sluice"
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
