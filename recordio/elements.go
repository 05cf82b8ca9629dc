package recordio

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/sluice-gateway/sluice/internal/jsontext"
)

// # Fields inside arrays
//
// A JSON upload keeps an array as one stored value, the array's JSON text
// under the array's own name ("points"). Classification reports what the
// array holds as fields of their own: "points[]" for an array's scalars,
// "points[].lat" for a member of its objects, "points[].b.c" and
// "points[].b[]" for what nests deeper. Those names address the values in
// scans, grants, policies and reads alike: a [FieldScanner] given
// "points[].lat" finds, in each record, the "lat" of every element of
// "points", in order.

// ElementPath splits a field name that reaches into an array into the
// stored field holding the array and the path below it ("points[].lat" →
// "points", "[].lat"). It reports false for any other name.
func ElementPath(name string) (root, path string, ok bool) {
	i := strings.Index(name, "[]")
	if i <= 0 {
		return "", "", false
	}
	return name[:i], name[i:], true
}

// elements returns the values that path (as ElementPath returns it)
// reaches in the JSON array text raw: strings as their text, numbers as
// written, booleans as true or false, objects and arrays as their JSON
// text; nulls and missing members are skipped. It reports false if raw is
// not a JSON array.
func elements(raw []byte, path string) ([]string, bool) {
	raw = bytes.Trim(raw, " \t\r\n") // JSON's white space
	if len(raw) == 0 || raw[0] != '[' {
		return nil, false
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&v) != nil || d.InputOffset() != int64(len(raw)) {
		return nil, false // not JSON, or text after the array
	}
	out := []string{}
	walk(v, path, &out)
	return out, true
}

func walk(v any, path string, out *[]string) {
	if v == nil {
		return
	}
	if path == "" {
		switch v := v.(type) {
		case string:
			*out = append(*out, v)
		case json.Number:
			*out = append(*out, string(v))
		case bool:
			if v {
				*out = append(*out, "true")
			} else {
				*out = append(*out, "false")
			}
		default:
			b, _ := json.Marshal(v)
			*out = append(*out, string(b))
		}
		return
	}
	if rest, ok := strings.CutPrefix(path, "[]"); ok {
		if a, ok := v.([]any); ok {
			for _, e := range a {
				walk(e, rest, out)
			}
		}
		return
	}
	if rest, ok := strings.CutPrefix(path, "."); ok {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		// The member's name runs to the next "[]" or "."; a member whose
		// own name holds a dot is tried whole first.
		end := len(rest)
		if i := strings.IndexAny(rest, ".["); i >= 0 {
			end = i
		}
		if e, ok := m[rest]; ok {
			walk(e, "", out)
			return
		}
		walk(m[rest[:end]], rest[end:], out)
	}
}

// AppendElements appends values as a JSON array of strings to dst.
func AppendElements(dst []byte, values []string) []byte {
	dst = append(dst, '[')
	for i, v := range values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsontext.AppendString(dst, v)
	}
	return append(dst, ']')
}

// An elementField is a field of a FieldScanner that reaches into an array.
type elementField struct {
	at   int    // position in the names given to NewFieldScanner
	root int    // position of the array's own value in FieldScanner.all
	path string // below the array, as ElementPath returns it
}

// project sets the values of the fields that reach into arrays from the
// arrays just scanned: each is a JSON array of the values reached (Kind
// Other), absent when the record has no such array.
func (s *FieldScanner) project() {
	for i := range s.elems {
		e := &s.elems[i]
		v := s.all[e.root]
		raw := v.Raw
		switch {
		case v.Kind == String && v.Escaped:
			raw = []byte(v.Text())
		case v.Kind != String && v.Kind != Other:
			continue
		}
		vals, ok := elements(raw, e.path)
		if !ok {
			continue
		}
		s.Elements[e.at] = vals
		s.all[e.at] = StoredValue{Raw: AppendElements(nil, vals), Kind: Other}
	}
}

// storedElements is elements of a stored value in its JSON form: an
// array, or a string holding an array's JSON text.
func storedElements(raw json.RawMessage, path string) ([]string, bool) {
	if len(raw) > 0 && raw[0] == '"' {
		var text string
		if json.Unmarshal(raw, &text) != nil {
			return nil, false
		}
		raw = []byte(text)
	}
	return elements(raw, path)
}
