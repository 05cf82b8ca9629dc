package main

import (
	"strings"
	"testing"
)

// sluice dataset important (O16 Art. 2): a notice needs its reference,
// authority and date together, and --clear takes none of them.
func TestCLI_DatasetImportantFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--notice", "GD-1"}, "go together"},
		{[]string{"--notice", "GD-1", "--authority", "CAC", "--date", "2026-03-01", "--clear"}, "--clear takes no"},
	} {
		code, _, errOut := runCLI(t, nil, "", append([]string{"dataset", "important", "1"}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errOut)
		}
	}
}
