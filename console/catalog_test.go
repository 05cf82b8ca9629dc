package console_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// TestCatalogue_API: the classes new datasets start with, the owner's
// changes and their mandatory fields, what consumers browse, and the
// refusal of requests for datasets that are not shared.
func TestCatalogue_API(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) { testCatalogueAPI(t, newFixtureOn(t, engine)) })
	}
}

func testCatalogueAPI(t *testing.T, f *fixture) {
	list := func(key string) string {
		r := f.Do("GET", "/v1/catalog", key, nil).Want(t, 200)
		return string(r.Body)
	}
	// A public body's dataset starts conditional; a company's none, shown
	// to its owner only.
	body := list(f.ConsumerKey)
	testenv.GoldenJSON(t, "api-catalog", []byte(body), nil)
	for _, want := range []string{`"name":"patients"`, `"sharing":"conditional"`, `"default":true`, `"answer_days":5`, `"name":"id_number"`, `"user.government_id"`, `"public_body":true`} {
		if !strings.Contains(body, want) {
			t.Errorf("consumer's catalogue lacks %s: %s", want, body)
		}
	}
	if strings.Contains(body, "shop-orders") || strings.Contains(body, "13900000001") {
		t.Errorf("consumer's catalogue shows a dataset that is not shared, or a record: %s", body)
	}
	if body := list(f.ShopKey); !strings.Contains(body, `"name":"shop-orders"`) || !strings.Contains(body, `"sharing":"none"`) {
		t.Errorf("owner's catalogue lacks its own dataset: %s", body)
	}

	// none cannot be requested.
	grant := map[string]any{"dataset": f.ShopDataset, "fields": []string{"phone"}, "purpose": "epidemiology", "justification": "study", "duration_days": 30}
	if e := f.Do("POST", "/v1/grants", f.ConsumerKey, grant).Want(t, 403).Error(t); !strings.Contains(e.Message, "sharing class is none") {
		t.Errorf("request for a dataset not shared: %s", e.Message)
	}

	// Changes: owner only, own datasets only, with what the class needs.
	put := func(key string, id int64, body map[string]string) *testResponse {
		r := f.Do("PUT", fmt.Sprintf("/v1/datasets/%d/catalog", id), key, body)
		return &testResponse{r.Status, string(r.Body)}
	}
	cond := map[string]string{"sharing": "conditional", "opening": "closed", "justification": "customer data", "legal_basis": "PIPL Art. 13(2)", "conditions": "phone numbers only"}
	for field, want := range map[string]string{"justification": "justification", "legal_basis": "legal_basis", "conditions": "conditions", "sharing": "sharing"} {
		bad := map[string]string{}
		for k, v := range cond {
			bad[k] = v
		}
		if field == "sharing" {
			bad["sharing"] = "sometimes"
		} else {
			bad[field] = ""
		}
		if r := put(f.ShopKey, f.ShopDataset, bad); r.status != 400 || !strings.Contains(r.body, `"field":"`+want+`"`) {
			t.Errorf("without %s: %d %s", field, r.status, r.body)
		}
	}
	if r := put(f.ConsumerKey, f.ShopDataset, cond); r.status != 403 {
		t.Errorf("a consumer classifies: %d", r.status)
	}
	if r := put(f.ShopKey, f.Dataset, cond); r.status != 404 {
		t.Errorf("an owner classifies another org's dataset: %d", r.status)
	}
	before := f.EventCount()
	if r := put(f.ShopKey, f.ShopDataset, cond); r.status != 200 {
		t.Fatalf("classify: %d %s", r.status, r.body)
	}
	if evs := f.EventsFrom(before); len(evs) != 1 || evs[0].Action != sluice.ActionCatalogUpdate || evs[0].Details["sharing"] != "conditional" {
		t.Errorf("catalogue change events: %+v", evs)
	}
	if body := list(f.ConsumerKey); !strings.Contains(body, "shop-orders") || !strings.Contains(body, "phone numbers only") {
		t.Errorf("the classified dataset is not in the consumer's catalogue: %s", body)
	}
	f.Do("POST", "/v1/grants", f.ConsumerKey, grant).Want(t, 201)

	// Back to none: refused again, and gone from the consumer's catalogue.
	none := map[string]string{"sharing": "none", "opening": "closed", "justification": "patients' records", "legal_basis": "PIPL Art. 28"}
	if r := put(f.OwnerKey, f.Dataset, none); r.status != 200 {
		t.Fatalf("none: %d %s", r.status, r.body)
	}
	if body := list(f.ConsumerKey); strings.Contains(body, "patients") {
		t.Errorf("a dataset not shared is in the catalogue")
	}
	grant["dataset"] = f.Dataset
	f.Do("POST", "/v1/grants", f.ConsumerKey, grant).Want(t, 403)
}

// TestCatalogue_AutoApprove: a public body that set it approves other
// public bodies' requests for its unconditionally shared datasets at once;
// anyone else's wait.
func TestCatalogue_AutoApprove(t *testing.T) {
	f := newFixture(t)
	f.Do("PUT", fmt.Sprintf("/v1/datasets/%d/catalog", f.Dataset), f.OwnerKey, map[string]string{"sharing": "unconditional", "opening": "closed",
		"justification": "patients' records", "legal_basis": "PIPL Art. 28"}).Want(t, 200)
	commission := &sluice.Org{Name: "sz-health-commission", Region: "CN", PublicBody: true}
	key := f.Key(commission, sluice.RoleConsumer)
	f.Do("POST", "/v1/purposes", key, `{"name":"surveillance","legal_basis":"statutory_duty","retention_days":90}`).Want(t, 201)
	var g sluice.Grant
	f.Do("POST", "/v1/grants", key, map[string]any{"dataset": f.Dataset, "fields": []string{"phone"}, "purpose": "surveillance",
		"justification": "flu surveillance", "duration_days": 30}).Want(t, 201).Decode(t, &g)
	if g.Status != sluice.GrantApproved {
		t.Fatalf("a public body's request for unconditional data: %s", g.Status)
	}
	var other sluice.Grant
	f.Do("POST", "/v1/grants", f.ConsumerKey, map[string]any{"dataset": f.Dataset, "fields": []string{"phone"}, "purpose": "epidemiology",
		"justification": "again", "duration_days": 30}).Want(t, 201).Decode(t, &other)
	if other.Status != sluice.GrantPending {
		t.Fatalf("a company's request: %s", other.Status)
	}
}

type testResponse struct {
	status int
	body   string
}
