package recordio

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
)

type address struct {
	City string  `parquet:"city"`
	Zip  *string `parquet:"zip,optional"`
	Geo  struct {
		Lat float64 `parquet:"lat"`
	} `parquet:"geo"`
}

type person struct {
	ID     int64     `parquet:"id"`
	Name   string    `parquet:"name"`
	Phone  *string   `parquet:"phone,optional"`
	Score  float32   `parquet:"score"`
	Active bool      `parquet:"active"`
	Born   int32     `parquet:"born,date"`
	Seen   time.Time `parquet:"seen,timestamp(millisecond:utc)"`
	Price  int64     `parquet:"price,decimal(2:18)"`
	Count  uint32    `parquet:"count,uint(32)"`
	Key    [16]byte  `parquet:"key,uuid"`
	Addr   address   `parquet:"addr"`
}

func writeParquet[T any](t *testing.T, rows []T, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := parquet.Write(&b, rows, opts...); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readParquet(data []byte, opts Options) ([]rec, Reader, error) {
	r, err := NewParquetReader(bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		return nil, nil, err
	}
	var out []rec
	for {
		x, err := r.Read()
		if err == io.EOF {
			return out, r, nil
		} else if err != nil {
			return out, r, err
		}
		out = append(out, rec{x.Line, append([]string(nil), x.Names...), append([]string(nil), x.Values...)})
	}
}

func TestParquetReader_Read(t *testing.T) {
	zip := "100000"
	phone := "13800138000"
	p1 := person{ID: 1, Name: "张三", Phone: &phone, Score: 1.5, Active: true, Born: 19000,
		Seen: time.Date(2024, 3, 1, 8, 30, 0, 123e6, time.UTC), Price: -12345, Count: 4000000000,
		Key: [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}}
	p1.Addr.City, p1.Addr.Zip, p1.Addr.Geo.Lat = "北京", &zip, 39.9042
	p2 := person{ID: 2, Name: "Li", Price: 5}
	p3 := person{ID: 3, Name: "Wang"}
	data := writeParquet(t, []person{p1, p2, p3}, parquet.MaxRowsPerRowGroup(2))
	names := []string{"id", "name", "phone", "score", "active", "born", "seen", "price", "count", "key", "addr.city", "addr.zip", "addr.geo.lat"}
	got, r, err := readParquet(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantRecords(t, got, []rec{
		{1, names, []string{"1", "张三", "13800138000", "1.5", "true", "2022-01-08", "2024-03-01T08:30:00.123Z", "-123.45", "4000000000",
			"12345678-9abc-def0-0102-030405060708", "北京", "100000", "39.9042"}},
		{2, names, []string{"2", "Li", "", "0", "false", "1970-01-01", "0001-01-01T00:00:00Z", "0.05", "0",
			"00000000-0000-0000-0000-000000000000", "", "", "0"}},
		{3, names, []string{"3", "Wang", "", "0", "false", "1970-01-01", "0001-01-01T00:00:00Z", "0.00", "0",
			"00000000-0000-0000-0000-000000000000", "", "", "0"}},
	})
	if r.Format() != FormatParquet || r.Charset() != CharsetUTF8 || r.BytesRead() == 0 {
		t.Fatalf("Format, Charset, BytesRead = %q, %q, %d", r.Format(), r.Charset(), r.BytesRead())
	}
}

type withInt96 struct {
	ID  int64            `parquet:"id"`
	Old deprecated.Int96 `parquet:"old"`
}

type withList struct {
	ID   int64    `parquet:"id"`
	Tags []string `parquet:"tags,list"`
}

type withBinary struct {
	ID   int64  `parquet:"id"`
	Blob []byte `parquet:"blob"`
}

func TestParquetReader_ReadErrors(t *testing.T) {
	t.Run("ErrInt96", func(t *testing.T) {
		got, _, err := readParquet(writeParquet(t, []withInt96{{ID: 1}}), Options{})
		if len(got) != 0 {
			t.Fatalf("read %d records", len(got))
		}
		wantErr(t, err, 0, "old", KindUnsupported, "column type INT96 is not supported (row group 1 of 1)")
	})
	t.Run("ErrList", func(t *testing.T) {
		_, _, err := readParquet(writeParquet(t, []withList{{ID: 1, Tags: []string{"a"}}}), Options{})
		wantErr(t, err, 0, "tags.list.element", KindUnsupported, "(list or map) is not supported (row group 1 of 1)")
	})
	t.Run("ErrBinaryNotUTF8", func(t *testing.T) {
		got, _, err := readParquet(writeParquet(t, []withBinary{{1, []byte("ok")}, {2, []byte{0xff, 0}}}), Options{})
		if len(got) != 1 || got[0].Values[1] != "ok" {
			t.Fatalf("records %+v", got)
		}
		wantErr(t, err, 2, "blob", KindUnsupported, "binary data, not UTF-8 (row group 1 of 1)")
	})
	t.Run("ErrFieldTooLarge", func(t *testing.T) {
		_, _, err := readParquet(writeParquet(t, []person{{ID: 1, Name: "abcdefghijk"}}), Options{MaxFieldBytes: 10})
		wantErr(t, err, 1, "name", KindTooLarge, "over the limit of 10 bytes")
	})
	t.Run("ErrNotParquet", func(t *testing.T) {
		_, _, err := readParquet([]byte("a,b\n1,2\n"), Options{})
		wantErr(t, err, 0, "", KindMalformed, "not a valid Parquet file")
	})
	t.Run("ErrTruncated", func(t *testing.T) {
		data := writeParquet(t, []person{{ID: 1}})
		_, _, err := readParquet(data[:len(data)-20], Options{})
		wantErr(t, err, 0, "", KindMalformed, "not a valid Parquet file")
	})
}
