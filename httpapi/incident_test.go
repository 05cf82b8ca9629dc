package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// TestIncidents_ClocksAndPIPLArt57 checks /v1/incidents over the real
// stores: an owner opens a relatively major personal-information incident
// and gets the provincial CAC's 4-hour clock and the PIPL Art. 57 notice
// to individuals; the clock shows overdue once past and not reported, and
// not once reported; the incident closes only with the Art. 57 notice
// complete; each step is an audit event; an auditor reads and cannot act.
func TestIncidents_ClocksAndPIPLArt57(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.New(t, testenv.Options{Engine: engine, Start: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)})
			org := &sluice.Org{Name: "cn-shop", Region: "CN"}
			owner, auditor := e.Key(org, sluice.RoleOwner), e.Key(org, sluice.RoleAuditor)
			start := e.EventCount()

			var x sluice.Incident
			e.Do("POST", "/v1/incidents", owner, map[string]any{"severity": "relatively_major", "discovered_at": "2026-11-02T08:30:00Z",
				"subjects": 1200, "personal_data": true, "description": "orders table exposed"}).Want(t, 201).Decode(t, &x)
			ids := map[string]*sluice.IncidentClock{}
			for _, c := range x.Clocks {
				ids[c.ID] = c
			}
			if c := ids["cn.report.other"]; c == nil || c.DueAt.Format(time.RFC3339) != "2026-11-02T12:30:00Z" || c.Overdue {
				t.Fatalf("4-hour clock: %+v", c)
			}
			if c := ids["cn.pipl57.individuals"]; c == nil || !c.NotifySubjects || c.Ref != "PIPL Art. 57" {
				t.Fatalf("Art. 57 notice: %+v", c)
			}
			e.Do("POST", "/v1/incidents", auditor, map[string]any{"severity": "general", "discovered_at": "2026-11-02T08:30:00Z"}).Want(t, 403)
			e.Do("POST", "/v1/incidents", owner, map[string]any{"severity": "bad", "discovered_at": "2026-11-02T08:30:00Z"}).Want(t, 400)

			path := fmt.Sprintf("/v1/incidents/%d", x.ID)
			e.Clock.Set(time.Date(2026, 11, 2, 13, 0, 0, 0, time.UTC))
			e.Do("GET", path, auditor, nil).Want(t, 200).Decode(t, &x)
			for _, c := range x.Clocks {
				if c.ID == "cn.report.other" && !c.Overdue {
					t.Errorf("past 4 hours, not reported: %+v", c)
				}
			}
			var y sluice.Incident
			e.Do("PATCH", path, owner, map[string]any{"reported": []string{"cn.report.other"}, "reported_at": "2026-11-02T12:00:00Z"}).Want(t, 200).Decode(t, &y)
			for _, c := range y.Clocks {
				if c.ID == "cn.report.other" && (c.Overdue || c.ReportedAt == nil) {
					t.Errorf("reported in time: %+v", c)
				}
			}

			er := e.Do("POST", path+"/close", owner, nil).Want(t, 400).Error(t)
			if er.Field != "notice.kinds" || !strings.Contains(er.Message, "PIPL Art. 57") {
				t.Errorf("close without notice: %+v", er)
			}
			e.Do("PATCH", path, owner, map[string]any{"notice": map[string]any{"kinds": []string{"user.contact.phone_number"}, "cause": "misconfigured bucket",
				"harm": "phishing", "remedies": "bucket closed", "subject_actions": "beware of calls", "contact": "dpo@example.cn"}}).Want(t, 200).Decode(t, &y)
			if y.Notice == nil || len(y.Notice.Kinds) != 1 {
				t.Fatalf("notice not kept: %+v", y.Notice)
			}

			e.Do("POST", path+"/close", owner, nil).Want(t, 200).Decode(t, &x)
			if x.Status != sluice.IncidentClosed {
				t.Errorf("status %s", x.Status)
			}
			var actions []string
			for _, ev := range e.EventsFrom(start) {
				if strings.HasPrefix(ev.Action, "incident.") {
					actions = append(actions, ev.Action)
					if strings.Contains(fmt.Sprint(ev.Details), "orders table") {
						t.Errorf("description in the clear in the log: %v", ev.Details)
					}
				}
			}
			if strings.Join(actions, ",") != "incident.open,incident.update,incident.update,incident.close" {
				t.Errorf("logged %v", actions)
			}
		})
	}
}
