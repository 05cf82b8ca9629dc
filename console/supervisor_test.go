package console_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
	"github.com/sluice-gateway/sluice/supervise"
)

// TestSupervisor_API: a supervisor reads across the orgs of its regions
// through its own routes, every view logged, and is refused everything
// else.
func TestSupervisor_API(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) { testSupervisorAPI(t, newFixtureOn(t, engine)) })
	}
}

func testSupervisorAPI(t *testing.T, f *fixture) {
	// f.Do goes to the test environment's API, without the supervisor's
	// routes; the UI server serves the API with them.
	get := func(path, key string) (int, string) {
		resp, body := get(t, client(t), f.UI.URL+path, "Authorization", "Bearer "+key)
		return resp.StatusCode, body
	}
	before := f.EventCount()
	status, body := get("/v1/supervisor/overview", f.SupervisorKey)
	testenv.GoldenJSON(t, "api-supervisor-overview", []byte(body), nil)
	if status != 200 || !strings.Contains(body, `"orgs":2`) || !strings.Contains(body, `"regions":["CN"]`) || !strings.Contains(body, `"name":"patients"`) {
		t.Fatalf("overview: %d %s", status, body)
	}
	status, body = get("/v1/supervisor/orgs", f.SupervisorKey)
	if status != 200 || !strings.Contains(body, "cn-hospital") || !strings.Contains(body, "cn-research") || strings.Contains(body, "eu-shop") || strings.Contains(body, "shop-orders") {
		t.Fatalf("orgs: %d %s", status, body)
	}
	if strings.Contains(body, "13900000001") {
		t.Fatal("a supervisor sees record contents")
	}
	if status, body = get(fmt.Sprintf("/v1/supervisor/datasets/%d", f.Dataset), f.SupervisorKey); status != 200 || !strings.Contains(body, `"id_number"`) {
		t.Fatalf("dataset in the region: %d %s", status, body)
	}
	if status, _ = get(fmt.Sprintf("/v1/supervisor/datasets/%d", f.ShopDataset), f.SupervisorKey); status != 404 {
		t.Fatalf("dataset outside the regions: %d", status)
	}
	views := 0
	for _, e := range f.EventsFrom(before) {
		if e.Action == supervise.ActionView && e.Actor.Role == "supervisor" {
			views++
		}
	}
	if views != 3 {
		t.Errorf("%d supervisor views logged, want 3", views)
	}

	// Refusals: records, changes, the orgs' own routes; and the
	// supervisor's routes for any other role.
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/datasets"},
		{"GET", fmt.Sprintf("/v1/datasets/%d", f.Dataset)},
		{"GET", fmt.Sprintf("/v1/datasets/%d/records", f.Dataset)},
		{"POST", "/v1/datasets"},
		{"GET", "/v1/grants"},
		{"POST", fmt.Sprintf("/v1/grants/%d/approve", f.Grant)},
		{"POST", fmt.Sprintf("/v1/grants/%d/revoke", f.Grant)},
		{"GET", "/v1/transfers"},
		{"POST", "/v1/transfers"},
		{"PATCH", fmt.Sprintf("/v1/datasets/%d/fields/name", f.Dataset)},
	} {
		if r := f.Do(c.method, c.path, f.SupervisorKey, "{}"); r.Status != 403 {
			t.Errorf("supervisor %s %s: %d", c.method, c.path, r.Status)
		}
	}
	for _, key := range []string{f.OwnerKey, f.AuditorKey, f.ConsumerKey} {
		if status, _ := get("/v1/supervisor/overview", key); status != 403 {
			t.Errorf("an org key reads the supervisor's overview: %d", status)
		}
	}
}

// TestSupervisor_Console: the supervisor's pages and the refusal of every
// form that changes something.
func TestSupervisor_Console(t *testing.T) {
	f := newFixture(t)
	c := client(t)
	csrf := f.signIn(t, c, f.SupervisorKey)
	_, body := get(t, c, f.UI.URL+"/ui/")
	for _, want := range []string{`id="sv-orgs"`, "cn-hospital", "cn-research", `id="sv-unclassified"`} {
		if !strings.Contains(body, want) {
			t.Errorf("supervisor overview lacks %s", want)
		}
	}
	if _, body = get(t, c, f.UI.URL+"/ui/grants"); !strings.Contains(body, "epidemiology") || strings.Contains(body, "/approve") {
		t.Errorf("supervisor grants: %s", body)
	}
	if _, body = get(t, c, f.UI.URL+"/ui/log"); !strings.Contains(body, "transfer.export") {
		t.Errorf("supervisor log lacks the hospital's export")
	}
	for _, p := range []string{fmt.Sprintf("/ui/grants/%d/approve", f.Grant), fmt.Sprintf("/ui/grants/%d/revoke", f.Grant), "/ui/grants", fmt.Sprintf("/ui/datasets/%d/fields", f.Dataset), "/ui/subjects"} {
		if resp, _ := post(t, c, f.UI.URL+p, url.Values{"csrf": {csrf}, "field": {"name"}, "identifier": {"13900000001"}}); resp.StatusCode != 403 {
			t.Errorf("supervisor POST %s: %d", p, resp.StatusCode)
		}
	}
	g, err := f.Stores.Grants.FindGrantByID(sluice.NewContextWithActor(t.Context(), nil), f.Grant)
	if err != nil || g.Status != sluice.GrantPending {
		t.Fatalf("grant after a supervisor's posts: %+v %v", g, err)
	}
}
