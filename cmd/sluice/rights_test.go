package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/httpapi"
	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// openMain starts a server on a random port over config c, whose data
// directory it initialises first if need be; the server is not stopped
// when the test ends unless the caller closes it.
func openMain(t *testing.T, c StoreConfig) *Main {
	t.Helper()
	if !isDataDir(c.DataDir) {
		if err := initDataDir(context.Background(), io.Discard, &c, ""); err != nil {
			t.Fatal(err)
		}
	}
	m := &Main{Stdout: io.Discard}
	m.Config.Addr = "127.0.0.1:0"
	m.Config.Store = c
	m.Config.RetentionInterval = -1
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCLI_IngestBatchAcrossRestart sends an upload with a batch id,
// restarts the server (closing and reopening every store), sends it
// again, and finds it stored once, answered with the first answer.
func TestCLI_IngestBatchAcrossRestart(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			c := StoreConfig{DataDir: dir, Regions: []sluice.Region{"CN"}}
			if engine == "postgres" {
				c.ControlDSN, c.RegionDSNs = mustCreatePostgres(t), map[sluice.Region]string{"CN": mustCreatePostgres(t)}
			}
			ctx := context.Background()
			m := openMain(t, c)
			org := &sluice.Org{Name: "cn-rides", Region: "CN"}
			if err := m.Stores.Orgs.CreateOrg(ctx, org); err != nil {
				t.Fatal(err)
			}
			key, err := m.Stores.Keys.CreateKey(ctx, &sluice.APIKey{OrgID: org.ID, Role: sluice.RoleOwner})
			if err != nil {
				t.Fatal(err)
			}
			id := createDataset(t, m.URL(), key, "trips", "phone")
			file := filepath.Join(t.TempDir(), "trips.csv")
			os.WriteFile(file, []byte("phone,name\n13800138000,张三\n13900139000,李四\n"), 0o644)
			ingest := func(m *Main, batch string) string {
				t.Helper()
				code, out, errOut := runCLI(t, map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": key}, "", "ingest", "--dataset", id, "--batch-id", batch, file)
				if code != 0 {
					t.Fatalf("ingest: %d %q %q", code, out, errOut)
				}
				return out
			}
			first := ingest(m, "trips-2026-03-02")
			if !strings.Contains(first, "Ingested 2 records") || !strings.Contains(first, "now holds 2 records") {
				t.Fatalf("first upload: %q", first)
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}

			m = openMain(t, c)
			defer m.Close()
			if again := ingest(m, "trips-2026-03-02"); again != first {
				t.Fatalf("retry after restart answered %q, want the first answer %q", again, first)
			}
			count := func() int {
				recs, err := m.Records.FindRecords(sluice.NewContextWithActor(ctx, &sluice.Actor{Org: org, Role: sluice.RoleOwner}),
					sluice.RecordFilter{DatasetID: mustAtoi(t, id), Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				return len(recs)
			}
			if n := count(); n != 2 {
				t.Fatalf("%d records stored after the retry, want 2", n)
			}

			// Over HTTP the retry is marked and carries the first body.
			send := func(batch string) (*http.Response, []byte) {
				req, _ := http.NewRequest("POST", m.URL()+"/v1/datasets/"+id+"/records", strings.NewReader("phone\n13700137000\n"))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "text/csv")
				req.Header.Set("Idempotency-Key", batch)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp, b
			}
			r1, b1 := send("second")
			r2, b2 := send("second")
			if r1.StatusCode != 201 || r2.StatusCode != 201 || r1.Header.Get("Idempotent-Replayed") != "" || r2.Header.Get("Idempotent-Replayed") != "true" ||
				!bytes.Equal(bytes.TrimSpace(b1), bytes.TrimSpace(b2)) {
				t.Fatalf("first %d %q, retry %d %q %q", r1.StatusCode, b1, r2.StatusCode, r2.Header.Get("Idempotent-Replayed"), b2)
			}
			if n := count(); n != 3 {
				t.Fatalf("%d records stored, want 3", n)
			}
			// A bad key is refused with the header named.
			if r, b := send("has space"); r.StatusCode != 400 || !bytes.Contains(b, []byte("Idempotency-Key")) {
				t.Fatalf("bad key: %d %s", r.StatusCode, b)
			}
		})
	}
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	if !regexp.MustCompile(`^[0-9]+$`).MatchString(s) {
		t.Fatalf("%q is not a number", s)
	}
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

// TestCLI_MinimisationAndRetention drives the report, the settings and a
// retention run through the command line, on SQLite and PostgreSQL.
func TestCLI_MinimisationAndRetention(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			c := StoreConfig{DataDir: dir, Regions: []sluice.Region{"CN"}}
			storeEnv := map[string]string{"SLUICE_DATA_DIR": dir, "SLUICE_REGIONS": "CN"}
			if engine == "postgres" {
				c.ControlDSN, c.RegionDSNs = mustCreatePostgres(t), map[sluice.Region]string{"CN": mustCreatePostgres(t)}
				storeEnv["SLUICE_CONTROL_DSN"], storeEnv["SLUICE_REGION_CN"] = c.ControlDSN, c.RegionDSNs["CN"]
			}
			ctx := context.Background()
			m := openMain(t, c)
			defer m.Close()
			org := &sluice.Org{Name: "cn-rides", Region: "CN"}
			if err := m.Stores.Orgs.CreateOrg(ctx, org); err != nil {
				t.Fatal(err)
			}
			key, err := m.Stores.Keys.CreateKey(ctx, &sluice.APIKey{OrgID: org.ID, Role: sluice.RoleOwner})
			if err != nil {
				t.Fatal(err)
			}
			cenv := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": key}
			post := func(body string) string {
				t.Helper()
				req, _ := http.NewRequest("POST", m.URL()+"/v1/datasets", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				id := regexp.MustCompile(`^\{"id":([0-9]+)`).FindSubmatch(b)
				if resp.StatusCode != 201 || id == nil {
					t.Fatalf("create dataset: %d %s", resp.StatusCode, b)
				}
				return string(id[1])
			}
			file := filepath.Join(t.TempDir(), "rides.csv")
			os.WriteFile(file, []byte("phone,resident_id\n13800138000,11010519491231002X\n13900139000,440308199901010012\n"), 0o644)

			warn := post(`{"name":"rides","purpose":"rides","subject_field":"phone","app_type":"ride_hailing","retention_days":30}`)
			code, out, errOut := runCLI(t, cenv, "", "ingest", "--dataset", warn, file)
			if code != 0 || !strings.Contains(out, "Minimisation (warn): 1 field(s) beyond the necessary scope of ride_hailing, kept: resident_id; 2 people affected.") {
				t.Fatalf("ingest (warn): %d %q %q", code, out, errOut)
			}
			code, out, errOut = runCLI(t, cenv, "", "report", "minimisation")
			if code != 0 || !regexp.MustCompile(`rides\s+ride_hailing\s+resident_id\s+user\.government_id\.national_identification_number\s+.*Art\. 5\(2\)\s+2\n`).MatchString(out) ||
				!strings.Contains(out, "Rectify by ") {
				t.Fatalf("report: %d %q %q", code, out, errOut)
			}
			code, out, _ = runCLI(t, cenv, "", "report", "minimisation", "--html", "-")
			if code != 0 || !strings.HasPrefix(out, "<!doctype html>") || !strings.Contains(out, "resident_id") {
				t.Fatalf("report --html: %d %q", code, out)
			}

			code, out, errOut = runCLI(t, cenv, "", "settings", "--minimisation", "strip")
			if code != 0 || !strings.Contains(out, "minimisation: strip") {
				t.Fatalf("settings: %d %q %q", code, out, errOut)
			}
			strip := post(`{"name":"rides-stripped","purpose":"rides","subject_field":"phone","app_type":"ride_hailing"}`)
			code, out, errOut = runCLI(t, cenv, "", "ingest", "--dataset", strip, file)
			if code != 0 || !strings.Contains(out, "dropped before storage: resident_id") {
				t.Fatalf("ingest (strip): %d %q %q", code, out, errOut)
			}
			recs, err := m.Records.FindRecords(sluice.NewContextWithActor(ctx, &sluice.Actor{Org: org, Role: sluice.RoleOwner}),
				sluice.RecordFilter{DatasetID: mustAtoi(t, strip), Limit: 10})
			if err != nil || len(recs) != 2 {
				t.Fatalf("stripped dataset: %d records, %v", len(recs), err)
			}
			for _, r := range recs {
				if bytes.Contains(r.Data, []byte("resident_id")) || bytes.Contains(r.Data, []byte("11010519491231002X")) {
					t.Fatalf("stored record holds the stripped field: %s", r.Data)
				}
			}

			// The first upload is 31 days old: a dry run counts it, a run
			// deletes it.
			old := time.Now().AddDate(0, 0, -31)
			if engine == "postgres" {
				if _, err := pgConnect(t, c.ControlDSN).Exec(ctx, `UPDATE ingests SET created_at = $1 WHERE dataset_id = $2`, old, mustAtoi(t, warn)); err != nil {
					t.Fatal(err)
				}
			} else if _, err := openRaw(t, dir).Exec(`UPDATE ingests SET created_at = ? WHERE dataset_id = ?`, sqlstore.FormatTimeText(old), mustAtoi(t, warn)); err != nil {
				t.Fatal(err)
			}
			code, out, errOut = runCLI(t, storeEnv, "", "retention", "run", "--dry-run")
			if code != 0 || !strings.Contains(out, "Would delete 2 records past their retention (1 uploads)") {
				t.Fatalf("retention run --dry-run: %d %q %q", code, out, errOut)
			}
			code, out, errOut = runCLI(t, storeEnv, "", "retention", "run")
			if code != 0 || !strings.Contains(out, "Deleted 2 records past their retention (1 uploads)") {
				t.Fatalf("retention run: %d %q %q", code, out, errOut)
			}
			d, err := httpapi.NewClient(m.URL(), key).FindDataset(ctx, mustAtoi(t, warn))
			if err != nil || d.RecordCount != 0 {
				t.Fatalf("after the run the dataset holds %d records (%v)", d.RecordCount, err)
			}
		})
	}
}
