package storetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
)

func testUpdateField(t *testing.T, s *Stores) {
	cn := MustCreateOrg(t, s, "cn-rides", "CN")
	ctx := OwnerContext(cn)
	d := MustCreateDataset(t, s, ctx, "trips", "phone")
	if _, err := RecordService(s).IngestRecords(ctx, d.ID, Rows(10, nil)); err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		f := &sluice.Field{Name: "note", NonEmpty: 5, Personal: true, Sensitive: true, Grade: sluice.GradeImportant,
			Categories: []sluice.FieldCategory{{Key: "user.health_and_medical", Matches: 5, Ratio: 1}}}
		if err := s.Datasets.UpdateField(ctx, d.ID, f, sluice.GradeImportant); err != nil {
			t.Fatal(err)
		}
		got, err := s.Datasets.FindDatasetByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		g := got.Field("note")
		if got.Grade != sluice.GradeImportant || !g.Confirmed || !g.Personal || !g.Sensitive || g.Grade != sluice.GradeImportant ||
			len(g.Categories) != 1 || g.Categories[0].Key != "user.health_and_medical" {
			t.Fatalf("after update: dataset grade %s, field %+v", got.Grade, g)
		}
		// The correction is in the audit log, without values.
		n, _ := s.Events.CountEvents(context.Background())
		evs, err := s.Events.ReadEvents(context.Background(), n-1, 1)
		if err != nil || len(evs) != 1 {
			t.Fatal(evs, err)
		}
		var e map[string]any
		json.Unmarshal(evs[0], &e)
		if e["action"] != sluice.ActionFieldUpdate || !strings.Contains(string(evs[0]), `"after":{"categories":["user.health_and_medical"]`) {
			t.Fatalf("event %s", evs[0])
		}
		// A later ingest keeps a confirmed field's categories.
		if _, err := RecordService(s).IngestRecords(ctx, d.ID, Rows(4, nil)); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Datasets.FindDatasetByID(ctx, d.ID)
		if g := got.Field("note"); len(g.Categories) != 1 || !g.Confirmed || got.Grade != sluice.GradeImportant {
			t.Fatalf("after ingest: %+v, grade %s", g, got.Grade)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		wantCode(t, s.Datasets.UpdateField(ctx, d.ID, &sluice.Field{Name: "nope", Grade: sluice.GradeGeneral}, sluice.GradeGeneral), sluice.ENOTFOUND)
		eu := MustCreateOrg(t, s, "eu-shop", "EU")
		wantCode(t, s.Datasets.UpdateField(OwnerContext(eu), d.ID, &sluice.Field{Name: "note", Grade: sluice.GradeGeneral}, sluice.GradeGeneral), sluice.ENOTFOUND)
	})
}
