package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/sqlite"
	"github.com/sluice-gateway/sluice/storetest"
)

// indexChildEnv names the database that TestLogStore_IndexSubjectsChild
// indexes, in the process that TestLogStore_IndexSubjects starts and kills.
const indexChildEnv = "SLUICE_TEST_INDEX_DB"

// openLogStores opens the audit log side of a control database at path.
func openLogStores(tb testing.TB, path string) *storetest.Stores {
	tb.Helper()
	db := MustOpenDB(tb, sqlite.NewControlDB(path))
	return &storetest.Stores{Events: sqlite.NewEventService(db), Log: sqlite.NewLogStore(db)}
}

func TestLogStore_IndexSubjects(t *testing.T) {
	t.Run("OKKilled", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "control.db")
		storetest.TestIndexerKilled(t, openLogStores(t, path), func(t *testing.T) *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^TestLogStore_IndexSubjectsChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), indexChildEnv+"="+path)
			return cmd
		}, nil)
	})

	t.Run("OKMigrated", func(t *testing.T) {
		// A database whose events kept their keys in the per-key table of
		// 0002 gets them packed and indexed by 0006.
		path := filepath.Join(t.TempDir(), "control.db")
		db := sqlite.NewControlDB(path)
		if err := db.Open(); err != nil {
			t.Fatal(err)
		}
		s := &storetest.Stores{Events: sqlite.NewEventService(db), Log: sqlite.NewLogStore(db)}
		want := storetest.AppendSubjectSets(t, s, 5, 40)
		db.Close()

		raw, err := sql.Open("sqlite3", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		rows, err := raw.Query(`SELECT idx, keys FROM event_subject_sets`)
		if err != nil {
			t.Fatal(err)
		}
		sets := map[int64][]byte{}
		for rows.Next() {
			var idx int64
			var keys []byte
			if err := rows.Scan(&idx, &keys); err != nil {
				t.Fatal(err)
			}
			sets[idx] = keys
		}
		if err := rows.Err(); err != nil || len(sets) != 5 {
			t.Fatalf("%d sets: %v", len(sets), err)
		}
		mustExec(t, raw, `
			DROP TABLE event_subject_sets; DROP TABLE event_subject_index; DROP TABLE subject_index_state;
			CREATE TABLE event_subjects (subject_key TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (subject_key, idx)) WITHOUT ROWID;
			CREATE INDEX event_subjects_idx ON event_subjects (idx, subject_key);
			DELETE FROM schema_migrations WHERE name LIKE '%0006_subject_sets.sql'`)
		for idx, keys := range sets {
			for i := 0; i < len(keys); i += auditlog.KeySize {
				mustExec(t, raw, `INSERT INTO event_subjects (subject_key, idx) VALUES (?, ?)`, hex.EncodeToString(keys[i:i+auditlog.KeySize]), idx)
			}
		}

		s = openLogStores(t, path)
		storetest.CheckSubjectEntries(t, s.Log, want, 1)
		for idx, keys := range sets {
			got, err := s.Log.ReadSubjectSet(context.Background(), idx)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := auditlog.UnpackSubjects(keys); !slices.Equal(got, want) {
				t.Fatalf("set of entry %d: %d keys, want %d", idx, len(got), len(want))
			}
		}
		// Moved as indexed: nothing left to index.
		if n, more, err := s.Log.(auditlog.SubjectIndexer).IndexSubjects(context.Background(), auditlog.DefaultIndexBatch); err != nil || n != 0 || more {
			t.Fatalf("indexed %d sets after the move (%v, %v)", n, more, err)
		}
		var old int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'event_subjects'`).Scan(&old); err != nil || old != 0 {
			t.Fatalf("the old table is still there: %d, %v", old, err)
		}
	})
}

// TestLogStore_IndexSubjectsChild is the indexer that
// TestLogStore_IndexSubjects kills; it runs only in the process that test
// starts.
func TestLogStore_IndexSubjectsChild(t *testing.T) {
	path := os.Getenv(indexChildEnv)
	if path == "" {
		t.Skip("runs in the process TestLogStore_IndexSubjects starts")
	}
	s := openLogStores(t, path)
	if err := storetest.IndexSubjectsForever(context.Background(), s.Log.(auditlog.SubjectIndexer), 1000, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

func mustExec(tb testing.TB, db *sql.DB, query string, args ...any) {
	tb.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkEventService_AppendEvent measures appending the audit event of
// a consumer's read of 100,000 records: 90,000 people, committed to as a
// set whose keys are stored beside the event in its transaction.
//
//	go test -run '^$' -bench 'EventService_AppendEvent|LogStore_IndexSubjects' -benchtime 20x ./sqlite/
func BenchmarkEventService_AppendEvent(b *testing.B) {
	s := openLogStores(b, filepath.Join(b.TempDir(), "control.db"))
	e := &sluice.Event{Action: "records.read", Object: map[string]any{"dataset": 1}}
	if err := auditlog.SetSubjects(e, storetest.SubjectKeys(0, 90_000)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		e.Time = time.Time{}
		if _, err := s.Events.AppendEvent(context.Background(), e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(90_000*b.N)/b.Elapsed().Seconds(), "keys/s")
}

// BenchmarkLogStore_IndexSubjects measures the background indexer: each
// round appends one event about 90,000 people (not timed), 1 in 10 of them
// new, and indexes its set into an index that grows round by round.
func BenchmarkLogStore_IndexSubjects(b *testing.B) {
	s := openLogStores(b, filepath.Join(b.TempDir(), "control.db"))
	ix := s.Log.(auditlog.SubjectIndexer)
	round := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		e := &sluice.Event{Action: "records.read", Object: map[string]any{"dataset": 1}}
		if err := auditlog.SetSubjects(e, storetest.SubjectKeys(round*9_000, round*9_000+90_000)); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Events.AppendEvent(context.Background(), e); err != nil {
			b.Fatal(err)
		}
		round++
		b.StartTimer()
		if n, _, err := ix.IndexSubjects(context.Background(), auditlog.DefaultIndexBatch); err != nil || n != 1 {
			b.Fatalf("indexed %d sets: %v", n, err)
		}
	}
	b.ReportMetric(float64(90_000*b.N)/b.Elapsed().Seconds(), "keys/s")
}
