package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy/route"
)

// dataDirFile marks a directory as a sluice data directory. sluice init
// writes it; every other command refuses a directory without it (or
// without the stores and keys of a directory made before it existed).
const dataDirFile = "sluice.json"

// DataDirInfo is the content of sluice.json.
type DataDirInfo struct {
	Created time.Time       `json:"created"`
	Version string          `json:"version"` // of the sluice that made it
	Regions []sluice.Region `json:"regions"` // served unless --regions says otherwise
}

// errNoDataDir is the error of a command pointed at a directory that is
// not a sluice data directory.
func errNoDataDir(dir string) error {
	return fmt.Errorf("no sluice data directory at %s; run 'sluice init' or pass --data-dir", dir)
}

// isDataDir reports whether dir is a sluice data directory: made by
// sluice init, or holding the stores or keys a server made before init
// existed.
func isDataDir(dir string) bool {
	for _, name := range []string{dataDirFile, "control.db", logKeyFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// requireDataDir returns errNoDataDir unless dir is a sluice data directory.
func requireDataDir(dir string) error {
	if !isDataDir(dir) {
		return errNoDataDir(dir)
	}
	return nil
}

// readDataDirInfo returns the data directory's sluice.json, or nil if it
// has none.
func readDataDirInfo(dir string) (*DataDirInfo, error) {
	b, err := os.ReadFile(filepath.Join(dir, dataDirFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var info DataDirInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, dataDirFile), err)
	}
	return &info, nil
}

func runInit(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "init", "init [--data-dir DIR] [--regions CN,EU,…] [--log-origin ORIGIN]", `
# A data directory for the records of China and the EU:
sluice init --data-dir /var/lib/sluice --regions CN,EU`)
	var c StoreConfig
	addStoreFlags(fs, env, &c, true)
	origin := fs.String("log-origin", env.Getenv("SLUICE_LOG_ORIGIN"), "origin of the audit log (default <host name>/log) (env SLUICE_LOG_ORIGIN)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArgs(env, fs, "init"); err != nil {
		return err
	}
	return initDataDir(ctx, env.Stdout, &c, *origin)
}

// initDataDir makes a data directory: the stores (migrated), the
// subject-key secret and the audit log's key, and sluice.json; it prints
// what it made to w. It refuses a directory that is one already.
func initDataDir(ctx context.Context, w io.Writer, c *StoreConfig, origin string) error {
	if isDataDir(c.DataDir) {
		return fmt.Errorf("%s is a sluice data directory already", c.DataDir)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	c.init = true
	s, err := openStores(ctx, c, false)
	c.init = false
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := loadSecret(c.DataDir); err != nil {
		return err
	}
	key, err := loadLogKey(c.DataDir, origin)
	if err != nil {
		return err
	}
	info := DataDirInfo{Created: time.Now().UTC().Truncate(time.Second), Version: versionInfo().Version, Regions: c.Regions}
	b, _ := json.MarshalIndent(info, "", "  ")
	if err := writeFileAtomic(filepath.Join(c.DataDir, dataDirFile), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("save %s: %w", dataDirFile, err)
	}
	v := versionInfo()
	fmt.Fprintf(w, "Initialised sluice data directory %s\n", c.DataDir)
	fmt.Fprintf(w, "  control store:      %s (schema %04d)\n", describeStore(c.ControlDSN, filepath.Join(c.DataDir, "control.db")), v.ControlSchema)
	for _, r := range c.Regions {
		fmt.Fprintf(w, "  region %-4s         %s (schema %04d)\n", r, describeStore(c.RegionDSNs[r], regionPath(c.DataDir, r)), v.RegionSchema)
	}
	noRulesNote(w, c.Regions)
	fmt.Fprintf(w, "  subject-key secret: %s\n", filepath.Join(c.DataDir, subjectKeyFile))
	fmt.Fprintf(w, "  audit log key:      %s (origin %s)\n", filepath.Join(c.DataDir, logKeyFile), key.Origin())
	fmt.Fprintf(w, "  log verifier key:   %s\n", key.VerifierKey)
	fmt.Fprintf(w, "Keep the two key files secret and back them up with the stores (sluice backup).\n")
	fmt.Fprintf(w, "Next: sluice serve --data-dir %s\n", c.DataDir)
	return nil
}

// regionPath is the SQLite file of a region's records.
func regionPath(dir string, r sluice.Region) string {
	return filepath.Join(dir, "region-"+strings.ToLower(string(r))+".db")
}

// noRulesNote says, for each region no transfer rule pack covers (the US),
// what sluice does with its data, so that no one takes silence for a
// pass.
func noRulesNote(w io.Writer, regions []sluice.Region) {
	rules := route.Default()
	for _, r := range regions {
		if !rules.Covers(r) {
			fmt.Fprintf(w, "  note: no transfer rule pack covers region %s. sluice stores, classifies and shares its data,\n"+
				"        but decides no cross-border transfer for it: transfer create and transfer route refuse, with the reason.\n", r)
		}
	}
}
