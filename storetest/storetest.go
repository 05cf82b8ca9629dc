// Package storetest is the contract test suite that every sluice store
// adapter runs: the SQLite and PostgreSQL packages each call [Run] with a
// function that opens fresh, empty stores.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/residency"
)

// Stores are the services of one freshly opened set of stores: a control
// store and the record stores of regions CN and EU.
type Stores struct {
	Orgs     sluice.OrgService
	Keys     sluice.KeyService
	Datasets sluice.DatasetService
	Ingests  sluice.IngestService
	Events   EventReader
	Log      auditlog.Store
	Regions  map[sluice.Region]sluice.RecordStore

	// Governed sharing (see sharing.go).
	Purposes sluice.PurposeService
	Grants   sluice.GrantService
	Consents sluice.ConsentService
	Policies sluice.PolicyService

	// Cross-border transfers and their counters (see transfer.go).
	Transfers sluice.TransferStore

	// Data-subject requests and legal holds (see subjectrequest.go).
	SubjectRequests sluice.SubjectRequestStore
	// Dir is the directory of the SQLite files, "" on PostgreSQL.
	Dir string
	// Rescoper makes the control store's subject keys org-scoped; the
	// record stores implement RecordRescoper (see rescope.go).
	Rescoper SubjectRescoper

	// Settings are the orgs' own choices (minimisation mode, grace
	// period after a consent withdrawal).
	Settings sluice.SettingsService
	Catalog  sluice.CatalogStore
	// Important keeps notified important data (O16 Art. 2).
	Important sluice.ImportantStore
	// SetNow replaces the control store's clock.
	SetNow func(now func() time.Time)

	// RawRecordCount counts every record a region's records table holds
	// (its rows, or the records of its blocks of records), visible or not,
	// bypassing the adapter's queries: it is how the suite checks where
	// bytes were written.
	RawRecordCount func(region sluice.Region) (int64, error)
	// RegionFiles lists the files of a region's store (the database and
	// its write-ahead log) when it is an embedded one, nil otherwise: how
	// tests check that deleted bytes are gone from disk.
	RegionFiles func(region sluice.Region) []string
}

// EventReader reads and appends the audit events of a control store.
type EventReader interface {
	CountEvents(ctx context.Context) (int64, error)
	ReadEvents(ctx context.Context, start, n int64) ([][]byte, error)
	AppendEvent(ctx context.Context, e *sluice.Event) (int64, error)
}

// Run runs the contract suite. open must return new, empty stores each time
// it is called, and close them when the test ends.
func Run(t *testing.T, open func(t *testing.T) *Stores) {
	t.Run("Org", func(t *testing.T) { testOrg(t, open(t)) })
	t.Run("Key", func(t *testing.T) { testKey(t, open(t)) })
	t.Run("SupervisorKey", func(t *testing.T) { testSupervisorKey(t, open(t)) })
	t.Run("Catalog", func(t *testing.T) { testCatalog(t, open(t)) })
	t.Run("Important", func(t *testing.T) { testImportant(t, open(t)) })
	t.Run("TimeOrder", func(t *testing.T) { testTimeOrder(t, open(t)) })
	t.Run("Dataset", func(t *testing.T) { testDataset(t, open(t)) })
	t.Run("DatasetPurposes", func(t *testing.T) { testDatasetPurposes(t, open(t)) })
	t.Run("DatasetAutomotive", func(t *testing.T) { testDatasetAutomotive(t, open(t)) })
	t.Run("OrgVolume", func(t *testing.T) { testOrgVolume(t, open(t)) })
	t.Run("Ingest", func(t *testing.T) { testIngest(t, open(t)) })
	t.Run("UpdateField", func(t *testing.T) { testUpdateField(t, open(t)) })
	t.Run("FieldJurisdictions", func(t *testing.T) { testFieldJurisdictions(t, open(t)) })
	t.Run("Recover", func(t *testing.T) { testRecover(t, open(t)) })
	t.Run("Events", func(t *testing.T) { testEvents(t, open(t)) })
	t.Run("GroupCommit", func(t *testing.T) { testGroupCommit(t, open(t)) })
	t.Run("AuditLog", func(t *testing.T) { testAuditLog(t, open(t)) })
	t.Run("Entries", func(t *testing.T) { testEntries(t, open(t)) })
	t.Run("Rescope", func(t *testing.T) { testRescope(t, open(t)) })
	t.Run("IngestInDoubt", func(t *testing.T) { testIngestInDoubt(t, open(t)) })
	t.Run("Sharing", func(t *testing.T) { testSharing(t, open) })
	t.Run("Transfers", func(t *testing.T) { testTransfers(t, open) })
	t.Run("SubjectRequests", func(t *testing.T) { testSubjectRequests(t, open) })
	t.Run("Rights", func(t *testing.T) { testRights(t, open) })
}

