package policy_test

import (
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/policy"
)

// TestPlan_WrittenConsent_CreditArt18 checks a read plan under the Credit
// Reporting Industry Regulations Art. 18: another org's consent-based read
// of a credit field needs written consent, which ranks with separate
// consent and is kept apart from a guardian's (PIPL Art. 31): a read of a
// child's field and a credit field together needs both.
func TestPlan_WrittenConsent_CreditArt18(t *testing.T) {
	rules := mustRules(t)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	grants := policy.NewGrantIndex()
	if err := grants.Put(&policy.Grant{ID: 7, Consumer: 2, Dataset: 10, Status: policy.StatusApproved, Purpose: "p", LegalBasis: "consent",
		Fields: []policy.GrantField{{Name: "phone"}, {Name: "overdue"}, {Name: "age"}}}); err != nil {
		t.Fatal(err)
	}
	req := &policy.Request{Consumer: policy.Consumer{ID: 2, Region: "CN", Kind: sluice.OrgCompany},
		Dataset: policy.Dataset{ID: 10, Owner: 1, Region: "CN"}, Purpose: policy.Purpose{Name: "p", LegalBasis: "consent"}, Now: now}
	phone := policy.Field{Name: "phone", Categories: []string{"user.contact.phone_number"}, PI: true}
	overdue := policy.Field{Name: "overdue", Categories: []string{"user.credit.overdue"}, PI: true, Sensitive: true}
	age := policy.Field{Name: "age", Categories: []string{"user.children.under_14"}, PI: true}
	eng := policy.NewEngine(rules, grants, nil)

	p := eng.Plan(req, []policy.Field{phone, overdue})
	if p.Consent != policy.ConsentWritten || !p.Written || p.ConsentRule.ID != "consent.written" {
		t.Fatalf("plan consent %s written %v rule %v", p.Consent, p.Written, p.ConsentRule)
	}
	if !p.Withheld(policy.Consent{Kind: policy.ConsentSeparate}) || p.Withheld(policy.Consent{Kind: policy.ConsentSeparate, Written: true}) {
		t.Errorf("credit read: separate consent must not do, written consent must")
	}
	if !p.Withheld(policy.Consent{Kind: policy.ConsentSeparate, Written: true, WithdrawnAt: now.Add(-time.Hour)}) {
		t.Errorf("a withdrawn written consent still served")
	}
	// Without the credit field, separate consent does.
	if p := eng.Plan(req, []policy.Field{phone}); p.Written || p.Withheld(policy.Consent{Kind: policy.ConsentSeparate}) {
		t.Errorf("phone only: written %v", p.Written)
	}
	// A child's field and a credit field: a guardian's consent, in writing.
	p = eng.Plan(req, []policy.Field{overdue, age})
	if p.Consent != policy.ConsentGuardian || !p.Written {
		t.Fatalf("child and credit: consent %s written %v", p.Consent, p.Written)
	}
	if !p.Withheld(policy.Consent{Kind: policy.ConsentGuardian}) || !p.Withheld(policy.Consent{Kind: policy.ConsentSeparate, Written: true}) ||
		p.Withheld(policy.Consent{Kind: policy.ConsentGuardian, Written: true}) {
		t.Errorf("child and credit: needs guardian consent given in writing")
	}
	// The owner's own read is no provision to another (Art. 18 governs
	// queries by others).
	own := *req
	own.Consumer.ID = 1
	if d := eng.DecideField(&own, &overdue); d.Consent == policy.ConsentWritten {
		t.Errorf("owner's own read needs written consent: %+v", d)
	}
}

// TestWrittenConsent_CatalogueMatchesRules checks that the catalogue's
// written-consent flags (Credit Reporting Industry Regulations Art. 18)
// and the sharing rule that enforces them name the same categories.
func TestWrittenConsent_CatalogueMatchesRules(t *testing.T) {
	rules := mustRules(t)
	cat := classify.DefaultCatalog()
	n := 0
	for _, c := range cat.Categories() {
		flagged := cat.WrittenConsent(c.Key, classify.JurisdictionCN) != nil
		if flagged {
			n++
		}
		if enforced := rules.WrittenConsentCategory([]string{c.Key}); flagged != enforced {
			t.Errorf("%s: catalogue written_consent %v, sharing rule %v", c.Key, flagged, enforced)
		}
	}
	if n == 0 {
		t.Fatal("no category of the catalogue needs written consent")
	}
}
