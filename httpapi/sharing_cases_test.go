package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/httpapi"
)

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sharingFixture is a server with an owner's dataset of 8 trips, a
// consumer with a consent-based purpose and an approved grant on phone,
// name and city, and a stranger org.
type sharingFixture struct {
	*sharingServer
	owner, consumer, stranger, euOwner string
	dataset                            sluice.Dataset
	grant                              sluice.Grant
	records, read                      string
}

func newSharingFixture(t *testing.T) *sharingFixture {
	t.Helper()
	f := &sharingFixture{sharingServer: newSharingServer(t)}
	f.owner = f.key("cn-rides", "CN", "", sluice.RoleOwner)
	f.consumer = f.key("cn-insure", "CN", "", sluice.RoleConsumer)
	f.stranger = f.key("cn-other", "CN", "", sluice.RoleConsumer)
	f.euOwner = f.key("eu-shop", "EU", "", sluice.RoleOwner)
	want(t, f.do("POST", "/v1/datasets", f.owner, map[string]string{"name": "trips", "purpose": "ride-hailing", "subject_field": "phone"}), 201).Decode(t, &f.dataset)
	f.records = fmt.Sprintf("/v1/datasets/%d/records", f.dataset.ID)
	want(t, f.do("POST", f.records+"?format=csv", f.owner, tripsCSV(8)), 201)
	want(t, f.do("POST", "/v1/purposes", f.consumer, map[string]any{"name": "risk-model", "legal_basis": "consent", "retention_days": 30}), 201)
	want(t, f.do("POST", "/v1/grants", f.consumer, map[string]any{
		"dataset": f.dataset.ID, "fields": []string{"phone", "name", "city", "route", "reactor"}, "purpose": "risk-model", "justification": "j", "duration_days": 30,
	}), 201).Decode(t, &f.grant)
	want(t, f.do("POST", fmt.Sprintf("/v1/grants/%d/approve", f.grant.ID), f.owner, map[string]any{}), 200).Decode(t, &f.grant)
	for i := range 8 {
		want(t, f.do("POST", "/v1/consents", f.owner, map[string]any{"subject": phoneOf(i), "grant": f.grant.ID, "kind": "separate_consent"}), 201)
	}
	f.read = fmt.Sprintf("%s?grant=%d", f.records, f.grant.ID)
	return f
}

