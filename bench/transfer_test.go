package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/postgres"
	"github.com/sluice-gateway/sluice/sqlite"
	"github.com/sluice-gateway/sluice/transfer"
)

// BenchmarkTransfer measures what a cross-border export costs beyond the
// route decision (which package policy/route measures: BenchmarkDecide):
//
//   - op=facts: establishing the facts of a transfer of BENCH_RECORDS
//     records (default 1,000,000, one person each) — reading their
//     subject keys from the region's store, the distinct people among
//     them, and the year-to-date counts against a counter that already
//     holds BENCH_COUNTER people (default 5,000,000; half of the
//     transfer's people are among them) — then deciding and storing the
//     transfer with its audit event: TransferService.CreateTransfer.
//   - op=count: the export's transaction — adding the people to the
//     counter (half of them new), checking the route on the new counts,
//     appending the audit event that commits to their 1,000,000 subject
//     keys and storing those keys beside it: TransferStore.RecordExport.
//     The counter is put back outside the timer after each run.
//
// On SQLite, and on PostgreSQL when SLUICE_TEST_POSTGRES is set. Each
// reports records/s. Building the fixture takes about a minute per engine.
//
//	go test -run '^$' -bench Transfer -benchtime 1x -timeout 30m ./bench/ | tee transfer.txt
//
// bench/transfer.sh runs it with a throwaway PostgreSQL and prints the
// figures.
func BenchmarkTransfer(b *testing.B) {
	records, counter := benchEnv(b, "BENCH_RECORDS", 1_000_000), benchEnv(b, "BENCH_COUNTER", 5_000_000)
	b.Run("engine=sqlite", func(b *testing.B) {
		dir := b.TempDir()
		control := mustOpenSQLite(b, sqlite.NewControlDB(filepath.Join(dir, "control.db")))
		region := mustOpenSQLite(b, sqlite.NewRegionDB(filepath.Join(dir, "region-cn.db")))
		f := newTransferFixture(b, records, counter,
			sqlite.NewOrgService(control), sqlite.NewDatasetService(control), sqlite.NewIngestService(control),
			sqlite.NewTransferStore(control), sqlite.NewRecordStore(region, "CN"), sqliteCounter(b, filepath.Join(dir, "control.db")))
		b.Run("op=facts", f.benchFacts)
		b.Run("op=count", f.benchCount)
	})
	dsn := os.Getenv("SLUICE_TEST_POSTGRES")
	if dsn == "" {
		b.Log("SLUICE_TEST_POSTGRES unset: skipping PostgreSQL")
		return
	}
	b.Run("engine=postgres", func(b *testing.B) {
		controlDSN := createDatabase(b, dsn)
		control := mustOpenPostgres(b, postgres.NewControlDB(controlDSN))
		region := mustOpenPostgres(b, postgres.NewRegionDB(createDatabase(b, dsn)))
		f := newTransferFixture(b, records, counter,
			postgres.NewOrgService(control), postgres.NewDatasetService(control), postgres.NewIngestService(control),
			postgres.NewTransferStore(control), postgres.NewRecordStore(region, "CN"), postgresCounter(b, controlDSN))
		b.Run("op=facts", f.benchFacts)
		b.Run("op=count", f.benchCount)
	})
}

func benchEnv(b *testing.B, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		return n
	}
	return def
}

// counterSeeder fills and trims a counter's set directly, for fixtures.
type counterSeeder struct {
	// seed adds keys (sorted, 32 bytes each) to the pi counter of org for
	// year and sets its size.
	seed func(org int64, year int, keys [][]byte, size int64)
	// remove takes keys out of that counter again and sets its size.
	remove func(org int64, year int, keys [][]byte, size int64)
}

// transferFixture is an org with a dataset of n records in the region's
// store and a counter already holding m people.
type transferFixture struct {
	n, m    int
	ctx     context.Context
	svc     *transfer.Service
	store   sluice.TransferStore
	seeder  counterSeeder
	org     *sluice.Org
	dataset *sluice.Dataset
	keys    []string // the dataset's people, sorted
	fresh   [][]byte // those not in the counter before an export
}

