package sharing

import (
	"slices"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// TestPolicyField_ArrayTakesItsElements: a field holding an array is
// decided as what its elements hold (a grant on "guardians" must not
// serve the guardians' phone numbers more leniently than one on
// "guardians[].phone").
func TestPolicyField_ArrayTakesItsElements(t *testing.T) {
	d := &sluice.Dataset{SubjectField: "phone", Fields: []*sluice.Field{
		{Name: "guardians", Grade: sluice.GradeGeneral},
		{Name: "guardians[].phone", Grade: sluice.GradeImportant, Categories: []sluice.FieldCategory{{Key: "user.contact.phone_number"}}},
		{Name: "guardians[].id", Sensitive: true, Grade: sluice.GradeGeneral, Categories: []sluice.FieldCategory{{Key: "user.government_id.national_identification_number"}}},
		{Name: "guardiansx", Categories: []sluice.FieldCategory{{Key: "user.health"}}},
	}}
	pf := PolicyField(d, d.Fields[0])
	if !pf.PI || !pf.Sensitive || pf.Grade != sluice.GradeImportant {
		t.Errorf("guardians = %+v, want personal, sensitive, important", pf)
	}
	if want := []string{"user.contact.phone_number", "user.government_id.national_identification_number"}; !slices.Equal(pf.Categories, want) {
		t.Errorf("guardians categories %q, want %q", pf.Categories, want)
	}
	// A field that merely starts with the same letters is not an element.
	if pf := PolicyField(d, d.Fields[1]); len(pf.Categories) != 1 || pf.Sensitive {
		t.Errorf("guardians[].phone = %+v", pf)
	}
}