func TestSharing_Errors(t *testing.T) {
	f := newSharingFixture(t)
	other := newGrantOf(t, f.sharingServer, f.stranger, f.dataset.ID)
	for _, c := range []struct {
		name, method, path, key string
		body                    any
		status                  int
		code, field, message    string
	}{
		{"PurposeUnknownBasis", "POST", "/v1/purposes", f.consumer, map[string]any{"name": "p1", "legal_basis": "vibes", "retention_days": 1}, 400, sluice.EINVALID, "", "not a basis under PIPL"},
		{"PurposeGDPRBasisInCN", "POST", "/v1/purposes", f.consumer, map[string]any{"name": "p2", "legal_basis": "legitimate_interests", "retention_days": 1}, 400, sluice.EINVALID, "", "PIPL"},
		{"PurposeNoRetention", "POST", "/v1/purposes", f.consumer, map[string]any{"name": "p3", "legal_basis": "contract"}, 400, sluice.EINVALID, "", "retention_days"},
		{"PurposeAuditor", "POST", "/v1/purposes", "", map[string]any{"name": "p4", "legal_basis": "contract", "retention_days": 1}, 401, sluice.EUNAUTHORIZED, "", ""},
		{"GrantUnknownField", "POST", "/v1/grants", f.consumer, map[string]any{"dataset": f.dataset.ID, "fields": []string{"salary"}, "purpose": "risk-model", "justification": "j", "duration_days": 1}, 400, sluice.EINVALID, "salary", "no field"},
		{"GrantUnknownDataset", "POST", "/v1/grants", f.consumer, map[string]any{"dataset": 999, "fields": []string{"phone"}, "purpose": "risk-model", "justification": "j", "duration_days": 1}, 404, sluice.ENOTFOUND, "", ""},
		{"GrantUnknownPurpose", "POST", "/v1/grants", f.consumer, map[string]any{"dataset": f.dataset.ID, "fields": []string{"phone"}, "purpose": "marketing", "justification": "j", "duration_days": 1}, 400, sluice.EINVALID, "", "marketing"},
		{"GrantBasisOfOtherRegime", "POST", "/v1/grants", f.consumer, map[string]any{"dataset": f.dataset.ID, "fields": []string{"phone"}, "purpose": "risk-model", "legal_basis": "public_task", "justification": "j", "duration_days": 1}, 400, sluice.EINVALID, "", "not a basis"},
		{"GrantByOwnerKey", "POST", "/v1/grants", f.owner, map[string]any{"dataset": f.dataset.ID, "fields": []string{"phone"}, "purpose": "risk-model", "justification": "j", "duration_days": 1}, 403, sluice.EFORBIDDEN, "", ""},
		{"GrantUnknownJSON", "POST", "/v1/grants", f.consumer, map[string]any{"dataset": f.dataset.ID, "status": "approved"}, 400, sluice.EINVALID, "", ""},
		{"OtherOrgsGrant", "GET", fmt.Sprintf("/v1/grants/%d", other.ID), f.consumer, nil, 404, sluice.ENOTFOUND, "", ""},
		{"ApproveOthersDataset", "POST", fmt.Sprintf("/v1/grants/%d/approve", f.grant.ID), f.euOwner, map[string]any{}, 404, sluice.ENOTFOUND, "", ""},
		{"ApproveTwice", "POST", fmt.Sprintf("/v1/grants/%d/approve", f.grant.ID), f.owner, map[string]any{}, 409, sluice.ECONFLICT, "", "not pending"},
		{"ApproveBadOp", "POST", fmt.Sprintf("/v1/grants/%d/approve", other.ID), f.owner, map[string]any{"fields": []map[string]string{{"name": "phone", "op": "mask(99,1)"}}}, 400, sluice.EINVALID, "phone", "mask"},
		{"ApproveUnrequestedField", "POST", fmt.Sprintf("/v1/grants/%d/approve", other.ID), f.owner, map[string]any{"fields": []map[string]string{{"name": "fare"}}}, 400, sluice.EINVALID, "fare", "not requested"},
		{"ApprovePastExpiry", "POST", fmt.Sprintf("/v1/grants/%d/approve", other.ID), f.owner, map[string]any{"expires_at": "2020-01-01T00:00:00Z"}, 400, sluice.EINVALID, "", "not in the future"},
		{"ApproveBothExpiries", "POST", fmt.Sprintf("/v1/grants/%d/approve", other.ID), f.owner, map[string]any{"expires_at": "2030-01-01T00:00:00Z", "duration_days": 3}, 400, sluice.EINVALID, "", "not both"},
		{"DenyNoReason", "POST", fmt.Sprintf("/v1/grants/%d/deny", other.ID), f.owner, map[string]any{}, 400, sluice.EINVALID, "", "reason"},
		{"ListBadRole", "GET", "/v1/grants?role=admin", f.owner, nil, 400, sluice.EINVALID, "", ""},
		{"ListBadStatus", "GET", "/v1/grants?status=maybe", f.owner, nil, 400, sluice.EINVALID, "", ""},
		{"ConsentUnknownPurpose", "POST", "/v1/consents", f.owner, map[string]any{"subject": phoneOf(1), "purpose": "marketing", "kind": "consent"}, 400, sluice.EINVALID, "", "unknown"},
		{"ConsentNoPurpose", "POST", "/v1/consents", f.owner, map[string]any{"subject": phoneOf(1), "kind": "consent"}, 400, sluice.EINVALID, "", "purpose"},
		{"ConsentBothSubjects", "POST", "/v1/consents", f.owner, map[string]any{"subject": phoneOf(1), "subject_key": strings.Repeat("a", 64), "purpose": "risk-model", "kind": "consent"}, 400, sluice.EINVALID, "", "not both"},
		{"ConsentBadKind", "POST", "/v1/consents", f.owner, map[string]any{"subject": phoneOf(1), "grant": f.grant.ID, "kind": "maybe"}, 400, sluice.EINVALID, "", ""},
		{"ConsentOtherOrgsGrant", "POST", "/v1/consents", f.euOwner, map[string]any{"subject": phoneOf(1), "grant": f.grant.ID, "kind": "consent"}, 404, sluice.ENOTFOUND, "", ""},
		{"ConsentByConsumer", "POST", "/v1/consents", f.consumer, map[string]any{"subject": phoneOf(1), "grant": f.grant.ID, "kind": "consent"}, 403, sluice.EFORBIDDEN, "", ""},
		{"ReadOtherOrgsGrant", "GET", fmt.Sprintf("%s?grant=%d", f.records, other.ID), f.consumer, nil, 404, sluice.ENOTFOUND, "", ""},
		{"ReadGrantOfOtherDataset", "GET", fmt.Sprintf("/v1/datasets/999/records?grant=%d", f.grant.ID), f.consumer, nil, 404, sluice.ENOTFOUND, "", ""},
		{"ReadBadGrantID", "GET", f.records + "?grant=x", f.consumer, nil, 400, sluice.EINVALID, "", ""},
		{"ReadUnknownField", "GET", f.read + "&fields=nope", f.consumer, nil, 400, sluice.EINVALID, "nope", ""},
		{"ReadFieldOutsideGrant", "GET", f.read + "&fields=phone,fare", f.consumer, nil, 403, sluice.EFORBIDDEN, "fare", "outside the fields the grant covers (Shenzhen Data Regulations Art. 43)."},
		{"ReadCoreField", "GET", f.read + "&fields=reactor", f.consumer, nil, 403, sluice.EFORBIDDEN, "reactor", "DSL Art. 21"},
		{"ReadImportantFieldWithoutAssessment", "GET", f.read + "&fields=route", f.consumer, nil, 403, sluice.EFORBIDDEN, "route", "NDSR Art. 31"},
		{"ReadBadLimit", "GET", f.read + "&limit=0", f.consumer, nil, 400, sluice.EINVALID, "", ""},
		{"ReadBadFormat", "GET", f.read + "&format=xml", f.consumer, nil, 415, sluice.EUNSUPPORTED, "", ""},
		{"ReadByOwnerThroughGrant", "GET", f.read, f.owner, nil, 404, sluice.ENOTFOUND, "", ""},
		{"PolicyMalformed", "PUT", "/v1/policies", f.owner, "@id(\"a\")\nforbid (principal, action, resource) when { principal.kind == };", 400, sluice.EINVALID, "", "line 2, column"},
		{"PolicyByConsumer", "PUT", "/v1/policies", f.consumer, "", 403, sluice.EFORBIDDEN, "", ""},
		{"PolicyNone", "GET", "/v1/policies", f.euOwner, nil, 404, sluice.ENOTFOUND, "", ""},
		{"DecisionUnknownField", "POST", "/v1/decisions", f.consumer, map[string]any{"dataset": f.dataset.ID, "purpose": "risk-model", "fields": []string{"nope"}}, 400, sluice.EINVALID, "nope", ""},
		{"DecisionUnknownPurpose", "POST", "/v1/decisions", f.consumer, map[string]any{"dataset": f.dataset.ID, "purpose": "marketing"}, 400, sluice.EINVALID, "", "marketing"},
		{"DecisionOwnerWithoutConsumer", "POST", "/v1/decisions", f.owner, map[string]any{"dataset": f.dataset.ID, "purpose": "risk-model"}, 400, sluice.EINVALID, "", "consumer"},
		{"DecisionOwnerOfOtherDataset", "POST", "/v1/decisions", f.euOwner, map[string]any{"dataset": f.dataset.ID, "consumer": 2, "purpose": "risk-model"}, 404, sluice.ENOTFOUND, "", ""},
		{"DecisionOtherOrgsGrant", "POST", "/v1/decisions", f.consumer, map[string]any{"dataset": f.dataset.ID, "grant": other.ID}, 404, sluice.ENOTFOUND, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := f.do(c.method, c.path, c.key, c.body)
			e := r.Error(t)
			if r.Status != c.status || e.Code != c.code || e.Message == "" || e.Field != c.field || !strings.Contains(e.Message, c.message) {
				t.Fatalf("got %d %+v, want %d %s field %q message ~%q", r.Status, e, c.status, c.code, c.field, c.message)
			}
		})
	}
	// Nothing was served by the refused reads; the stranger's grant is
	// untouched.
	if g, err := f.grants.FindGrantByID(context.Background(), other.ID); err != nil || g.Status != sluice.GrantPending {
		t.Fatalf("stranger's grant %+v %v", g, err)
	}
}

