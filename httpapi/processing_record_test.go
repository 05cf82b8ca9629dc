package httpapi_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
	"github.com/sluice-gateway/sluice/processing"
)

// TestOrgProcessing_GDPRArt30 checks GET /v1/orgs/{id}/processing: an EU
// org's record of processing activities (GDPR Art. 30(1)) names, per
// dataset, its declared purposes with basis, categories, retention and
// Art. 9(2) condition, the categories of data it holds and its recipients;
// the grant that provides sensitive data to another org is listed as
// needing an impact assessment (PIPL Art. 55); another org cannot read it.
func TestOrgProcessing_GDPRArt30(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.New(t, testenv.Options{Engine: engine})
			org := &sluice.Org{Name: "eu-clinic", Region: "EU"}
			owner, auditor := e.Key(org, sluice.RoleOwner), e.Key(org, sluice.RoleAuditor)
			consumer := e.Key(&sluice.Org{Name: "eu-lab", Region: "EU"}, sluice.RoleConsumer)
			e.Do("POST", "/v1/purposes", owner, map[string]any{"name": "care", "legal_basis": "contract", "categories": []string{"user.health_and_medical"},
				"retention_days": 3650, "special_category_condition": "health_care"}).Want(t, 201)
			var d sluice.Dataset
			e.Do("POST", "/v1/datasets", owner, map[string]any{"name": "visits", "purposes": []string{"care"}, "subject_field": "phone"}).Want(t, 201).Decode(t, &d)
			e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), owner, "phone,diagnosis\n13800000001,J45\n").Want(t, 201)
			e.Do("POST", "/v1/purposes", consumer, map[string]any{"name": "tests", "legal_basis": "contract", "retention_days": 30, "special_category_condition": "health_care"}).Want(t, 201)
			var g sluice.Grant
			e.Do("POST", "/v1/grants", consumer, map[string]any{"dataset": d.ID, "fields": []string{"diagnosis"}, "purpose": "tests",
				"justification": "lab tests", "duration_days": 30}).Want(t, 201).Decode(t, &g)
			e.Do("POST", fmt.Sprintf("/v1/grants/%d/approve", g.ID), owner, map[string]any{}).Want(t, 200)

			var rec processing.Record
			path := fmt.Sprintf("/v1/orgs/%d/processing", d.OrgID)
			e.Do("GET", path, auditor, nil).Want(t, 200).Decode(t, &rec)
			if rec.Ref != "GDPR Art. 30(1); PIPL Arts. 55–56" || len(rec.Activities) != 1 {
				t.Fatalf("record %+v", rec)
			}
			a := rec.Activities[0]
			if len(a.Purposes) != 1 || a.Purposes[0].LegalBasis != "contract" || a.Purposes[0].RetentionDays != 3650 || a.Purposes[0].SpecialCategoryCondition != "health_care" {
				t.Errorf("purposes %+v", a.Purposes)
			}
			if !slices.Contains(a.Categories, "user.health_and_medical") || len(a.Recipients) != 1 || a.Recipients[0].Status != "approved" {
				t.Errorf("activity %+v", a)
			}
			if len(rec.Assessments) != 1 || rec.Assessments[0].Kind != "provide_sensitive" || rec.Assessments[0].Subject != g.ID {
				t.Errorf("assessments %+v", rec.Assessments)
			}
			e.Do("GET", path, consumer, nil).Want(t, 403)
		})
	}
}
