package classify_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"sluice/classify"
	"sluice/classify/internal/evalgen"
)

func threadCPU() float64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0)
	return float64(ts.Nano())
}

func TestZZPerColumn(t *testing.T) {
	runtime.LockOSThread()
	var buf bytes.Buffer
	evalgen.WriteBench(&buf, 4<<20, 1)
	recs, _ := csv.NewReader(&buf).ReadAll()
	names, rows := recs[0], recs[1:]
	cat := classify.DefaultCatalog()
	total := 0.0
	const N = 300000
	only := os.Getenv("ZZCOL")
	for c := range names {
		if only != "" && names[c] != only {
			continue
		}
		var all strings.Builder
		for _, r := range rows {
			all.WriteString(r[c])
		}
		big := all.String()
		vals := make([]string, len(rows))
		off := 0
		for i, r := range rows {
			vals[i] = big[off : off+len(r[c])]
			off += len(r[c])
		}
		s := cat.NewScanner()
		f := s.Field(names[c])
		best := 1e18
		for rep := 0; rep < 15; rep++ {
			t0 := threadCPU()
			i := 0
			for k := 0; k < N; k++ {
				s.AddValue(f, vals[i])
				i++
				if i == len(rows) {
					i = 0
				}
			}
			best = min(best, (threadCPU()-t0)/N)
		}
		total += best
		fmt.Printf("%-12s %6.1f ns\n", names[c], best)
	}
	fmt.Printf("total %6.1f\n", total)
	s := cat.NewScanner()
	best := 1e18
	for rep := 0; rep < 3; rep++ {
		t0 := threadCPU()
		i := 0
		for k := 0; k < N; k++ {
			s.Add(names, rows[i])
			i++
			if i == len(rows) {
				i = 0
			}
		}
		best = min(best, (threadCPU()-t0)/N)
	}
	fmt.Printf("record %6.1f ns\n", best)
}
