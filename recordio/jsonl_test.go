package recordio

import (
	"slices"
	"strings"
	"testing"
)

func TestReader_Read_JSONL(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []rec
	}{
		{"OK", `{"a":"x","b":1}` + "\n" + `{"b":2}` + "\n",
			[]rec{{1, []string{"a", "b"}, []string{"x", "1"}}, {2, []string{"b"}, []string{"2"}}}},
		{"OKNested", `{"user":{"name":"张三","addr":{"city":"北京"}},"id":7}`,
			[]rec{{1, []string{"user.name", "user.addr.city", "id"}, []string{"张三", "北京", "7"}}}},
		{"OKScalars", `{"t":true,"f":false,"n":null,"num":-1.50e+3,"z":0}`,
			[]rec{{1, []string{"t", "f", "n", "num", "z"}, []string{"true", "false", "", "-1.50e+3", "0"}}}},
		{"OKArraysCompact", `{"a":[ 1, "x y", {"k" : [true, null]} ], "e":[ ]}`,
			[]rec{{1, []string{"a", "e"}, []string{`[1,"x y",{"k":[true,null]}]`, `[]`}}}},
		{"OKArrayStringsKeepEscapes", `{"a":["\u00e9\"\n"]}`,
			[]rec{{1, []string{"a"}, []string{`["\u00e9\"\n"]`}}}},
		{"OKEscapes", `{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\u4e2d\ud83d\ude00","k\u0065y":1}`,
			[]rec{{1, []string{"s", "key"}, []string{"a\"b\\c/d\b\f\n\r\té中😀", "1"}}}},
		{"OKBlankLinesSkipped", "\n  \n{\"a\":1}\r\n\t\n{\"a\":2}",
			[]rec{{3, []string{"a"}, []string{"1"}}, {5, []string{"a"}, []string{"2"}}}},
		{"OKEmptyObjects", `{}` + "\n" + `{"a":{},"b":1}`,
			[]rec{{1, nil, nil}, {2, []string{"b"}, []string{"1"}}}},
		{"OKWhitespace", " \t{ \"a\" :\t\"x\" , \"b\" : 2 } \r\n",
			[]rec{{1, []string{"a", "b"}, []string{"x", "2"}}}},
		{"OKBOM", "\xEF\xBB\xBF{\"a\":1}\n",
			[]rec{{1, []string{"a"}, []string{"1"}}}},
		{"OKLongLine", "{\"a\":\"" + strings.Repeat("é", 200<<10) + "\"}\n{\"a\":2}",
			[]rec{{1, []string{"a"}, []string{strings.Repeat("é", 200<<10)}}, {2, []string{"a"}, []string{"2"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, r, err := readAll([]byte(tc.in), Options{Format: FormatJSONL})
			if err != nil {
				t.Fatal(err)
			}
			wantRecords(t, got, tc.want)
			if r.Format() != FormatJSONL {
				t.Fatalf("Format = %q", r.Format())
			}
		})
	}
}

func TestReader_Read_JSONLErrors(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 5) + "1" + strings.Repeat("}", 5)
	deepArray := `{"a":` + strings.Repeat("[", 5) + strings.Repeat("]", 5) + "}"
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
		{name: "ErrNotObject", in: "{\"a\":1}\n[1,2]\n", recs: 1, line: 2, kind: KindMalformed, msg: "not a JSON object"},
		{name: "ErrNotObjectScalar", in: "\n\n\"x\"\n", line: 3, kind: KindMalformed, msg: "not a JSON object"},
		{name: "ErrInvalidJSON", in: "{\"a\":1}\n{\"a\":tru}\n", recs: 1, line: 2, field: "a", kind: KindMalformed, msg: "invalid JSON"},
		{name: "ErrMissingColon", in: `{"a" 1}`, line: 1, field: "a", kind: KindMalformed, msg: "expected ':'"},
		{name: "ErrTrailingComma", in: `{"a":1,}`, line: 1, kind: KindMalformed, msg: "expected a quoted key"},
		{name: "ErrUnterminatedObject", in: `{"a":1`, line: 1, field: "a", kind: KindMalformed, msg: "expected ',' or '}'"},
		{name: "ErrUnterminatedString", in: `{"a":"xyz}`, line: 1, field: "a", kind: KindMalformed, msg: "unterminated string"},
		{name: "ErrTrailingData", in: `{"a":1} x`, line: 1, kind: KindMalformed, msg: "after the object"},
		{name: "ErrTwoObjects", in: `{"a":1}{"a":2}`, line: 1, kind: KindMalformed, msg: "after the object"},
		{name: "ErrBadNumber", in: `{"a":01}`, line: 1, field: "a", kind: KindMalformed, msg: "expected ',' or '}'"},
		{name: "ErrBadNumberDot", in: `{"a":1.}`, line: 1, field: "a", kind: KindMalformed, msg: "malformed number"},
		{name: "ErrControlChar", in: "{\"a\":\"x\ty\"}", line: 1, field: "a", kind: KindMalformed, msg: "control character 0x09"},
		{name: "ErrBadEscape", in: `{"a":"\x"}`, line: 1, field: "a", kind: KindMalformed, msg: `unknown escape \x`},
		{name: "ErrLoneSurrogate", in: `{"a":"\ud800x"}`, line: 1, field: "a", kind: KindMalformed, msg: "unpaired surrogate"},
		{name: "ErrEscapedNUL", in: `{"a":"\u0000"}`, line: 1, field: "a", kind: KindMalformed, msg: "NUL"},
		{name: "ErrEmptyKey", in: `{"a":{"":1}}`, line: 1, field: "a", kind: KindMalformed, msg: "empty key"},
		{name: "ErrDuplicateKey", in: `{"a":1,"b":2,"a":3}`, line: 1, field: "a", kind: KindMalformed, msg: "appears twice"},
		{name: "ErrDottedClash", in: `{"a.b":1,"a":{"b":2}}`, line: 1, field: "a.b", kind: KindMalformed, msg: "appears twice"},
		{name: "ErrTooDeep", in: deep, opts: Options{MaxDepth: 4}, line: 1, field: "a.a.a.a", kind: KindTooLarge, msg: "deeper than the limit of 4"},
		{name: "ErrTooDeepArray", in: deepArray, opts: Options{MaxDepth: 4}, line: 1, field: "a", kind: KindTooLarge, msg: "deeper than the limit of 4"},
		{name: "ErrFieldTooLarge", in: `{"id":1,"note":"` + strings.Repeat("x", 30) + `"}`, opts: Options{MaxFieldBytes: 20}, line: 1, field: "note", kind: KindTooLarge, msg: "over the limit of 20 bytes"},
		{name: "ErrRecordTooLarge", in: "{}\n{\"a\":\"" + strings.Repeat("x", 300) + "\"}\n", opts: Options{MaxRecordBytes: 100}, recs: 1, line: 2, kind: KindTooLarge, msg: "record is over the limit of 100 bytes"},
		{name: "ErrTooManyFields", in: `{"a":1,"b":2,"c":3}`, opts: Options{MaxFields: 2}, line: 1, kind: KindTooLarge, msg: "more than 2 fields"},
		{name: "ErrNUL", in: "{\"a\":1}\n{\"a\":\x00}\n", recs: 1, line: 2, kind: KindMalformed, msg: "NUL byte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Format = FormatJSONL
			got, _, err := readAll([]byte(tc.in), tc.opts)
			if len(got) != tc.recs {
				t.Fatalf("read %d records before the error, want %d", len(got), tc.recs)
			}
			wantErr(t, err, tc.line, tc.field, tc.kind, tc.msg)
		})
	}
}

