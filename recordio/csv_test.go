package recordio

import (
	"io"
	"strings"
	"testing"
)

func TestReader_Read_CSV(t *testing.T) {
	h := []string{"a", "b"}
	for _, tc := range []struct {
		name string
		in   string
		want []rec
	}{
		{"OK", "a,b\n1,2\n3,4\n", []rec{{2, h, []string{"1", "2"}}, {3, h, []string{"3", "4"}}}},
		{"OKNoFinalNewline", "a,b\n1,2", []rec{{2, h, []string{"1", "2"}}}},
		{"OKCRLF", "a,b\r\n1,2\r\n3,4\r\n", []rec{{2, h, []string{"1", "2"}}, {3, h, []string{"3", "4"}}}},
		{"OKFinalCR", "a,b\n1,2\r", []rec{{2, h, []string{"1", "2"}}}},
		{"OKBareCRKept", "a,b\n1\r2,3\n", []rec{{2, h, []string{"1\r2", "3"}}}},
		{"OKBlankLinesSkipped", "\n\na,b\n\n1,2\r\n\r\n3,4\n\n", []rec{{5, h, []string{"1", "2"}}, {7, h, []string{"3", "4"}}}},
		{"OKEmptyValues", "a,b\n,\n1,\n", []rec{{2, h, []string{"", ""}}, {3, h, []string{"1", ""}}}},
		{"OKHeaderOnly", "a,b\n", nil},
		{"OKEmpty", "", nil},
		{"OKQuoted", "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n", []rec{{2, h, []string{"x,y", `say "hi"`}}}},
		{"OKQuotedEmpty", "a,b\n\"\",\"\"\n", []rec{{2, h, []string{"", ""}}}},
		{"OKQuotedNewline", "a,b\n\"line1\nline2\",x\n5,6\n", []rec{{2, h, []string{"line1\nline2", "x"}}, {4, h, []string{"5", "6"}}}},
		{"OKQuotedCRLFBecomesLF", "a,b\r\n\"l1\r\nl2\",x\r\n", []rec{{2, h, []string{"l1\nl2", "x"}}}},
		{"OKQuotedBlankLineInside", "a,b\n\"x\n\ny\",z\n", []rec{{2, h, []string{"x\n\ny", "z"}}}},
		{"OKQuotedAtEOF", "a,b\n1,\"2\"", []rec{{2, h, []string{"1", "2"}}}},
		{"OKQuotedCRAtEOF", "a,b\n1,\"2\"\r", []rec{{2, h, []string{"1", "2"}}}},
		{"OKQuotedHeader", "\"a\",\"b\"\n1,2\n", []rec{{2, h, []string{"1", "2"}}}},
		{"OKUTF8BOM", "\xEF\xBB\xBFa,b\n1,2\n", []rec{{2, h, []string{"1", "2"}}}},
		{"OKChinese", "姓名,城市\n张三,北京\n", []rec{{2, []string{"姓名", "城市"}, []string{"张三", "北京"}}}},
		{"OKSpacesKept", "a,b\n 1 , 2 \n", []rec{{2, h, []string{" 1 ", " 2 "}}}},
		{"OKTabIsData", "a,b\n1\t2,3\n", []rec{{2, h, []string{"1\t2", "3"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, r, err := readAll([]byte(tc.in), Options{Format: FormatCSV})
			if err != nil {
				t.Fatal(err)
			}
			wantRecords(t, got, tc.want)
			if r.Format() != FormatCSV || r.Charset() != CharsetUTF8 {
				t.Fatalf("Format, Charset = %q, %q", r.Format(), r.Charset())
			}
			if r.BytesRead() != int64(len(tc.in)) {
				t.Fatalf("BytesRead = %d, want %d", r.BytesRead(), len(tc.in))
			}
		})
	}
}

func TestReader_Read_CSVErrors(t *testing.T) {
	long := strings.Repeat("x", 100)
	for _, tc := range []struct {
		name  string
		in    string
		opts  Options
		recs  int // records read before the error
		line  int
		field string
		kind  Kind
		msg   string
	}{
		{name: "ErrRaggedShort", in: "a,b,c\n1,2,3\n4,5\n", recs: 1, line: 3, kind: KindMalformed, msg: "expected 3 fields (as in the header), got 2"},
		{name: "ErrRaggedLong", in: "a,b\n1,2,3\n", line: 2, kind: KindMalformed, msg: "expected 2 fields (as in the header), got 3"},
		{name: "ErrRaggedLongQuoted", in: "a,b\n\"1\",2,3,4\n", line: 2, kind: KindMalformed, msg: "expected 2 fields (as in the header), got 4"},
		{name: "ErrUnterminatedQuote", in: "a,b\n1,2\n3,\"abc\n\ndef\n", recs: 1, line: 3, field: "b", kind: KindMalformed, msg: "opened on line 3 is never closed"},
		{name: "ErrUnterminatedQuoteLater", in: "a,b\n1,\"x\ny\"\n5,\"z", recs: 1, line: 4, field: "b", kind: KindMalformed, msg: "opened on line 4"},
		{name: "ErrTextAfterQuote", in: "a,b\n\"x\"y,2\n", line: 2, field: "a", kind: KindMalformed, msg: `unexpected 'y' after the closing quote`},
		{name: "ErrTextAfterQuoteNextLine", in: "a,b\n1,\"x\nz\"q\n", line: 3, field: "b", kind: KindMalformed, msg: "quote opened on line 2"},
		{name: "ErrBareQuote", in: "a,b\n1,x\"y\n", line: 2, field: "b", kind: KindMalformed, msg: "bare quote"},
		{name: "ErrBareQuoteAfterMultiline", in: "a,b\n\"1\n2\",x\"\n", line: 3, field: "b", kind: KindMalformed, msg: "bare quote"},
		{name: "ErrHeaderEmptyName", in: "a,,c\n1,2,3\n", line: 1, kind: KindMalformed, msg: "column 2 of the header has no name"},
		{name: "ErrHeaderDuplicate", in: "\n\nid,name,id\n", line: 3, field: "id", kind: KindMalformed, msg: "columns 1 and 3"},
		{name: "ErrFieldTooLarge", in: "a,b\n1,2\n3," + long + "\n", opts: Options{MaxFieldBytes: 50}, recs: 1, line: 3, field: "b", kind: KindTooLarge, msg: "over the limit of 50 bytes"},
		{name: "ErrQuotedFieldTooLarge", in: "a,b\n\"" + long + "\",2\n", opts: Options{MaxFieldBytes: 50}, line: 2, field: "a", kind: KindTooLarge, msg: "over the limit"},
		{name: "ErrRecordTooLarge", in: "a,b\n1,2\n" + long + "," + long + "\n", opts: Options{MaxRecordBytes: 150}, recs: 1, line: 3, kind: KindTooLarge, msg: "record is over the limit of 150 bytes"},
		{name: "ErrQuotedRecordTooLarge", in: "a,b\n\"" + long + "\",\"" + long + "\"\n", opts: Options{MaxRecordBytes: 150}, line: 2, kind: KindTooLarge, msg: "record is over the limit"},
		{name: "ErrTooManyColumns", in: "a,b,c,d\n", opts: Options{MaxFields: 3}, line: 1, kind: KindTooLarge, msg: "header has 4 columns, over the limit of 3"},
		{name: "ErrNUL", in: "a,b\n1,2\n3,\x004\n", recs: 1, line: 3, kind: KindMalformed, msg: "NUL byte"},
		{name: "ErrInvalidUTF8", in: "a,b\n1,2\n3,\xff\n", opts: Options{Charset: CharsetUTF8}, recs: 1, line: 3, kind: KindMalformed, msg: "invalid UTF-8: bytes 0xFF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Format = FormatCSV
			got, _, err := readAll([]byte(tc.in), tc.opts)
			if len(got) != tc.recs {
				t.Fatalf("read %d records before the error, want %d: %+v", len(got), tc.recs, got)
			}
			wantErr(t, err, tc.line, tc.field, tc.kind, tc.msg)
		})
	}
}

// TestReader_Read_CSVSticky checks that an error ends the stream.
func TestReader_Read_CSVSticky(t *testing.T) {
	r, err := NewReader(strings.NewReader("a,b\n1\n2,3\n"), Options{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	_, err1 := r.Read()
	_, err2 := r.Read()
	if err1 == nil || err1 != err2 {
		t.Fatalf("errors = %v, %v; want the same error twice", err1, err2)
	}
}

func TestReader_Read_TSV(t *testing.T) {
	h := []string{"a", "b"}
	for _, tc := range []struct {
		name string
		in   string
		want []rec
	}{
		{"OK", "a\tb\n1\t2\n", []rec{{2, h, []string{"1", "2"}}}},
		{"OKQuotesAreData", "a\tb\n\"x\t\"y\"\"\n", []rec{{2, h, []string{`"x`, `"y""`}}}},
		{"OKCRLFAndBlank", "a\tb\r\n\r\n1\t2\r\n\t\n", []rec{{3, h, []string{"1", "2"}}, {4, h, []string{"", ""}}}},
		{"OKCommaIsData", "a\tb\n1,5\t2\n", []rec{{2, h, []string{"1,5", "2"}}}},
		{"OKNoFinalNewline", "a\tb\n1\t2", []rec{{2, h, []string{"1", "2"}}}},
		{"OKLongLine", "a\tb\n" + strings.Repeat("x", 300<<10) + "\t2\n3\t4\n", []rec{{2, h, []string{strings.Repeat("x", 300<<10), "2"}}, {3, h, []string{"3", "4"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, r, err := readAll([]byte(tc.in), Options{Format: FormatTSV})
			if err != nil {
				t.Fatal(err)
			}
			wantRecords(t, got, tc.want)
			if r.Format() != FormatTSV {
				t.Fatalf("Format = %q", r.Format())
			}
		})
	}
}

func TestReader_Read_TSVErrors(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	for _, tc := range []struct {
		name  string
		in    string
		opts  Options
		recs  int
		line  int
		field string
		kind  Kind
		msg   string
	}{
		{name: "ErrRagged", in: "a\tb\n1\t2\n1\t2\t3\n", recs: 1, line: 3, kind: KindMalformed, msg: "expected 2 fields (as in the header), got 3"},
		{name: "ErrHeaderDuplicate", in: "a\ta\n", line: 1, field: "a", kind: KindMalformed, msg: "columns 1 and 2"},
		{name: "ErrFieldTooLarge", in: "a\tb\n1\t" + strings.Repeat("y", 20) + "\n", opts: Options{MaxFieldBytes: 10}, line: 2, field: "b", kind: KindTooLarge, msg: "over the limit of 10 bytes"},
		{name: "ErrLongFieldEarly", in: "a\tb\n1\t" + long + "\n", opts: Options{MaxFieldBytes: 100 << 10}, line: 2, field: "b", kind: KindTooLarge, msg: "over the limit of 100 KiB"},
		{name: "ErrLongRecord", in: "a\tb\n" + long + "\t" + long + "\n", opts: Options{MaxRecordBytes: 300 << 10}, line: 2, kind: KindTooLarge, msg: "record is over the limit of 300 KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Format = FormatTSV
			got, _, err := readAll([]byte(tc.in), tc.opts)
			if len(got) != tc.recs {
				t.Fatalf("read %d records before the error, want %d", len(got), tc.recs)
			}
			wantErr(t, err, tc.line, tc.field, tc.kind, tc.msg)
		})
	}
}

// TestReader_Read_CSVLongRecords reads records longer than the buffer,
// which take the streaming path, quoted and not.
func TestReader_Read_CSVLongRecords(t *testing.T) {
	big := strings.Repeat("0123456789", 20_000) // 200 KB, over the 64 KiB buffer
	in := "a,b\n" + big + ",1\n\"" + big + "\n" + big + "\",2\n3,4\n"
	got, _, err := readAll([]byte(in), Options{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	h := []string{"a", "b"}
	wantRecords(t, got, []rec{
		{2, h, []string{big, "1"}},
		{3, h, []string{big + "\n" + big, "2"}},
		{5, h, []string{"3", "4"}},
	})
}

// TestReader_Read_OneByteReads feeds input one byte at a time, which
// exercises every resumption point of the streaming CSV path.
func TestReader_Read_OneByteReads(t *testing.T) {
	in := "a,b\r\n\"x\"\"y\",\"1\r\n2\"\r\n\"\",z\r\n"
	got, _, err := readAllFrom(iotestOneByte(strings.NewReader(in)), Options{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	h := []string{"a", "b"}
	wantRecords(t, got, []rec{{2, h, []string{`x"y`, "1\n2"}}, {4, h, []string{"", "z"}}})
}

type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func iotestOneByte(r io.Reader) io.Reader { return oneByteReader{r} }
