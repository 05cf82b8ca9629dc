package recordio

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
)

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{
		"csv": FormatCSV, "CSV": FormatCSV, "text/csv": FormatCSV, "text/csv; charset=gbk": FormatCSV,
		"tsv": FormatTSV, "text/tab-separated-values": FormatTSV,
		"jsonl": FormatJSONL, "ndjson": FormatJSONL, "application/x-ndjson": FormatJSONL, "application/jsonl": FormatJSONL,
		"application/json-lines": FormatJSONL, "Application/X-JSONLines; charset=utf-8": FormatJSONL,
		"parquet": FormatParquet, "application/vnd.apache.parquet": FormatParquet, "application/x-parquet": FormatParquet,
	} {
		t.Run("OK/"+in, func(t *testing.T) {
			got, err := ParseFormat(in)
			if err != nil || got != want {
				t.Fatalf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
			}
		})
	}
	for _, in := range []string{"", "json", "application/json", "text/plain", "xlsx"} {
		t.Run("ErrUnsupported/"+in, func(t *testing.T) {
			_, err := ParseFormat(in)
			wantErr(t, err, 0, "", KindUnsupported, "unsupported format")
		})
	}
}

func TestFormatFromPath(t *testing.T) {
	for in, want := range map[string]Format{
		"a.csv": FormatCSV, "dir/A.CSV": FormatCSV, "x.tsv": FormatTSV, "x.tab": FormatTSV,
		"x.jsonl": FormatJSONL, "x.NDJSON": FormatJSONL, "x.parquet": FormatParquet, "x.txt": "", "csv": "",
	} {
		got, ok := FormatFromPath(in)
		if got != want || ok != (want != "") {
			t.Errorf("FormatFromPath(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestParseCharset(t *testing.T) {
	for in, want := range map[string]Charset{
		"": CharsetDetect, "auto": CharsetDetect, "utf-8": CharsetUTF8, "UTF8": CharsetUTF8, "utf_8": CharsetUTF8,
		"utf-16": CharsetUTF16, "UTF-16LE": CharsetUTF16LE, "utf-16be": CharsetUTF16BE,
		"gb18030": CharsetGB18030, "GBK": CharsetGB18030, "gb2312": CharsetGB18030, "cp936": CharsetGB18030,
	} {
		t.Run("OK/"+in, func(t *testing.T) {
			got, err := ParseCharset(in)
			if err != nil || got != want {
				t.Fatalf("ParseCharset(%q) = %q, %v; want %q", in, got, err, want)
			}
		})
	}
	t.Run("ErrUnsupported", func(t *testing.T) {
		_, err := ParseCharset("shift_jis")
		wantErr(t, err, 0, "", KindUnsupported, `unsupported charset "shift_jis"`)
	})
	t.Run("OKMediaType", func(t *testing.T) {
		got, err := CharsetFromMediaType("text/csv; charset=GBK")
		if err != nil || got != CharsetGB18030 {
			t.Fatalf("CharsetFromMediaType = %q, %v", got, err)
		}
		got, err = CharsetFromMediaType("text/csv")
		if err != nil || got != CharsetDetect {
			t.Fatalf("CharsetFromMediaType = %q, %v", got, err)
		}
	})
}

func TestError_As(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  *Error
		code string
		msg  string
	}{
		{"OKMalformed", &Error{Line: 3, Field: "phone", Kind: KindMalformed, Msg: "bare quote"}, sluice.EINVALID, `Line 3, field "phone": bare quote.`},
		{"OKTooLarge", &Error{Line: 9, Kind: KindTooLarge, Msg: "record is over the limit of 16 MiB"}, sluice.ETOOLARGE, "Line 9: record is over the limit of 16 MiB."},
		{"OKUnsupported", &Error{Kind: KindUnsupported, Msg: "unsupported format"}, sluice.EUNSUPPORTED, "Unsupported format."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error = tc.err
			wrapped := errors.Join(errors.New("ingest"), err)
			if got := sluice.ErrorCode(wrapped); got != tc.code {
				t.Fatalf("ErrorCode = %q, want %q", got, tc.code)
			}
			if got := sluice.ErrorMessage(err); got != tc.msg {
				t.Fatalf("ErrorMessage = %q, want %q", got, tc.msg)
			}
			var se *sluice.Error
			if !errors.As(err, &se) || se.Line != tc.err.Line || se.Field != tc.err.Field {
				t.Fatalf("As = %+v", se)
			}
		})
	}
}

func TestNewReader_Sniff(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want Format
	}{
		{"OKCSV", "a,b\n1,2\n", FormatCSV},
		{"OKCSVOneColumn", "a\n1\n", FormatCSV},
		{"OKTSV", "a\tb\n1\t2\n", FormatTSV},
		{"OKJSONL", "\n  {\"a\":1}\n", FormatJSONL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, r, err := readAll([]byte(tc.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Format() != tc.want || len(got) != 1 {
				t.Fatalf("Format = %q, %d records; want %q, 1", r.Format(), len(got), tc.want)
			}
		})
	}
	t.Run("ErrParquetStream", func(t *testing.T) {
		_, _, err := readAll([]byte("PAR1\x15\x00"), Options{})
		wantErr(t, err, 0, "", KindUnsupported, "random access")
	})
	t.Run("ErrParquetFormatStream", func(t *testing.T) {
		_, _, err := readAllFrom(io.MultiReader(strings.NewReader("PAR1")), Options{Format: FormatParquet})
		wantErr(t, err, 0, "", KindUnsupported, "random access")
	})
}

// TestNewReader_ParquetFile checks that NewReader reads Parquet from a
// file, which has random access.
func TestNewReader_ParquetFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.parquet")
	if err := os.WriteFile(path, writeParquet(t, []person{{ID: 1, Name: "张三"}}), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, r, err := readAllFrom(f, Options{Format: FormatParquet})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Values[1] != "张三" || r.Format() != FormatParquet {
		t.Fatalf("records %+v", got)
	}
}
