package route_test

import (
	"fmt"
	"time"

	"github.com/sluice-gateway/sluice/policy/route"
)

func ExampleRules_Decide() {
	in := &route.Input{
		Date:      route.MustParseDate("2026-11-26"),
		Exporter:  route.Exporter{Region: "CN"},
		Recipient: route.Recipient{Country: "US", Kind: route.KindCompany},
		YTD:       route.Counts{PI: 150000},
	}
	d, err := route.Default().Decide(in, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Route)
	for _, r := range d.Reasons {
		fmt.Printf("  %s (%s)\n", r.Rule, r.Ref)
	}
	for _, q := range d.Requires {
		if q.Deadline != nil && q.Deadline.Amount > 0 {
			fmt.Printf("  %s: %s\n", q.ID, q.Deadline.Text)
		}
	}
	// Output:
	// SCC_OR_CERT
	//   cn.o16.scc.pi (O16 Art. 8; PIPL Art. 38(1))
	//   cn.o16.window (O16 Arts. 7-8)
	//   cn.scc.filing: within 10 working days after the contract's effective date
	//   cn.cert.o20: valid for 3 years from the certificate's issue date
}

func ExampleRules_AssessmentValid() {
	v, err := route.Default().AssessmentValid(route.MustParseDate("2024-06-03"), 0, route.MustParseDate("2027-04-01"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Status, "until", v.ValidTo, "- renewal from", v.RenewFrom)
	// Output:
	// renewal_due until 2027-06-02 - renewal from 2027-03-11
}
