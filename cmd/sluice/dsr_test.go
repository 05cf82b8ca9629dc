package main

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
)

// TestCLI_DSR drives every subject request type through sluice dsr on a
// server over SQLite, and over PostgreSQL when SLUICE_TEST_POSTGRES is set.
func TestCLI_DSR(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testCLIDSR(t, sqliteSetup(t, t.TempDir())) })
	t.Run("postgres", func(t *testing.T) { testCLIDSR(t, postgresSetup(t, t.TempDir())) })
}

func testCLIDSR(t *testing.T, s *storeSetup) {
	owner := mustOwner(t, s.env, "clinic")
	m := &Main{Stdout: io.Discard}
	m.Config.Addr = "127.0.0.1:0"
	m.Config.Store = StoreConfig{DataDir: s.env["SLUICE_DATA_DIR"], ControlDSN: s.env["SLUICE_CONTROL_DSN"],
		Regions: []sluice.Region{"CN"}, RegionDSNs: map[sluice.Region]string{}}
	if dsn := s.env["SLUICE_REGION_CN"]; dsn != "" {
		m.Config.Store.RegionDSNs["CN"] = dsn
	}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	id := "11010519880512002"
	id += string(classify.ResidentIDCheck(id))
	dataset := createDataset(t, m.URL(), owner, "patients", "phone")
	file := filepath.Join(t.TempDir(), "patients.csv")
	os.WriteFile(file, []byte("phone,name,resident_id\n13800138000,Wang Li,"+id+"\n13900139000,Wang Xiao,\n"), 0o644)
	env := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": owner}
	run := func(want int, args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, env, "", args...)
		if code != want {
			t.Fatalf("sluice %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errOut)
		}
		return out + errOut
	}
	run(0, "ingest", "--dataset", dataset, file)
	// file returns the new request's id.
	file_ := func(args ...string) string {
		t.Helper()
		out := run(0, append([]string{"dsr", "file", "--phone", "+86 138-0013-8000"}, args...)...)
		f := strings.Fields(strings.TrimPrefix(out, "Filed subject request "))
		if len(f) == 0 {
			t.Fatalf("dsr file: %q", out)
		}
		return f[0]
	}
	for _, typ := range []string{"access", "copy", "portability", "explanation"} {
		r := file_("--type", typ, "--jurisdiction", "EU")
		run(0, "dsr", "verify", "--evidence", "ID card seen", r)
		pkg := filepath.Join(t.TempDir(), typ+".zip")
		if out := run(0, "dsr", "fulfil", "--package", pkg, r); !strings.Contains(out, "is fulfilled") || !strings.Contains(out, "1 records found") {
			t.Fatalf("%s fulfil: %q", typ, out)
		}
		b, _ := os.ReadFile(pkg)
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s package: %v", typ, err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		if want := "README.md request.json access_history.json datasets/" + dataset + "-patients.json datasets/" + dataset + "-patients.csv"; strings.Join(names, " ") != want {
			t.Fatalf("%s package: %v", typ, names)
		}
	}
	r := file_("--type", "correction", "--field", "name", "--value", "Wang Lili")
	run(0, "dsr", "verify", r)
	if out := run(0, "dsr", "fulfil", r); !strings.Contains(out, "1 corrected") {
		t.Fatalf("correction: %q", out)
	}
	r = file_("--type", "restriction", "--jurisdiction", "CN")
	run(0, "dsr", "verify", r)
	if out := run(0, "dsr", "fulfil", r); !strings.Contains(out, "1 restricted") {
		t.Fatalf("restriction: %q", out)
	}
	code, out, errOut := runCLI(t, env, `{"resident_id":"`+id+`"}`, "dsr", "file", "--type", "erasure", "--identifiers-stdin")
	if code != 0 || !strings.HasPrefix(out, "Filed subject request ") {
		t.Fatalf("dsr file --identifiers-stdin: %d %q %q", code, out, errOut)
	}
	r = strings.Fields(strings.TrimPrefix(out, "Filed subject request "))[0]
	run(0, "dsr", "verify", r)
	if out := run(0, "dsr", "fulfil", r); !strings.Contains(out, "1 erased") {
		t.Fatalf("erasure: %q", out)
	}
	r = file_("--type", "access", "--jurisdiction", "EU")
	if out := run(0, "dsr", "extend", "--reason", "records in many systems", r); !strings.Contains(out, "is extended") {
		t.Fatalf("extend: %q", out)
	}
	run(1, "dsr", "refuse", r)
	if out := run(0, "dsr", "refuse", "--reason", "a duplicate of request 1", r); !strings.Contains(out, "is refused") {
		t.Fatalf("refuse: %q", out)
	}
	if out := run(1, "dsr", "file", "--type", "access", "--phone", "12345"); !strings.Contains(out, "identifiers.phone") || strings.Contains(out, "12345") {
		t.Fatalf("bad phone: %q", out)
	}
	out = run(0, "dsr", "list")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 9 || !strings.Contains(lines[0], "OVERDUE") {
		t.Fatalf("dsr list: %q", out)
	}
	if out := run(0, "dsr", "show", "1"); !strings.Contains(out, `"state": "fulfilled"`) || strings.Contains(out, "13800138000") {
		t.Fatalf("dsr show: %q", out)
	}

	// Offboarding, by the operator on the stores while the server runs.
	req, _ := http.NewRequest("POST", m.URL()+"/v1/datasets/"+dataset+"/hold", strings.NewReader(`{"reason":"tax audit"}`))
	req.Header.Set("Authorization", "Bearer "+owner)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 201 {
		t.Fatalf("hold: %v %v", resp, err)
	}
	code, out, errOut = runCLI(t, s.env, "", "org", "offboard", "--name", "clinic")
	if code != 1 || !strings.Contains(errOut, "tax audit") {
		t.Fatalf("offboard under a hold: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, s.env, "", "org", "offboard", "--name", "clinic", "--force", "--reason", "contract ended")
	if code != 0 || !strings.Contains(out, "1 datasets and 1 records deleted") {
		t.Fatalf("offboard: %d %q %q", code, out, errOut)
	}
	if out := run(1, "dsr", "list"); !strings.Contains(out, "revoked") && !strings.Contains(out, "key") {
		t.Fatalf("dsr list after offboarding: %q", out)
	}
}

// personRecords is how many records of one person the kill test erases.
const personRecords = 50000

// TestProcess_EraseKill kills sluice serve with SIGKILL while it erases a
// person's records as soon as the erasure writes to the region's
// write-ahead log, and checks
// after a restart that the records are all there or all gone, and that
// fulfilling the request again finishes the erasure.
func TestProcess_EraseKill(t *testing.T) {
	bin := buildSluice(t)
	dir := t.TempDir()
	s := sqliteSetup(t, dir)
	owner := mustOwner(t, s.env, "clinic")
	p := startServe(t, bin, s.flags...)
	dataset := createDataset(t, p.URL, owner, "visits", "phone")
	var csv strings.Builder
	csv.WriteString("phone,visit\n")
	for i := range personRecords {
		fmt.Fprintf(&csv, "13800138000,visit %d\n", i)
		fmt.Fprintf(&csv, "139%08d,visit %d\n", i, i)
	}
	do := func(url, method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+owner)
		req.Header.Set("Content-Type", "application/json")
		if strings.HasSuffix(path, "/records") {
			req.Header.Set("Content-Type", "text/csv")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := do(p.URL, "POST", "/v1/datasets/"+dataset+"/records", csv.String()); code != 201 {
		t.Fatalf("ingest: %d %s", code, body)
	}
	code, body := do(p.URL, "POST", "/v1/subject-requests", `{"type":"erasure","jurisdiction":"CN","identifiers":{"phone":"13800138000"}}`)
	if code != 201 {
		t.Fatalf("file: %d %s", code, body)
	}
	do(p.URL, "POST", "/v1/subject-requests/1/verify", "")
	// Empty the region's write-ahead log, send the fulfilment, and kill
	// the server as soon as the erasure starts writing to the log (or
	// answers, if it got there first).
	if _, err := openRawRegion(t, dir, "CN").Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	wal := filepath.Join(dir, "region-cn.db-wal")
	if st, err := os.Stat(wal); err != nil || st.Size() != 0 {
		t.Fatalf("write-ahead log not emptied: %v %v", st, err)
	}
	written, answered := make(chan struct{}), make(chan struct{})
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { close(written) }}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "POST", p.URL+"/v1/subject-requests/1/fulfil", nil)
	req.Header.Set("Authorization", "Bearer "+owner)
	go func() {
		defer close(answered)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	<-written
	for grew := false; !grew; {
		select {
		case <-answered:
			grew = true
		default:
			st, err := os.Stat(wal)
			grew = err == nil && st.Size() > 0
		}
	}
	p.kill()

	left := countPhone(t, dir, "13800138000")
	if left != 0 && left != personRecords {
		t.Fatalf("after the kill %d of the person's %d records are left", left, personRecords)
	}
	t.Logf("after the kill: %d of the person's records left", left)
	p = startServe(t, bin, s.flags...)
	code, body = do(p.URL, "GET", "/v1/subject-requests/1", "")
	if code != 200 {
		t.Fatalf("show: %d %s", code, body)
	}
	if !strings.Contains(body, `"state":"fulfilled"`) {
		if code, body = do(p.URL, "POST", "/v1/subject-requests/1/fulfil", ""); code != 200 || !strings.Contains(body, `"state":"fulfilled"`) {
			t.Fatalf("fulfil after restart: %d %s", code, body)
		}
	}
	if n := countPhone(t, dir, "13800138000"); n != 0 {
		t.Fatalf("after the restart %d records of the person are left", n)
	}
	code, body = do(p.URL, "GET", "/v1/datasets/"+dataset, "")
	if want := `"record_count":` + strconv.Itoa(personRecords); code != 200 || !strings.Contains(body, want) {
		t.Fatalf("dataset after erasure: %d %s", code, body)
	}
}

// countPhone counts the records of the CN store whose data holds phone,
// reading the database file directly.
func countPhone(t *testing.T, dir, phone string) int {
	t.Helper()
	db := openRawRegion(t, dir, "CN")
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM records WHERE instr(CAST(data AS TEXT), ?) > 0`, phone).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// openRawRegion opens a region's SQLite file directly; it is closed when
// the test ends.
func openRawRegion(t *testing.T, dir, region string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "region-"+strings.ToLower(region)+".db")+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
