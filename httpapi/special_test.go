package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// TestRead_GDPRArt9SpecialCategory checks GDPR Art. 9(1)–(2) on grants
// and reads of EU data: under a legitimate-interests purpose (Art.
// 6(1)(f)) with no Art. 9(2) condition, a grant request for a health
// field is refused, and a field found to be health data after its grant
// is withheld from the read, which says why with the article; a purpose
// that declares the Art. 9(2)(h) condition is served it. On SQLite and,
// when configured, PostgreSQL.
func TestRead_GDPRArt9SpecialCategory(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.New(t, testenv.Options{Engine: engine})
			e.API.Catalog = classify.DefaultCatalog() // for the owner's correction of a field
			owner := e.Key(&sluice.Org{Name: "eu-clinic", Region: "EU"}, sluice.RoleOwner)
			consumer := e.Key(&sluice.Org{Name: "eu-insurer", Region: "EU"}, sluice.RoleConsumer)

			var d sluice.Dataset
			e.Do("POST", "/v1/datasets", owner, map[string]string{"name": "visits", "purpose": "care", "subject_field": "phone"}).Want(t, 201).Decode(t, &d)
			records := fmt.Sprintf("/v1/datasets/%d/records", d.ID)
			e.Do("POST", records+"?format=csv", owner, "phone,city,diagnosis,notes\n13800000001,Berlin,J45,asthma\n13800000002,Paris,E11,diabetes\n").Want(t, 201)

			// A condition is checked against the rules, and is GDPR-only.
			if m := e.Do("POST", "/v1/purposes", consumer, map[string]any{"name": "x", "legal_basis": "legitimate_interests", "retention_days": 30,
				"special_category_condition": "because"}).Want(t, 400).Error(t).Message; !strings.Contains(m, "Art. 9(2)") {
				t.Errorf("unknown condition: %s", m)
			}
			cn := e.Key(&sluice.Org{Name: "cn-shop", Region: "CN"}, sluice.RoleConsumer)
			e.Do("POST", "/v1/purposes", cn, map[string]any{"name": "x", "legal_basis": "contract", "retention_days": 30,
				"special_category_condition": "health_care"}).Want(t, 400)

			grant := func(purpose string, cond string) int64 {
				body := map[string]any{"name": purpose, "legal_basis": "legitimate_interests", "retention_days": 30}
				if cond != "" {
					body["special_category_condition"] = cond
				}
				e.Do("POST", "/v1/purposes", consumer, body).Want(t, 201)
				var g sluice.Grant
				e.Do("POST", "/v1/grants", consumer, map[string]any{"dataset": d.ID, "fields": []string{"city", "diagnosis"},
					"purpose": purpose, "legal_basis": "legitimate_interests", "justification": "claims", "duration_days": 30}).Want(t, 201).Decode(t, &g)
				e.Do("POST", fmt.Sprintf("/v1/grants/%d/approve", g.ID), owner, map[string]any{
					"fields": []map[string]string{{"name": "city", "op": "clear"}, {"name": "diagnosis", "op": "clear"}},
				}).Want(t, 200)
				return g.ID
			}

			// No Art. 9(2) condition: asking for the health field is refused
			// with the article.
			e.Do("POST", "/v1/purposes", consumer, map[string]any{"name": "claims", "legal_basis": "legitimate_interests", "retention_days": 30}).Want(t, 201)
			er := e.Do("POST", "/v1/grants", consumer, map[string]any{"dataset": d.ID, "fields": []string{"city", "diagnosis"},
				"purpose": "claims", "justification": "claims", "duration_days": 30}).Want(t, 400).Error(t)
			if er.Field != "diagnosis" || !strings.Contains(er.Message, "GDPR Art. 9(1)–(2)") {
				t.Errorf("grant request for health data without a condition: %+v", er)
			}
			// A field found to be health data after its grant: the read
			// leaves it out and names the rule; naming it fails with the
			// article.
			var g0 sluice.Grant
			e.Do("POST", "/v1/grants", consumer, map[string]any{"dataset": d.ID, "fields": []string{"city", "notes"},
				"purpose": "claims", "justification": "claims", "duration_days": 30}).Want(t, 201).Decode(t, &g0)
			e.Do("POST", fmt.Sprintf("/v1/grants/%d/approve", g0.ID), owner, map[string]any{
				"fields": []map[string]string{{"name": "city", "op": "clear"}, {"name": "notes", "op": "clear"}},
			}).Want(t, 200)
			e.Do("PATCH", fmt.Sprintf("/v1/datasets/%d/fields/notes", d.ID), owner, map[string]any{"categories": []string{"user.health_and_medical"}}).Want(t, 200)
			g := g0.ID
			r := e.Do("GET", fmt.Sprintf("%s?grant=%d", records, g), consumer, nil).Want(t, 200)
			if got := r.Header.Get("Sluice-Denied-Fields"); got != "notes=special.no_condition" {
				t.Errorf("denied fields %q", got)
			}
			if strings.Contains(string(r.Body), "asthma") {
				t.Errorf("health data served without an Art. 9(2) condition: %s", r.Body)
			}
			msg := e.Do("GET", fmt.Sprintf("%s?grant=%d&fields=notes", records, g), consumer, nil).Want(t, 403).Error(t).Message
			if !strings.Contains(msg, "GDPR Art. 9(1)–(2)") {
				t.Errorf("refusal does not cite GDPR Art. 9: %s", msg)
			}

			// With Art. 9(2)(h) declared on the purpose, it is served as
			// the owner approved.
			g = grant("care-claims", "health_care")
			r = e.Do("GET", fmt.Sprintf("%s?grant=%d", records, g), consumer, nil).Want(t, 200)
			if !strings.Contains(string(r.Body), "J45") || r.Header.Get("Sluice-Denied-Fields") != "" {
				t.Errorf("health data under Art. 9(2)(h): %q, denied %q", r.Body, r.Header.Get("Sluice-Denied-Fields"))
			}
		})
	}
}
