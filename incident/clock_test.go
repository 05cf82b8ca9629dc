package incident

import (
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
)

// TestClocks checks the reporting clocks as the rules state them: under
// the CAC's incident reporting measures, for a relatively major incident
// or worse, 1 hour for a CIIO, 2 hours for a state organ, 4 hours for
// others, nothing for a general one; NDSR Art. 10's 24 hours for a risk to
// national security; PIPL Art. 57's notice to individuals; GDPR Art. 33's
// 72 hours to the authority and Art. 34's notice to subjects on high risk.
func TestClocks(t *testing.T) {
	r, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	inc := func(sev string, pd, high, ns bool) *sluice.Incident {
		return &sluice.Incident{Severity: sev, DiscoveredAt: at, PersonalData: pd, HighRisk: high, NationalSecurity: ns}
	}
	cn, ciio, organ := orgFacts{region: "CN"}, orgFacts{region: "CN", ciio: true}, orgFacts{region: "CN", stateOrgan: true}
	eu := orgFacts{region: "EU"}
	for _, tc := range []struct {
		name string
		x    *sluice.Incident
		o    orgFacts
		want map[string]time.Duration // clock → hours after discovery (-1: no time count)
	}{
		{"CIIO1h", inc("relatively_major", false, false, false), ciio, map[string]time.Duration{"cn.report.ciio": time.Hour}},
		{"StateOrgan2h", inc("major", false, false, false), organ, map[string]time.Duration{"cn.report.state_organ": 2 * time.Hour}},
		{"Others4h", inc("especially_major", false, false, false), cn, map[string]time.Duration{"cn.report.other": 4 * time.Hour}},
		{"GeneralNoCACReport", inc("general", false, false, false), cn, map[string]time.Duration{}},
		{"NDSRArt10_24h", inc("general", false, false, true), cn, map[string]time.Duration{"cn.ndsr10": 24 * time.Hour}},
		{"PIPLArt57Individuals", inc("relatively_major", true, false, false), cn, map[string]time.Duration{"cn.report.other": 4 * time.Hour, "cn.pipl57.individuals": -1}},
		{"GDPRArt33_72h", inc("general", true, false, false), eu, map[string]time.Duration{"eu.art33.authority": 72 * time.Hour}},
		{"GDPRArt34HighRisk", inc("general", true, true, false), eu, map[string]time.Duration{"eu.art33.authority": 72 * time.Hour, "eu.art34.subjects": -1}},
		{"EUNotPersonal", inc("major", false, false, false), eu, map[string]time.Duration{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := r.clocks(tc.x, tc.o, nil)
			if len(got) != len(tc.want) {
				t.Fatalf("clocks %d, want %d: %+v", len(got), len(tc.want), got)
			}
			for _, c := range got {
				h, ok := tc.want[c.ID]
				switch {
				case !ok:
					t.Errorf("unexpected clock %s", c.ID)
				case h < 0 && c.DueAt != nil:
					t.Errorf("%s: due %v, want no time count", c.ID, c.DueAt)
				case h >= 0 && (c.DueAt == nil || !c.DueAt.Equal(at.Add(h))):
					t.Errorf("%s: due %v, want %v", c.ID, c.DueAt, at.Add(h))
				}
			}
		})
	}
	// Before the reporting measures were in force, no CAC clock.
	old := inc("major", false, false, false)
	old.DiscoveredAt = time.Date(2025, 10, 31, 0, 0, 0, 0, time.UTC)
	if got := r.clocks(old, ciio, nil); len(got) != 0 {
		t.Errorf("before 2025-11-01: %+v", got)
	}
}
