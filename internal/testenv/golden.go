package testenv

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with what the tests produce")

// Golden compares got with the golden file testdata/name.golden of the
// test's package, or writes it when the test runs with -update.
func Golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run the test with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from %s (run with -update to accept it):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// GoldenJSON indents the JSON text got, after scrub replaced what varies
// between runs (ids, keys, times) in its decoded form, and compares it
// with the golden file testdata/name.golden (see Golden).
func GoldenJSON(tb testing.TB, name string, got []byte, scrub func(v any)) {
	tb.Helper()
	var v any
	if err := json.Unmarshal(got, &v); err != nil {
		tb.Fatalf("%s: %v: %s", name, err, got)
	}
	if scrub != nil {
		scrub(v)
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	Golden(tb, name, append(out, '\n'))
}
