package classify_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/classify/internal/evalgen"
)

// BenchmarkScanner_Add measures classification alone, per record of the
// benchmark table (15 fields: name, phone, identity number, e-mail,
// address, card, coordinates, IP, a decoy order number, ticket text …).
//
//	go test ./classify -run '^$' -bench BenchmarkScanner_Add -count 6 | tee new.txt
//	benchstat old.txt new.txt
func BenchmarkScanner_Add(b *testing.B) {
	var buf bytes.Buffer
	if _, err := evalgen.WriteBench(&buf, 4<<20, 1); err != nil {
		b.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	names, rows := recs[0], recs[1:]
	var size int64
	for _, r := range rows {
		for _, v := range r {
			size += int64(len(v)) + 1
		}
	}
	b.SetBytes(size / int64(len(rows)))
	b.ReportAllocs()
	s := classify.DefaultCatalog().NewScanner()
	i := 0
	for b.Loop() {
		s.Add(names, rows[i])
		i++
		if i == len(rows) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/record")
}
