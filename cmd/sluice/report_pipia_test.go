package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestCLI_ReportPIPIA drives sluice report pipia (PIPL Arts. 55–56) as
// JSON, table and HTML against a running server: a dataset processed for a
// profiling purpose calls for an assessment under Art. 55(2), kept 3 years
// (Art. 56).
func TestCLI_ReportPIPIA(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SLUICE_DATA_DIR": dir}
	mustInit(t, env)
	if code, _, errOut := runCLI(t, env, "", "org", "create", "--name", "cn-shop", "--region", "CN"); code != 0 {
		t.Fatalf("org create: %s", errOut)
	}
	_, out, _ := runCLI(t, env, "", "key", "create", "--org", "cn-shop", "--role", "owner")
	key := strings.TrimSpace(out)
	m := MustRunMain(t, dir)
	post := func(path, body string) {
		t.Helper()
		req, _ := http.NewRequest("POST", m.URL()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
	}
	post("/v1/purposes", `{"name":"scoring","legal_basis":"contract","retention_days":30,"profiling":true}`)
	post("/v1/datasets", `{"name":"orders","purposes":["scoring"],"subject_field":"phone"}`)
	cenv := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": key}
	code, out, errOut := runCLI(t, cenv, "", "report", "pipia", "--org", "1", "--format", "json")
	if code != 0 || !strings.Contains(out, `"ref": "PIPL Art. 55(2)"`) || !strings.Contains(out, `"keep_ref": "PIPL Art. 56 ¶2"`) {
		t.Fatalf("report pipia json: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, cenv, "", "report", "pipia", "--org", "1", "--format", "table")
	if code != 0 || !strings.Contains(out, "1 impact assessments") || !strings.Contains(out, "automated_decision-1-1") {
		t.Fatalf("report pipia table: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, cenv, "", "report", "pipia", "--org", "1", "--format", "html")
	if code != 0 || !strings.Contains(out, "<h2>automated_decision-1-1: using personal information for automated decision-making</h2>") ||
		!strings.Contains(out, "To be completed by the processor") {
		t.Fatalf("report pipia html: %d %q %q", code, out, errOut)
	}
	if code, _, _ = runCLI(t, cenv, "", "report", "pipia", "--org", "1", "--format", "pdf"); code != 2 {
		t.Errorf("--format pdf: exit %d, want 2", code)
	}
}
