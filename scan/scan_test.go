package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/parquet-go/parquet-go"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/recordio"
)

// collector is a sink that keeps copies of the records.
type collector struct{ recs [][]string }

func (c *collector) Add(names, values []string) {
	c.recs = append(c.recs, append([]string(nil), values...))
}

// checkingCollector is a collector that checks text as the classifier
// does, so that the workers, not the reader, check it.
type checkingCollector struct {
	collector
	sc *classify.Scanner
}

func (c *checkingCollector) AddChecked(names, values []string) bool {
	c.Add(names, values)
	return c.sc.AddChecked(names, values)
}

// batchCollector is a checkingCollector that also takes records in
// batches, as the classifier does.
type batchCollector struct{ checkingCollector }

func (c *batchCollector) AddRecords(names, values []string) bool {
	if len(values)%len(names) != 0 {
		panic("values do not hold whole records")
	}
	for k := 0; k < len(values); k += len(names) {
		c.Add(names, values[k:k+len(names)])
	}
	return c.sc.AddRecords(names, values)
}

// Who checks the text of the input.
const (
	readerChecks  = iota // the reader, before the workers parse
	recordChecks         // the workers, record by record
	batchesChecks        // the workers, in batches of records
)

// fastRecords reads data with the fast path (one worker, so records keep
// their order) and returns the header and the records. checking says who
// checks the text: the reader, or the worker (as with a
// classify.Scanner), record by record or in batches.
func fastRecords(data []byte, sep byte, limits recordio.Options, checking int) ([]string, [][]string, error) {
	var c *collector
	newSink := func() sink { c = &collector{}; return c }
	switch checking {
	case recordChecks:
		newSink = func() sink {
			cc := &checkingCollector{sc: classify.DefaultCatalog().NewScanner()}
			c = &cc.collector
			return cc
		}
	case batchesChecks:
		newSink = func() sink {
			cc := &batchCollector{checkingCollector{sc: classify.DefaultCatalog().NewScanner()}}
			c = &cc.collector
			return cc
		}
	}
	fr, err := fastScan(context.Background(), bytes.NewReader(data), sep, newSink, 1, 0, limits, nil)
	if err != nil {
		return nil, nil, err
	}
	if c == nil {
		return fr.names, nil, nil
	}
	return fr.names, c.recs, nil
}

// recordioRecords reads data with recordio.
func recordioRecords(data []byte, format recordio.Format, limits recordio.Options) ([]string, [][]string, error) {
	limits.Format, limits.Charset = format, recordio.CharsetUTF8
	rd, err := recordio.NewReader(bytes.NewReader(data), limits)
	if err != nil {
		return nil, nil, err
	}
	var names []string
	var recs [][]string
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			return names, recs, nil
		}
		if err != nil {
			return nil, nil, err
		}
		names = append(names[:0], rec.Names...)
		recs = append(recs, append([]string(nil), rec.Values...))
	}
}

// compareReaders checks that the fast path and recordio agree on data,
// with one worker and with several, the chunks cut by a reader goroutine
// and by the workers.
func compareReaders(t *testing.T, data []byte, sep byte, limits recordio.Options) {
	t.Helper()
	format := recordio.FormatCSV
	if sep == '\t' {
		format = recordio.FormatTSV
	} else {
		limits.Delimiter = sep
	}
	_, want, werr := recordioRecords(data, format, limits)
	defer func(old func(int) bool) { workersCut = old }(workersCut)
	for _, cut := range []bool{false, true} {
		workersCut = func(int) bool { return cut }
		newSink := func() sink {
			return &batchCollector{checkingCollector{sc: classify.DefaultCatalog().NewScanner()}}
		}
		fr, gerr := fastScan(context.Background(), bytes.NewReader(data), sep, newSink, 3, 0, limits, nil)
		var we, ge *recordio.Error
		switch {
		case (werr == nil) != (gerr == nil):
			t.Fatalf("%q (3 workers, workers cut %v): recordio error %v, fast path error %v", data, cut, werr, gerr)
		case werr != nil && errors.As(werr, &we) && errors.As(gerr, &ge) && (we.Line != ge.Line || we.Kind != ge.Kind):
			t.Fatalf("%q (3 workers, workers cut %v): recordio error %v (kind %v), fast path error %v (kind %v)", data, cut, werr, we.Kind, gerr, ge.Kind)
		case werr == nil && fr.records != int64(len(want)):
			t.Fatalf("%q (3 workers, workers cut %v): %d records, recordio %d", data, cut, fr.records, len(want))
		}
	}
	workersCut = func(int) bool { return false } // one worker: a reader cuts, as before
	var readerErr error
	for _, checking := range []int{readerChecks, recordChecks, batchesChecks} {
		_, got, gerr := fastRecords(data, sep, limits, checking)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q (text checks %d): recordio error %v, fast path error %v", data, checking, werr, gerr)
		}
		if werr != nil {
			var we, ge *recordio.Error
			if errors.As(werr, &we) && errors.As(gerr, &ge) && (we.Line != ge.Line || we.Kind != ge.Kind) {
				t.Fatalf("%q (text checks %d): recordio error %v (kind %v), fast path error %v (kind %v)", data, checking, werr, we.Kind, gerr, ge.Kind)
			}
			// Whoever checks the text, the error is the same.
			if checking == readerChecks {
				readerErr = gerr
			} else if gerr.Error() != readerErr.Error() {
				t.Fatalf("%q: error %v when the workers check text (%d), %v when the reader does", data, gerr, checking, readerErr)
			}
			continue
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d records, recordio %d", data, len(got), len(want))
		}
		for i := range want {
			if strings.Join(got[i], "\x00") != strings.Join(want[i], "\x00") {
				t.Fatalf("%q: record %d = %q, recordio %q", data, i, got[i], want[i])
			}
		}
	}
}

