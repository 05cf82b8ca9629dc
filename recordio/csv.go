package recordio

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// csvReader reads CSV (sep ',', ';' or '|', RFC 4180 quoting) and TSV
// (sep '\t', no quoting).
//
// CSV takes a fast path for a record that is one line in the buffer with no
// quote in it: the line is copied into one string and cut at the
// separators. Any other record (quotes, or a line longer than the buffer)
// goes through a streaming state machine that consumes the buffer as it
// goes, so memory stays bounded by MaxFieldBytes and MaxRecordBytes
// whatever the input. TSV has no quoting: it reads lines, growing its
// buffer up to MaxRecordBytes.
type csvReader struct {
	b      *textBuf
	opts   Options
	sep    byte
	format Format
	header []string
	vals   []string
	rec    Record
	line   int   // line number of the next unread text
	err    error // sticky

	// text is a string copy of the buffer's text from textAt, made before
	// the buffer's text last moved (textMoves): the fast path cuts the
	// values of a line from it, one string for a stretch of lines rather
	// than one a line.
	text      string
	textAt    int
	textMoves int

	// State of the streaming CSV path.
	out        []byte // unquoted text of the record
	ends       []int  // end of each field in out
	fieldStart int    // start of the current field in out
	extra      int    // fields counted past the limit, not stored
	limit      int    // fields to store
	st         int
	start      int // line where the record starts
	quoteLine  int // line where the open quote opened
	lines      int // newlines consumed within the record
}

func newCSVReader(b *textBuf, opts Options, sep byte) *csvReader {
	f := FormatCSV
	if sep == '\t' {
		f = FormatTSV
	}
	return &csvReader{b: b, opts: opts, sep: sep, format: f, line: 1}
}

func (c *csvReader) Format() Format   { return c.format }
func (c *csvReader) Charset() Charset { return c.b.src.cs }
func (c *csvReader) BytesRead() int64 { return c.b.src.nread.Load() }

// Read returns the next record; see [Reader].
func (c *csvReader) Read() (*Record, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.header == nil {
		if err := c.readHeader(); err != nil {
			c.err = err
			return nil, err
		}
	}
	start, err := c.readRow(len(c.header))
	if err != nil {
		c.err = err
		return nil, err
	}
	c.rec = Record{Line: start, Names: c.header, Values: c.vals}
	return &c.rec, nil
}

func (c *csvReader) readHeader() error {
	start, err := c.readRow(c.opts.MaxFields)
	if err != nil {
		return err
	}
	seen := make(map[string]int, len(c.vals))
	for i, name := range c.vals {
		if name == "" {
			return &Error{Kind: KindMalformed, Line: start, Msg: fmt.Sprintf("column %d of the header has no name", i+1)}
		}
		if j, ok := seen[name]; ok {
			return &Error{Kind: KindMalformed, Line: start, Field: name, Msg: fmt.Sprintf("header names columns %d and %d alike", j+1, i+1)}
		}
		seen[name] = i
	}
	c.header = append([]string(nil), c.vals...)
	return nil
}

// fieldName names field i of the current record for an error.
func (c *csvReader) fieldName(i int) string {
	if i < len(c.header) {
		return c.header[i]
	}
	return ""
}

func (c *csvReader) fieldCountError(line, got int) error {
	return &Error{Kind: KindMalformed, Line: line, Msg: fmt.Sprintf("expected %d fields (as in the header), got %d", len(c.header), got)}
}

// readRow reads the next non-blank record into c.vals and returns the line
// where it starts. limit is the number of fields expected (the header's),
// or the most allowed while reading the header.
func (c *csvReader) readRow(limit int) (int, error) {
	b := c.b
	scanned := 0
	lastSep, maxField, seps := -1, 0, 0 // TSV: fields seen in a line longer than the buffer
	grow := len(b.buf)
	if c.sep == '\t' {
		grow = c.opts.MaxRecordBytes + 2*minFill
	}
	for {
		data := b.buf[b.r:b.w]
		if i := bytes.IndexByte(data[scanned:], '\n'); i >= 0 {
			i += scanned
			ln := data[:i]
			if c.sep != '\t' && bytes.IndexByte(ln, '"') >= 0 {
				return c.streamRow(limit)
			}
			at := b.r
			b.r += i + 1
			start := c.line
			c.line++
			ln = trimCR(ln)
			if len(ln) == 0 {
				scanned, lastSep, maxField, seps = 0, -1, 0, 0
				continue
			}
			return start, c.split(ln, at, start, limit)
		}
		if c.sep == '\t' {
			// Track fields of a long line to report an oversized value early.
			for j := scanned; ; {
				k := bytes.IndexByte(data[j:], '\t')
				if k < 0 {
					break
				}
				maxField = max(maxField, j+k-lastSep-1)
				lastSep = j + k
				seps++
				j += k + 1
			}
			if n := max(maxField, len(data)-lastSep-1); n > c.opts.MaxFieldBytes {
				return 0, tooLargeField(c.line, c.fieldName(seps), seps, c.opts.MaxFieldBytes)
			}
			if len(data) > c.opts.MaxRecordBytes {
				return 0, tooLargeRecord(c.line, c.opts.MaxRecordBytes)
			}
		}
		scanned = len(data)
		if !b.more(grow) {
			if b.err == nil {
				if c.sep != '\t' {
					return c.streamRow(limit)
				}
				return 0, tooLargeRecord(c.line, c.opts.MaxRecordBytes)
			}
			if len(data) == 0 || b.err != io.EOF {
				return 0, b.errAt(c.line)
			}
			// The last line, without a newline.
			if c.sep != '\t' && bytes.IndexByte(data, '"') >= 0 {
				return c.streamRow(limit)
			}
			at := b.r
			b.r = b.w
			start := c.line
			ln := trimCR(data)
			if len(ln) == 0 {
				return 0, io.EOF
			}
			return start, c.split(ln, at, start, limit)
		}
	}
}