func testOrg(t *testing.T, s *Stores) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		o := &sluice.Org{Name: "cn-rides", Region: "CN", Sector: "transport", CIIO: true}
		if err := s.Orgs.CreateOrg(ctx, o); err != nil {
			t.Fatal(err)
		} else if o.ID == 0 || o.CreatedAt.IsZero() {
			t.Fatalf("id %d, created_at %v not set", o.ID, o.CreatedAt)
		}
		got, err := s.Orgs.FindOrgByID(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != o.Name || got.Region != "CN" || got.Sector != "transport" || !got.CIIO || !got.CreatedAt.Equal(o.CreatedAt) {
			t.Fatalf("got %+v, want %+v", got, o)
		}
		name := "cn-rides"
		if orgs, n, err := s.Orgs.FindOrgs(ctx, sluice.OrgFilter{Name: &name}); err != nil || n != 1 || len(orgs) != 1 {
			t.Fatalf("FindOrgs by name: %v, %d, %v", orgs, n, err)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		err := s.Orgs.CreateOrg(ctx, &sluice.Org{Name: "cn-rides", Region: "EU"})
		wantCode(t, err, sluice.ECONFLICT)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		wantCode(t, s.Orgs.CreateOrg(ctx, &sluice.Org{Name: "", Region: "CN"}), sluice.EINVALID)
		wantCode(t, s.Orgs.CreateOrg(ctx, &sluice.Org{Name: "Bad Name", Region: "CN"}), sluice.EINVALID)
		wantCode(t, s.Orgs.CreateOrg(ctx, &sluice.Org{Name: "x", Region: "cn"}), sluice.EINVALID)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.Orgs.FindOrgByID(ctx, 9999)
		wantCode(t, err, sluice.ENOTFOUND)
	})
}

// testTimeOrder checks that stored times sort as times whatever their
// precision: keys, listed by creation time, are created at times whose
// shortest RFC 3339 forms sort otherwise as text ("…:01Z" after
// "…:01.25Z", "…:02.000001Z" before "…:02Z").
func testTimeOrder(t *testing.T, s *Stores) {
	ctx := context.Background()
	org := MustCreateOrg(t, s, "cn-clock", "CN")
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	times := []time.Time{
		base.Add(500 * time.Millisecond),
		base.Add(time.Second),
		base.Add(time.Second + 250*time.Millisecond),
		base.Add(2 * time.Second),
		base.Add(2*time.Second + time.Microsecond),
		base.Add(2*time.Second + 100*time.Millisecond),
		base.Add(10 * time.Second),
	}
	// Created in an order other than time order, so that ids do not
	// follow time either.
	order := []int{6, 1, 4, 0, 3, 5, 2}
	ids := make([]string, len(times))
	for _, i := range order {
		at := times[i]
		s.SetNow(func() time.Time { return at })
		k := &sluice.APIKey{OrgID: org.ID, Role: sluice.RoleAuditor}
		if _, err := s.Keys.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		ids[i] = k.ID
	}
	s.SetNow(func() time.Time { return time.Now().UTC() })
	keys, n, err := s.Keys.FindKeys(ctx, sluice.KeyFilter{OrgID: &org.ID})
	if err != nil {
		t.Fatal(err)
	} else if n != len(times) || len(keys) != len(times) {
		t.Fatalf("FindKeys: %d keys, %d in all; want %d", len(keys), n, len(times))
	}
	for i, k := range keys {
		if k.ID != ids[i] || !k.CreatedAt.Equal(times[i]) {
			t.Errorf("key %d: %s created %s, want %s created %s", i, k.ID, k.CreatedAt.Format(time.RFC3339Nano), ids[i], times[i].Format(time.RFC3339Nano))
		}
	}
}

