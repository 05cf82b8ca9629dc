package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// demoMain starts a server over a fresh data directory seeded with the
// demo, and returns it with the cn-rides owner's key.
func demoMain(t *testing.T) (*Main, string) {
	t.Helper()
	m := MustRunMain(t, t.TempDir())
	var out bytes.Buffer
	if err := seedDemo(context.Background(), m, &out); err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`owner key: (\S+)`).FindAllStringSubmatch(out.String(), -1)
	if len(keys) == 0 {
		t.Fatalf("no owner key in the demo's output: %s", out.String())
	}
	return m, keys[0][1]
}

// mustKey makes an org in CN and a key of role for it.
func mustKey(t *testing.T, m *Main, name string, role sluice.Role) string {
	t.Helper()
	ctx := context.Background()
	org := &sluice.Org{Name: name, Region: "CN"}
	if err := m.Stores.Orgs.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	token, err := m.Stores.Keys.CreateKey(ctx, &sluice.APIKey{OrgID: org.ID, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestCLI_Govern(t *testing.T) {
	m, owner := demoMain(t)
	consumer := mustKey(t, m, "cn-insure", sluice.RoleConsumer)
	oenv := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": owner}
	cenv := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": consumer}
	run := func(env map[string]string, stdin string, wantCode int, args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, env, stdin, args...)
		if code != wantCode {
			t.Fatalf("sluice %s: exit %d, want %d\nstdout %s\nstderr %s", strings.Join(args, " "), code, wantCode, out, errOut)
		}
		return out + errOut
	}

	// Datasets: JSON when not on a terminal, CSV and JSONL on request.
	var list struct {
		Datasets []sluice.Dataset `json:"datasets"`
	}
	if err := json.Unmarshal([]byte(run(oenv, "", 0, "dataset", "list")), &list); err != nil || len(list.Datasets) != 1 {
		t.Fatalf("dataset list: %v %+v", err, list)
	}
	if out := run(oenv, "", 0, "dataset", "list", "--format", "csv"); !strings.HasPrefix(out, "id,name,region,records,subjects,grade,subject_field\n1,trips,CN,500,") {
		t.Errorf("dataset list --format csv: %q", out)
	}
	if out := run(oenv, "", 0, "dataset", "show", "1", "--format", "table"); !strings.Contains(out, "records:       500") || !strings.Contains(out, "subjects:") {
		t.Errorf("dataset show: %q", out)
	}
	run(oenv, "", exitNotFound, "dataset", "show", "99")
	run(oenv, "", exitUsage, "dataset", "show")
	run(oenv, "", exitUsage, "dataset", "list", "--format", "yaml")
	if out := run(oenv, "", 0, "dataset", "fields", "1", "--format", "jsonl"); strings.Count(out, "\n") != 9 || !strings.Contains(out, `"name":"rider_phone"`) {
		t.Errorf("dataset fields --format jsonl: %q", out)
	}
	if out := run(oenv, "", 0, "dataset", "confirm-field", "1", "rider_phone", "--format", "table"); !strings.Contains(out, "confirmed: user.contact.phone_number") {
		t.Errorf("confirm-field: %q", out)
	}
	run(oenv, "", exitNotFound, "dataset", "confirm-field", "1", "no_such_field")
	if out := run(oenv, "", 0, "dataset", "create", "--name", "payments", "--purpose", "billing", "--subject-field", "phone", "--format", "table"); !strings.Contains(out, `Created dataset 3 "payments" in region CN.`) {
		t.Errorf("dataset create: %q", out)
	}

	// Purposes, a grant, a decision, consents. The demo's consumer asked
	// for grant 1; the grants asked for here are 2 and 3.
	run(cenv, "", exitNotFound, "purpose", "list")
	run(cenv, "", 0, "purpose", "create", "--name", "claims", "--legal-basis", "contract", "--retention-days", "30")
	if out := run(cenv, "", 0, "purpose", "list", "--format", "csv"); !strings.Contains(out, "claims,contract,-,30") {
		t.Errorf("purpose list: %q", out)
	}
	run(cenv, "", 0, "grant", "request", "--dataset", "1", "--fields", "trip_id,rider_phone,fare_cny", "--purpose", "claims", "--justification", "claims")
	run(oenv, "", 0, "grant", "approve", "2")
	out := run(cenv, "", 0, "decide", "--dataset", "1", "--grant", "2", "--format", "table")
	if !strings.Contains(out, "rider_phone") || !strings.Contains(out, "mask(3,4)") || !strings.Contains(out, "3 of 3 fields would be served") {
		t.Errorf("decide: %q", out)
	}
	run(cenv, "", exitNotFound, "decide", "--dataset", "1", "--grant", "2", "--fields", "rider_id_number", "--fail-on-deny")
	// "clear" on a field of personal information is the identified-data
	// exception, claimed with --identified, not an operator to slip in.
	run(cenv, "", 0, "grant", "request", "--dataset", "1", "--fields", "rider_id_number,fare_cny", "--purpose", "claims", "--justification", "claims")
	if out := run(oenv, "", exitErr, "grant", "approve", "--fields", "rider_id_number=clear,fare_cny", "3"); !strings.Contains(out, "--identified") || !strings.Contains(out, "Arts. 26–27") {
		t.Errorf("approve with clear on an ID number: %q", out)
	}
	run(oenv, "", 0, "grant", "approve", "--fields", "rider_id_number=mask(6,4),fare_cny=clear", "3")

	// A region without a transfer rule pack is said to be one.
	denv := map[string]string{"SLUICE_DATA_DIR": m.Config.Store.DataDir}
	if out := run(denv, "", 0, "org", "create", "--name", "us-co", "--region", "US"); !strings.Contains(out, "no transfer rule pack covers region US") {
		t.Errorf("org create in US: %q", out)
	}

	run(oenv, "", exitNotFound, "consent", "list")
	run(oenv, "", 0, "consent", "record", "--subject", "13800138000", "--purpose", "claims", "--evidence", "form 7")
	run(oenv, "", 0, "consent", "withdraw", "--subject", "13800138000", "--purpose", "claims")
	if out := run(oenv, "", 0, "consent", "list", "--subject", "13800138000", "--format", "csv"); !strings.Contains(out, ",claims,-,consent,") || !strings.Contains(out, ",claims,-,withdrawal,") {
		t.Errorf("consent list: %q", out)
	}
	run(oenv, "", exitUsage, "consent", "record", "--purpose", "claims")

	// Policies: tested offline, installed, read back.
	file := filepath.Join(t.TempDir(), "p.cedar")
	os.WriteFile(file, []byte(`forbid (principal, action, resource) when { context.purpose == "marketing" };`+"\n"), 0o600)
	if out := run(nil, "", 0, "policy", "test", file, "--format", "table"); !strings.Contains(out, "1 policy, valid") {
		t.Errorf("policy test: %q", out)
	}
	bad := filepath.Join(t.TempDir(), "bad.cedar")
	os.WriteFile(bad, []byte("permit (principal, action, resource) when { nonsense"), 0o600)
	if out := run(nil, "", exitErr, "policy", "test", bad); !strings.Contains(out, "bad.cedar") {
		t.Errorf("policy test of a bad file: %q", out)
	}
	run(oenv, "", 0, "policy", "put", file)
	if out := run(oenv, "", 0, "policy", "get", "--text"); !strings.Contains(out, "marketing") {
		t.Errorf("policy get --text: %q", out)
	}
	if out := run(oenv, "", 0, "policy", "get", "--format", "csv"); !strings.Contains(out, "policy0,forbid,1,all") {
		t.Errorf("policy get: %q", out)
	}
}

// TestCLI_PurposeCreate_SpecialCategory: purpose create carries the GDPR
// Art. 9(2) condition and the profiling flag (Shenzhen Data Regulations
// Arts. 28–30) to the server, which checks the condition against the
// regime of the org's region.
func TestCLI_PurposeCreate_SpecialCategory(t *testing.T) {
	m := MustRunMain(t, t.TempDir())
	ctx := context.Background()
	eu := &sluice.Org{Name: "eu-clinic", Region: "EU"}
	if err := m.Stores.Orgs.CreateOrg(ctx, eu); err != nil {
		t.Fatal(err)
	}
	euKey, err := m.Stores.Keys.CreateKey(ctx, &sluice.APIKey{OrgID: eu.ID, Role: sluice.RoleOwner})
	if err != nil {
		t.Fatal(err)
	}
	cnKey := mustKey(t, m, "cn-rides", sluice.RoleOwner)

	code, out, errOut := runCLI(t, map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": euKey}, "", "purpose", "create",
		"--name", "care", "--legal-basis", "legitimate_interests", "--retention-days", "30", "--special-category-condition", "health_care", "--profiling", "--format", "json")
	if code != 0 {
		t.Fatalf("purpose create: exit %d: %s", code, errOut)
	}
	var p sluice.Purpose
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if p.SpecialCategoryCondition != "health_care" || !p.Profiling {
		t.Errorf("purpose = %+v, want condition health_care and profiling", p)
	}

	// A condition that is not one of Art. 9(2)(a)–(j) or Art. 10 is refused.
	code, _, errOut = runCLI(t, map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": euKey}, "", "purpose", "create",
		"--name", "care2", "--legal-basis", "legitimate_interests", "--retention-days", "30", "--special-category-condition", "because")
	if code == 0 || !strings.Contains(errOut, "Art. 9(2)") {
		t.Errorf("unknown condition: exit %d, stderr %q", code, errOut)
	}
	// Data of a CN org is not governed by the GDPR: no Art. 9(2) condition.
	code, _, errOut = runCLI(t, map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": cnKey}, "", "purpose", "create",
		"--name", "care", "--legal-basis", "contract", "--retention-days", "30", "--special-category-condition", "health_care")
	if code == 0 || !strings.Contains(errOut, "GDPR") {
		t.Errorf("CN org with an Art. 9(2) condition: exit %d, stderr %q", code, errOut)
	}
}
