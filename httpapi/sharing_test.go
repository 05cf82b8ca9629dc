package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice"
	"sluice/auditlog"
	"sluice/httpapi"
	"sluice/policy"
	"sluice/residency"
	"sluice/sqlite"
)

// clock is a settable clock shared by the control store and the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fieldFacts is what the test's observer reports for a field, standing
// in for classification.
type fieldFacts struct {
	categories []string
	sensitive  bool
	grade      sluice.Grade
}

var testFields = map[string]fieldFacts{
	"phone":      {categories: []string{"user.contact.phone_number"}},
	"name":       {categories: []string{"user.name"}},
	"id_number":  {categories: []string{"user.government_id"}, sensitive: true},
	"birth_date": {categories: []string{"user.demographic.date_of_birth"}},
	"location":   {categories: []string{"user.location"}},
	"route":      {grade: sluice.GradeImportant},
	"reactor":    {grade: sluice.GradeCore},
}

// factsClassifier classifies by testFields.
type factsClassifier struct{}

func (factsClassifier) NewObserver() sluice.FieldObserver           { return &factsObserver{} }
func (factsClassifier) CountsSubjects(string, []*sluice.Field) bool { return false }

// factsObserver reports the fields of an ingest with testFields' facts.
type factsObserver struct {
	names []string
	count map[string]int64
}

func (o *factsObserver) Add(names, values []string) {
	if o.count == nil {
		o.count = map[string]int64{}
	}
	for i, n := range names {
		if _, ok := o.count[n]; !ok {
			o.names = append(o.names, n)
			o.count[n] = 0
		}
		if values[i] != "" {
			o.count[n]++
		}
	}
}

func (o *factsObserver) Fields() []*sluice.Field {
	out := make([]*sluice.Field, len(o.names))
	for i, n := range o.names {
		f := testFields[n]
		cats := []sluice.FieldCategory{}
		for _, c := range f.categories {
			cats = append(cats, sluice.FieldCategory{Key: c, Matches: o.count[n], Ratio: 1})
		}
		grade := f.grade
		if grade == "" {
			grade = sluice.GradeGeneral
		}
		out[i] = &sluice.Field{Name: n, NonEmpty: o.count[n], Categories: cats, Sensitive: f.sensitive, Grade: grade}
	}
	return out
}

// sharingServer is an API server with governed sharing over real SQLite
// stores, on a settable clock.
type sharingServer struct {
	*httptest.Server
	api    *httpapi.Server
	t      *testing.T
	clock  *clock
	orgs   *sqlite.OrgService
	keys   *sqlite.KeyService
	grants *sqlite.GrantService
	events *sqlite.EventService
	log    *sqlite.LogStore
	secret []byte
}

func newSharingServer(t *testing.T) *sharingServer {
	t.Helper()
	dir := t.TempDir()
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	control := mustOpen(t, sqlite.NewControlDB(filepath.Join(dir, "control.db")))
	control.Now = c.Now
	stores := map[sluice.Region]sluice.RecordStore{}
	for _, r := range []sluice.Region{"CN", "EU"} {
		stores[r] = sqlite.NewRecordStore(mustOpen(t, sqlite.NewRegionDB(filepath.Join(dir, string(r)+".db"))), r)
	}
	ss := &sharingServer{
		t: t, clock: c, secret: []byte("subject secret"),
		orgs: sqlite.NewOrgService(control), keys: sqlite.NewKeyService(control), grants: sqlite.NewGrantService(control),
		events: sqlite.NewEventService(control), log: sqlite.NewLogStore(control),
	}
	rules, err := policy.DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	sh := httpapi.NewSharing(rules, ss.secret)
	sh.Now = c.Now
	datasets := sqlite.NewDatasetService(control)
	api := &httpapi.Server{
		Keys: ss.keys, Datasets: datasets, Orgs: ss.orgs,
		Records: &residency.RecordService{
			Datasets: datasets, Ingests: sqlite.NewIngestService(control), Stores: stores, Secret: ss.secret,
			Classifier: factsClassifier{},
		},
		Purposes: sqlite.NewPurposeService(control), Grants: ss.grants, Consents: sqlite.NewConsentService(control),
		Policies: sqlite.NewPolicyService(control), Events: ss.events, Sharing: sh,
	}
	if err := sh.Load(context.Background(), api.Grants, api.Policies, nil); err != nil {
		t.Fatal(err)
	}
	ss.api = api
	ss.Server = httptest.NewServer(api.Handler())
	t.Cleanup(ss.Close)
	return ss
}

