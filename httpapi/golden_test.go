package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// TestAPI_Golden holds the JSON of a few endpoints to
// testdata/api-*.golden, on every engine: a dataset after an ingest, a
// decision, the transfer counters, and an error. A change to a contract
// shows in review; refresh with go test ./httpapi -run Golden -update.
func TestAPI_Golden(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) { testGolden(t, engine) })
	}
}

func testGolden(t *testing.T, engine testenv.Engine) {
	e := testenv.New(t, testenv.Options{Engine: engine})
	owner := e.Key(&sluice.Org{Name: "cn-rides", Region: "CN", Sector: "transport"}, sluice.RoleOwner)
	consumer := e.Key(&sluice.Org{Name: "cn-insure", Region: "CN"}, sluice.RoleConsumer)
	var d sluice.Dataset
	e.Do("POST", "/v1/datasets", owner, map[string]string{"name": "trips", "purpose": "rides", "subject_field": "phone"}).Want(t, 201).Decode(t, &d)
	e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), owner,
		[]byte("phone,name,city,fare\n13900000001,Person 1,Shenzhen,12.50\n13900000002,Person 2,Guangzhou,8.00\n")).Want(t, 201)
	testenv.GoldenJSON(t, "api-dataset", e.Do("GET", fmt.Sprintf("/v1/datasets/%d", d.ID), owner, nil).Want(t, 200).Body, nil)

	e.Do("POST", "/v1/purposes", consumer, map[string]any{"name": "claims", "legal_basis": "contract", "retention_days": 30}).Want(t, 201)
	testenv.GoldenJSON(t, "api-decision", e.Do("POST", "/v1/decisions", consumer, map[string]any{
		"dataset": d.ID, "fields": []string{"phone", "name", "city", "fare"}, "purpose": "claims",
	}).Want(t, 200).Body, nil)

	e.Do("POST", "/v1/transfers", owner, sluice.TransferRequest{Dataset: d.ID, Fields: []string{"phone", "city"},
		DestinationCountry: "US", Recipient: "Acme Travel Inc.", LegalBasis: sluice.LegalBasisContract}).Want(t, 201)
	e.Do("GET", "/v1/transfers/1/export", owner, nil).Want(t, 200)
	testenv.GoldenJSON(t, "api-transfer-counters", e.Do("GET", "/v1/transfers/counters", owner, nil).Want(t, 200).Body, nil)

	testenv.GoldenJSON(t, "api-error", e.Do("GET", "/v1/transfers/99", owner, nil).Want(t, 404).Body, func(v any) {
		// A request id differs on every run: check there is one, hold its place.
		body := v.(map[string]any)["error"].(map[string]any)
		if id, _ := body["request_id"].(string); id == "" {
			t.Errorf("error body without a request_id: %v", body)
		}
		body["request_id"] = "<request id>"
	})
}
