package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/postgres"
	"github.com/sluice-gateway/sluice/sharing"
	"github.com/sluice-gateway/sluice/sqlite"
)

// DefaultDataDir is where sluice keeps its embedded stores and keys.
const DefaultDataDir = "sluice-data"

// StoreConfig says where the control store and each region's record store
// live: SQLite files under DataDir unless a PostgreSQL URL is given.
type StoreConfig struct {
	DataDir    string
	ControlDSN string                   // PostgreSQL URL of the control store, "" for SQLite
	Regions    []sluice.Region          // regions served
	RegionDSNs map[sluice.Region]string // PostgreSQL URL per region; others use SQLite

	// Grader grades datasets as ingests change them (classification).
	Grader sluice.DatasetGrader

	parseRegions func() error // set by addStoreFlags; fills Regions after parsing
	init         bool         // sluice init: the data directory may be new
}

// addStoreFlags registers the store flags, with their environment
// variables as defaults: SLUICE_DATA_DIR, SLUICE_CONTROL_DSN, SLUICE_REGIONS
// and SLUICE_REGION_<CODE> (e.g. SLUICE_REGION_CN=postgres://…). Only
// sluice serve, which opens the record stores, takes --region CODE=URL.
func addStoreFlags(fs *flag.FlagSet, env *Env, c *StoreConfig, recordStores bool) {
	c.DataDir = envOr(env, "SLUICE_DATA_DIR", DefaultDataDir)
	c.ControlDSN = env.Getenv("SLUICE_CONTROL_DSN")
	c.RegionDSNs = map[sluice.Region]string{}
	c.Regions = nil
	regions := envOr(env, "SLUICE_REGIONS", joinRegions(sluice.DefaultRegions))
	regionsSet := env.Getenv("SLUICE_REGIONS") != ""
	for _, kv := range environ(env) {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "SLUICE_REGION_") && v != "" {
			c.RegionDSNs[sluice.Region(strings.TrimPrefix(k, "SLUICE_REGION_"))] = v
		}
	}
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory of the embedded SQLite stores and the server's keys (env SLUICE_DATA_DIR)")
	fs.StringVar(&c.ControlDSN, "control-dsn", c.ControlDSN, "PostgreSQL URL of the control store; empty keeps it in SQLite under --data-dir (env SLUICE_CONTROL_DSN)")
	fs.Func("regions", "comma-separated region codes to serve (env SLUICE_REGIONS) (default "+regions+")", func(s string) error {
		regions, regionsSet = s, true
		return nil
	})
	if recordStores {
		fs.Func("region", "`CODE=URL`: keep a region's records in PostgreSQL; repeatable (env SLUICE_REGION_<CODE>)", func(s string) error {
			code, url, ok := strings.Cut(s, "=")
			if !ok || url == "" {
				return fmt.Errorf("want CODE=URL, e.g. CN=postgres://localhost/sluice_cn")
			}
			if err := sluice.Region(code).Validate(); err != nil {
				return errors.New(sluice.ErrorMessage(err))
			}
			c.RegionDSNs[sluice.Region(code)] = url
			return nil
		})
	}
	c.parseRegions = func() error {
		c.Regions = nil
		if !regionsSet {
			// The regions sluice init was given, unless told otherwise.
			if info, err := readDataDirInfo(c.DataDir); err == nil && info != nil && len(info.Regions) > 0 {
				regions = joinRegions(info.Regions)
			}
		}
		for _, code := range strings.Split(regions, ",") {
			r := sluice.Region(strings.TrimSpace(code))
			if r == "" {
				continue
			}
			if err := r.Validate(); err != nil {
				return err
			}
			c.Regions = append(c.Regions, r)
		}
		for r := range c.RegionDSNs {
			if err := r.Validate(); err != nil {
				return err
			}
			if !slices.Contains(c.Regions, r) {
				c.Regions = append(c.Regions, r)
			}
		}
		slices.Sort(c.Regions)
		if len(c.Regions) == 0 {
			return sluice.Errorf(sluice.EINVALID, "No regions to serve: set --regions.")
		}
		return nil
	}
}

func joinRegions(rs []sluice.Region) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func envOr(env *Env, key, def string) string {
	if v := env.Getenv(key); v != "" {
		return v
	}
	return def
}

func environ(env *Env) []string {
	if env.Environ != nil {
		return env.Environ()
	}
	return nil
}

// Stores is the opened control store's services and the record stores.
type Stores struct {
	Orgs     sluice.OrgService
	Keys     sluice.KeyService
	Datasets sluice.DatasetService
	Ingests  sluice.IngestService
	Log      auditlog.Store
	Regions  map[sluice.Region]sluice.RecordStore

	Transfers sluice.TransferStore
	Settings  sluice.SettingsService

	// Data-subject requests and legal holds.
	SubjectRequests sluice.SubjectRequestStore

	// Governed sharing.
	Purposes sluice.PurposeService
	Grants   sluice.GrantService
	Catalog  sluice.CatalogStore
	Consents sluice.ConsentService
	// Important keeps notified important data.
	Important sluice.ImportantStore
	Policies  sluice.PolicyService
	Events    sharing.EventAppender

	// Rescoper makes stored subject keys org-scoped (see rescope.go).
	Rescoper controlRescoper

	closers []io.Closer
}

// Close closes every store.
func (s *Stores) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i].Close())
	}
	return errors.Join(errs...)
}

