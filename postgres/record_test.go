package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/postgres"
)

// recordIterator yields n records whose subject key is keyer's key of
// their number.
type recordIterator struct {
	keyer *sluice.SubjectKeyer
	i, n  int
	rec   sluice.Record
}

func (it *recordIterator) Next() bool {
	if it.i == it.n {
		return false
	}
	it.i++
	v := fmt.Sprint(13800000000 + it.i)
	it.rec = sluice.Record{SubjectKey: it.keyer.Key(v), Data: []byte(`{"phone":"` + v + `"}`)}
	return true
}

func (it *recordIterator) Record() *sluice.Record { return &it.rec }
func (it *recordIterator) Err() error             { return nil }

// An ingest larger than the ids WriteRecords reserves for one COPY is
// written in several, each record once, with ids that increase in the
// order of the records; a later ingest's ids are above.
func TestWriteRecordsInChunks(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, postgres.NewRegionDB(MustCreateDatabase(t)))
	store := postgres.NewRecordStore(db, "CN")
	keyer := sluice.NewSubjectKeyer([]byte("secret"))
	const n = 64*1024 + 1500 // more than one COPY's worth of ids
	for ingest, count := range []int{n, 3} {
		in := &sluice.Ingest{ID: int64(ingest + 1), DatasetID: 7, Region: "CN"}
		if got, err := store.WriteRecords(ctx, in, &recordIterator{keyer: keyer, n: count}); err != nil || got != int64(count) {
			t.Fatalf("ingest %d: wrote %d, %v; want %d", in.ID, got, err, count)
		}
		if err := store.CommitIngest(ctx, in.ID); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	var keys []string
	if err := store.EachSubject(ctx, 7, 0, 0, func(id int64, key string) error {
		ids, keys = append(ids, id), append(keys, key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(ids) != n+3 {
		t.Fatalf("%d records, want %d", len(ids), n+3)
	}
	for i := range ids {
		if i > 0 && ids[i] <= ids[i-1] {
			t.Fatalf("record %d: id %d after %d", i, ids[i], ids[i-1])
		}
		want := keyer.Key(fmt.Sprint(13800000000 + i%n + 1))
		if keys[i] != want {
			t.Fatalf("record %d: subject key %s, want %s", i, keys[i], want)
		}
	}
}

// Region migration 0008 keeps a store's records, ids and subject keys (now
// stored as bytes, read as hex), and the identity hands out ids above
// theirs.
func TestMigrationKeepsRecords(t *testing.T) {
	ctx := context.Background()
	dsn := MustCreateDatabase(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// The region schema as it was before 0008.
	mustExec(t, conn, `CREATE TABLE schema_migrations (schema TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (schema, name))`)
	names, err := filepath.Glob("migration/region/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	for _, name := range names {
		if filepath.Base(name) >= "0008" {
			break
		}
		sql, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, conn, string(sql))
		mustExec(t, conn, `INSERT INTO schema_migrations (schema, name) VALUES ('region', $1)`, filepath.ToSlash(name))
	}
	keyer := sluice.NewSubjectKeyer([]byte("secret"))
	mustExec(t, conn, `INSERT INTO record_ingests (id, dataset_id, state) VALUES (1, 7, 'committed')`)
	for i := 1; i <= 3; i++ {
		mustExec(t, conn, `INSERT INTO records (dataset_id, ingest_id, subject_key, data) VALUES (7, 1, $1, '{}')`, keyer.Key(fmt.Sprint(i)))
	}

	store := postgres.NewRecordStore(MustOpenDB(t, postgres.NewRegionDB(dsn)), "CN")
	in := &sluice.Ingest{ID: 2, DatasetID: 7, Region: "CN"}
	if _, err := store.WriteRecords(ctx, in, &recordIterator{keyer: keyer, n: 2}); err != nil {
		t.Fatal(err)
	}
	if err := store.CommitIngest(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	recs, err := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: 7})
	if err != nil || len(recs) != 5 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	for i, r := range recs[:3] {
		if r.ID != int64(i+1) || r.SubjectKey != keyer.Key(fmt.Sprint(i+1)) {
			t.Fatalf("record %d: id %d, key %s", i, r.ID, r.SubjectKey)
		}
	}
	if recs[3].ID <= 3 || recs[4].ID != recs[3].ID+1 || recs[3].SubjectKey != keyer.Key("13800000001") {
		t.Fatalf("new records: %+v %+v", recs[3], recs[4])
	}
}

// badKeyIterator yields one record whose subject key is not a key.
type badKeyIterator struct{ done bool }

func (it *badKeyIterator) Next() bool {
	next := !it.done
	it.done = true
	return next
}

func (it *badKeyIterator) Record() *sluice.Record {
	return &sluice.Record{SubjectKey: "not a key", Data: []byte(`{}`)}
}
func (it *badKeyIterator) Err() error { return nil }

// A record whose subject key is not 64 hex characters fails the ingest,
// and leaves nothing behind.
func TestWriteRecordsBadSubjectKey(t *testing.T) {
	ctx := context.Background()
	store := postgres.NewRecordStore(MustOpenDB(t, postgres.NewRegionDB(MustCreateDatabase(t))), "CN")
	in := &sluice.Ingest{ID: 1, DatasetID: 7, Region: "CN"}
	if _, err := store.WriteRecords(ctx, in, &badKeyIterator{}); err == nil || !strings.Contains(err.Error(), "subject key") {
		t.Fatalf("wrote a record with a bad subject key: %v", err)
	}
	if ids, err := store.PendingIngests(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("pending after a failed write: %v %v", ids, err)
	}
}

// A database a newer sluice migrated is refused, naming the migration this
// one lacks.
func TestMigrate_NewerSchema(t *testing.T) {
	ctx := context.Background()
	dsn := MustCreateDatabase(t)
	MustOpenDB(t, postgres.NewRegionDB(dsn))
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	mustExec(t, conn, `INSERT INTO schema_migrations (schema, name) VALUES ('region', 'migration/region/9999_future.sql')`)
	db := postgres.NewRegionDB(dsn)
	err = db.Open(ctx)
	if err == nil {
		db.Close()
		t.Fatal("opened a database migrated by a newer sluice")
	}
	if !strings.Contains(err.Error(), "9999_future.sql") || !strings.Contains(err.Error(), "newer sluice") {
		t.Errorf("error %q does not say which migration, or why", err)
	}
}

// Records ingested share rows of the records table (blocks), and every
// read and change of one record sees it as its own: reads from within a
// block, erasure, rewrite and restriction of a record inside one,
// erasure by subject key, counts, distinct subjects and the rescoping of
// subject keys.
func TestRecordBlocks(t *testing.T) {
	ctx := context.Background()
	dsn := MustCreateDatabase(t)
	store := postgres.NewRecordStore(MustOpenDB(t, postgres.NewRegionDB(dsn)), "CN")
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	keyer := sluice.NewSubjectKeyer([]byte("secret"))
	const n = 200
	for i, ds := range []int64{7, 8} {
		in := &sluice.Ingest{ID: int64(i + 1), DatasetID: ds, Region: "CN"}
		if got, err := store.WriteRecords(ctx, in, &recordIterator{keyer: keyer, n: n}); err != nil || got != n {
			t.Fatalf("wrote %d, %v", got, err)
		}
		if err := store.CommitIngest(ctx, in.ID); err != nil {
			t.Fatal(err)
		}
	}
	var rows, records int64
	if err := conn.QueryRow(ctx, `SELECT COUNT(*), SUM(n) FROM records WHERE dataset_id = 7`).Scan(&rows, &records); err != nil {
		t.Fatal(err)
	}
	if records != n || rows > n/8 {
		t.Fatalf("%d records in %d rows: not in blocks", records, rows)
	}
	all, err := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: 7})
	if err != nil || len(all) != n {
		t.Fatalf("%d records, %v", len(all), err)
	}
	for i, r := range all {
		v := fmt.Sprint(13800000000 + i + 1)
		if i > 0 && r.ID != all[i-1].ID+1 || r.DatasetID != 7 || r.IngestID != 1 ||
			r.SubjectKey != keyer.Key(v) || string(r.Data) != `{"phone":"`+v+`"}` {
			t.Fatalf("record %d: %+v", i, r)
		}
	}
	id := func(i int) int64 { return all[i].ID }
	// Pages that start and end inside blocks.
	var paged []int64
	for after := int64(0); ; {
		page, err := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: 7, After: after, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			paged = append(paged, r.ID)
		}
		if len(page) < 7 {
			break
		}
		after = page[len(page)-1].ID
	}
	if len(paged) != n || paged[0] != id(0) || paged[n-1] != id(n-1) {
		t.Fatalf("paged %d records", len(paged))
	}
	scan, err := store.ScanRecords(ctx, 7, id(10), 5)
	if err != nil || len(scan) != 5 || scan[0].ID != id(11) || scan[4].ID != id(15) {
		t.Fatalf("scan: %d records, %v", len(scan), err)
	}
	ids, keys, err := store.ListSubjects(ctx, 7, id(3), id(40), 20)
	if err != nil || len(ids) != 20 || ids[0] != id(4) || keys[0] != all[4].SubjectKey {
		t.Fatalf("list: %v %v", ids, err)
	}
	var each []int64
	if err := store.EachSubject(ctx, 7, id(20), id(30), func(id int64, key string) error {
		each = append(each, id)
		return nil
	}); err != nil || len(each) != 10 || each[0] != id(21) || each[9] != id(30) {
		t.Fatalf("each: %v %v", each, err)
	}
	distinct := 0
	if err := store.EachDistinctSubject(ctx, 7, id(49), func(key string) error {
		distinct++
		return nil
	}); err != nil || distinct != 50 {
		t.Fatalf("%d distinct subjects through record 50, %v", distinct, err)
	}
	if c, err := store.CountSubjects(ctx, 7, 0); err != nil || c != n {
		t.Fatalf("%d subjects, %v", c, err)
	}

	// One record erased, one rewritten and one restricted inside blocks.
	counts, err := store.ApplySubjectChange(ctx, &sluice.SubjectChange{
		RequestID: 1, Datasets: []int64{7},
		Delete:   []int64{id(30)},
		Rewrite:  map[int64][]byte{id(31): []byte(`{"phone":"x"}`)},
		Restrict: map[int64]string{id(90): "contested"},
	})
	if err != nil || counts[7] != n-1 {
		t.Fatalf("counts %v, %v", counts, err)
	}
	if m, err := store.DeleteSubjectRecords(ctx, 7, []string{all[150].SubjectKey}); err != nil || m != 1 {
		t.Fatalf("deleted %d by subject key, %v", m, err)
	}
	got, err := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: 7})
	if err != nil || len(got) != n-3 {
		t.Fatalf("%d records after the change, %v", len(got), err)
	}
	for _, r := range got {
		switch r.ID {
		case id(30), id(90), id(150):
			t.Fatalf("record %d served", r.ID)
		case id(31):
			if string(r.Data) != `{"phone":"x"}` {
				t.Fatalf("rewritten record: %s", r.Data)
			}
		default:
			if want := all[r.ID-id(0)]; string(r.Data) != string(want.Data) || r.SubjectKey != want.SubjectKey {
				t.Fatalf("record %d: %+v", r.ID, r)
			}
		}
	}
	if scan, err := store.ScanRecords(ctx, 7, 0, n); err != nil || len(scan) != n-2 {
		t.Fatalf("scan: %d records, %v", len(scan), err)
	}
	// Pages over blocks and the rows split out of them, larger than a
	// block.
	for _, limit := range []int{1, 50, 150} {
		var paged []*sluice.Record
		for after := int64(0); ; {
			page, err := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: 7, After: after, Limit: limit})
			if err != nil || len(page) > limit {
				t.Fatalf("page of %d: %d records, %v", limit, len(page), err)
			}
			paged = append(paged, page...)
			if len(page) < limit {
				break
			}
			after = page[len(page)-1].ID
		}
		if len(paged) != len(got) {
			t.Fatalf("pages of %d: %d records, want %d", limit, len(paged), len(got))
		}
		for i := range paged {
			if paged[i].ID != got[i].ID || string(paged[i].Data) != string(got[i].Data) {
				t.Fatalf("pages of %d: record %d is %d, want %d", limit, i, paged[i].ID, got[i].ID)
			}
		}
		ids, _, err := store.ListSubjects(ctx, 7, id(2), 0, limit)
		if want := min(limit, len(got)-2); err != nil || len(ids) != want || ids[0] != id(3) {
			t.Fatalf("list of %d: %d ids, want %d, %v", limit, len(ids), want, err)
		}
	}
	if c, err := store.CountIngestRecords(ctx, 7, 1); err != nil || c != n-2 {
		t.Fatalf("%d records of the ingest, %v", c, err)
	}
	if other, err := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: 8}); err != nil || len(other) != n {
		t.Fatalf("the other dataset: %d records, %v", len(other), err)
	}

	// Rescoping rewrites every key of every block.
	mustExec(t, conn, `DELETE FROM subject_key_scope`)
	sc := sluice.NewSubjectScoper([]byte("master"))
	if m, done, err := store.RescopeSubjectKeys(ctx, map[int64]int64{7: 1, 8: 2}, sc); err != nil || !done || m != 2*n-2 {
		t.Fatalf("rescoped %d, %v, %v", m, done, err)
	}
	got, err = store.FindRecords(ctx, sluice.RecordFilter{DatasetID: 8})
	if err != nil || len(got) != n {
		t.Fatal(len(got), err)
	}
	for i, r := range got {
		if want := sc.Scope(2, keyer.Key(fmt.Sprint(13800000000+i+1))); r.SubjectKey != want {
			t.Fatalf("record %d: key not rescoped", i)
		}
	}
	if n, err := store.DeleteDatasetRecords(ctx, 8); err != nil || n != 200 {
		t.Fatalf("deleted %d, %v", n, err)
	}
}

