package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
)

// The stores' side of retention, as the retention job uses it.
type ingestExpirer interface {
	FindIngestsBefore(ctx context.Context, datasetID int64, t time.Time, limit int) ([]*sluice.Ingest, error)
	ExpireIngest(ctx context.Context, id, removed int64) error
	AddRecordCount(ctx context.Context, datasetID, delta int64) error
}

type subjectDeleter interface {
	DeleteSubjectRecords(ctx context.Context, datasetID int64, keys []string) (int64, error)
}

// testRights covers org settings, what a dataset declares for
// minimisation and retention, idempotent uploads, and the removal of
// records by the retention job.
func testRights(t *testing.T, open func(t *testing.T) *Stores) {
	t.Run("Settings", func(t *testing.T) {
		s := open(t)
		org, other := MustCreateOrg(t, s, "cn-rides", "CN"), MustCreateOrg(t, s, "cn-shop", "CN")
		ctx := OwnerContext(org)
		st, err := s.Settings.FindSettings(ctx, org.ID)
		if err != nil || st.Minimisation != sluice.MinimisationWarn || st.ConsentGraceDays != 0 {
			t.Fatalf("defaults %+v %v, want warn and 0", st, err)
		}
		if err := s.Settings.PutSettings(ctx, &sluice.OrgSettings{Minimisation: sluice.MinimisationStrip, ConsentGraceDays: 3}); err != nil {
			t.Fatal(err)
		}
		if st, _ := s.Settings.FindSettings(ctx, org.ID); st.Minimisation != sluice.MinimisationStrip || st.ConsentGraceDays != 3 || st.UpdatedAt.IsZero() {
			t.Fatalf("stored %+v", st)
		}
		if st, _ := s.Settings.FindSettings(ctx, other.ID); st.Minimisation != sluice.MinimisationWarn {
			t.Fatalf("another org's settings %+v", st)
		}
		wantCode(t, s.Settings.PutSettings(ctx, &sluice.OrgSettings{Minimisation: "drop"}), sluice.EINVALID)
		wantCode(t, s.Settings.PutSettings(ctx, &sluice.OrgSettings{Minimisation: "warn", ConsentGraceDays: -1}), sluice.EINVALID)
		wantCode(t, s.Settings.PutSettings(context.Background(), &sluice.OrgSettings{Minimisation: "warn"}), sluice.EUNAUTHORIZED)
	})

	t.Run("DatasetDeclarations", func(t *testing.T) {
		s := open(t)
		ctx := OwnerContext(MustCreateOrg(t, s, "cn-rides", "CN"))
		d := &sluice.Dataset{Name: "logs", Purpose: "ops", SubjectField: "phone", AppType: "ride_hailing", RetentionDays: 200, RecordType: "network_log"}
		if err := s.Datasets.CreateDataset(ctx, d); err != nil {
			t.Fatal(err)
		}
		got, err := s.Datasets.FindDatasetByID(ctx, d.ID)
		if err != nil || got.AppType != "ride_hailing" || got.RetentionDays != 200 || got.RecordType != "network_log" {
			t.Fatalf("found %+v %v", got, err)
		}
		wantCode(t, s.Datasets.CreateDataset(ctx, &sluice.Dataset{Name: "x", Purpose: "ops", SubjectField: "phone", RetentionDays: -1}), sluice.EINVALID)
	})

	t.Run("Batch", func(t *testing.T) {
		s := open(t)
		ctx := OwnerContext(MustCreateOrg(t, s, "cn-rides", "CN"))
		d := MustCreateDataset(t, s, ctx, "trips", "phone")
		rs := RecordService(s)
		in, err := rs.IngestBatch(ctx, d.ID, "b-1", Rows(3, nil))
		if err != nil || in.Replayed || in.BatchID != "b-1" {
			t.Fatalf("first upload %+v %v", in, err)
		}
		if err := rs.SaveIngestAnswer(ctx, in.ID, []byte(`{"answer":1}`)); err != nil {
			t.Fatal(err)
		}
		again, err := rs.IngestBatch(ctx, d.ID, "b-1", Rows(5, nil))
		if err != nil || !again.Replayed || again.ID != in.ID || !bytes.Equal(again.Answer, []byte(`{"answer":1}`)) {
			t.Fatalf("retry %+v %v, want ingest %d replayed with its answer", again, err, in.ID)
		}
		// Another dataset's key space is its own.
		d2 := MustCreateDataset(t, s, ctx, "trips-2", "phone")
		if other, err := rs.IngestBatch(ctx, d2.ID, "b-1", Rows(1, nil)); err != nil || other.Replayed {
			t.Fatalf("same key, other dataset: %+v %v", other, err)
		}
		// Committing a second ingest with the key is a conflict.
		dup := &sluice.Ingest{DatasetID: d.ID, Region: "CN", BatchID: "b-1"}
		if err := s.Ingests.BeginIngest(ctx, dup); err != nil {
			t.Fatal(err)
		}
		_, err = s.Ingests.FinishIngest(ctx, dup, nil)
		wantCode(t, err, sluice.ECONFLICT)
		got, _ := s.Datasets.FindDatasetByID(ctx, d.ID)
		if got.RecordCount != 3 {
			t.Fatalf("dataset holds %d records, want 3", got.RecordCount)
		}
		_, err = s.Ingests.FindIngestByBatch(ctx, d.ID, "b-2")
		wantCode(t, err, sluice.ENOTFOUND)
		_, err = rs.IngestBatch(ctx, d.ID, "bad key", Rows(1, nil))
		wantCode(t, err, sluice.EINVALID)
	})

	t.Run("Expire", func(t *testing.T) {
		s := open(t)
		ctx := OwnerContext(MustCreateOrg(t, s, "cn-rides", "CN"))
		d := MustCreateDataset(t, s, ctx, "trips", "phone")
		rs := RecordService(s)
		in, err := rs.IngestBatch(ctx, d.ID, "b-1", Rows(4, nil))
		if err != nil {
			t.Fatal(err)
		}
		ex := s.Ingests.(ingestExpirer)
		if got, err := ex.FindIngestsBefore(ctx, d.ID, in.CreatedAt.Add(-time.Second), 10); err != nil || len(got) != 0 {
			t.Fatalf("before the ingest: %v %v", got, err)
		}
		got, err := ex.FindIngestsBefore(ctx, d.ID, in.CreatedAt, 10)
		if err != nil || len(got) != 1 || got[0].ID != in.ID || got[0].RecordCount != 4 {
			t.Fatalf("at the ingest: %v %v", got, err)
		}

		// A person's records go first.
		key := sluice.NewOrgSubjectKeyer([]byte("test secret"), d.OrgID).Key("13800000001")
		n, err := s.Regions["CN"].(subjectDeleter).DeleteSubjectRecords(ctx, d.ID, []string{key})
		if err != nil || n != 1 {
			t.Fatalf("deleted %d of one person's records, %v", n, err)
		}
		if err := ex.AddRecordCount(ctx, d.ID, -n); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Datasets.FindDatasetByID(ctx, d.ID); got.RecordCount != 3 {
			t.Fatalf("record count %d, want 3", got.RecordCount)
		}

		// Then the whole upload.
		if err := s.Regions["CN"].AbortIngest(ctx, in.ID); err != nil {
			t.Fatal(err)
		}
		for range 2 { // twice: the second does nothing
			if err := ex.ExpireIngest(ctx, in.ID, 3); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := s.Datasets.FindDatasetByID(ctx, d.ID); got.RecordCount != 0 {
			t.Fatalf("record count %d after expiry, want 0", got.RecordCount)
		}
		if n, err := s.RawRecordCount("CN"); err != nil || n != 0 {
			t.Fatalf("%d rows left in the region store, %v", n, err)
		}
		if got, _ := ex.FindIngestsBefore(ctx, d.ID, in.CreatedAt, 10); len(got) != 0 {
			t.Fatalf("expired ingest still listed: %v", got)
		}
		// Its idempotency key still answers: the upload is not stored again.
		if again, err := rs.IngestBatch(ctx, d.ID, "b-1", Rows(4, nil)); err != nil || !again.Replayed {
			t.Fatalf("retry of an expired upload: %+v %v", again, err)
		}
	})
}
