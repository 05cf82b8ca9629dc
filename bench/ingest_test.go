// Package bench holds benchmarks that compare sluice with the engines and
// tools it runs on or beside. They are not tests: run them with the
// scripts in this directory, which print the ratios.
package bench

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/httpapi"
	"github.com/sluice-gateway/sluice/postgres"
	"github.com/sluice-gateway/sluice/residency"
	"github.com/sluice-gateway/sluice/sqlite"
)

// BenchmarkIngest measures ingest through sluice — an HTTP request with a
// CSV body of BENCH_ROWS rows (default 1,000,000) of 8 text columns, to
// committed, visible rows — against loading the same rows into the same
// engine directly: a prepared INSERT in one transaction for SQLite, COPY
// for PostgreSQL (when SLUICE_TEST_POSTGRES is set). Each reports rows/s;
// the PostgreSQL ones also the CPU time the cluster's processes spent on
// the run (pg-cpu-ms/op), when the server is local and readable.
//
//	go test -run '^$' -bench Ingest -benchtime 3x ./bench/ | tee ingest.txt
//
// bench/ingest.sh runs it and prints sluice's rate as a ratio of the raw
// one.
func BenchmarkIngest(b *testing.B) {
	rows := benchRows(b)
	body := csvBody(rows)
	b.Run("engine=sqlite/path=raw", func(b *testing.B) {
		benchLoop(b, rows, func(b *testing.B) func() {
			db := openRawSQLite(b)
			return func() { rawSQLiteInsert(b, db, rows) }
		})
	})
	b.Run("engine=sqlite/path=sluice", func(b *testing.B) {
		benchLoop(b, rows, func(b *testing.B) func() {
			dir := b.TempDir()
			control := mustOpenSQLite(b, sqlite.NewControlDB(filepath.Join(dir, "control.db")))
			region := mustOpenSQLite(b, sqlite.NewRegionDB(filepath.Join(dir, "region-cn.db")))
			return sluiceIngest(b, body, len(rows), sqlite.NewOrgService(control), sqlite.NewKeyService(control),
				sqlite.NewDatasetService(control), sqlite.NewIngestService(control), sqlite.NewRecordStore(region, "CN"))
		})
	})
	dsn := os.Getenv("SLUICE_TEST_POSTGRES")
	if dsn == "" {
		b.Log("SLUICE_TEST_POSTGRES unset: skipping PostgreSQL")
		return
	}
	cpu := clusterCPU(b, dsn)
	b.Run("engine=postgres/path=raw", func(b *testing.B) {
		benchLoopCPU(b, rows, cpu, func(b *testing.B) func() {
			conn, err := pgx.Connect(context.Background(), dsn)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { conn.Close(context.Background()) })
			table := "raw_" + strconv.Itoa(os.Getpid())
			mustExec(b, conn, `DROP TABLE IF EXISTS `+table)
			mustExec(b, conn, `CREATE TABLE `+table+` (c1 TEXT, c2 TEXT, c3 TEXT, c4 TEXT, c5 TEXT, c6 TEXT, c7 TEXT, c8 TEXT)`)
			b.Cleanup(func() { conn.Exec(context.Background(), `DROP TABLE `+table) })
			src := make([][]any, len(rows))
			for i, r := range rows {
				src[i] = []any{r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]}
			}
			return func() {
				n, err := conn.CopyFrom(context.Background(), pgx.Identifier{table}, []string{"c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"}, pgx.CopyFromRows(src))
				if err != nil || n != int64(len(rows)) {
					b.Fatal(n, err)
				}
			}
		})
	})
	b.Run("engine=postgres/path=sluice", func(b *testing.B) {
		benchLoopCPU(b, rows, cpu, func(b *testing.B) func() {
			control := mustOpenPostgres(b, postgres.NewControlDB(createDatabase(b, dsn)))
			region := mustOpenPostgres(b, postgres.NewRegionDB(createDatabase(b, dsn)))
			return sluiceIngest(b, body, len(rows), postgres.NewOrgService(control), postgres.NewKeyService(control),
				postgres.NewDatasetService(control), postgres.NewIngestService(control), postgres.NewRecordStore(region, "CN"))
		})
	})
}

