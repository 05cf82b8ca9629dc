package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFirstRun runs scripts/firstrun.sh, the README's first run, against
// the built binary: init, a server, a scan, an ingest, a grant and a read
// through it, with the CLI alone.
func TestFirstRun(t *testing.T) {
	bin := buildSluice(t)
	out, err := exec.Command("bash", "../../scripts/firstrun.sh", bin).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "first run: OK") {
		t.Fatalf("scripts/firstrun.sh: %v\n%s", err, out)
	}
}
