package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/httpapi"
	"github.com/sluice-gateway/sluice/internal/testenv"
	"github.com/sluice-gateway/sluice/minimisation"
)

// rideFields are what classification finds in a ride-hailing upload:
// the rider's phone and pickup point (necessary for ride hailing), a
// resident ID number and a contacts list (not necessary).
var rideFields = map[string]testenv.FieldFacts{
	"phone":       {Categories: []string{"user.contact.phone_number"}, Personal: true},
	"pickup":      {Categories: []string{"user.location.precise"}, Personal: true, Sensitive: true},
	"resident_id": {Categories: []string{"user.government_id.national_identification_number"}, Personal: true, Sensitive: true},
	"contacts":    {Categories: []string{"user.name", "user.contact.phone_number"}, Personal: true},
	"fare":        {},
}

// rides has three records about two riders, each with a resident ID.
const rides = "phone,pickup,resident_id,contacts,fare\n" +
	"13800138000,31.2304 121.4737,11010519491231002X,Li Lei 13900139000,31\n" +
	"13900139001,31.2200 121.4500,440308199901010012,,12\n" +
	"13800138000,31.2400 121.4800,11010519491231002X,Han Meimei 13700137000,18\n"

func newRightsEnv(t *testing.T, engine testenv.Engine) (*testenv.Env, string, string) {
	t.Helper()
	e := testenv.New(t, testenv.Options{Engine: engine, Classifier: testenv.Classifier{Fields: rideFields}})
	owner := e.Key(&sluice.Org{Name: "cn-rides", Region: "CN", Sector: "transport"}, sluice.RoleOwner)
	auditor := e.Key(&sluice.Org{Name: "cn-rides", Region: "CN"}, sluice.RoleAuditor)
	return e, owner, auditor
}

func createRideDataset(t *testing.T, e *testenv.Env, key, name string) *sluice.Dataset {
	t.Helper()
	var d sluice.Dataset
	e.Do("POST", "/v1/datasets", key, map[string]any{"name": name, "purpose": "rides", "subject_field": "phone", "app_type": "ride_hailing"}).
		Want(t, 201).Decode(t, &d)
	return &d
}

func ingestRides(t *testing.T, e *testenv.Env, key string, id int64, header ...string) *testenv.Response {
	t.Helper()
	return e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records", id), key, []byte(rides), header...)
}

func setMode(t *testing.T, e *testenv.Env, key string, mode sluice.MinimisationMode) {
	t.Helper()
	e.Do("PUT", "/v1/settings", key, httpapi.SettingsRequest{Minimisation: mode}).Want(t, 200)
}