func newTransferFixture(b *testing.B, n, m int, orgs sluice.OrgService, datasets sluice.DatasetService, ingests sluice.IngestService,
	transfers sluice.TransferStore, records sluice.RecordStore, seeder counterSeeder) *transferFixture {
	start := time.Now()
	ctx := context.Background()
	f := &transferFixture{n: n, m: m, store: transfers, seeder: seeder}
	f.org = &sluice.Org{Name: "bench-exporter", Region: "CN"}
	if err := orgs.CreateOrg(ctx, f.org); err != nil {
		b.Fatal(err)
	}
	f.ctx = sluice.NewContextWithActor(ctx, &sluice.Actor{Org: f.org, Role: sluice.RoleOwner, Key: "kbench"})
	f.dataset = &sluice.Dataset{Name: "riders", Purpose: "ride-hailing", SubjectField: "phone"}
	if err := datasets.CreateDataset(f.ctx, f.dataset); err != nil {
		b.Fatal(err)
	}

	// n records, person i's phone 139 followed by i; people from n/2
	// to n/2+m-1 are in the counter already.
	keyer := sluice.NewSubjectKeyer([]byte("bench secret"))
	phone := func(i int) string { return fmt.Sprintf("139%08d", i) }
	in := &sluice.Ingest{DatasetID: f.dataset.ID, Region: "CN"}
	if err := ingests.BeginIngest(f.ctx, in); err != nil {
		b.Fatal(err)
	}
	it := &genRecords{n: n, gen: func(i int, r *sluice.Record) {
		r.SubjectKey = keyer.Key(phone(i))
		r.Data = []byte(`{"phone":"` + phone(i) + `","city":"北京市","fare":"` + strconv.Itoa(i%997) + `"}`)
	}}
	written, err := records.WriteRecords(ctx, in, it)
	if err != nil || written != int64(n) {
		b.Fatalf("write records: %d, %v", written, err)
	}
	in.RecordCount = written
	fields := []*sluice.Field{
		{Name: "phone", Grade: sluice.GradeGeneral, NonEmpty: int64(n), Categories: []sluice.FieldCategory{{Key: "user.contact.phone_number", Matches: int64(n), Ratio: 1}}},
		{Name: "city", Grade: sluice.GradeGeneral, NonEmpty: int64(n), Categories: []sluice.FieldCategory{{Key: "user.location.imprecise", Matches: int64(n), Ratio: 1}}},
		{Name: "fare", Grade: sluice.GradeGeneral, NonEmpty: int64(n), Categories: []sluice.FieldCategory{}},
	}
	if _, err := ingests.FinishIngest(f.ctx, in, fields); err != nil {
		b.Fatal(err)
	}
	if err := records.CommitIngest(ctx, in.ID); err != nil {
		b.Fatal(err)
	}
	f.keys = make([]string, n)
	for i := range n {
		f.keys[i] = keyer.Key(phone(i))
	}
	slices.Sort(f.keys)
	counted := make([]string, m)
	for i := range m {
		counted[i] = keyer.Key(phone(n/2 + i))
	}
	slices.Sort(counted)
	f.fresh = make([][]byte, 0, n/2)
	for i := range n / 2 {
		f.fresh = append(f.fresh, mustHex(keyer.Key(phone(i))))
	}
	slices.SortFunc(f.fresh, bytes.Compare)
	blobs := make([][]byte, m)
	for i, k := range counted {
		blobs[i] = mustHex(k)
	}
	seeder.seed(f.org.ID, f.year(), blobs, int64(m))
	f.svc = &transfer.Service{
		Datasets: datasets, Orgs: orgs, Transfers: transfers,
		Stores: map[sluice.Region]sluice.RecordStore{"CN": records},
	}
	b.Logf("fixture: %d records, counter of %d people, built in %s", n, m, time.Since(start).Round(time.Second))
	return f
}

func (f *transferFixture) year() int { return time.Now().UTC().Year() }

func mustHex(k string) []byte {
	b, err := hex.DecodeString(k)
	if err != nil {
		panic(err)
	}
	return b
}

