package auditlog_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/sqlite"
)

// testOrigin names the logs the tests make.
const testOrigin = "sluice.test/log"

// MustKey returns a new log key or fails the test.
func MustKey(tb testing.TB, origin string) *auditlog.Key {
	tb.Helper()
	skey, err := auditlog.GenerateKey(origin)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := auditlog.ParseKey(skey)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// testLog is a log over a temporary SQLite control database.
type testLog struct {
	*auditlog.Log
	DB   *sqlite.DB
	Raw  *sql.DB // the same file, opened directly
	Orgs *sqlite.OrgService
	n    int
}

// MustOpenLog opens a log over a new SQLite control database, signed by
// key or, if nil, a new key.
func MustOpenLog(tb testing.TB, key *auditlog.Key) *testLog {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "control.db")
	db := sqlite.NewControlDB(path)
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if key == nil {
		key = MustKey(tb, testOrigin)
	}
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	return &testLog{Log: auditlog.New(sqlite.NewLogStore(db), key), DB: db, Raw: raw, Orgs: sqlite.NewOrgService(db)}
}

// Append appends n events (org creations) to the log, from several
// goroutines so that they commit in groups.
func (l *testLog) Append(tb testing.TB, n int) {
	tb.Helper()
	start := l.n
	l.n += n
	var g errgroup.Group
	g.SetLimit(16)
	for i := start; i < start+n; i++ {
		g.Go(func() error {
			return l.Orgs.CreateOrg(context.Background(), &sluice.Org{Name: fmt.Sprintf("org-%d", i), Region: "CN"})
		})
	}
	if err := g.Wait(); err != nil {
		tb.Fatal(err)
	}
}

// AppendRaw appends n events directly to the store's events table in one
// transaction: a large log, fast.
func (l *testLog) AppendRaw(tb testing.TB, n int) {
	tb.Helper()
	tx, err := l.Raw.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	for range n {
		l.n++
		e := fmt.Sprintf(`{"action":"org.create","actor":{"role":"operator"},"object":{"org":"org-%d"},"time":"2026-01-01T00:00:00Z"}`, l.n)
		if _, err := tx.Exec(`INSERT INTO events (idx, data) VALUES ((SELECT COALESCE(MAX(idx) + 1, 0) FROM events), ?)`, []byte(e)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// Exec runs a statement directly on the database file, as someone with
// access to the store could.
func (l *testLog) Exec(tb testing.TB, query string, args ...any) {
	tb.Helper()
	if _, err := l.Raw.Exec(query, args...); err != nil {
		tb.Fatal(err)
	}
}

// MustIntegrate integrates and returns the checkpoint.
func (l *testLog) MustIntegrate(tb testing.TB) *auditlog.Checkpoint {
	tb.Helper()
	cp, err := l.Integrate(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return cp
}

// Serve serves the log under /log on a test server and returns its prefix.
func (l *testLog) Serve(tb testing.TB) string {
	tb.Helper()
	mux := http.NewServeMux()
	mux.Handle("/log/", http.StripPrefix("/log", l.Handler()))
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return srv.URL + "/log"
}
