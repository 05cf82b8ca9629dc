package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/automotive"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/console"
	"github.com/sluice-gateway/sluice/duties"
	"github.com/sluice-gateway/sluice/httpapi"
	"github.com/sluice-gateway/sluice/incident"
	"github.com/sluice-gateway/sluice/processing"
	"github.com/sluice-gateway/sluice/recordio"
	"github.com/sluice-gateway/sluice/residency"
	"github.com/sluice-gateway/sluice/retention"
	"github.com/sluice-gateway/sluice/supervise"
	"github.com/sluice-gateway/sluice/transfer"
)

// DefaultAddr is where sluice serve listens: loopback only, until the
// operator says otherwise.
const DefaultAddr = "127.0.0.1:8080"

// ServeConfig is the configuration of sluice serve.
type ServeConfig struct {
	Addr     string
	MaxConns int // cap on open connections; 0 is httpapi.DefaultMaxConns
	// MaxFieldBytes and MaxRecordBytes bound one value and one record of
	// an upload; 0 is recordio's default.
	MaxFieldBytes, MaxRecordBytes int
	DrainTimeout                  time.Duration // 0 is DefaultDrainTimeout
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the client, for the limit on failed authentications.
	TrustedProxies string
	Store          StoreConfig
	Demo           bool
	MaxBodyBytes   int64
	LogOrigin      string // origin of a new audit log; see loadLogKey
	Catalog        string // user catalog merged over the built-in one
	// RetentionInterval is how often the retention job runs; 0 is
	// retention.DefaultInterval, negative never.
	RetentionInterval time.Duration
	MetricsAddr       string // where /metrics is served; "" serves none
	TLSCert           string // PEM certificate (chain) file; with TLSKey, serve HTTPS
	TLSKey            string // PEM private key file
	LogFormat         string // text or json
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

	// MetricsListener serves /metrics when Config.MetricsAddr is set.
	MetricsListener net.Listener
	metricsHTTP     *http.Server

	http    *http.Server
	gate    *gate
	cancel  context.CancelCauseFunc // cancels requests under way; see drain
	tls     *certReloader
	stopHUP func()
	lock    io.Closer
	errCh   chan error
	stopLog func()

	stopSharing   func() // see openSharing
	stopRetention func() // see openRights
}

