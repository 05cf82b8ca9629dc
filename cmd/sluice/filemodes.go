package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
)

// warnWideModes logs a warning for the data directory if others than its
// owner may enter it, and for each store file and key in it that others
// may read or write: sluice creates them 0700 and 0600, so a wider mode
// was set by hand, or by a copy or restore.
func warnWideModes(ctx context.Context, logger *slog.Logger, dir string) {
	if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		logger.WarnContext(ctx, "the data directory is open to other users; chmod 700 it",
			slog.String("path", dir), slog.String("mode", fi.Mode().Perm().String()))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if private(e.Name()) {
			logger.WarnContext(ctx, "a store or key file is open to other users; chmod 600 it",
				slog.String("path", filepath.Join(dir, e.Name())), slog.String("mode", fi.Mode().Perm().String()))
		}
	}
}

// private reports whether a data directory file holds stored data or keys.
func private(name string) bool {
	for _, pat := range []string{"*.db", "*.db-wal", "*.db-shm", "*.key", "*secret*"} {
		if ok, _ := filepath.Match(pat, name); ok {
			return true
		}
	}
	return false
}
