package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCLI_Incident drives sluice incident open, update and close against
// a running server: the CAC's 4-hour clock for a relatively major
// incident of an ordinary org, a report recorded, and a personal-
// information incident that closes only with its PIPL Art. 57 notice.
func TestCLI_Incident(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SLUICE_DATA_DIR": dir}
	mustInit(t, env)
	if code, _, errOut := runCLI(t, env, "", "org", "create", "--name", "cn-shop", "--region", "CN"); code != 0 {
		t.Fatalf("org create: %s", errOut)
	}
	code, out, errOut := runCLI(t, env, "", "key", "create", "--org", "cn-shop", "--role", "owner")
	if code != 0 {
		t.Fatalf("key create: %s", errOut)
	}
	m := MustRunMain(t, dir)
	cenv := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": strings.TrimSpace(out)}
	discovered := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	code, out, errOut = runCLI(t, cenv, "", "incident", "open", "--severity", "relatively_major", "--personal-data", "--subjects", "1200",
		"--discovered", discovered, "--description", "orders table exposed")
	mm := regexp.MustCompile(`^Incident (\d+): open`).FindStringSubmatch(out)
	if code != 0 || mm == nil || !strings.Contains(out, "cn.report.other: tell the provincial cyberspace administration, due") || !strings.Contains(out, "cn.pipl57.individuals") {
		t.Fatalf("incident open: %d %q %q", code, out, errOut)
	}
	id := mm[1]
	if code, out, errOut = runCLI(t, cenv, "", "incident", "update", "--reported", "cn.report.other", id); code != 0 || !strings.Contains(out, "reported") {
		t.Fatalf("incident update: %d %q %q", code, out, errOut)
	}
	if code, _, errOut = runCLI(t, cenv, "", "incident", "close", id); code != 1 || !strings.Contains(errOut, "PIPL Art. 57") {
		t.Fatalf("close without notice: %d %q", code, errOut)
	}
	if code, _, errOut = runCLI(t, cenv, "", "incident", "update", "--notice-kinds", "user.contact.phone_number", "--cause", "open bucket",
		"--harm", "phishing", "--remedies", "closed", "--subject-actions", "beware of calls", "--contact", "dpo@example.cn", id); code != 0 {
		t.Fatalf("notice: %d %q", code, errOut)
	}
	if code, out, errOut = runCLI(t, cenv, "", "incident", "close", id); code != 0 || !strings.Contains(out, "closed") {
		t.Fatalf("incident close: %d %q %q", code, out, errOut)
	}
}

// TestCLI_Reports drives sluice report processing (GDPR Art. 30, PIPL
// Art. 55) as JSON and HTML, and sluice report duties (PIPL Art. 52)
// against a running server.
func TestCLI_Reports(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SLUICE_DATA_DIR": dir}
	mustInit(t, env)
	if code, _, errOut := runCLI(t, env, "", "org", "create", "--name", "cn-shop", "--region", "CN"); code != 0 {
		t.Fatalf("org create: %s", errOut)
	}
	_, out, _ := runCLI(t, env, "", "key", "create", "--org", "cn-shop", "--role", "owner")
	key := strings.TrimSpace(out)
	m := MustRunMain(t, dir)
	createDataset(t, m.URL(), key, "orders", "phone")
	cenv := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": key}
	code, out, errOut := runCLI(t, cenv, "", "report", "processing", "--org", "1")
	if code != 0 || !strings.Contains(out, `"ref": "PIPL Arts. 55–56"`) || !strings.Contains(out, `"name": "orders"`) {
		t.Fatalf("report processing: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, cenv, "", "report", "processing", "--org", "1", "--format", "html")
	if code != 0 || !strings.Contains(out, "<h2>Dataset 1: orders</h2>") {
		t.Fatalf("report processing html: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, cenv, "", "report", "duties", "--org", "1")
	if code != 0 || !strings.Contains(out, "0 people") || !strings.Contains(out, "cn.pipo (") || !strings.Contains(out, "does not apply") {
		t.Fatalf("report duties: %d %q %q", code, out, errOut)
	}
}