// URL returns the server's base URL.
func (m *Main) URL() string {
	if m.tls != nil {
		return "https://" + m.Listener.Addr().String()
	}
	return "http://" + m.Listener.Addr().String()
}

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
	// Listen at once: /healthz answers from the first moment, /readyz and
	// the API once recovery is done.
	if err := m.listen(); err != nil {
		return err
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
	// Uploads spool under the data directory; what a crash left there is
	// of no use, its ingest undone below.
	spool := filepath.Join(c.DataDir, "spool")
	if err := os.RemoveAll(spool); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := os.MkdirAll(spool, 0o700); err != nil {
		return fmt.Errorf("spool: %w", err)
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
	if err := rescopeSubjectKeys(ctx, m.Stores, secret, m.Logger); err != nil {
		return err
	}
	warnWideModes(ctx, m.Logger, c.DataDir)
	m.API = &httpapi.Server{
		Keys:           m.Stores.Keys,
		Datasets:       m.Stores.Datasets,
		Records:        m.Records,
		Catalog:        catalog,
		MaxBodyBytes:   m.Config.MaxBodyBytes,
		MaxFieldBytes:  m.Config.MaxFieldBytes,
		MaxRecordBytes: m.Config.MaxRecordBytes,
		TempDir:        spool,
		Logger:         m.Logger,
		Mounts:         map[string]http.Handler{},
	}
	autoClasses, err := classify.DefaultAutoClasses()
	if err != nil {
		return fmt.Errorf("automotive classes: %w", err)
	}
	m.API.Transfers = &transfer.Service{
		Orgs: m.Stores.Orgs, Datasets: m.Stores.Datasets, Transfers: m.Stores.Transfers,
		Stores: m.Stores.Regions, Catalog: catalog, AutoClasses: autoClasses, Logger: m.Logger,
		Consents: m.Stores.Consents, Purposes: m.Stores.Purposes,
	}
	if m.Stores.Important != nil {
		m.API.Important = &transfer.ImportantService{Datasets: m.Stores.Datasets, Store: m.Stores.Important}
	}
	dutyRules, err := duties.DefaultRules()
	if err != nil {
		return fmt.Errorf("duty rules: %w", err)
	}
	m.API.Duties = &duties.Service{Rules: dutyRules, Orgs: m.Stores.Orgs, Datasets: m.Stores.Datasets, Stores: m.Stores.Regions}
	m.API.Duties.Dates, _ = m.Stores.Orgs.(duties.DateStore)
	m.API.Duties.Events = m.Stores.Events
	incRules, err := incident.DefaultRules()
	if err != nil {
		return fmt.Errorf("incident rules: %w", err)
	}
	pipiaRules, err := processing.DefaultPIPIARules()
	if err != nil {
		return fmt.Errorf("impact assessment rules: %w", err)
	}
	m.API.Processing = &processing.Service{Orgs: m.Stores.Orgs, Datasets: m.Stores.Datasets, Purposes: m.Stores.Purposes,
		Grants: m.Stores.Grants, Transfers: m.Stores.Transfers, Events: m.Stores.Events, PIPIARules: pipiaRules}
	m.API.Automotive = &automotive.Service{Classes: autoClasses, Orgs: m.Stores.Orgs, Datasets: m.Stores.Datasets, Grants: m.Stores.Grants,
		Transfers: m.Stores.Transfers, Stores: m.Stores.Regions, Events: m.Stores.Events}
	if st, ok := m.Stores.Orgs.(sluice.IncidentStore); ok {
		m.API.Incidents = &incident.Service{Rules: incRules, Orgs: m.Stores.Orgs, Store: st, Events: m.Stores.Events}
		m.API.Automotive.Incidents = st
	}
	if err := m.openSharing(ctx, secret); err != nil {
		return err
	}
	if err := m.openRights(ctx, catalog); err != nil {
		return err
	}
	if err := m.openLog(ctx); err != nil {
		return err
	}
	m.API.Supervise = &supervise.Service{
		Orgs: m.Stores.Orgs, Datasets: m.Stores.Datasets, Grants: m.Stores.Grants, Transfers: m.API.Transfers, Events: m.Stores.Events,
	}
	m.API.Mounts["/"] = (&console.Server{
		Keys: m.Stores.Keys, Orgs: m.Stores.Orgs, Datasets: m.Stores.Datasets, Sharing: m.API.Sharing,
		Transfers: m.API.Transfers, Supervise: m.API.Supervise, Log: m.Log, Catalog: catalog, Logger: m.Logger,
	}).Handler()
	if m.Config.MetricsAddr != "" {
		if err := m.openMetrics(); err != nil {
			return err
		}
	}
	m.API.SubjectRequests = newSubjectRequests(m.Stores, secret)
	m.API.SubjectRequests.Log, m.API.SubjectRequests.Logger = m.Log, m.Logger
	if _, err := m.API.SubjectRequests.Sweep(ctx); err != nil {
		return fmt.Errorf("remove records of deleted datasets: %w", err)
	}
	limiter := httpapi.NewAuthLimiter()
	if limiter.TrustedProxies, err = httpapi.ParseTrustedProxies(m.Config.TrustedProxies); err != nil {
		return err
	}
	m.API.AuthLimiter = limiter
	m.gate.ready(m.API.Handler())
	return nil
}

// listen starts serving the gate: /healthz at once, the API once ready.
func (m *Main) listen() (err error) {
	if (m.Config.TLSCert == "") != (m.Config.TLSKey == "") {
		return fmt.Errorf("give both --tls-cert and --tls-key, or neither")
	}
	if m.Config.TLSCert != "" {
		if m.tls, err = newCertReloader(m.Config.TLSCert, m.Config.TLSKey); err != nil {
			return err
		}
		m.stopHUP = m.tls.watchHUP(m.Logger)
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	limited := httpapi.LimitListener(ln, m.Config.MaxConns)
	m.Listener = limited
	m.gate = &gate{}
	base, cancel := context.WithCancelCause(context.Background())
	m.cancel = cancel
	m.http = &http.Server{
		Handler:           m.gate,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
		ConnState:         limited.ConnState,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	if m.tls != nil {
		m.http.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: m.tls.getCertificate}
		m.Listener = tls.NewListener(limited, m.http.TLSConfig)
	}
	m.errCh = make(chan error, 1)
	srv, sln := m.http, m.Listener // Close may clear m.http before Serve starts
	go func() { m.errCh <- srv.Serve(sln) }()
	return nil
}

// Close stops serving, waiting up to 10 seconds for requests under way, and
// closes the stores.
func (m *Main) Close() error {
	var errs []error
	if m.http != nil {
		timeout := m.Config.DrainTimeout
		if timeout <= 0 {
			timeout = DefaultDrainTimeout
		}
		errs = append(errs, drain(m.http, m.gate, m.cancel, timeout))
		m.http = nil
	}
	errs = append(errs, m.closeMetrics())
	if m.stopHUP != nil {
		m.stopHUP()
		m.stopHUP = nil
	}
	m.closeSharing()
	m.closeRights()
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
	fs.IntVar(&m.Config.MaxFieldBytes, "max-field-bytes", recordio.DefaultMaxFieldBytes, "largest value of an upload, in bytes, in every format")
	fs.IntVar(&m.Config.MaxRecordBytes, "max-record-bytes", recordio.DefaultMaxRecordBytes, "largest record of an upload, in bytes, in every format")
	fs.IntVar(&m.Config.MaxConns, "max-conns", httpapi.DefaultMaxConns, "most open connections; past it the longest-idle connection is closed")
	fs.DurationVar(&m.Config.DrainTimeout, "drain-timeout", DefaultDrainTimeout, "on SIGTERM, how long to wait for requests under way before cancelling them (they roll back)")
	fs.StringVar(&m.Config.TrustedProxies, "trusted-proxies", env.Getenv("SLUICE_TRUSTED_PROXIES"), "comma-separated addresses or CIDR prefixes of load balancers whose X-Forwarded-For names the client (env SLUICE_TRUSTED_PROXIES)")
	addStoreFlags(fs, env, &m.Config.Store, true)
	fs.StringVar(&m.Config.Catalog, "catalog", env.Getenv("SLUICE_CATALOG"), "JSON catalog `FILE` of extra categories and detectors, merged over the built-in one (env SLUICE_CATALOG)")
	fs.DurationVar(&m.Config.RetentionInterval, "retention-interval", retention.DefaultInterval, "how often the retention job deletes expired records; negative: never (run sluice retention run instead)")
	fs.StringVar(&m.Config.LogOrigin, "log-origin", env.Getenv("SLUICE_LOG_ORIGIN"), "origin of the audit log, fixed when its key is made at first start (default <host name>/log) (env SLUICE_LOG_ORIGIN)")
	fs.StringVar(&m.Config.MetricsAddr, "metrics-addr", env.Getenv("SLUICE_METRICS_ADDR"), "serve Prometheus metrics at http://`ADDR`/metrics, on a listener of their own; empty serves none (env SLUICE_METRICS_ADDR)")
	fs.StringVar(&m.Config.TLSCert, "tls-cert", env.Getenv("SLUICE_TLS_CERT"), "serve HTTPS with this PEM certificate `FILE` (chain first the server's); read again on SIGHUP (env SLUICE_TLS_CERT)")
	fs.StringVar(&m.Config.TLSKey, "tls-key", env.Getenv("SLUICE_TLS_KEY"), "the certificate's PEM private key `FILE` (env SLUICE_TLS_KEY)")
	fs.StringVar(&m.Config.LogFormat, "log-format", envOr(env, "SLUICE_LOG_FORMAT", "text"), "log lines as text or json, on stderr (env SLUICE_LOG_FORMAT)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "sluice serve: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	switch m.Config.LogFormat {
	case "text":
		m.Logger = slog.New(slog.NewTextHandler(env.Stderr, nil))
	case "json":
		m.Logger = slog.New(slog.NewJSONHandler(env.Stderr, nil))
	default:
		fmt.Fprintf(env.Stderr, "sluice serve: --log-format is text or json, not %q\n", m.Config.LogFormat)
		return errUsage
	}
	if m.Config.Demo && !isDataDir(m.Config.Store.DataDir) {
		fmt.Fprintf(env.Stdout, "No data directory at %s: making a fresh one for the demo.\n", m.Config.Store.DataDir)
		if err := initDataDir(ctx, env.Stdout, &m.Config.Store, m.Config.LogOrigin); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout)
	}
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
	noRulesNote(env.Stdout, m.Config.Store.Regions)
	if m.MetricsListener != nil {
		fmt.Fprintf(env.Stdout, "  metrics:       http://%s/metrics\n", m.MetricsListener.Addr())
	}
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
