package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/internal/testenv"
	"github.com/sluice-gateway/sluice/processing"
)

// TestRead_WrittenConsent_CreditArt18 checks the Credit Reporting Industry
// Regulations Art. 18 over HTTP: another org's consent-based read of a
// credit field serves only the records whose subject gave written consent
// (written_consent in the ledger); separate consent is not enough, and a
// withdrawal ends written consent too. The decision names the rule.
func TestRead_WrittenConsent_CreditArt18(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.New(t, testenv.Options{Engine: engine})
			e.API.Catalog = classify.DefaultCatalog() // for the owner's correction of a field
			owner := e.Key(&sluice.Org{Name: "cn-lender", Region: "CN", Sector: "credit"}, sluice.RoleOwner)
			consumer := e.Key(&sluice.Org{Name: "cn-insurer", Region: "CN"}, sluice.RoleConsumer)
			e.Do("POST", "/v1/purposes", owner, map[string]any{"name": "lending", "legal_basis": "consent", "retention_days": 365}).Want(t, 201)
			var d sluice.Dataset
			e.Do("POST", "/v1/datasets", owner, map[string]any{"name": "loans", "purposes": []string{"lending"}, "subject_field": "phone"}).Want(t, 201).Decode(t, &d)
			records := fmt.Sprintf("/v1/datasets/%d/records", d.ID)
			e.Do("POST", records+"?format=csv", owner, "phone,overdue_days\n13800000001,30\n13800000002,90\n").Want(t, 201)
			e.Do("PATCH", fmt.Sprintf("/v1/datasets/%d/fields/overdue_days", d.ID), owner, map[string]any{"categories": []string{"user.credit.overdue"}}).Want(t, 200)

			e.Do("POST", "/v1/purposes", consumer, map[string]any{"name": "underwriting", "legal_basis": "consent", "retention_days": 30}).Want(t, 201)
			var g sluice.Grant
			e.Do("POST", "/v1/grants", consumer, map[string]any{"dataset": d.ID, "fields": []string{"phone", "overdue_days"},
				"purpose": "underwriting", "justification": "underwriting", "duration_days": 30}).Want(t, 201).Decode(t, &g)
			e.Do("POST", fmt.Sprintf("/v1/grants/%d/approve", g.ID), owner, map[string]any{}).Want(t, 200)
			e.Do("POST", "/v1/consents", owner, map[string]any{"subject": "13800000001", "grant": g.ID, "kind": "separate_consent"}).Want(t, 201)
			e.Do("POST", "/v1/consents", owner, map[string]any{"subject": "13800000002", "grant": g.ID, "kind": "written_consent", "evidence": "signed form 12"}).Want(t, 201)

			read := fmt.Sprintf("%s?grant=%d", records, g.ID)
			r := e.Do("GET", read, consumer, nil).Want(t, 200)
			if r.Header.Get("Sluice-Served") != "1" || r.Header.Get("Sluice-Withheld") != "1" {
				t.Errorf("served %s withheld %s: %s", r.Header.Get("Sluice-Served"), r.Header.Get("Sluice-Withheld"), r.Body)
			}
			dec := string(e.Do("POST", "/v1/decisions", consumer, map[string]any{"dataset": d.ID, "fields": []string{"overdue_days"}, "purpose": "underwriting"}).Want(t, 200).Body)
			if !strings.Contains(dec, `"written_consent"`) || !strings.Contains(dec, `"consent_rule":{"rule":"consent.written","instrument":"Credit Reporting Industry Regulations","article":"Art. 18"`) {
				t.Errorf("decision does not name written consent: %s", dec)
			}
			e.Do("POST", "/v1/consents", owner, map[string]any{"subject": "13800000002", "grant": g.ID, "kind": "withdrawal"}).Want(t, 201)
			if r := e.Do("GET", read, consumer, nil).Want(t, 200); r.Header.Get("Sluice-Served") != "0" {
				t.Errorf("after withdrawal served %s", r.Header.Get("Sluice-Served"))
			}
			// The record of processing and the impact assessment of the
			// provision show the field that needs written consent.
			var rec processing.Record
			e.Do("GET", fmt.Sprintf("/v1/orgs/%d/processing", d.OrgID), owner, nil).Want(t, 200).Decode(t, &rec)
			if len(rec.Activities) != 1 || !slices.Equal(rec.Activities[0].WrittenConsent, []string{"overdue_days"}) {
				t.Errorf("record of processing: %+v", rec.Activities)
			}
			var rep processing.PIPIAReport
			e.Do("GET", fmt.Sprintf("/v1/orgs/%d/pipia", d.OrgID), owner, nil).Want(t, 200).Decode(t, &rep)
			if len(rep.Assessments) != 1 || !strings.Contains(strings.Join(rep.Assessments[0].Measures, "\n"), "written consent checked record by record for overdue_days") {
				t.Errorf("impact assessment: %+v", rep.Assessments)
			}
			// Without the credit field, separate consent does.
			if r := e.Do("GET", read+"&fields=phone", consumer, nil).Want(t, 200); r.Header.Get("Sluice-Served") != "1" {
				t.Errorf("phone only: served %s", r.Header.Get("Sluice-Served"))
			}
		})
	}
}
