package scan

import (
	"context"
	"os"
	"strconv"
	"testing"
)

// BenchmarkFile measures a full scan of a CSV file of the benchmark table
// (bench/scan.sh's, 15 fields a record) through the fast path, parsing and
// classification included, on one and two workers, of the file that
// SLUICE_SCAN_FILE names; it is skipped when that is unset. Make a file of
// 200 MB with
//
//	go run ./classify/internal/evalgen/cmd/evalgen -bench 200 -o /tmp/scan.csv
//	SLUICE_SCAN_FILE=/tmp/scan.csv go test ./scan -run '^$' -bench BenchmarkFile -count 6 | tee new.txt
//	benchstat old.txt new.txt
func BenchmarkFile(b *testing.B) {
	path := os.Getenv("SLUICE_SCAN_FILE")
	if path == "" {
		b.Skip("SLUICE_SCAN_FILE unset: no file to scan")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for b.Loop() {
				r, err := File(context.Background(), path, Options{Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				if r.Records == 0 {
					b.Fatal("no records")
				}
			}
		})
	}
	// The sector catalogues (JR/T 0197-2020 for a bank) are applied once
	// per file, from the fields' categories: the same scan with a sector.
	b.Run("workers=1/sector=bank", func(b *testing.B) {
		b.SetBytes(st.Size())
		b.ReportAllocs()
		for b.Loop() {
			r, err := File(context.Background(), path, Options{Workers: 1, Sector: "bank"})
			if err != nil {
				b.Fatal(err)
			}
			if len(r.Sectors) == 0 {
				b.Fatal("no sector level")
			}
		}
	})
}
