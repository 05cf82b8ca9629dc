package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/sqlite"
)

// TestLogStore_ReadEntry_BeforeCommitments checks that entries written
// before public entries became commitments (the event itself, no salt)
// stay as they were and verify beside entries written after.
func TestLogStore_ReadEntry_BeforeCommitments(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "control.db")
	control := MustOpenDB(t, sqlite.NewControlDB(path))
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	old := []byte(`{"action":"org.create","actor":{"role":"operator"},"object":{"org":"cn-rides"},"time":"2026-01-02T03:04:05Z"}`)
	if _, err := raw.Exec(`INSERT INTO events (idx, data) VALUES (0, ?)`, old); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.NewEventService(control).AppendEvent(ctx, &sluice.Event{Action: "org.create", Object: map[string]any{"org": "eu-shop"}}); err != nil {
		t.Fatal(err)
	}
	store := sqlite.NewLogStore(control)
	skey, err := auditlog.GenerateKey("sluice.test/log")
	if err != nil {
		t.Fatal(err)
	}
	key, err := auditlog.ParseKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	log := auditlog.New(store, key)
	for idx, legacy := range []bool{true, false} {
		e, err := store.ReadEntry(ctx, int64(idx))
		if err != nil {
			t.Fatal(err)
		}
		if legacy != (e.Salt == nil) || legacy != !auditlog.IsCommitment(e.Leaf) {
			t.Fatalf("entry %d: salt %x, leaf %q", idx, e.Salt, e.Leaf)
		}
		if err := auditlog.CheckEntry(e.Leaf, e.Event, e.Salt); err != nil {
			t.Fatalf("entry %d: %v", idx, err)
		}
		p, err := log.ProveEntry(ctx, int64(idx))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := auditlog.VerifyEntryProof(p, key.Verifier); err != nil {
			t.Fatalf("entry %d: %v", idx, err)
		}
	}
}
