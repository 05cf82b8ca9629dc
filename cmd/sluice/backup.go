package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/sqlite"
)

// backupFiles are the files of a data directory other than the stores
// that a backup must hold: without the subject-key secret, stored subject
// keys match no one; without the log key, the log cannot grow.
var backupFiles = []string{dataDirFile, subjectKeyFile, logKeyFile}

func runBackup(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "backup", "backup --to DIR [--data-dir DIR]", `
# While the server runs; DIR must not exist yet:
sluice backup --to /backups/sluice-2026-12-06`)
	var c StoreConfig
	addStoreFlags(fs, env, &c, false)
	to := fs.String("to", "", "directory to create with the backup (required)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *to == "" || fs.NArg() > 0 {
		fmt.Fprintln(env.Stderr, "sluice backup: give --to DIR and no arguments")
		return errUsage
	}
	if err := requireDataDir(c.DataDir); err != nil {
		return err
	}
	if err := c.parseRegions(); err != nil {
		return err
	}
	if c.ControlDSN != "" || len(c.RegionDSNs) > 0 {
		return fmt.Errorf("sluice backup copies SQLite stores; stores in PostgreSQL are backed up with pg_dump or point-in-time recovery (see README, Backup), beside the key files %s", strings.Join(backupFiles[1:], " and "))
	}
	return backupDataDir(ctx, env.Stdout, &c, *to)
}

// backupDataDir copies a data directory to the new directory to, as of
// one moment: the control store is copied first (its ingests, audit log
// and checkpoint as of then), then each region's records; records of
// ingests the control copy does not hold as committed are then removed
// from the region copies, and those it holds as committed made visible,
// so that the copies agree with each other as the control store stood.
func backupDataDir(ctx context.Context, w io.Writer, c *StoreConfig, to string) error {
	if _, err := os.Stat(to); err == nil {
		return fmt.Errorf("%s exists: a backup goes to a new directory", to)
	}
	if err := os.MkdirAll(to, 0o700); err != nil {
		return err
	}
	control := filepath.Join(to, "control.db")
	if err := vacuumInto(ctx, filepath.Join(c.DataDir, "control.db"), control); err != nil {
		return fmt.Errorf("back up the control store: %w", err)
	}
	fmt.Fprintf(w, "Copied control store to %s\n", control)
	for _, r := range c.Regions {
		src := regionPath(c.DataDir, r)
		if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
			continue
		}
		dst := regionPath(to, r)
		if err := vacuumInto(ctx, src, dst); err != nil {
			return fmt.Errorf("back up the records of %s: %w", r, err)
		}
		removed, err := reconcileRegion(ctx, control, dst, r)
		if err != nil {
			return fmt.Errorf("reconcile the records of %s: %w", r, err)
		}
		fmt.Fprintf(w, "Copied records of %s to %s", r, dst)
		if removed > 0 {
			fmt.Fprintf(w, " (left out %d ingest(s) begun after the control store's copy)", removed)
		}
		fmt.Fprintln(w)
	}
	for _, name := range backupFiles {
		b, err := os.ReadFile(filepath.Join(c.DataDir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(to, name), b, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(w, "Copied %s\n", name)
	}
	fmt.Fprintf(w, "Backup complete: %s. Restore with: sluice restore --from %s --data-dir DIR\n", to, to)
	return nil
}

// vacuumInto writes a transaction-consistent copy of the SQLite database
// src to dst while others may be writing to src (SQLite's VACUUM INTO,
// an online backup that also compacts).
func vacuumInto(ctx context.Context, src, dst string) error {
	db, err := sql.Open("sqlite3", "file:"+src+"?mode=ro&_busy_timeout=30000")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, dst)
	return err
}

// reconcileRegion makes the region copy at path agree with the control
// copy: the records of an ingest committed there are visible, all others
// removed. It returns the number of ingests removed.
func reconcileRegion(ctx context.Context, controlPath, path string, r sluice.Region) (int, error) {
	committed := map[int64]bool{}
	cdb, err := sql.Open("sqlite3", "file:"+controlPath+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer cdb.Close()
	rows, err := cdb.QueryContext(ctx, `SELECT id FROM ingests WHERE region = ? AND state = ?`, string(r), string(sluice.IngestCommitted))
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		committed[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}

	var ids []int64
	var states []string
	rdb, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	rows, err = rdb.QueryContext(ctx, `SELECT id, state FROM record_ingests`)
	if err != nil {
		rdb.Close()
		return 0, err
	}
	for rows.Next() {
		var id int64
		var state string
		if err := rows.Scan(&id, &state); err != nil {
			rows.Close()
			rdb.Close()
			return 0, err
		}
		ids, states = append(ids, id), append(states, state)
	}
	rows.Close()
	rdb.Close()

	db := sqlite.NewRegionDB(path)
	if err := db.Open(); err != nil {
		return 0, err
	}
	defer db.Close()
	store := sqlite.NewRecordStore(db, r)
	removed := 0
	for i, id := range ids {
		switch {
		case committed[id] && states[i] != string(sluice.IngestCommitted):
			err = store.CommitIngest(ctx, id)
		case !committed[id]:
			err = store.AbortIngest(ctx, id)
			removed++
		}
		if err != nil {
			return removed, fmt.Errorf("ingest %d: %w", id, err)
		}
	}
	return removed, nil
}

func runRestore(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "restore", "restore --from DIR [--data-dir DIR]", `
# Into a new data directory, with no server running on it:
sluice restore --from /backups/sluice-2026-12-06 --data-dir /var/lib/sluice-restored`)
	dir := fs.String("data-dir", envOr(env, "SLUICE_DATA_DIR", DefaultDataDir), "the data directory to create (env SLUICE_DATA_DIR)")
	from := fs.String("from", "", "a directory made by sluice backup (required)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *from == "" || fs.NArg() > 0 {
		fmt.Fprintln(env.Stderr, "sluice restore: give --from DIR and no arguments")
		return errUsage
	}
	if !isDataDir(*from) {
		return fmt.Errorf("%s is not a sluice backup (no %s, control.db or %s)", *from, dataDirFile, logKeyFile)
	}
	if isDataDir(*dir) {
		return fmt.Errorf("%s is a sluice data directory already: restore into a new one, then swap them with the server stopped", *dir)
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(*from)
	if err != nil {
		return err
	}
	// The stores first, sluice.json last: a restore cut short leaves no
	// directory that passes for a data directory with parts missing.
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && e.Name() != dataDirFile && e.Name() != "control.db" {
			names = append(names, e.Name())
		}
	}
	names = append(names, "control.db", dataDirFile)
	for _, name := range names {
		if err := copyFile(filepath.Join(*from, name), filepath.Join(*dir, name)); errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return fmt.Errorf("restore %s: %w", name, err)
		}
		fmt.Fprintf(env.Stdout, "Restored %s\n", name)
	}
	fmt.Fprintf(env.Stdout, "Restore complete: sluice serve --data-dir %s; then sluice verify --url …/log --log-key \"$(sluice log key --data-dir %s)\"\n", *dir, *dir)
	return nil
}

func init() {
	commands = append(commands,
		command{"backup", "copy every SQLite store, the keys and the log state, consistently, while serving", runBackup},
		command{"restore", "make a data directory from a backup", runRestore},
	)
}

// copyFile copies src to the new file dst, streaming, synced, wholly or
// not at all.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Link(tmp.Name(), dst)
}
