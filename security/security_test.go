package security_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sluice-gateway/sluice/auditlog"
)

// ingestCSV is a small dataset about people with telling names.
func ingestCSV(n int) string {
	var b strings.Builder
	b.WriteString("phone,diagnosis_code,full_name\n")
	for i := range n {
		fmt.Fprintf(&b, "139%08d,K35.%d,patient-%d\n", i, i%10, i)
	}
	return b.String()
}

// setupClinic makes an org with a dataset of n people and returns the
// server, the owner's key and the dataset's id.
func setupClinic(t *testing.T, env []string, n int) (*server, string, int64) {
	t.Helper()
	key := mustKey(t, env, "cn-clinic", "CN", "owner")
	s := serve(t, env)
	var d struct{ ID int64 }
	if err := json.Unmarshal(want(t, s.do(t, "POST", "/v1/datasets", key, map[string]string{
		"name": "oncology-patients", "purpose": "treatment-follow-up", "subject_field": "phone"}), 201).body, &d); err != nil {
		t.Fatal(err)
	}
	want(t, s.do(t, "POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), key, ingestCSV(n)), 201)
	return s, key, d.ID
}

// verifier returns the log's verifier.
func verifier(t *testing.T, env []string) note.Verifier {
	t.Helper()
	v, err := note.NewVerifier(strings.TrimSpace(cli(t, env, "log", "key")))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestLogPrivacy reads the public log as an outsider: it verifies, and
// holds no subject key, org, dataset, purpose or field name. The full
// entries are for the org that took part alone.
func TestLogPrivacy(t *testing.T) {
	env := sqliteEnv(t, t.TempDir())
	other := mustKey(t, env, "eu-shop", "EU", "owner")
	s, key, id := setupClinic(t, env, 30) // entries: 2 orgs, 2 keys, the dataset, the ingest
	ctx := context.Background()

	// The subject keys the owner holds.
	var page struct {
		Records []struct {
			SubjectKey string `json:"subject_key"`
		}
	}
	if err := json.Unmarshal(want(t, s.do(t, "GET", fmt.Sprintf("/v1/datasets/%d/records?limit=100", id), key, nil), 200).body, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 30 {
		t.Fatalf("%d records", len(page.Records))
	}
	secrets := []string{"cn-clinic", "eu-shop", "oncology-patients", "treatment-follow-up", "diagnosis_code", "full_name", "13900000001"}
	var rawKeys [][]byte
	for _, r := range page.Records {
		secrets = append(secrets, r.SubjectKey)
		b, _ := hex.DecodeString(r.SubjectKey)
		rawKeys = append(rawKeys, b)
	}

	// Everything /log/ serves, fetched without a key.
	c := auditlog.NewClient(s.URL+"/log", verifier(t, env))
	var cp *auditlog.Checkpoint
	for { // the ingest's event is integrated within moments
		var err error
		if cp, err = c.FetchCheckpoint(ctx); err != nil {
			t.Fatal(err)
		}
		if cp.Size >= 6 {
			break
		}
	}
	tree, err := c.FetchTree(ctx, cp)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.VerifyEntries(ctx, tree); err != nil {
		t.Fatal(err)
	}
	var public [][]byte
	get := func(path string) []byte {
		resp, err := http.Get(s.URL + "/log/" + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return b.Bytes()
	}
	public = append(public, get("checkpoint"))
	for _, tl := range tlog.NewTiles(auditlog.TileHeight, 0, cp.Size) {
		public = append(public, get(auditlog.TilePath(tl.L, tl.N, tl.W)))
	}
	bundle := get(auditlog.EntriesPath(0, int(cp.Size)))
	public = append(public, bundle)
	entries, err := auditlog.ParseBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		if !auditlog.IsCommitment(e) {
			t.Fatalf("public entry %d is not a commitment: %q", i, e)
		}
	}
	for _, b := range public {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Fatalf("the public log holds %q", s)
			}
		}
		for _, k := range rawKeys {
			if bytes.Contains(b, k) {
				t.Fatalf("the public log holds a subject key's bytes")
			}
		}
	}

	// The owner reads its entries in full; another org gets 404, as for
	// an index with no entry.
	idx := cp.Size - 1 // the ingest
	r := want(t, s.do(t, "GET", fmt.Sprintf("/v1/log/entries/%d", idx), key, nil), 200)
	var p auditlog.EntryProof
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	if _, err := auditlog.VerifyEntryProof(&p, verifier(t, env)); err != nil || !bytes.Contains(p.Entry, []byte("diagnosis_code")) {
		t.Fatalf("entry %s: %v", p.Entry, err)
	}
	hidden := want(t, s.do(t, "GET", fmt.Sprintf("/v1/log/entries/%d", idx), other, nil), 404)
	missing := want(t, s.do(t, "GET", fmt.Sprintf("/v1/log/entries/%d", idx+1000), other, nil), 404)
	hc, hm := hidden.errorBody(t)
	mc, mm := missing.errorBody(t)
	if hc != mc || strings.ReplaceAll(hm, fmt.Sprint(idx), "N") != strings.ReplaceAll(mm, fmt.Sprint(idx+1000), "N") {
		t.Fatalf("hidden %q %q, missing %q %q", hc, hm, mc, mm)
	}
	want(t, s.do(t, "GET", fmt.Sprintf("/v1/log/entries/%d", idx), "", nil), 401)
}

// TestExistenceOracle checks that another org's objects answer exactly as
// missing ones do.
func TestExistenceOracle(t *testing.T) {
	env := sqliteEnv(t, t.TempDir())
	s, _, id := setupClinic(t, env, 3)
	other := mustKey(t, env, "eu-shop", "EU", "owner")
	for _, path := range []string{"/v1/datasets/%d", "/v1/datasets/%d/records"} {
		hidden := want(t, s.do(t, "GET", fmt.Sprintf(path, id), other, nil), 404)
		missing := want(t, s.do(t, "GET", fmt.Sprintf(path, id+1000), other, nil), 404)
		hc, hm := hidden.errorBody(t)
		mc, mm := missing.errorBody(t)
		if hc != mc || strings.ReplaceAll(hm, fmt.Sprint(id), "N") != strings.ReplaceAll(mm, fmt.Sprint(id+1000), "N") {
			t.Fatalf("%s: hidden %q %q, missing %q %q", path, hc, hm, mc, mm)
		}
	}
}

// TestStrictJSON checks that bodies two parsers could read differently
// are refused with a message naming the problem.
func TestStrictJSON(t *testing.T) {
	env := sqliteEnv(t, t.TempDir())
	key := mustKey(t, env, "cn-clinic", "CN", "owner")
	s := serve(t, env)
	for body, wantMsg := range map[string]string{
		`{"name":"a","purpose":"p","subject_field":"phone","name":"b"}`: `the key "name" twice`,
		`{"name":"a","purpose":"p","subject_field":"phone"} {}`:         "data after the JSON value",
		`{"name":"a\u0000b","purpose":"p","subject_field":"phone"}`:     "NUL character",
	} {
		r := want(t, s.do(t, "POST", "/v1/datasets", key, body), 400)
		if _, msg := r.errorBody(t); !strings.Contains(msg, wantMsg) {
			t.Errorf("%s: %q, want %q", body, msg, wantMsg)
		}
	}
}

// TestHeaders checks nosniff everywhere and no caching of the API.
func TestHeaders(t *testing.T) {
	env := sqliteEnv(t, t.TempDir())
	key := mustKey(t, env, "cn-clinic", "CN", "owner")
	s := serve(t, env)
	for _, path := range []string{"/healthz", "/log/checkpoint", "/v1/datasets"} {
		r := s.do(t, "GET", path, key, nil)
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
		if strings.HasPrefix(path, "/v1/") && r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, r.header.Get("Cache-Control"))
		}
	}
	// The scheme is case-insensitive.
	req, _ := http.NewRequest("GET", s.URL+"/v1/datasets", nil)
	req.Header.Set("Authorization", "bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("lower-case scheme: %d", resp.StatusCode)
	}
}

