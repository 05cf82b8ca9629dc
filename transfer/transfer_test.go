package transfer_test

import (
	"bytes"
	"context"
	"encoding/csv"
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
	"sluice/auditlog"
	"sluice/httpapi"
	"sluice/policy"
	"sluice/residency"
	"sluice/sharing"
	"sluice/sqlite"
	"sluice/transfer"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// testField is what the test's classifier says of a field, by name.
type testField struct {
	categories []string
	sensitive  bool
	grade      sluice.Grade
}

var testFields = map[string]testField{
	"phone":     {categories: []string{"user.contact.phone_number"}},
	"name":      {categories: []string{"user.name"}},
	"city":      {categories: []string{"user.location.imprecise"}},
	"fare":      {},
	"diagnosis": {categories: []string{"user.health_and_medical"}, sensitive: true},
	"gps":       {categories: []string{"user.location.precise"}, sensitive: true},
	"route":     {grade: sluice.GradeImportant},
	"reactor":   {grade: sluice.GradeCore},
	"score":     {categories: []string{"user.credit.score"}},
}

// testClassifier stands in for classification: it reports each field
// with testFields' categories, sensitivity and grade.
type testClassifier struct{}

func (testClassifier) NewObserver() sluice.FieldObserver {
	return &testObserver{count: map[string]int64{}}
}

func (testClassifier) CountsSubjects(string, []*sluice.Field) bool { return false }

type testObserver struct {
	names []string
	count map[string]int64
}

func (o *testObserver) Add(names, values []string) {
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

func (o *testObserver) Fields() []*sluice.Field {
	out := make([]*sluice.Field, len(o.names))
	for i, n := range o.names {
		tf := testFields[n]
		cats := []sluice.FieldCategory{}
		for _, c := range tf.categories {
			cats = append(cats, sluice.FieldCategory{Key: c, Matches: o.count[n], Ratio: 1})
		}
		g := tf.grade
		if g == "" {
			g = sluice.GradeGeneral
		}
		out[i] = &sluice.Field{Name: n, NonEmpty: o.count[n], Categories: cats, Sensitive: tf.sensitive, Grade: g}
	}
	return out
}

// transferServer is the API over real SQLite stores in a temporary
// directory (a control store, CN and EU record stores), with transfers,
// purposes and consents, on a settable clock.
type transferServer struct {
	*httptest.Server
	t         *testing.T
	clock     *testClock
	control   *sqlite.DB
	orgs      *sqlite.OrgService
	keys      *sqlite.KeyService
	events    *sqlite.EventService
	log       *sqlite.LogStore
	store     *sqlite.TransferStore
	auditLog  *auditlog.Log
	purposes  *sqlite.PurposeService
	consents  *sqlite.ConsentService
	transfers *transfer.Service
	api       *httpapi.Server
	regions   map[sluice.Region]*sqlite.DB
	secret    []byte
}

func newTransferServer(t *testing.T) *transferServer {
	t.Helper()
	dir := t.TempDir()
	c := &testClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} // a Monday
	ts := &transferServer{t: t, clock: c, secret: []byte("transfer test secret"), regions: map[sluice.Region]*sqlite.DB{}}
	ts.control = mustOpen(t, sqlite.NewControlDB(filepath.Join(dir, "control.db")))
	ts.control.Now = c.Now
	stores := map[sluice.Region]sluice.RecordStore{}
	for _, r := range []sluice.Region{"CN", "EU"} {
		ts.regions[r] = mustOpen(t, sqlite.NewRegionDB(filepath.Join(dir, "region-"+string(r)+".db")))
		stores[r] = sqlite.NewRecordStore(ts.regions[r], r)
	}
	ts.orgs, ts.keys = sqlite.NewOrgService(ts.control), sqlite.NewKeyService(ts.control)
	ts.events, ts.log, ts.store = sqlite.NewEventService(ts.control), sqlite.NewLogStore(ts.control), sqlite.NewTransferStore(ts.control)
	datasets := sqlite.NewDatasetService(ts.control)
	purposes, consents := sqlite.NewPurposeService(ts.control), sqlite.NewConsentService(ts.control)
	ts.purposes, ts.consents = purposes, consents
	ts.transfers = &transfer.Service{
		Orgs: ts.orgs, Datasets: datasets, Transfers: ts.store, Stores: stores,
		Consents: consents, Purposes: purposes, Now: c.Now,
	}
	rules, err := policy.DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	sh := sharing.New(rules, ts.secret)
	sh.Now = c.Now
	records := &residency.RecordService{
		Datasets: datasets, Ingests: sqlite.NewIngestService(ts.control), Stores: stores, Secret: ts.secret,
		Classifier: testClassifier{},
	}
	sh.Orgs, sh.Datasets, sh.Records, sh.Purposes, sh.Grants = ts.orgs, datasets, records, purposes, sqlite.NewGrantService(ts.control)
	sh.Consents, sh.Policies, sh.Events = consents, sqlite.NewPolicyService(ts.control), ts.events
	ts.api = &httpapi.Server{
		Keys: ts.keys, Datasets: datasets, Records: records, Sharing: sh,
		Transfers:    ts.transfers,
		MaxBodyBytes: 64 << 20,
	}
	if err := sh.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	skey, err := auditlog.GenerateKey("sluice.test/log")
	if err != nil {
		t.Fatal(err)
	}
	lkey, err := auditlog.ParseKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	ts.auditLog = auditlog.New(ts.log, lkey)
	ts.api.Mounts = map[string]http.Handler{
		"/log/":                                 http.StripPrefix("/log", ts.auditLog.Handler()),
		"GET /v1/subjects/{subject_key}/events": ts.api.SubjectEventsHandler(ts.auditLog),
	}
	ts.Server = httptest.NewServer(ts.api.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func mustOpen(t *testing.T, db *sqlite.DB) *sqlite.DB {
	t.Helper()
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// key creates the org if need be and returns a new key for it.
func (ts *transferServer) key(o *sluice.Org, role sluice.Role) string {
	ts.t.Helper()
	ctx := context.Background()
	if found, _, _ := ts.orgs.FindOrgs(ctx, sluice.OrgFilter{Name: &o.Name}); len(found) == 1 {
		*o = *found[0]
	} else if err := ts.orgs.CreateOrg(ctx, o); err != nil {
		ts.t.Fatal(err)
	}
	token, err := ts.keys.CreateKey(ctx, &sluice.APIKey{OrgID: o.ID, Role: role})
	if err != nil {
		ts.t.Fatal(err)
	}
	return token
}

// response is an HTTP answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%d %s: %v", r.status, r.body, err)
	}
}

func (r *response) errorBody(t *testing.T) httpapi.ErrorBody {
	t.Helper()
	var e httpapi.ErrorResponse
	r.decode(t, &e)
	return e.Error
}

// do sends a request with key and header (name, value pairs); a string
// body is sent as JSON text, []byte as CSV, anything else encoded as JSON.
func (ts *transferServer) do(method, path, key string, body any, header ...string) *response {
	ts.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ctype = bytes.NewReader(b), "text/csv"
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			ts.t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(buf), "application/json"
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}

// want fails the test unless r has status.
func want(t *testing.T, r *response, status int) *response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

// wantError fails the test unless r is an error with status and code,
// and, if field is set, names field.
func wantError(t *testing.T, r *response, status int, field string) httpapi.ErrorBody {
	t.Helper()
	want(t, r, status)
	e := r.errorBody(t)
	if e.Code != map[int]string{400: sluice.EINVALID, 404: sluice.ENOTFOUND, 409: sluice.ECONFLICT, 403: sluice.EFORBIDDEN, 503: sluice.EUNAVAILABLE}[status] || e.Message == "" {
		t.Fatalf("error %+v for status %d", e, status)
	}
	if field != "" && e.Field != field {
		t.Fatalf("error names field %q, want %q: %s", e.Field, field, e.Message)
	}
	return e
}

// people returns a CSV body of the people from to to-1, with fields.
// Values: phone 139 followed by the number, the others derived from it.
func people(from, to int, fields ...string) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(fields, ",") + "\n")
	for i := from; i < to; i++ {
		for j, f := range fields {
			if j > 0 {
				b.WriteByte(',')
			}
			switch f {
			case "phone":
				fmt.Fprintf(&b, "139%08d", i)
			case "name":
				fmt.Fprintf(&b, "Person %d", i)
			default:
				fmt.Fprintf(&b, "%s-%d", f, i)
			}
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// dataset creates a dataset with the people from to to-1 and returns it.
func (ts *transferServer) dataset(key, name string, from, to int, fields ...string) *sluice.Dataset {
	ts.t.Helper()
	var d sluice.Dataset
	want(ts.t, ts.do("POST", "/v1/datasets", key, map[string]string{"name": name, "purpose": "rides", "subject_field": "phone"}), 201).decode(ts.t, &d)
	if to > from {
		want(ts.t, ts.do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), key, people(from, to, fields...)), 201)
	}
	return &d
}

// transfer requests a transfer and returns it; req's dataset is set.
func (ts *transferServer) transfer(key string, d *sluice.Dataset, req sluice.TransferRequest) *sluice.Transfer {
	ts.t.Helper()
	req.Dataset = d.ID
	var tr sluice.Transfer
	want(ts.t, ts.do("POST", "/v1/transfers", key, req), 201).decode(ts.t, &tr)
	return &tr
}

// export runs an export and returns the response.
func (ts *transferServer) export(key string, id int64, query string) *response {
	ts.t.Helper()
	return ts.do("GET", fmt.Sprintf("/v1/transfers/%d/export?%s", id, query), key, nil)
}

// csvRows parses a CSV export: its header and rows.
func csvRows(t *testing.T, body []byte) ([]string, [][]string) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("export body is not CSV with a header: %v", err)
	}
	return rows[0], rows[1:]
}

func (ts *transferServer) counters(key string) *sluice.TransferCounterView {
	ts.t.Helper()
	var v sluice.TransferCounterView
	want(ts.t, ts.do("GET", "/v1/transfers/counters", key, nil), 200).decode(ts.t, &v)
	return &v
}

// event returns the audit event at idx.
func (ts *transferServer) event(idx int64) *sluice.Event {
	ts.t.Helper()
	raw, err := ts.events.ReadEvents(context.Background(), idx, 1)
	if err != nil || len(raw) != 1 {
		ts.t.Fatalf("event %d: %v", idx, err)
	}
	var e sluice.Event
	if err := json.Unmarshal(raw[0], &e); err != nil {
		ts.t.Fatal(err)
	}
	return &e
}

// eventsOf returns the audit events with action, in log order.
func (ts *transferServer) eventsOf(action string) []*sluice.Event {
	ts.t.Helper()
	n, err := ts.events.CountEvents(context.Background())
	if err != nil {
		ts.t.Fatal(err)
	}
	var out []*sluice.Event
	for i := int64(0); i < n; i++ {
		if e := ts.event(i); e.Action == action {
			out = append(out, e)
		}
	}
	return out
}
