package sluice_test

import (
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
)

// TestConsentKind_Written checks written consent (Credit Reporting
// Industry Regulations Art. 18): it ranks with separate consent, the
// state remembers it beside a stronger kind, and a withdrawal ends it.
func TestConsentKind_Written(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := sluice.ConsentWritten.Validate(); err != nil {
		t.Fatal(err)
	}
	s := sluice.FoldConsents([]*sluice.Consent{{Kind: sluice.ConsentWritten, CreatedAt: t0}}, t0)
	if !s.Written || !s.Active(sluice.ConsentWritten) || !s.Active(sluice.ConsentSeparate) || s.Active(sluice.ConsentGuardian) {
		t.Errorf("written consent %+v: satisfies written and separate, not guardian", s)
	}
	s = sluice.FoldConsents([]*sluice.Consent{{Kind: sluice.ConsentSeparate, CreatedAt: t0}}, t0)
	if s.Active(sluice.ConsentWritten) {
		t.Errorf("separate consent %+v counted as written", s)
	}
	s = sluice.FoldConsents([]*sluice.Consent{
		{Kind: sluice.ConsentWritten, CreatedAt: t0},
		{Kind: sluice.ConsentGuardian, CreatedAt: t0.Add(time.Hour)},
	}, t0.Add(time.Hour))
	if s.Kind != sluice.ConsentGuardian || !s.Active(sluice.ConsentWritten) || !s.Active(sluice.ConsentGuardian) {
		t.Errorf("written then guardian consent folded to %+v", s)
	}
	s = s.Apply(&sluice.Consent{Kind: sluice.ConsentWithdrawal, CreatedAt: t0.Add(2 * time.Hour)})
	if s.Active(sluice.ConsentWritten) {
		t.Errorf("withdrawn %+v still active", s)
	}
	s = s.Apply(&sluice.Consent{Kind: sluice.ConsentSeparate, CreatedAt: t0.Add(3 * time.Hour)})
	if s.Written {
		t.Errorf("consent given again after a withdrawal keeps the old written flag: %+v", s)
	}
}
