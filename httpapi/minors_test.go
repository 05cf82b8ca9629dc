package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// TestRead_MinorsPIPLArt31 checks the rules on children's data over HTTP:
// a dataset flagged as holding under-14s' data, read on the basis of
// consent, serves only the records whose guardian consented (PIPL Art. 31;
// separate consent by the child is not enough), and a purpose flagged as
// profiling is refused it (Shenzhen Data Regulations Arts. 28–30).
func TestRead_MinorsPIPLArt31(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.New(t, testenv.Options{Engine: engine})
			owner := e.Key(&sluice.Org{Name: "cn-school", Region: "CN"}, sluice.RoleOwner)
			consumer := e.Key(&sluice.Org{Name: "cn-tutor", Region: "CN"}, sluice.RoleConsumer)

			e.Do("POST", "/v1/purposes", owner, map[string]any{"name": "schooling", "legal_basis": "consent", "retention_days": 365}).Want(t, 201)
			var d sluice.Dataset
			e.Do("POST", "/v1/datasets", owner, map[string]any{"name": "pupils", "purposes": []string{"schooling"}, "subject_field": "phone", "minors": true}).Want(t, 201).Decode(t, &d)
			if !d.Minors || d.Purposes[0] != "schooling" {
				t.Fatalf("dataset %+v", d)
			}
			records := fmt.Sprintf("/v1/datasets/%d/records", d.ID)
			e.Do("POST", records+"?format=csv", owner, "phone,city\n13800000001,深圳\n13800000002,广州\n").Want(t, 201)

			grant := func(purpose string, profiling bool) int64 {
				e.Do("POST", "/v1/purposes", consumer, map[string]any{"name": purpose, "legal_basis": "consent", "retention_days": 30, "profiling": profiling}).Want(t, 201)
				var g sluice.Grant
				e.Do("POST", "/v1/grants", consumer, map[string]any{"dataset": d.ID, "fields": []string{"phone", "city"},
					"purpose": purpose, "justification": "tutoring", "duration_days": 30}).Want(t, 201).Decode(t, &g)
				e.Do("POST", fmt.Sprintf("/v1/grants/%d/approve", g.ID), owner, map[string]any{}).Want(t, 200)
				return g.ID
			}
			g := grant("lessons", false)
			// The child's own separate consent for one, the guardian's for the other.
			e.Do("POST", "/v1/consents", owner, map[string]any{"subject": "13800000001", "grant": g, "kind": "separate_consent"}).Want(t, 201)
			e.Do("POST", "/v1/consents", owner, map[string]any{"subject": "13800000002", "grant": g, "kind": "guardian_consent", "evidence": "form 7"}).Want(t, 201)

			r := e.Do("GET", fmt.Sprintf("%s?grant=%d", records, g), consumer, nil).Want(t, 200)
			if r.Header.Get("Sluice-Served") != "1" || r.Header.Get("Sluice-Withheld") != "1" || !strings.Contains(string(r.Body), "138****0002") {
				t.Errorf("served %s withheld %s: %s", r.Header.Get("Sluice-Served"), r.Header.Get("Sluice-Withheld"), r.Body)
			}

			// Profiling is refused children's data, with the article.
			g = grant("recommend", true)
			msg := e.Do("GET", fmt.Sprintf("%s?grant=%d&fields=phone", records, g), consumer, nil).Want(t, 403).Error(t).Message
			if !strings.Contains(msg, "Shenzhen Data Regulations Arts. 28–30") {
				t.Errorf("profiling refusal: %s", msg)
			}
		})
	}
}
