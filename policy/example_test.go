package policy_test

import (
	"fmt"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy"
)

// A consumer reads two fields under a consent-based grant: the phone number
// is masked, and only records whose subject gave separate consent are
// served.
func ExampleEngine_Plan() {
	rules, err := policy.DefaultRules()
	if err != nil {
		panic(err)
	}
	grants := policy.NewGrantIndex()
	_ = grants.Put(&policy.Grant{
		ID: 7, Consumer: 2, Dataset: 10, Status: policy.StatusApproved,
		Purpose: "credit-check", LegalBasis: policy.BasisConsent,
		Fields: []policy.GrantField{{Name: "phone"}, {Name: "city"}},
	})
	eng := policy.NewEngine(rules, grants, nil)

	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	plan := eng.Plan(&policy.Request{
		Consumer: policy.Consumer{ID: 2, Region: "CN", Kind: sluice.OrgCompany},
		Dataset:  policy.Dataset{ID: 10, Owner: 1, Region: "CN"},
		Purpose:  policy.Purpose{Name: "credit-check", LegalBasis: policy.BasisConsent},
		Now:      now,
	}, []policy.Field{
		{Name: "phone", Categories: []string{"user.contact.phone_number"}, PI: true, Grade: "general"},
		{Name: "city", Grade: "general"},
	})
	for _, d := range plan.Fields {
		fmt.Printf("%s: %s(%s) by %s\n", d.Field, d.Effect, d.Op, d.Rule.Ref())
	}
	fmt.Printf("records need %s (%s)\n", plan.Consent, plan.ConsentRule.Ref())

	records := []struct {
		phone   string
		consent policy.Consent
	}{
		{"13812345678", policy.Consent{Kind: policy.ConsentSeparate}},
		{"13987654321", policy.Consent{Kind: policy.ConsentGiven}},
		{"13700001111", policy.Consent{Kind: policy.ConsentSeparate, WithdrawnAt: now.Add(-time.Hour)}},
	}
	withheld := 0
	var buf []byte
	for _, r := range records {
		if plan.Withheld(r.consent) {
			withheld++
			continue
		}
		buf, _ = plan.Fields[0].Op.AppendString(buf[:0], r.phone, nil)
		fmt.Println("served", string(buf))
	}
	fmt.Println("withheld", withheld)
	// Output:
	// phone: allow_deidentified(mask(3,4)) by Shenzhen Data Regulations Arts. 26–27
	// city: allow(clear) by Shenzhen Data Regulations Art. 43
	// records need separate_consent (PIPL Art. 23)
	// served 138****5678
	// withheld 2
}