// BenchmarkIngestClassify measures what classification on ingest costs:
// the rows of BenchmarkIngest posted to sluice with the built-in catalog
// classifying every field in the pass that stores the records
// (classify=on: the record service's Classifier and the ingest service's
// Grader set) and without it (classify=off: both nil), into SQLite and,
// when SLUICE_TEST_POSTGRES is set, PostgreSQL. Each reports rows/s.
//
//	BENCH_ROWS=200000 go test -run '^$' -bench IngestClassify -benchtime 1x -count 3 ./bench/ | tee classify.txt
//
// bench/ingest.sh runs it and prints the rate with classification as a
// ratio of the rate without.
func BenchmarkIngestClassify(b *testing.B) {
	rows := benchRows(b)
	body := csvBody(rows)
	for _, on := range []bool{false, true} {
		b.Run("engine=sqlite/classify="+onOff(on), func(b *testing.B) {
			benchLoop(b, rows, func(b *testing.B) func() {
				dir := b.TempDir()
				control := mustOpenSQLite(b, sqlite.NewControlDB(filepath.Join(dir, "control.db")))
				region := mustOpenSQLite(b, sqlite.NewRegionDB(filepath.Join(dir, "region-cn.db")))
				ingests := sqlite.NewIngestService(control)
				var cl residency.Classifier
				if on {
					cat := classify.DefaultCatalog()
					ingests.Grader, cl = cat, cat
				}
				return sluiceIngestWith(b, body, len(rows), sqlite.NewOrgService(control), sqlite.NewKeyService(control),
					sqlite.NewDatasetService(control), ingests, sqlite.NewRecordStore(region, "CN"), cl)
			})
		})
	}
	dsn := os.Getenv("SLUICE_TEST_POSTGRES")
	if dsn == "" {
		b.Log("SLUICE_TEST_POSTGRES unset: skipping PostgreSQL")
		return
	}
	for _, on := range []bool{false, true} {
		b.Run("engine=postgres/classify="+onOff(on), func(b *testing.B) {
			benchLoop(b, rows, func(b *testing.B) func() {
				control := mustOpenPostgres(b, postgres.NewControlDB(createDatabase(b, dsn)))
				region := mustOpenPostgres(b, postgres.NewRegionDB(createDatabase(b, dsn)))
				ingests := postgres.NewIngestService(control)
				var cl residency.Classifier
				if on {
					cat := classify.DefaultCatalog()
					ingests.Grader, cl = cat, cat
				}
				return sluiceIngestWith(b, body, len(rows), postgres.NewOrgService(control), postgres.NewKeyService(control),
					postgres.NewDatasetService(control), ingests, postgres.NewRecordStore(region, "CN"), cl)
			})
		})
	}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// sluiceIngestWith is sluiceIngest with a classifier on the record service
// (nil for none).
// benchLog is the servers' request log: written as a server writes it,
// but not to the benchmarks' output, where a line amid a result's would
// hide that result from the scripts that read it.
var benchLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func sluiceIngestWith(b *testing.B, body []byte, n int, orgs sluice.OrgService, keys sluice.KeyService,
	datasets sluice.DatasetService, ingests sluice.IngestService, store sluice.RecordStore, cl residency.Classifier) func() {
	ctx := context.Background()
	org := &sluice.Org{Name: "bench", Region: "CN"}
	if err := orgs.CreateOrg(ctx, org); err != nil {
		b.Fatal(err)
	}
	token, err := keys.CreateKey(ctx, &sluice.APIKey{OrgID: org.ID, Role: sluice.RoleOwner})
	if err != nil {
		b.Fatal(err)
	}
	octx := sluice.NewContextWithActor(ctx, &sluice.Actor{Org: org, Role: sluice.RoleOwner, Key: "k"})
	d := &sluice.Dataset{Name: "bench", Purpose: "benchmark", SubjectField: "phone"}
	if err := datasets.CreateDataset(octx, d); err != nil {
		b.Fatal(err)
	}
	api := &httpapi.Server{Keys: keys, Datasets: datasets, Records: &residency.RecordService{
		Datasets: datasets, Ingests: ingests, Stores: map[sluice.Region]sluice.RecordStore{"CN": store}, Secret: []byte("bench"),
		Classifier: cl,
	}, Logger: benchLog}
	srv := httptest.NewServer(api.Handler())
	b.Cleanup(srv.Close)
	c := httpapi.NewClient(srv.URL, token)
	return func() {
		res, err := c.Ingest(ctx, d.ID, bytes.NewReader(body), httpapi.IngestOptions{Format: "csv", Size: int64(len(body))})
		if err != nil || res.Ingest.RecordCount != int64(n) {
			b.Fatalf("ingest: %v %+v", err, res)
		}
		// The fields carry categories exactly when a classifier ran (the
		// same read either way, so that both cases pay for it).
		got, err := datasets.FindDatasetByID(octx, d.ID)
		if err != nil {
			b.Fatal(err)
		}
		categories := 0
		for _, f := range got.Fields {
			categories += len(f.Categories)
		}
		if (categories > 0) != (cl != nil) {
			b.Fatalf("classifier %v, but the fields hold %d categories", cl != nil, categories)
		}
	}
}

// benchLoop runs setup outside the timer and the returned func inside it,
// once per iteration, and reports rows/s.
func benchLoop(b *testing.B, rows [][8]string, setup func(b *testing.B) func()) {
	benchLoopCPU(b, rows, nil, setup)
}

// benchLoopCPU is benchLoop that also reports the CPU time cpu counts
// during each run, as pg-cpu-ms/op, when cpu is not nil and can count it.
// On a shared machine the rate varies with the load; the CPU time a
// database server spends on the same rows varies far less.
func benchLoopCPU(b *testing.B, rows [][8]string, cpu func() (time.Duration, bool), setup func(b *testing.B) func()) {
	b.ReportAllocs()
	var n int
	var used time.Duration
	counted := cpu != nil
	for b.Loop() {
		b.StopTimer()
		run := setup(b)
		var c0 time.Duration
		if counted {
			c0, counted = cpu()
		}
		b.StartTimer()
		run()
		b.StopTimer()
		if counted {
			var c1 time.Duration
			c1, counted = cpu()
			used += c1 - c0
		}
		b.StartTimer()
		n++
	}
	b.ReportMetric(float64(len(rows)*n)/b.Elapsed().Seconds(), "rows/s")
	if counted {
		b.ReportMetric(float64(used.Milliseconds())/float64(n), "pg-cpu-ms/op")
	}
}

// clusterCPU returns a func that reads the CPU time used so far by the
// PostgreSQL cluster at dsn: its postmaster and every process it started
// (backends, WAL writer, checkpointer). It reports false when it cannot,
// e.g. for a server on another machine.
func clusterCPU(b *testing.B, dsn string) func() (time.Duration, bool) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var dir string
	if err := conn.QueryRow(ctx, `SELECT current_setting('data_directory')`).Scan(&dir); err != nil {
		return func() (time.Duration, bool) { return 0, false }
	}
	pidFile, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return func() (time.Duration, bool) { return 0, false }
	}
	postmaster, _, _ := strings.Cut(string(pidFile), "\n")
	return func() (time.Duration, bool) {
		procs, err := filepath.Glob("/proc/[0-9]*/stat")
		if err != nil {
			return 0, false
		}
		var ticks int64
		found := false
		for _, p := range procs {
			stat, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			// pid (comm) state ppid … utime stime: fields 1, 4, 14, 15.
			pid, _, _ := strings.Cut(string(stat), " ")
			i := strings.LastIndexByte(string(stat), ')')
			if i < 0 {
				continue
			}
			f := strings.Fields(string(stat[i+1:]))
			if len(f) < 13 || pid != postmaster && f[1] != postmaster {
				continue
			}
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			ticks += u + s
			found = found || pid == postmaster
		}
		return time.Duration(ticks) * (time.Second / 100), found // USER_HZ is 100 on Linux
	}
}

