package recordio

import (
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxInterned bounds the cache of field names a JSONL reader keeps.
const maxInterned = 4096

// jsonlReader reads one JSON object per line with a small parser of its
// own: it flattens nested objects to dotted paths, keeps arrays as compact
// JSON text and numbers as written, and enforces the limits while parsing.
type jsonlReader struct {
	b      *textBuf
	opts   Options
	line   int
	err    error
	rec    Record
	names  []string // the names being parsed
	shown  []string // the names of the last record handed out
	vals   []string
	ends   []int
	out    []byte // values of the record
	path   []byte // dotted path of the value being parsed
	intern map[string]string
	seen   map[string]struct{}

	// Parser state.
	data   []byte
	pos    int
	lineNo int
}

func newJSONLReader(b *textBuf, opts Options) *jsonlReader {
	return &jsonlReader{b: b, opts: opts, line: 1, intern: make(map[string]string)}
}

func (j *jsonlReader) Format() Format   { return FormatJSONL }
func (j *jsonlReader) Charset() Charset { return j.b.src.cs }
func (j *jsonlReader) BytesRead() int64 { return j.b.src.nread.Load() }

// Read returns the next record; see [Reader].
func (j *jsonlReader) Read() (*Record, error) {
	if j.err != nil {
		return nil, j.err
	}
	for {
		start := j.line
		ln, err := j.b.readLine(j.opts.MaxRecordBytes, &j.line)
		if err != nil {
			j.err = err
			return nil, err
		}
		if isBlank(ln) {
			continue
		}
		if err := j.parseLine(ln, start); err != nil {
			j.err = err
			return nil, err
		}
		if !slices.Equal(j.names, j.shown) { // interned: equal names compare by pointer
			j.shown = slices.Clone(j.names)
		}
		j.rec = Record{Line: start, Names: j.shown, Values: j.vals}
		return &j.rec, nil
	}
}

func isBlank(p []byte) bool {
	for _, c := range p {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// errf returns a KindMalformed error at the parser's position.
func (j *jsonlReader) errf(format string, args ...any) error {
	return &Error{Kind: KindMalformed, Line: j.lineNo, Field: string(j.path),
		Msg: fmt.Sprintf(format, args...) + " at column " + strconv.Itoa(utf8.RuneCount(j.data[:min(j.pos, len(j.data))])+1)}
}

func (j *jsonlReader) parseLine(ln []byte, line int) error {
	j.data, j.pos, j.lineNo = ln, 0, line
	j.names, j.vals, j.ends = j.names[:0], j.vals[:0], j.ends[:0]
	j.out, j.path = j.out[:0], j.path[:0]
	j.ws()
	if j.pos == len(j.data) || j.data[j.pos] != '{' {
		return &Error{Kind: KindMalformed, Line: line, Msg: "line is not a JSON object (each line must hold one object, {...})"}
	}
	if err := j.object(1); err != nil {
		return err
	}
	j.ws()
	if j.pos != len(j.data) {
		return j.errf("invalid JSON: unexpected %s after the object", describe(j.data[j.pos:]))
	}
	if err := j.checkDuplicates(); err != nil {
		return err
	}
	s := string(j.out)
	prev := 0
	for _, e := range j.ends {
		j.vals = append(j.vals, s[prev:e])
		prev = e
	}
	return nil
}

func (j *jsonlReader) checkDuplicates() error {
	n := j.names
	if len(n) <= 16 {
		for a := 1; a < len(n); a++ {
			for b := 0; b < a; b++ {
				if n[a] == n[b] {
					return j.dupError(n[a])
				}
			}
		}
		return nil
	}
	if j.seen == nil {
		j.seen = make(map[string]struct{}, len(n))
	}
	clear(j.seen)
	for _, name := range n {
		if _, ok := j.seen[name]; ok {
			return j.dupError(name)
		}
		j.seen[name] = struct{}{}
	}
	return nil
}

func (j *jsonlReader) dupError(name string) error {
	return &Error{Kind: KindMalformed, Line: j.lineNo, Field: name, Msg: "field appears twice in the object (a repeated key, or a dotted key that clashes with a nested one)"}
}

// describe names the input at p for an error message.
func describe(p []byte) string {
	if len(p) == 0 {
		return "end of line"
	}
	return strconv.QuoteRune(runeAt(p))
}

func (j *jsonlReader) ws() {
	for j.pos < len(j.data) {
		switch j.data[j.pos] {
		case ' ', '\t', '\n', '\r':
			j.pos++
		default:
			return
		}
	}
}

// object parses an object at j.pos, emitting its leaves under j.path.
func (j *jsonlReader) object(depth int) error {
	if depth > j.opts.MaxDepth {
		return &Error{Kind: KindTooLarge, Line: j.lineNo, Field: string(j.path), Msg: fmt.Sprintf("JSON nests deeper than the limit of %d", j.opts.MaxDepth)}
	}
	j.pos++ // '{'
	j.ws()
	if j.pos < len(j.data) && j.data[j.pos] == '}' {
		j.pos++
		return nil
	}
	for {
		if j.pos == len(j.data) || j.data[j.pos] != '"' {
			return j.errf("invalid JSON: expected a quoted key, found %s", describe(j.data[j.pos:]))
		}
		base := len(j.path)
		if base > 0 {
			j.path = append(j.path, '.')
		}
		keyStart := len(j.path)
		var err error
		if j.path, err = j.str(j.path); err != nil {
			return err
		}
		if len(j.path) == keyStart {
			j.path = j.path[:base]
			return j.errf("empty key")
		}
		j.ws()
		if j.pos == len(j.data) || j.data[j.pos] != ':' {
			return j.errf("invalid JSON: expected ':' after the key, found %s", describe(j.data[j.pos:]))
		}
		j.pos++
		j.ws()
		if err := j.value(depth); err != nil {
			return err
		}
		j.ws()
		if j.pos < len(j.data) {
			switch j.data[j.pos] {
			case ',':
				j.path = j.path[:base]
				j.pos++
				j.ws()
				continue
			case '}':
				j.path = j.path[:base]
				j.pos++
				return nil
			}
		}
		return j.errf("invalid JSON: expected ',' or '}' after a value, found %s", describe(j.data[j.pos:]))
	}
}

// value parses the value of the field j.path.
func (j *jsonlReader) value(depth int) error {
	if j.pos == len(j.data) {
		return j.errf("invalid JSON: missing value")
	}
	start := len(j.out)
	var err error
	switch c := j.data[j.pos]; {
	case c == '{':
		return j.object(depth + 1)
	case c == '[':
		err = j.compact(depth + 1)
	case c == '"':
		j.out, err = j.str(j.out)
	case c == 't':
		err = j.literal("true", true)
	case c == 'f':
		err = j.literal("false", true)
	case c == 'n':
		err = j.literal("null", false)
	case c == '-' || (c >= '0' && c <= '9'):
		err = j.number()
	default:
		return j.errf("invalid JSON: unexpected %s", describe(j.data[j.pos:]))
	}
	if err != nil {
		return err
	}
	if len(j.out)-start > j.opts.MaxFieldBytes {
		return &Error{Kind: KindTooLarge, Line: j.lineNo, Field: string(j.path), Msg: "value is over the limit of " + formatBytes(j.opts.MaxFieldBytes)}
	}
	if len(j.names) >= j.opts.MaxFields {
		return &Error{Kind: KindTooLarge, Line: j.lineNo, Msg: fmt.Sprintf("object has more than %d fields", j.opts.MaxFields)}
	}
	j.names = append(j.names, j.name())
	j.ends = append(j.ends, len(j.out))
	return nil
}

// name returns j.path as a string, from a bounded cache when possible.
func (j *jsonlReader) name() string {
	if s, ok := j.intern[string(j.path)]; ok {
		return s
	}
	s := string(j.path)
	if len(j.intern) < maxInterned {
		j.intern[s] = s
	}
	return s
}

func (j *jsonlReader) literal(word string, keep bool) error {
	if len(j.data)-j.pos < len(word) || string(j.data[j.pos:j.pos+len(word)]) != word {
		return j.errf("invalid JSON: unexpected %s", describe(j.data[j.pos:]))
	}
	if keep {
		j.out = append(j.out, word...)
	}
	j.pos += len(word)
	return nil
}

// number validates a JSON number at j.pos and appends it as written.
func (j *jsonlReader) number() error {
	d := j.data
	i := j.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() int {
		s := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i - s
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case digits() == 0:
		return j.errf("invalid JSON: malformed number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			return j.errf("invalid JSON: malformed number")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			return j.errf("invalid JSON: malformed number")
		}
	}
	j.out = append(j.out, d[j.pos:i]...)
	j.pos = i
	return nil
}

// str parses a string at j.pos and appends its unescaped text to dst.
func (j *jsonlReader) str(dst []byte) ([]byte, error) {
	d := j.data
	i := j.pos + 1
	for {
		s := i
		for i < len(d) && d[i] != '"' && d[i] != '\\' && d[i] >= 0x20 {
			i++
		}
		dst = append(dst, d[s:i]...)
		if i == len(d) {
			j.pos = i
			return dst, j.errf("invalid JSON: unterminated string")
		}
		switch c := d[i]; {
		case c == '"':
			j.pos = i + 1
			return dst, nil
		case c < 0x20:
			j.pos = i
			return dst, j.errf("invalid JSON: control character 0x%02X in a string (escape it)", c)
		}
		// Backslash.
		if i+1 == len(d) {
			j.pos = i
			return dst, j.errf("invalid JSON: unterminated string")
		}
		switch e := d[i+1]; e {
		case '"', '\\', '/':
			dst = append(dst, e)
			i += 2
		case 'b':
			dst = append(dst, '\b')
			i += 2
		case 'f':
			dst = append(dst, '\f')
			i += 2
		case 'n':
			dst = append(dst, '\n')
			i += 2
		case 'r':
			dst = append(dst, '\r')
			i += 2
		case 't':
			dst = append(dst, '\t')
			i += 2
		case 'u':
			r, ok := hex4(d, i+2)
			if !ok {
				j.pos = i
				return dst, j.errf("invalid JSON: malformed \\u escape")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if r < 0xDC00 && i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
					r2, ok = hex4(d, i+2)
				}
				r = utf16.DecodeRune(r, r2)
				if !ok || r == utf8.RuneError {
					j.pos = i - 6
					return dst, j.errf("unpaired surrogate in a \\u escape (not a Unicode character)")
				}
				i += 6
			}
			if r == 0 {
				j.pos = i - 6
				return dst, j.errf("NUL character (\\u0000) in a string")
			}
			dst = utf8.AppendRune(dst, r)
		default:
			j.pos = i
			return dst, j.errf("invalid JSON: unknown escape \\%c", e)
		}
	}
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// compact validates the array or object at j.pos and appends it to j.out
// without insignificant whitespace, its strings as written.
func (j *jsonlReader) compact(depth int) error {
	if depth > j.opts.MaxDepth {
		return &Error{Kind: KindTooLarge, Line: j.lineNo, Field: string(j.path), Msg: fmt.Sprintf("JSON nests deeper than the limit of %d", j.opts.MaxDepth)}
	}
	open := j.data[j.pos]
	close := byte(']')
	if open == '{' {
		close = '}'
	}
	j.out = append(j.out, open)
	j.pos++
	j.ws()
	if j.pos < len(j.data) && j.data[j.pos] == close {
		j.out = append(j.out, close)
		j.pos++
		return nil
	}
	for {
		if open == '{' {
			if j.pos == len(j.data) || j.data[j.pos] != '"' {
				return j.errf("invalid JSON: expected a quoted key, found %s", describe(j.data[j.pos:]))
			}
			if err := j.rawString(); err != nil {
				return err
			}
			j.ws()
			if j.pos == len(j.data) || j.data[j.pos] != ':' {
				return j.errf("invalid JSON: expected ':' after the key, found %s", describe(j.data[j.pos:]))
			}
			j.out = append(j.out, ':')
			j.pos++
			j.ws()
		}
		if j.pos == len(j.data) {
			return j.errf("invalid JSON: missing value")
		}
		var err error
		switch c := j.data[j.pos]; {
		case c == '{' || c == '[':
			err = j.compact(depth + 1)
		case c == '"':
			err = j.rawString()
		case c == 't':
			err = j.literal("true", true)
		case c == 'f':
			err = j.literal("false", true)
		case c == 'n':
			err = j.literal("null", true)
		case c == '-' || (c >= '0' && c <= '9'):
			err = j.number()
		default:
			err = j.errf("invalid JSON: unexpected %s", describe(j.data[j.pos:]))
		}
		if err != nil {
			return err
		}
		j.ws()
		if j.pos < len(j.data) {
			switch j.data[j.pos] {
			case ',':
				j.out = append(j.out, ',')
				j.pos++
				j.ws()
				continue
			case close:
				j.out = append(j.out, close)
				j.pos++
				return nil
			}
		}
		return j.errf("invalid JSON: expected ',' or '%c', found %s", close, describe(j.data[j.pos:]))
	}
}

// rawString validates a string at j.pos and appends it as written, quotes
// and escapes included.
func (j *jsonlReader) rawString() error {
	start := j.pos
	mark := len(j.out)
	var err error
	j.out, err = j.str(j.out)
	if err != nil {
		return err
	}
	j.out = append(j.out[:mark], j.data[start:j.pos]...)
	return nil
}
