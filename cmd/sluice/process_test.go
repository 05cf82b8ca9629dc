package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/httpapi"
)

// Tests in this file run sluice as real processes: built with go build,
// started with sluice serve, killed with SIGKILL.

// buildSluice builds the sluice binary into a temporary directory.
func buildSluice(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "sluice")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// A proc is a running sluice serve.
type proc struct {
	cmd  *exec.Cmd
	URL  string
	out  *syncBuffer
	done chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingRE = regexp.MustCompile(`sluice serving on (http://\S+)`)

// startServe starts bin serve on a free port with args and waits until
// it serves.
func startServe(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.out.Write(append(sc.Bytes(), '\n'))
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	select {
	case p.URL = <-urls:
		return p
	case <-p.done:
		t.Fatalf("sluice serve exited:\n%s", p.out)
	}
	return nil
}

// kill kills the process with SIGKILL: no shutdown of any kind.
func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// owner sets up an org with an owner key in the control store of a
// server not yet running, and returns the key.
func mustOwner(t *testing.T, env map[string]string, org string) string {
	t.Helper()
	if code, out, errOut := runCLI(t, env, "", "org", "create", "--name", org, "--region", "CN"); code != 0 {
		t.Fatalf("org create: %q %q", out, errOut)
	}
	code, out, errOut := runCLI(t, env, "", "key", "create", "--org", org, "--role", "owner")
	if code != 0 {
		t.Fatalf("key create: %q %q", out, errOut)
	}
	return strings.TrimSpace(out)
}

// storeSetup is how a test's server keeps its stores: the flags of sluice
// serve and the environment of the CLI.
type storeSetup struct {
	name  string
	flags []string
	env   map[string]string
	exec  func(t *testing.T, query string, args ...any)        // runs SQL on the control store
	bytes func(t *testing.T, query string, args ...any) []byte // reads one value
}

func sqliteSetup(t *testing.T, dir string) *storeSetup {
	mustInit(t, map[string]string{"SLUICE_DATA_DIR": dir, "SLUICE_REGIONS": "CN"})
	return &storeSetup{
		name:  "sqlite",
		flags: []string{"--data-dir", dir, "--regions", "CN"},
		env:   map[string]string{"SLUICE_DATA_DIR": dir, "SLUICE_REGIONS": "CN"},
		exec: func(t *testing.T, query string, args ...any) {
			mustExec(t, openRaw(t, dir), query, args...)
		},
		bytes: func(t *testing.T, query string, args ...any) []byte {
			var b []byte
			if err := openRaw(t, dir).QueryRow(query, args...).Scan(&b); err != nil {
				t.Fatal(err)
			}
			return b
		},
	}
}

// postgresSetup keeps the control store and the CN records in fresh
// PostgreSQL databases; it skips the test without SLUICE_TEST_POSTGRES.
func postgresSetup(t *testing.T, dir string) *storeSetup {
	control, cn := mustCreatePostgres(t), mustCreatePostgres(t)
	mustInit(t, map[string]string{"SLUICE_DATA_DIR": dir, "SLUICE_REGIONS": "CN", "SLUICE_CONTROL_DSN": control, "SLUICE_REGION_CN": cn})
	return &storeSetup{
		name:  "postgres",
		flags: []string{"--data-dir", dir, "--regions", "CN", "--control-dsn", control, "--region", "CN=" + cn},
		env:   map[string]string{"SLUICE_DATA_DIR": dir, "SLUICE_REGIONS": "CN", "SLUICE_CONTROL_DSN": control, "SLUICE_REGION_CN": cn},
		exec: func(t *testing.T, query string, args ...any) {
			conn := pgConnect(t, control)
			if _, err := conn.Exec(context.Background(), pgPlaceholders(query), args...); err != nil {
				t.Fatal(err)
			}
		},
		bytes: func(t *testing.T, query string, args ...any) []byte {
			var b []byte
			if err := pgConnect(t, control).QueryRow(context.Background(), pgPlaceholders(query), args...).Scan(&b); err != nil {
				t.Fatal(err)
			}
			return b
		},
	}
}

func pgConnect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// pgPlaceholders turns ? placeholders into $1, $2, ….
func pgPlaceholders(query string) string {
	n := 0
	return regexp.MustCompile(`\?`).ReplaceAllStringFunc(query, func(string) string { n++; return fmt.Sprintf("$%d", n) })
}

// mustCreatePostgres creates an empty database on the test server, drops
// it when the test ends, and returns its URL.
func mustCreatePostgres(t *testing.T) string {
	t.Helper()
	admin := os.Getenv("SLUICE_TEST_POSTGRES")
	if admin == "" {
		if os.Getenv("SLUICE_TEST_POSTGRES_REQUIRED") != "" {
			t.Fatal("SLUICE_TEST_POSTGRES is unset but SLUICE_TEST_POSTGRES_REQUIRED is set")
		}
		t.Skip("SLUICE_TEST_POSTGRES is unset")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "sluice_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, `DROP DATABASE `+name+` WITH (FORCE)`)
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// waitFor polls cond until it holds. There is no time limit of its own:
// a condition that never holds is the test binary's -timeout to report.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		<-tick.C
	}
}

// A hammering ingests small CSV files into a dataset from several
// goroutines until it is stopped, and keeps the ingests acknowledged
// (201).
type hammering struct {
	stop chan struct{}
	wg   sync.WaitGroup

	mu    sync.Mutex
	acked []*sluice.Ingest
}

// hammer starts a hammering of a dataset through the server at baseURL.
func hammer(baseURL, key string, dataset int64, workers int) *hammering {
	h := &hammering{stop: make(chan struct{})}
	client := &http.Client{Timeout: 30 * time.Second}
	for w := range workers {
		h.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-h.stop:
					return
				default:
				}
				var body strings.Builder
				body.WriteString("phone,name\n")
				rows := 5 + (w*7+i)%40
				for r := range rows {
					fmt.Fprintf(&body, "139%04d%04d,p%d\n", w*100+i%100, r, r)
				}
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/v1/datasets/%d/records?format=csv", baseURL, dataset), strings.NewReader(body.String()))
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := client.Do(req)
				if err != nil {
					continue // the server is being killed
				}
				var out httpapi.IngestResponse
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if resp.StatusCode == 201 && err == nil {
					h.mu.Lock()
					h.acked = append(h.acked, out.Ingest)
					h.mu.Unlock()
				}
			}
		})
	}
	return h
}

