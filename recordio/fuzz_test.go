package recordio

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// fuzzSeeds are inputs for every fuzz test.
var fuzzSeeds = []string{
	"",
	"a,b\n1,2\n",
	"a,b\r\n\"x,\"\"y\"\"\",\"multi\r\nline\"\r\n",
	"a,b\n\"unterminated\n",
	"a,b\n1,x\"y\n",
	"a,b\n\"x\"y,1\n",
	"\n\na\n\"\"\n\r\n",
	"\xEF\xBB\xBFa,b\n1,2",
	"a\tb\n1\t2\n\t\n",
	`{"a":{"b":[1,{"c":null}]},"d":"\u00e9\ud83d\ude00"}` + "\n\n" + `{"a":1}`,
	`{"a":1,"a":2}`,
	`{"a":"\ud800"}`,
	"[1]\n",
	"\xFF\xFEa\x00,\x00b\x00\n\x001\x00,\x002\x00",
	"\xFE\xFF\x00a\x00,\x00b",
	"\x84\x31\x95\x33a,b\n\xD5\xC5,\x84\x31\xA4\x37\n",
	"a,b\n\x80,\xFF\n",
	"a,b\n1,\x00\n",
	"\"a\r\"\r",
	"a,\"b\"\"\"\r\n\"\r",
}

// fffdEncodings are the ways an input can hold U+FFFD legitimately.
var fffdEncodings = [][]byte{[]byte("\uFFFD"), {0x84, 0x31, 0xA4, 0x37}, {0xFD, 0xFF}, {0xFF, 0xFD}}

// checkReader reads all of data through the public API and checks the
// invariants every reader keeps: no panic, parallel names and values,
// errors of type *Error with a place, and no U+FFFD that the input did
// not hold.
func checkReader(t *testing.T, data []byte, opts Options) {
	t.Helper()
	limit := 0
	for _, e := range fffdEncodings {
		limit += bytes.Count(data, e)
	}
	limit += bytes.Count(bytes.ToLower(data), []byte(`\ufffd`)) // a JSON escape
	r, err := NewReader(bytes.NewReader(data), opts)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("NewReader: %v (%T), want *Error", err, err)
		}
		return
	}
	fffd := 0
	prev := 0
	first := true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Read: %v (%T), want *Error", err, err)
			}
			if e.Line < prev || e.Line == 0 {
				t.Fatalf("error at line %d after a record at line %d: %v", e.Line, prev, err)
			}
			break
		}
		if len(rec.Names) != len(rec.Values) {
			t.Fatalf("line %d: %d names, %d values", rec.Line, len(rec.Names), len(rec.Values))
		}
		if rec.Line <= prev {
			t.Fatalf("record at line %d after one at line %d", rec.Line, prev)
		}
		prev = rec.Line
		for i, v := range rec.Values {
			if !utf8.ValidString(v) || !utf8.ValidString(rec.Names[i]) {
				t.Fatalf("line %d: invalid UTF-8 in a field", rec.Line)
			}
			fffd += strings.Count(v, "\uFFFD")
		}
		if first && r.Format() != FormatJSONL {
			for _, n := range rec.Names { // the header, counted once
				fffd += strings.Count(n, "\uFFFD")
			}
		}
		first = false
	}
	if fffd > limit {
		t.Fatalf("%d U+FFFD in the records, the input holds %d", fffd, limit)
	}
	if r.BytesRead() > int64(len(data)) {
		t.Fatalf("BytesRead = %d of %d", r.BytesRead(), len(data))
	}
}

// rawRows reads the rows of CSV or TSV text, header included, without the
// header rules, as encoding/csv would.
func rawRows(data []byte, sep byte) (rows [][]string, lines []int, err error) {
	src, err := newSource(bytes.NewReader(data), CharsetUTF8)
	if err != nil {
		return nil, nil, err
	}
	c := newCSVReader(newTextBuf(src), Options{MaxFields: math.MaxInt32}.withDefaults(), sep)
	for {
		line, err := c.readRow(math.MaxInt32)
		if err != nil {
			return rows, lines, err
		}
		rows = append(rows, append([]string(nil), c.vals...))
		lines = append(lines, line)
	}
}

// FuzzCSV compares the CSV reader with encoding/csv on UTF-8 text, and
// checks the reader's invariants on any input.
//
//	go test ./recordio -run '^$' -fuzz FuzzCSV -fuzztime 60s
func FuzzCSV(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, data, Options{Format: FormatCSV})
		if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 || bytes.HasPrefix(data, bomUTF8) {
			return // outside what encoding/csv and recordio agree on
		}
		got, lines, err := rawRows(data, ',')
		ref := csv.NewReader(bytes.NewReader(data))
		ref.FieldsPerRecord = -1
		for i := 0; ; i++ {
			want, rerr := ref.Read()
			if rerr == io.EOF {
				if i != len(got) || err != io.EOF {
					t.Fatalf("encoding/csv ends after %d rows; recordio read %d, then %v", i, len(got), err)
				}
				return
			}
			if rerr != nil {
				if i != len(got) || err == io.EOF || err == nil {
					t.Fatalf("encoding/csv fails at row %d (%v); recordio read %d rows, then %v", i, rerr, len(got), err)
				}
				return
			}
			if i >= len(got) {
				t.Fatalf("encoding/csv reads row %d %q; recordio stopped: %v", i, want, err)
			}
			if strings.Join(want, "\x00") != strings.Join(got[i], "\x00") || len(want) != len(got[i]) {
				t.Fatalf("row %d: encoding/csv %q, recordio %q", i, want, got[i])
			}
			if line, _ := ref.FieldPos(0); line != lines[i] {
				t.Fatalf("row %d starts on line %d, recordio says %d", i, line, lines[i])
			}
		}
	})
}

