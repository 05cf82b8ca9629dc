package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
)

// testSubjectRequests checks the stores of data-subject requests: the
// request record and its state changes, holds, the CN deadline value, and
// in the record store the subject operations and the rule that a
// restricted record is never read out.
func testSubjectRequests(t *testing.T, open func(t *testing.T) *Stores) {
	t.Run("Requests", func(t *testing.T) { testRequestStore(t, open(t)) })
	t.Run("Records", func(t *testing.T) { testSubjectRecords(t, open(t)) })
	t.Run("Tombstones", func(t *testing.T) { testTombstones(t, open(t)) })
}

func testRequestStore(t *testing.T, s *Stores) {
	if s.SubjectRequests == nil {
		t.Skip("no subject request store")
	}
	org := MustCreateOrg(t, s, "clinic", "CN")
	ctx := OwnerContext(org)
	keys := SubjectKeys(0, 2)
	due := time.Date(2026, 10, 26, 15, 59, 59, 0, time.UTC)
	r := &sluice.SubjectRequest{OrgID: org.ID, Type: sluice.RequestCorrection, Jurisdiction: "CN", State: sluice.RequestReceived,
		SubjectKeys: keys, Identifiers: []string{"phone", "email"}, Evidence: "form 7", Correction: &sluice.Correction{Field: "name", Value: "new"},
		ReceivedAt: time.Date(2026, 9, 29, 2, 0, 0, 0, time.UTC), Deadline: sluice.Deadline{Due: due, Rule: "15 working days", Basis: "policy", Reference: "PIPL Art. 50"}}
	if err := s.SubjectRequests.CreateSubjectRequest(ctx, r, &sluice.Event{Action: sluice.ActionSubjectRequestFile, Object: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.SubjectRequests.FindSubjectRequestByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Deadline.Due.Equal(due) || !slices.Equal(got.SubjectKeys, keys) || got.Correction.Value != "new" || got.State != sluice.RequestReceived || !got.ReceivedAt.Equal(r.ReceivedAt) {
		t.Fatalf("stored request: %+v", got)
	}
	now := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	got.State, got.VerifiedAt = sluice.RequestVerified, &now
	if err := s.SubjectRequests.UpdateSubjectRequest(ctx, got, sluice.RequestReceived, &sluice.Event{Action: sluice.ActionSubjectRequestVerify, Object: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	// A second change from the old state is refused: two actions on one
	// request never both succeed.
	wantCode(t, s.SubjectRequests.UpdateSubjectRequest(ctx, got, sluice.RequestReceived, &sluice.Event{Action: sluice.ActionSubjectRequestVerify, Object: map[string]any{}}), sluice.ECONFLICT)
	got.State, got.ClosedAt, got.Correction.Value = sluice.RequestFulfilled, &now, ""
	got.Outcome = &sluice.SubjectRequestOutcome{Found: true, Records: 3, Corrected: 2}
	if err := s.SubjectRequests.UpdateSubjectRequest(ctx, got, sluice.RequestVerified, &sluice.Event{Action: sluice.ActionSubjectRequestFulfil, Object: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	list, err := s.SubjectRequests.FindSubjectRequests(ctx, sluice.SubjectRequestFilter{OrgID: &org.ID})
	if err != nil || len(list) != 1 || list[0].Outcome.Corrected != 2 || list[0].Correction.Value != "" || list[0].VerifiedAt == nil {
		t.Fatalf("list: %v %+v", err, list)
	}
	wantCode(t, func() error { _, err := s.SubjectRequests.FindSubjectRequestByID(ctx, 999); return err }(), sluice.ENOTFOUND)

	d := MustCreateDataset(t, s, ctx, "visits", "phone")
	if err := s.SubjectRequests.PutHold(ctx, &sluice.DatasetHold{DatasetID: d.ID, OrgID: org.ID, Reason: "audit"}, &sluice.Event{Action: sluice.ActionHoldPlace}); err != nil {
		t.Fatal(err)
	}
	if hs, err := s.SubjectRequests.FindHolds(ctx, org.ID); err != nil || len(hs) != 1 || hs[0].Reason != "audit" {
		t.Fatalf("holds: %v %+v", err, hs)
	}
	if err := s.SubjectRequests.DeleteHold(ctx, d.ID, &sluice.Event{Action: sluice.ActionHoldLift}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.SubjectRequests.DeleteHold(ctx, d.ID, &sluice.Event{Action: sluice.ActionHoldLift}), sluice.ENOTFOUND)
	if n, err := s.SubjectRequests.FindWorkingDays(ctx, org.ID); err != nil || n != 0 {
		t.Fatalf("working days unset: %d %v", n, err)
	}
	for _, days := range []int{10, 12} {
		if err := s.SubjectRequests.PutWorkingDays(ctx, org.ID, days, &sluice.Event{Action: sluice.ActionSubjectRequestPolicy}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.SubjectRequests.FindWorkingDays(ctx, org.ID); err != nil || n != 12 {
		t.Fatalf("working days: %d %v", n, err)
	}
}

func testSubjectRecords(t *testing.T, s *Stores) {
	org := MustCreateOrg(t, s, "clinic", "CN")
	ctx := OwnerContext(org)
	d := MustCreateDataset(t, s, ctx, "visits", "phone")
	if _, err := RecordService(s).IngestRecords(ctx, d.ID, Rows(6, nil)); err != nil {
		t.Fatal(err)
	}
	st, ok := s.Regions["CN"].(sluice.SubjectRecordStore)
	if !ok {
		t.Fatal("the record store has no subject operations")
	}
	all, err := st.ScanRecords(ctx, d.ID, 0, 100)
	if err != nil || len(all) != 6 {
		t.Fatalf("scan: %d %v", len(all), err)
	}
	if page, err := st.ScanRecords(ctx, d.ID, all[1].ID, 2); err != nil || len(page) != 2 || page[0].ID != all[2].ID {
		t.Fatalf("scan page: %v %+v", err, page)
	}
	counts, err := st.ApplySubjectChange(ctx, &sluice.SubjectChange{RequestID: 7,
		Delete:   []int64{all[0].ID},
		Rewrite:  map[int64][]byte{all[1].ID: []byte(`{"phone":"","name":"x","note":""}`)},
		Restrict: map[int64]string{all[2].ID: "restricted", all[3].ID: "restricted"},
		Datasets: []int64{d.ID}})
	if err != nil || counts[d.ID] != 5 {
		t.Fatalf("apply: %v %v", err, counts)
	}
	// Restricted records are neither read nor listed for export.
	visible, err := s.Regions["CN"].FindRecords(ctx, sluice.RecordFilter{DatasetID: d.ID})
	if err != nil || len(visible) != 3 || visible[0].ID != all[1].ID || string(visible[0].Data) != `{"phone":"","name":"x","note":""}` {
		t.Fatalf("visible after the change: %v %+v", err, visible)
	}
	if l, ok := s.Regions["CN"].(interface {
		ListSubjects(ctx context.Context, datasetID, after, through int64, limit int) ([]int64, []string, error)
	}); ok {
		ids, _, err := l.ListSubjects(ctx, d.ID, 0, 0, 100)
		if err != nil || slices.Contains(ids, all[2].ID) || len(ids) != 3 {
			t.Fatalf("listed for export: %v %v", err, ids)
		}
	}
	restricted, err := st.RestrictedRecords(ctx, []int64{all[1].ID, all[2].ID, all[3].ID})
	if err != nil || len(restricted) != 2 || !restricted[all[2].ID] {
		t.Fatalf("restricted: %v %v", err, restricted)
	}
	if all2, _ := st.ScanRecords(ctx, d.ID, 0, 100); len(all2) != 5 {
		t.Fatalf("scan after the change: %d", len(all2))
	}
	if n, err := st.LiftRestrictions(ctx, 7); err != nil || n != 2 {
		t.Fatalf("lift: %d %v", n, err)
	}
	if visible, _ := s.Regions["CN"].FindRecords(ctx, sluice.RecordFilter{DatasetID: d.ID}); len(visible) != 5 {
		t.Fatalf("visible after the lift: %d", len(visible))
	}
	if n, err := st.DeleteDatasetRecords(ctx, d.ID); err != nil || n != 5 {
		t.Fatalf("delete dataset records: %d %v", n, err)
	}
	if raw, err := s.RawRecordCount("CN"); err != nil || raw != 0 {
		t.Fatalf("rows left: %d %v", raw, err)
	}
}

func testTombstones(t *testing.T, s *Stores) {
	if s.SubjectRequests == nil {
		t.Skip("no subject request store")
	}
	org := MustCreateOrg(t, s, "clinic", "CN")
	ctx := OwnerContext(org)
	d := MustCreateDataset(t, s, ctx, "visits", "phone")
	if err := s.SubjectRequests.MarkDatasetDeleted(ctx, d.ID, &sluice.Event{Action: sluice.ActionDatasetDelete}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.SubjectRequests.MarkDatasetDeleted(ctx, d.ID, &sluice.Event{Action: sluice.ActionDatasetDelete}), sluice.ENOTFOUND)
	wantCode(t, func() error { _, err := s.Datasets.FindDatasetByID(ctx, d.ID); return err }(), sluice.ENOTFOUND)
	if ds, n, err := s.Datasets.FindDatasets(ctx, sluice.DatasetFilter{}); err != nil || n != 0 || len(ds) != 0 {
		t.Fatalf("datasets after deletion: %d %v", n, err)
	}
	if del, err := s.SubjectRequests.DeletedDatasets(ctx); err != nil || len(del) != 1 || del[0].ID != d.ID || del[0].Region != "CN" {
		t.Fatalf("tombstones: %v %+v", err, del)
	}
	MustCreateDataset(t, s, ctx, "visits", "phone") // the name is free
	if _, err := s.Keys.CreateKey(ctx, &sluice.APIKey{OrgID: org.ID, Role: sluice.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	e := &sluice.Event{Action: sluice.ActionOrgOffboard, Details: map[string]any{}}
	if err := s.SubjectRequests.CloseOrg(context.Background(), org.ID, e); err != nil {
		t.Fatal(err)
	}
	if e.Details["keys_revoked"] != int64(1) {
		t.Fatalf("offboarding event: %+v", e.Details)
	}
}
