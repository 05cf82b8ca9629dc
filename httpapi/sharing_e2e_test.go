package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/httpapi"
	"github.com/sluice-gateway/sluice/policy"
)

// The whole sharing path over HTTP: the owner ingests, the consumer is
// refused, asks, the owner approves with operators, the consumer reads a
// de-identified view of the subjects with separate consent only, a subject
// withdraws and disappears from the next read, the grant expires and reads
// stop; and each step is in the audit log.
func TestSharing_EndToEnd(t *testing.T) {
	ss := newSharingServer(t)
	owner := ss.key("cn-rides", "CN", "", sluice.RoleOwner)
	consumer := ss.key("cn-insure", "CN", "", sluice.RoleConsumer)
	start := ss.eventCount()

	// The owner ingests 40 trips.
	var d sluice.Dataset
	want(t, ss.do("POST", "/v1/datasets", owner, map[string]string{"name": "trips", "purpose": "ride-hailing", "subject_field": "phone"}), 201).Decode(t, &d)
	records := fmt.Sprintf("/v1/datasets/%d/records", d.ID)
	want(t, ss.do("POST", records+"?format=csv", owner, tripsCSV(40)), 201)

	// The consumer declares its purpose; it is refused without a grant.
	want(t, ss.do("POST", "/v1/purposes", consumer, map[string]any{"name": "risk-model", "legal_basis": "consent", "categories": []string{"user.contact.phone_number"}, "retention_days": 180}), 201)
	if e := want(t, ss.do("GET", records, consumer, nil), 403).Error(t); e.Code != sluice.EFORBIDDEN {
		t.Fatalf("plain read by a consumer: %+v", e)
	}
	var dec decisionResponse
	want(t, ss.do("POST", "/v1/decisions", consumer, map[string]any{"dataset": d.ID, "purpose": "risk-model", "fields": []string{"phone"}}), 200).Decode(t, &dec)
	if dec.Fields[0].Effect != "deny" || dec.Fields[0].Rule.ID != "grant.not_found" {
		t.Fatalf("decision without a grant: %+v", dec.Fields[0])
	}

	// It asks; reading the pending grant is refused, and logged.
	var g sluice.Grant
	want(t, ss.do("POST", "/v1/grants", consumer, map[string]any{
		"dataset": d.ID, "fields": []string{"phone", "name", "id_number", "birth_date", "location", "city", "fare"},
		"purpose": "risk-model", "justification": "pricing model for ride insurance", "duration_days": 90,
	}), 201).Decode(t, &g)
	if g.Status != sluice.GrantPending {
		t.Fatalf("filed grant %+v", g)
	}
	read := fmt.Sprintf("%s?grant=%d", records, g.ID)
	if e := want(t, ss.do("GET", read, consumer, nil), 403).Error(t); !strings.Contains(e.Message, "Shenzhen Data Regulations Art. 43") {
		t.Fatalf("read of a pending grant: %+v", e)
	}

	// The owner sees it pending and approves it, narrowed, with operators.
	var list httpapi.GrantList
	want(t, ss.do("GET", "/v1/grants?role=owner&status=pending", owner, nil), 200).Decode(t, &list)
	if list.Total != 1 || list.Grants[0].ID != g.ID {
		t.Fatalf("owner's pending grants %+v", list)
	}
	expires := ss.clock.Now().Add(48 * time.Hour)
	want(t, ss.do("POST", fmt.Sprintf("/v1/grants/%d/approve", g.ID), owner, map[string]any{
		"fields": []map[string]string{
			{"name": "phone", "op": "mask(3,4)"}, {"name": "name"}, {"name": "id_number", "op": "pseudonym"},
			{"name": "birth_date"}, {"name": "location", "op": "generalize(city)"}, {"name": "city"},
		},
		"expires_at": expires,
	}), 200).Decode(t, &g)
	if g.Status != sluice.GrantApproved || len(g.Fields) != 6 {
		t.Fatalf("approved %+v", g)
	}

	// Consent: people 0, 4, 8 … give separate consent for the grant,
	// 1, 5, 9 … separate consent for the purpose by subject key, 2, 6, 10 …
	// plain consent only, the rest nothing.
	keyer := sluice.NewOrgSubjectKeyer(ss.secret, d.OrgID) // the owner's keys
	var separate []string
	for i := range 40 {
		body := map[string]any{"evidence": "app consent screen v3"}
		switch i % 4 {
		case 0:
			body["subject"], body["grant"], body["kind"] = phoneOf(i), g.ID, "separate_consent"
		case 1:
			body["subject_key"], body["purpose"], body["kind"] = keyer.Key(phoneOf(i)), "risk-model", "separate_consent"
		case 2:
			body["subject"], body["purpose"], body["kind"] = phoneOf(i), "risk-model", "consent"
		default:
			continue
		}
		var c sluice.Consent
		want(t, ss.do("POST", "/v1/consents", owner, body), 201).Decode(t, &c)
		if c.SubjectKey != keyer.Key(phoneOf(i)) || strings.Contains(string(mustJSON(t, c)), phoneOf(i)) {
			t.Fatalf("consent %+v", c)
		}
		if i%4 < 2 {
			separate = append(separate, c.SubjectKey)
		}
	}
	ss.clock.Add(time.Minute)

	// The consumer reads the de-identified view: 20 people served, 20
	// withheld.
	r := want(t, ss.do("GET", read, consumer, nil), 200)
	if r.Header.Get(httpapi.HeaderServed) != "20" || r.Header.Get(httpapi.HeaderWithheld) != "20" || r.Header.Get(httpapi.HeaderNextCursor) != "" {
		t.Fatalf("headers %v", r.Header)
	}
	lines := readLines(t, r.Body)
	if len(lines) != 20 {
		t.Fatalf("%d lines", len(lines))
	}
	first := lines[0] // person 0
	wantLine := map[string]string{"phone": "138****0000", "name": "张*0", "birth_date": "1990", "location": "22.5,114.1", "city": "深圳"}
	for k, v := range wantLine {
		if first[k] != v {
			t.Errorf("%s = %q, want %q (line %v)", k, first[k], v, first)
		}
	}
	if len(first["id_number"]) != 2*policy.PseudonymBytes || strings.Contains(first["id_number"], "4403") {
		t.Errorf("id_number not pseudonymised: %q", first["id_number"])
	}
	if _, ok := first["fare"]; ok {
		t.Error("fare served though the approval left it out")
	}
	for _, l := range lines {
		if len(l) != 6 || l["phone"] == "" || strings.Contains(l["phone"], "0000000") {
			t.Fatalf("line %v", l)
		}
	}
	if got := r.Header.Get(httpapi.HeaderFields); !strings.Contains(got, "phone=mask(3,4)") || !strings.Contains(got, "name=mask(1,1)") {
		t.Fatalf("fields header %q", got)
	}
	// The read's audit event commits to the 20 subject keys served.
	var readIdx int64
	fmt.Sscan(r.Header.Get(httpapi.HeaderAuditEntry), &readIdx)
	ev := ss.eventsFrom(readIdx)[0]
	if ev.Action != sluice.ActionGrantRead || ev.Decision != "allow" || ev.SubjectSet == nil || ev.SubjectSet.Count != 20 ||
		ev.Details["served"] != float64(20) || ev.Details["withheld"] != float64(20) || ev.Object["grant"] != float64(g.ID) {
		t.Fatalf("read event %+v", ev)
	}
	if ops := ev.Details["operators"].(map[string]any); ops["id_number"] != "pseudonym" || ops["location"] != "generalize(city)" {
		t.Fatalf("operators %v", ops)
	}
	check := &sluice.Event{}
	if err := auditlog.SetSubjects(check, separate); err != nil || check.SubjectSet.Root != ev.SubjectSet.Root {
		t.Fatalf("the commitment is not to the subjects with separate consent: %v", err)
	}
	stored, err := ss.log.ReadSubjectSet(context.Background(), readIdx)
	if err != nil || !slices.Equal(stored, check.SubjectSet.Keys) {
		t.Fatalf("keys stored beside the event: %d, %v", len(stored), err)
	}

	// Pseudonyms are stable within the grant; CSV reads agree.
	r = want(t, ss.do("GET", read+"&fields=id_number,phone", consumer, nil, "Accept", "text/csv"), 200)
	csvLines := strings.Split(strings.TrimSuffix(string(r.Body), "\n"), "\n")
	if csvLines[0] != "id_number,phone" || len(csvLines) != 21 || csvLines[1] != first["id_number"]+",138****0000" {
		t.Fatalf("csv %q", csvLines[:2])
	}

	// Paging: a page counts the records it examined.
	r = want(t, ss.do("GET", read+"&limit=25", consumer, nil), 200)
	next := r.Header.Get(httpapi.HeaderNextCursor)
	if next == "" || len(readLines(t, r.Body)) != 13 {
		t.Fatalf("first page: cursor %q, %d lines", next, len(readLines(t, r.Body)))
	}
	r = want(t, ss.do("GET", read+"&limit=25&cursor="+next, consumer, nil), 200)
	if r.Header.Get(httpapi.HeaderNextCursor) != "" || len(readLines(t, r.Body)) != 7 {
		t.Fatalf("second page: %v", r.Header)
	}

	// Person 4 withdraws and disappears from the next read; reads made
	// before are not undone.
	want(t, ss.do("POST", "/v1/consents", owner, map[string]any{"subject": phoneOf(4), "purpose": "risk-model", "kind": "withdrawal"}), 201)
	ss.clock.Add(time.Second)
	r = want(t, ss.do("GET", read, consumer, nil), 200)
	if r.Header.Get(httpapi.HeaderServed) != "19" || r.Header.Get(httpapi.HeaderWithheld) != "21" {
		t.Fatalf("after withdrawal: %v", r.Header)
	}
	for _, l := range readLines(t, r.Body) {
		if l["phone"] == "138****0004" {
			t.Fatal("person 4 still served after withdrawing")
		}
	}

	// The grant expires: reads stop.
	ss.clock.Add(48 * time.Hour)
	if e := want(t, ss.do("GET", read, consumer, nil), 403).Error(t); !strings.Contains(e.Message, "expired") {
		t.Fatalf("read after expiry: %+v", e)
	}
	if gs, err := ss.grants.ExpireGrants(context.Background()); err != nil || len(gs) != 1 {
		t.Fatalf("ExpireGrants: %v %v", gs, err)
	}
	want(t, ss.do("GET", "/v1/grants?role=consumer&status=expired", consumer, nil), 200).Decode(t, &list)
	if list.Total != 1 {
		t.Fatalf("expired grants %+v", list)
	}

	// Each step is an audit entry, in order.
	var actions []string
	for _, e := range ss.eventsFrom(start) {
		a := e.Action
		if e.Action == sluice.ActionGrantRead {
			a += ":" + e.Decision
		}
		if len(actions) == 0 || actions[len(actions)-1] != a {
			actions = append(actions, a)
		}
	}
	wantActions := []string{
		"dataset.create", "dataset.ingest", "purpose.create", "decision.ask", "grant.request", "grant.read:deny", "grant.approve",
		"consent.give", "grant.read:allow", "consent.withdraw", "grant.read:allow", "grant.read:deny", "grant.expire",
	}
	if !slices.Equal(actions, wantActions) {
		t.Fatalf("audit trail\n got %v\nwant %v", actions, wantActions)
	}
}

// decisionResponse is the client's view of httpapi.DecisionResponse.
type decisionResponse struct {
	Fields []struct {
		Field  string `json:"field"`
		Effect string `json:"effect"`
		Op     string `json:"op"`
		Reason string `json:"reason"`
		Rule   struct {
			ID      string `json:"rule"`
			Article string `json:"article"`
		} `json:"rule"`
		Authority bool   `json:"authority"`
		Policy    string `json:"policy"`
	} `json:"fields"`
	Served  int    `json:"served"`
	Consent string `json:"consent"`
}