// count returns how many ingests were acknowledged so far.
func (h *hammering) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.acked)
}

// finish stops the hammering and returns the ingests acknowledged.
func (h *hammering) finish() []*sluice.Ingest {
	close(h.stop)
	h.wg.Wait()
	return h.acked
}

// logEntries waits for the log to hold min entries, verifies it, and
// returns its checkpoint and the full entries apiKey may read ("" for
// none), each checked against its public commitment.
func logEntries(t *testing.T, baseURL string, v *auditlog.Key, min int64, apiKey string) (*auditlog.Checkpoint, []*sluice.Event) {
	t.Helper()
	ctx := context.Background()
	c := auditlog.NewClient(baseURL+"/log", v.Verifier)
	var cp *auditlog.Checkpoint
	waitFor(t, func() bool {
		var err error
		if cp, err = c.FetchCheckpoint(ctx); err != nil {
			t.Fatal(err)
		}
		return cp.Size >= min
	})
	tree, err := c.FetchTree(ctx, cp)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.VerifyEntries(ctx, tree); err != nil {
		t.Fatal(err)
	}
	if apiKey == "" {
		return cp, nil
	}
	var events []*sluice.Event
	for idx := range cp.Size {
		p, err := fetchEntryProof(ctx, http.DefaultClient, baseURL, apiKey, idx)
		if err != nil {
			t.Fatal(err)
		} else if p == nil {
			continue
		}
		leaf, err := auditlog.VerifyEntryProof(p, v.Verifier)
		if err != nil {
			t.Fatal(err)
		}
		if h, err := tree.ReadHashes([]int64{tlog.StoredHashIndex(0, idx)}); err != nil || h[0] != tlog.RecordHash(leaf) {
			t.Fatalf("entry %d: not the public entry (%v)", idx, err)
		}
		var ev sluice.Event
		if err := json.Unmarshal(p.Entry, &ev); err != nil {
			t.Fatal(err)
		}
		events = append(events, &ev)
	}
	return cp, events
}

func min64(a, b int64) int64 { return min(a, b) }

func httpGetOK(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return b
}