// TestAuthRateLimit checks that failed authentications are logged
// without the key and limited per client address.
func TestAuthRateLimit(t *testing.T) {
	env := sqliteEnv(t, t.TempDir())
	key := mustKey(t, env, "cn-clinic", "CN", "owner")
	s := serve(t, env)
	const bad = "sk_guess_0123456789abcdef"
	var last *response
	for i := 0; i < 50; i++ {
		if last = s.do(t, "GET", "/v1/datasets", bad, nil); last.status == 429 {
			break
		} else if last.status != 401 {
			t.Fatalf("attempt %d: %d %s", i, last.status, last.body)
		}
	}
	if last.status != 429 || last.header.Get("Retry-After") == "" {
		t.Fatalf("after many failures: %d, Retry-After %q", last.status, last.header.Get("Retry-After"))
	}
	// The address stays blocked, whatever it sends.
	want(t, s.do(t, "GET", "/v1/datasets", key, nil), 429)
	if out := s.out.String(); !strings.Contains(out, "authentication failed") || strings.Contains(out, bad) || strings.Contains(out, key) {
		t.Fatalf("server log:\n%s", out)
	}
	// A token that is not UTF-8 is a 401, never a 500.
	s2 := serve(t, sqliteEnv(t, t.TempDir()))
	req, _ := http.NewRequest("GET", s2.URL+"/v1/datasets", nil)
	req.Header.Set("Authorization", "Bearer sk_\xff\xfe")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("invalid UTF-8 token: %d", resp.StatusCode)
	}
}

