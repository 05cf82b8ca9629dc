package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/httpapi"
)

func TestServer_Classification(t *testing.T) {
	ts := newTestServer(t)
	d := ts.createDataset(t, ts.cnKey, "patients", "phone")
	csv := "phone,id_number,diagnosis,visit_no\n" +
		"13800138000,11010519491231002X,高血压,20240001\n" +
		"13912345678,440103200202187874,糖尿病,20240002\n" +
		"15011112222,510104199503205289,,20240003\n"
	var res httpapi.IngestResponse
	if code := ts.call(t, "POST", fmt.Sprintf("/v1/datasets/%d/records", d.ID), ts.cnKey, "text/csv", strings.NewReader(csv), &res); code != 201 {
		t.Fatalf("ingest: %d", code)
	}
	keys := func(f *sluice.Field) string {
		var ks []string
		for _, c := range f.Categories {
			ks = append(ks, c.Key)
		}
		return strings.Join(ks, ",")
	}
	var got sluice.Dataset
	ts.call(t, "GET", fmt.Sprintf("/v1/datasets/%d", d.ID), ts.cnKey, "", nil, &got)
	phone, id, visit := got.Field("phone"), got.Field("id_number"), got.Field("visit_no")
	if !strings.HasPrefix(keys(phone), "user.contact.phone_number") || !phone.Personal || phone.Categories[0].Ratio != 1 {
		t.Errorf("phone: %+v", phone)
	}
	if !strings.HasPrefix(keys(id), "user.government_id.national_identification_number") || !id.Personal {
		t.Errorf("id_number: %+v", id)
	}
	if len(visit.Categories) != 0 || visit.Personal {
		t.Errorf("visit_no: %+v", visit)
	}

	t.Run("PatchField", func(t *testing.T) {
		var after sluice.Dataset
		path := fmt.Sprintf("/v1/datasets/%d/fields/diagnosis", d.ID)
		if code := ts.call(t, "PATCH", path, ts.cnKey, "application/json", strings.NewReader(`{"categories":["user.health_and_medical"]}`), &after); code != 200 {
			t.Fatalf("patch: %d", code)
		}
		f := after.Field("diagnosis")
		if keys(f) != "user.health_and_medical" || !f.Confirmed || !f.Sensitive || !f.Personal {
			t.Fatalf("diagnosis after patch: %+v", f)
		}
		// The correction survives a reopening of the stores (it is stored,
		// not cached) and later ingests.
		ts.call(t, "POST", fmt.Sprintf("/v1/datasets/%d/records", d.ID), ts.cnKey, "text/csv",
			strings.NewReader("phone,diagnosis\n13700137000,A\n"), nil)
		ts.call(t, "GET", fmt.Sprintf("/v1/datasets/%d", d.ID), ts.cnKey, "", nil, &after)
		if f := after.Field("diagnosis"); keys(f) != "user.health_and_medical" || !f.Confirmed {
			t.Fatalf("diagnosis after ingest: %+v", f)
		}
	})
	t.Run("ErrPatch", func(t *testing.T) {
		for _, c := range []struct {
			path, key, body string
			status          int
		}{
			{fmt.Sprintf("/v1/datasets/%d/fields/diagnosis", d.ID), ts.cnKey, `{"categories":["user.nope"]}`, 400},
			{fmt.Sprintf("/v1/datasets/%d/fields/diagnosis", d.ID), ts.cnKey, `{}`, 400},
			{fmt.Sprintf("/v1/datasets/%d/fields/nope", d.ID), ts.cnKey, `{"categories":[]}`, 404},
			{fmt.Sprintf("/v1/datasets/%d/fields/diagnosis", d.ID), ts.euKey, `{"categories":[]}`, 404},
			{fmt.Sprintf("/v1/datasets/%d/fields/diagnosis", d.ID), ts.audKey, `{"categories":[]}`, 403},
		} {
			var e httpapi.ErrorResponse
			if code := ts.call(t, "PATCH", c.path, c.key, "application/json", strings.NewReader(c.body), &e); code != c.status {
				t.Errorf("PATCH %s %s: %d %+v, want %d", c.path, c.body, code, e, c.status)
			}
		}
	})
}

// TestServer_VolumeRule: location data about more than 100,000 people held
// by an automotive org is important data (Automotive Provisions Art. 3).
func TestServer_VolumeRule(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 100,001 records")
	}
	ts := newTestServer(t)
	key := ts.newOrgKey(t, "cn-cars", "CN", "automotive")
	d := ts.createDataset(t, key, "drives", "phone")
	body := func(from, n int) string {
		var b strings.Builder
		b.WriteString("phone,lat,lng\n")
		for i := from; i < from+n; i++ {
			fmt.Fprintf(&b, "138%08d,39.%06d,116.%06d\n", i, i%1000000, (i*7)%1000000)
		}
		return b.String()
	}
	var res httpapi.IngestResponse
	ts.call(t, "POST", fmt.Sprintf("/v1/datasets/%d/records", d.ID), key, "text/csv", strings.NewReader(body(0, 60000)), &res)
	if res.Dataset == nil || res.Dataset.Grade != sluice.GradeGeneral || res.Dataset.Subjects != 60000 {
		t.Fatalf("after 60,000 people: %+v", res.Dataset)
	}
	// 50,000 more, 9,999 of them already there: 100,001 people.
	ts.call(t, "POST", fmt.Sprintf("/v1/datasets/%d/records", d.ID), key, "text/csv", strings.NewReader(body(50001, 50000)), &res)
	if res.Dataset.Subjects != 100001 || res.Dataset.Grade != sluice.GradeImportant || res.Dataset.Field("lat").Grade != sluice.GradeImportant {
		t.Fatalf("after 100,001 people: subjects %d, grade %s, lat %+v", res.Dataset.Subjects, res.Dataset.Grade, res.Dataset.Field("lat"))
	}
}
