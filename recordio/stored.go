package recordio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/sluice-gateway/sluice/internal/jsontext"
)

// # Stored records
//
// A record is stored as one flat JSON object of string values, in the
// order of its fields: {"name":"value",…}. [AppendStored] writes that
// form; [FieldScanner] reads it back without copying, and reads any other
// JSON object too (records written by hand, or by an older sluice), its
// values that are not strings taken as their JSON text. [ProjectStored]
// keeps some fields of a stored record.

// AppendStored appends the stored form of a record with fields names and
// values to dst. A writer of many records of the same fields encodes the
// names once with a [StoredEncoder].
func AppendStored(dst []byte, names, values []string) []byte {
	return NewStoredEncoder(names).Append(dst, values)
}

// A StoredEncoder appends records of one list of fields in the stored
// form, with the field names encoded once.
type StoredEncoder struct {
	names []string
	keys  [][]byte // per name: ,"name": (no comma for the first)
}

// NewStoredEncoder returns an encoder of records with fields names.
func NewStoredEncoder(names []string) *StoredEncoder {
	e := &StoredEncoder{names: slices.Clone(names), keys: make([][]byte, len(names))}
	for i, name := range names {
		var k []byte
		if i > 0 {
			k = append(k, ',')
		}
		k = jsontext.AppendString(k, name)
		e.keys[i] = append(k, ':')
	}
	return e
}

// Encodes reports whether e encodes records with fields names.
func (e *StoredEncoder) Encodes(names []string) bool { return slices.Equal(e.names, names) }

// Append appends the stored form of a record with the encoder's fields
// and values to dst.
func (e *StoredEncoder) Append(dst []byte, values []string) []byte {
	dst = append(dst, '{')
	for i, k := range e.keys {
		dst = append(dst, k...)
		dst = jsontext.AppendString(dst, values[i])
	}
	return append(dst, '}')
}

// A ValueKind says what a stored value is.
type ValueKind uint8

// Kinds of stored values.
const (
	Absent ValueKind = iota // the record lacks the field
	String                  // a JSON string
	Null                    // JSON null
	Other                   // a number, boolean, array or object
)

// A StoredValue is one field's value in a stored record. For a String,
// Raw is its text: the bytes between its quotes, still holding JSON escapes
// if Escaped, else the text itself. For Null and Other, Raw is the JSON
// text of the value. Raw points into the record scanned, or into the
// scanner's buffers: it is valid until the next Scan.
type StoredValue struct {
	Raw     []byte
	Kind    ValueKind
	Escaped bool
}

// Text returns the value's text: a string's content (invalid UTF-8
// replaced by U+FFFD, as encoding/json reads it), the JSON text of
// anything else, "" when absent.
func (v StoredValue) Text() string {
	if v.Kind != String || !v.Escaped && utf8.Valid(v.Raw) {
		return string(v.Raw)
	}
	var s string
	if json.Unmarshal(quoted(nil, v.Raw), &s) != nil {
		return ""
	}
	return s
}

// AppendJSON appends the value as a JSON string to dst: a string as
// stored (re-encoded if it is not valid UTF-8, as encoding/json reads it:
// U+FFFD for each bad byte), anything else as a string of its JSON text,
// and "" when absent.
func (v StoredValue) AppendJSON(dst []byte) []byte {
	switch {
	case v.Kind == Absent:
		return append(dst, `""`...)
	case v.Kind == String && utf8.Valid(v.Raw):
		return quoted(dst, v.Raw)
	}
	return jsontext.AppendString(dst, v.Text())
}

func quoted(dst, body []byte) []byte {
	dst = append(dst, '"')
	dst = append(dst, body...)
	return append(dst, '"')
}

