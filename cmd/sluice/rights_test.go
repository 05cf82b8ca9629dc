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

	"sluice"
)

// openMain starts a server on a random port over config c, not yet
// stopped when the test ends unless the caller closes it.
func openMain(t *testing.T, c StoreConfig) *Main {
	t.Helper()
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