// benchFacts measures CreateTransfer: the facts of a transfer of every
// record, and its decision.
func (f *transferFixture) benchFacts(b *testing.B) {
	b.ReportAllocs()
	req := &sluice.TransferRequest{Dataset: f.dataset.ID, Fields: []string{"phone", "city"}, DestinationCountry: "SG",
		Recipient: "Acme Pte", LegalBasis: sluice.LegalBasisContract}
	var tr *sluice.Transfer
	for b.Loop() {
		var err error
		if tr, err = f.svc.CreateTransfer(f.ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	want := int64(f.m + (f.n+1)/2)
	if tr.Facts.Subjects != int64(f.n) || tr.Facts.YTD.PI != want || tr.Decision.Route != "SECURITY_ASSESSMENT" && want >= 1_000_000 {
		b.Fatalf("facts: %d people, ytd %d (want %d), route %s", tr.Facts.Subjects, tr.Facts.YTD.PI, want, tr.Decision.Route)
	}
	b.ReportMetric(float64(f.n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// benchCount measures RecordExport: counting the export's people, the
// route check and the audit event with its subject keys.
func (f *transferFixture) benchCount(b *testing.B) {
	b.ReportAllocs()
	tr := &sluice.Transfer{OrgID: f.org.ID, DatasetID: f.dataset.ID, Region: "CN", Status: sluice.TransferApproved,
		Fields: []string{"phone", "city"}, DestinationCountry: "SG", Recipient: "Acme Pte", RecipientKind: "company",
		Exemption: "none", Purpose: "ride-hailing", LegalBasis: sluice.LegalBasisContract, Date: time.Now().UTC().Format(sluice.DateLayout),
		Decision: sluice.TransferDecision{Route: "SECURITY_ASSESSMENT"}, Evidence: []*sluice.TransferEvidence{}}
	if err := f.store.CreateTransfer(f.ctx, tr, &sluice.Event{Action: sluice.ActionTransferCreate}); err != nil {
		b.Fatal(err)
	}
	var added int64
	for b.Loop() {
		b.StopTimer()
		e := &sluice.Event{Action: sluice.ActionTransferExport, Object: map[string]any{"transfer": tr.ID},
			Details: map[string]any{"exporter": f.org.ID, "year": f.year(), "counted": []any{"pi"}}}
		if err := auditlog.SetSubjects(e, f.keys); err != nil {
			b.Fatal(err)
		}
		x := &sluice.TransferExport{TransferID: tr.ID, Format: "csv", Fields: tr.Fields, Records: int64(f.n), Subjects: int64(f.n), Counted: []string{"pi"}}
		b.StartTimer()
		err := f.store.RecordExport(f.ctx, x, f.year(), f.keys, e, func(cur *sluice.Transfer, x *sluice.TransferExport) error {
			if x.YTD.PI != int64(f.m+(f.n+1)/2) {
				return fmt.Errorf("counter %d after the export", x.YTD.PI)
			}
			return nil
		})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		added = x.Added.PI
		f.seeder.remove(f.org.ID, f.year(), f.fresh, int64(f.m))
		b.StartTimer()
	}
	if added != int64((f.n+1)/2) {
		b.Fatalf("added %d people, want %d", added, (f.n+1)/2)
	}
	b.ReportMetric(float64(f.n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// genRecords generates n records.
type genRecords struct {
	i, n int
	gen  func(i int, r *sluice.Record)
	rec  sluice.Record
}

func (g *genRecords) Next() bool {
	if g.i == g.n {
		return false
	}
	g.rec = sluice.Record{}
	g.gen(g.i, &g.rec)
	g.i++
	return true
}

func (g *genRecords) Record() *sluice.Record { return &g.rec }
func (g *genRecords) Err() error             { return nil }

// sqliteCounter seeds the counter of the SQLite control database at path.
func sqliteCounter(b *testing.B, path string) counterSeeder {
	open := func() *sql.DB {
		db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_busy_timeout=30000")
		if err != nil {
			b.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		return db
	}
	const per = 500
	batch := func(db *sql.DB, query func(n int) string, org int64, year int, keys [][]byte, size int64) {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback()
		for start := 0; start < len(keys); start += per {
			chunk := keys[start:min(start+per, len(keys))]
			args := []any{org, year}
			for _, k := range chunk {
				args = append(args, k)
			}
			if _, err := tx.Exec(query(len(chunk)), args...); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := tx.Exec(`INSERT INTO transfer_counters (org_id, year, counter, count) VALUES (?, ?, 0, ?)
			ON CONFLICT (org_id, year, counter) DO UPDATE SET count = excluded.count`, org, year, size); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return counterSeeder{
		seed: func(org int64, year int, keys [][]byte, size int64) {
			db := open()
			defer db.Close()
			batch(db, func(n int) string {
				return `INSERT INTO transfer_subjects (org_id, year, counter, subject) VALUES ` +
					strings.TrimSuffix(strings.Repeat("(?1, ?2, 0, ?),", n), ",")
			}, org, year, keys, size)
		},
		remove: func(org int64, year int, keys [][]byte, size int64) {
			db := open()
			defer db.Close()
			batch(db, func(n int) string {
				return `DELETE FROM transfer_subjects WHERE org_id = ?1 AND year = ?2 AND counter = 0 AND subject IN (` +
					strings.TrimSuffix(strings.Repeat("?,", n), ",") + `)`
			}, org, year, keys, size)
		},
	}
}

// postgresCounter seeds the counter of the PostgreSQL control database at
// dsn.
func postgresCounter(b *testing.B, dsn string) counterSeeder {
	ctx := context.Background()
	connect := func() *pgx.Conn {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		return conn
	}
	setSize := func(conn *pgx.Conn, org int64, year int, size int64) {
		mustExec(b, conn, fmt.Sprintf(`INSERT INTO transfer_counters (org_id, year, counter, count) VALUES (%d, %d, 0, %d)
			ON CONFLICT (org_id, year, counter) DO UPDATE SET count = excluded.count`, org, year, size))
	}
	return counterSeeder{
		seed: func(org int64, year int, keys [][]byte, size int64) {
			conn := connect()
			defer conn.Close(ctx)
			rows := make([][]any, len(keys))
			for i, k := range keys {
				rows[i] = []any{org, int32(year), int16(0), k}
			}
			if _, err := conn.CopyFrom(ctx, pgx.Identifier{"transfer_subjects"}, []string{"org_id", "year", "counter", "subject"}, pgx.CopyFromRows(rows)); err != nil {
				b.Fatal(err)
			}
			setSize(conn, org, year, size)
			mustExec(b, conn, `VACUUM ANALYZE transfer_subjects`)
		},
		remove: func(org int64, year int, keys [][]byte, size int64) {
			conn := connect()
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, `DELETE FROM transfer_subjects WHERE org_id = $1 AND year = $2 AND counter = 0 AND subject = ANY($3)`,
				org, year, keys); err != nil {
				b.Fatal(err)
			}
			setSize(conn, org, year, size)
		},
	}
}
