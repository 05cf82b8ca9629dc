package storetest

import (
	"slices"
	"testing"

	"sluice"
)

// testDatasetPurposes checks structured dataset purposes: a dataset names
// purposes its owner declared (each with its basis, categories and
// retention: PIPL Arts. 6, 17, 19), an undeclared one is refused, the old
// free-text purpose is still accepted as a label, and the flag of
// children's data (PIPL Arts. 28, 31) is kept.
func testDatasetPurposes(t *testing.T, s *Stores) {
	cn := MustCreateOrg(t, s, "cn-school", "CN")
	ctx := OwnerContext(cn)
	for _, name := range []string{"tutoring", "billing"} {
		if err := s.Purposes.CreatePurpose(ctx, &sluice.Purpose{Name: name, LegalBasis: "consent", RetentionDays: 365}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("OK", func(t *testing.T) {
		d := &sluice.Dataset{Name: "pupils", Purposes: []string{"tutoring", "billing"}, SubjectField: "phone", Minors: true}
		if err := s.Datasets.CreateDataset(ctx, d); err != nil {
			t.Fatal(err)
		}
		got, err := s.Datasets.FindDatasetByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Purposes, []string{"tutoring", "billing"}) || !got.Minors || got.Purpose != "tutoring, billing" {
			t.Fatalf("got purposes %q, label %q, minors %v", got.Purposes, got.Purpose, got.Minors)
		}
	})
	t.Run("Legacy", func(t *testing.T) {
		d := &sluice.Dataset{Name: "old", Purpose: "free text of old", SubjectField: "phone"}
		if err := s.Datasets.CreateDataset(ctx, d); err != nil {
			t.Fatal(err)
		}
		got, err := s.Datasets.FindDatasetByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Purposes != nil || got.Purpose != "free text of old" || got.Minors {
			t.Fatalf("legacy dataset %+v", got)
		}
	})
	t.Run("ErrUndeclared", func(t *testing.T) {
		wantCode(t, s.Datasets.CreateDataset(ctx, &sluice.Dataset{Name: "x", Purposes: []string{"marketing"}, SubjectField: "phone"}), sluice.EINVALID)
		wantCode(t, s.Datasets.CreateDataset(ctx, &sluice.Dataset{Name: "y", Purposes: []string{"billing", "billing"}, SubjectField: "phone"}), sluice.EINVALID)
	})
}
