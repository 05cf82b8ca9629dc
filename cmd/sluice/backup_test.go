package main

import (
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestBackup_UnderLoad backs up a data directory while ingests stream in,
// restores it, serves it, and checks that the copy is one moment of the
// server: the log verifies entry by entry, and the records in the region
// store are exactly those of the ingests the control store committed.
func TestBackup_UnderLoad(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SLUICE_DATA_DIR": dir, "SLUICE_REGIONS": "CN"}
	mustInit(t, env)
	key := mustOwner(t, env, "cn-rides")
	m := MustRunMain(t, dir)
	id, _ := strconv.ParseInt(createDataset(t, m.URL(), key, "trips", "phone"), 10, 64)
	h := hammer(m.URL(), key, id, 3)
	waitFor(t, func() bool { return h.count() >= 20 })
	backup := filepath.Join(t.TempDir(), "backup")
	code, out, errOut := runCLI(t, env, "", "backup", "--to", backup)
	acked := h.finish()
	if code != 0 {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, env, "", "backup", "--to", backup); code != 1 || !strings.Contains(errOut, "exists") {
		t.Fatalf("backup over a backup: %d %s", code, errOut)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	if code, out, errOut := runCLI(t, nil, "", "restore", "--from", backup, "--data-dir", restored); code != 0 {
		t.Fatalf("restore: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, nil, "", "restore", "--from", backup, "--data-dir", restored); code != 1 || !strings.Contains(errOut, "already") {
		t.Fatalf("restore over a data directory: %d %s", code, errOut)
	}

	// The copies agree: every committed ingest's records, and no others.
	var committed, ingests int64
	control := openSQLite(t, filepath.Join(restored, "control.db"))
	if err := control.QueryRow(`SELECT COALESCE(SUM(record_count), 0), COUNT(*) FROM ingests WHERE state = 'committed'`).Scan(&committed, &ingests); err != nil {
		t.Fatal(err)
	}
	var records int64
	if err := openSQLite(t, filepath.Join(restored, "region-cn.db")).QueryRow(`SELECT COUNT(*) FROM records`).Scan(&records); err != nil {
		t.Fatal(err)
	}
	if records != committed || ingests == 0 {
		t.Fatalf("restored: %d records in the region store, %d in the %d ingests committed in the control store", records, committed, ingests)
	}
	t.Logf("backup under load: %d ingests acknowledged during the run, %d in the backup, %d records", len(acked), ingests, records)

	// Served, the restored log verifies, entry by entry.
	m2 := MustRunMain(t, restored)
	_, logKey, _ := runCLI(t, map[string]string{"SLUICE_DATA_DIR": restored}, "", "log", "key")
	if code, out, errOut := runCLI(t, nil, "", "verify", "--url", m2.URL()+"/log", "--log-key", strings.TrimSpace(logKey), "--entries"); code != 0 {
		t.Fatalf("verify the restored log: %d %s %s", code, out, errOut)
	}
}

func openSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
