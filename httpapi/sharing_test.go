package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// testFields are what classification reports of the test's fields.
var testFields = map[string]testenv.FieldFacts{
	"phone":      {Categories: []string{"user.contact.phone_number"}},
	"name":       {Categories: []string{"user.name"}},
	"id_number":  {Categories: []string{"user.government_id"}, Sensitive: true},
	"birth_date": {Categories: []string{"user.demographic.date_of_birth"}},
	"location":   {Categories: []string{"user.location"}},
	"route":      {Grade: sluice.GradeImportant},
	"reactor":    {Grade: sluice.GradeCore},
}

// sharingServer is the API with governed sharing over fresh stores, on a
// settable clock; see package testenv.
type sharingServer struct {
	*testenv.Env
	t      *testing.T
	clock  *testenv.Clock
	grants sluice.GrantService
	log    auditlog.Store
	secret []byte
}

func newSharingServer(t *testing.T) *sharingServer {
	t.Helper()
	e := testenv.New(t, testenv.Options{
		Start:      time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		Classifier: testenv.Classifier{Fields: testFields},
	})
	return &sharingServer{Env: e, t: t, clock: e.Clock, grants: e.Stores.Grants, log: e.Stores.Log, secret: e.Secret}
}

// key creates the org if need be and returns a new key for it.
func (ss *sharingServer) key(name string, region sluice.Region, kind sluice.OrgKind, role sluice.Role) string {
	ss.t.Helper()
	return ss.Key(&sluice.Org{Name: name, Region: region, Kind: kind}, role)
}

type response = testenv.Response

func (ss *sharingServer) do(method, path, key string, body any, header ...string) *response {
	ss.t.Helper()
	return ss.Do(method, path, key, body, header...)
}

func want(t *testing.T, r *response, status int) *response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

func (ss *sharingServer) eventsFrom(start int64) []*sluice.Event {
	ss.t.Helper()
	return ss.EventsFrom(start)
}

func (ss *sharingServer) eventCount() int64 { return ss.EventCount() }

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
