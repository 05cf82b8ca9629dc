package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// TestGrant_CreditDirectLink checks the PBoC's platform-to-lender rule
// (断直连) as a domestic flow rule for sharing: a lending platform's
// dataset holding credit information is refused to a bank reading
// through a grant, with the rule's reference, while a licensed credit
// agency reading the same dataset is served.
func TestGrant_CreditDirectLink(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.New(t, testenv.Options{Engine: engine})
			owner := e.Key(&sluice.Org{Name: "cn-loans", Region: "CN", Sector: "lending_platform"}, sluice.RoleOwner)
			var d sluice.Dataset
			e.Do("POST", "/v1/datasets", owner, map[string]string{"name": "borrowers", "purpose": "lending", "subject_field": "phone"}).Want(t, 201).Decode(t, &d)
			records := fmt.Sprintf("/v1/datasets/%d/records", d.ID)
			e.Do("POST", records+"?format=csv", owner, "phone,score\n13800000001,720\n13800000002,640\n").Want(t, 201)

			read := func(name, sector string) *testenv.Response {
				key := e.Key(&sluice.Org{Name: name, Region: "CN", Sector: sector}, sluice.RoleConsumer)
				e.Do("POST", "/v1/purposes", key, map[string]any{"name": "underwriting", "legal_basis": "contract", "retention_days": 30}).Want(t, 201)
				var g sluice.Grant
				e.Do("POST", "/v1/grants", key, map[string]any{"dataset": d.ID, "fields": []string{"phone", "score"},
					"purpose": "underwriting", "justification": "loan decisions", "duration_days": 30}).Want(t, 201).Decode(t, &g)
				e.Do("POST", fmt.Sprintf("/v1/grants/%d/approve", g.ID), owner, map[string]any{}).Want(t, 200)
				return e.Do("GET", fmt.Sprintf("%s?grant=%d&fields=phone,score", records, g.ID), key, nil)
			}
			msg := read("cn-bank", "bank").Want(t, 403).Error(t).Message
			if !strings.Contains(msg, "断直连") {
				t.Errorf("platform to bank: %s", msg)
			}
			if r := read("cn-credit-agency", "credit").Want(t, 200); r.Header.Get("Sluice-Served") != "2" {
				t.Errorf("platform to licensed agency served %s", r.Header.Get("Sluice-Served"))
			}
		})
	}
}

// TestIngest_CreditAgencyProhibitedCreditRegsArt14 checks Credit
// Reporting Industry Regulations Art. 14 at ingest: a credit agency's
// upload with a health field is refused whole, naming the field and the
// article, and leaves nothing behind; another org's upload of the same
// data is accepted.
func TestIngest_CreditAgencyProhibitedCreditRegsArt14(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.New(t, testenv.Options{Engine: engine})
			csv := "phone,score,diagnosis\n13800000001,720,J45\n"
			for _, tc := range []struct {
				org    *sluice.Org
				status int
			}{
				{&sluice.Org{Name: "cn-agency", Region: "CN", Sector: "credit"}, 400},
				{&sluice.Org{Name: "cn-clinic", Region: "CN", Sector: "health"}, 201},
			} {
				key := e.Key(tc.org, sluice.RoleOwner)
				var d sluice.Dataset
				e.Do("POST", "/v1/datasets", key, map[string]string{"name": "people", "purpose": "records", "subject_field": "phone"}).Want(t, 201).Decode(t, &d)
				r := e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), key, csv).Want(t, tc.status)
				if tc.status == 400 {
					if er := r.Error(t); er.Field != "diagnosis" || !strings.Contains(er.Message, "Credit Reporting Industry Regulations Art. 14") {
						t.Errorf("credit agency ingest: %+v", er)
					}
					e.Do("GET", fmt.Sprintf("/v1/datasets/%d", d.ID), key, nil).Want(t, 200).Decode(t, &d)
					if d.RecordCount != 0 {
						t.Errorf("refused ingest left %d records", d.RecordCount)
					}
				}
			}
		})
	}
}