// newGrantOf files a grant on dataset for the consumer key's org, with
// its own purpose.
func newGrantOf(t *testing.T, ss *sharingServer, key string, dataset int64) *sluice.Grant {
	t.Helper()
	ss.do("POST", "/v1/purposes", key, map[string]any{"name": "other-purpose", "legal_basis": "contract", "retention_days": 1})
	var g sluice.Grant
	want(t, ss.do("POST", "/v1/grants", key, map[string]any{
		"dataset": dataset, "fields": []string{"phone", "name"}, "purpose": "other-purpose", "justification": "j", "duration_days": 5,
	}), 201).Decode(t, &g)
	return &g
}

// Two approvals sent at once: one wins, the other is a conflict, and the
// grant holds the winner's fields.
func TestSharing_ConcurrentApprovals(t *testing.T) {
	f := newSharingFixture(t)
	g := newGrantOf(t, f.sharingServer, f.stranger, f.dataset.ID)
	var wg sync.WaitGroup
	statuses := make([]int, 6)
	for i := range statuses {
		wg.Go(func() {
			field := []string{"phone", "name"}[i%2]
			statuses[i] = f.do("POST", fmt.Sprintf("/v1/grants/%d/approve", g.ID), f.owner, map[string]any{"fields": []map[string]string{{"name": field}}}).Status
		})
	}
	wg.Wait()
	ok, conflict := 0, 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 409:
			conflict++
		}
	}
	if ok != 1 || conflict != len(statuses)-1 {
		t.Fatalf("statuses %v", statuses)
	}
	var got sluice.Grant
	want(t, f.do("GET", fmt.Sprintf("/v1/grants/%d", g.ID), f.stranger, nil), 200).Decode(t, &got)
	if got.Status != sluice.GrantApproved || len(got.Fields) != 1 {
		t.Fatalf("grant after concurrent approvals %+v", got)
	}
}

