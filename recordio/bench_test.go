package recordio

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// benchRows is the number of records in each benchmark input.
const benchRows = 50_000

// benchCSV returns CSV of 8 text columns, some of them Chinese.
func benchCSV(tb testing.TB, n int) []byte {
	tb.Helper()
	var b bytes.Buffer
	b.WriteString("id,name,phone,email,city,amount,created,note\n")
	cities := []string{"北京", "上海", "Shenzhen", "广州", "Hangzhou"}
	for i := range n {
		fmt.Fprintf(&b, "%d,用户%d,1380013%04d,user%d@example.com,%s,%d.%02d,2024-03-%02d,第%d号订单：请尽快发货，谢谢\n",
			100000+i, i, i%10000, i, cities[i%len(cities)], i%997, i%100, 1+i%28, i)
	}
	return b.Bytes()
}

// benchJSONL returns the records of benchCSV as JSON lines, with one nested object.
func benchJSONL(tb testing.TB, n int) []byte {
	tb.Helper()
	var b bytes.Buffer
	cities := []string{"北京", "上海", "Shenzhen", "广州", "Hangzhou"}
	for i := range n {
		fmt.Fprintf(&b, `{"id":%d,"name":"用户%d","contact":{"phone":"1380013%04d","email":"user%d@example.com"},"city":"%s","amount":%d.%02d,"created":"2024-03-%02d","note":"第%d号订单：请尽快发货，谢谢"}`+"\n",
			100000+i, i, i%10000, i, cities[i%len(cities)], i%997, i%100, 1+i%28, i)
	}
	return b.Bytes()
}

func toGB18030(tb testing.TB, p []byte) []byte {
	tb.Helper()
	out, err := simplifiedchinese.GB18030.NewEncoder().Bytes(p)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkReader measures the readers on 8 text columns.
//
//	go test ./recordio -run '^$' -bench BenchmarkReader -count 6 | tee new.txt
//	benchstat old.txt new.txt
func BenchmarkReader(b *testing.B) {
	utf8CSV := benchCSV(b, benchRows)
	cases := []struct {
		name string
		data []byte
		opts Options
	}{
		{"format=csv/charset=utf-8", utf8CSV, Options{Format: FormatCSV}},
		{"format=csv/charset=gb18030", toGB18030(b, utf8CSV), Options{Format: FormatCSV}},
		{"format=csv/charset=utf-16le", utf16le(utf8CSV), Options{Format: FormatCSV}},
		{"format=tsv/charset=utf-8", bytes.ReplaceAll(utf8CSV, []byte(","), []byte("\t")), Options{Format: FormatTSV}},
		{"format=jsonl", benchJSONL(b, benchRows), Options{Format: FormatJSONL}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.data)))
			b.ReportAllocs()
			records := 0
			for b.Loop() {
				r, err := NewReader(bytes.NewReader(tc.data), tc.opts)
				if err != nil {
					b.Fatal(err)
				}
				for {
					rec, err := r.Read()
					if err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
					records += len(rec.Values) / 8
				}
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkEncodingCSV is the baseline: encoding/csv with ReuseRecord on the
// same UTF-8 input as BenchmarkReader/format=csv/charset=utf-8.
//
//	go test ./recordio -run '^$' -bench 'BenchmarkEncodingCSV|BenchmarkReader/format=csv/charset=utf-8' -count 6
func BenchmarkEncodingCSV(b *testing.B) {
	data := benchCSV(b, benchRows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	records := 0
	for b.Loop() {
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			records++
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
