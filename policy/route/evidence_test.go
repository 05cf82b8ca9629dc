package route

import (
	"errors"
	"testing"

	"github.com/sluice-gateway/sluice"
)

func TestRules_AssessmentValid(t *testing.T) {
	r := Default()
	for _, tc := range []struct {
		name             string
		from, to, now    string
		status           EvidenceStatus
		validTo, renewal string
		validityRule     string
	}{
		{"OKNotYetValid", "2024-06-03", "", "2024-06-02", NotYetValid, "2027-06-02", "2027-03-11", "cn.sa.validity.o16"},
		{"OKValid", "2024-06-03", "", "2027-03-10", Valid, "2027-06-02", "2027-03-11", "cn.sa.validity.o16"},
		{"OKRenewalWindowOpens", "2024-06-03", "", "2027-03-11", RenewalDue, "2027-06-02", "2027-03-11", "cn.sa.validity.o16"},
		{"OKLastValidDay", "2024-06-03", "", "2027-06-02", RenewalDue, "2027-06-02", "2027-03-11", "cn.sa.validity.o16"},
		{"OKExpired", "2024-06-03", "", "2027-06-03", Expired, "2027-06-02", "2027-03-11", "cn.sa.validity.o16"},
		{"OKShorterThanTheLaw", "2024-06-03", "2025-06-02", "2025-06-03", Expired, "2025-06-02", "2025-03-05", "cn.sa.validity.o16"}, // Qingming, Labour Day (27 April worked) and Dragon Boat 2025 in the window
		{"OKO11TwoYears", "2023-01-02", "", "2024-12-31", RenewalDue, "2025-01-01", "2024-10-10", "cn.sa.validity.o11"},
		{"OKOneDay", "2026-11-26", "2026-11-26", "2026-11-26", RenewalDue, "2026-11-26", "2026-08-31", "cn.sa.validity.o16"}, // Mid-Autumn and National Day 2026 (20 September, 10 October worked)
	} {
		t.Run(tc.name, func(t *testing.T) {
			var to Date
			if tc.to != "" {
				to = MustParseDate(tc.to)
			}
			v, err := r.AssessmentValid(MustParseDate(tc.from), to, MustParseDate(tc.now))
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != tc.status || v.ValidTo.String() != tc.validTo || v.RenewFrom.String() != tc.renewal || v.Validity.ID != tc.validityRule {
				t.Errorf("got %s valid to %s renew from %s by %s; want %s %s %s %s",
					v.Status, v.ValidTo, v.RenewFrom, v.Validity.ID, tc.status, tc.validTo, tc.renewal, tc.validityRule)
			}
			// The 2027 schedule is not in the PRC calendar: those windows are provisional.
			if prov := v.RenewFrom.Year() == 2027 || v.ValidTo.Year() == 2027; v.RenewProvisional != prov || (v.RenewWarning != "") != prov {
				t.Errorf("renew provisional %v (%q), want %v", v.RenewProvisional, v.RenewWarning, prov)
			}
			if v.Renewal == nil || v.Renewal.Deadline.Amount != 60 {
				t.Errorf("renewal rule %+v", v.Renewal)
			}
		})
	}

	for _, tc := range []struct {
		name          string
		from, to, now Date
		field         string
	}{
		{"ErrEndBeforeStart", MustParseDate("2025-01-02"), MustParseDate("2025-01-01"), MustParseDate("2026-01-01"), "approved_to"},
		{"ErrLongerThanTheLaw", MustParseDate("2024-06-03"), MustParseDate("2027-06-03"), MustParseDate("2026-01-01"), "approved_to"},
		{"ErrO11LongerThanTwoYears", MustParseDate("2023-01-02"), MustParseDate("2025-01-02"), MustParseDate("2024-01-01"), "approved_to"},
		{"ErrBeforeAnyRule", MustParseDate("2022-08-31"), 0, MustParseDate("2023-01-01"), "approved_from"},
		{"ErrNoStart", 0, 0, MustParseDate("2023-01-01"), "approved_from"},
		{"ErrNoNow", MustParseDate("2024-06-03"), 0, 0, "now"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.AssessmentValid(tc.from, tc.to, tc.now)
			var e *sluice.Error
			if !errors.As(err, &e) || e.Code != sluice.EINVALID || e.Field != tc.field {
				t.Fatalf("err = %v, want EINVALID on %s", err, tc.field)
			}
		})
	}
}

func TestCheckPeriod(t *testing.T) {
	d := MustParseDate("2026-11-26")
	t.Run("OK", func(t *testing.T) {
		for _, to := range []Date{0, d, d + 1} {
			if err := CheckPeriod(d, to); err != nil {
				t.Errorf("CheckPeriod(%s, %s): %v", d, to, err)
			}
		}
	})
	for _, tc := range []struct {
		name     string
		from, to Date
		field    string
	}{
		{"ErrEndBeforeStart", d, d - 1, "valid_to"},
		{"ErrNoStart", 0, d, "valid_from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e *sluice.Error
			if err := CheckPeriod(tc.from, tc.to); !errors.As(err, &e) || e.Field != tc.field {
				t.Fatalf("err = %v, want EINVALID on %s", err, tc.field)
			}
		})
	}
}
