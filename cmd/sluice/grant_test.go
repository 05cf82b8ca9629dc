package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
)

func TestCLI_Grant(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SLUICE_DATA_DIR": dir}
	mustInit(t, env)
	mustRun := func(env map[string]string, args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, env, "", args...)
		if code != 0 {
			t.Fatalf("sluice %s: %d %q %q", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	mustRun(env, "org", "create", "--name", "cn-rides", "--region", "CN")
	mustRun(env, "org", "create", "--name", "city-police", "--region", "CN", "--kind", "domestic_authority")
	if out := mustRun(env, "org", "list"); !strings.Contains(out, "domestic_authority") {
		t.Fatalf("org list: %q", out)
	}
	if code, _, errOut := runCLI(t, env, "", "org", "create", "--name", "spy", "--region", "CN", "--kind", "spy"); code != 1 || !strings.Contains(errOut, "kind") {
		t.Fatalf("bad kind: %d %q", code, errOut)
	}
	owner := strings.TrimSpace(mustRun(env, "key", "create", "--org", "cn-rides", "--role", "owner"))
	police := strings.TrimSpace(mustRun(env, "key", "create", "--org", "city-police", "--role", "consumer"))

	m := MustRunMain(t, dir)
	id := createDataset(t, m.URL(), owner, "trips", "phone")
	file := filepath.Join(t.TempDir(), "trips.csv")
	os.WriteFile(file, []byte("phone,name,city\n13800138000,张三,北京\n"), 0o644)
	oenv := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": owner}
	penv := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": police}
	mustRun(oenv, "ingest", "--dataset", id, file)
	req, _ := http.NewRequest("POST", m.URL()+"/v1/purposes", strings.NewReader(`{"name":"investigation","legal_basis":"statutory_duty","retention_days":365}`))
	req.Header.Set("Authorization", "Bearer "+police)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 201 {
		t.Fatalf("purpose: %v %v", resp, err)
	}

	out := mustRun(penv, "grant", "request", "--dataset", id, "--fields", "phone,name,city", "--purpose", "investigation",
		"--justification", "case 2026-17", "--written-request", "SZPSB-2026-17", "--days", "7")
	if !strings.Contains(out, "Asked for grant 1") || !strings.Contains(out, "pending") {
		t.Fatalf("grant request: %q", out)
	}
	if out = mustRun(oenv, "grant", "list", "--status", "pending"); !strings.Contains(out, "investigation") || !strings.Contains(out, "statutory_duty") {
		t.Fatalf("grant list: %q", out)
	}
	code, _, errOut := runCLI(t, penv, "", "grant", "approve", "1")
	if code != 1 || !strings.Contains(errOut, "consumer key cannot") {
		t.Fatalf("approve with a consumer key: %d %q", code, errOut)
	}
	out = mustRun(oenv, "grant", "approve", "--fields", "phone=mask(3,4),name", "--days", "3", "1")
	if !strings.Contains(out, "Approved grant 1: phone=mask(3,4) name") {
		t.Fatalf("grant approve: %q", out)
	}
	var list struct{ Grants []*sluice.Grant }
	if err := json.Unmarshal([]byte(mustRun(penv, "grant", "list", "--json")), &list); err != nil || len(list.Grants) != 1 ||
		list.Grants[0].Status != sluice.GrantApproved || list.Grants[0].WrittenRequestRef != "SZPSB-2026-17" {
		t.Fatalf("grant list --json: %+v %v", list, err)
	}
	if code, _, errOut = runCLI(t, oenv, "", "grant", "deny", "1"); code != 2 || !strings.Contains(errOut, "--reason is required") {
		t.Fatalf("deny without reason: %d %q", code, errOut)
	}
	if code, _, errOut = runCLI(t, oenv, "", "grant", "deny", "--reason", "no", "1"); code != 1 || !strings.Contains(errOut, "not pending") {
		t.Fatalf("deny an approved grant: %d %q", code, errOut)
	}
	if out = mustRun(penv, "grant", "revoke", "--reason", "case closed", "1"); !strings.Contains(out, "Grant 1 is revoked") {
		t.Fatalf("grant revoke: %q", out)
	}
	if code, _, errOut = runCLI(t, penv, "", "grant", "revoke", "x"); code != 2 || !strings.Contains(errOut, "not a grant id") {
		t.Fatalf("bad id: %d %q", code, errOut)
	}
}

func TestParseGrantFields(t *testing.T) {
	got, err := parseGrantFields("phone=mask(3,4), name ,loc=generalize(city)")
	if err != nil || len(got) != 3 || got[0] != (sluice.GrantField{Name: "phone", Op: "mask(3,4)"}) || got[1].Name != "name" || got[2].Op != "generalize(city)" {
		t.Fatalf("got %+v %v", got, err)
	}
	if _, err := parseGrantFields("a,,b"); err == nil {
		t.Fatal("empty entry accepted")
	}
}

// TestCLI_IDArguments checks that every command taking one id names the
// kind of id it wanted when given something else.
func TestCLI_IDArguments(t *testing.T) {
	env := map[string]string{"SLUICE_URL": "http://127.0.0.1:1", "SLUICE_KEY": "sk_unused"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"grant", "approve", "x"}, `sluice grant approve: "x" is not a grant id`},
		{[]string{"transfer", "export", "0"}, `sluice transfer export: "0" is not a transfer id`},
		{[]string{"incident", "close", "x"}, `sluice incident close: "x" is not an incident id`},
		{[]string{"incident", "close"}, "sluice incident close: give one incident id"},
		{[]string{"dataset", "show", "one"}, `sluice dataset show: "one" is not a dataset id`},
	} {
		if code, _, errOut := runCLI(t, env, "", tc.args...); code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("sluice %s: exit %d, %q; want 2 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}