// Revocation by either side stops reads at once, with the legal reason.
func TestSharing_Revoke(t *testing.T) {
	f := newSharingFixture(t)
	r := want(t, f.do("GET", f.read, f.consumer, nil), 200)
	if r.Header.Get(httpapi.HeaderServed) != "8" || !strings.Contains(r.Header.Get(httpapi.HeaderDeniedFields), "reactor=core.deny") ||
		!strings.Contains(r.Header.Get(httpapi.HeaderDeniedFields), "route=important.no_assessment") {
		t.Fatalf("headers %v", r.Header)
	}
	for _, l := range readLines(t, r.Body) {
		if _, ok := l["reactor"]; ok || len(l) != 3 {
			t.Fatalf("line %v", l)
		}
	}
	want(t, f.do("POST", fmt.Sprintf("/v1/grants/%d/revoke", f.grant.ID), f.owner, map[string]string{"reason": "audit finding"}), 200)
	e := want(t, f.do("GET", f.read, f.consumer, nil), 403).Error(t)
	if !strings.Contains(e.Message, "revoked") {
		t.Fatalf("read after revocation: %+v", e)
	}
	want(t, f.do("POST", fmt.Sprintf("/v1/grants/%d/revoke", f.grant.ID), f.consumer, nil), 409)
}

// Organisation policies restrict what the law allows, are in force from
// the moment they are stored, and cannot loosen a legal deny.
func TestSharing_Policies(t *testing.T) {
	f := newSharingFixture(t)
	text := fmt.Sprintf(`@id("no-city-for-companies")
forbid (principal, action == Sluice::Action::"read", resource in Sluice::Dataset::"%d")
when { principal.kind == "company" && resource.name == "city" };

@id("permit-all")
permit (principal, action, resource);`, f.dataset.ID)
	var pr httpapi.PolicyResponse
	want(t, f.do("PUT", "/v1/policies", f.owner, text), 200).Decode(t, &pr)
	if pr.Version != 1 || len(pr.Policies) != 2 || pr.Policies[0].ID != "no-city-for-companies" || pr.Policies[0].Dataset != f.dataset.ID {
		t.Fatalf("policy response %+v", pr)
	}
	r := want(t, f.do("GET", f.read, f.consumer, nil), 200)
	if den := r.Header.Get(httpapi.HeaderDeniedFields); !strings.Contains(den, "city=org.policy") || !strings.Contains(den, "reactor=core.deny") {
		t.Fatalf("denied %q: a permit must not lift the core deny", den)
	}
	e := want(t, f.do("GET", f.read+"&fields=phone,city", f.consumer, nil), 403).Error(t)
	if e.Field != "city" || !strings.Contains(e.Message, "no-city-for-companies") {
		t.Fatalf("explicit read of a forbidden field: %+v", e)
	}
	var dec decisionResponse
	want(t, f.do("POST", "/v1/decisions", f.owner, map[string]any{"dataset": f.dataset.ID, "consumer": f.grant.ConsumerOrgID, "grant": f.grant.ID}), 200).Decode(t, &dec)
	effects := map[string]string{}
	for _, d := range dec.Fields {
		effects[d.Field] = d.Effect + " " + d.Rule.ID + " " + d.Policy
	}
	if effects["city"] != "deny org.policy no-city-for-companies" || effects["phone"] != "allow_deidentified deidentify.default " || dec.Consent != "separate_consent" {
		t.Fatalf("decisions %v, consent %s", effects, dec.Consent)
	}
	// Removing the policies lifts the restriction at once.
	want(t, f.do("PUT", "/v1/policies", f.owner, ""), 200)
	want(t, f.do("GET", f.read+"&fields=phone,city", f.consumer, nil), 200)
}

