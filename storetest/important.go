package storetest

import (
	"context"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// testImportant checks the notices of notified important data (O16 Art. 2;
// NDSR Art. 37): stored with their audit event, replaced, shown on the
// dataset, cleared.
func testImportant(t *testing.T, s *Stores) {
	if s.Important == nil {
		t.Skip("no important-data store")
	}
	ctx := context.Background()
	o := &sluice.Org{Name: "important-org", Region: "CN"}
	if err := s.Orgs.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	octx := sluice.NewContextWithActor(ctx, &sluice.Actor{Org: o, Role: sluice.RoleOwner, Key: "k"})
	d := MustCreateDataset(t, s, octx, "grid", "meter_id")
	other := MustCreateDataset(t, s, octx, "plain", "meter_id")
	if m, err := s.Important.FindImportantNotices(ctx, []int64{d.ID}); err != nil || len(m) != 0 {
		t.Fatalf("notices of a new dataset: %v %v", m, err)
	}
	before := countEvents(t, s)
	ev := &sluice.Event{Action: sluice.ActionImportantNotify, Object: map[string]any{"dataset": d.ID}}
	n := &sluice.ImportantNotice{DatasetID: d.ID, Notice: "N-2026-1", Authority: "Provincial CAC", Date: "2026-03-01"}
	if err := s.Important.PutImportantNotice(ctx, n, ev); err != nil {
		t.Fatal(err)
	}
	n2 := *n
	n2.Notice = "N-2026-7"
	if err := s.Important.PutImportantNotice(ctx, &n2, ev); err != nil {
		t.Fatal(err)
	}
	m, err := s.Important.FindImportantNotices(ctx, []int64{d.ID, other.ID, 9999})
	if err != nil || len(m) != 1 || m[d.ID].Notice != "N-2026-7" || m[d.ID].Authority != "Provincial CAC" || m[d.ID].Date != "2026-03-01" || m[d.ID].UpdatedAt.IsZero() {
		t.Fatalf("notices: %+v %v", m[d.ID], err)
	}
	got, err := s.Datasets.FindDatasetByID(octx, d.ID)
	if err != nil || got.ImportantNotice == nil || got.ImportantNotice.Notice != "N-2026-7" {
		t.Fatalf("dataset shows notice %+v (%v)", got.ImportantNotice, err)
	}
	if got, _ := s.Datasets.FindDatasetByID(octx, other.ID); got.ImportantNotice != nil {
		t.Fatalf("unnotified dataset shows %+v", got.ImportantNotice)
	}
	cev := &sluice.Event{Action: sluice.ActionImportantClear, Object: map[string]any{"dataset": d.ID}}
	if err := s.Important.ClearImportantNotice(ctx, d.ID, cev); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Important.ClearImportantNotice(ctx, d.ID, cev), sluice.ENOTFOUND)
	if got, _ := s.Datasets.FindDatasetByID(octx, d.ID); got.ImportantNotice != nil {
		t.Fatalf("cleared notice still shown: %+v", got.ImportantNotice)
	}
	if n := countEvents(t, s); n != before+3 {
		t.Fatalf("%d events appended, want 3 (two notices, one clearing)", n-before)
	}
}