// apiGet decodes a GET of the API.
func apiGet(t *testing.T, baseURL, key, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", baseURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func logKeyOf(t *testing.T, dir string) *auditlog.Key {
	t.Helper()
	k, err := loadLogKey(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestServe_Crash kills sluice serve with SIGKILL in the middle of
// ingests, restarts it, and checks that every acknowledged ingest has its
// entry, that every ingest entry's records are there, that no records are
// there without an entry, and that the log verifies, consistently with a
// checkpoint seen before the crash.
func TestServe_Crash(t *testing.T) {
	bin := buildSluice(t)
	for _, setup := range []func(*testing.T, string) *storeSetup{sqliteSetup, postgresSetup} {
		dir := t.TempDir()
		s := setup(t, dir)
		t.Run(s.name, func(t *testing.T) { testCrash(t, bin, dir, s) })
	}
}

func testCrash(t *testing.T, bin, dir string, s *storeSetup) {
	key := mustOwner(t, s.env, "cn-rides")
	p := startServe(t, bin, s.flags...)
	var d sluice.Dataset
	apiGet(t, p.URL, key, "/v1/datasets/"+createDataset(t, p.URL, key, "trips", "phone"), &d)
	logKey := logKeyOf(t, dir)
	// The lines after "sluice serving on" may still be on their way.
	waitFor(t, func() bool {
		select {
		case <-p.done:
			return true
		default:
			return strings.Contains(p.out.String(), "(verifier key ")
		}
	})
	if !strings.Contains(p.out.String(), "verifier key "+logKey.VerifierKey+")") {
		t.Fatalf("sluice serve does not print the verifier key:\n%s", p.out)
	}
	if fi, err := os.Stat(filepath.Join(dir, logKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("log key file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	state := filepath.Join(t.TempDir(), "log.state")

	h := hammer(p.URL, key, d.ID, 8)
	// Remember a checkpoint seen before the crash, once ingests are under
	// way, and crash once more have been acknowledged since.
	waitFor(t, func() bool { return h.count() >= 10 })
	if code, out, errOut := runCLI(t, nil, "", "verify", "--url", p.URL+"/log", "--key", logKey.VerifierKey, "--state", state); code != 0 {
		t.Fatalf("verify before the crash: %q %q", out, errOut)
	}
	seen := h.count()
	waitFor(t, func() bool { return h.count() >= seen+10 })
	p.kill()
	acked := h.finish()
	if len(acked) < 10 {
		t.Fatalf("only %d ingests acknowledged before the crash:\n%s", len(acked), p.out)
	}

	p = startServe(t, bin, s.flags...)
	defer p.kill()
	apiGet(t, p.URL, key, fmt.Sprintf("/v1/datasets/%d", d.ID), &d)
	// Count the visible records, per page.
	visible := 0
	for cursor := ""; ; {
		var page httpapi.RecordPage
		apiGet(t, p.URL, key, fmt.Sprintf("/v1/datasets/%d/records?limit=10000&cursor=%s", d.ID, cursor), &page)
		visible += len(page.Records)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}

	cp, events := logEntries(t, p.URL, logKey, 0, key)
	logged := map[int64]int64{} // ingest id → records, from the log
	var loggedRecords int64
	for _, e := range events {
		if e.Action != sluice.ActionIngest {
			continue
		}
		in, _ := e.Object["ingest"].(float64)
		n, _ := e.Details["records"].(float64)
		logged[int64(in)] = int64(n)
		loggedRecords += int64(n)
	}
	for _, in := range acked {
		if n, ok := logged[in.ID]; !ok || n != in.RecordCount {
			t.Errorf("acknowledged ingest %d of %d records: logged %v, %d records", in.ID, in.RecordCount, ok, n)
		}
	}
	if int64(visible) != loggedRecords || d.RecordCount != loggedRecords {
		t.Errorf("%d records visible, dataset counts %d, the log's ingests hold %d", visible, d.RecordCount, loggedRecords)
	}
	t.Logf("%d ingests acknowledged, %d logged (%d records); log size %d", len(acked), len(logged), loggedRecords, cp.Size)

	// The log after the crash extends the one seen before it.
	code, out, errOut := runCLI(t, nil, "", "verify", "--url", p.URL+"/log", "--key", logKey.VerifierKey, "--state", state, "--entries")
	if code != 0 || !strings.HasPrefix(out, "OK size=") {
		t.Fatalf("verify after the crash: %q %q", out, errOut)
	}
}

// TestServe_Tamper alters a running server's store directly, as an
// operator could, and checks that sluice verify says what and where:
// an entry, a tile, a checkpoint put back to an older one (rollback), and
// history rewritten and signed again (fork).
func TestServe_Tamper(t *testing.T) {
	bin := buildSluice(t)
	for _, setup := range []func(*testing.T, string) *storeSetup{sqliteSetup, postgresSetup} {
		dir := t.TempDir()
		s := setup(t, dir)
		t.Run(s.name, func(t *testing.T) { testTamper(t, bin, dir, s) })
	}
}

func testTamper(t *testing.T, bin, dir string, s *storeSetup) {
	ctx := context.Background()
	key := mustOwner(t, s.env, "cn-rides")
	p := startServe(t, bin, s.flags...)
	logKey := logKeyOf(t, dir)
	vkey := logKey.VerifierKey
	logURL := p.URL + "/log"
	client := auditlog.NewClient(logURL, logKey.Verifier)
	createDatasets := func(prefix string, n int) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { createDataset(t, p.URL, key, fmt.Sprintf("%s-%d", prefix, i), "phone") })
		}
		wg.Wait()
	}
	verify := func(args ...string) (int, string) {
		code, out, _ := runCLI(t, nil, "", append([]string{"verify", "--url", logURL, "--key", vkey}, args...)...)
		return code, out
	}
	createDatasets("a", 298) // 300 events: a full tile and a partial one
	logEntries(t, p.URL, logKey, 300, "")
	state := filepath.Join(t.TempDir(), "log.state")
	if code, out := verify("--entries", "--state", state); code != 0 || !strings.HasPrefix(out, "OK size=300 ") {
		t.Fatalf("verify: %q", out)
	}

	t.Run("Entry", func(t *testing.T) {
		orig := s.bytes(t, `SELECT data FROM events WHERE idx = ?`, 7)
		s.exec(t, `UPDATE events SET data = ? WHERE idx = ?`, append(bytes.Clone(orig[:len(orig)-1]), orig[len(orig)-1]^1), 7)
		defer s.exec(t, `UPDATE events SET data = ? WHERE idx = ?`, orig, 7)
		if code, out := verify("--entries"); code != 1 || !strings.HasPrefix(out, "FAIL entry 7 (tile/entries/000, position 7) hashes to ") {
			t.Fatalf("verify: %d %q", code, out)
		}
	})
	t.Run("Tile", func(t *testing.T) {
		orig := s.bytes(t, `SELECT hashes FROM log_tiles WHERE level = 0 AND idx = 0`)
		bad := bytes.Clone(orig)
		bad[32*9] ^= 0x80
		s.exec(t, `UPDATE log_tiles SET hashes = ? WHERE level = 0 AND idx = 0`, bad)
		defer s.exec(t, `UPDATE log_tiles SET hashes = ? WHERE level = 0 AND idx = 0`, orig)
		if code, out := verify(); code != 1 || !strings.HasPrefix(out, "FAIL tree of size 300: tile/0/000 hashes to ") {
			t.Fatalf("verify: %d %q", code, out)
		}
	})
	t.Run("Rollback", func(t *testing.T) {
		older, err := client.FetchCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		createDatasets("b", 10)
		logEntries(t, p.URL, logKey, 310, "")
		if code, out := verify("--state", state); code != 0 || !strings.HasPrefix(out, "OK size=310 ") {
			t.Fatalf("verify: %q", out)
		}
		// Back to the older state: its events and its checkpoint.
		s.exec(t, `DELETE FROM events WHERE idx >= ?`, older.Size)
		s.exec(t, `UPDATE log_checkpoint SET size = ?, root = ?, checkpoint = ?`, older.Size, older.Root[:], older.Note)
		code, out := verify("--state", state)
		if code != 1 || !strings.HasPrefix(out, "FAIL rollback: the log's checkpoint is of size 300, smaller than the checkpoint of size 310 seen before") ||
			!strings.Contains(out, "Seen before (size 310):") || !strings.Contains(out, "Served now (size 300):") || strings.Count(out, "— "+logKey.Origin()+" ") != 2 {
			t.Fatalf("verify: %d %q", code, out)
		}
	})
	t.Run("Fork", func(t *testing.T) {
		forkState := filepath.Join(t.TempDir(), "log.state")
		if code, out := verify("--state", forkState); code != 0 || !strings.HasPrefix(out, "OK size=300 ") {
			t.Fatalf("verify: %q", out)
		}
		before, err := client.FetchCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// History rewritten, and the tree built again over it.
		orig := s.bytes(t, `SELECT data FROM events WHERE idx = ?`, 7)
		s.exec(t, `UPDATE events SET data = ? WHERE idx = ?`, append(bytes.Clone(orig[:len(orig)-1]), orig[len(orig)-1]^2), 7)
		s.exec(t, `DELETE FROM log_tiles`)
		s.exec(t, `DELETE FROM log_checkpoint`)
		waitFor(t, func() bool {
			cp, err := client.FetchCheckpoint(ctx)
			return err == nil && cp.Size == before.Size && cp.Root != before.Root
		})
		// Alone, the rewritten log is consistent: only a checkpoint seen
		// before shows the fork.
		if code, out := verify("--entries"); code != 0 {
			t.Fatalf("verify: %q", out)
		}
		code, out := verify("--state", forkState)
		if code != 1 || !strings.HasPrefix(out, "FAIL fork: the log's checkpoint of size 300 has root ") || !strings.Contains(out, "Evidence:") {
			t.Fatalf("verify: %d %q", code, out)
		}
	})
}