func TestFastScan(t *testing.T) {
	old, oldBatch := chunkSize, batchValues
	chunkSize, batchValues = 64, 3
	defer func() { chunkSize, batchValues = old, oldBatch }()
	for _, tc := range []struct {
		name string
		data string
		sep  byte
	}{
		{"OK", "a,b\n1,2\n3,4\n", ','},
		{"OKQuoted", "a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n\"multi\nline\",2\n", ','},
		{"OKCRLF", "a,b\r\n1,2\r\n\r\n3,4\r\n", ','},
		{"OKNoFinalNewline", "a,b\n1,2", ','},
		{"OKLongRecords", "a,b\n" + strings.Repeat("\""+strings.Repeat("q,\n", 40)+"\",x\n", 5), ','},
		{"OKTSV", "a\tb\n1\t\"2\n", '\t'},
		{"OKSemicolon", "a;b\n\"x;y\";\"2,5\"\n1,5;\"multi\nline\"\n", ';'},
		{"OKPipe", "a|b\n\"x|y\"|2\n", '|'},
		{"ErrSemicolonBareQuote", "a;b\n1;x\"y\n", ';'},
		{"OKBlankLinesFirst", "\n\na,b\n1,2\n", ','},
		{"ErrRagged", "a,b\n1,2\n3\n", ','},
		{"ErrBareQuote", "a,b\n1,x\"y\n", ','},
		{"ErrUnterminated", "a,b\n1,\"open\n2,3\n", ','},
		{"ErrAfterQuote", "a,b\n\"x\"y,2\n", ','},
		{"ErrNUL", "a,b\n1,\x002\n", ','},
		{"ErrInvalidUTF8", "a,b\n1,\xff\n", ','},
		{"ErrInvalidUTF8Quoted", "a,b\n1,\"x\ny\xe4\xb8\"\n", ','},
		{"ErrInvalidUTF8BeforeRagged", "a,b\n1,2\n\xed\xa0\x80\n", ','},
		{"ErrRaggedBeforeInvalidUTF8", "a,b\n1\n2,\xc3\n", ','},
		{"ErrInvalidUTF8BeforeBareQuote", "a,b\n\xf0\x9f,x\"y\n", ','},
		{"ErrBareQuoteBeforeInvalidUTF8", "a,b\nx\"y,\xf0\x9f\n", ','},
		{"ErrInvalidUTF8Unterminated", "a,b\n1,\"open\n\xff\n", ','},
		{"ErrNULInHan", "a,b\n张\x00伟,2\n", ','},
		{"ErrOverlong", "a\tb\n\xe0\x80\x80\t1\n", '\t'},
		{"OKFourByte", "a,b\n\xf0\x9f\x98\x80,·\n", ','},
		{"ErrDuplicateHeader", "a,a\n1,2\n", ','},
		{"ErrEmptyHeaderName", "a,\n1,2\n", ','},
	} {
		t.Run(tc.name, func(t *testing.T) {
			compareReaders(t, []byte(tc.data), tc.sep, recordio.Options{})
		})
	}
	t.Run("ErrRecordTooLarge", func(t *testing.T) {
		lim := recordio.Options{MaxRecordBytes: 1 << 10, MaxFieldBytes: 512}
		data := []byte("a,b\n1," + strings.Repeat("x", 4000) + "\n")
		_, _, err := fastRecords(data, ',', lim, readerChecks)
		var re *recordio.Error
		if !errors.As(err, &re) || re.Kind != recordio.KindTooLarge || re.Line != 2 {
			t.Fatalf("error %v, want a too-large error on line 2", err)
		}
	})
}

func FuzzFastCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a,b\n\"x\ny\",2\r\n", "a\n\"\"\"\"\n", "a,b\n1\n", "a,b\n\"1,2\n", "\n\na\nb", "a,b\n1,x\"y\n"} {
		f.Add([]byte(s), false, uint8(16))
	}
	f.Fuzz(func(t *testing.T, data []byte, tsv bool, chunk uint8) {
		old, oldBatch := chunkSize, batchValues
		chunkSize, batchValues = 8+int(chunk), 1+int(chunk%5)
		defer func() { chunkSize, batchValues = old, oldBatch }()
		sep := byte(',')
		if tsv {
			sep = '\t'
		} else if chunk%3 == 1 {
			sep = ';'
		} else if chunk%3 == 2 {
			sep = '|'
		}
		compareReaders(t, data, sep, recordio.Options{MaxRecordBytes: 1 << 12, MaxFieldBytes: 1 << 11})
	})
}

// write puts files into a temporary directory.
func write(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const people = "姓名,手机,身份证\n张伟,13812345678,11010519491231002X\n李娜,+86 139 1234 5678,\n王芳,15012345678,440305199001011248\n"

func TestPaths(t *testing.T) {
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(people))
	if err != nil {
		t.Fatal(err)
	}
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range people {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	dir := write(t, map[string][]byte{
		"a/people.csv":     []byte(people),
		"a/people.tsv":     bytes.ReplaceAll([]byte(people), []byte(","), []byte("\t")),
		"a/people_bom.csv": append([]byte("\xef\xbb\xbf"), people...),
		"b/gb18030.csv":    gb,
		"b/utf16.csv":      utf16,
		"b/people.jsonl":   []byte(`{"name":"张伟","contact":{"phone":"13812345678"}}` + "\n" + `{"name":"李娜","contact":{"phone":"13912345678"}}` + "\n"),
		"b/readme.txt":     []byte("not scanned"),
		"c/binary.csv":     {0x00, 0x01, 0x02, 0xff, 'a', ',', 'b', '\n'},
		"c/ragged.csv":     []byte("a,b\n1,2\n3\n"),
		"c/deep.jsonl":     []byte(strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100) + "\n"),
	})
	got := map[string]string{}
	err = Paths(context.Background(), []string{dir}, nil, Options{Workers: 2}, func(r *Result, err error) {
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FileError", err)
			}
			rel, _ := filepath.Rel(dir, fe.Path)
			got[rel] = "error: " + fe.Err.Error()
			return
		}
		rel, _ := filepath.Rel(dir, r.Path)
		var parts []string
		for _, f := range r.Fields {
			parts = append(parts, fmt.Sprintf("%s=%s", f.Name, strings.Join(f.Keys(), "+")))
		}
		got[rel] = fmt.Sprintf("%s %d %s", r.Format, r.Records, strings.Join(parts, " "))
	})
	if err != nil {
		t.Fatal(err)
	}
	const fields = "姓名=user.name 手机=user.contact.phone_number 身份证=user.government_id.national_identification_number"
	want := map[string]string{
		"a/people.csv":     "csv 3 " + fields,
		"a/people.tsv":     "tsv 3 " + fields,
		"a/people_bom.csv": "csv 3 " + fields,
		"b/gb18030.csv":    "csv 3 " + fields,
		"b/utf16.csv":      "csv 3 " + fields,
		"b/people.jsonl":   "jsonl 2 name=user.name contact.phone=user.contact.phone_number",
		"c/ragged.csv":     "error: line 3: expected 2 fields (as in the header), got 1",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s:\n got %s\nwant %s", k, got[k], w)
		}
	}
	if g := got["c/binary.csv"]; !strings.HasPrefix(g, "error: line 1: ") {
		t.Errorf("c/binary.csv: %s; want an error on line 1", g)
	}
	if g := got["c/deep.jsonl"]; !strings.HasPrefix(g, "error: line 1") || !strings.Contains(g, "nest") {
		t.Errorf("c/deep.jsonl: %s; want a nesting error on line 1", g)
	}
	if _, ok := got["b/readme.txt"]; ok {
		t.Error("b/readme.txt scanned")
	}
}

func TestReader_Stdin(t *testing.T) {
	t.Run("OKSample", func(t *testing.T) {
		r, err := Reader(context.Background(), Stdin, strings.NewReader(people), "", Options{Sample: 2})
		if err != nil {
			t.Fatal(err)
		}
		if r.Records != 2 || !r.Sampled || r.Format != recordio.FormatCSV {
			t.Errorf("records %d, sampled %v, format %s", r.Records, r.Sampled, r.Format)
		}
	})
	t.Run("ErrParquetStream", func(t *testing.T) {
		_, err := Reader(context.Background(), Stdin, strings.NewReader("PAR1xxxx"), "", Options{})
		if err == nil || !strings.Contains(err.Error(), "random access") {
			t.Errorf("error %v", err)
		}
	})
}