// key creates the org if need be and returns a new key for it.
func (ss *sharingServer) key(name string, region sluice.Region, kind sluice.OrgKind, role sluice.Role) string {
	ss.t.Helper()
	ctx := context.Background()
	var o *sluice.Org
	if found, _, _ := ss.orgs.FindOrgs(ctx, sluice.OrgFilter{Name: &name}); len(found) == 1 {
		o = found[0]
	} else {
		o = &sluice.Org{Name: name, Region: region, Kind: kind}
		if err := ss.orgs.CreateOrg(ctx, o); err != nil {
			ss.t.Fatal(err)
		}
	}
	token, err := ss.keys.CreateKey(ctx, &sluice.APIKey{OrgID: o.ID, Role: role})
	if err != nil {
		ss.t.Fatal(err)
	}
	return token
}

// response is an HTTP answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%d %s: %v", r.status, r.body, err)
	}
}

func (r *response) err(t *testing.T) httpapi.ErrorBody {
	t.Helper()
	var e httpapi.ErrorResponse
	r.json(t, &e)
	return e.Error
}

func (ss *sharingServer) do(method, path, key string, body any, header ...string) *response {
	ss.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "text/plain"
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			ss.t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(buf), "application/json"
	}
	req, err := http.NewRequest(method, ss.URL+path, rd)
	if err != nil {
		ss.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ss.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ss.t.Fatal(err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}

// want fails the test unless r has status; it returns r.
func want(t *testing.T, r *response, status int) *response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

// events returns the audit events from index start on.
func (ss *sharingServer) eventsFrom(start int64) []*sluice.Event {
	ss.t.Helper()
	ctx := context.Background()
	n, err := ss.events.CountEvents(ctx)
	if err != nil {
		ss.t.Fatal(err)
	}
	data, err := ss.events.ReadEvents(ctx, start, n-start)
	if err != nil {
		ss.t.Fatal(err)
	}
	out := make([]*sluice.Event, len(data))
	for i, b := range data {
		out[i] = new(sluice.Event)
		if err := json.Unmarshal(b, out[i]); err != nil {
			ss.t.Fatal(err)
		}
	}
	return out
}

func (ss *sharingServer) eventCount() int64 {
	n, err := ss.events.CountEvents(context.Background())
	if err != nil {
		ss.t.Fatal(err)
	}
	return n
}

func phoneOf(i int) string { return fmt.Sprintf("1380000%04d", i) }

// tripsCSV is n records of people 0…n-1.
func tripsCSV(n int) string {
	var b strings.Builder
	b.WriteString("phone,name,id_number,birth_date,location,city,fare,route,reactor\n")
	for i := range n {
		fmt.Fprintf(&b, "%s,张三%d,44030019900101%04d,1990-05-%02d,\"22.543096,114.057865\",深圳,%d.50,R%d,C%d\n",
			phoneOf(i), i, i, i%28+1, 10+i, i, i)
	}
	return b.String()
}

// readLines parses a JSON-lines body.
func readLines(t *testing.T, body []byte) []map[string]string {
	t.Helper()
	var out []map[string]string
	for _, line := range bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		m := map[string]string{}
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

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
	want(t, ss.do("POST", "/v1/datasets", owner, map[string]string{"name": "trips", "purpose": "ride-hailing", "subject_field": "phone"}), 201).json(t, &d)
	records := fmt.Sprintf("/v1/datasets/%d/records", d.ID)
	want(t, ss.do("POST", records+"?format=csv", owner, tripsCSV(40)), 201)

	// The consumer declares its purpose; it is refused without a grant.
	want(t, ss.do("POST", "/v1/purposes", consumer, map[string]any{"name": "risk-model", "legal_basis": "consent", "categories": []string{"user.contact.phone_number"}, "retention_days": 180}), 201)
	if e := want(t, ss.do("GET", records, consumer, nil), 403).err(t); e.Code != sluice.EFORBIDDEN {
		t.Fatalf("plain read by a consumer: %+v", e)
	}
	var dec decisionResponse
	want(t, ss.do("POST", "/v1/decisions", consumer, map[string]any{"dataset": d.ID, "purpose": "risk-model", "fields": []string{"phone"}}), 200).json(t, &dec)
	if dec.Fields[0].Effect != "deny" || dec.Fields[0].Rule.ID != "grant.not_found" {
		t.Fatalf("decision without a grant: %+v", dec.Fields[0])
	}

	// It asks; reading the pending grant is refused, and logged.
	var g sluice.Grant
	want(t, ss.do("POST", "/v1/grants", consumer, map[string]any{
		"dataset": d.ID, "fields": []string{"phone", "name", "id_number", "birth_date", "location", "city", "fare"},
		"purpose": "risk-model", "justification": "pricing model for ride insurance", "duration_days": 90,
	}), 201).json(t, &g)
	if g.Status != sluice.GrantPending {
		t.Fatalf("filed grant %+v", g)
	}
	read := fmt.Sprintf("%s?grant=%d", records, g.ID)
	if e := want(t, ss.do("GET", read, consumer, nil), 403).err(t); !strings.Contains(e.Message, "Shenzhen Data Regulations Art. 43") {
		t.Fatalf("read of a pending grant: %+v", e)
	}

	// The owner sees it pending and approves it, narrowed, with operators.
	var list httpapi.GrantList
	want(t, ss.do("GET", "/v1/grants?role=owner&status=pending", owner, nil), 200).json(t, &list)
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
	}), 200).json(t, &g)
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
		want(t, ss.do("POST", "/v1/consents", owner, body), 201).json(t, &c)
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
	if r.header.Get(httpapi.HeaderServed) != "20" || r.header.Get(httpapi.HeaderWithheld) != "20" || r.header.Get(httpapi.HeaderNextCursor) != "" {
		t.Fatalf("headers %v", r.header)
	}
	lines := readLines(t, r.body)
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
	if got := r.header.Get(httpapi.HeaderFields); !strings.Contains(got, "phone=mask(3,4)") || !strings.Contains(got, "name=mask(1,1)") {
		t.Fatalf("fields header %q", got)
	}
	// The read's audit event commits to the 20 subject keys served.
	var readIdx int64
	fmt.Sscan(r.header.Get(httpapi.HeaderAuditEntry), &readIdx)
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
	csvLines := strings.Split(strings.TrimSuffix(string(r.body), "\n"), "\n")
	if csvLines[0] != "id_number,phone" || len(csvLines) != 21 || csvLines[1] != first["id_number"]+",138****0000" {
		t.Fatalf("csv %q", csvLines[:2])
	}

	// Paging: a page counts the records it examined.
	r = want(t, ss.do("GET", read+"&limit=25", consumer, nil), 200)
	next := r.header.Get(httpapi.HeaderNextCursor)
	if next == "" || len(readLines(t, r.body)) != 13 {
		t.Fatalf("first page: cursor %q, %d lines", next, len(readLines(t, r.body)))
	}
	r = want(t, ss.do("GET", read+"&limit=25&cursor="+next, consumer, nil), 200)
	if r.header.Get(httpapi.HeaderNextCursor) != "" || len(readLines(t, r.body)) != 7 {
		t.Fatalf("second page: %v", r.header)
	}

	// Person 4 withdraws and disappears from the next read; reads made
	// before are not undone.
	want(t, ss.do("POST", "/v1/consents", owner, map[string]any{"subject": phoneOf(4), "purpose": "risk-model", "kind": "withdrawal"}), 201)
	ss.clock.Add(time.Second)
	r = want(t, ss.do("GET", read, consumer, nil), 200)
	if r.header.Get(httpapi.HeaderServed) != "19" || r.header.Get(httpapi.HeaderWithheld) != "21" {
		t.Fatalf("after withdrawal: %v", r.header)
	}
	for _, l := range readLines(t, r.body) {
		if l["phone"] == "138****0004" {
			t.Fatal("person 4 still served after withdrawing")
		}
	}

	// The grant expires: reads stop.
	ss.clock.Add(48 * time.Hour)
	if e := want(t, ss.do("GET", read, consumer, nil), 403).err(t); !strings.Contains(e.Message, "expired") {
		t.Fatalf("read after expiry: %+v", e)
	}
	if gs, err := ss.grants.ExpireGrants(context.Background()); err != nil || len(gs) != 1 {
		t.Fatalf("ExpireGrants: %v %v", gs, err)
	}
	want(t, ss.do("GET", "/v1/grants?role=consumer&status=expired", consumer, nil), 200).json(t, &list)
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
		"dataset.create", "dataset.ingest", "purpose.create", "grant.request", "grant.read:deny", "grant.approve",
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
	want(t, f.do("POST", "/v1/datasets", f.owner, map[string]string{"name": "trips", "purpose": "ride-hailing", "subject_field": "phone"}), 201).json(t, &f.dataset)
	f.records = fmt.Sprintf("/v1/datasets/%d/records", f.dataset.ID)
	want(t, f.do("POST", f.records+"?format=csv", f.owner, tripsCSV(8)), 201)
	want(t, f.do("POST", "/v1/purposes", f.consumer, map[string]any{"name": "risk-model", "legal_basis": "consent", "retention_days": 30}), 201)
	want(t, f.do("POST", "/v1/grants", f.consumer, map[string]any{
		"dataset": f.dataset.ID, "fields": []string{"phone", "name", "city", "route", "reactor"}, "purpose": "risk-model", "justification": "j", "duration_days": 30,
	}), 201).json(t, &f.grant)
	want(t, f.do("POST", fmt.Sprintf("/v1/grants/%d/approve", f.grant.ID), f.owner, map[string]any{}), 200).json(t, &f.grant)
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
			e := r.err(t)
			if r.status != c.status || e.Code != c.code || e.Message == "" || e.Field != c.field || !strings.Contains(e.Message, c.message) {
				t.Fatalf("got %d %+v, want %d %s field %q message ~%q", r.status, e, c.status, c.code, c.field, c.message)
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
	}), 201).json(t, &g)
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
			statuses[i] = f.do("POST", fmt.Sprintf("/v1/grants/%d/approve", g.ID), f.owner, map[string]any{"fields": []map[string]string{{"name": field}}}).status
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
	want(t, f.do("GET", fmt.Sprintf("/v1/grants/%d", g.ID), f.stranger, nil), 200).json(t, &got)
	if got.Status != sluice.GrantApproved || len(got.Fields) != 1 {
		t.Fatalf("grant after concurrent approvals %+v", got)
	}
}

