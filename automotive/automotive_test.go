package automotive_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/automotive"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// lowered returns the built-in classes with the Art. 3(5) count lowered
// from 100,000 to 100 people, so that both sides of it can be tried on
// small datasets; the count's own number is tested in package classify.
func lowered(t *testing.T) *classify.AutoClasses {
	t.Helper()
	b, err := os.ReadFile("../classify/catalog/automotive.json")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `"threshold": 100000`, `"threshold": 100`, 1)
	if s == string(b) {
		t.Fatal("automotive.json: threshold not found")
	}
	a, err := classify.LoadAutoClasses([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// phones is a CSV of people from to to (exclusive).
func phones(from, to int) string {
	var b strings.Builder
	b.WriteString("phone,vin\n")
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "139%08d,VIN%d\n", i, i)
	}
	return b.String()
}

type env struct {
	*testenv.Env
	t *testing.T
}

func newEnv(t *testing.T, engine testenv.Engine) *env {
	e := testenv.New(t, testenv.Options{Engine: engine, Grader: classify.DefaultCatalog(), Classifier: testenv.Classifier{Fields: map[string]testenv.FieldFacts{
		"phone": {Categories: []string{"user.contact.phone_number"}, Personal: true},
	}}})
	e.API.Catalog = classify.DefaultCatalog()
	e.Automotive.Classes = lowered(t)
	return &env{Env: e, t: t}
}

// dataset creates a dataset (declaring auto, if given) and uploads the
// people from to to.
func (e *env) dataset(key, name string, from, to int, auto map[string]any) *sluice.Dataset {
	e.t.Helper()
	body := map[string]any{"name": name, "purpose": "vehicle services", "subject_field": "phone"}
	if auto != nil {
		body["automotive"] = auto
	}
	var d sluice.Dataset
	e.Do("POST", "/v1/datasets", key, body).Want(e.t, 201).Decode(e.t, &d)
	if to > from {
		e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), key, []byte(phones(from, to))).Want(e.t, 201)
	}
	return &d
}

func (e *env) report(key string, org *sluice.Org, query string) *automotive.Report {
	e.t.Helper()
	var rep automotive.Report
	e.Do("GET", fmt.Sprintf("/v1/orgs/%d/automotive-report?%s", org.ID, query), key, nil).Want(e.t, 200).Decode(e.t, &rep)
	return &rep
}

func importantIDs(rep *automotive.Report) []int64 {
	var ids []int64
	for _, d := range rep.ImportantData {
		ids = append(ids, d.ID)
	}
	return ids
}

// TestAnnualReport_Art3_5_PerProcessor checks the Automotive Provisions
// Art. 3(5) count in the report: personal information of more than the
// threshold (lowered to 100) of people is counted per processor — 60 + 60
// different people in two datasets are 120, the same 60 people twice are
// 60 — and 100 people are not more than 100, 101 are.
func TestAnnualReport_Art3_5_PerProcessor(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := newEnv(t, engine)
			apart := &sluice.Org{Name: "cn-cars-a", Region: "CN", Sector: sluice.SectorAutomotive}
			key := e.Key(apart, sluice.RoleOwner)
			a := e.dataset(key, "owners", 0, 60, nil)
			b := e.dataset(key, "drivers", 60, 120, nil)
			rep := e.report(key, apart, "year=2026")
			if rep.People.Subjects != 120 || !rep.People.Reached || !rep.People.Applies || rep.People.Ref != "AUTO Art. 3(5)" {
				t.Fatalf("60 + 60 people: %+v", rep.People)
			}
			if got := importantIDs(rep); !slices.Equal(got, []int64{a.ID, b.ID}) {
				t.Fatalf("important datasets %v, want both", got)
			}
			if c := rep.ImportantData[0].Classes; len(c) != 1 || c[0].Class != "cn.auto.personal_information" || c[0].Subjects != 120 {
				t.Errorf("classes %+v", c)
			}

			same := &sluice.Org{Name: "cn-cars-b", Region: "CN", Sector: sluice.SectorAutomotive}
			key = e.Key(same, sluice.RoleOwner)
			e.dataset(key, "owners", 0, 60, nil)
			e.dataset(key, "drivers", 0, 60, nil)
			if rep = e.report(key, same, ""); rep.People.Subjects != 60 || rep.People.Reached || len(rep.ImportantData) != 0 {
				t.Fatalf("the same 60 people twice: %+v, important %v", rep.People, importantIDs(rep))
			}

			edge := &sluice.Org{Name: "cn-cars-c", Region: "CN", Sector: sluice.SectorAutomotive}
			key = e.Key(edge, sluice.RoleOwner)
			e.dataset(key, "owners", 0, 50, nil)
			e.dataset(key, "drivers", 50, 100, nil)
			if rep = e.report(key, edge, ""); rep.People.Subjects != 100 || rep.People.Reached {
				t.Fatalf("100 people: %+v", rep.People)
			}
			e.dataset(key, "renters", 99, 101, nil)
			if rep = e.report(key, edge, ""); rep.People.Subjects != 101 || !rep.People.Reached || len(rep.ImportantData) != 3 {
				t.Fatalf("101 people: %+v, important %v", rep.People, importantIDs(rep))
			}

			// Another sector: the people are counted, the class does not apply.
			shop := &sluice.Org{Name: "cn-shop", Region: "CN", Sector: "retail"}
			key = e.Key(shop, sluice.RoleOwner)
			e.dataset(key, "buyers", 0, 120, nil)
			if rep = e.report(key, shop, ""); rep.People.Subjects != 120 || rep.People.Applies || rep.People.Reached || len(rep.ImportantData) != 0 {
				t.Fatalf("retail org: %+v", rep.People)
			}
		})
	}
}

