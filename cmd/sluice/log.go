package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/sluice-gateway/sluice/auditlog"
)

// logKeyFile is the audit log's signing key in the data directory. Every
// replica on one PostgreSQL control store must hold the same one.
const logKeyFile = "log.key"

// defaultLogOrigin returns the origin of a new log: "<host name>/log".
func defaultLogOrigin() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	var b strings.Builder
	for _, r := range strings.ToLower(host) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '.' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String() + "/log"
}

// loadLogKey returns the log's key from the data directory, making one
// named origin (or defaultLogOrigin if "") at first start. A key once made
// fixes the log's origin: asking for another is an error.
func loadLogKey(dir, origin string) (*auditlog.Key, error) {
	path := filepath.Join(dir, logKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if origin == "" {
			origin = defaultLogOrigin()
		}
		skey, err := auditlog.GenerateKey(origin)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		if err := writeFileAtomic(path, []byte(skey+"\n"), 0o600); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("save log key: %w", err)
		}
		// Read it back: if another process made one at the same time, its
		// key is the one.
		if b, err = os.ReadFile(path); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	k, err := auditlog.ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if origin != "" && origin != k.Origin() {
		return nil, fmt.Errorf("the log key in %s is for origin %q, not %q: a log's origin cannot change", path, k.Origin(), origin)
	}
	return k, nil
}

// openLog starts the server's audit log: it loads the key, integrates
// what is pending, runs the integrator in the background, and mounts the
// log under /log/ and the subject proofs under /v1/subjects/.
func (m *Main) openLog(ctx context.Context) error {
	key, err := loadLogKey(m.Config.Store.DataDir, m.Config.LogOrigin)
	if err != nil {
		return err
	}
	m.Log = auditlog.New(m.Stores.Log, key)
	m.Log.Logger = m.Logger.With("component", "auditlog")
	if _, err := m.Log.Integrate(ctx); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	// The integrator grows the tree; the subject indexer files the keys of
	// events about many people under each person, for subject lookups.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { m.Log.Run(runCtx) })
	wg.Go(func() { m.Log.RunSubjectIndex(runCtx) })
	m.stopLog = func() {
		cancel()
		wg.Wait()
	}
	m.API.Mounts["/log/"] = http.StripPrefix("/log", m.Log.Handler())
	m.API.Mounts["GET /v1/subjects/{subject_key}/events"] = m.API.SubjectEventsHandler(m.Log)
	m.API.Mounts["GET /v1/log/entries/{index}"] = m.API.LogEntryHandler(m.Log)
	return nil
}

// closeLog stops the integrator.
func (m *Main) closeLog() {
	if m.stopLog != nil {
		m.stopLog()
		m.stopLog = nil
	}
}

func runLogKey(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "log key", "log key [--data-dir DIR] [--log-origin ORIGIN]", `
# Print the key that verifies this server's audit log, for auditors:
sluice log key
sluice verify --url http://127.0.0.1:8080/log --log-key "$(sluice log key)"

# The signing key is log.key in the data directory (made at first start).
# Replicas on one PostgreSQL control store must all hold the same one:
cp sluice-data/log.key /srv/replica2/sluice-data/log.key`)
	dir := fs.String("data-dir", envOr(env, "SLUICE_DATA_DIR", DefaultDataDir), "the server's data directory, which holds the log key (env SLUICE_DATA_DIR)")
	origin := fs.String("log-origin", env.Getenv("SLUICE_LOG_ORIGIN"), "origin of the log if its key is yet to be made (default <host name>/log) (env SLUICE_LOG_ORIGIN)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "sluice log key: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if err := requireDataDir(*dir); err != nil {
		return err
	}
	k, err := loadLogKey(*dir, *origin)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, k.VerifierKey)
	return nil
}