func testSupervisorKey(t *testing.T, s *Stores) {
	ctx := context.Background()
	org := MustCreateOrg(t, s, "cn-rides", "CN")
	owner := &sluice.APIKey{OrgID: org.ID, Role: sluice.RoleOwner}
	if _, err := s.Keys.CreateKey(ctx, owner); err != nil {
		t.Fatal(err)
	}
	k := &sluice.APIKey{Role: sluice.RoleSupervisor, Regions: []sluice.Region{"EU", "CN", "CN"}}
	token, err := s.Keys.CreateKey(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Keys.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != k.ID || got.Role != sluice.RoleSupervisor || got.Org != nil || got.OrgID != 0 || fmt.Sprint(got.Regions) != "[CN EU]" {
		t.Fatalf("supervisor key: %+v", got)
	}
	all, n, err := s.Keys.FindKeys(ctx, sluice.KeyFilter{})
	if err != nil || n != 2 || len(all) != 2 || all[1].ID != k.ID || fmt.Sprint(all[1].Regions) != "[CN EU]" || all[0].Regions != nil {
		t.Fatalf("FindKeys: %+v %d %v", all, n, err)
	}
	if mine, n, err := s.Keys.FindKeys(ctx, sluice.KeyFilter{OrgID: &org.ID}); err != nil || n != 1 || mine[0].ID != owner.ID {
		t.Fatalf("FindKeys of the org: %+v %d %v", mine, n, err)
	}
	for _, bad := range []*sluice.APIKey{
		{Role: sluice.RoleSupervisor},
		{Role: sluice.RoleSupervisor, OrgID: org.ID, Regions: []sluice.Region{"CN"}},
		{Role: sluice.RoleSupervisor, Regions: []sluice.Region{"cn"}},
		{Role: sluice.RoleAuditor, OrgID: org.ID, Regions: []sluice.Region{"CN"}},
	} {
		_, err := s.Keys.CreateKey(ctx, bad)
		wantCode(t, err, sluice.EINVALID)
	}
	if err := s.Keys.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Keys.Authenticate(ctx, token)
	wantCode(t, err, sluice.EUNAUTHORIZED)
	if err := s.Keys.RevokeKey(ctx, k.ID); err != nil {
		t.Fatalf("second revoke: %v", err)
	}
}

func testKey(t *testing.T, s *Stores) {
	ctx := context.Background()
	org := MustCreateOrg(t, s, "eu-shop", "EU")
	k := &sluice.APIKey{OrgID: org.ID, Role: sluice.RoleOwner}
	token, err := s.Keys.CreateKey(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		got, err := s.Keys.Authenticate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != k.ID || got.Role != sluice.RoleOwner || got.Org == nil || got.Org.Name != "eu-shop" {
			t.Fatalf("got %+v", got)
		}
		keys, n, err := s.Keys.FindKeys(ctx, sluice.KeyFilter{OrgID: &org.ID})
		if err != nil || n != 1 || keys[0].ID != k.ID {
			t.Fatalf("FindKeys: %v %d %v", keys, n, err)
		}
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		id, _, _ := sluice.ParseKeyToken(token)
		_, other, _ := sluice.NewKeyToken()
		for _, bad := range []string{"", "nope", "sk_" + id + "_" + other, token + "x", token[:len(token)-1]} {
			_, err := s.Keys.Authenticate(ctx, bad)
			wantCode(t, err, sluice.EUNAUTHORIZED)
		}
	})
	t.Run("ErrInvalidRole", func(t *testing.T) {
		_, err := s.Keys.CreateKey(ctx, &sluice.APIKey{OrgID: org.ID, Role: "admin"})
		wantCode(t, err, sluice.EINVALID)
	})
	t.Run("ErrUnknownOrg", func(t *testing.T) {
		_, err := s.Keys.CreateKey(ctx, &sluice.APIKey{OrgID: 9999, Role: sluice.RoleOwner})
		wantCode(t, err, sluice.ENOTFOUND)
	})
	t.Run("Revoke", func(t *testing.T) {
		if err := s.Keys.RevokeKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Keys.RevokeKey(ctx, k.ID); err != nil {
			t.Fatalf("second revoke: %v", err)
		}
		_, err := s.Keys.Authenticate(ctx, token)
		wantCode(t, err, sluice.EUNAUTHORIZED)
		wantCode(t, s.Keys.RevokeKey(ctx, "k0000000000"), sluice.ENOTFOUND)
	})
}

