package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/sqlite"
)

// mustCreateOrgs makes n orgs on a running server's stores: n audit events.
func mustCreateOrgs(t *testing.T, m *Main, prefix string, n int) {
	t.Helper()
	for i := range n {
		if err := m.Stores.Orgs.CreateOrg(context.Background(), &sluice.Org{Name: fmt.Sprintf("%s-%d", prefix, i), Region: "CN"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Log.Integrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// openRaw opens a server's control database directly, as someone with
// access to its files could.
func openRaw(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "control.db")+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatal(err)
	}
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	m := MustRunMain(t, dir)
	mustCreateOrgs(t, m, "a", 300)
	logURL := m.URL() + "/log"
	state := filepath.Join(t.TempDir(), "log.state")

	code, out, errOut := runCLI(t, nil, "", "log", "key", "--data-dir", dir)
	vkey := strings.TrimSpace(out)
	if code != 0 || vkey != m.Log.Key.VerifierKey {
		t.Fatalf("log key: %d %q %q, want %q", code, out, errOut, m.Log.Key.VerifierKey)
	}

	t.Run("OK", func(t *testing.T) {
		code, out, errOut := runCLI(t, nil, "", "verify", "--url", logURL, "--log-key", vkey, "--state", state, "--entries")
		if code != 0 || !strings.HasPrefix(out, "OK size=300 root=") {
			t.Fatalf("verify: %d %q %q", code, out, errOut)
		}
		mustCreateOrgs(t, m, "b", 20)
		keyFile := filepath.Join(t.TempDir(), "key.txt")
		os.WriteFile(keyFile, []byte(vkey+"\n"), 0o644)
		code, out, errOut = runCLI(t, nil, "", "verify", "--url", logURL, "--key", keyFile, "--state", state)
		if code != 0 || !strings.HasPrefix(out, "OK size=320 root=") {
			t.Fatalf("verify with a key file: %d %q %q", code, out, errOut)
		}
	})
	t.Run("ErrWrongKey", func(t *testing.T) {
		skey, _ := auditlog.GenerateKey(m.Log.Key.Origin())
		other, _ := auditlog.ParseKey(skey)
		code, out, _ := runCLI(t, nil, "", "verify", "--url", logURL, "--key", other.VerifierKey)
		if code != 1 || !strings.HasPrefix(out, "FAIL checkpoint: checkpoint: checkpoint is not signed by") {
			t.Fatalf("verify: %d %q", code, out)
		}
	})
	t.Run("ErrUsage", func(t *testing.T) {
		if code, _, _ := runCLI(t, nil, "", "verify", "--url", logURL); code != 2 {
			t.Fatalf("no key: exit %d", code)
		}
		if code, _, _ := runCLI(t, nil, "", "verify", "--key", vkey); code != 2 {
			t.Fatalf("no url: exit %d", code)
		}
	})
	t.Run("ErrEntryAltered", func(t *testing.T) {
		raw := openRaw(t, dir)
		var orig []byte
		raw.QueryRow(`SELECT data FROM events WHERE idx = 260`).Scan(&orig)
		altered := append([]byte(nil), orig...)
		altered[len(altered)-1] ^= 1
		mustExec(t, raw, `UPDATE events SET data = ? WHERE idx = 260`, altered)
		defer mustExec(t, raw, `UPDATE events SET data = ? WHERE idx = 260`, orig)
		code, out, _ := runCLI(t, nil, "", "verify", "--url", logURL, "--key", vkey, "--entries")
		if code != 1 || !strings.HasPrefix(out, "FAIL entry 260 (tile/entries/001.p/64, position 4) hashes to ") {
			t.Fatalf("verify: %d %q", code, out)
		}
	})
	t.Run("ErrTileAltered", func(t *testing.T) {
		raw := openRaw(t, dir)
		var orig []byte
		raw.QueryRow(`SELECT hashes FROM log_tiles WHERE level = 0 AND idx = 0`).Scan(&orig)
		bad := append([]byte(nil), orig...)
		bad[100] ^= 1
		mustExec(t, raw, `UPDATE log_tiles SET hashes = ? WHERE level = 0 AND idx = 0`, bad)
		defer mustExec(t, raw, `UPDATE log_tiles SET hashes = ? WHERE level = 0 AND idx = 0`, orig)
		code, out, _ := runCLI(t, nil, "", "verify", "--url", logURL, "--key", vkey)
		if code != 1 || !strings.HasPrefix(out, "FAIL tree of size 320: tile/0/000 hashes to ") || !strings.Contains(out, "tile/1/000.p/1 holds") {
			t.Fatalf("verify: %d %q", code, out)
		}
	})
	t.Run("ErrRollback", func(t *testing.T) {
		old, err := auditlog.NewClient(logURL, m.Log.Key.Verifier).FetchCheckpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		mustCreateOrgs(t, m, "c", 5)
		if code, out, _ := runCLI(t, nil, "", "verify", "--url", logURL, "--key", vkey, "--state", state); code != 0 {
			t.Fatalf("verify: %d %q", code, out)
		}
		// The store is put back to the older checkpoint and its events.
		m.closeLog() // no integrator to repair it
		raw := openRaw(t, dir)
		mustExec(t, raw, `DELETE FROM events WHERE idx >= ?`, old.Size)
		mustExec(t, raw, `UPDATE log_checkpoint SET size = ?, root = ?, checkpoint = ?`, old.Size, old.Root[:], old.Note)
		code, out, _ := runCLI(t, nil, "", "verify", "--url", logURL, "--key", vkey, "--state", state)
		if code != 1 || !strings.HasPrefix(out, "FAIL rollback: the log's checkpoint is of size 320, smaller than the checkpoint of size 325 seen before") ||
			!strings.Contains(out, "Seen before (size 325):\n  "+m.Log.Key.Origin()+"\n  325\n") || !strings.Contains(out, "Served now (size 320):\n  "+m.Log.Key.Origin()+"\n  320\n") {
			t.Fatalf("verify: %d %q", code, out)
		}
	})

}

func TestVerify_Proof(t *testing.T) {
	dir := t.TempDir()
	m := MustRunMain(t, dir)
	ctx := context.Background()
	org := &sluice.Org{Name: "cn-rides", Region: "CN"}
	if err := m.Stores.Orgs.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	owner, err := m.Stores.Keys.CreateKey(ctx, &sluice.APIKey{OrgID: org.ID, Role: sluice.RoleOwner})
	if err != nil {
		t.Fatal(err)
	}
	// Events about people, appended as later features will.
	control := sqlite.NewControlDB(filepath.Join(dir, "control.db"))
	if err := control.Open(); err != nil {
		t.Fatal(err)
	}
	defer control.Close()
	events := sqlite.NewEventService(control)
	keyer := sluice.NewSubjectKeyer([]byte("secret"))
	var people []string
	for i := range 50 {
		people = append(people, keyer.Key(fmt.Sprintf("1380000%04d", i)))
	}
	for _, set := range [][]string{people[:2], people, people[10:20]} {
		e := &sluice.Event{Action: "records.read", Actor: sluice.EventActor{Org: "cn-rides", Role: "owner"}}
		if err := auditlog.SetSubjects(e, set); err != nil {
			t.Fatal(err)
		}
		if _, err := events.AppendEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	other := &sluice.Event{Action: "records.read", Actor: sluice.EventActor{Org: "someone-else", Role: "consumer"}, Subjects: []string{people[1]}}
	if _, err := events.AppendEvent(ctx, other); err != nil {
		t.Fatal(err)
	}

	get := func(key string) (int, []byte) {
		req, _ := http.NewRequest("GET", m.URL()+"/v1/subjects/"+key+"/events", nil)
		req.Header.Set("Authorization", "Bearer "+owner)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, body := get(people[1])
	var p auditlog.SubjectEvents
	if err := json.Unmarshal(body, &p); status != 200 || err != nil {
		t.Fatalf("GET: %d %s", status, body)
	}
	// The read of two, the read of fifty (a set); not the other org's event.
	if len(p.Events) != 2 || p.Events[0].SubjectProof != nil || p.Events[1].SubjectProof == nil {
		t.Fatalf("events: %s", body)
	}
	file := filepath.Join(t.TempDir(), "proof.json")
	os.WriteFile(file, body, 0o644)
	code, out, errOut := runCLI(t, nil, "", "verify", "--key", m.Log.Key.VerifierKey, "--proof", file)
	if code != 0 || out != "OK subject="+people[1]+" events=2\n" {
		t.Fatalf("verify --proof: %d %q %q", code, out, errOut)
	}

	t.Run("ErrAltered", func(t *testing.T) {
		bad := strings.Replace(string(body), people[1], people[30], 1) // claim the proofs for someone else
		os.WriteFile(file, []byte(bad), 0o644)
		code, out, _ := runCLI(t, nil, "", "verify", "--key", m.Log.Key.VerifierKey, "--proof", file)
		if code != 1 || !strings.HasPrefix(out, "FAIL subject "+people[30]+": event ") {
			t.Fatalf("verify --proof: %d %q", code, out)
		}
	})
	t.Run("ErrNotSubjectKey", func(t *testing.T) {
		if status, body := get("13800000001"); status != 400 {
			t.Fatalf("GET: %d %s", status, body)
		}
	})
	t.Run("ErrNoKey", func(t *testing.T) {
		resp, err := http.Get(m.URL() + "/v1/subjects/" + people[1] + "/events")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

// TestVerify_Tessera checks that sluice verify accepts a log written by
// another implementation of C2SP tlog-tiles: Tessera's POSIX driver.
func TestVerify_Tessera(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	skey, vkey, err := note.GenerateKey(rand.Reader, "tessera.example/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	driver, err := posix.New(ctx, posix.Config{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	const n = 700 // two full bundles and a partial one
	appender, shutdown, reader, err := tessera.NewAppender(ctx, driver, tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithBatching(n, 100*time.Millisecond).
		WithCheckpointInterval(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	await := tessera.NewPublicationAwaiter(ctx, reader.ReadCheckpoint, 50*time.Millisecond)
	var futures []tessera.IndexFuture
	for i := range n {
		futures = append(futures, appender.Add(ctx, tessera.NewEntry(fmt.Appendf(nil, "entry %d of a tessera log", i))))
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, f := range futures {
		if _, _, err := await.Await(wctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(http.StripPrefix("/log", http.FileServer(http.Dir(dir))))
	defer srv.Close()
	code, out, errOut := runCLI(t, nil, "", "verify", "--url", srv.URL+"/log", "--key", vkey, "--entries")
	if code != 0 || !strings.HasPrefix(out, fmt.Sprintf("OK size=%d root=", n)) {
		t.Fatalf("verify: %d %q %q", code, out, errOut)
	}

	// And a tile altered on disk is caught.
	path := filepath.Join(dir, "tile", "0", "001")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[0] ^= 1
	os.WriteFile(path, b, 0o644)
	code, out, _ = runCLI(t, nil, "", "verify", "--url", srv.URL+"/log", "--key", vkey)
	if code != 1 || !strings.HasPrefix(out, "FAIL tree of size 700: tile/0/001 hashes to ") {
		t.Fatalf("verify of an altered log: %d %q", code, out)
	}
}

// TestVerify_FullEntries checks the full entries an API key may read
// against the public commitments.
func TestVerify_FullEntries(t *testing.T) {
	dir := t.TempDir()
	m := MustRunMain(t, dir)
	mustCreateOrgs(t, m, "a", 300)
	logURL := m.URL() + "/log"
	vkey := m.Log.Key.VerifierKey
	org, err := m.Stores.Orgs.FindOrgByID(context.Background(), 261) // entry 260 made it
	if err != nil || org.Name != "a-260" {
		t.Fatalf("org: %+v %v", org, err)
	}
	token, err := m.Stores.Keys.CreateKey(context.Background(), &sluice.APIKey{OrgID: org.ID, Role: sluice.RoleAuditor})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Log.Integrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SLUICE_API_KEY": token}
	code, out, errOut := runCLI(t, env, "", "verify", "--url", logURL, "--key", vkey, "--entries")
	if code != 0 || !strings.HasPrefix(out, "OK size=") || !strings.HasSuffix(out, " full_entries=2\n") { // its creation and its key's
		t.Fatalf("verify: %d %q %q", code, out, errOut)
	}
	raw := openRaw(t, dir)
	var orig []byte
	raw.QueryRow(`SELECT event FROM events WHERE idx = 260`).Scan(&orig)
	mustExec(t, raw, `UPDATE events SET event = ? WHERE idx = 260`, []byte(strings.Replace(string(orig), `"org.create"`, `"org.update"`, 1)))
	defer mustExec(t, raw, `UPDATE events SET event = ? WHERE idx = 260`, orig)
	code, out, _ = runCLI(t, env, "", "verify", "--url", logURL, "--key", vkey, "--entries")
	if code != 1 || out != "FAIL entry 260: the full entry and its salt do not give the public entry the tree holds\n" {
		t.Fatalf("verify: %d %q", code, out)
	}
}