// Revocation by either side stops reads at once, with the legal reason.
func TestSharing_Revoke(t *testing.T) {
	f := newSharingFixture(t)
	r := want(t, f.do("GET", f.read, f.consumer, nil), 200)
	if r.header.Get(httpapi.HeaderServed) != "8" || !strings.Contains(r.header.Get(httpapi.HeaderDeniedFields), "reactor=core.deny") ||
		!strings.Contains(r.header.Get(httpapi.HeaderDeniedFields), "route=important.no_assessment") {
		t.Fatalf("headers %v", r.header)
	}
	for _, l := range readLines(t, r.body) {
		if _, ok := l["reactor"]; ok || len(l) != 3 {
			t.Fatalf("line %v", l)
		}
	}
	want(t, f.do("POST", fmt.Sprintf("/v1/grants/%d/revoke", f.grant.ID), f.owner, map[string]string{"reason": "audit finding"}), 200)
	e := want(t, f.do("GET", f.read, f.consumer, nil), 403).err(t)
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
	want(t, f.do("PUT", "/v1/policies", f.owner, text), 200).json(t, &pr)
	if pr.Version != 1 || len(pr.Policies) != 2 || pr.Policies[0].ID != "no-city-for-companies" || pr.Policies[0].Dataset != f.dataset.ID {
		t.Fatalf("policy response %+v", pr)
	}
	r := want(t, f.do("GET", f.read, f.consumer, nil), 200)
	if den := r.header.Get(httpapi.HeaderDeniedFields); !strings.Contains(den, "city=org.policy") || !strings.Contains(den, "reactor=core.deny") {
		t.Fatalf("denied %q: a permit must not lift the core deny", den)
	}
	e := want(t, f.do("GET", f.read+"&fields=phone,city", f.consumer, nil), 403).err(t)
	if e.Field != "city" || !strings.Contains(e.Message, "no-city-for-companies") {
		t.Fatalf("explicit read of a forbidden field: %+v", e)
	}
	var dec decisionResponse
	want(t, f.do("POST", "/v1/decisions", f.owner, map[string]any{"dataset": f.dataset.ID, "consumer": f.grant.ConsumerOrgID, "grant": f.grant.ID}), 200).json(t, &dec)
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
		}), 201).json(t, &g)
		want(t, f.do("POST", fmt.Sprintf("/v1/grants/%d/approve", g.ID), f.owner, approve), 200)
		return &g
	}
	decide := func(key string, g *sluice.Grant) map[string]string {
		t.Helper()
		var dec decisionResponse
		want(t, f.do("POST", "/v1/decisions", key, map[string]any{"dataset": f.dataset.ID, "grant": g.ID}), 200).json(t, &dec)
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
	eg := grant(euCo, "contract", "", map[string]any{"risk_assessment_ref": "RA-10"})
	if got := decide(euCo, eg); got["route"] != "deny  important.region authority=false" || got["phone"] != "deny  residency.region authority=false" {
		t.Fatalf("consumer in another region: %v", got)
	}
	// The domestic authority's read is served in the clear and logged as such.
	r := want(t, f.do("GET", fmt.Sprintf("%s?grant=%d", f.records, pg.ID), police, nil), 200)
	lines := readLines(t, r.body)
	if len(lines) != 8 || lines[0]["phone"] != phoneOf(0) || lines[0]["route"] != "R0" {
		t.Fatalf("authority read %v", lines[0])
	}
	var idx int64
	fmt.Sscan(r.header.Get(httpapi.HeaderAuditEntry), &idx)
	if ev := f.eventsFrom(idx)[0]; ev.Details["authority_request"] != "SZPSB-2026-17" || len(ev.Subjects) != 8 {
		t.Fatalf("authority read event %+v", ev)
	}
}