// storedData returns the data of every stored record of a dataset, read
// from the region's store, not through the API.
func storedData(t *testing.T, e *testenv.Env, id int64) []map[string]any {
	t.Helper()
	recs, err := e.Stores.Regions["CN"].FindRecords(context.Background(), sluice.RecordFilter{DatasetID: id, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, r := range recs {
		var m map[string]any
		if err := json.Unmarshal(r.Data, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestMinimisation(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e, owner, auditor := newRightsEnv(t, engine)

			t.Run("UnknownAppType", func(t *testing.T) {
				res := e.Do("POST", "/v1/datasets", owner, map[string]any{"name": "x", "purpose": "rides", "subject_field": "phone", "app_type": "space_taxi"}).Want(t, 400)
				if b := res.Error(t); b.Field != "app_type" || !strings.Contains(b.Message, "ride_hailing") {
					t.Fatalf("error %+v, want the app_type field named and the app types listed", b)
				}
			})

			warn := createRideDataset(t, e, owner, "rides-warn")
			t.Run("Warn", func(t *testing.T) {
				var res httpapi.IngestResponse
				ingestRides(t, e, owner, warn.ID).Want(t, 201).Decode(t, &res)
				m := res.Ingest.Minimisation
				if m == nil || m.Mode != sluice.MinimisationWarn {
					t.Fatalf("minimisation %+v, want warn", m)
				}
				if got := sluice.ExcessFieldNames(m.Excess); strings.Join(got, ",") != "resident_id,contacts" {
					t.Fatalf("excess fields %v, want resident_id, contacts", got)
				}
				if m.Subjects != 2 || len(m.Stripped) != 0 || res.Ingest.RecordCount != 3 {
					t.Fatalf("subjects %d, stripped %v, records %d", m.Subjects, m.Stripped, res.Ingest.RecordCount)
				}
				for _, ex := range m.Excess {
					if ex.Article != "Art. 5(2)" || !strings.Contains(ex.Ref, "Art. 5(2)") {
						t.Errorf("excess %+v lacks its legal reference", ex)
					}
				}
				if data := storedData(t, e, warn.ID); len(data) != 3 || data[0]["resident_id"] != "11010519491231002X" {
					t.Fatalf("warn stores the records as sent; stored %v", data)
				}
			})

			t.Run("Strip", func(t *testing.T) {
				setMode(t, e, owner, sluice.MinimisationStrip)
				d := createRideDataset(t, e, owner, "rides-strip")
				before := e.EventCount()
				var res httpapi.IngestResponse
				ingestRides(t, e, owner, d.ID).Want(t, 201).Decode(t, &res)
				m := res.Ingest.Minimisation
				if m == nil || strings.Join(m.Stripped, ",") != "resident_id,contacts" || m.Subjects != 2 {
					t.Fatalf("minimisation %+v, want resident_id and contacts stripped, 2 people", m)
				}
				data := storedData(t, e, d.ID)
				if len(data) != 3 {
					t.Fatalf("%d records stored, want 3", len(data))
				}
				for _, rec := range data {
					if _, ok := rec["resident_id"]; ok {
						t.Errorf("stored record holds resident_id: %v", rec)
					}
					if _, ok := rec["contacts"]; ok {
						t.Errorf("stored record holds contacts: %v", rec)
					}
					if rec["phone"] == nil || rec["pickup"] == nil || rec["fare"] == nil {
						t.Errorf("stored record lost a necessary field: %v", rec)
					}
				}
				// The owner's read through the API shows the same.
				page := e.Do("GET", fmt.Sprintf("/v1/datasets/%d/records", d.ID), owner, nil).Want(t, 200)
				if bytes.Contains(page.Body, []byte("11010519491231002X")) || bytes.Contains(page.Body, []byte("Li Lei")) {
					t.Fatalf("read back holds stripped values: %s", page.Body)
				}
				if res.Dataset.Field("resident_id") != nil || res.Dataset.Field("contacts") != nil {
					t.Errorf("the dataset lists stripped fields: %+v", res.Dataset.Fields)
				}
				// The full event names the stripped fields, never their values.
				var found bool
				for _, ev := range e.EventsFrom(before) {
					if ev.Action != sluice.ActionIngest {
						continue
					}
					b, _ := json.Marshal(ev)
					found = bytes.Contains(b, []byte(`"stripped":["resident_id","contacts"]`))
					if bytes.Contains(b, []byte("11010519491231002X")) {
						t.Errorf("ingest event holds a stripped value: %s", b)
					}
				}
				if !found {
					t.Errorf("no ingest event names the stripped fields")
				}
			})

			t.Run("Reject", func(t *testing.T) {
				setMode(t, e, owner, sluice.MinimisationReject)
				d := createRideDataset(t, e, owner, "rides-reject")
				raw, err := e.Stores.RawRecordCount("CN")
				if err != nil {
					t.Fatal(err)
				}
				msg := ingestRides(t, e, owner, d.ID).Want(t, 400).Error(t).Message
				for _, want := range []string{"resident_id (user.government_id.national_identification_number)", "contacts (user.name)", "Art. 5(2)", "2 people affected", "Nothing was stored"} {
					if !strings.Contains(msg, want) {
						t.Errorf("refusal %q lacks %q", msg, want)
					}
				}
				if strings.Contains(msg, "11010519491231002X") || strings.Contains(msg, "13800138000") {
					t.Errorf("refusal names a value: %q", msg)
				}
				if after, _ := e.Stores.RawRecordCount("CN"); after != raw {
					t.Fatalf("reject wrote %d rows", after-raw)
				}
				var got sluice.Dataset
				e.Do("GET", fmt.Sprintf("/v1/datasets/%d", d.ID), owner, nil).Want(t, 200).Decode(t, &got)
				if got.RecordCount != 0 || len(got.Fields) != 0 {
					t.Fatalf("rejected dataset holds %d records, fields %v", got.RecordCount, got.Fields)
				}
			})

			t.Run("Report", func(t *testing.T) {
				var rep minimisation.Report
				e.Do("GET", "/v1/reports/minimisation", auditor, nil).Want(t, 200).Decode(t, &rep)
				// Monday 2 March 2026 + 15 working days, no holiday between.
				if rep.Deadline != "2026-03-23" || rep.Provisional || rep.WorkingDays != 15 {
					t.Fatalf("deadline %s provisional %v, want 2026-03-23", rep.Deadline, rep.Provisional)
				}
				var flagged *minimisation.Dataset
				for i := range rep.Datasets {
					if rep.Datasets[i].ID == warn.ID {
						flagged = &rep.Datasets[i]
					} else if len(rep.Datasets[i].Excess) != 0 {
						t.Errorf("dataset %s reported with excess %v", rep.Datasets[i].Name, rep.Datasets[i].Excess)
					}
				}
				if flagged == nil || flagged.AppType != "ride_hailing" || flagged.Subjects != 2 ||
					strings.Join(sluice.ExcessFieldNames(flagged.Excess), ",") != "resident_id,contacts" {
					t.Fatalf("report %+v, want the warn dataset flagged with resident_id and contacts, 2 people", flagged)
				}
				page := e.Do("GET", "/v1/reports/minimisation?format=html", owner, nil).Want(t, 200)
				html := string(page.Body)
				if !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || !strings.Contains(html, "resident_id") ||
					!strings.Contains(html, "2026-03-23") || strings.Contains(html, "<script") || strings.Contains(html, "src=") || strings.Contains(html, "<link") {
					t.Fatalf("page is not a self-contained report: %s", html)
				}
				consumer := e.Key(&sluice.Org{Name: "cn-bank", Region: "CN"}, sluice.RoleConsumer)
				e.Do("GET", "/v1/reports/minimisation", consumer, nil).Want(t, 403)
			})

			t.Run("ReportProvisional", func(t *testing.T) {
				// December 2027 runs into 2028, a year the calendar lacks.
				e.Clock.Set(time.Date(2027, 12, 20, 9, 0, 0, 0, time.UTC))
				defer e.Clock.Set(testenv.DefaultStart)
				var rep minimisation.Report
				e.Do("GET", "/v1/reports/minimisation", owner, nil).Want(t, 200).Decode(t, &rep)
				if !rep.Provisional || !strings.Contains(rep.Warning, "2028") {
					t.Fatalf("report %+v, want a provisional deadline with a warning naming 2028", rep)
				}
				page := e.Do("GET", "/v1/reports/minimisation?format=html", owner, nil).Want(t, 200)
				if !strings.Contains(string(page.Body), "provisional") || !strings.Contains(string(page.Body), "2028") {
					t.Fatalf("page does not show the warning: %s", page.Body)
				}
			})
		})
	}
}

func TestReingest_KeyField(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e, owner, _ := newRightsEnv(t, engine)
			var d sluice.Dataset
			e.Do("POST", "/v1/datasets", owner, map[string]any{"name": "trips", "purpose": "rides", "subject_field": "phone", "key_field": "trip_id"}).
				Want(t, 201).Decode(t, &d)
			if d.KeyField != "trip_id" {
				t.Fatalf("key field %q", d.KeyField)
			}
			path := fmt.Sprintf("/v1/datasets/%d/records", d.ID)
			e.Do("POST", path, owner, []byte("trip_id,phone,fare\nt1,13800138000,10\nt2,13900139000,20\nt3,13800138000,30\n")).Want(t, 201)

			before := e.EventCount()
			var res httpapi.IngestResponse
			e.Do("POST", path, owner, []byte("trip_id,phone,fare\nt2,13900139000,25\nt4,13700137000,40\nt5,13700137000,50\nt5,13700137000,55\n")).
				Want(t, 201).Decode(t, &res)
			if res.Ingest.Replaced != 2 || res.Ingest.RecordCount != 4 || res.Dataset.RecordCount != 5 {
				t.Fatalf("ingest replaced %d, wrote %d; dataset holds %d; want 2, 4, 5", res.Ingest.Replaced, res.Ingest.RecordCount, res.Dataset.RecordCount)
			}
			fares := map[string][]any{}
			for _, rec := range storedData(t, e, d.ID) {
				fares[rec["trip_id"].(string)] = append(fares[rec["trip_id"].(string)], rec["fare"])
			}
			want := map[string][]any{"t1": {"10"}, "t2": {"25"}, "t3": {"30"}, "t4": {"40"}, "t5": {"55"}}
			if fmt.Sprint(fares) != fmt.Sprint(want) {
				t.Fatalf("stored fares %v, want %v", fares, want)
			}
			// The replacement is logged as corrections, a count only.
			var found bool
			for _, ev := range e.EventsFrom(before) {
				b, _ := json.Marshal(ev)
				if ev.Action == sluice.ActionIngest {
					found = bytes.Contains(b, []byte(`"corrections":2`))
				}
				if bytes.Contains(b, []byte(`"t2"`)) {
					t.Errorf("event names a record key: %s", b)
				}
			}
			if !found {
				t.Fatal("no ingest event counts the corrections")
			}
			b := e.Do("POST", path, owner, []byte("trip_id,phone,fare\nt6,13800138000,1\n,13800138000,2\n")).Want(t, 400).Error(t)
			if b.Field != "trip_id" || b.Line != 3 {
				t.Fatalf("error %+v, want line 3, field trip_id", b)
			}
		})
	}
}

// TestReingest_ConcurrentRetries sends one upload with one key several
// times at once: it is stored once, and every answer is the same.
func TestReingest_ConcurrentRetries(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e, owner, _ := newRightsEnv(t, engine)
			var d sluice.Dataset
			e.Do("POST", "/v1/datasets", owner, map[string]any{"name": "trips", "purpose": "rides", "subject_field": "phone"}).Want(t, 201).Decode(t, &d)
			const n = 4
			answers := make(chan *testenv.Response, n)
			for range n {
				go func() {
					answers <- e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records", d.ID), owner, []byte("phone\n13800138000\n13900139000\n"), "Idempotency-Key", "same")
				}()
			}
			ids := map[int64]bool{}
			for range n {
				var res httpapi.IngestResponse
				(<-answers).Want(t, 201).Decode(t, &res)
				ids[res.Ingest.ID] = true
			}
			if len(ids) != 1 {
				t.Fatalf("answers name ingests %v, want one", ids)
			}
			if data := storedData(t, e, d.ID); len(data) != 2 {
				t.Fatalf("%d records stored, want 2", len(data))
			}
		})
	}
}
