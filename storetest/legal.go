package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/sluice-gateway/sluice"
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

// testOrgVolume checks what an org's volume duties (PIPL Arts. 52, 54;
// NDSR Art. 28) rest on: the exact count of distinct people across its
// datasets, a person in two datasets counted once and another org's
// datasets not at all, and the first day a duty applied, kept however
// often it is recorded.
func testOrgVolume(t *testing.T, s *Stores) {
	type counter interface {
		CountDistinctSubjects(ctx context.Context, datasetIDs []int64) (int64, error)
	}
	type dates interface {
		FindDutyDates(ctx context.Context, orgID int64) (map[string]string, error)
		RecordDutyDate(ctx context.Context, orgID int64, duty, on string) (string, error)
	}
	c, ok := s.Regions["CN"].(counter)
	if !ok {
		t.Fatal("the CN record store cannot count distinct subjects across datasets")
	}
	dd, ok := s.Orgs.(dates)
	if !ok {
		t.Fatal("the org service keeps no duty dates")
	}
	org := MustCreateOrg(t, s, "cn-big", "CN")
	other := MustCreateOrg(t, s, "cn-other", "CN")
	ctx := OwnerContext(org)
	a := MustCreateDataset(t, s, ctx, "a", "phone")
	b := MustCreateDataset(t, s, ctx, "b", "phone")
	o := MustCreateDataset(t, s, OwnerContext(other), "o", "phone")
	for _, x := range []struct {
		ctx context.Context
		id  int64
		n   int
	}{{ctx, a.ID, 5}, {ctx, b.ID, 8}, {OwnerContext(other), o.ID, 20}} {
		if _, err := RecordService(s).IngestRecords(x.ctx, x.id, Rows(x.n, nil)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := c.CountDistinctSubjects(context.Background(), []int64{a.ID, b.ID}); err != nil || n != 8 {
		t.Errorf("distinct people across the org's datasets: %d, %v; want 8 (5 of them in both)", n, err)
	}
	if n, err := c.CountDistinctSubjects(context.Background(), nil); err != nil || n != 0 {
		t.Errorf("no datasets: %d, %v", n, err)
	}
	for _, on := range []string{"2026-03-02", "2026-04-01"} {
		if got, err := dd.RecordDutyDate(context.Background(), org.ID, "cn.pipo", on); err != nil || got != "2026-03-02" {
			t.Errorf("RecordDutyDate(%s) = %s, %v; want the first day kept", on, got, err)
		}
	}
	if m, err := dd.FindDutyDates(context.Background(), org.ID); err != nil || len(m) != 1 || m["cn.pipo"] != "2026-03-02" {
		t.Errorf("FindDutyDates = %v, %v", m, err)
	}
	if m, err := dd.FindDutyDates(context.Background(), other.ID); err != nil || len(m) != 0 {
		t.Errorf("other org's duty dates = %v, %v", m, err)
	}
}