func TestFile_Workers(t *testing.T) {
	old := chunkSize
	chunkSize = 4096
	defer func() { chunkSize = old }()
	var b strings.Builder
	b.WriteString("id,phone,note\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "%d,1381234%04d,\"line %d, with comma\nand newline\"\n", i, i, i)
	}
	dir := write(t, map[string][]byte{"w.csv": []byte(b.String())})
	var res [3]*Result
	for i, w := range []int{1, 2, 3} {
		r, err := File(context.Background(), filepath.Join(dir, "w.csv"), Options{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		res[i] = r
	}
	for i := 1; i < 3; i++ {
		if res[i].Records != 5000 || fmt.Sprint(res[i].Fields) != fmt.Sprint(res[0].Fields) {
			t.Errorf("workers=%d: %d records, %v; want %v", i+1, res[i].Records, res[i].Fields, res[0].Fields)
		}
	}
	if res[0].Fields[1].Categories[0].Matches != 5000 {
		t.Errorf("phone matches %+v", res[0].Fields[1].Categories)
	}
}

func TestFile_Parquet(t *testing.T) {
	type row struct {
		Name  string `parquet:"name"`
		Phone string `parquet:"phone"`
		Age   int32  `parquet:"age"`
	}
	p := filepath.Join(t.TempDir(), "people.parquet")
	if err := parquet.WriteFile(p, []row{{"张伟", "13812345678", 30}, {"李娜", "13912345678", 41}}); err != nil {
		t.Fatal(err)
	}
	r, err := File(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, f := range r.Fields {
		parts = append(parts, f.Name+"="+strings.Join(f.Keys(), "+"))
	}
	if got := strings.Join(parts, " "); r.Format != recordio.FormatParquet || r.Records != 2 || got != "name=user.name phone=user.contact.phone_number age=" {
		t.Errorf("%s %d records: %s", r.Format, r.Records, got)
	}
}

// TestReader_Delimiter checks that a semicolon-separated export is read with
// the delimiter recordio sniffs, on the fast path (UTF-8) and through
// recordio (UTF-16), with the same result, and that --delimiter overrides it.
func TestReader_Delimiter(t *testing.T) {
	data := "Nachname;Vorname;Telefon;Betrag\nMüller;Anna;\"+49 151 23456789\";\"1,50\"\nSchmidt;Hans;+49 30 12345678;2,75\n"
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range data {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	var names [2][]string
	for i, in := range [][]byte{[]byte(data), utf16} {
		res, err := Reader(context.Background(), "x.csv", bytes.NewReader(in), "", Options{})
		if err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
		if res.Records != 2 || len(res.Fields) != 4 {
			t.Fatalf("input %d: %d records, %d fields; want 2 and 4", i, res.Records, len(res.Fields))
		}
		for _, f := range res.Fields {
			names[i] = append(names[i], f.Name+"="+strings.Join(f.Keys(), "+"))
		}
	}
	if strings.Join(names[0], " ") != strings.Join(names[1], " ") {
		t.Fatalf("fast path %v, recordio %v", names[0], names[1])
	}
	if !strings.Contains(strings.Join(names[0], " "), "Telefon=user.contact.phone_number") {
		t.Fatalf("fields %v: want the phone numbers found", names[0])
	}
	opts := Options{}
	opts.Limits.Delimiter = ','
	res, err := Reader(context.Background(), "x.csv", strings.NewReader("a;b\n1;2\n"), "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fields) != 1 || res.Fields[0].Name != "a;b" {
		t.Fatalf("fields %+v, want the one field a;b with --delimiter ,", res.Fields)
	}
}

func TestPathsSymlinksAndFIFOs(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "a.csv"), []byte("phone\n13812345678\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	linkDir := filepath.Join(dir, "linkdir")
	linkFile := filepath.Join(dir, "link.csv")
	if err := os.Symlink(data, linkDir); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := os.Symlink(filepath.Join(data, "a.csv"), linkFile); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	var scanned []string
	var failed []string
	err := Paths(context.Background(), []string{linkDir, linkFile, fifo}, nil, Options{}, func(r *Result, err error) {
		if err != nil {
			failed = append(failed, err.Error())
			return
		}
		scanned = append(scanned, r.Path)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(linkDir, "a.csv"), linkFile}
	if strings.Join(scanned, "|") != strings.Join(want, "|") {
		t.Errorf("scanned %q, want %q", scanned, want)
	}
	if len(failed) != 1 || !strings.Contains(failed[0], "pipe.csv") || !strings.Contains(failed[0], "not a regular file") {
		t.Errorf("failed %q, want the FIFO refused", failed)
	}
}
