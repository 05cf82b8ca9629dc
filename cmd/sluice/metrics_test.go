package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// TestServe_Metrics scrapes /metrics after an ingest, a transfer and an
// export, and checks the named series and that no label holds a name, a
// key or a path as sent.
func TestServe_Metrics(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SLUICE_DATA_DIR": dir}
	mustInit(t, env)
	runCLI(t, env, "", "org", "create", "--name", "cn-rides", "--region", "CN")
	_, out, _ := runCLI(t, env, "", "key", "create", "--org", "cn-rides", "--role", "owner")
	key := strings.TrimSpace(out)

	var logs bytes.Buffer
	m := &Main{Stdout: os.Stdout, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	m.Config.Addr, m.Config.MetricsAddr = "127.0.0.1:0", "127.0.0.1:0"
	m.Config.Store = StoreConfig{DataDir: dir, Regions: []sluice.Region{"CN", "EU", "US"}}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })

	id := createDataset(t, m.URL(), key, "trips", "phone")
	cenv := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": key}
	if code, _, errOut := runCLI(t, cenv, "phone,fare\n13800138000,12\n13900139000,30\n", "ingest", "--dataset", id, "--input-format", "csv", "-"); code != 0 {
		t.Fatalf("ingest: %s", errOut)
	}
	if code, _, errOut := runCLI(t, cenv, "", "transfer", "create", "--dataset", id, "--fields", "phone,fare", "--country", "US",
		"--recipient", "Acme Inc.", "--legal-basis", "contract"); code != 0 {
		t.Fatalf("transfer create: %s", errOut)
	}
	// An error: its body and the log line carry the request id.
	req, _ := http.NewRequest("GET", m.URL()+"/v1/datasets/999", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Error struct {
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if rid := resp.Header.Get("Request-Id"); rid == "" || e.Error.RequestID != rid {
		t.Fatalf("Request-Id %q, error body's request_id %q", rid, e.Error.RequestID)
	}
	if !strings.Contains(logs.String(), `"request_id":"`+e.Error.RequestID+`"`) || !strings.Contains(logs.String(), `"route":"GET /v1/datasets/{id}"`) {
		t.Errorf("no JSON request log line with the request id and route pattern:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), key) || strings.Contains(logs.String(), "/v1/datasets/999") {
		t.Errorf("request log holds a key or a path as sent:\n%s", logs.String())
	}

	if _, err := m.Log.Integrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get("http://" + m.MetricsListener.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	for _, want := range []string{
		`sluice_http_requests_total{method="POST",route="POST /v1/datasets/{id}/records",status="201"} 1`,
		`sluice_http_requests_total{method="GET",route="GET /v1/datasets/{id}",status="404"} 1`,
		`sluice_http_request_duration_seconds_bucket{method="POST",route="POST /v1/datasets",status="201",le="+Inf"} 1`,
		`sluice_ingest_records_total 2`,
		`sluice_ingest_bytes_total 41`,
		`sluice_classification_matches_total{category="user.contact.phone_number"} 2`,
		`sluice_log_size_entries `,
		`sluice_log_integration_lag_seconds `,
		`sluice_decisions_total{action="transfer.create",result="`,
		`sluice_transfers{org="1",route="EXEMPT",status="ready"} 1`,
		`sluice_transfer_subjects{counter="pi",org="1"}`,
		`go_goroutines `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, bad := range []string{"cn-rides", "Acme", key, "13800138000"} {
		if strings.Contains(text, bad) {
			t.Errorf("/metrics holds %q", bad)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", grepLines(text, "sluice_"))
	}
	// The API listener does not serve /metrics.
	if resp, err := http.Get(m.URL() + "/metrics"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("the API listener serves /metrics")
		}
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
