package sluice_test

import (
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
)

// TestConsentKind_GuardianAndExplicit checks the consent kinds of PIPL
// Art. 31 (a guardian's consent for a child under 14, which is separate
// consent and more) and GDPR Art. 9(2)(a) (explicit consent, which ranks
// with separate consent), and that a withdrawal ends either.
func TestConsentKind_GuardianAndExplicit(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, k := range []sluice.ConsentKind{sluice.ConsentGuardian, sluice.ConsentExplicit} {
		if err := k.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	s := sluice.FoldConsents([]*sluice.Consent{
		{Kind: sluice.ConsentGiven, CreatedAt: t0},
		{Kind: sluice.ConsentGuardian, CreatedAt: t0.Add(time.Hour)},
	}, t0.Add(2*time.Hour))
	if s.Kind != sluice.ConsentGuardian || !s.Active(sluice.ConsentSeparate) || !s.Active(sluice.ConsentGuardian) {
		t.Errorf("guardian consent folded to %+v", s)
	}
	s = sluice.FoldConsents([]*sluice.Consent{{Kind: sluice.ConsentExplicit, CreatedAt: t0}}, t0)
	if !s.Active(sluice.ConsentSeparate) || s.Active(sluice.ConsentGuardian) {
		t.Errorf("explicit consent %+v: satisfies separate, not guardian", s)
	}
	s = s.Apply(&sluice.Consent{Kind: sluice.ConsentWithdrawal, CreatedAt: t0.Add(time.Hour)})
	if s.Active(sluice.ConsentGiven) {
		t.Errorf("withdrawn %+v still active", s)
	}
}