// TestRecordBlocks_ConcurrentChanges changes two records of one block at
// once, many times: the two splits of the block wait for each other, and
// both changes succeed.
func TestRecordBlocks_ConcurrentChanges(t *testing.T) {
	ctx := context.Background()
	store := postgres.NewRecordStore(MustOpenDB(t, postgres.NewRegionDB(MustCreateDatabase(t))), "CN")
	keyer := sluice.NewSubjectKeyer([]byte("secret"))
	const n = 400
	in := &sluice.Ingest{ID: 1, DatasetID: 7, Region: "CN"}
	if got, err := store.WriteRecords(ctx, in, &recordIterator{keyer: keyer, n: n}); err != nil || got != n {
		t.Fatalf("wrote %d, %v", got, err)
	}
	if err := store.CommitIngest(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	all, err := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: 7})
	if err != nil || len(all) != n {
		t.Fatalf("%d records, %v", len(all), err)
	}
	for i := 0; i+1 < n; i += 8 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for k := range 2 {
			wg.Go(func() {
				_, errs[k] = store.ApplySubjectChange(ctx, &sluice.SubjectChange{Datasets: []int64{7}, Delete: []int64{all[i+k].ID}})
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("records %d and %d at once: %v", i, i+1, err)
		}
	}
	left, err := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: 7})
	if err != nil || len(left) != n-n/4 {
		t.Fatalf("%d records left, want %d: %v", len(left), n-n/4, err)
	}
}
