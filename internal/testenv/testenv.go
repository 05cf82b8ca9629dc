// Package testenv starts sluice for tests: fresh stores on SQLite or
// PostgreSQL ([OpenStores]), the services over them, the API served over
// real HTTP ([New]), orgs and keys ([Env.Key]), requests ([Env.Do]), and
// golden files for JSON contracts and texts ([Golden]). It is the one
// place tests set sluice up; nothing outside tests imports it.
package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/automotive"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/dsr"
	"github.com/sluice-gateway/sluice/duties"
	"github.com/sluice-gateway/sluice/httpapi"
	"github.com/sluice-gateway/sluice/incident"
	"github.com/sluice-gateway/sluice/minimisation"
	"github.com/sluice-gateway/sluice/policy"
	"github.com/sluice-gateway/sluice/policy/scope"
	"github.com/sluice-gateway/sluice/postgres"
	"github.com/sluice-gateway/sluice/processing"
	"github.com/sluice-gateway/sluice/residency"
	"github.com/sluice-gateway/sluice/retention"
	"github.com/sluice-gateway/sluice/sharing"
	"github.com/sluice-gateway/sluice/sqlite"
	"github.com/sluice-gateway/sluice/storetest"
	"github.com/sluice-gateway/sluice/transfer"
)

// Both engines' record stores stream their subjects, so that a transfer's
// facts take memory flat in the number of people.
var (
	_ transfer.SubjectStreamer = (*sqlite.RecordStore)(nil)
	_ transfer.SubjectStreamer = (*postgres.RecordStore)(nil)
)

// DefaultStart is when a test's clock starts: a Monday.
var DefaultStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// A Clock is a settable clock, shared by the control store and the
// services.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Options change what New starts.
type Options struct {
	// Engine is the stores' engine; "" is SQLite.
	Engine Engine
	// Start is the clock's start; zero is DefaultStart.
	Start time.Time
	// Classifier classifies ingests; nil is Fields (see Classifier).
	Classifier residency.Classifier
	// Grader grades datasets on ingest; nil takes their fields' highest
	// grade.
	Grader sluice.DatasetGrader
	// MaxBodyBytes bounds uploads; 0 is 64 MiB.
	MaxBodyBytes int64
}

// An Env is sluice's API over fresh stores, served over real HTTP on a
// settable clock, with governed sharing, transfers and the audit log
// (under /log/) mounted as sluice serve mounts them.
type Env struct {
	*httptest.Server
	TB     testing.TB
	Clock  *Clock
	Secret []byte // the subject-key secret

	Stores    *storetest.Stores
	Records   *residency.RecordService
	Sharing   *sharing.Service
	Duties    *duties.Service
	Incidents *incident.Service
	// Automotive makes the automotive annual report.
	Automotive *automotive.Service
	Transfers  *transfer.Service
	API        *httpapi.Server
	Log        *auditlog.Log

	SubjectRequests *dsr.Service
	Minimisation    *minimisation.Service
	Retention       *retention.Service
}

