package classify_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"strings"
	"testing"

	"sluice/classify"
	"sluice/classify/internal/evalgen"
)

func BenchmarkZZCol(b *testing.B) {
	var buf bytes.Buffer
	evalgen.WriteBench(&buf, 4<<20, 1)
	recs, _ := csv.NewReader(&buf).ReadAll()
	names, rows := recs[0], recs[1:]
	c := 0
	for i, n := range names {
		if n == os.Getenv("ZZCOL") {
			c = i
		}
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
	s := classify.DefaultCatalog().NewScanner()
	f := s.Field(names[c])
	i := 0
	for b.Loop() {
		s.AddValue(f, vals[i])
		i++
		if i == len(rows) {
			i = 0
		}
	}
}
