package storetest

import (
	"slices"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// testFieldJurisdictions checks that a field's sensitive jurisdictions and
// minors under 14 are stored, merged across ingests, replaced by a
// person's correction, and that a dataset holds minors exactly when a
// field shows some.
func testFieldJurisdictions(t *testing.T, s *Stores) {
	cn := MustCreateOrg(t, s, "cn-school", "CN")
	ctx := OwnerContext(cn)
	d := MustCreateDataset(t, s, ctx, "pupils", "resident_id")
	ingest := func(observed ...*sluice.Field) *sluice.Dataset {
		t.Helper()
		in := &sluice.Ingest{DatasetID: d.ID, Region: "CN"}
		if err := s.Ingests.BeginIngest(ctx, in); err != nil {
			t.Fatal(err)
		}
		got, err := s.Ingests.FinishIngest(ctx, in, observed)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	find := func() *sluice.Dataset {
		t.Helper()
		got, err := s.Datasets.FindDatasetByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	// A first ingest: a health note sensitive in the EU only, a resident
	// ID sensitive in CN with no minors yet, and a plain city.
	after := ingest(
		&sluice.Field{Name: "note", NonEmpty: 3, Personal: true, SensitiveIn: []string{"EU"}, Grade: sluice.GradeGeneral},
		&sluice.Field{Name: "resident_id", NonEmpty: 3, Personal: true, Sensitive: true, SensitiveIn: []string{"CN"}, Grade: sluice.GradeGeneral},
		&sluice.Field{Name: "city", NonEmpty: 3, Grade: sluice.GradeGeneral},
	)
	for _, got := range []*sluice.Dataset{after, find()} {
		if got.HoldsMinors {
			t.Fatal("holds minors before any were seen")
		}
		if in := got.Field("note").SensitiveIn; !slices.Equal(in, []string{"EU"}) {
			t.Fatalf("note sensitive in %v, want [EU]", in)
		}
		if in := got.Field("city").SensitiveIn; in == nil || len(in) != 0 {
			t.Fatalf("city sensitive in %#v, want an empty list", in)
		}
	}

	// A second ingest adds CN to the note and shows two pupils under 14.
	ingest(
		&sluice.Field{Name: "note", NonEmpty: 2, Personal: true, Sensitive: true, SensitiveIn: []string{"CN", "EU"}, Grade: sluice.GradeGeneral},
		&sluice.Field{Name: "resident_id", NonEmpty: 2, Personal: true, Sensitive: true, SensitiveIn: []string{"CN"}, Minors: 2, Grade: sluice.GradeGeneral},
	)
	ingest(&sluice.Field{Name: "resident_id", NonEmpty: 1, Personal: true, Sensitive: true, SensitiveIn: []string{"CN"}, Minors: 1, Grade: sluice.GradeGeneral})
	got := find()
	if !got.HoldsMinors {
		t.Fatal("dataset with pupils under 14 does not hold minors")
	}
	if f := got.Field("resident_id"); f.Minors != 3 || !slices.Equal(f.SensitiveIn, []string{"CN"}) {
		t.Fatalf("resident_id: %d minors, sensitive in %v; want 3, [CN]", f.Minors, f.SensitiveIn)
	}
	if in := got.Field("note").SensitiveIn; !slices.Equal(in, []string{"CN", "EU"}) {
		t.Fatalf("note sensitive in %v, want [CN EU]", in)
	}

	// A person's correction replaces both.
	f := &sluice.Field{Name: "resident_id", NonEmpty: 6, Grade: sluice.GradeGeneral, SensitiveIn: []string{}}
	if err := s.Datasets.UpdateField(ctx, d.ID, f, sluice.GradeGeneral); err != nil {
		t.Fatal(err)
	}
	got = find()
	if g := got.Field("resident_id"); g.Minors != 0 || len(g.SensitiveIn) != 0 || !g.Confirmed || got.HoldsMinors {
		t.Fatalf("after correction: %+v, holds minors %v", g, got.HoldsMinors)
	}
}