func testDataset(t *testing.T, s *Stores) {
	cn := MustCreateOrg(t, s, "cn-rides", "CN")
	eu := MustCreateOrg(t, s, "eu-shop", "EU")
	cnCtx, euCtx := OwnerContext(cn), OwnerContext(eu)
	d := &sluice.Dataset{Name: "trips", Purpose: "ride-hailing", SubjectField: "phone"}
	t.Run("OK", func(t *testing.T) {
		if err := s.Datasets.CreateDataset(cnCtx, d); err != nil {
			t.Fatal(err)
		}
		if d.ID == 0 || d.Region != "CN" || d.OrgID != cn.ID || d.Grade != sluice.GradeGeneral {
			t.Fatalf("got %+v", d)
		}
		got, err := s.Datasets.FindDatasetByID(cnCtx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "trips" || got.Purpose != "ride-hailing" || got.SubjectField != "phone" || got.Region != "CN" || len(got.Fields) != 0 {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		wantCode(t, s.Datasets.CreateDataset(cnCtx, &sluice.Dataset{Name: "trips", Purpose: "x", SubjectField: "phone"}), sluice.ECONFLICT)
		// Another org may use the same name.
		if err := s.Datasets.CreateDataset(euCtx, &sluice.Dataset{Name: "trips", Purpose: "x", SubjectField: "email"}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		wantCode(t, s.Datasets.CreateDataset(cnCtx, &sluice.Dataset{Name: "x", SubjectField: "phone"}), sluice.EINVALID)
		wantCode(t, s.Datasets.CreateDataset(cnCtx, &sluice.Dataset{Name: "x", Purpose: "y"}), sluice.EINVALID)
		wantCode(t, s.Datasets.CreateDataset(context.Background(), &sluice.Dataset{Name: "x", Purpose: "y", SubjectField: "z"}), sluice.EUNAUTHORIZED)
	})
	t.Run("TenantIsolation", func(t *testing.T) {
		_, err := s.Datasets.FindDatasetByID(euCtx, d.ID)
		wantCode(t, err, sluice.ENOTFOUND)
		ds, n, err := s.Datasets.FindDatasets(euCtx, sluice.DatasetFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ds {
			if x.OrgID != eu.ID {
				t.Fatalf("eu-shop sees dataset %d of org %d", x.ID, x.OrgID)
			}
		}
		if n != 1 {
			t.Fatalf("eu-shop sees %d datasets, want 1", n)
		}
	})
}

func testIngest(t *testing.T, s *Stores) {
	cn := MustCreateOrg(t, s, "cn-rides", "CN")
	ctx := OwnerContext(cn)
	d := MustCreateDataset(t, s, ctx, "trips", "phone")
	rs := RecordService(s)

	t.Run("OK", func(t *testing.T) {
		src := Rows(25000, nil) // more than one write batch of any store
		in, err := rs.IngestRecords(ctx, d.ID, src)
		if err != nil {
			t.Fatal(err)
		}
		if in.RecordCount != 25000 || in.State != sluice.IngestCommitted {
			t.Fatalf("ingest %+v", in)
		}
		got, err := s.Datasets.FindDatasetByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.RecordCount != 25000 || len(got.Fields) != 3 || got.Fields[0].Name != "phone" || got.Fields[2].NonEmpty != 12500 {
			t.Fatalf("dataset after ingest: count %d, fields %v", got.RecordCount, fieldNames(got.Fields))
		}
		recs, err := rs.FindRecords(ctx, sluice.RecordFilter{DatasetID: d.ID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 10 || !sluice.IsSubjectKey(recs[0].SubjectKey) || string(recs[0].Data) != `{"phone":"13800000000","name":"张三 0","note":"first \"quoted\""}` {
			t.Fatalf("first record %+v %s", recs[0], recs[0].Data)
		}
		// Paging: the cursor is the last id.
		next, err := rs.FindRecords(ctx, sluice.RecordFilter{DatasetID: d.ID, After: recs[9].ID, Limit: 30000})
		if err != nil {
			t.Fatal(err)
		} else if len(next) != 24990 || next[0].ID <= recs[9].ID {
			t.Fatalf("second page: %d records", len(next))
		}
		// Every record arrived whole and in order.
		keyer := sluice.NewOrgSubjectKeyer([]byte("test secret"), d.OrgID)
		for i, r := range append(recs, next...) {
			phone := fmt.Sprintf("138%08d", i)
			if want := fmt.Sprintf(`{"phone":%q,`, phone); !strings.HasPrefix(string(r.Data), want) || r.SubjectKey != keyer.Key(phone) {
				t.Fatalf("record %d: %s %s, want %s…", i, r.SubjectKey, r.Data, want)
			}
		}
	})
	t.Run("Residency", func(t *testing.T) {
		cnRows, err := s.RawRecordCount("CN")
		if err != nil {
			t.Fatal(err)
		}
		euRows, err := s.RawRecordCount("EU")
		if err != nil {
			t.Fatal(err)
		}
		if cnRows != 25000 || euRows != 0 {
			t.Fatalf("CN store holds %d rows, EU store %d; want 25000 and 0", cnRows, euRows)
		}
	})
	t.Run("Subjects", func(t *testing.T) { testSubjectScan(t, s, d.ID) })
	t.Run("ErrAllOrNothing", func(t *testing.T) {
		before, _ := s.RawRecordCount("CN")
		bad := errors.New("broken upload")
		_, err := rs.IngestRecords(ctx, d.ID, Rows(45000, bad)) // fails after several committed batches
		if !errors.Is(err, bad) {
			t.Fatalf("err = %v, want the source's error", err)
		}
		after, _ := s.RawRecordCount("CN")
		if after != before {
			t.Fatalf("failed ingest left %d rows behind", after-before)
		}
		got, _ := s.Datasets.FindDatasetByID(ctx, d.ID)
		if got.RecordCount != 25000 {
			t.Fatalf("record count %d after failed ingest, want 25000", got.RecordCount)
		}
	})
	t.Run("ErrSubjectMissing", func(t *testing.T) {
		src := &SliceSource{Records: []sluice.InputRecord{
			{Line: 2, Names: []string{"phone", "name"}, Values: []string{"13800000001", "a"}},
			{Line: 3, Names: []string{"phone", "name"}, Values: []string{"", "b"}},
		}}
		_, err := rs.IngestRecords(ctx, d.ID, src)
		var e *sluice.Error
		if !errors.As(err, &e) || e.Code != sluice.EINVALID || e.Line != 3 || e.Field != "phone" {
			t.Fatalf("err = %#v, want EINVALID at line 3, field phone", err)
		}
		src = &SliceSource{Records: []sluice.InputRecord{{Line: 2, Names: []string{"name"}, Values: []string{"a"}}}}
		_, err = rs.IngestRecords(ctx, d.ID, src)
		if !errors.As(err, &e) || e.Code != sluice.EINVALID || e.Line != 2 || e.Field != "phone" {
			t.Fatalf("err = %#v, want EINVALID at line 2, field phone", err)
		}
	})
	t.Run("ErrNotYours", func(t *testing.T) {
		eu := MustCreateOrg(t, s, "eu-shop", "EU")
		_, err := rs.IngestRecords(OwnerContext(eu), d.ID, Rows(1, nil))
		wantCode(t, err, sluice.ENOTFOUND)
		_, err = rs.FindRecords(OwnerContext(eu), sluice.RecordFilter{DatasetID: d.ID})
		wantCode(t, err, sluice.ENOTFOUND)
	})
}

// A SubjectScanner streams the subject keys of a dataset's visible
// records, keeping none: the record stores of both SQL engines are.
type SubjectScanner interface {
	EachSubject(ctx context.Context, datasetID, after, through int64, fn func(id int64, key string) error) error
	EachDistinctSubject(ctx context.Context, datasetID, through int64, fn func(key string) error) error
}

// testSubjectScan checks the subject scans of CN's store against its
// records: every record in id order, bounded by after and through, and
// the distinct keys sorted.
func testSubjectScan(t *testing.T, s *Stores, datasetID int64) {
	ctx := context.Background()
	sc, ok := s.Regions["CN"].(SubjectScanner)
	if !ok {
		t.Fatalf("%T does not stream subject keys", s.Regions["CN"])
	}
	recs, err := s.Regions["CN"].FindRecords(ctx, sluice.RecordFilter{DatasetID: datasetID})
	if err != nil {
		t.Fatal(err)
	} else if len(recs) < 200 {
		t.Fatalf("%d records; the test wants 200 at least", len(recs))
	}
	scan := func(after, through int64) (ids []int64, keys []string) {
		t.Helper()
		if err := sc.EachSubject(ctx, datasetID, after, through, func(id int64, key string) error {
			ids, keys = append(ids, id), append(keys, key)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return ids, keys
	}
	ids, keys := scan(0, 0)
	if len(ids) != len(recs) {
		t.Fatalf("EachSubject: %d records, want %d", len(ids), len(recs))
	}
	for i, r := range recs {
		if ids[i] != r.ID || keys[i] != r.SubjectKey {
			t.Fatalf("EachSubject: record %d is %d %s, want %d %s", i, ids[i], keys[i], r.ID, r.SubjectKey)
		}
	}
	if ids, _ := scan(recs[9].ID, recs[99].ID); len(ids) != 90 || ids[0] != recs[10].ID || ids[89] != recs[99].ID {
		t.Fatalf("EachSubject (%d, %d]: %d records", recs[9].ID, recs[99].ID, len(ids))
	}
	stop := errors.New("stop")
	n := 0
	if err := sc.EachSubject(ctx, datasetID, 0, 0, func(int64, string) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("EachSubject stopped with %v after %d records; want stop after 1", err, n)
	}

	want := slices.Clone(keys[:100])
	slices.Sort(want)
	want = slices.Compact(want)
	var got []string
	if err := sc.EachDistinctSubject(ctx, datasetID, recs[99].ID, func(key string) error {
		got = append(got, key)
		return nil
	}); err != nil {
		t.Fatal(err)
	} else if !slices.Equal(got, want) {
		t.Fatalf("EachDistinctSubject: %d keys, want %d sorted and distinct", len(got), len(want))
	}
}

func testRecover(t *testing.T, s *Stores) {
	cn := MustCreateOrg(t, s, "cn-rides", "CN")
	ctx := OwnerContext(cn)
	d := MustCreateDataset(t, s, ctx, "trips", "phone")
	store := s.Regions["CN"]
	rs := RecordService(s)

	// Crash after the records were written, before the control store
	// committed: Recover removes them.
	lost := &sluice.Ingest{DatasetID: d.ID, Region: "CN"}
	if err := s.Ingests.BeginIngest(ctx, lost); err != nil {
		t.Fatal(err)
	}
	if _, err := store.WriteRecords(ctx, lost, iterate(Rows(100, nil))); err != nil {
		t.Fatal(err)
	}
	// Crash after the control store committed, before the records were
	// made visible: Recover shows them.
	kept := &sluice.Ingest{DatasetID: d.ID, Region: "CN"}
	if err := s.Ingests.BeginIngest(ctx, kept); err != nil {
		t.Fatal(err)
	}
	n, err := store.WriteRecords(ctx, kept, iterate(Rows(7, nil)))
	if err != nil {
		t.Fatal(err)
	}
	kept.RecordCount = n
	if _, err := s.Ingests.FinishIngest(ctx, kept, nil); err != nil {
		t.Fatal(err)
	}
	if recs, _ := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: d.ID}); len(recs) != 0 {
		t.Fatalf("%d records visible before recovery", len(recs))
	}

	if err := rs.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs, err := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: d.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 7 {
		t.Fatalf("%d records visible after recovery, want 7", len(recs))
	}
	if raw, _ := s.RawRecordCount("CN"); raw != 7 {
		t.Fatalf("%d rows in CN store after recovery, want 7", raw)
	}
	if in, err := s.Ingests.FindIngestByID(ctx, lost.ID); err != nil || in.State != sluice.IngestAborted {
		t.Fatalf("lost ingest: %+v, %v", in, err)
	}
	if pending, err := store.PendingIngests(ctx); err != nil || len(pending) != 0 {
		t.Fatalf("pending after recovery: %v, %v", pending, err)
	}
}

func testEvents(t *testing.T, s *Stores) {
	ctx := context.Background()
	org := MustCreateOrg(t, s, "cn-rides", "CN")
	if _, err := s.Keys.CreateKey(ctx, &sluice.APIKey{OrgID: org.ID, Role: sluice.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	d := MustCreateDataset(t, s, OwnerContext(org), "trips", "phone")
	if _, err := RecordService(s).IngestRecords(OwnerContext(org), d.ID, Rows(3, nil)); err != nil {
		t.Fatal(err)
	}
	// A failed change leaves no event.
	_ = s.Orgs.CreateOrg(ctx, &sluice.Org{Name: "cn-rides", Region: "CN"})

	n, err := s.Events.CountEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events.ReadEvents(ctx, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"action":"org.create","actor":{"role":"operator"},"details":{"ciio":false,"kind":"company","region":"CN","sector":""},"object":{"org":"cn-rides"},"time":`,
		`{"action":"key.create","actor":{"role":"operator"},"details":{"role":"owner"},"object":{"key":`,
		`{"action":"dataset.create","actor":{"org":"cn-rides","role":"owner"},"details":{"name":"trips","purpose":"purpose of trips","region":"CN","subject_field":"phone"},"object":{"dataset":`,
		`{"action":"dataset.ingest","actor":{"org":"cn-rides","role":"owner"},"details":{"categories":{},"grade":"general","records":3,"region":"CN"},"fields":["phone","name","note"],"object":{"dataset":`,
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d: %q", len(evs), len(want), evs)
	}
	for i, w := range want {
		if got := string(evs[i]); len(got) < len(w) || got[:len(w)] != w {
			t.Errorf("event %d:\n got %s\nwant %s…", i, got, w)
		}
	}
}

// MustCreateOrg creates an org or fails the test.
func MustCreateOrg(tb testing.TB, s *Stores, name string, region sluice.Region) *sluice.Org {
	tb.Helper()
	o := &sluice.Org{Name: name, Region: region}
	if err := s.Orgs.CreateOrg(context.Background(), o); err != nil {
		tb.Fatal(err)
	}
	return o
}

// MustCreateDataset creates a dataset for the org in ctx or fails the test.
func MustCreateDataset(tb testing.TB, s *Stores, ctx context.Context, name, subjectField string) *sluice.Dataset {
	tb.Helper()
	d := &sluice.Dataset{Name: name, Purpose: "purpose of " + name, SubjectField: subjectField}
	if err := s.Datasets.CreateDataset(ctx, d); err != nil {
		tb.Fatal(err)
	}
	return d
}

// OwnerContext returns a context in which org acts as owner.
func OwnerContext(org *sluice.Org) context.Context {
	return sluice.NewContextWithActor(context.Background(), &sluice.Actor{Org: org, Role: sluice.RoleOwner, Key: "ktest"})
}

// RecordService returns the residency service over s.
func RecordService(s *Stores) *residency.RecordService {
	return &residency.RecordService{Datasets: s.Datasets, Ingests: s.Ingests, Stores: s.Regions, Secret: []byte("test secret")}
}

// Rows returns a source of n records with fields phone, name and note
// (note empty on odd rows); if err is set, the source fails with it after
// n records.
func Rows(n int, err error) sluice.RecordSource {
	return &rowSource{n: n, err: err, rec: sluice.InputRecord{Names: []string{"phone", "name", "note"}, Values: make([]string, 3)}}
}

type rowSource struct {
	i, n int
	err  error
	rec  sluice.InputRecord
}

func (s *rowSource) Read() (*sluice.InputRecord, error) {
	if s.i == s.n {
		if s.err != nil {
			return nil, s.err
		}
		return nil, io.EOF
	}
	s.rec.Line = s.i + 2
	s.rec.Values[0] = fmt.Sprintf("138%08d", s.i)
	s.rec.Values[1] = fmt.Sprintf("张三 %d", s.i)
	s.rec.Values[2] = ""
	if s.i%2 == 0 {
		s.rec.Values[2] = `first "quoted"`
	}
	s.i++
	return &s.rec, nil
}

// SliceSource yields the records it holds.
type SliceSource struct {
	Records []sluice.InputRecord
	i       int
}

// Read implements sluice.RecordSource.
func (s *SliceSource) Read() (*sluice.InputRecord, error) {
	if s.i == len(s.Records) {
		return nil, io.EOF
	}
	s.i++
	return &s.Records[s.i-1], nil
}

// iterate turns a source into a RecordIterator for direct store writes.
func iterate(src sluice.RecordSource) sluice.RecordIterator {
	return &iter{src: src, keyer: sluice.NewSubjectKeyer([]byte("k"))}
}

type iter struct {
	src   sluice.RecordSource
	keyer *sluice.SubjectKeyer
	rec   sluice.Record
	err   error
}

func (it *iter) Next() bool {
	r, err := it.src.Read()
	if err != nil {
		if err != io.EOF {
			it.err = err
		}
		return false
	}
	it.rec = sluice.Record{SubjectKey: it.keyer.Key(r.Values[0]), Data: []byte(`{"phone":"` + r.Values[0] + `"}`)}
	return true
}

func (it *iter) Record() *sluice.Record { return &it.rec }
func (it *iter) Err() error             { return it.err }

func fieldNames(fs []*sluice.Field) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := sluice.ErrorCode(err); got != code {
		tb.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}
