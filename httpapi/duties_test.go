package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/duties"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// TestOrgDuties_PIPLArt52 checks GET /v1/orgs/{id}/duties over the real
// stores, with the duty rules scaled down (a PIPO at 3 people instead of
// 1,000,000, PIPL Art. 52): people are counted once across datasets, the
// duty applies at the threshold with its 30-working-day deadline from the
// first day seen, an auditor of the org and a supervisor of its region
// read it (the supervisor's view logged), another org or region cannot.
func TestOrgDuties_PIPLArt52(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.New(t, testenv.Options{Engine: engine})
			rules, err := duties.LoadRules([]byte(`{"version":"test","region":"CN","duties":[
				{"id":"cn.pipo","threshold":3,"inclusive":true,"within_working_days":30,"instrument":"PIPL","article":"Art. 52","confidence":"summary","effective_from":"2025-05-01","text":"Appoint a PIPO."}]}`))
			if err != nil {
				t.Fatal(err)
			}
			e.Duties.Rules = rules
			org := &sluice.Org{Name: "cn-shop", Region: "CN"}
			owner := e.Key(org, sluice.RoleOwner)
			auditor := e.Key(org, sluice.RoleAuditor)
			other := e.Key(&sluice.Org{Name: "cn-else", Region: "CN"}, sluice.RoleOwner)
			var d1, d2 sluice.Dataset
			e.Do("POST", "/v1/datasets", owner, map[string]string{"name": "a", "purpose": "sales", "subject_field": "phone"}).Want(t, 201).Decode(t, &d1)
			e.Do("POST", "/v1/datasets", owner, map[string]string{"name": "b", "purpose": "sales", "subject_field": "phone"}).Want(t, 201).Decode(t, &d2)
			path := fmt.Sprintf("/v1/orgs/%d/duties", d1.OrgID)
			var got duties.Duties

			e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d1.ID), owner, "phone\n13800000001\n13800000002\n").Want(t, 201)
			e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d2.ID), owner, "phone\n13800000002\n").Want(t, 201)
			e.Do("GET", path, owner, nil).Want(t, 200).Decode(t, &got)
			if got.Subjects != 2 || got.Duties[0].Applies {
				t.Fatalf("2 people: %+v", got)
			}

			e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d2.ID), owner, "phone\n13800000003\n").Want(t, 201)
			e.Do("GET", path, auditor, nil).Want(t, 200).Decode(t, &got)
			pipo := got.Duties[0]
			if got.Subjects != 3 || !pipo.Applies || pipo.ReachedOn != got.Date || pipo.Due <= got.Date || pipo.Ref != "PIPL Art. 52" {
				t.Fatalf("3 people: %+v", got)
			}
			// The deadline runs from the first day seen.
			e.Clock.Add(72 * 3600e9)
			e.Do("GET", path, owner, nil).Want(t, 200).Decode(t, &got)
			if got.Duties[0].ReachedOn != pipo.ReachedOn || got.Duties[0].Due != pipo.Due {
				t.Errorf("later: %+v, first %+v", got.Duties[0], pipo)
			}
			e.Do("GET", path, other, nil).Want(t, 404)
			// me is the org of the caller's key.
			var mine duties.Duties
			e.Do("GET", "/v1/orgs/me/duties", auditor, nil).Want(t, 200).Decode(t, &mine)
			if mine.OrgID != d1.OrgID || mine.Subjects != 3 {
				t.Errorf("me: %+v, want org %d's", mine, d1.OrgID)
			}
			e.Do("GET", "/v1/orgs/me/duties", other, nil).Want(t, 200).Decode(t, &mine)
			if mine.OrgID == d1.OrgID || mine.Subjects != 0 {
				t.Errorf("me of another org's key: %+v", mine)
			}

			// A supervisor of the org's region reads it, and the view is
			// logged; one of another region does not see the org.
			cnSup, err := e.Stores.Keys.CreateKey(t.Context(), &sluice.APIKey{Role: sluice.RoleSupervisor, Regions: []sluice.Region{"CN"}})
			if err != nil {
				t.Fatal(err)
			}
			euSup, err := e.Stores.Keys.CreateKey(t.Context(), &sluice.APIKey{Role: sluice.RoleSupervisor, Regions: []sluice.Region{"EU"}})
			if err != nil {
				t.Fatal(err)
			}
			start := e.EventCount()
			e.Do("GET", path, cnSup, nil).Want(t, 200).Decode(t, &got)
			if got.Subjects != 3 {
				t.Errorf("supervisor's view: %+v", got)
			}
			if evs := e.EventsFrom(start); len(evs) != 1 || evs[0].Action != "supervisor.view" {
				t.Errorf("supervisor's view logged as %+v", evs)
			}
			e.Do("GET", path, euSup, nil).Want(t, 404)
			e.Do("GET", fmt.Sprintf("/v1/incidents?org=%d", d1.OrgID), cnSup, nil).Want(t, 200)
			e.Do("GET", "/v1/incidents", cnSup, nil).Want(t, 400)
			e.Do("GET", fmt.Sprintf("/v1/orgs/%d/processing", d1.OrgID), euSup, nil).Want(t, 404)
			e.Do("GET", fmt.Sprintf("/v1/orgs/%d/processing", d1.OrgID), cnSup, nil).Want(t, 200)
			for _, report := range []string{"duties", "processing", "pipia", "automotive-report"} {
				e.Do("GET", "/v1/orgs/x1/"+report, cnSup, nil).Want(t, 400) // not an org id
				e.Do("GET", "/v1/orgs/me/"+report, cnSup, nil).Want(t, 400) // a supervisor has no org
			}
		})
	}
}
