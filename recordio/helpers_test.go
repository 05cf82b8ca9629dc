package recordio

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
)

// utf16le encodes UTF-8 text as UTF-16LE with a byte-order mark.
func utf16le(p []byte) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(string(p))) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// utf16be encodes UTF-8 text as UTF-16BE with a byte-order mark.
func utf16be(p []byte) []byte {
	out := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(string(p))) {
		out = append(out, byte(u>>8), byte(u))
	}
	return out
}

// rec is a Record with its own copies of the slices, for comparisons.
type rec struct {
	Line   int
	Names  []string
	Values []string
}

// readAll reads every record of data, copying them, and returns the first
// error other than io.EOF.
func readAll(data []byte, opts Options) ([]rec, Reader, error) {
	return readAllFrom(bytes.NewReader(data), opts)
}

func readAllFrom(src io.Reader, opts Options) ([]rec, Reader, error) {
	r, err := NewReader(src, opts)
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

// wantErr checks that err is an *Error with the given line, field and kind
// and a message containing msg.
func wantErr(t *testing.T, err error, line int, field string, kind Kind, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if e.Line != line || e.Field != field || e.Kind != kind || !strings.Contains(e.Msg, msg) {
		t.Fatalf("err = {Line:%d Field:%q Kind:%v Msg:%q}, want {Line:%d Field:%q Kind:%v Msg:~%q}",
			e.Line, e.Field, e.Kind, e.Msg, line, field, kind, msg)
	}
}

func wantRecords(t *testing.T, got, want []rec) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got %+v\nwant %+v", got, want)
	}
}
