package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/sqlite"
)

// TestDB_Open_Path checks that data directories whose names hold
// characters a SQLite URI gives meaning to open the file they name, and
// that store files are private to their owner.
func TestDB_Open_Path(t *testing.T) {
	for _, name := range []string{"a#b", "a?b", "a%20b", "100%"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), name)
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "control.db")
			db := MustOpenDB(t, sqlite.NewControlDB(path))
			if err := sqlite.NewOrgService(db).CreateOrg(context.Background(), &sluice.Org{Name: "cn-rides", Region: "CN"}); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatalf("the store is not at %s: %v", path, err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Fatalf("%s has mode %v, want 0600", path, fi.Mode().Perm())
			}
			entries, _ := os.ReadDir(filepath.Dir(dir))
			if len(entries) != 1 {
				t.Fatalf("files beside the data directory: %v", entries)
			}
			for _, suffix := range []string{"-wal", "-shm"} {
				if fi, err := os.Stat(path + suffix); err == nil && fi.Mode().Perm() != 0o600 {
					t.Fatalf("%s has mode %v", path+suffix, fi.Mode().Perm())
				}
			}
		})
	}
}
