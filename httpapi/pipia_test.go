package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
	"github.com/sluice-gateway/sluice/processing"
)

// TestOrgPIPIA_PIPLArts55_56 checks GET /v1/orgs/{id}/pipia: one impact
// assessment per processing PIPL Art. 55 names — an export (Art. 55(4)),
// sensitive data provided through a grant (Art. 55(1), (3)), a profiling
// purpose (Art. 55(2)) — each with the contents of Art. 56: purpose,
// method, necessity (fields beyond the purpose's categories flagged),
// risks, measures, and kept 3 years from the processing date (Art. 56
// ¶2); what sluice cannot know is left to the processor. Another org
// cannot read it.
func TestOrgPIPIA_PIPLArts55_56(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.New(t, testenv.Options{Engine: engine})
			org := &sluice.Org{Name: "cn-clinic", Region: "CN"}
			owner, auditor := e.Key(org, sluice.RoleOwner), e.Key(org, sluice.RoleAuditor)
			consumer := e.Key(&sluice.Org{Name: "cn-lab", Region: "CN"}, sluice.RoleConsumer)
			e.Do("POST", "/v1/purposes", owner, map[string]any{"name": "care", "legal_basis": "contract",
				"categories": []string{"user.contact.phone_number"}, "retention_days": 365}).Want(t, 201)
			e.Do("POST", "/v1/purposes", owner, map[string]any{"name": "scoring", "legal_basis": "contract", "retention_days": 30, "profiling": true}).Want(t, 201)
			var d sluice.Dataset
			e.Do("POST", "/v1/datasets", owner, map[string]any{"name": "visits", "purposes": []string{"care", "scoring"}, "subject_field": "phone"}).Want(t, 201).Decode(t, &d)
			e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), owner, "phone,diagnosis\n13800000001,J45\n13800000002,E11\n").Want(t, 201)
			e.Do("POST", "/v1/purposes", consumer, map[string]any{"name": "tests", "legal_basis": "contract", "retention_days": 30}).Want(t, 201)
			var g sluice.Grant
			e.Do("POST", "/v1/grants", consumer, map[string]any{"dataset": d.ID, "fields": []string{"diagnosis"}, "purpose": "tests",
				"justification": "lab tests", "duration_days": 30}).Want(t, 201).Decode(t, &g)
			e.Do("POST", fmt.Sprintf("/v1/grants/%d/approve", g.ID), owner, map[string]any{}).Want(t, 200)
			var tr sluice.Transfer
			e.Do("POST", "/v1/transfers", owner, sluice.TransferRequest{Dataset: d.ID, Fields: []string{"phone", "diagnosis"},
				DestinationCountry: "US", Recipient: "Acme Labs Inc.", LegalBasis: sluice.LegalBasisContract, Purpose: "care"}).Want(t, 201).Decode(t, &tr)

			var rep processing.PIPIAReport
			path := fmt.Sprintf("/v1/orgs/%d/pipia", d.OrgID)
			e.Do("GET", path, auditor, nil).Want(t, 200).Decode(t, &rep)
			if rep.Ref != "PIPL Arts. 55–56" || len(rep.Contents) != 3 || len(rep.Assessments) != 3 {
				t.Fatalf("report %+v", rep)
			}
			byKind := map[string]*processing.PIPIA{}
			for _, a := range rep.Assessments {
				byKind[a.Kind] = a
				if len(a.ToComplete) == 0 || a.KeepRef != "PIPL Art. 56 ¶2" || len(a.Method) == 0 || len(a.Measures) == 0 {
					t.Errorf("%s: incomplete draft %+v", a.ID, a)
				}
				day, err := time.Parse(time.DateOnly, a.ProcessingDate)
				if err != nil || a.KeepUntil != day.AddDate(3, 0, 0).Format(time.DateOnly) {
					t.Errorf("%s: processed %q, kept until %q: want 3 years (Art. 56)", a.ID, a.ProcessingDate, a.KeepUntil)
				}
			}
			x := byKind["export"]
			if x == nil || x.Ref != "PIPL Art. 55(4)" || x.ID != fmt.Sprintf("export-%d", tr.ID) || x.ProcessingDate != tr.Date {
				t.Fatalf("export assessment %+v", x)
			}
			if !slices.Equal(x.Necessity.BeyondPurpose, []string{"diagnosis"}) || !hasRisk(x, "abroad") || !hasRisk(x, "sensitive") || !hasRisk(x, "beyond_purpose") {
				t.Errorf("export: necessity %+v, risks %+v", x.Necessity, x.Risks)
			}
			if !strings.Contains(strings.Join(x.ToComplete, "\n"), "none on file") {
				t.Errorf("export without evidence: to complete %q", x.ToComplete)
			}
			p := byKind["provide_sensitive"]
			if p == nil || p.Ref != "PIPL Art. 55(1), (3)" || !strings.Contains(strings.Join(p.Method, "\n"), fmt.Sprintf("grant %d", g.ID)) ||
				!strings.Contains(strings.Join(p.Measures, "\n"), "diagnosis:") || !hasRisk(p, "sensitive") {
				t.Fatalf("provision assessment %+v", p)
			}
			// The consumer's purpose declares no categories: necessity is
			// the processor's to judge, not flagged by guess.
			if len(p.Necessity.BeyondPurpose) != 0 || !strings.Contains(p.Necessity.Note, processing.ToComplete) {
				t.Errorf("provision necessity %+v", p.Necessity)
			}
			a := byKind["automated_decision"]
			if a == nil || a.Ref != "PIPL Art. 55(2)" || !hasRisk(a, "automated") || len(a.Purposes) != 1 || a.Purposes[0].Name != "scoring" {
				t.Fatalf("automated decision assessment %+v", a)
			}
			e.Do("GET", path, owner, nil).Want(t, 200)
			e.Do("GET", path, consumer, nil).Want(t, 403)
		})
	}
}

func hasRisk(a *processing.PIPIA, id string) bool {
	return slices.ContainsFunc(a.Risks, func(r processing.Risk) bool { return r.ID == id })
}
