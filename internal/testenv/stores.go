package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/postgres"
	"github.com/sluice-gateway/sluice/sqlite"
	"github.com/sluice-gateway/sluice/storetest"
)

// An Engine names the stores a test runs on.
type Engine string

// Engines.
const (
	SQLite   Engine = "sqlite"   // in a temporary directory
	Postgres Engine = "postgres" // fresh databases on the server in SLUICE_TEST_POSTGRES
)

// Engines returns the engines to run a test on: SQLite always, and
// PostgreSQL when SLUICE_TEST_POSTGRES is set (or required).
func Engines() []Engine {
	if os.Getenv("SLUICE_TEST_POSTGRES") == "" && os.Getenv("SLUICE_TEST_POSTGRES_REQUIRED") == "" {
		return []Engine{SQLite}
	}
	return []Engine{SQLite, Postgres}
}

// Regions are the regions of the record stores a test gets.
var Regions = []sluice.Region{"CN", "EU"}

// OpenStores opens fresh, empty stores on engine — a control store and
// the record stores of Regions — and closes (and, on PostgreSQL, drops)
// them when the test ends. A PostgreSQL test is skipped when
// SLUICE_TEST_POSTGRES is unset, and fails instead when
// SLUICE_TEST_POSTGRES_REQUIRED is set.
func OpenStores(tb testing.TB, engine Engine) *storetest.Stores {
	tb.Helper()
	return openStores(tb, engine, nil)
}

// openStores opens stores whose ingests grade datasets with grader (nil:
// by their fields' grades).
func openStores(tb testing.TB, engine Engine, grader sluice.DatasetGrader) *storetest.Stores {
	tb.Helper()
	if engine == Postgres {
		return openPostgres(tb, grader)
	}
	return openSQLite(tb, grader)
}

func openSQLite(tb testing.TB, grader sluice.DatasetGrader) *storetest.Stores {
	dir := tb.TempDir()
	control := sqlite.NewControlDB(filepath.Join(dir, "control.db"))
	if err := control.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { control.Close() })
	ingests := sqlite.NewIngestService(control)
	ingests.Grader = grader
	datasets := sqlite.NewDatasetService(control)
	datasets.Sectors, _ = grader.(sluice.SectorLeveler) // sector catalogues
	s := &storetest.Stores{
		Orgs: sqlite.NewOrgService(control), Keys: sqlite.NewKeyService(control), Datasets: datasets,
		Ingests: ingests, Events: sqlite.NewEventService(control), Log: sqlite.NewLogStore(control),
		Purposes: sqlite.NewPurposeService(control), Grants: sqlite.NewGrantService(control), Consents: sqlite.NewConsentService(control),
		Policies: sqlite.NewPolicyService(control), Transfers: sqlite.NewTransferStore(control), Rescoper: sqlite.NewSubjectRescoper(control), Settings: sqlite.NewSettingsService(control),
		Catalog:         sqlite.NewCatalogStore(control),
		Important:       sqlite.NewImportantStore(control),
		SubjectRequests: sqlite.NewSubjectRequestStore(control), Dir: dir,
		SetNow:  func(now func() time.Time) { control.Now = now },
		Regions: map[sluice.Region]sluice.RecordStore{},
	}
	paths := map[sluice.Region]string{}
	for _, r := range Regions {
		paths[r] = filepath.Join(dir, "region-"+string(r)+".db")
		db := sqlite.NewRegionDB(paths[r])
		if err := db.Open(); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		s.Regions[r] = sqlite.NewRecordStore(db, r)
	}
	s.RegionFiles = func(r sluice.Region) []string { return []string{paths[r], paths[r] + "-wal"} }
	s.RawRecordCount = func(r sluice.Region) (int64, error) {
		db, err := sql.Open("sqlite3", "file:"+paths[r])
		if err != nil {
			return 0, err
		}
		defer db.Close()
		var n int64
		err = db.QueryRow(`SELECT COUNT(*) FROM records`).Scan(&n)
		return n, err
	}
	return s
}

func openPostgres(tb testing.TB, grader sluice.DatasetGrader) *storetest.Stores {
	ctx := context.Background()
	open := func(db *postgres.DB) *postgres.DB {
		if err := db.Open(ctx); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		return db
	}
	control := open(postgres.NewControlDB(CreatePostgres(tb)))
	ingests := postgres.NewIngestService(control)
	ingests.Grader = grader
	datasets := postgres.NewDatasetService(control)
	datasets.Sectors, _ = grader.(sluice.SectorLeveler) // sector catalogues
	s := &storetest.Stores{
		Orgs: postgres.NewOrgService(control), Keys: postgres.NewKeyService(control), Datasets: datasets,
		Ingests: ingests, Events: postgres.NewEventService(control), Log: postgres.NewLogStore(control),
		Purposes: postgres.NewPurposeService(control), Grants: postgres.NewGrantService(control), Consents: postgres.NewConsentService(control),
		Policies: postgres.NewPolicyService(control), Transfers: postgres.NewTransferStore(control), Rescoper: postgres.NewSubjectRescoper(control), Settings: postgres.NewSettingsService(control),
		Catalog:         postgres.NewCatalogStore(control),
		Important:       postgres.NewImportantStore(control),
		SetNow:          func(now func() time.Time) { control.Now = now },
		Regions:         map[sluice.Region]sluice.RecordStore{},
		SubjectRequests: postgres.NewSubjectRequestStore(control),
	}
	dsns := map[sluice.Region]string{}
	for _, r := range Regions {
		dsns[r] = CreatePostgres(tb)
		s.Regions[r] = postgres.NewRecordStore(open(postgres.NewRegionDB(dsns[r])), r)
	}
	s.RawRecordCount = func(r sluice.Region) (int64, error) {
		conn, err := pgx.Connect(ctx, dsns[r])
		if err != nil {
			return 0, err
		}
		defer conn.Close(ctx)
		var n int64
		err = conn.QueryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM records`).Scan(&n)
		return n, err
	}
	return s
}

// CreatePostgres creates an empty database on the server in
// SLUICE_TEST_POSTGRES, drops it when the test ends, and returns its URL.
// It skips the test when SLUICE_TEST_POSTGRES is unset, and fails it
// instead when SLUICE_TEST_POSTGRES_REQUIRED is set.
func CreatePostgres(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv("SLUICE_TEST_POSTGRES")
	if admin == "" {
		if os.Getenv("SLUICE_TEST_POSTGRES_REQUIRED") != "" {
			tb.Fatal("SLUICE_TEST_POSTGRES is unset but SLUICE_TEST_POSTGRES_REQUIRED is set")
		}
		tb.Skip("SLUICE_TEST_POSTGRES is unset")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "sluice_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			tb.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
			tb.Error(err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
