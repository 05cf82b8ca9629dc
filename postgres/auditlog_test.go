package postgres_test

import (
	"context"
	"encoding/hex"
	"os"
	"os/exec"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/postgres"
	"github.com/sluice-gateway/sluice/storetest"
)

// indexChildEnv names the database that TestLogStore_IndexSubjectsChild
// indexes, in the process that TestLogStore_IndexSubjects starts and kills.
const indexChildEnv = "SLUICE_TEST_INDEX_DSN"

// openLogStores opens the audit log side of the control database at dsn.
func openLogStores(tb testing.TB, dsn string) *storetest.Stores {
	tb.Helper()
	db := MustOpenDB(tb, postgres.NewControlDB(dsn))
	return &storetest.Stores{Events: postgres.NewEventService(db), Log: postgres.NewLogStore(db)}
}

func TestLogStore_IndexSubjects(t *testing.T) {
	t.Run("OKKilled", func(t *testing.T) {
		dsn := MustCreateDatabase(t)
		storetest.TestIndexerKilled(t, openLogStores(t, dsn), func(t *testing.T) *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^TestLogStore_IndexSubjectsChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), indexChildEnv+"="+dsn)
			return cmd
		}, func(t *testing.T) {
			// A killed indexer's session holds the index state's row lock
			// until the server sees the connection gone: wait for the lock.
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, `SELECT next FROM subject_index_state FOR UPDATE`); err != nil {
				t.Fatal(err)
			}
		})
	})

	t.Run("OKMigrated", func(t *testing.T) {
		// A database whose events kept their keys in the per-key table of
		// 0002 gets them packed and indexed by 0006.
		ctx := context.Background()
		dsn := MustCreateDatabase(t)
		db := postgres.NewControlDB(dsn)
		if err := db.Open(ctx); err != nil {
			t.Fatal(err)
		}
		s := &storetest.Stores{Events: postgres.NewEventService(db), Log: postgres.NewLogStore(db)}
		want := storetest.AppendSubjectSets(t, s, 5, 40)
		db.Close()

		raw, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close(ctx)
		rows, err := raw.Query(ctx, `SELECT idx, keys FROM event_subject_sets`)
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
			CREATE TABLE event_subjects (subject_key TEXT NOT NULL, idx BIGINT NOT NULL, PRIMARY KEY (subject_key, idx));
			CREATE INDEX event_subjects_idx ON event_subjects (idx, subject_key);
			DELETE FROM schema_migrations WHERE name LIKE '%0006_subject_sets.sql'`)
		for idx, keys := range sets {
			for i := 0; i < len(keys); i += auditlog.KeySize {
				mustExec(t, raw, `INSERT INTO event_subjects (subject_key, idx) VALUES ($1, $2)`, hex.EncodeToString(keys[i:i+auditlog.KeySize]), idx)
			}
		}

		s = openLogStores(t, dsn)
		storetest.CheckSubjectEntries(t, s.Log, want, 1)
		for idx, keys := range sets {
			got, err := s.Log.ReadSubjectSet(ctx, idx)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := auditlog.UnpackSubjects(keys); !slices.Equal(got, want) {
				t.Fatalf("set of entry %d: %d keys, want %d", idx, len(got), len(want))
			}
		}
		// Moved as indexed: nothing left to index.
		if n, more, err := s.Log.(auditlog.SubjectIndexer).IndexSubjects(ctx, auditlog.DefaultIndexBatch); err != nil || n != 0 || more {
			t.Fatalf("indexed %d sets after the move (%v, %v)", n, more, err)
		}
		var old bool
		if err := raw.QueryRow(ctx, `SELECT to_regclass('event_subjects') IS NOT NULL`).Scan(&old); err != nil || old {
			t.Fatalf("the old table is still there: %v, %v", old, err)
		}
	})
}

// TestLogStore_IndexSubjectsChild is the indexer that
// TestLogStore_IndexSubjects kills; it runs only in the process that test
// starts.
func TestLogStore_IndexSubjectsChild(t *testing.T) {
	dsn := os.Getenv(indexChildEnv)
	if dsn == "" {
		t.Skip("runs in the process TestLogStore_IndexSubjects starts")
	}
	s := openLogStores(t, dsn)
	if err := storetest.IndexSubjectsForever(context.Background(), s.Log.(auditlog.SubjectIndexer), 1000, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

func mustExec(tb testing.TB, conn *pgx.Conn, query string, args ...any) {
	tb.Helper()
	if _, err := conn.Exec(context.Background(), query, args...); err != nil {
		tb.Fatal(err)
	}
}