// Decisions for authorities: a domestic authority on its statutory duty is
// served identified data with a written request; a foreign court is
// refused pending approval; important data needs an assessment and the
// same region.
func TestSharing_Decisions(t *testing.T) {
	f := newSharingFixture(t)
	police := f.key("city-police", "CN", sluice.OrgDomesticAuthority, sluice.RoleConsumer)
	court := f.key("foreign-court", "CN", sluice.OrgForeignJudicial, sluice.RoleConsumer)
	euCo := f.key("eu-insure", "EU", "", sluice.RoleConsumer)
	grant := func(key, basis, written string, approve map[string]any) *sluice.Grant {
		t.Helper()
		want(t, f.do("POST", "/v1/purposes", key, map[string]any{"name": "duty", "legal_basis": basis, "retention_days": 30}), 201)
		var g sluice.Grant
		want(t, f.do("POST", "/v1/grants", key, map[string]any{
			"dataset": f.dataset.ID, "fields": []string{"phone", "route"}, "purpose": "duty", "justification": "j", "duration_days": 3, "written_request_ref": written,
		}), 201).Decode(t, &g)
		want(t, f.do("POST", fmt.Sprintf("/v1/grants/%d/approve", g.ID), f.owner, approve), 200)
		return &g
	}
	decide := func(key string, g *sluice.Grant) map[string]string {
		t.Helper()
		var dec decisionResponse
		want(t, f.do("POST", "/v1/decisions", key, map[string]any{"dataset": f.dataset.ID, "grant": g.ID}), 200).Decode(t, &dec)
		out := map[string]string{}
		for _, d := range dec.Fields {
			out[d.Field] = fmt.Sprintf("%s %s %s authority=%v", d.Effect, d.Op, d.Rule.ID, d.Authority)
		}
		return out
	}
	pg := grant(police, "statutory_duty", "SZPSB-2026-17", map[string]any{"risk_assessment_ref": "RA-9"})
	if got := decide(police, pg); got["phone"] != "allow clear authority.domestic authority=true" || got["route"] != "allow clear authority.domestic authority=true" {
		t.Fatalf("domestic authority: %v", got)
	}
	cg := grant(court, "other_law", "", map[string]any{})
	if got := decide(court, cg); got["phone"] != "deny  authority.foreign authority=false" {
		t.Fatalf("foreign court: %v", got)
	}
	// A consumer in another region: approving would only look like access
	// (every read denied by residency.region), so the approval is refused.
	want(t, f.do("POST", "/v1/purposes", euCo, map[string]any{"name": "duty", "legal_basis": "contract", "retention_days": 30}), 201)
	var eg sluice.Grant
	want(t, f.do("POST", "/v1/grants", euCo, map[string]any{
		"dataset": f.dataset.ID, "fields": []string{"phone", "route"}, "purpose": "duty", "justification": "j", "duration_days": 3,
	}), 201).Decode(t, &eg)
	refused := want(t, f.do("POST", fmt.Sprintf("/v1/grants/%d/approve", eg.ID), f.owner, map[string]any{"risk_assessment_ref": "RA-10"}), 400)
	if body := string(refused.Body); !strings.Contains(body, "residency.region") || !strings.Contains(body, "transfer create") {
		t.Fatalf("approval for a consumer in another region: %s", body)
	}
	// The domestic authority's read is served in the clear and logged as such.
	r := want(t, f.do("GET", fmt.Sprintf("%s?grant=%d", f.records, pg.ID), police, nil), 200)
	lines := readLines(t, r.Body)
	if len(lines) != 8 || lines[0]["phone"] != phoneOf(0) || lines[0]["route"] != "R0" {
		t.Fatalf("authority read %v", lines[0])
	}
	var idx int64
	fmt.Sscan(r.Header.Get(httpapi.HeaderAuditEntry), &idx)
	if ev := f.eventsFrom(idx)[0]; ev.Details["authority_request"] != "SZPSB-2026-17" || len(ev.Subjects) != 8 {
		t.Fatalf("authority read event %+v", ev)
	}
}
