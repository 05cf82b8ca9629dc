package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice/classify"
)

// runScanCLI runs `sluice scan args...` with buffers for its streams.
func runScanCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code := Run(context.Background(), env, append([]string{"scan"}, args...))
	return code, out.String(), errb.String()
}

const scanPeople = "姓名,手机,身份证,备注\n" +
	"张伟,13812345678,11010519491231002X,VIP\n" +
	"李娜,+86 139 1234 5678,,\n" +
	"王芳,15012345678,440305199001011248,常客\n" +
	"刘洋,18612345678,,\n"

func writeScanFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// keysOf returns the sorted keys of a JSON object.
func keysOf(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is not a JSON object", v)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestRunScan_JSON(t *testing.T) {
	dir := t.TempDir()
	p := writeScanFile(t, dir, "people.csv", scanPeople)
	code, out, errs := runScanCLI(t, "", "--format", "json", p)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	// The contract: exactly these keys at every level.
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, raw); !reflect.DeepEqual(got, []string{"as_of", "failed", "files"}) {
		t.Errorf("top-level keys %v", got)
	}
	file := raw["files"].([]any)[0]
	if got := keysOf(t, file); !reflect.DeepEqual(got, []string{"fields", "format", "grade", "path", "records"}) {
		t.Errorf("file keys %v", got)
	}
	for _, f := range file.(map[string]any)["fields"].([]any) {
		if got := keysOf(t, f); !reflect.DeepEqual(got, []string{"categories", "grade", "name", "sensitive", "sensitive_in"}) {
			t.Errorf("field keys %v", got)
		}
		for _, c := range f.(map[string]any)["categories"].([]any) {
			if got := keysOf(t, c); !reflect.DeepEqual(got, []string{"key", "matches", "ratio"}) {
				t.Errorf("category keys %v", got)
			}
		}
	}
	// And the values.
	none := []string{}
	want := scanJSON{AsOf: time.Now().Format("2006-01-02"), Files: []scanFileJSON{{
		Path: p, Format: "csv", Records: 4, Grade: "general",
		Fields: []scanFieldJSON{
			{Name: "姓名", Categories: cats("user.name", 4, 1), SensitiveIn: none, Grade: "general"},
			{Name: "手机", Categories: cats("user.contact.phone_number", 4, 1), SensitiveIn: none, Grade: "general"},
			{Name: "身份证", Categories: cats("user.government_id.national_identification_number", 2, 1), Sensitive: true, SensitiveIn: []string{"CN"}, Grade: "general"},
			{Name: "备注", Categories: cats("", 0, 0), SensitiveIn: none, Grade: "general"},
		},
	}}, Failed: []scanFailedJSON{}}
	wantJSON, _ := json.MarshalIndent(want, "", "  ")
	var got scanJSON
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	gotJSON, _ := json.MarshalIndent(got, "", "  ")
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("got\n%s\nwant\n%s", gotJSON, wantJSON)
	}
	if !strings.Contains(out, `"categories": []`) {
		t.Error("a field without categories must have an empty array, not null")
	}
}

func cats(key string, matches int64, ratio float64) []classify.CategoryMatch {
	if key == "" {
		return []classify.CategoryMatch{}
	}
	return []classify.CategoryMatch{{Key: key, Matches: matches, Ratio: ratio}}
}

func TestRunScan_Stdin(t *testing.T) {
	code, out, errs := runScanCLI(t, scanPeople, "--format", "json", "--sample", "2", "-")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	var got scanJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if f := got.Files[0]; f.Path != "-" || f.Records != 2 || f.Format != "csv" {
		t.Errorf("%+v", f)
	}
}