// FuzzTSV compares the TSV reader with splitting lines and tabs.
//
//	go test ./recordio -run '^$' -fuzz FuzzTSV -fuzztime 60s
func FuzzTSV(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, data, Options{Format: FormatTSV})
		if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 || bytes.HasPrefix(data, bomUTF8) {
			return
		}
		got, lines, err := rawRows(data, '\t')
		if err != io.EOF {
			t.Fatalf("TSV of valid UTF-8 fails: %v", err)
		}
		var want [][]string
		var wantLines []int
		for i, ln := range strings.Split(string(data), "\n") {
			ln = strings.TrimSuffix(ln, "\r")
			if ln == "" {
				continue
			}
			want = append(want, strings.Split(ln, "\t"))
			wantLines = append(wantLines, i+1)
		}
		if len(got) != len(want) {
			t.Fatalf("read %d rows, want %d", len(got), len(want))
		}
		for i := range want {
			if strings.Join(want[i], "\x00") != strings.Join(got[i], "\x00") || len(want[i]) != len(got[i]) || lines[i] != wantLines[i] {
				t.Fatalf("row %d: got %q at line %d, want %q at line %d", i, got[i], lines[i], want[i], wantLines[i])
			}
		}
	})
}

// flattenJSON is the reference for the JSONL reader: it flattens an object
// with encoding/json.
func flattenJSON(prefix string, raw json.RawMessage, out map[string]string) bool {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return false
		}
		for k, v := range m {
			name := k
			if prefix != "" {
				name = prefix + "." + k
			}
			if !flattenJSON(name, v, out) {
				return false
			}
		}
	case len(raw) > 0 && raw[0] == '[':
		var b bytes.Buffer
		if json.Compact(&b, raw) != nil {
			return false
		}
		out[prefix] = b.String()
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return false
		}
		out[prefix] = s
	case string(raw) == "null":
		out[prefix] = ""
	default:
		out[prefix] = string(raw)
	}
	return true
}

// FuzzJSONL compares the JSONL reader with encoding/json: a line it reads
// is valid JSON with the same flattened fields, and a line it calls invalid
// JSON is invalid to encoding/json too.
//
//	go test ./recordio -run '^$' -fuzz FuzzJSONL -fuzztime 60s
func FuzzJSONL(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, data, Options{Format: FormatJSONL})
		if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 || bytes.HasPrefix(data, bomUTF8) {
			return
		}
		lines := strings.Split(string(data), "\n")
		r, err := NewReader(bytes.NewReader(data), Options{Format: FormatJSONL})
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				var e *Error
				errors.As(err, &e)
				ln := []byte(lines[e.Line-1])
				if strings.HasPrefix(e.Msg, "invalid JSON") && json.Valid(ln) {
					t.Fatalf("line %d %q: recordio says %v, encoding/json says valid", e.Line, ln, err)
				}
				return
			}
			ln := []byte(lines[rec.Line-1])
			want := map[string]string{}
			if !json.Valid(ln) || !flattenJSON("", ln, want) {
				t.Fatalf("line %d %q: recordio reads it, encoding/json does not", rec.Line, ln)
			}
			got := map[string]string{}
			for i, n := range rec.Names {
				got[n] = rec.Values[i]
			}
			if len(got) != len(want) {
				t.Fatalf("line %d: fields %q, want %q", rec.Line, got, want)
			}
			for k, v := range want {
				if got[k] != v {
					t.Fatalf("line %d: field %q = %q, want %q", rec.Line, k, got[k], v)
				}
			}
		}
	})
}

// FuzzDetect checks charset detection: valid UTF-8 is UTF-8, GB18030 is
// only chosen for text x/text decodes without replacement, and reading
// with the detected charset keeps the reader's invariants.
//
//	go test ./recordio -run '^$' -fuzz FuzzDetect -fuzztime 60s
func FuzzDetect(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), true)
	}
	f.Add([]byte("\xD5\xC5\xC8"), false)
	f.Fuzz(func(t *testing.T, data []byte, atEOF bool) {
		cs, err := Detect(data, atEOF)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 {
				t.Fatalf("Detect: %v", err)
			}
			if utf8.Valid(data) {
				t.Fatalf("Detect rejects valid UTF-8: %v", err)
			}
			return
		}
		hasBOM := false
		for _, b := range [][]byte{bomUTF8, bomUTF16LE, bomUTF16BE, bomGB18030} {
			hasBOM = hasBOM || bytes.HasPrefix(data, b)
		}
		if utf8.Valid(data) && !hasBOM && cs != CharsetUTF8 {
			t.Fatalf("valid UTF-8 detected as %q", cs)
		}
		if cs == CharsetGB18030 && !hasBOM && atEOF {
			dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
			if err != nil || bytes.Count(dec, []byte("\uFFFD")) > bytes.Count(data, fffdEncodings[1]) {
				t.Fatalf("detected GB18030, x/text decodes %q with replacements", data)
			}
		}
		if atEOF {
			checkReader(t, data, Options{Format: FormatCSV})
		}
	})
}