// TestReader_Read_JSONLNamesIdentity checks the promise consumers key
// per-names work on: a record gets the previous record's Names slice only
// when its names are the same. An object lacking a key shifts the others,
// and must not be read with the previous record's positions.
func TestReader_Read_JSONLNamesIdentity(t *testing.T) {
	in := `{"id":"1","phone":"13800138000"}` + "\n" + `{"id":"2","phone":"13800138001"}` + "\n" +
		`{"phone":"13800138002","email":"a@example.com"}` + "\n" + `{"id":"4","phone":"13800138003"}` + "\n"
	r, err := NewReader(strings.NewReader(in), Options{Format: FormatJSONL})
	if err != nil {
		t.Fatal(err)
	}
	var firsts []*string
	var names [][]string
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		firsts = append(firsts, &rec.Names[0])
		names = append(names, slices.Clone(rec.Names))
	}
	if len(firsts) != 4 {
		t.Fatalf("read %d records, want 4", len(firsts))
	}
	if firsts[0] != firsts[1] {
		t.Error("records 1 and 2 have the same names but different Names slices")
	}
	if firsts[1] == firsts[2] || firsts[2] == firsts[3] {
		t.Errorf("records with different names share a Names slice: %q %q %q", names[1], names[2], names[3])
	}
	if names[2][0] != "phone" || names[3][0] != "id" {
		t.Errorf("names %q", names)
	}
}
