package auditlog_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/postgres"
	"github.com/sluice-gateway/sluice/sqlite"
)

// A benchStore is a control store under benchmark: a change with its
// audit event (CreateOrg: one row and one event in one transaction), the
// same insert bare, without the event, through the same group commit, and
// an event alone (a read of records logged: the audit append by itself).
type benchStore struct {
	orgs   sluice.OrgService
	events interface {
		AppendEvent(ctx context.Context, e *sluice.Event) (int64, error)
	}
	bare func(ctx context.Context, name string) error
	log  auditlog.Store
}

func openBenchSQLite(b *testing.B) *benchStore {
	db := sqlite.NewControlDB(filepath.Join(b.TempDir(), "control.db"))
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return &benchStore{
		orgs:   sqlite.NewOrgService(db),
		events: sqlite.NewEventService(db),
		bare: func(ctx context.Context, name string) error {
			return db.Update(ctx, func(ctx context.Context, tx *sqlite.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO orgs (name, region, sector, ciio, created_at) VALUES (?, 'CN', '', 0, ?)`,
					name, time.Now().UTC().Format(time.RFC3339Nano))
				return err
			})
		},
		log: sqlite.NewLogStore(db),
	}
}

func openBenchPostgres(b *testing.B) *benchStore {
	admin := os.Getenv("SLUICE_TEST_POSTGRES")
	if admin == "" {
		b.Skip("SLUICE_TEST_POSTGRES is unset")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	name := "sluice_bench_" + hex.EncodeToString([]byte(rand.Text()[:6]))
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, `DROP DATABASE `+name+` WITH (FORCE)`)
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	q := u.Query()
	q.Set("pool_max_conns", "16")
	u.RawQuery = q.Encode()
	db := postgres.NewControlDB(u.String())
	if err := db.Open(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return &benchStore{
		orgs:   postgres.NewOrgService(db),
		events: postgres.NewEventService(db),
		bare: func(ctx context.Context, name string) error {
			return db.Update(ctx, func(ctx context.Context, tx *postgres.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO orgs (name, region, created_at) VALUES ($1, 'CN', $2)`, name, time.Now())
				return err
			})
		},
		log: postgres.NewLogStore(db),
	}
}

var benchBackends = []struct {
	name string
	open func(*testing.B) *benchStore
}{
	{"sqlite", openBenchSQLite},
	{"postgres", openBenchPostgres},
}

// op returns the operation benchmarked: a change with its event, the
// bare insert, or an event alone.
func (s *benchStore) op(kind string) func(ctx context.Context, i int64) error {
	switch kind {
	case "bare":
		return func(ctx context.Context, i int64) error { return s.bare(ctx, fmt.Sprintf("bare-%d", i)) }
	case "read":
		return func(ctx context.Context, i int64) error {
			_, err := s.events.AppendEvent(ctx, &sluice.Event{Action: "records.read", Object: map[string]any{"dataset": fmt.Sprintf("ds-%d", i)}})
			return err
		}
	}
	return func(ctx context.Context, i int64) error {
		return s.orgs.CreateOrg(ctx, &sluice.Org{Name: fmt.Sprintf("org-%d", i), Region: "CN"})
	}
}

// integrate runs the log's integrator for the length of the benchmark,
// as sluice serve does.
func (s *benchStore) integrate(b *testing.B) {
	l := auditlog.New(s.log, MustKey(b, "bench.example/log"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
}

// BenchmarkAuditLog_Append measures durable changes per second, each
// committed with its audit event (op=event), against the same inserts
// without events (op=bare), and events alone (op=read: what Tessera's
// appends are, see bench/auditlog-vs-tessera.sh), with 1, 8 and 64
// concurrent writers (SLUICE_BENCH_WRITERS="1 8 64 1024" sets others). Every
// operation returns only once durable (SQLite: WAL, synchronous=FULL).
// The integrator runs meanwhile.
//
//	go test -run '^$' -bench 'AuditLog_Append' -benchtime 20000x -count 6 ./auditlog/ | tee new.txt
//	benchstat old.txt new.txt
//
// bench/auditlog.sh runs it on both stores and prints the figures.
func BenchmarkAuditLog_Append(b *testing.B) {
	for _, be := range benchBackends {
		for _, kind := range []string{"event", "bare", "read"} {
			for _, writers := range benchWriters(b) {
				b.Run(fmt.Sprintf("backend=%s/op=%s/writers=%d", be.name, kind, writers), func(b *testing.B) {
					s := be.open(b)
					if kind != "bare" {
						s.integrate(b)
					}
					op := s.op(kind)
					b.ReportAllocs()
					ctx := context.Background()
					var n atomic.Int64
					var failed atomic.Value
					work := make(chan struct{}, writers)
					var wg sync.WaitGroup
					for range writers {
						wg.Go(func() {
							for range work {
								if err := op(ctx, n.Add(1)); err != nil {
									failed.Store(err)
								}
							}
						})
					}
					for b.Loop() {
						work <- struct{}{}
					}
					close(work)
					wg.Wait()
					if err, _ := failed.Load().(error); err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
				})
			}
		}
	}
}

// BenchmarkAuditLog_Latency measures the latency of each operation at a
// steady 1,000 operations per second (open loop: an operation starts every
// millisecond, whether or not the ones before it are done): p50 and p99 of
// a change with its event (op=event) and of the bare insert (op=bare);
// the difference is the latency the audit log adds.
//
//	go test -run '^$' -bench 'AuditLog_Latency' -benchtime 3000x ./auditlog/
func BenchmarkAuditLog_Latency(b *testing.B) {
	const rate = 1000
	for _, be := range benchBackends {
		for _, kind := range []string{"event", "bare"} {
			b.Run(fmt.Sprintf("backend=%s/op=%s/rate=%d", be.name, kind, rate), func(b *testing.B) {
				s := be.open(b)
				if kind == "event" {
					s.integrate(b)
				}
				op := s.op(kind)
				ctx := context.Background()
				var mu sync.Mutex
				var lat []time.Duration
				var failed atomic.Value
				var wg sync.WaitGroup
				var i int64
				begin := time.Now()
				for b.Loop() {
					// Operation i starts i ms after the first, late ones at once.
					time.Sleep(time.Until(begin.Add(time.Duration(i) * time.Second / rate)))
					i++
					n := i
					wg.Go(func() {
						start := time.Now()
						if err := op(ctx, n); err != nil {
							failed.Store(err)
						}
						d := time.Since(start)
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
					})
				}
				wg.Wait()
				if err, _ := failed.Load().(error); err != nil {
					b.Fatal(err)
				}
				slices.Sort(lat)
				q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
				b.ReportMetric(q(0.50), "p50-ms")
				b.ReportMetric(q(0.99), "p99-ms")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			})
		}
	}
}

// benchWriters returns the numbers of concurrent writers to measure:
// SLUICE_BENCH_WRITERS, space-separated, or 1, 8 and 64.
func benchWriters(b *testing.B) []int {
	env := os.Getenv("SLUICE_BENCH_WRITERS")
	if env == "" {
		return []int{1, 8, 64}
	}
	var out []int
	for _, f := range strings.Fields(env) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			b.Fatalf("SLUICE_BENCH_WRITERS: %q is not a number of writers", f)
		}
		out = append(out, n)
	}
	return out
}