// sluiceIngest returns a func that posts body to a sluice API server over
// the given stores and checks that every row was committed.
func sluiceIngest(b *testing.B, body []byte, n int, orgs sluice.OrgService, keys sluice.KeyService,
	datasets sluice.DatasetService, ingests sluice.IngestService, store sluice.RecordStore) func() {
	ctx := context.Background()
	org := &sluice.Org{Name: "bench", Region: "CN"}
	if err := orgs.CreateOrg(ctx, org); err != nil {
		b.Fatal(err)
	}
	token, err := keys.CreateKey(ctx, &sluice.APIKey{OrgID: org.ID, Role: sluice.RoleOwner})
	if err != nil {
		b.Fatal(err)
	}
	octx := sluice.NewContextWithActor(ctx, &sluice.Actor{Org: org, Role: sluice.RoleOwner, Key: "k"})
	d := &sluice.Dataset{Name: "bench", Purpose: "benchmark", SubjectField: "phone"}
	if err := datasets.CreateDataset(octx, d); err != nil {
		b.Fatal(err)
	}
	api := &httpapi.Server{Keys: keys, Datasets: datasets, Records: &residency.RecordService{
		Datasets: datasets, Ingests: ingests, Stores: map[sluice.Region]sluice.RecordStore{"CN": store}, Secret: []byte("bench"),
	}, Logger: benchLog}
	srv := httptest.NewServer(api.Handler())
	b.Cleanup(srv.Close)
	c := httpapi.NewClient(srv.URL, token)
	return func() {
		res, err := c.Ingest(ctx, d.ID, bytes.NewReader(body), httpapi.IngestOptions{Format: "csv", Size: int64(len(body))})
		if err != nil || res.Ingest.RecordCount != int64(n) {
			b.Fatalf("ingest: %v %+v", err, res)
		}
	}
}

