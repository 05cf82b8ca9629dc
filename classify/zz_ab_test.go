package classify_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"sluice/classify"
	old "sluice/classify/internal/zzold"
)

func TestZZAB(t *testing.T) {
	runtime.LockOSThread()
	data, err := os.ReadFile("/tmp/w7/small.csv")
	if err != nil {
		t.Skip()
	}
	recs, _ := csv.NewReader(bytes.NewReader(data)).ReadAll()
	names, rows := recs[0], recs[1:]
	var all strings.Builder
	for _, r := range rows {
		for _, v := range r {
			all.WriteString(v)
		}
	}
	big := all.String()
	off := 0
	for _, r := range rows {
		for c, v := range r {
			r[c] = big[off : off+len(v)]
			off += len(v)
		}
	}
	ns, os := classify.DefaultCatalog().NewScanner(), old.DefaultCatalog().NewScanner()
	bn, bo := 1e18, 1e18
	for rep := 0; rep < 40; rep++ {
		t0 := threadCPU()
		for _, r := range rows {
			ns.Add(names, r)
		}
		t1 := threadCPU()
		for _, r := range rows {
			os.Add(names, r)
		}
		t2 := threadCPU()
		bn = min(bn, (t1-t0)/float64(len(rows)))
		bo = min(bo, (t2-t1)/float64(len(rows)))
	}
	fmt.Printf("new %.0f ns/record, old %.0f ns/record, ratio %.2f\n", bn, bo, bo/bn)
}
