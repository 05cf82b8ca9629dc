package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// runCLI runs the sluice command line with args and returns its exit
// status, stdout and stderr.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
		Environ: func() []string {
			var kv []string
			for k, v := range env {
				kv = append(kv, k+"="+v)
			}
			return kv
		},
	}
	code := Run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

// mustInit runs sluice init with env, whose SLUICE_DATA_DIR names the
// directory.
func mustInit(t *testing.T, env map[string]string) {
	t.Helper()
	if code, out, errOut := runCLI(t, env, "", "init"); code != 0 {
		t.Fatalf("sluice init: %d %q %q", code, out, errOut)
	}
}

// MustRunMain starts a server on a random port over a fresh data directory.
func MustRunMain(t *testing.T, dir string) *Main {
	t.Helper()
	m := &Main{Stdout: os.Stdout}
	m.Config.Addr = "127.0.0.1:0"
	m.Config.Store = StoreConfig{DataDir: dir, Regions: []sluice.Region{"CN", "EU", "US"}}
	if !isDataDir(dir) {
		if err := initDataDir(context.Background(), io.Discard, &m.Config.Store, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// createDataset creates a dataset over the API and returns its id.
func createDataset(t *testing.T, baseURL, key, name, subject string) string {
	t.Helper()
	body := fmt.Sprintf(`{"name":%q,"purpose":"testing","subject_field":%q}`, name, subject)
	req, _ := http.NewRequest("POST", baseURL+"/v1/datasets", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d sluice.Dataset
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != 201 {
		t.Fatalf("create dataset: %d %v", resp.StatusCode, err)
	}
	return strconv.FormatInt(d.ID, 10)
}

func TestCLI_OrgKeyIngest(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SLUICE_DATA_DIR": dir}
	mustInit(t, env)

	code, out, errOut := runCLI(t, env, "", "org", "create", "--name", "cn-rides", "--region", "CN", "--sector", "transport")
	if code != 0 || !strings.Contains(out, "Created org cn-rides") {
		t.Fatalf("org create: %d %q %q", code, out, errOut)
	}
	code, _, errOut = runCLI(t, env, "", "org", "create", "--name", "cn-rides", "--region", "CN")
	if code != 1 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("duplicate org: %d %q", code, errOut)
	}
	code, _, errOut = runCLI(t, env, "", "org", "create", "--name", "x", "--region", "MARS")
	if code != 1 || !strings.Contains(errOut, "not served") {
		t.Fatalf("unknown region: %d %q", code, errOut)
	}
	code, out, errOut = runCLI(t, env, "", "key", "create", "--org", "cn-rides", "--role", "owner")
	key := strings.TrimSpace(out)
	if code != 0 || !regexp.MustCompile(`^sk_k[0-9a-f]{10}_[A-Za-z0-9_-]{43}$`).MatchString(key) || !strings.Contains(errOut, "shown only this once") {
		t.Fatalf("key create: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, env, "", "key", "list", "--org", "cn-rides")
	if code != 0 || !strings.Contains(out, key[3:14]) || strings.Contains(out, key[15:]) {
		t.Fatalf("key list shows %q", out)
	}

	m := MustRunMain(t, dir)

	// A second server on the same directory is refused.
	m2 := &Main{}
	m2.Config.Addr = "127.0.0.1:0"
	m2.Config.Store = StoreConfig{DataDir: dir, Regions: m.Config.Store.Regions}
	if err := m2.Open(context.Background()); err == nil || !strings.Contains(err.Error(), "in use by another sluice serve") {
		t.Fatalf("second server: %v", err)
	}

	// Create a dataset over the API, then ingest a file with the CLI.
	id := createDataset(t, m.URL(), key, "trips", "phone")
	file := filepath.Join(t.TempDir(), "trips.csv")
	os.WriteFile(file, []byte("phone,name\n13800138000,张三\n13900139000,李四\n"), 0o644)
	cenv := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": key}
	code, out, errOut = runCLI(t, cenv, "", "ingest", "--dataset", id, file)
	if code != 0 || !strings.Contains(out, "Ingested 2 records") {
		t.Fatalf("ingest: %d %q %q", code, out, errOut)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("phone,name\n13800138000,a,extra\n"), 0o644)
	code, _, errOut = runCLI(t, cenv, "", "ingest", "--dataset", id, bad)
	if code != 1 || !strings.Contains(errOut, "bad.csv: Line 2") {
		t.Fatalf("bad ingest: %d %q", code, errOut)
	}
	code, out, _ = runCLI(t, cenv, "phone\n13700137000\n", "ingest", "--dataset", id, "--format", "csv", "-")
	if code != 0 || !strings.Contains(out, "Ingested 1 records") {
		t.Fatalf("ingest from stdin: %d %q", code, out)
	}
}

func TestCLI_Help(t *testing.T) {
	code, out, _ := runCLI(t, nil, "", "--help")
	if code != 0 || !strings.Contains(out, "serve") || !strings.Contains(out, "org create") {
		t.Fatalf("help: %d %q", code, out)
	}
	for _, c := range commands {
		args := append(strings.Fields(c.name), "--help")
		code, out, errOut := runCLI(t, nil, "", args...)
		if code != 0 || !strings.Contains(out, "Usage: sluice "+c.name) || !strings.Contains(out, "Example:") {
			t.Errorf("%s --help: %d %q %q", c.name, code, out, errOut)
		}
	}
	if code, _, errOut := runCLI(t, nil, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
}

// TestMain_Restart: what ingest learned of a dataset's fields is stored
// with the dataset and is there after the server restarts.
func TestMain_Restart(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SLUICE_DATA_DIR": dir}
	mustInit(t, env)
	if code, _, errOut := runCLI(t, env, "", "org", "create", "--name", "clinic", "--region", "CN"); code != 0 {
		t.Fatal(errOut)
	}
	_, out, _ := runCLI(t, env, "", "key", "create", "--org", "clinic", "--role", "owner")
	key := strings.TrimSpace(out)

	m := MustRunMain(t, dir)
	id := createDataset(t, m.URL(), key, "patients", "phone")
	file := filepath.Join(t.TempDir(), "patients.csv")
	os.WriteFile(file, []byte("phone,id_number\n13800138000,11010519491231002X\n13912345678,440103200202187874\n"), 0o644)
	if code, _, errOut := runCLI(t, map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": key}, "", "ingest", "--dataset", id, file); code != 0 {
		t.Fatal(errOut)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	m = MustRunMain(t, dir)
	req, _ := http.NewRequest("GET", m.URL()+"/v1/datasets/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d sluice.Dataset
	json.NewDecoder(resp.Body).Decode(&d)
	f := d.Field("id_number")
	if d.RecordCount != 2 || f == nil || len(f.Categories) == 0 || f.Categories[0].Key != "user.government_id.national_identification_number" || !f.Sensitive {
		t.Fatalf("after restart: %+v, id_number %+v", d, f)
	}
}
