package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/sqlite"
)

// The consent cache answers exactly as the index does: after new entries,
// for lookups at earlier times, and when ledgers are evicted.
func TestConsentService_Cache(t *testing.T) {
	db := MustOpenDB(t, sqlite.NewControlDB(filepath.Join(t.TempDir(), "control.db")))
	clock := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return clock }
	orgs, purposes := sqlite.NewOrgService(db), sqlite.NewPurposeService(db)
	org := &sluice.Org{Name: "owner", Region: "CN"}
	if err := orgs.CreateOrg(context.Background(), org); err != nil {
		t.Fatal(err)
	}
	ctx := sluice.NewContextWithActor(context.Background(), &sluice.Actor{Org: org, Role: sluice.RoleOwner, Key: "k"})
	for _, p := range []string{"a", "b"} {
		if err := purposes.CreatePurpose(ctx, &sluice.Purpose{Name: p, LegalBasis: "consent", RetentionDays: 1}); err != nil {
			t.Fatal(err)
		}
	}
	cached := sqlite.NewConsentService(db)
	cached.CacheMinLookup, cached.CacheEntries = 1, 12
	plain := sqlite.NewConsentService(db)
	plain.CacheEntries = -1

	keyer := sluice.NewSubjectKeyer([]byte("k"))
	keys := make([]string, 10)
	for i := range keys {
		keys[i] = keyer.Key(fmt.Sprint(i))
	}
	record := func(i int, purpose string, kind sluice.ConsentKind) {
		t.Helper()
		clock = clock.Add(time.Second)
		if err := plain.CreateConsent(ctx, &sluice.Consent{SubjectKey: keys[i], Purpose: purpose, Kind: kind}); err != nil {
			t.Fatal(err)
		}
	}
	compare := func(step string, purpose string, at time.Time) {
		t.Helper()
		want, err := plain.FindConsentStates(ctx, org.ID, purpose, keys, at)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cached.FindConsentStates(ctx, org.ID, purpose, append(keys, "not a key"), at)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: cache says\n%v\nindex says\n%v", step, got, want)
		}
	}
	for i := range 8 {
		record(i, "a", []sluice.ConsentKind{sluice.ConsentGiven, sluice.ConsentSeparate}[i%2])
	}
	compare("OK", "a", clock)
	record(1, "a", sluice.ConsentWithdrawal)
	record(9, "a", sluice.ConsentSeparate)
	compare("AfterNewEntries", "a", clock)
	compare("EarlierTime", "a", clock.Add(-3*time.Second))
	record(1, "a", sluice.ConsentGiven)
	compare("ConsentAgain", "a", clock)
	// Ledger b pushes a out of a cache of 12 subjects, and back.
	for i := range 6 {
		record(i, "b", sluice.ConsentSeparate)
	}
	compare("Evicting", "b", clock)
	record(2, "a", sluice.ConsentWithdrawal)
	compare("Evicted", "a", clock)
	compare("Back", "b", clock)
	// Every kind a state may hold, and written consent beside a stronger
	// kind (Credit Reporting Industry Regulations Art. 18; PIPL Art. 31).
	record(3, "b", sluice.ConsentGuardian)
	record(4, "b", sluice.ConsentExplicit)
	record(6, "b", sluice.ConsentWritten)
	record(3, "b", sluice.ConsentWritten)
	compare("Kinds", "b", clock)
	got, err := cached.FindConsentStates(ctx, org.ID, "b", keys, clock)
	if err != nil {
		t.Fatal(err)
	}
	if s := got[keys[3]]; s.Kind != sluice.ConsentGuardian || !s.Written {
		t.Errorf("guardian then written consent: %+v", s)
	}
	if s := got[keys[6]]; s.Kind != sluice.ConsentWritten || !s.Written {
		t.Errorf("written consent: %+v", s)
	}
}
