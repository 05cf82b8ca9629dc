package processing

import (
	"strings"
	"testing"
)

// TestPIPIARules_PIPLArt56 checks the embedded rules: every processing
// PIPL Art. 55 lists that sluice finds has its trigger, the three contents
// of Art. 56(1)–(3) are there, and the report is kept 3 years (Art. 56 ¶2).
func TestPIPIARules_PIPLArt56(t *testing.T) {
	r, err := DefaultPIPIARules()
	if err != nil {
		t.Fatal(err)
	}
	if r.KeepYears() != 3 || r.file.Keep.ref() != "PIPL Art. 56 ¶2" {
		t.Errorf("keep %d years under %q, want 3 under PIPL Art. 56 ¶2", r.KeepYears(), r.file.Keep.ref())
	}
	want := map[string]string{"export": "PIPL Art. 55(4)", "provide_sensitive": "PIPL Art. 55(1), (3)", "automated_decision": "PIPL Art. 55(2)"}
	for kind, ref := range want {
		if tr := r.trigger(kind); tr == nil || tr.ref() != ref {
			t.Errorf("trigger %s: %+v, want %s", kind, tr, ref)
		}
	}
	if len(r.file.Contents) != 3 {
		t.Errorf("contents %+v, want Art. 56(1)–(3)", r.file.Contents)
	}
	if got := r.volume(150000); len(got) != 1 || got[0].ID != "volume.100k" {
		t.Errorf("volume(150000) = %+v", got)
	}
}

// TestLoadPIPIARules_Errors checks that a bad rule file is refused,
// naming what is wrong.
func TestLoadPIPIARules_Errors(t *testing.T) {
	good := string(pipiaJSON)
	for _, c := range []struct{ name, from, to, want string }{
		{"unknown condition", `"when": "minors"`, `"when": "children"`, `condition "children"`},
		{"no confidence", `"confidence": "checked", "effective_from": "2021-11-01",
           "note": "The impact`, `"confidence": "sure", "effective_from": "2021-11-01",
           "note": "The impact`, `keep: confidence "sure"`},
		{"keep zero years", `"keep": {"years": 3`, `"keep": {"years": 0`, "years must be at least 1"},
		{"unknown kind", `"kind": "export"`, `"kind": "publish"`, `trigger kind "publish"`},
		{"unknown field", `"version": "2026.1"`, `"version": "2026.1", "extra": 1`, `unknown field "extra"`},
	} {
		bad := strings.Replace(good, c.from, c.to, 1)
		if bad == good {
			t.Fatalf("%s: the substitution did not apply", c.name)
		}
		if _, err := LoadPIPIARules([]byte(bad)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %q", c.name, err, c.want)
		}
	}
}
