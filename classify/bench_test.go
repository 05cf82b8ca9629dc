package classify_test

import (
	"bytes"
	"encoding/csv"
	"strings"
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

// BenchmarkScanner_AddRecords is BenchmarkScanner_Add for records handed
// over in batches, as the fast CSV path does (about 4096 values a batch,
// lying in one buffer, just read by the parser): they are classified
// field by field. The time includes that read.
//
//	go test ./classify -run '^$' -bench 'BenchmarkScanner_Add' -count 6 | tee new.txt
func BenchmarkScanner_AddRecords(b *testing.B) {
	var buf bytes.Buffer
	if _, err := evalgen.WriteBench(&buf, 4<<20, 1); err != nil {
		b.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	names, rows := recs[0], recs[1:]
	per := 4096 / len(names)
	var batches [][]string
	var texts []string
	var size int64
	for k := 0; k+per <= len(rows); k += per {
		// The values of a batch lie in one buffer, record after record,
		// as they do in a chunk of the file.
		var chunk strings.Builder
		for _, r := range rows[k : k+per] {
			for _, v := range r {
				chunk.WriteString(v)
				chunk.WriteByte(',')
			}
		}
		text := chunk.String()
		flat := make([]string, 0, per*len(names))
		at := 0
		for _, r := range rows[k : k+per] {
			for _, v := range r {
				flat = append(flat, text[at:at+len(v)])
				at += len(v) + 1
			}
		}
		size += int64(len(text))
		batches = append(batches, flat)
		texts = append(texts, text)
	}
	n := int64(len(batches) * per)
	b.SetBytes(size / int64(len(batches)))
	b.ReportAllocs()
	s := classify.DefaultCatalog().NewScanner()
	i := 0
	seps := 0
	for b.Loop() {
		// The parser has just read the batch, which is in the cache.
		seps += strings.Count(texts[i], ",")
		s.AddRecords(names, batches[i])
		i++
		if i == len(batches) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n/int64(len(batches))), "ns/record")
	if seps == 0 {
		b.Fatal("no values")
	}
}

// BenchmarkScanner_Headers measures a scanner's start on a file of 20
// columns: the header hints of each column, once per scanner (a scan of
// many small files pays it per file).
func BenchmarkScanner_Headers(b *testing.B) {
	names := []string{"id", "姓名", "手机号", "身份证号", "email", "home_address", "ip_addr", "lat", "lng", "plate_no",
		"vin", "bank_card", "order_id", "created_at", "firmware_version", "c7", "attr3", "customerName", "DateOfBirth", "passport"}
	vals := make([]string, len(names))
	b.ReportAllocs()
	for b.Loop() {
		classify.DefaultCatalog().NewScanner().Add(names, vals)
	}
}