// TestConnectionFlood opens far more idle connections than the server
// allows and checks that it still answers.
func TestConnectionFlood(t *testing.T) {
	env := sqliteEnv(t, t.TempDir())
	s := serve(t, env, "--max-conns", "32")
	addr := strings.TrimPrefix(s.URL, "http://")
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for range 300 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
	}
	for range 3 {
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Get(s.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("healthz under a flood: %d", resp.StatusCode)
		}
	}
	want(t, s.do(t, "GET", "/readyz", "", nil), 200)
}

// TestFileModes checks that the data directory and what it holds are
// private to the server's user.
func TestFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := sqliteEnv(t, dir)
	s, _, _ := setupClinic(t, env, 3)
	s.stop()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("%s: mode %v", dir, fi.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if e.IsDir() {
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("%s: mode %v", e.Name(), fi.Mode().Perm())
			}
			continue
		}
		if strings.HasSuffix(e.Name(), ".db") || strings.HasSuffix(e.Name(), ".key") {
			seen++
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v", e.Name(), fi.Mode().Perm())
		}
	}
	if seen < 5 { // control, two regions, the log key and the subject key
		t.Fatalf("only %d store and key files in %v", seen, entries)
	}
	// A store opened wider is reported at start.
	os.Chmod(filepath.Join(dir, "control.db"), 0o644)
	s = serve(t, env)
	if !strings.Contains(s.out.String(), "open to other users") {
		t.Fatalf("no warning:\n%s", s.out)
	}
}

// TestDataDirURIChars checks that a data directory whose path holds the
// characters a SQLite URI gives meaning to keeps each store in its file.
func TestDataDirURIChars(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "d#1?x=y%41")
	env := sqliteEnv(t, dir)
	s, key, id := setupClinic(t, env, 5)
	s.stop()
	s = serve(t, env)
	var d struct {
		RecordCount int64 `json:"record_count"`
	}
	json.Unmarshal(want(t, s.do(t, "GET", fmt.Sprintf("/v1/datasets/%d", id), key, nil), 200).body, &d)
	if d.RecordCount != 5 {
		t.Fatalf("%d records after a restart", d.RecordCount)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Fatalf("files beside the data directory: %v", entries)
	}
	for _, name := range []string{"control.db", "region-cn.db", "region-eu.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestText checks that a NUL in a string and a key that is not UTF-8 get
// a clear 400 and 401 on each store, never a 500.
func TestText(t *testing.T) {
	for name, mkEnv := range map[string]func(t *testing.T, dir string) []string{
		"sqlite":   func(t *testing.T, dir string) []string { return sqliteEnv(t, dir) },
		"postgres": postgresEnv,
	} {
		t.Run(name, func(t *testing.T) {
			env := mkEnv(t, t.TempDir())
			key := mustKey(t, env, "cn-clinic", "CN", "owner")
			s := serve(t, env)
			r := want(t, s.do(t, "POST", "/v1/datasets", key, `{"name":"x\u0000y","purpose":"p","subject_field":"phone"}`), 400)
			if _, msg := r.errorBody(t); !strings.Contains(msg, "NUL") {
				t.Fatalf("message %q", msg)
			}
			var d struct{ ID int64 }
			json.Unmarshal(want(t, s.do(t, "POST", "/v1/datasets", key, map[string]string{"name": "visits", "purpose": "care", "subject_field": "phone"}), 201).body, &d)
			// A NUL inside an uploaded field name.
			r = s.do(t, "POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), key, "phone,no\x00te\n13900000001,x\n")
			if r.status != 400 && r.status != 201 {
				t.Fatalf("NUL in a field name: %d %s", r.status, r.body)
			}
			req, _ := http.NewRequest("GET", s.URL+"/v1/datasets", nil)
			req.Header.Set("Authorization", "Bearer sk_\xc3\x28")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Fatalf("invalid UTF-8 key: %d", resp.StatusCode)
			}
		})
	}
}