func TestRunScan_FailOn(t *testing.T) {
	dir := t.TempDir()
	p := writeScanFile(t, dir, "people.csv", scanPeople)
	t.Run("OKSensitive", func(t *testing.T) {
		code, _, errs := runScanCLI(t, "", "--fail-on", "sensitive", p)
		if code != exitFailOn || !strings.Contains(errs, `"身份证"`) {
			t.Errorf("exit %d, stderr %q; want %d naming the field", code, errs, exitFailOn)
		}
	})
	t.Run("OKImportantNotMet", func(t *testing.T) {
		if code, _, errs := runScanCLI(t, "", "--fail-on", "important", p); code != 0 {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
	t.Run("OKImportantByCatalog", func(t *testing.T) {
		cat := writeScanFile(t, dir, "cat.json", `{"categories": [{"key": "user.custom.vip", "name": "VIP flag", "pattern": "^VIP$", "grade": "important", "jurisdictions": {}}]}`)
		code, out, errs := runScanCLI(t, "", "--catalog", cat, "--fail-on", "important", p)
		if code != exitFailOn || !strings.Contains(out, "user.custom.vip") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
	})
}

func TestRunScan_Errors(t *testing.T) {
	dir := t.TempDir()
	good := writeScanFile(t, dir, "good.csv", scanPeople)
	bad := writeScanFile(t, dir, "bad.csv", "a,b\n1,2\n3\n")
	t.Run("ErrBadFileSkipped", func(t *testing.T) {
		code, out, errs := runScanCLI(t, "", "--format", "json", bad, good)
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		if !strings.Contains(errs, bad+": line 3") {
			t.Errorf("stderr %q does not name the file and line", errs)
		}
		if !strings.Contains(out, "good.csv") {
			t.Error("the good file was not reported")
		}
	})
	t.Run("ErrCatalogLine", func(t *testing.T) {
		cat := writeScanFile(t, dir, "bad.json", "{\"categories\": [\n  {\"key\": \"a.b\", \"name\": \"A\", \"detectors\": [\"nope\"]}\n]}")
		code, _, errs := runScanCLI(t, "", "--catalog", cat, good)
		if code != 1 || !strings.Contains(errs, cat+":2:") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
	for _, args := range [][]string{{}, {"--format", "xml", good}, {"--fail-on", "maybe", good}, {"--workers", "0", good}} {
		if code, _, _ := runScanCLI(t, "", args...); code != 2 {
			t.Errorf("scan %q: exit %d, want 2", args, code)
		}
	}
	if code, _, errs := runScanCLI(t, "", filepath.Join(dir, "missing.csv")); code != 1 || !strings.Contains(errs, "missing.csv") {
		t.Errorf("missing file: exit %d, stderr %q", code, errs)
	}
}

func TestRunScan_TableAndHTML(t *testing.T) {
	dir := t.TempDir()
	p := writeScanFile(t, dir, "people.csv", scanPeople)
	code, out, _ := runScanCLI(t, "", p)
	if code != 0 || !strings.Contains(out, "user.government_id.national_identification_number") || !strings.Contains(out, "FIELD") {
		t.Errorf("table: exit %d\n%s", code, out)
	}
	code, out, _ = runScanCLI(t, "", "--format", "html", p)
	if code != 0 || !strings.HasPrefix(out, "<!doctype html>") || !strings.Contains(out, "<style>") || !strings.Contains(out, "身份证") {
		t.Errorf("html: exit %d\n%.300s", code, out)
	}
	for _, ext := range []string{"<link", "<script", "src=", "href="} {
		if strings.Contains(out, ext) {
			t.Errorf("html report is not self-contained: has %s", ext)
		}
	}
}

func TestRunScan_AsOfMinorsAndFailed(t *testing.T) {
	dir := t.TempDir()
	// Birth dates in 2015: minors under 14 on 2025-11-21, adults on
	// 2035-01-01. The second file is not valid CSV.
	good := writeScanFile(t, dir, "pupils.csv", "出生日期,备注\n2015-03-04,a\n2015-07-08,b\n2014-12-30,c\n")
	bad := writeScanFile(t, dir, "broken.csv", "a,b\n1,\"x\n")
	for _, tc := range []struct {
		asOf   string
		minors int64
	}{{"2025-11-21", 3}, {"2035-01-01", 0}} {
		code, out, _ := runScanCLI(t, "", "--format", "json", "--as-of", tc.asOf, good, bad)
		if code != 1 {
			t.Fatalf("exit %d, want 1 for the broken file", code)
		}
		var got scanJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if got.AsOf != tc.asOf {
			t.Errorf("as_of %q, want %q", got.AsOf, tc.asOf)
		}
		if len(got.Failed) != 1 || got.Failed[0].Path != bad || got.Failed[0].Line == 0 || got.Failed[0].Error == "" {
			t.Errorf("failed %+v, want the broken file with its line", got.Failed)
		}
		f := got.Files[0].Fields[0]
		if f.Minors != tc.minors || (tc.minors > 0) != (len(f.SensitiveIn) > 0 && f.SensitiveIn[0] == "CN") {
			t.Errorf("as of %s: field %+v, want %d minors and CN sensitivity with them", tc.asOf, f, tc.minors)
		}
	}
	if code, _, errs := runScanCLI(t, "", "--as-of", "21/11/2025", good); code != 2 || !strings.Contains(errs, "--as-of") {
		t.Errorf("bad --as-of: exit %d, stderr %q", code, errs)
	}
}
