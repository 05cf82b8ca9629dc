//go:build !race

package route

import "testing"

// TestRules_Decide_NoAlloc checks that a valid decision allocates nothing,
// on every route. (The race detector adds allocations, hence the build
// tag.)
func TestRules_Decide_NoAlloc(t *testing.T) {
	r := Default()
	for _, in := range []Input{
		cn("2026-11-26", ytd(99999, 0)),
		cn("2026-11-26", ytd(100000, 0), exempt("trade")),
		cn("2026-11-26", important),
		cn("2026-11-26", kind(KindForeignJudicial)),
		cn("2026-11-26", creditAgency),
		cn("2023-05-01", prev(100000, 0)),
		eu("2026-11-26", "US", inScope),
		eu("2026-11-26", "CN"),
		eu("2026-11-26", "IN", derog("explicit_consent")),
	} {
		if n := testing.AllocsPerRun(100, func() { _, _ = r.Decide(&in, testNow) }); n != 0 {
			d, _ := r.Decide(&in, testNow)
			t.Errorf("%s: %v allocations per decision, want 0", d, n)
		}
	}
}
