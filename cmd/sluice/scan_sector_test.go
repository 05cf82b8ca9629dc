package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// JR/T 0197-2020 §5 and GB/T 39725-2020 §6: with --sector, scan shows each
// file's class and level in the sector's standard beside its grade.
func TestRunScan_SectorLevels(t *testing.T) {
	dir := t.TempDir()
	p := writeScanFile(t, dir, "people.csv", scanPeople)
	code, out, errs := runScanCLI(t, "", "--format", "json", "--sector", "bank", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Files []struct {
			Grade   string `json:"grade"`
			Sectors []struct {
				Sector, Entry, Class, Confidence string
				Level                            int
				Fields                           []string
			} `json:"sectors"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	s := got.Files[0].Sectors
	if len(s) != 1 || s[0].Sector != "finance" || s[0].Level != 3 || s[0].Entry != "jrt0197.level3.c2" || len(s[0].Fields) != 2 {
		t.Fatalf("sectors = %+v, want finance level 3 for the phone and ID fields", s)
	}
	if got.Files[0].Grade != "general" {
		t.Errorf("grade %s", got.Files[0].Grade)
	}
	code, out, _ = runScanCLI(t, "", "--sector", "hospital", p)
	if code != 0 || !strings.Contains(out, "health: personal attribute data, level 4") || !strings.Contains(out, "GB/T 39725-2020") {
		t.Errorf("table:\n%s", out)
	}
	code, out, _ = runScanCLI(t, "", "--format", "html", "--sector", "hospital", p)
	if code != 0 || !strings.Contains(out, "personal attribute data, level 4") {
		t.Errorf("html lacks the sector level")
	}
	// Without a sector nothing is shown.
	if _, out, _ = runScanCLI(t, "", "--format", "json", p); strings.Contains(out, `"sectors"`) {
		t.Errorf("sectors shown without --sector")
	}
}

// A --catalog file with a bad sector entry stops the scan with the file,
// line, entry and field.
func TestRunScan_SectorCatalogError(t *testing.T) {
	dir := t.TempDir()
	p := writeScanFile(t, dir, "people.csv", scanPeople)
	cat := writeScanFile(t, dir, "region.json", `{"sectors":[{"sector":"health","entries":[
{"id":"r1","categories":["user.nope"],"grade":"important","instrument":"Region catalogue","clause":"1","confidence":"verified","effective_from":"2025-01-01"}]}]}`)
	code, _, errs := runScanCLI(t, "", "--catalog", cat, p)
	if code != 1 || !strings.Contains(errs, `region.json:2: sector health, entry "r1": field "categories": unknown category "user.nope"`) {
		t.Errorf("exit %d: %s", code, errs)
	}
}
