package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// TestAPI_SubjectRequestGolden holds the JSON of a fulfilled subject
// request and of its package to testdata/api-subject-*.golden, on every
// engine. Refresh with go test ./httpapi -run Golden -update.
func TestAPI_SubjectRequestGolden(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.New(t, testenv.Options{Engine: engine})
			owner := e.Key(&sluice.Org{Name: "cn-rides", Region: "CN"}, sluice.RoleOwner)
			var d sluice.Dataset
			e.Do("POST", "/v1/datasets", owner, map[string]string{"name": "trips", "purpose": "rides", "subject_field": "phone"}).Want(t, 201).Decode(t, &d)
			e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), owner,
				[]byte("phone,name,city\n13900000001,Person 1,Shenzhen\n13900000002,Person 2,Guangzhou\n")).Want(t, 201)
			e.Do("POST", "/v1/subject-requests", owner, map[string]any{"type": "access", "jurisdiction": "CN",
				"identifiers": map[string]string{"phone": "13900000001"}, "evidence": "form 12"}).Want(t, 201)
			e.Do("POST", "/v1/subject-requests/1/verify", owner, nil).Want(t, 200)
			testenv.GoldenJSON(t, "api-subject-request", e.Do("POST", "/v1/subject-requests/1/fulfil", owner, nil).Want(t, 200).Body, nil)
			testenv.GoldenJSON(t, "api-subject-package", e.Do("GET", "/v1/subject-requests/1/package?format=json", owner, nil).Want(t, 200).Body, func(v any) {
				v.(map[string]any)["access_history"] = "(scrubbed: signed with a key made for the test)"
			})
			testenv.GoldenJSON(t, "api-subject-request-error", e.Do("POST", "/v1/subject-requests", owner, map[string]any{"type": "erasure", "jurisdiction": "CN",
				"identifiers": map[string]string{"resident_id": "110105198805120021"}}).Want(t, 400).Body, func(v any) {
				// A request id differs on every run: check there is one, hold its place.
				body := v.(map[string]any)["error"].(map[string]any)
				if id, _ := body["request_id"].(string); id == "" {
					t.Errorf("error body without a request_id: %v", body)
				}
				body["request_id"] = "<request id>"
			})
		})
	}
}
