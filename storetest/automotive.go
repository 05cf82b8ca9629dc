package storetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// testDatasetAutomotive checks that what an owner declares of a dataset's
// automotive data (Automotive Provisions Art. 3(1)-(4)) is stored at
// creation, changed later with the grade it gives and an audit event,
// and that only the owner's org may change it.
func testDatasetAutomotive(t *testing.T, s *Stores) {
	cars := MustCreateOrg(t, s, "cn-cars", "CN")
	other := MustCreateOrg(t, s, "cn-other", "CN")
	ctx := OwnerContext(cars)
	d := &sluice.Dataset{Name: "cameras", Purpose: "driving assistance", SubjectField: "vin",
		Automotive: sluice.AutoDeclaration{ExteriorImages: sluice.ExteriorFaces, ChargingNetwork: true}}
	if err := s.Datasets.CreateDataset(ctx, d); err != nil {
		t.Fatal(err)
	}
	find := func() *sluice.Dataset {
		t.Helper()
		got, err := s.Datasets.FindDatasetByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := find(); got.Automotive != d.Automotive {
		t.Fatalf("stored %+v, want %+v", got.Automotive, d.Automotive)
	}
	plain := MustCreateDataset(t, s, ctx, "owners", "phone")
	if got, _ := s.Datasets.FindDatasetByID(ctx, plain.ID); !got.Automotive.IsZero() {
		t.Fatalf("a dataset declaring nothing reads back %+v", got.Automotive)
	}
	if b, _ := json.Marshal(plain); strings.Contains(string(b), `"automotive"`) {
		t.Errorf("a dataset declaring nothing shows an automotive member: %s", b)
	}

	t.Run("OK", func(t *testing.T) {
		n, _ := s.Events.CountEvents(context.Background())
		decl := sluice.AutoDeclaration{SensitiveArea: true, ExteriorImages: sluice.ExteriorAnonymised}
		if err := s.Datasets.UpdateDataset(ctx, d.ID, sluice.DatasetUpdate{Automotive: &decl}, sluice.GradeImportant); err != nil {
			t.Fatal(err)
		}
		got := find()
		if got.Automotive != decl || got.Grade != sluice.GradeImportant {
			t.Fatalf("after update: %+v, grade %s", got.Automotive, got.Grade)
		}
		evs, err := s.Events.ReadEvents(context.Background(), n, 1)
		if err != nil || len(evs) != 1 {
			t.Fatalf("events: %d, %v", len(evs), err)
		}
		var e sluice.Event
		if err := json.Unmarshal(evs[0], &e); err != nil {
			t.Fatal(err)
		}
		auto, _ := e.Details["automotive"].(map[string]any)
		if e.Action != sluice.ActionDatasetUpdate || auto["sensitive_area"] != true || auto["exterior_images"] != "anonymised" || e.Details["grade"] != "important" {
			t.Fatalf("event %s", evs[0])
		}
		// Nothing given: the declaration stays, the grade is set.
		if err := s.Datasets.UpdateDataset(ctx, d.ID, sluice.DatasetUpdate{}, sluice.GradeGeneral); err != nil {
			t.Fatal(err)
		}
		if got := find(); got.Automotive != decl || got.Grade != sluice.GradeGeneral {
			t.Fatalf("after an empty update: %+v, grade %s", got.Automotive, got.Grade)
		}
	})
	t.Run("ErrOtherOrg", func(t *testing.T) {
		decl := sluice.AutoDeclaration{}
		err := s.Datasets.UpdateDataset(OwnerContext(other), d.ID, sluice.DatasetUpdate{Automotive: &decl}, sluice.GradeGeneral)
		if sluice.ErrorCode(err) != sluice.ENOTFOUND {
			t.Fatalf("another org's update: %v", err)
		}
	})
	t.Run("ErrExteriorType", func(t *testing.T) {
		decl := sluice.AutoDeclaration{ExteriorImages: "people"}
		if err := s.Datasets.UpdateDataset(ctx, d.ID, sluice.DatasetUpdate{Automotive: &decl}, sluice.GradeGeneral); sluice.ErrorCode(err) != sluice.EINVALID {
			t.Fatalf("unknown exterior type on update: %v", err)
		}
		bad := &sluice.Dataset{Name: "bad", Purpose: "x", SubjectField: "vin", Automotive: decl}
		if err := s.Datasets.CreateDataset(ctx, bad); sluice.ErrorCode(err) != sluice.EINVALID {
			t.Fatalf("unknown exterior type on create: %v", err)
		}
	})
}
