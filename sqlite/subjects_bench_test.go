package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/sqlite"
)

// BenchmarkEachSubject measures the heap a scan of a dataset's subject
// keys needs, at 1M and 10M records of one subject each. EachSubject (id
// order) and EachDistinctSubject (key order, sorted by the database) keep
// no key, so their peak heap stays flat in the number of subjects; list
// collects the ids and keys a page at a time, as a scan that holds them
// all does, and grows with them. peak-heap-MB is the largest live heap
// seen during the scan, above the heap before it.
//
//	go test ./sqlite -run '^$' -bench EachSubject -benchtime 1x
func BenchmarkEachSubject(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a dataset of 10M records")
	}
	ctx := context.Background()
	for _, n := range []int{1_000_000, 10_000_000} {
		store := subjectStore(b, n)
		b.Run(fmt.Sprintf("subjects=%d/scan=each", n), func(b *testing.B) {
			for b.Loop() {
				peakHeap(b, n, func(sample func()) error {
					i := 0
					return store.EachSubject(ctx, 1, 0, 0, func(int64, string) error {
						if i++; i%(1<<16) == 0 {
							sample()
						}
						return nil
					})
				})
			}
		})
		b.Run(fmt.Sprintf("subjects=%d/scan=distinct", n), func(b *testing.B) {
			for b.Loop() {
				peakHeap(b, n, func(sample func()) error {
					i := 0
					return store.EachDistinctSubject(ctx, 1, 0, func(string) error {
						if i++; i%(1<<16) == 0 {
							sample()
						}
						return nil
					})
				})
			}
		})
		b.Run(fmt.Sprintf("subjects=%d/scan=list", n), func(b *testing.B) {
			for b.Loop() {
				peakHeap(b, n, func(sample func()) error {
					var ids []int64
					var keys []string
					for after := int64(0); ; {
						page, pkeys, err := store.ListSubjects(ctx, 1, after, 0, 250000)
						if err != nil {
							return err
						}
						ids, keys = append(ids, page...), append(keys, pkeys...)
						sample()
						if len(page) < 250000 {
							break
						}
						after = page[len(page)-1]
					}
					runtime.KeepAlive(keys)
					return nil
				})
			}
		})
	}
}

// peakHeap runs scan, which calls sample now and then, and reports the
// largest live heap sample saw above the heap before scan, and the
// records scanned.
func peakHeap(b *testing.B, n int, scan func(sample func()) error) {
	b.Helper()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base, peak := m.HeapAlloc, m.HeapAlloc
	sample := func() {
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapAlloc)
	}
	if err := scan(sample); err != nil {
		b.Fatal(err)
	}
	sample()
	b.ReportMetric(float64(peak-base)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(n), "records")
}

// subjectStore returns the record store of a region database holding n
// committed records of dataset 1, each of its own subject, the keys in no
// order.
func subjectStore(b *testing.B, n int) *sqlite.RecordStore {
	b.Helper()
	path := filepath.Join(b.TempDir(), fmt.Sprintf("region-%d.db", n))
	db := MustOpenDB(b, sqlite.NewRegionDB(path))
	raw, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=OFF")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO record_ingests (id, dataset_id, state) VALUES (1, 1, ?)`, sluice.IngestCommitted); err != nil {
		b.Fatal(err)
	}
	// Multiplying by an odd number is one-to-one modulo 2^62: distinct keys.
	if _, err := raw.Exec(`
		INSERT INTO records (dataset_id, ingest_id, subject_key, data)
		WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < ? - 1)
		SELECT 1, 1, printf('%064x', (x * 2654435761) % 4611686018427387904), '{}' FROM c`, n); err != nil {
		b.Fatal(err)
	}
	return sqlite.NewRecordStore(db, "CN")
}