func benchRows(b *testing.B) [][8]string {
	n := 1_000_000
	if v := os.Getenv("BENCH_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	rows := make([][8]string, n)
	for i := range rows {
		rows[i] = [8]string{
			fmt.Sprintf("138%08d", i),
			"张三丰",
			fmt.Sprintf("11010519491231%04d", i%10000),
			fmt.Sprintf("user%d@example.com", i),
			"北京市",
			fmt.Sprintf("海淀区中关村大街%d号", i%500),
			strconv.Itoa(i % 9973),
			"ordinary order note",
		}
	}
	return rows
}

func csvBody(rows [][8]string) []byte {
	var buf bytes.Buffer
	buf.WriteString("phone,name,id_number,email,city,address,amount,note\n")
	for _, r := range rows {
		for j, v := range r {
			if j > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(v)
		}
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

func openRawSQLite(b *testing.B) *sql.DB {
	path := filepath.Join(b.TempDir(), "raw.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=30000")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE raw (c1 TEXT, c2 TEXT, c3 TEXT, c4 TEXT, c5 TEXT, c6 TEXT, c7 TEXT, c8 TEXT)`); err != nil {
		b.Fatal(err)
	}
	return db
}

func rawSQLiteInsert(b *testing.B, db *sql.DB, rows [][8]string) {
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.Prepare(`INSERT INTO raw VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range rows {
		if _, err := stmt.Exec(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]); err != nil {
			b.Fatal(err)
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

func mustOpenSQLite(b *testing.B, db *sqlite.DB) *sqlite.DB {
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func mustOpenPostgres(b *testing.B, db *postgres.DB) *postgres.DB {
	if err := db.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func mustExec(b *testing.B, conn *pgx.Conn, sql string) {
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		b.Fatal(err)
	}
}

// createDatabase creates a fresh database on the server at admin and drops
// it when the benchmark ends.
func createDatabase(b *testing.B, admin string) string {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("sluice_bench_%d_%d", os.Getpid(), dbSeq.next())
	mustExec(b, conn, `CREATE DATABASE `+name)
	b.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err == nil {
			conn.Exec(ctx, `DROP DATABASE `+name+` WITH (FORCE)`)
			conn.Close(ctx)
		}
	})
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		b.Fatal(err)
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
}

type seq struct{ n int }

func (s *seq) next() int { s.n++; return s.n }

var dbSeq seq
