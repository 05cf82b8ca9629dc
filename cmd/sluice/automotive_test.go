package main

import (
	"strings"
	"testing"
)

// TestCLI_Automotive drives sluice dataset create and dataset declare with
// the automotive classes (Automotive Provisions Art. 3(3), 3(4)), and
// sluice report automotive (the annual report, due 15 December) as table,
// JSON and HTML against a running server.
func TestCLI_Automotive(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SLUICE_DATA_DIR": dir}
	mustInit(t, env)
	if code, _, errOut := runCLI(t, env, "", "org", "create", "--name", "cn-cars", "--region", "CN", "--sector", "automotive"); code != 0 {
		t.Fatalf("org create: %s", errOut)
	}
	_, out, _ := runCLI(t, env, "", "key", "create", "--org", "cn-cars", "--role", "owner")
	key := strings.TrimSpace(out)
	m := MustRunMain(t, dir)
	cenv := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": key}

	// Art. 3(3): charging-network data, declared at creation.
	code, out, errOut := runCLI(t, cenv, "", "dataset", "create", "--name", "sessions", "--purpose", "charging", "--subject-field", "vin",
		"--charging-network", "--format", "json")
	if code != 0 || !strings.Contains(out, `"charging_network": true`) || !strings.Contains(out, `"grade": "important"`) {
		t.Fatalf("dataset create --charging-network: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, cenv, "", "dataset", "create", "--name", "cameras", "--purpose", "assistance", "--subject-field", "vin", "--format", "json")
	if code != 0 || strings.Contains(out, `"automotive"`) || !strings.Contains(out, `"grade": "general"`) {
		t.Fatalf("dataset create: %d %q %q", code, out, errOut)
	}
	// Art. 3(4): exterior images showing plates, declared later.
	code, out, errOut = runCLI(t, cenv, "", "dataset", "declare", "2", "--exterior-images", "plates", "--format", "table")
	if code != 0 || !strings.Contains(out, "exterior_images=plates") || !strings.Contains(out, "important") {
		t.Fatalf("dataset declare: %d %q %q", code, out, errOut)
	}
	if code, _, errOut = runCLI(t, cenv, "", "dataset", "declare", "2", "--exterior-images", "people"); code == 0 || !strings.Contains(errOut, "exterior_images") {
		t.Fatalf("dataset declare with an unknown type: %d %q", code, errOut)
	}

	code, out, errOut = runCLI(t, cenv, "", "report", "automotive", "--org", "1", "--year", "2026")
	if code != 0 || !strings.Contains(out, "due 2026-12-15") || !strings.Contains(out, "Important data: 2 of 2 datasets") ||
		!strings.Contains(out, "AUTO Art. 3(3)") || !strings.Contains(out, "To be completed by the processor:") {
		t.Fatalf("report automotive: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, cenv, "", "report", "automotive", "--format", "json") // the key's org
	if code != 0 || !strings.Contains(out, `"security_head": "to be completed by the processor"`) || !strings.Contains(out, `"class": "cn.auto.exterior_images"`) {
		t.Fatalf("report automotive json: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, cenv, "", "report", "automotive", "--org", "1", "--format", "html")
	if code != 0 || !strings.Contains(out, "<h1>Annual report of automotive data security management, ") || !strings.Contains(out, "AUTO Art. 3(4)") {
		t.Fatalf("report automotive html: %d %q %q", code, out, errOut)
	}
	if code, _, _ = runCLI(t, cenv, "", "report", "automotive", "--format", "pdf", "--org", "1"); code != 2 {
		t.Fatalf("report automotive --format pdf: exit %d, want 2", code)
	}
}
