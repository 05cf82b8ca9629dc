package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/sqlite"
	"github.com/sluice-gateway/sluice/storetest"
)

func TestStores(t *testing.T) {
	storetest.Run(t, MustOpenStores)
}

// MustOpenStores opens a control database and CN and EU record databases in
// a temporary directory.
func MustOpenStores(t *testing.T) *storetest.Stores {
	t.Helper()
	dir := t.TempDir()
	control := MustOpenDB(t, sqlite.NewControlDB(filepath.Join(dir, "control.db")))
	s := &storetest.Stores{
		Orgs:            sqlite.NewOrgService(control),
		Keys:            sqlite.NewKeyService(control),
		Datasets:        sqlite.NewDatasetService(control),
		Ingests:         sqlite.NewIngestService(control),
		Events:          sqlite.NewEventService(control),
		Log:             sqlite.NewLogStore(control),
		Purposes:        sqlite.NewPurposeService(control),
		Grants:          sqlite.NewGrantService(control),
		Consents:        sqlite.NewConsentService(control),
		Policies:        sqlite.NewPolicyService(control),
		Transfers:       sqlite.NewTransferStore(control),
		Rescoper:        sqlite.NewSubjectRescoper(control),
		Settings:        sqlite.NewSettingsService(control),
		SubjectRequests: sqlite.NewSubjectRequestStore(control),
		Catalog:         sqlite.NewCatalogStore(control),
		Important:       sqlite.NewImportantStore(control),
		SetNow:          func(now func() time.Time) { control.Now = now },
		Regions:         map[sluice.Region]sluice.RecordStore{},
	}
	paths := map[sluice.Region]string{}
	for _, r := range []sluice.Region{"CN", "EU"} {
		paths[r] = filepath.Join(dir, "region-"+string(r)+".db")
		db := MustOpenDB(t, sqlite.NewRegionDB(paths[r]))
		s.Regions[r] = sqlite.NewRecordStore(db, r)
	}
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

// MustOpenDB opens db or fails the test, and closes it when the test ends.
func MustOpenDB(tb testing.TB, db *sqlite.DB) *sqlite.DB {
	tb.Helper()
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
