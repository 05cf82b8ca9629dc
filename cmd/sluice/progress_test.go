package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestProgress_ClearedBeforeNextLine: stopping the ingest bar erases its
// line, so what is printed next starts on a clean line; stopping twice is
// harmless.
func TestProgress_ClearedBeforeNextLine(t *testing.T) {
	var w bytes.Buffer
	p := &progressReader{r: strings.NewReader("abc")}
	stop := p.show(&w, 3)
	stop()
	stop()
	if !strings.HasSuffix(w.String(), "\r\033[K") {
		t.Fatalf("bar not cleared: %q", w.String())
	}
}

// TestProgress_NotATerminal: with output that is not a terminal, an
// ingest draws nothing.
func TestProgress_NotATerminal(t *testing.T) {
	m, owner := demoMain(t)
	env := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": owner}
	code, _, errOut := runCLI(t, env, "trip_id,rider_phone\nT9,13800138000\n", "ingest", "--dataset", "1", "--input-format", "csv", "-")
	if code != 0 || strings.ContainsAny(errOut, "\r\033") {
		t.Fatalf("ingest: %d %q", code, errOut)
	}
}
