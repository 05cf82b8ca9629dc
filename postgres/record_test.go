package postgres_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