// textChunk bounds the text copied into one string for the values of the
// lines in it: what one value kept by a caller keeps from being freed.
const textChunk = 16 << 10

// lineText returns ln, the text of the buffer at offset at, as a string:
// cut from c.text if it holds it, else from a new c.text holding it and
// the whole lines after it in the buffer, up to textChunk bytes.
func (c *csvReader) lineText(ln []byte, at int) string {
	b := c.b
	if c.textMoves == b.moves && at >= c.textAt && at+len(ln) <= c.textAt+len(c.text) {
		return c.text[at-c.textAt : at-c.textAt+len(ln)]
	}
	end := at + len(ln)
	if limit := min(b.w, at+textChunk); limit > end {
		if j := bytes.LastIndexByte(b.buf[end:limit], '\n'); j >= 0 {
			end += j
		}
	}
	c.text, c.textAt, c.textMoves = string(b.buf[at:end]), at, b.moves
	return c.text[:len(ln)]
}

// split cuts a line without quotes, the text of the buffer at offset at,
// into c.vals.
func (c *csvReader) split(ln []byte, at, line, limit int) error {
	if len(ln) > c.opts.MaxRecordBytes {
		return tooLargeRecord(line, c.opts.MaxRecordBytes)
	}
	n := bytes.Count(ln, []byte{c.sep}) + 1
	if n > limit {
		if c.header == nil {
			return &Error{Kind: KindTooLarge, Line: line, Msg: fmt.Sprintf("header has %d columns, over the limit of %d", n, limit)}
		}
		return c.fieldCountError(line, n)
	}
	s := c.lineText(ln, at)
	vals := c.vals[:0]
	for {
		i := strings.IndexByte(s, c.sep)
		if i < 0 {
			vals = append(vals, s)
			break
		}
		vals = append(vals, s[:i])
		s = s[i+1:]
	}
	c.vals = vals
	if len(ln) > c.opts.MaxFieldBytes {
		for i, v := range vals {
			if len(v) > c.opts.MaxFieldBytes {
				return tooLargeField(line, c.fieldName(i), i, c.opts.MaxFieldBytes)
			}
		}
	}
	if c.header != nil && n != len(c.header) {
		return c.fieldCountError(line, n)
	}
	return nil
}

// States of the streaming CSV path.
const (
	stField    = iota // at the start of a field
	stUnquoted        // in a field without quotes
	stQuoted          // in a quoted field
)

// streamRow reads one CSV record from the start of the unread text,
// consuming the buffer as it goes. It has the semantics of encoding/csv
// with its default settings.
func (c *csvReader) streamRow(limit int) (int, error) {
	b := c.b
	c.out, c.ends = c.out[:0], c.ends[:0]
	c.fieldStart, c.extra, c.limit = 0, 0, limit
	c.st, c.start, c.lines = stField, c.line, 0
	size := 0
	for {
		data := b.buf[b.r:b.w]
		n, done, err := c.scan(data, b.err == io.EOF)
		b.r += n
		size += n
		if err != nil {
			return 0, err
		}
		if size > c.opts.MaxRecordBytes {
			return 0, tooLargeRecord(c.start, c.opts.MaxRecordBytes)
		}
		if done {
			break
		}
		if !b.more(len(b.buf)) {
			if b.err == nil {
				return 0, fmt.Errorf("recordio: CSV buffer stuck at %d bytes", b.w-b.r)
			}
			if b.err != io.EOF {
				return 0, b.errAt(c.start + c.lines)
			}
		}
	}
	c.line = c.start + c.lines
	got := len(c.ends) + c.extra
	if c.header == nil && got > limit {
		return 0, &Error{Kind: KindTooLarge, Line: c.start, Msg: fmt.Sprintf("header has %d columns, over the limit of %d", got, limit)}
	}
	s := string(c.out)
	vals := c.vals[:0]
	prev := 0
	for _, e := range c.ends {
		vals = append(vals, s[prev:e])
		prev = e
	}
	c.vals = vals
	if c.header != nil && got != len(c.header) {
		return 0, c.fieldCountError(c.start, got)
	}
	return c.start, nil
}

