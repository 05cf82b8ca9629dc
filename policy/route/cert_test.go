package route

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// TestRules_CertificationValid checks a personal information protection
// certificate used as the route (PIPL Art. 38(1)(2)): valid 3 years (the
// 2022 Implementation Rules; O20 from 2026-01-01) and only within its
// scope; expiry and scope mismatches block with the date.
func TestRules_CertificationValid(t *testing.T) {
	r := Default()
	scope := CertScope{Countries: []string{"SG", "US"}, Categories: []string{"user.contact.phone", "user.name"},
		Recipients: []string{"recipient-1"}, Purposes: []string{"fulfilment"}}
	use := CertUse{Country: "US", Categories: []string{"user.name"}, Recipient: "recipient-1", Purpose: "fulfilment"}
	o20 := Certificate{IssuedOn: MustParseDate("2026-01-05"), Scope: scope}
	old := Certificate{IssuedOn: MustParseDate("2023-03-01"), Scope: scope}
	for _, tc := range []struct {
		name     string
		cert     Certificate
		use      CertUse
		now      string
		status   EvidenceStatus
		validTo  string
		rule     string
		field    string
		inReason []string
	}{
		{"O20/Valid", o20, use, "2026-11-26", Valid, "2029-01-04", "cn.cert.o20", "", []string{"2026-01-05", "2029-01-04"}},
		{"O20/LastDay", o20, use, "2029-01-04", Valid, "2029-01-04", "cn.cert.o20", "", nil},
		{"O20/ExpiredThreeYears", o20, use, "2029-01-05", Expired, "2029-01-04", "cn.cert.o20", "", []string{"valid until 2029-01-04", "expired on 2029-01-05", "O20"}},
		{"O20/NotYetValid", o20, use, "2026-01-04", NotYetValid, "2029-01-04", "cn.cert.o20", "", []string{"only from 2026-01-05"}},
		{"O20/ShorterCertificate", Certificate{IssuedOn: o20.IssuedOn, ValidTo: MustParseDate("2027-01-04"), Scope: scope}, use, "2027-01-05", Expired, "2027-01-04", "cn.cert.o20", "", []string{"expired on 2027-01-05"}},
		{"CERT2022/ExpiredThreeYears", old, use, "2026-03-01", Expired, "2026-02-28", "cn.cert.validity.2022", "", []string{"valid until 2026-02-28", "CERT2022"}},
		{"CERT2022/StillValidUnderO20", old, use, "2026-02-28", Valid, "2026-02-28", "cn.cert.validity.2022", "", nil},
		{"Scope/Country", o20, CertUse{Country: "IN", Categories: use.Categories, Recipient: use.Recipient, Purpose: use.Purpose}, "2026-11-26", OutOfScope, "2029-01-04", "cn.cert.o20", "scope.countries", []string{"country IN", "2026-01-05 to 2029-01-04"}},
		{"Scope/Category", o20, CertUse{Country: "US", Categories: []string{"user.name", "user.health"}, Recipient: use.Recipient, Purpose: use.Purpose}, "2026-11-26", OutOfScope, "2029-01-04", "cn.cert.o20", "scope.categories", []string{"user.health"}},
		{"Scope/NoCategories", o20, CertUse{Country: "US", Recipient: use.Recipient, Purpose: use.Purpose}, "2026-11-26", OutOfScope, "2029-01-04", "cn.cert.o20", "scope.categories", nil},
		{"Scope/Recipient", o20, CertUse{Country: "US", Categories: use.Categories, Recipient: "recipient-2", Purpose: use.Purpose}, "2026-11-26", OutOfScope, "2029-01-04", "cn.cert.o20", "scope.recipients", []string{"this recipient"}},
		{"Scope/Purpose", o20, CertUse{Country: "US", Categories: use.Categories, Recipient: use.Recipient, Purpose: "marketing"}, "2026-11-26", OutOfScope, "2029-01-04", "cn.cert.o20", "scope.purposes", []string{"this purpose"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := r.CertificationValid(tc.cert, tc.use, MustParseDate(tc.now))
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != tc.status || v.ValidTo.String() != tc.validTo || v.Validity.ID != tc.rule || v.Field != tc.field {
				t.Errorf("got %s to %s by %s field %q; want %s to %s by %s field %q", v.Status, v.ValidTo, v.Validity.ID, v.Field, tc.status, tc.validTo, tc.rule, tc.field)
			}
			if v.Blocked != (tc.status != Valid) {
				t.Errorf("Blocked = %v for %s", v.Blocked, v.Status)
			}
			for _, s := range tc.inReason {
				if !strings.Contains(v.Reason+" "+v.Validity.Ref, s) {
					t.Errorf("reason %q lacks %q", v.Reason, s)
				}
			}
			if strings.Contains(v.Reason, "recipient-") || strings.Contains(v.Reason, "marketing") {
				t.Errorf("reason %q names a recipient or purpose", v.Reason)
			}
			if v.Status == OutOfScope && (v.ScopeRule == nil || !strings.Contains(v.ScopeRule.Ref, "NDSR Art. 38")) {
				t.Errorf("scope rule %+v, want NDSR Art. 38", v.ScopeRule)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		cert  Certificate
		field string
	}{
		{"ErrNoIssueDate", Certificate{Scope: scope}, "issued_on"},
		{"ErrBeforeCertificationRules", Certificate{IssuedOn: MustParseDate("2022-11-03"), Scope: scope}, "issued_on"},
		{"ErrEndsBeforeIssue", Certificate{IssuedOn: o20.IssuedOn, ValidTo: MustParseDate("2026-01-04"), Scope: scope}, "valid_to"},
		{"ErrLongerThanThreeYears", Certificate{IssuedOn: o20.IssuedOn, ValidTo: MustParseDate("2029-01-05"), Scope: scope}, "valid_to"},
		{"ErrNoCountries", Certificate{IssuedOn: o20.IssuedOn, Scope: CertScope{Categories: scope.Categories}}, "scope.countries"},
		{"ErrNoCategories", Certificate{IssuedOn: o20.IssuedOn, Scope: CertScope{Countries: scope.Countries}}, "scope.categories"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.CertificationValid(tc.cert, use, MustParseDate("2026-11-26"))
			var e *sluice.Error
			if !errors.As(err, &e) || e.Code != sluice.EINVALID || e.Field != tc.field || !strings.HasPrefix(e.Message, tc.field) {
				t.Errorf("err = %v, want EINVALID on %s", err, tc.field)
			}
		})
	}
}
