package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
)

// An ingest classified with the built-in catalog stores, per field, the
// jurisdictions under whose law it is sensitive and the people under 14
// it shows, and the dataset says it holds minors.
func TestServer_FieldJurisdictions(t *testing.T) {
	ts := newTestServer(t)

	t.Run("HealthInEU", func(t *testing.T) {
		d := ts.createDataset(t, ts.euKey, "patients", "kunde")
		csv := "kunde,Vorerkrankungen\n" +
			"K-1,Diabetes mellitus Typ 2\nK-2,keine bekannt\nK-3,Asthma bronchiale\n" +
			"K-4,Bluthochdruck\nK-5,keine bekannt\nK-6,Migräne\n"
		if code := ts.call(t, "POST", fmt.Sprintf("/v1/datasets/%d/records", d.ID), ts.euKey, "text/csv", strings.NewReader(csv), nil); code != 201 {
			t.Fatalf("ingest: %d", code)
		}
		var got sluice.Dataset
		ts.call(t, "GET", fmt.Sprintf("/v1/datasets/%d", d.ID), ts.euKey, "", nil, &got)
		if f := got.Field("Vorerkrankungen"); !slices.Contains(f.SensitiveIn, "EU") {
			t.Fatalf("Vorerkrankungen: sensitive in %v, want EU among them", f.SensitiveIn)
		}
		if got.HoldsMinors {
			t.Fatal("holds minors without dates of birth")
		}
	})

	t.Run("MinorsInCN", func(t *testing.T) {
		d := ts.createDataset(t, ts.cnKey, "pupils", "id_number")
		// Two pupils under 14 whatever the day the test runs, one adult.
		now := time.Now().UTC()
		births := []string{now.AddDate(-6, 0, 0).Format("2006-01-02"), now.AddDate(-9, 0, 0).Format("2006-01-02"), "1980-05-05"}
		csv := "id_number,birth_date\n" +
			"11010519491231002X," + births[0] + "\n" +
			"440103200202187874," + births[1] + "\n" +
			"510104199503205289," + births[2] + "\n"
		if code := ts.call(t, "POST", fmt.Sprintf("/v1/datasets/%d/records", d.ID), ts.cnKey, "text/csv", strings.NewReader(csv), nil); code != 201 {
			t.Fatalf("ingest: %d", code)
		}
		var got sluice.Dataset
		ts.call(t, "GET", fmt.Sprintf("/v1/datasets/%d", d.ID), ts.cnKey, "", nil, &got)
		if f := got.Field("id_number"); !slices.Contains(f.SensitiveIn, "CN") || !f.Sensitive {
			t.Errorf("id_number: sensitive %v in %v, want CN", f.Sensitive, f.SensitiveIn)
		}
		b := got.Field("birth_date")
		if b.Minors != 2 || !slices.Contains(b.SensitiveIn, "CN") || !got.HoldsMinors {
			t.Fatalf("birth_date: %d minors, sensitive in %v, holds minors %v; want 2, CN, true", b.Minors, b.SensitiveIn, got.HoldsMinors)
		}

		// A person confirming the date of birth keeps the minors; a person
		// saying the field holds no personal information clears them.
		path := fmt.Sprintf("/v1/datasets/%d/fields/birth_date", d.ID)
		var after sluice.Dataset
		if code := ts.call(t, "PATCH", path, ts.cnKey, "application/json", strings.NewReader(`{"categories":["user.demographic.date_of_birth"]}`), &after); code != 200 {
			t.Fatalf("confirm: %d", code)
		}
		if f := after.Field("birth_date"); f.Minors != 2 || !slices.Equal(f.SensitiveIn, []string{"CN"}) || !f.Sensitive || !after.HoldsMinors {
			t.Fatalf("after confirming: %+v, holds minors %v", f, after.HoldsMinors)
		}
		var corrected sluice.Dataset
		if code := ts.call(t, "PATCH", path, ts.cnKey, "application/json", strings.NewReader(`{"categories":[]}`), &corrected); code != 200 {
			t.Fatalf("correct: %d", code)
		}
		if f := corrected.Field("birth_date"); f.Minors != 0 || len(f.SensitiveIn) != 0 || f.Sensitive || corrected.HoldsMinors {
			t.Fatalf("after correcting: %+v, holds minors %v", f, corrected.HoldsMinors)
		}
	})
}
