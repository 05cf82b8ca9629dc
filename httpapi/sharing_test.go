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
	"strings"
	"sync"
	"testing"
	"time"

	"sluice"
	"sluice/httpapi"
	"sluice/policy"
	"sluice/residency"
	"sluice/sharing"
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
	sh := sharing.New(rules, ss.secret)
	sh.Now = c.Now
	datasets := sqlite.NewDatasetService(control)
	records := &residency.RecordService{
		Datasets: datasets, Ingests: sqlite.NewIngestService(control), Stores: stores, Secret: ss.secret,
		Classifier: factsClassifier{},
	}
	sh.Orgs, sh.Datasets, sh.Records, sh.Purposes, sh.Grants = ss.orgs, datasets, records, sqlite.NewPurposeService(control), ss.grants
	sh.Consents, sh.Policies, sh.Events = sqlite.NewConsentService(control), sqlite.NewPolicyService(control), ss.events
	api := &httpapi.Server{Keys: ss.keys, Datasets: datasets, Records: records, Sharing: sh}
	if err := sh.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
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
