package main

import (
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice/internal/testenv"
)

// TestCLI_HelpGolden holds the help text of sluice and of every command
// to testdata/help*.golden: a change to a flag, a default or an example
// shows in review. Refresh with go test ./cmd/sluice -run HelpGolden -update.
func TestCLI_HelpGolden(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "", "--help")
	if code != 0 {
		t.Fatalf("sluice --help: %d %q", code, errOut)
	}
	testenv.Golden(t, "help", []byte(out))
	for _, c := range commands {
		code, out, errOut := runCLI(t, nil, "", append(strings.Fields(c.name), "--help")...)
		if code != 0 {
			t.Errorf("%s --help: %d %q", c.name, code, errOut)
			continue
		}
		testenv.Golden(t, "help-"+strings.ReplaceAll(c.name, " ", "-"), []byte(out))
	}
}