// New starts an Env, and stops it when the test ends.
func New(tb testing.TB, opts Options) *Env {
	tb.Helper()
	e := &Env{TB: tb, Clock: &Clock{t: opts.Start}, Secret: []byte("test subject secret")}
	if opts.Start.IsZero() {
		e.Clock.t = DefaultStart
	}
	s := openStores(tb, opts.Engine, opts.Grader)
	s.SetNow(e.Clock.Now)
	e.Stores = s
	cl := opts.Classifier
	if cl == nil {
		cl = Classifier{}
	}
	minimiser := scope.Minimiser{Provisions: scope.MustLoad(classify.DefaultCatalog())}
	e.Records = &residency.RecordService{Datasets: s.Datasets, Ingests: s.Ingests, Stores: s.Regions, Secret: e.Secret, Classifier: cl,
		Minimiser: minimiser, Settings: s.Settings, Purposes: s.Purposes}
	e.Minimisation = &minimisation.Service{Datasets: s.Datasets, Purposes: s.Purposes, Stores: s.Regions, Minimiser: minimiser, Now: e.Clock.Now}
	rules := retention.MustLoad()
	e.Retention = &retention.Service{Datasets: s.Datasets, Purposes: s.Purposes, Consents: s.Consents, Settings: s.Settings,
		Ingests: s.Ingests.(retention.IngestExpirer), Stores: s.Regions, Events: s.Events.(retention.EventAppender), Rules: rules, Now: e.Clock.Now}
	e.Transfers = &transfer.Service{
		Orgs: s.Orgs, Datasets: s.Datasets, Transfers: s.Transfers, Stores: s.Regions,
		Consents: s.Consents, Purposes: s.Purposes, Now: e.Clock.Now,
	}
	sharingRules, err := policy.DefaultRules()
	if err != nil {
		tb.Fatal(err)
	}
	e.Records.IngestRule = sharingRules
	e.Sharing = sharing.New(sharingRules, e.Secret)
	e.Sharing.Now = e.Clock.Now
	sh := e.Sharing
	sh.Orgs, sh.Datasets, sh.Records, sh.Purposes, sh.Grants = s.Orgs, s.Datasets, e.Records, s.Purposes, s.Grants
	sh.Consents, sh.Policies, sh.Events = s.Consents, s.Policies, s.Events
	if err := sh.Load(context.Background()); err != nil {
		tb.Fatal(err)
	}
	max := opts.MaxBodyBytes
	if max == 0 {
		max = 64 << 20
	}
	e.API = &httpapi.Server{Keys: s.Keys, Datasets: s.Datasets, Records: e.Records, Sharing: sh, Transfers: e.Transfers, MaxBodyBytes: max,
		Settings: s.Settings, AppTypes: minimiser, RecordTypes: rules, Minimisation: e.Minimisation}
	if s.Important != nil {
		e.API.Important = &transfer.ImportantService{Datasets: s.Datasets, Store: s.Important}
	}
	dutyRules, err := duties.DefaultRules()
	if err != nil {
		tb.Fatal(err)
	}
	e.Duties = &duties.Service{Rules: dutyRules, Orgs: s.Orgs, Datasets: s.Datasets, Stores: s.Regions, Now: e.Clock.Now}
	e.Duties.Dates, _ = s.Orgs.(duties.DateStore)
	e.Duties.Events = s.Events
	e.API.Duties = e.Duties
	incRules, err := incident.DefaultRules()
	if err != nil {
		tb.Fatal(err)
	}
	e.Incidents = &incident.Service{Rules: incRules, Orgs: s.Orgs, Events: s.Events, Now: e.Clock.Now}
	e.Incidents.Store, _ = s.Orgs.(sluice.IncidentStore)
	e.API.Incidents = e.Incidents
	e.Automotive = &automotive.Service{Orgs: s.Orgs, Datasets: s.Datasets, Grants: s.Grants, Transfers: s.Transfers, Incidents: e.Incidents.Store,
		Stores: s.Regions, Events: s.Events, Now: e.Clock.Now}
	e.API.Automotive = e.Automotive
	e.API.Processing = &processing.Service{Orgs: s.Orgs, Datasets: s.Datasets, Purposes: s.Purposes, Grants: s.Grants, Transfers: s.Transfers,
		Events: s.Events, Now: e.Clock.Now, WrittenConsent: sharingRules.WrittenConsentCategory}
	skey, err := auditlog.GenerateKey("sluice.test/log")
	if err != nil {
		tb.Fatal(err)
	}
	lkey, err := auditlog.ParseKey(skey)
	if err != nil {
		tb.Fatal(err)
	}
	e.Log = auditlog.New(s.Log, lkey)
	e.SubjectRequests = &dsr.Service{
		Datasets: s.Datasets, Requests: s.SubjectRequests, Stores: s.Regions, Consents: s.Consents,
		Purposes: s.Purposes, Grants: s.Grants, Transfers: s.Transfers, Orgs: s.Orgs, Log: e.Log,
		Keyer: func(org int64) *sluice.SubjectKeyer { return sluice.NewOrgSubjectKeyer(e.Secret, org) },
		Now:   e.Clock.Now,
	}
	e.API.SubjectRequests = e.SubjectRequests
	e.API.Mounts = map[string]http.Handler{
		"/log/":                                 http.StripPrefix("/log", e.Log.Handler()),
		"GET /v1/subjects/{subject_key}/events": e.API.SubjectEventsHandler(e.Log),
		"GET /v1/log/entries/{index}":           e.API.LogEntryHandler(e.Log),
	}
	e.Server = httptest.NewServer(e.API.Handler())
	tb.Cleanup(e.Close)
	return e
}

// Key creates the org o if no org has its name (else fills o in from the
// stored one), and returns a new API key of role for it.
func (e *Env) Key(o *sluice.Org, role sluice.Role) string {
	e.TB.Helper()
	ctx := context.Background()
	if found, _, _ := e.Stores.Orgs.FindOrgs(ctx, sluice.OrgFilter{Name: &o.Name}); len(found) == 1 {
		*o = *found[0]
	} else if err := e.Stores.Orgs.CreateOrg(ctx, o); err != nil {
		e.TB.Fatal(err)
	}
	token, err := e.Stores.Keys.CreateKey(ctx, &sluice.APIKey{OrgID: o.ID, Role: role})
	if err != nil {
		e.TB.Fatal(err)
	}
	return token
}

// A Response is an HTTP answer, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode decodes the body as JSON into v, or fails the test.
func (r *Response) Decode(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("%d %s: %v", r.Status, r.Body, err)
	}
}

// Error decodes the body as an API error, or fails the test.
func (r *Response) Error(tb testing.TB) httpapi.ErrorBody {
	tb.Helper()
	var e httpapi.ErrorResponse
	r.Decode(tb, &e)
	return e.Error
}

// Do sends a request with key ("" for none) and header (name, value
// pairs); a string body is sent as JSON text, []byte as CSV, anything
// else encoded as JSON.
func (e *Env) Do(method, path, key string, body any, header ...string) *Response {
	e.TB.Helper()
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
			e.TB.Fatal(err)
		}
		rd, ctype = bytes.NewReader(buf), "application/json"
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.TB.Fatal(err)
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
		e.TB.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.TB.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// EventsFrom returns the stored audit events from index start on.
func (e *Env) EventsFrom(start int64) []*sluice.Event {
	e.TB.Helper()
	ctx := context.Background()
	n, err := e.Stores.Events.CountEvents(ctx)
	if err != nil {
		e.TB.Fatal(err)
	}
	if n <= start {
		return nil
	}
	data, err := e.Stores.Events.ReadEvents(ctx, start, n-start)
	if err != nil {
		e.TB.Fatal(err)
	}
	out := make([]*sluice.Event, len(data))
	for i, b := range data {
		out[i] = &sluice.Event{}
		if err := json.Unmarshal(b, out[i]); err != nil {
			e.TB.Fatal(err)
		}
	}
	return out
}

// EventCount returns the number of stored audit events.
func (e *Env) EventCount() int64 {
	e.TB.Helper()
	n, err := e.Stores.Events.CountEvents(context.Background())
	if err != nil {
		e.TB.Fatal(err)
	}
	return n
}

// Want fails the test unless r has status, and returns r.
func (r *Response) Want(tb testing.TB, status int) *Response {
	tb.Helper()
	if r.Status != status {
		tb.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}