// endField closes the current field.
func (c *csvReader) endField() {
	if len(c.ends) >= c.limit {
		c.extra++
		c.out = c.out[:c.fieldStart]
		return
	}
	c.ends = append(c.ends, len(c.out))
	c.fieldStart = len(c.out)
}

func (c *csvReader) checkField() error {
	if len(c.out)-c.fieldStart > c.opts.MaxFieldBytes {
		i := len(c.ends) + c.extra
		return tooLargeField(c.start, c.fieldName(i), i, c.opts.MaxFieldBytes)
	}
	return nil
}

// appendQuoted appends text from inside quotes, counting newlines and
// turning "\r\n" into "\n" as encoding/csv does.
func (c *csvReader) appendQuoted(seg []byte) {
	for {
		k := bytes.IndexByte(seg, '\n')
		if k < 0 {
			c.out = append(c.out, seg...)
			return
		}
		c.out = append(c.out, seg[:k]...)
		if n := len(c.out); n > c.fieldStart && c.out[n-1] == '\r' {
			c.out = c.out[:n-1]
		}
		c.out = append(c.out, '\n')
		c.lines++
		seg = seg[k+1:]
	}
}

// dropCR removes a '\r' that ends the current field.
func (c *csvReader) dropCR() {
	if n := len(c.out); n > c.fieldStart && c.out[n-1] == '\r' {
		c.out = c.out[:n-1]
	}
}

// scan advances the state machine over data. It returns how many bytes it
// consumed and whether the record is complete. eof says no text follows
// data.
func (c *csvReader) scan(data []byte, eof bool) (int, bool, error) {
	i := 0
	for {
		switch c.st {
		case stField:
			if i == len(data) {
				if eof {
					c.endField()
					return i, true, nil
				}
				return i, false, nil
			}
			if data[i] == '"' {
				c.st = stQuoted
				c.quoteLine = c.start + c.lines
				i++
				continue
			}
			c.st = stUnquoted
		case stUnquoted:
			j := i
			for j < len(data) {
				if ch := data[j]; ch == c.sep || ch == '\n' || ch == '"' {
					break
				}
				j++
			}
			c.out = append(c.out, data[i:j]...)
			if err := c.checkField(); err != nil {
				return j, false, err
			}
			if j == len(data) {
				if eof {
					c.dropCR()
					c.endField()
					return j, true, nil
				}
				return j, false, nil
			}
			switch data[j] {
			case '\n':
				c.dropCR()
				c.endField()
				c.lines++
				return j + 1, true, nil
			case '"':
				i := len(c.ends) + c.extra
				return j, false, &Error{Kind: KindMalformed, Line: c.start + c.lines, Field: c.fieldName(i),
					Msg: fmt.Sprintf("bare quote in unquoted value (column %d); a value with quotes must be quoted, with each quote doubled", i+1)}
			}
			c.endField()
			c.st = stField
			i = j + 1
		case stQuoted:
			k := bytes.IndexByte(data[i:], '"')
			if k < 0 {
				c.appendQuoted(data[i:])
				if err := c.checkField(); err != nil {
					return len(data), false, err
				}
				if eof {
					f := len(c.ends) + c.extra
					return len(data), false, &Error{Kind: KindMalformed, Line: c.quoteLine, Field: c.fieldName(f),
						Msg: fmt.Sprintf("quoted value (column %d) opened on line %d is never closed", f+1, c.quoteLine)}
				}
				return len(data), false, nil
			}
			c.appendQuoted(data[i : i+k])
			if err := c.checkField(); err != nil {
				return i + k, false, err
			}
			q := i + k
			if q+1 == len(data) {
				if eof {
					c.endField()
					return q + 1, true, nil
				}
				return q, false, nil
			}
			switch data[q+1] {
			case '"':
				c.out = append(c.out, '"')
				i = q + 2
				continue
			case c.sep:
				c.endField()
				c.st = stField
				i = q + 2
				continue
			case '\n':
				c.endField()
				c.lines++
				return q + 2, true, nil
			case '\r':
				if q+2 == len(data) {
					if eof {
						c.endField()
						return q + 2, true, nil
					}
					return q, false, nil
				}
				if data[q+2] == '\n' {
					c.endField()
					c.lines++
					return q + 3, true, nil
				}
			}
			f := len(c.ends) + c.extra
			return q, false, &Error{Kind: KindMalformed, Line: c.start + c.lines, Field: c.fieldName(f),
				Msg: fmt.Sprintf("unexpected %s after the closing quote of a value (column %d, quote opened on line %d); a quote inside a quoted value must be doubled",
					strconv.QuoteRune(runeAt(data[q+1:])), f+1, c.quoteLine)}
		}
	}
}

// runeAt returns the first rune of p.
func runeAt(p []byte) rune {
	r, _ := utf8.DecodeRune(p)
	return r
}
