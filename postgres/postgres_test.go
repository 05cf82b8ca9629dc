package postgres_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
	"github.com/sluice-gateway/sluice/postgres"
	"github.com/sluice-gateway/sluice/storetest"
)

func TestStores(t *testing.T) {
	storetest.Run(t, MustOpenStores)
}

// MustOpenStores creates fresh databases for the control store and the CN
// and EU record stores on the server in SLUICE_TEST_POSTGRES, and drops them
// when the test ends.
func MustOpenStores(t *testing.T) *storetest.Stores {
	t.Helper()
	control := MustOpenDB(t, postgres.NewControlDB(MustCreateDatabase(t)))
	s := &storetest.Stores{
		Orgs:            postgres.NewOrgService(control),
		Keys:            postgres.NewKeyService(control),
		Datasets:        postgres.NewDatasetService(control),
		Ingests:         postgres.NewIngestService(control),
		Events:          postgres.NewEventService(control),
		Log:             postgres.NewLogStore(control),
		Purposes:        postgres.NewPurposeService(control),
		Grants:          postgres.NewGrantService(control),
		Consents:        postgres.NewConsentService(control),
		Policies:        postgres.NewPolicyService(control),
		Transfers:       postgres.NewTransferStore(control),
		Rescoper:        postgres.NewSubjectRescoper(control),
		Settings:        postgres.NewSettingsService(control),
		SubjectRequests: postgres.NewSubjectRequestStore(control),
		Catalog:         postgres.NewCatalogStore(control),
		Important:       postgres.NewImportantStore(control),
		SetNow:          func(now func() time.Time) { control.Now = now },
		Regions:         map[sluice.Region]sluice.RecordStore{},
	}
	dsns := map[sluice.Region]string{}
	for _, r := range []sluice.Region{"CN", "EU"} {
		dsns[r] = MustCreateDatabase(t)
		s.Regions[r] = postgres.NewRecordStore(MustOpenDB(t, postgres.NewRegionDB(dsns[r])), r)
	}
	s.RawRecordCount = func(r sluice.Region) (int64, error) {
		conn, err := pgx.Connect(context.Background(), dsns[r])
		if err != nil {
			return 0, err
		}
		defer conn.Close(context.Background())
		var n int64
		err = conn.QueryRow(context.Background(), `SELECT COALESCE(SUM(n), 0) FROM records`).Scan(&n)
		return n, err
	}
	return s
}

// MustTestDSN returns the DSN of the test server. It skips the test when
// SLUICE_TEST_POSTGRES is unset, and fails it instead when
// SLUICE_TEST_POSTGRES_REQUIRED is set (as ./test.sh does).
func MustTestDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("SLUICE_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("SLUICE_TEST_POSTGRES_REQUIRED") != "" {
			tb.Fatal("SLUICE_TEST_POSTGRES is unset but SLUICE_TEST_POSTGRES_REQUIRED is set")
		}
		tb.Skip("SLUICE_TEST_POSTGRES is unset; run ./test.sh to test against PostgreSQL")
	}
	return dsn
}

// MustCreateDatabase creates an empty database on the test server, drops
// it when the test ends, and returns its DSN.
func MustCreateDatabase(tb testing.TB) string {
	tb.Helper()
	return testenv.CreatePostgres(tb)
}

// MustOpenDB opens db or fails the test, and closes it when the test ends.
func MustOpenDB(tb testing.TB, db *postgres.DB) *postgres.DB {
	tb.Helper()
	if err := db.Open(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
