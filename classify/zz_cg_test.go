package classify_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"sluice/classify"
)

func TestZZCallgrind(t *testing.T) {
	data, err := os.ReadFile("/tmp/w7/small.csv")
	if err != nil {
		t.Skip()
	}
	recs, _ := csv.NewReader(bytes.NewReader(data)).ReadAll()
	names, rows := recs[0], recs[1:]
	// contiguous values
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
	s := classify.DefaultCatalog().NewScanner()
	col := -1
	for c, n := range names {
		if n == os.Getenv("ZZCOL") {
			col = c
		}
	}
	runtime.GC()
	debug.SetGCPercent(-1)
	for rep := 0; rep < 2; rep++ {
		for _, r := range rows {
			if col >= 0 {
				s.Add(names[col:col+1], r[col:col+1])
			} else {
				s.Add(names, r)
			}
		}
	}
	s.Fields()
}
