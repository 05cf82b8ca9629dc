package storetest

import (
	"context"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// testCatalog checks public bodies and their answer deadline on orgs, and
// the sharing catalogue's entries.
func testCatalog(t *testing.T, s *Stores) {
	ctx := context.Background()
	o := &sluice.Org{Name: "sz-water", Region: "CN", PublicBody: true, AnswerDays: 5, AutoApprove: true}
	if err := s.Orgs.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	got, err := s.Orgs.FindOrgByID(ctx, o.ID)
	if err != nil || !got.PublicBody || got.AnswerDays != 5 || !got.AutoApprove {
		t.Fatalf("public body: %+v %v", got, err)
	}
	wantCode(t, s.Orgs.CreateOrg(ctx, &sluice.Org{Name: "slow", Region: "CN", AnswerDays: 61}), sluice.EINVALID)

	octx := sluice.NewContextWithActor(ctx, &sluice.Actor{Org: o, Role: sluice.RoleOwner, Key: "k"})
	d := MustCreateDataset(t, s, octx, "meters", "meter_id")
	if m, err := s.Catalog.FindCatalogEntries(ctx, []int64{d.ID}); err != nil || len(m) != 0 {
		t.Fatalf("entries of a new dataset: %v %v", m, err)
	}
	before := countEvents(t, s)
	e := &sluice.CatalogEntry{DatasetID: d.ID, Sharing: sluice.SharingConditional, Opening: sluice.OpeningClosed,
		Justification: "meter readings reveal occupancy", LegalBasis: "Shenzhen Data Regulations Art. 41", Conditions: "aggregated by district"}
	ev := &sluice.Event{Action: sluice.ActionCatalogUpdate, Object: map[string]any{"dataset": d.ID}}
	if err := s.Catalog.PutCatalogEntry(ctx, e, ev); err != nil {
		t.Fatal(err)
	}
	e2 := *e
	e2.Sharing, e2.Conditions = sluice.SharingUnconditional, ""
	if err := s.Catalog.PutCatalogEntry(ctx, &e2, ev); err != nil {
		t.Fatal(err)
	}
	m, err := s.Catalog.FindCatalogEntries(ctx, []int64{d.ID, 9999})
	if err != nil || len(m) != 1 {
		t.Fatalf("entries: %v %v", m, err)
	}
	if g := m[d.ID]; g.Sharing != sluice.SharingUnconditional || g.Opening != sluice.OpeningClosed || g.Conditions != "" || g.Justification != e.Justification || g.UpdatedAt.IsZero() || g.Default {
		t.Fatalf("entry after the update: %+v", g)
	}
	if n := countEvents(t, s); n != before+2 {
		t.Fatalf("%d events appended, want 2", n-before)
	}
}

func countEvents(t *testing.T, s *Stores) int64 {
	t.Helper()
	n, err := s.Events.CountEvents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
