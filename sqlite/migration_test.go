package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/sqlite"
)

// TestMigrate_FixedTimes writes times the way sluice wrote them before
// they had a fixed width (RFC 3339 with the fewest digits), runs the
// migration that rewrites them again, and checks that every stored time
// has the fixed width, reads back unchanged, and sorts as a time.
func TestMigrate_FixedTimes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "control.db")
	db := sqlite.NewControlDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	times := []time.Time{base.Add(500 * time.Millisecond), base.Add(time.Second), base.Add(time.Second + 250*time.Millisecond), base.Add(2*time.Second + time.Nanosecond)}
	if _, err := raw.Exec(`INSERT INTO orgs (id, name, region, sector, ciio, kind, created_at) VALUES (1, 'cn-old', 'CN', '', 0, 'company', ?)`,
		times[0].Format(time.RFC3339Nano)); err != nil {
		t.Fatal(err)
	}
	for i, at := range times {
		var revoked any
		if i == 3 {
			revoked = at.Format(time.RFC3339Nano)
		}
		if _, err := raw.Exec(`INSERT INTO api_keys (id, org_id, role, secret_hash, created_at, revoked_at) VALUES (?, 1, 'auditor', x'00', ?, ?)`,
			"k"+string(rune('a'+len(times)-i)), at.Format(time.RFC3339Nano), revoked); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.Exec(`DELETE FROM schema_migrations WHERE name LIKE '%0007_fixed_times.sql'`); err != nil {
		t.Fatal(err)
	}

	db = MustOpenDB(t, sqlite.NewControlDB(path))
	var short int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM api_keys WHERE length(created_at) <> 30 OR length(revoked_at) <> 30`).Scan(&short); err != nil {
		t.Fatal(err)
	} else if short != 0 {
		t.Fatalf("%d keys keep times that are not of fixed width", short)
	}
	keys, _, err := sqlite.NewKeyService(db).FindKeys(ctx, sluice.KeyFilter{})
	if err != nil {
		t.Fatal(err)
	} else if len(keys) != len(times) {
		t.Fatalf("%d keys, want %d", len(keys), len(times))
	}
	for i, k := range keys {
		if !k.CreatedAt.Equal(times[i]) {
			t.Errorf("key %d created %s, want %s", i, k.CreatedAt.Format(time.RFC3339Nano), times[i].Format(time.RFC3339Nano))
		}
	}
	if r := keys[3].RevokedAt; r == nil || !r.Equal(times[3]) {
		t.Errorf("revoked at %v, want %s", r, times[3])
	}
	org, err := sqlite.NewOrgService(db).FindOrgByID(ctx, 1)
	if err != nil {
		t.Fatal(err)
	} else if !org.CreatedAt.Equal(times[0]) {
		t.Errorf("org created %s, want %s", org.CreatedAt, times[0])
	}
}

// TestMigrate_NewerSchema: a database a newer sluice migrated is refused,
// naming the migration this one lacks, and left as it was.
func TestMigrate_NewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "control.db")
	db := sqlite.NewControlDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO schema_migrations (schema, name) VALUES ('control', 'migration/control/9999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	db = sqlite.NewControlDB(path)
	err = db.Open()
	if err == nil {
		db.Close()
		t.Fatal("opened a database migrated by a newer sluice")
	}
	if !strings.Contains(err.Error(), "9999_future.sql") || !strings.Contains(err.Error(), "newer sluice") {
		t.Errorf("error %q does not say which migration, or why", err)
	}
}