// TestAnnualReport_Items checks the report's items (Automotive Provisions,
// annual report due 15 December): a dataset declared to hold charging-
// network data (Art. 3(3)) is important data from its creation, its
// transfer abroad of the year and its sharing are listed with route and
// recipient, an incident of the year is listed, and what sluice cannot
// know is left to the processor, never filled in.
func TestAnnualReport_Items(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := newEnv(t, engine)
			org := &sluice.Org{Name: "cn-chargers", Region: "CN", Sector: sluice.SectorAutomotive}
			key := e.Key(org, sluice.RoleOwner)
			d := e.dataset(key, "sessions", 0, 5, map[string]any{"charging_network": true})
			if d.Grade != sluice.GradeImportant || !d.Automotive.ChargingNetwork {
				t.Fatalf("declared at creation: grade %s, %+v", d.Grade, d.Automotive)
			}
			plain := e.dataset(key, "manuals", 0, 0, nil)

			var tr sluice.Transfer
			e.Do("POST", "/v1/transfers", key, sluice.TransferRequest{Dataset: d.ID, Fields: []string{"phone"}, DestinationCountry: "DE",
				Recipient: "Acme GmbH", LegalBasis: "contract"}).Want(t, 201).Decode(t, &tr)
			if tr.Decision.Route != "SECURITY_ASSESSMENT" {
				t.Fatalf("transfer of declared important data: %s", tr.Decision.Route)
			}
			consumer := &sluice.Org{Name: "cn-maps", Region: "CN"}
			ckey := e.Key(consumer, sluice.RoleConsumer)
			e.Do("POST", "/v1/purposes", ckey, map[string]any{"name": "maps", "legal_basis": "contract", "retention_days": 30}).Want(t, 201)
			var g sluice.Grant
			e.Do("POST", "/v1/grants", ckey, map[string]any{"dataset": d.ID, "fields": []string{"vin"}, "purpose": "maps",
				"justification": "charger map", "duration_days": 30}).Want(t, 201).Decode(t, &g)
			e.Do("POST", fmt.Sprintf("/v1/grants/%d/approve", g.ID), key, map[string]any{}).Want(t, 200)
			e.Do("POST", "/v1/incidents", key, map[string]any{"severity": "general", "discovered_at": "2026-03-01T10:00:00Z",
				"datasets": []int64{d.ID}, "subjects": 2}).Want(t, 201)

			rep := e.report(key, org, "year=2026")
			if rep.Due != "2026-12-15" || rep.Year != 2026 || rep.Processor.OrgID != org.ID {
				t.Fatalf("report %d due %s, processor %+v", rep.Year, rep.Due, rep.Processor)
			}
			if rep.Processor.SecurityHead != automotive.ToComplete || rep.Processor.RightsContact != automotive.ToComplete {
				t.Errorf("processor contacts filled in: %+v", rep.Processor)
			}
			if got := importantIDs(rep); !slices.Equal(got, []int64{d.ID}) || len(rep.Datasets) != 2 {
				t.Fatalf("important %v of %d datasets; want only %d (%d declares nothing)", got, len(rep.Datasets), d.ID, plain.ID)
			}
			if g := rep.ImportantData[0].Grade; g != "important" {
				t.Errorf("declared dataset graded %s after its ingest", g)
			}
			if c := rep.ImportantData[0].Classes; len(c) != 1 || c[0].Class != "cn.auto.charging_network" || c[0].Ref != "AUTO Art. 3(3)" {
				t.Errorf("classes %+v", c)
			}
			if len(rep.Transfers) != 1 || rep.Transfers[0].ID != tr.ID || rep.Transfers[0].Recipient != "Acme GmbH" || rep.Transfers[0].Country != "DE" ||
				rep.Transfers[0].Route != "SECURITY_ASSESSMENT" || !rep.Transfers[0].Important || rep.Transfers[0].Overseas != automotive.ToComplete {
				t.Errorf("transfers %+v", rep.Transfers)
			}
			if len(rep.Sharing) != 1 || rep.Sharing[0].Grant != g.ID || rep.Sharing[0].Consumer != consumer.ID || !rep.Sharing[0].Important {
				t.Errorf("sharing %+v", rep.Sharing)
			}
			if !rep.IncidentsRecorded || len(rep.Incidents) != 1 || rep.Incidents[0].DiscoveredAt != "2026-03-01" {
				t.Errorf("incidents %+v", rep.Incidents)
			}
			if !slices.ContainsFunc(rep.ToComplete, func(x automotive.Item) bool { return strings.Contains(x.Item, "overseas recipient's storage") }) ||
				!slices.ContainsFunc(rep.ToComplete, func(x automotive.Item) bool { return strings.Contains(x.Item, "responsible for data security") }) {
				t.Errorf("to complete %+v", rep.ToComplete)
			}

			// Another year holds none of this year's transfers, grants and incidents.
			if old := e.report(key, org, "year=2025"); len(old.Transfers) != 0 || len(old.Incidents) != 0 || len(old.Sharing) != 0 || old.Due != "2025-12-15" {
				t.Errorf("2025: transfers %d, incidents %d, sharing %d, due %s", len(old.Transfers), len(old.Incidents), len(old.Sharing), old.Due)
			}
			// An auditor reads its org's; another org's key sees nothing.
			e.Do("GET", fmt.Sprintf("/v1/orgs/%d/automotive-report", org.ID), e.Key(org, sluice.RoleAuditor), nil).Want(t, 200)
			e.Do("GET", fmt.Sprintf("/v1/orgs/%d/automotive-report", org.ID), e.Key(&sluice.Org{Name: "cn-other", Region: "CN"}, sluice.RoleOwner), nil).Want(t, 404)
			e.Do("GET", fmt.Sprintf("/v1/orgs/%d/automotive-report", org.ID), ckey, nil).Want(t, 403)
			// A supervisor of the org's region reads it, the view logged; one
			// of another region does not see the org.
			for region, status := range map[sluice.Region]int{"CN": 200, "EU": 404} {
				sup, err := e.Stores.Keys.CreateKey(t.Context(), &sluice.APIKey{Role: sluice.RoleSupervisor, Regions: []sluice.Region{region}})
				if err != nil {
					t.Fatal(err)
				}
				start := e.EventCount()
				e.Do("GET", fmt.Sprintf("/v1/orgs/%d/automotive-report", org.ID), sup, nil).Want(t, status)
				if evs := e.EventsFrom(start); status == 200 && (len(evs) != 1 || evs[0].Action != "supervisor.view" || evs[0].Details["view"] != "automotive-report") {
					t.Errorf("supervisor's view logged as %+v", evs)
				}
			}
			for _, q := range []string{"year=2027", "year=2020", "year=twenty"} {
				if got := e.Do("GET", fmt.Sprintf("/v1/orgs/%d/automotive-report?%s", org.ID, q), key, nil).Want(t, 400).Error(t); got.Field != "year" {
					t.Errorf("%s: error %+v", q, got)
				}
			}

			// Declared later: the declaration is replaced whole, regraded.
			var after sluice.Dataset
			e.Do("PATCH", fmt.Sprintf("/v1/datasets/%d", plain.ID), key, map[string]any{"automotive": map[string]any{"exterior_images": "faces"}}).Want(t, 200).Decode(t, &after)
			if after.Grade != sluice.GradeImportant || after.Automotive.ExteriorImages != "faces" {
				t.Fatalf("declared later: %s %+v", after.Grade, after.Automotive)
			}
			var cleared sluice.Dataset
			e.Do("PATCH", fmt.Sprintf("/v1/datasets/%d", plain.ID), key, map[string]any{"automotive": map[string]any{}}).Want(t, 200).Decode(t, &cleared)
			if cleared.Grade != sluice.GradeGeneral || !cleared.Automotive.IsZero() {
				t.Fatalf("declaration withdrawn: %s %+v", cleared.Grade, cleared.Automotive)
			}
			e.Do("PATCH", fmt.Sprintf("/v1/datasets/%d", plain.ID), key, map[string]any{"automotive": map[string]any{"exterior_images": "people"}}).Want(t, 400)
			e.Do("PATCH", fmt.Sprintf("/v1/datasets/%d", plain.ID), ckey, map[string]any{"automotive": map[string]any{}}).Want(t, 403)
		})
	}
}