// A FieldScanner finds the values of a fixed list of fields in stored
// records.
type FieldScanner struct {
	index map[string][]int // name → positions in all
	// Values holds, per name given to NewFieldScanner, its value in the
	// record last scanned. A name that reaches into an array
	// ("points[].lat") has the JSON array of the values it reaches.
	Values []StoredValue
	// Elements holds, for a name that reaches into an array, the values
	// it reaches, one per element, as Values shows them (nil for others).
	Elements [][]string
	all      []StoredValue // Values, then the arrays that names reach into
	elems    []elementField
	esc      []byte
}

// NewFieldScanner returns a scanner of the fields names.
func NewFieldScanner(names []string) *FieldScanner {
	s := &FieldScanner{index: make(map[string][]int, len(names)), all: make([]StoredValue, len(names))}
	for i, name := range names {
		if root, path, ok := ElementPath(name); ok {
			s.index[root] = append(s.index[root], len(s.all))
			s.elems = append(s.elems, elementField{at: i, root: len(s.all), path: path})
			s.all = append(s.all, StoredValue{})
			continue
		}
		s.index[name] = append(s.index[name], i)
	}
	s.Values = s.all[:len(names):len(names)]
	if len(s.elems) > 0 {
		s.Elements = make([][]string, len(names))
	}
	return s
}

// Scan sets s.Values to the values of the record data. A field that
// appears twice has its last value, as encoding/json reads it. It returns
// an error if data is not a JSON object.
func (s *FieldScanner) Scan(data []byte) error {
	clear(s.all)
	clear(s.Elements)
	if s.scanFlat(data) {
		s.project()
		return nil
	}
	clear(s.all)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("stored record is not a JSON object: %w", err)
	}
	for name, raw := range m {
		for _, i := range s.index[name] {
			v := StoredValue{Raw: raw, Kind: Other}
			switch {
			case bytes.Equal(raw, []byte("null")):
				v.Kind = Null
			case len(raw) > 0 && raw[0] == '"':
				body := raw[1 : len(raw)-1]
				v = StoredValue{Raw: body, Kind: String, Escaped: bytes.IndexByte(body, '\\') >= 0}
			}
			s.all[i] = v
		}
	}
	s.project()
	return nil
}

// scanFlat reads a flat JSON object of string values into s.Values
// without copying. It reports false for anything else.
func (s *FieldScanner) scanFlat(data []byte) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return true
	}
	for {
		key, kesc, j, ok := scanString(data, i)
		if !ok {
			return false
		}
		i = skipSpace(data, j)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		i = skipSpace(data, i+1)
		val, vesc, j, ok := scanString(data, i)
		if !ok {
			return false
		}
		var at []int
		if kesc {
			var name string
			s.esc = quoted(s.esc[:0], key)
			if json.Unmarshal(s.esc, &name) != nil {
				return false
			}
			at = s.index[name]
		} else {
			at = s.index[string(key)]
		}
		for _, n := range at {
			s.all[n] = StoredValue{Raw: val, Kind: String, Escaped: vesc}
		}
		i = skipSpace(data, j)
		if i >= len(data) {
			return false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return true
		default:
			return false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads the JSON string starting at b[i] and returns its body,
// whether it holds escapes, and the index after it.
func scanString(b []byte, i int) (body []byte, esc bool, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, false, 0, false
	}
	start := i + 1
	for j := start; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[start:j], esc, j + 1, true
		case c == '\\':
			esc = true
			j++
		case c < 0x20:
			return nil, false, 0, false
		}
	}
	return nil, false, 0, false
}

// ProjectStored returns the stored record data with only the named fields,
// as a JSON object with its keys sorted.
func ProjectStored(data []byte, fields []string) (json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("stored record: %w", err)
	}
	out := make(map[string]json.RawMessage, len(fields))
	for _, f := range fields {
		if v, ok := all[f]; ok {
			out[f] = v
		} else if root, path, ok := ElementPath(f); ok {
			if vals, ok := storedElements(all[root], path); ok {
				out[f] = AppendElements(nil, vals)
			}
		}
	}
	return json.Marshal(out)
}
