package scope_test

import (
	"fmt"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/policy/scope"
)

func ExampleProvisions_Check() {
	p, err := scope.Load(classify.DefaultCatalog())
	if err != nil {
		panic(err)
	}
	// A ride-hailing dataset, classified: the rider's phone, the pickup
	// point, the rider's resident ID number and a contacts list.
	fields := []*sluice.Field{
		{Name: "phone", Personal: true, Categories: []sluice.FieldCategory{{Key: "user.contact.phone_number"}}},
		{Name: "pickup", Personal: true, Categories: []sluice.FieldCategory{{Key: "user.location.precise"}}},
		{Name: "resident_id", Personal: true, Categories: []sluice.FieldCategory{{Key: "user.government_id.national_identification_number"}}},
		{Name: "contacts", Personal: true, Categories: []sluice.FieldCategory{{Key: "user.name"}, {Key: "user.contact.phone_number"}}},
	}
	excess, err := p.Check("ride_hailing", nil, fields)
	if err != nil {
		panic(err)
	}
	for _, e := range excess {
		fmt.Println(e.Field, e.Category, e.Article)
	}
	// Output:
	// resident_id user.government_id.national_identification_number Art. 5(2)
	// contacts user.name Art. 5(2)
}
