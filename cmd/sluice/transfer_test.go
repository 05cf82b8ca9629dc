package main

import (
	"encoding/csv"
	"regexp"
	"strings"
	"testing"
)

func TestCLI_Transfer(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SLUICE_DATA_DIR": dir}
	mustInit(t, env)
	if code, _, errOut := runCLI(t, env, "", "org", "create", "--name", "cn-rides", "--region", "CN"); code != 0 {
		t.Fatalf("org create: %s", errOut)
	}
	code, out, errOut := runCLI(t, env, "", "key", "create", "--org", "cn-rides", "--role", "owner")
	if code != 0 {
		t.Fatalf("key create: %s", errOut)
	}
	key := strings.TrimSpace(out)
	m := MustRunMain(t, dir)
	id := createDataset(t, m.URL(), key, "trips", "phone")
	cenv := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": key}
	if code, _, errOut := runCLI(t, cenv, "phone,fare\n13800138000,12\n13900139000,30\n13700137000,7\n", "ingest", "--dataset", id, "--format", "csv", "-"); code != 0 {
		t.Fatalf("ingest: %s", errOut)
	}

	code, out, errOut = runCLI(t, cenv, "", "transfer", "create", "--dataset", id, "--fields", "phone,fare", "--country", "US",
		"--recipient", "Acme Inc.", "--legal-basis", "contract")
	m1 := regexp.MustCompile(`^Transfer (\d+) of dataset`).FindStringSubmatch(out)
	if code != 0 || m1 == nil || !strings.Contains(out, "route EXEMPT, ready") || !strings.Contains(out, "3 people") {
		t.Fatalf("transfer create: %d %q %q", code, out, errOut)
	}
	tid := m1[1]
	if code, out, _ = runCLI(t, cenv, "", "transfer", "list"); code != 0 || !strings.Contains(out, "ready") || !strings.Contains(out, "Acme Inc.") {
		t.Fatalf("transfer list: %d %q", code, out)
	}
	code, out, errOut = runCLI(t, cenv, "", "transfer", "export", tid)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) != 4 || rows[0][1] != "fare" || !strings.Contains(errOut, "Exported 3 records of 3 people") {
		t.Fatalf("transfer export: %d %q %q", code, out, errOut)
	}
	if code, out, _ = runCLI(t, cenv, "", "transfer", "counters", "--format", "table"); code != 0 || !strings.Contains(out, "99997 more before SCC_OR_CERT") {
		t.Fatalf("transfer counters: %d %q", code, out)
	}
	code, _, errOut = runCLI(t, cenv, "", "transfer", "evidence", "--kind", "scc_filing", "--reference", "F-1",
		"--valid-from", "2026-01-02", "--filed-on", "2026-01-05", tid)
	if code != 1 || !strings.Contains(errOut, "needs no evidence") && !strings.Contains(errOut, "awaiting") {
		t.Fatalf("evidence on a ready transfer: %d %q", code, errOut)
	}
	if code, out, _ = runCLI(t, cenv, "", "transfer", "revoke", "--reason", "done", tid); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("transfer revoke: %d %q", code, out)
	}
	if code, _, errOut = runCLI(t, cenv, "", "transfer", "export", tid); code != 1 || !strings.Contains(errOut, "revoked") {
		t.Fatalf("export of a revoked transfer: %d %q", code, errOut)
	}
	if code, _, _ = runCLI(t, cenv, "", "transfer", "export"); code != 2 {
		t.Fatalf("export without an id: exit %d, want 2", code)
	}
}