// usesSQLite reports whether any store lives under the data directory.
func (c *StoreConfig) usesSQLite() bool {
	if c.ControlDSN == "" {
		return true
	}
	for _, r := range c.Regions {
		if c.RegionDSNs[r] == "" {
			return true
		}
	}
	return false
}

// openStores opens (and migrates) the control store and, unless
// controlOnly, every region's record store.
func openStores(ctx context.Context, c *StoreConfig, controlOnly bool) (_ *Stores, err error) {
	if c.parseRegions != nil {
		if err := c.parseRegions(); err != nil {
			return nil, err
		}
	}
	if !c.init {
		if err := requireDataDir(c.DataDir); err != nil {
			return nil, err
		}
	}
	s := &Stores{Regions: map[sluice.Region]sluice.RecordStore{}}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if c.ControlDSN != "" {
		db := postgres.NewControlDB(c.ControlDSN)
		if err := db.Open(ctx); err != nil {
			return nil, fmt.Errorf("control store: %w", err)
		}
		s.closers = append(s.closers, db)
		ingests := postgres.NewIngestService(db)
		ingests.Grader = c.Grader
		datasets := postgres.NewDatasetService(db)
		datasets.Sectors, _ = c.Grader.(sluice.SectorLeveler) // sector catalogues
		s.Orgs, s.Keys, s.Datasets, s.Ingests = postgres.NewOrgService(db), postgres.NewKeyService(db), datasets, ingests
		s.Log = postgres.NewLogStore(db)
		s.Transfers = postgres.NewTransferStore(db)
		s.Catalog = postgres.NewCatalogStore(db)
		s.Important = postgres.NewImportantStore(db)
		s.SubjectRequests = postgres.NewSubjectRequestStore(db)
		s.Purposes, s.Grants, s.Consents, s.Policies = postgres.NewPurposeService(db), postgres.NewGrantService(db), postgres.NewConsentService(db), postgres.NewPolicyService(db)
		s.Events = postgres.NewEventService(db)
		s.Rescoper = postgres.NewSubjectRescoper(db)
		s.Settings = postgres.NewSettingsService(db)
	} else {
		db := sqlite.NewControlDB(filepath.Join(c.DataDir, "control.db"))
		if err := db.Open(); err != nil {
			return nil, fmt.Errorf("control store: %w", err)
		}
		s.closers = append(s.closers, db)
		ingests := sqlite.NewIngestService(db)
		ingests.Grader = c.Grader
		datasets := sqlite.NewDatasetService(db)
		datasets.Sectors, _ = c.Grader.(sluice.SectorLeveler) // sector catalogues
		s.Orgs, s.Keys, s.Datasets, s.Ingests = sqlite.NewOrgService(db), sqlite.NewKeyService(db), datasets, ingests
		s.Log = sqlite.NewLogStore(db)
		s.Transfers = sqlite.NewTransferStore(db)
		s.Catalog = sqlite.NewCatalogStore(db)
		s.Important = sqlite.NewImportantStore(db)
		s.SubjectRequests = sqlite.NewSubjectRequestStore(db)
		s.Purposes, s.Grants, s.Consents, s.Policies = sqlite.NewPurposeService(db), sqlite.NewGrantService(db), sqlite.NewConsentService(db), sqlite.NewPolicyService(db)
		s.Events = sqlite.NewEventService(db)
		s.Rescoper = sqlite.NewSubjectRescoper(db)
		s.Settings = sqlite.NewSettingsService(db)
	}
	if controlOnly {
		return s, nil
	}
	for _, r := range c.Regions {
		if dsn := c.RegionDSNs[r]; dsn != "" {
			db := postgres.NewRegionDB(dsn)
			if err := db.Open(ctx); err != nil {
				return nil, fmt.Errorf("record store of %s: %w", r, err)
			}
			s.closers = append(s.closers, db)
			s.Regions[r] = postgres.NewRecordStore(db, r)
		} else {
			db := sqlite.NewRegionDB(regionPath(c.DataDir, r))
			if err := db.Open(); err != nil {
				return nil, fmt.Errorf("record store of %s: %w", r, err)
			}
			s.closers = append(s.closers, db)
			s.Regions[r] = sqlite.NewRecordStore(db, r)
		}
	}
	return s, nil
}

// lockDataDir takes an exclusive lock on the data directory so that a
// second server cannot open the same SQLite stores. The lock goes with the
// process, however it ends.
func lockDataDir(dir string) (io.Closer, error) {
	if err := requireDataDir(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := io.ReadAll(f)
		f.Close()
		holder := ""
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			holder = fmt.Sprintf(" (process %d)", pid)
		}
		return nil, fmt.Errorf("data directory %s is in use by another sluice serve%s; stop it or use another --data-dir", dir, holder)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

// subjectKeyFile holds the subject-key secret in the data directory.
// Servers that share stores must share it too.
const subjectKeyFile = "subject.key"

// loadSecret returns the server's subject-key secret from the data
// directory, making it at first start. It is never logged.
func loadSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, subjectKeyFile)
	if b, err := os.ReadFile(path); err == nil {
		secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(secret) < 32 {
			return nil, fmt.Errorf("%s is not a 32-byte hex secret", path)
		}
		return secret, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	if err := writeFileAtomic(path, []byte(hex.EncodeToString(secret)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("save subject-key secret: %w", err)
	}
	return secret, nil
}

// writeFileAtomic writes a file so that it is either wholly there or not
// at all: a temporary file, synced, then renamed; refusing to replace an
// existing file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
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
	return os.Link(tmp.Name(), path)
}
