package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// TestProcessingRecord_PIPLArts55to56 checks that the record of
// processing is complete (PIPL Arts. 55–56; Shenzhen Data Regulations
// Art. 75): an owner's read of its own records and a decision asked for
// with POST /v1/decisions are each written to the audit log, the read
// with the people it concerns, before the answer is sent.
func TestProcessingRecord_PIPLArts55to56(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.New(t, testenv.Options{Engine: engine})
			owner := e.Key(&sluice.Org{Name: "cn-rides", Region: "CN"}, sluice.RoleOwner)
			var d sluice.Dataset
			e.Do("POST", "/v1/datasets", owner, map[string]string{"name": "trips", "purpose": "rides", "subject_field": "phone"}).Want(t, 201).Decode(t, &d)
			records := fmt.Sprintf("/v1/datasets/%d/records", d.ID)
			e.Do("POST", records+"?format=csv", owner, "phone,city\n13800000001,深圳\n13800000002,广州\n13800000003,北京\n").Want(t, 201)

			start := e.EventCount()
			r := e.Do("GET", records+"?limit=2&fields=city", owner, nil).Want(t, 200)
			evs := e.EventsFrom(start)
			if len(evs) != 1 || evs[0].Action != sluice.ActionDatasetRead {
				t.Fatalf("owner read: events %+v", evs)
			}
			if got := r.Header.Get("Sluice-Audit-Entry"); got != fmt.Sprint(start) {
				t.Errorf("Sluice-Audit-Entry %q, want %d", got, start)
			}
			if n := len(evs[0].Subjects); n != 2 {
				t.Errorf("owner read of 2 records names %d subjects", n)
			}
			if len(evs[0].Fields) != 1 || evs[0].Fields[0] != "city" {
				t.Errorf("owner read fields %v", evs[0].Fields)
			}

			// A decision asked for, by the owner about a consumer.
			consumerKey := e.Key(&sluice.Org{Name: "cn-insure", Region: "CN"}, sluice.RoleConsumer)
			e.Do("POST", "/v1/purposes", consumerKey, map[string]any{"name": "risk", "legal_basis": "contract", "retention_days": 30}).Want(t, 201)
			var consumer struct {
				ID int64 `json:"id"`
			}
			orgs, _, err := e.Stores.Orgs.FindOrgs(t.Context(), sluice.OrgFilter{Name: ptr("cn-insure")})
			if err != nil || len(orgs) != 1 {
				t.Fatalf("consumer org: %v %v", orgs, err)
			}
			consumer.ID = orgs[0].ID
			start = e.EventCount()
			e.Do("POST", "/v1/decisions", owner, map[string]any{"dataset": d.ID, "consumer": consumer.ID, "purpose": "risk", "fields": []string{"city"}}).Want(t, 200)
			evs = e.EventsFrom(start)
			if len(evs) != 1 || evs[0].Action != sluice.ActionDecisionAsk || evs[0].Decision != "deny" {
				t.Fatalf("decision: events %+v", evs)
			}
			if evs[0].Details["denied"].(map[string]any)["city"] != "grant.not_found" {
				t.Errorf("decision event details %v", evs[0].Details)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
