package bench

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/httpapi"
	"github.com/sluice-gateway/sluice/policy"
	"github.com/sluice-gateway/sluice/residency"
	"github.com/sluice-gateway/sluice/sharing"
	"github.com/sluice-gateway/sluice/sqlite"
)

// readPage is the page size of the owner's read: the largest it takes.
const readPage = httpapi.MaxPageSize

// BenchmarkRead measures reading BENCH_ROWS records (default 1,000,000)
// of 8 fields over HTTP, page by page, on the embedded SQLite stores:
//
//   - path=owner: the owner's plain read of its own dataset (JSON pages);
//   - path=consumer/page=P: a consumer's read through a grant of all 8
//     fields, P records a page (the owner's largest page, and the consumer
//     read's), de-identified (four masks, a pseudonym, three clear) and
//     filtered by consent (9 in 10 subjects gave separate consent; the
//     rest are withheld), with one audit event per page committing to the
//     subject keys served.
//
// Each reports records/s, counting every record read (served or
// withheld), and the time per full read.
//
//	go test -run '^$' -bench Read -benchtime 3x -timeout 30m ./bench/ | tee read.txt
//
// bench/read.sh runs it and prints the consumer's rate as a ratio of the
// owner's.
func BenchmarkRead(b *testing.B) {
	n := len(benchRows(b))
	f := newReadFixture(b, n)
	b.Run("path=owner", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if got := f.readOwner(b); got != n {
				b.Fatalf("owner read %d records, want %d", got, n)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	})
	for _, page := range []int{httpapi.MaxPageSize, httpapi.MaxReadPageSize} {
		b.Run("path=consumer/page="+strconv.Itoa(page), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				served, withheld := f.readConsumer(b, page)
				if served+withheld != n || withheld != f.withheld {
					b.Fatalf("consumer read %d served + %d withheld, want %d with %d withheld", served, withheld, n, f.withheld)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// readFixture is a server holding one dataset of n records, its owner's
// key, and a consumer's key and approved grant on all 8 fields.
type readFixture struct {
	url           string
	owner, client string
	records       string
	grant         int64
	withheld      int
}

// benchFields are the categories the benchmark's classifier reports,
// which decide the default operators.
var benchFields = map[string][]string{
	"phone":     {"user.contact.phone_number"}, // mask(3,4)
	"name":      {"user.name"},                 // mask(1,1)
	"id_number": {"user.government_id"},        // pseudonym
	"email":     {"user.contact.email"},        // mask(1,0,domain)
	"address":   {"user.contact.address"},      // mask(6,0)
	// city, amount and note: no category, served as stored.
}

type benchClassifier struct{}

func (benchClassifier) NewObserver() sluice.FieldObserver           { return &benchObserver{} }
func (benchClassifier) CountsSubjects(string, []*sluice.Field) bool { return false }

type benchObserver struct {
	names []string
}

func (o *benchObserver) Add(names, values []string) {
	if o.names == nil {
		o.names = append([]string(nil), names...)
	}
}

func (o *benchObserver) Fields() []*sluice.Field {
	out := make([]*sluice.Field, len(o.names))
	for i, n := range o.names {
		cats := []sluice.FieldCategory{}
		for _, c := range benchFields[n] {
			cats = append(cats, sluice.FieldCategory{Key: c, Ratio: 1})
		}
		out[i] = &sluice.Field{Name: n, Categories: cats, Grade: sluice.GradeGeneral}
	}
	return out
}

func newReadFixture(b *testing.B, n int) *readFixture {
	ctx := context.Background()
	dir := b.TempDir()
	control := mustOpenSQLite(b, sqlite.NewControlDB(filepath.Join(dir, "control.db")))
	region := mustOpenSQLite(b, sqlite.NewRegionDB(filepath.Join(dir, "region-cn.db")))
	orgs, keys, datasets := sqlite.NewOrgService(control), sqlite.NewKeyService(control), sqlite.NewDatasetService(control)
	grants, purposes := sqlite.NewGrantService(control), sqlite.NewPurposeService(control)
	secret := []byte("bench secret")
	rules, err := policy.DefaultRules()
	if err != nil {
		b.Fatal(err)
	}
	records := &residency.RecordService{
		Datasets: datasets, Ingests: sqlite.NewIngestService(control), Stores: map[sluice.Region]sluice.RecordStore{"CN": sqlite.NewRecordStore(region, "CN")},
		Secret: secret, Classifier: benchClassifier{},
	}
	sh := sharing.New(rules, secret)
	sh.Orgs, sh.Datasets, sh.Records, sh.Purposes, sh.Grants = orgs, datasets, records, purposes, grants
	sh.Consents, sh.Policies, sh.Events = sqlite.NewConsentService(control), sqlite.NewPolicyService(control), sqlite.NewEventService(control)
	api := &httpapi.Server{Keys: keys, Datasets: datasets, Records: records, Sharing: sh, Logger: benchLog}
	srv := httptest.NewServer(api.Handler())
	b.Cleanup(srv.Close)

	org := func(name string, role sluice.Role) (*sluice.Org, string, context.Context) {
		o := &sluice.Org{Name: name, Region: "CN"}
		if err := orgs.CreateOrg(ctx, o); err != nil {
			b.Fatal(err)
		}
		token, err := keys.CreateKey(ctx, &sluice.APIKey{OrgID: o.ID, Role: role})
		if err != nil {
			b.Fatal(err)
		}
		return o, token, sluice.NewContextWithActor(ctx, &sluice.Actor{Org: o, Role: role, Key: "k"})
	}
	owner, ownerKey, octx := org("bench-owner", sluice.RoleOwner)
	_, consumerKey, cctx := org("bench-consumer", sluice.RoleConsumer)

	d := &sluice.Dataset{Name: "bench", Purpose: "benchmark", SubjectField: "phone"}
	if err := datasets.CreateDataset(octx, d); err != nil {
		b.Fatal(err)
	}
	body := csvBody(benchRows(b))
	c := httpapi.NewClient(srv.URL, ownerKey)
	if res, err := c.Ingest(ctx, d.ID, bytes.NewReader(body), httpapi.IngestOptions{Format: "csv", Size: int64(len(body))}); err != nil || res.Ingest.RecordCount != int64(n) {
		b.Fatalf("ingest: %v", err)
	}
	if err := purposes.CreatePurpose(cctx, &sluice.Purpose{Name: "scoring", LegalBasis: "consent", RetentionDays: 30}); err != nil {
		b.Fatal(err)
	}
	g := &sluice.Grant{DatasetID: d.ID, Purpose: "scoring", Justification: "benchmark", DurationDays: 30,
		RequestedFields: []string{"phone", "name", "id_number", "email", "city", "address", "amount", "note"}}
	if err := grants.CreateGrant(cctx, g); err != nil {
		b.Fatal(err)
	}
	if _, err := grants.ApproveGrant(octx, g.ID, sluice.GrantApproval{}); err != nil {
		b.Fatal(err)
	}
	f := &readFixture{url: srv.URL, owner: ownerKey, client: consumerKey, records: fmt.Sprintf("%s/v1/datasets/%d/records", srv.URL, d.ID), grant: g.ID}
	f.withheld = insertConsents(b, control.Path, owner.ID, "scoring", g.ID, secret, n)
	return f
}

// insertConsents writes separate consent for 9 in 10 of the benchmark's
// subjects straight into the control database's ledger, in one
// transaction: a million calls of CreateConsent, each with its audit
// event, would take longer than the benchmark. It returns how many
// subjects have none.
func insertConsents(b *testing.B, path string, org int64, purpose string, grant int64, secret []byte, n int) int {
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=30000")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.Prepare(`INSERT INTO consents (org_id, purpose, subject_key, grant_id, kind, evidence, created_at) VALUES (?, ?, ?, ?, 'separate_consent', '', ?)`)
	if err != nil {
		b.Fatal(err)
	}
	keyer := sluice.NewOrgSubjectKeyer(secret, org)
	at := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05.000000000Z07:00")
	withheld := 0
	for i := range n {
		if i%10 == 9 {
			withheld++
			continue
		}
		if _, err := stmt.Exec(org, purpose, keyer.Key(fmt.Sprintf("138%08d", i)), grant, at); err != nil {
			b.Fatal(err)
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return withheld
}

// get reads one page whole.
func (f *readFixture) get(b *testing.B, url, key string) (*http.Response, []byte) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("GET %s: %d %s %v", url, resp.StatusCode, body[:min(len(body), 200)], err)
	}
	return resp, body
}

// readOwner pages through the dataset as its owner and returns the number
// of records read.
func (f *readFixture) readOwner(b *testing.B) int {
	total, cursor := 0, ""
	for {
		_, body := f.get(b, f.records+"?limit="+strconv.Itoa(readPage)+"&cursor="+cursor, f.owner)
		total += bytes.Count(body, []byte(`"subject_key"`))
		// The cursor closes the page: …,"next_cursor":"123"}
		i := bytes.LastIndex(body, []byte(`"next_cursor":"`))
		if i < 0 {
			return total
		}
		rest := body[i+len(`"next_cursor":"`):]
		cursor = string(rest[:bytes.IndexByte(rest, '"')])
	}
}

// readConsumer pages through the dataset through the grant and returns
// the records served and withheld.
func (f *readFixture) readConsumer(b *testing.B, page int) (served, withheld int) {
	cursor := ""
	for {
		resp, body := f.get(b, fmt.Sprintf("%s?grant=%d&limit=%d&cursor=%s", f.records, f.grant, page, cursor), f.client)
		s, _ := strconv.Atoi(resp.Header.Get(httpapi.HeaderServed))
		w, _ := strconv.Atoi(resp.Header.Get(httpapi.HeaderWithheld))
		if lines := bytes.Count(body, []byte("\n")); lines != s {
			b.Fatalf("%d lines, %d served", lines, s)
		}
		served, withheld = served+s, withheld+w
		if cursor = resp.Header.Get(httpapi.HeaderNextCursor); cursor == "" {
			return served, withheld
		}
	}
}
