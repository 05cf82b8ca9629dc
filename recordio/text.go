package recordio

import (
	"bytes"
	"errors"
	"io"
	"strconv"
)

// textBufSize is the initial size of a reader's text buffer. CSV never
// grows it (longer records take the streaming path); TSV and JSONL grow it
// up to MaxRecordBytes for a long line.
const textBufSize = 64 << 10

// minFill is the least free space worth a call to source.fill.
const minFill = 4 << 10

// A textBuf buffers decoded text. The unread text is buf[r:w]; err is the
// source's error, to be reported once that text is used up.
type textBuf struct {
	src *source
	buf []byte
	r   int
	w   int
	err error
	// moves counts the times the text moved in buf (to its front, or to a
	// new buf): text at an offset stays there until the next move.
	moves int
}

func newTextBuf(src *source) *textBuf {
	return &textBuf{src: src, buf: make([]byte, textBufSize)}
}

// more reads more text after buf[r:w], moving the unread text to the front
// or growing buf (up to max bytes) to make room. It reports whether text was
// added; when not, either err is set or the unread text fills max bytes.
func (b *textBuf) more(max int) bool {
	if b.err != nil {
		return false
	}
	if len(b.buf)-b.w < minFill && b.r > 0 {
		b.w = copy(b.buf, b.buf[b.r:b.w])
		b.r = 0
		b.moves++
	}
	if len(b.buf)-b.w < minFill && len(b.buf) < max {
		n := min(max, 2*len(b.buf))
		nb := make([]byte, n)
		b.w = copy(nb, b.buf[b.r:b.w])
		b.r = 0
		b.buf = nb
		b.moves++
	}
	if len(b.buf)-b.w < 2*4 {
		return false
	}
	n, err := b.src.fill(b.buf[b.w:])
	b.w += n
	if err != nil {
		b.err = err
	}
	return n > 0
}

// errAt returns the source's error, with line set if it is bad text.
func (b *textBuf) errAt(line int) error {
	var e *Error
	if errors.As(b.err, &e) && e.Line == 0 {
		c := *e
		c.Line = line
		return &c
	}
	return b.err
}

// readLine returns the next line without its "\n" or "\r\n" (a final line
// may lack it) and counts it in *line. It returns io.EOF at the end, and an
// *Error of kind KindTooLarge once a line passes max bytes, without reading
// the rest of it.
func (b *textBuf) readLine(max int, line *int) ([]byte, error) {
	scanned := 0
	for {
		data := b.buf[b.r:b.w]
		if i := bytes.IndexByte(data[scanned:], '\n'); i >= 0 {
			i += scanned
			b.r += i + 1
			*line++
			if i > max {
				return nil, tooLargeRecord(*line-1, max)
			}
			return trimCR(data[:i]), nil
		}
		scanned = len(data)
		if scanned > max {
			return nil, tooLargeRecord(*line, max)
		}
		if !b.more(max + 2*minFill) {
			if b.err == nil {
				return nil, tooLargeRecord(*line, max)
			}
			if len(data) == 0 || b.err != io.EOF {
				return nil, b.errAt(*line)
			}
			b.r = b.w
			*line++
			return trimCR(data), nil
		}
	}
}

func trimCR(p []byte) []byte {
	if n := len(p); n > 0 && p[n-1] == '\r' {
		return p[:n-1]
	}
	return p
}

func tooLargeRecord(line, max int) *Error {
	return &Error{Kind: KindTooLarge, Line: line, Msg: "record is over the limit of " + formatBytes(max)}
}

func tooLargeField(line int, field string, col, max int) *Error {
	e := &Error{Kind: KindTooLarge, Line: line, Field: field, Msg: "value is over the limit of " + formatBytes(max)}
	if field == "" {
		e.Msg = "value in column " + itoa(col+1) + " is over the limit of " + formatBytes(max)
	}
	return e
}

func itoa(n int) string { return strconv.Itoa(n) }

// formatBytes writes a size limit for people: "1 MiB", "512 KiB", "100 bytes".
func formatBytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}
