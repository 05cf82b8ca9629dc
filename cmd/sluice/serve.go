package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"sluice"
	"sluice/auditlog"
	"sluice/duties"
	"sluice/httpapi"
	"sluice/incident"
	"sluice/processing"
	"sluice/residency"
	"sluice/transfer"
)

// DefaultAddr is where sluice serve listens: loopback only, until the
// operator says otherwise.
const DefaultAddr = "127.0.0.1:8080"

// ServeConfig is the configuration of sluice serve.
type ServeConfig struct {
	Addr         string
	Store        StoreConfig
	Demo         bool
	MaxBodyBytes int64
	LogOrigin    string // origin of a new audit log; see loadLogKey
	Catalog      string // user catalog merged over the built-in one
}

// Main is a running server: its stores, its HTTP server and its listener.
// Tests start one on :0 with a temporary data directory.
type Main struct {
	Config ServeConfig
	Stdout io.Writer
	Logger *slog.Logger

	Stores   *Stores
	Records  *residency.RecordService
	API      *httpapi.Server
	Log      *auditlog.Log // see openLog
	Listener net.Listener

	http    *http.Server
	lock    io.Closer
	errCh   chan error
	stopLog func()

	stopSharing func() // see openSharing
}

// URL returns the server's base URL.
func (m *Main) URL() string { return "http://" + m.Listener.Addr().String() }

// Open locks the data directory (when it holds SQLite stores), opens and
// migrates the stores, finishes or undoes ingests a crash left half done,
// and starts serving.
func (m *Main) Open(ctx context.Context) (err error) {
	if m.Logger == nil {
		m.Logger = slog.Default()
	}
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	c := &m.Config.Store
	if c.parseRegions != nil {
		if err := c.parseRegions(); err != nil {
			return err
		}
		c.parseRegions = nil
	}
	if c.usesSQLite() {
		if m.lock, err = lockDataDir(c.DataDir); err != nil {
			return err
		}
	}
	catalog, err := loadCatalog(m.Config.Catalog)
	if err != nil {
		return err
	}
	c.Grader = catalog
	if m.Stores, err = openStores(ctx, c, false); err != nil {
		return err
	}
	secret, err := loadSecret(c.DataDir)
	if err != nil {
		return err
	}
	m.Records = &residency.RecordService{
		Datasets:   m.Stores.Datasets,
		Ingests:    m.Stores.Ingests,
		Stores:     m.Stores.Regions,
		Secret:     secret,
		Classifier: catalog,
		Logger:     m.Logger,
	}
	if err := m.Records.Recover(ctx); err != nil {
		return fmt.Errorf("recover: %w", err)
	}
	m.API = &httpapi.Server{
		Keys:         m.Stores.Keys,
		Datasets:     m.Stores.Datasets,
		Records:      m.Records,
		Catalog:      catalog,
		MaxBodyBytes: m.Config.MaxBodyBytes,
		Logger:       m.Logger,
		Mounts:       map[string]http.Handler{},
	}
	m.API.Transfers = &transfer.Service{
		Orgs: m.Stores.Orgs, Datasets: m.Stores.Datasets, Transfers: m.Stores.Transfers,
		Stores: m.Stores.Regions, Catalog: catalog, Logger: m.Logger,
		Consents: m.Stores.Consents, Purposes: m.Stores.Purposes,
	}
	dutyRules, err := duties.DefaultRules()
	if err != nil {
		return fmt.Errorf("duty rules: %w", err)
	}
	m.API.Duties = &duties.Service{Rules: dutyRules, Orgs: m.Stores.Orgs, Datasets: m.Stores.Datasets, Stores: m.Stores.Regions}
	m.API.Duties.Dates, _ = m.Stores.Orgs.(duties.DateStore)
	incRules, err := incident.DefaultRules()
	if err != nil {
		return fmt.Errorf("incident rules: %w", err)
	}
	m.API.Processing = &processing.Service{Orgs: m.Stores.Orgs, Datasets: m.Stores.Datasets, Purposes: m.Stores.Purposes,
		Grants: m.Stores.Grants, Transfers: m.Stores.Transfers}
	if st, ok := m.Stores.Orgs.(sluice.IncidentStore); ok {
		m.API.Incidents = &incident.Service{Rules: incRules, Orgs: m.Stores.Orgs, Store: st}
	}
	if err := m.openSharing(ctx, secret); err != nil {
		return err
	}
	if err := m.openLog(ctx); err != nil {
		return err
	}
	if m.Listener, err = net.Listen("tcp", m.Config.Addr); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	m.http = &http.Server{Handler: m.API.Handler(), ReadHeaderTimeout: 10 * time.Second}
	m.errCh = make(chan error, 1)
	go func() { m.errCh <- m.http.Serve(m.Listener) }()
	return nil
}

// Close stops serving, waiting up to 10 seconds for requests under way, and
// closes the stores.
func (m *Main) Close() error {
	var errs []error
	if m.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, m.http.Shutdown(ctx))
		cancel()
	}
	m.closeSharing()
	m.closeLog()
	if m.Stores != nil {
		errs = append(errs, m.Stores.Close())
	}
	if m.lock != nil {
		errs = append(errs, m.lock.Close())
	}
	return errors.Join(errs...)
}

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "serve", "serve [flags]", `
# Run on the embedded default (SQLite under ./sluice-data), with demo data:
sluice serve --demo

# Run on PostgreSQL, one database per region:
sluice serve --addr :8080 --control-dsn postgres://db/sluice \
  --region CN=postgres://cn-db/sluice --region EU=postgres://eu-db/sluice`)
	m := &Main{Stdout: env.Stdout}
	m.Config.Addr = envOr(env, "SLUICE_ADDR", DefaultAddr)
	fs.StringVar(&m.Config.Addr, "addr", m.Config.Addr, "address to listen on (env SLUICE_ADDR)")
	fs.BoolVar(&m.Config.Demo, "demo", false, "seed two demo orgs in two regions with small datasets, and print keys and commands to try")
	fs.Int64Var(&m.Config.MaxBodyBytes, "max-upload", httpapi.DefaultMaxBodyBytes, "largest accepted upload, in bytes")
	addStoreFlags(fs, env, &m.Config.Store, true)
	fs.StringVar(&m.Config.Catalog, "catalog", env.Getenv("SLUICE_CATALOG"), "JSON catalog `FILE` of extra categories and detectors, merged over the built-in one (env SLUICE_CATALOG)")
	fs.StringVar(&m.Config.LogOrigin, "log-origin", env.Getenv("SLUICE_LOG_ORIGIN"), "origin of the audit log, fixed when its key is made at first start (default <host name>/log) (env SLUICE_LOG_ORIGIN)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "sluice serve: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	m.Logger = slog.New(slog.NewTextHandler(env.Stderr, nil))
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	fmt.Fprintf(env.Stdout, "sluice serving on %s\n", m.URL())
	fmt.Fprintf(env.Stdout, "  control store: %s\n", describeStore(m.Config.Store.ControlDSN, m.Config.Store.DataDir+"/control.db"))
	for _, r := range m.Config.Store.Regions {
		fmt.Fprintf(env.Stdout, "  region %-4s    %s\n", r, describeStore(m.Config.Store.RegionDSNs[r], m.Config.Store.DataDir+"/region-"+strings.ToLower(string(r))+".db"))
	}
	fmt.Fprintf(env.Stdout, "  audit log:     %s/log (verifier key %s)\n", m.URL(), m.Log.Key.VerifierKey)
	if m.Config.Demo {
		if err := seedDemo(ctx, m, env.Stdout); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(env.Stdout, "sluice: shutting down")
		return nil
	case err := <-m.errCh:
		return err
	}
}

// describeStore names a store without its password.
func describeStore(dsn, path string) string {
	if dsn == "" {
		return "SQLite " + path
	}
	return "PostgreSQL " + redactDSN(dsn)
}

func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if j := strings.Index(dsn[i+3:], "@"); j >= 0 {
			return dsn[:i+3] + "…@" + dsn[i+3+j+1:]
		}
	}
	return dsn
}
