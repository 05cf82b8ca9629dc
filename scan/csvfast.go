package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"github.com/sluice-gateway/sluice/recordio"
)

// The fast path reads UTF-8 CSV and TSV in large chunks cut at record
// boundaries, and parses and classifies the chunks on several goroutines.
// It accepts exactly what recordio's CSV and TSV readers accept and reports
// bad input with the same messages; FuzzFastCSV checks the two against each
// other.

// chunkSize is how much input one chunk holds (more when a record is
// longer). Tests lower it to exercise chunk boundaries.
var chunkSize = defaultChunkSize

const defaultChunkSize = 1 << 20

// A sink receives parsed records; *classify.Scanner is one.
type sink interface {
	Add(names, values []string)
}

// A checkingSink also checks the text of the values as it takes them
// (valid UTF-8, no NUL bytes), so that the reader need not: the text is
// read once, by the worker that classifies it. *classify.Scanner is one.
type checkingSink interface {
	sink
	AddChecked(names, values []string) bool
}

// A batchSink takes many records at once, back to back in one slice,
// and checks their text as a checkingSink does. *classify.Scanner is one:
// it reads a batch field by field, which is faster.
type batchSink interface {
	checkingSink
	AddRecords(names, values []string) bool
}

type chunk struct {
	buf      []byte // the pooled buffer that data lies in
	data     []byte // whole records
	line     int    // line number of data[0]
	noQuotes bool   // data holds no quote, so no record needs a look for one

	// The first NUL byte or invalid UTF-8 in data, found by the reader
	// when the sinks cannot check text themselves: its offset, or -1, and
	// the error to report when the worker reaches it.
	bad     int
	textErr *recordio.Error
}

type fastResult struct {
	names   []string
	records int64
	sinks   []sink // one per worker
}

// fastScan reads CSV (sep ',', ';' or '|') or TSV (sep '\t') from r with workers
// goroutines. prefix is input already read from r. sample > 0 stops after
// that many records (and uses one worker).
func fastScan(ctx context.Context, r io.Reader, sep byte, newSink func() sink, workers int, sample int64, limits recordio.Options, read *atomic.Int64) (*fastResult, error) {
	if sample > 0 || workers < 1 {
		workers = 1
	}
	limits = withDefaults(limits)
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	free := make(chan []byte, 2*workers+2)
	bufs := takeChunkBuffers(cap(free))
	defer giveChunkBuffers(bufs) // after the workers, which fastScan waits for
	for _, b := range bufs {
		free <- b
	}
	var (
		mu       sync.Mutex
		firstErr error
		errLine  = int(^uint(0) >> 1)
	)
	fail := func(line int, err error) {
		mu.Lock()
		if line < errLine {
			firstErr, errLine = err, line
		}
		mu.Unlock()
		cancel()
	}

	// Header: the first record, parsed here before any worker starts.
	var names []string
	var pending []byte // input read but not yet handed out
	var carry []byte   // or that input, at the start of a buffer
	line := 1
	{
		buf := <-free
		n, eof, err := fill(r, buf, 0, read)
		if err != nil {
			return nil, err
		}
		p := newParser(sep, nil, limits)
		data := buf[:n]
		for {
			end, ok := p.headerEnd(data, eof)
			if ok || eof || len(data) >= limits.MaxRecordBytes+1 {
				if !ok {
					if eof {
						return &fastResult{}, nil // no header: an empty file
					}
					return nil, &recordio.Error{Kind: recordio.KindTooLarge, Line: 1, Msg: "record is over the limit of " + formatBytes(limits.MaxRecordBytes)}
				}
				hdr, lines, err := p.header(data[:end], limits.MaxFields)
				if err != nil {
					return nil, err
				}
				names = hdr
				line += lines
				if len(buf) == chunkSize {
					// The rest starts the first chunk, in place: a buffer
					// of its own would be new memory, dear to fault in.
					carry = buf[:copy(buf, data[end:])]
				} else {
					pending = append([]byte(nil), data[end:]...)
				}
				break
			}
			// The header is longer than the buffer: grow it.
			if len(buf) == chunkSize {
				free <- buf
			}
			nb := make([]byte, 2*len(buf))
			copy(nb, data)
			buf = nb
			n2, eof2, err := fill(r, buf, len(data), read)
			if err != nil {
				return nil, err
			}
			data, eof = buf[:n2], eof2
		}
		if carry == nil && len(buf) == chunkSize {
			free <- buf
		}
		if len(names) == 0 {
			return &fastResult{}, nil
		}
	}

	res := &fastResult{names: names}
	sinks := make([]sink, workers)
	for w := range sinks {
		sinks[w] = newSink()
	}
	// The workers check the text as they classify it, unless the sinks
	// cannot, or a sample may stop them before the end of a chunk (whose
	// bad bytes recordio would still report).
	_, workersCheck := sinks[0].(checkingSink)
	workersCheck = workersCheck && sample <= 0
	counts := make([]int64, workers)
	// next cuts the next chunk of whole records from the input; it
	// reports false at the end of the input or once the scan stops.
	eof := false
	next := func() (chunk, bool, error) {
		for !eof && ctx.Err() == nil {
			var buf []byte
			k := 0
			if carry != nil {
				buf, k, carry = carry[:chunkSize], len(carry), nil
			} else {
				select {
				case buf = <-free:
				case <-ctx.Done():
					return chunk{}, false, nil
				}
				if len(pending) > len(buf)/2 {
					free <- buf
					buf = make([]byte, 2*len(pending)+chunkSize)
				}
				k = copy(buf, pending)
			}
			n, e, err := fill(r, buf, k, read)
			if err != nil {
				return chunk{}, false, err
			}
			eof = e
			data := buf[:n]
			cut := len(data)
			if !eof {
				cut = lastBoundary(data, sep)
				if cut < 0 {
					if len(data) > limits.MaxRecordBytes {
						return chunk{}, false, &recordio.Error{Kind: recordio.KindTooLarge, Line: line, Msg: "record is over the limit of " + formatBytes(limits.MaxRecordBytes)}
					}
					pending = append(pending[:0:0], data...) // keep reading: the record goes on
					if cap(buf) == chunkSize {
						free <- buf
					}
					continue
				}
			}
			pending = append(pending[:0], data[cut:]...)
			c := chunk{buf: buf, data: data[:cut], line: line, bad: -1}
			c.noQuotes = sep == '\t' || bytes.IndexByte(c.data, '"') < 0
			if !workersCheck {
				c.bad, c.textErr = checkText(c.data, line, names, sep)
			}
			line += bytes.Count(c.data, nl)
			return c, true, nil
		}
		return chunk{}, false, nil
	}
	// take hands a worker its next chunk. Where the workers leave a core
	// free, a reader goroutine cuts the chunks ahead of them; where they
	// take every core, a reader would only take turns with them on it, so
	// the workers cut the chunks themselves, one worker at a time, each
	// into a buffer its own core then reads from its cache.
	var (
		take    func() (chunk, bool)
		work    chan chunk
		readErr error // under readMu where the workers cut
		readMu  sync.Mutex
	)
	if !workersCut(workers) || sample > 0 {
		work = make(chan chunk, workers)
		take = func() (chunk, bool) { c, ok := <-work; return c, ok }
	} else {
		take = func() (chunk, bool) {
			readMu.Lock()
			defer readMu.Unlock()
			if readErr != nil {
				return chunk{}, false // the chunks before it are parsed still
			}
			c, ok, err := next()
			readErr = err
			return c, ok
		}
	}
	// stopped reports whether a worker is to skip chunk c: the scan has
	// stopped, unless for an error on a later line than c's first (c may
	// hold an earlier one, which is the one to report).
	stopped := func(c chunk) bool {
		if ctx.Err() == nil {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		return firstErr == nil || parent.Err() != nil || c.line >= errLine
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			p := newParser(sep, names, limits)
			p.checkText = workersCheck
			sc := sinks[w]
			emit := func(vals []string) bool { sc.Add(names, vals); return true }
			if cs, ok := sc.(checkingSink); ok && workersCheck {
				emit = func(vals []string) bool { return cs.AddChecked(names, vals) }
			}
			if bs, ok := sc.(batchSink); ok && workersCheck {
				p.batch = func(vals []string) bool { return bs.AddRecords(names, vals) }
			}
			for c, ok := take(); ok; c, ok = take() {
				if !stopped(c) {
					p.noQuotes = c.noQuotes
					n, line, err := p.parseChunk(c.data, c.line, c.bad, c.textErr, sample-counts[w], emit)
					counts[w] += n
					if err != nil {
						fail(line, err)
					} else if sample > 0 && counts[w] >= sample {
						cancel()
					}
				}
				if cap(c.buf) == chunkSize {
					free <- c.buf[:chunkSize]
				}
			}
		}(w)
	}

	if work != nil {
		// The reader: cut the input into chunks of whole records.
		readErr = func() error {
			defer close(work)
			for {
				c, ok, err := next()
				if !ok {
					return err
				}
				select {
				case work <- c:
				case <-ctx.Done():
					return nil
				}
			}
		}()
	}
	wg.Wait()
	var re *recordio.Error
	if readErr != nil && !(errors.As(readErr, &re) && firstErr != nil && errLine < re.Line) {
		return nil, readErr // unless a worker found an error on an earlier line
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if err := parent.Err(); err != nil {
		return nil, err
	}
	res.sinks = sinks
	for _, n := range counts {
		res.records += n
	}
	if sample > 0 && res.records > sample {
		res.records = sample
	}
	return res, nil
}

var nl = []byte{'\n'}

// workersCut reports whether the workers cut the chunks themselves rather
// than a reader goroutine (see take in fastScan): when they take every
// core. Tests set it to try both.
var workersCut = func(workers int) bool { return workers >= runtime.GOMAXPROCS(0) }

// fill reads into buf[k:] until it is full or the input ends.
func fill(r io.Reader, buf []byte, k int, read *atomic.Int64) (int, bool, error) {
	for k < len(buf) {
		n, err := r.Read(buf[k:])
		k += n
		if read != nil {
			read.Add(int64(n))
		}
		if err == io.EOF {
			return k, true, nil
		}
		if err != nil {
			return k, false, err
		}
	}
	return k, false, nil
}

// lastBoundary returns the offset just after the last newline of data that
// lies outside quotes (for TSV, after the last newline), or -1. Chunks always
// start outside quotes, so a newline is outside quotes when the quotes
// before it are even in number.
func lastBoundary(data []byte, sep byte) int {
	i := bytes.LastIndexByte(data, '\n')
	if sep == '\t' || i < 0 {
		if i < 0 {
			return -1
		}
		return i + 1
	}
	q := bytes.Count(data[:i], quote)
	for q%2 != 0 {
		j := bytes.LastIndexByte(data[:i], '\n')
		if j < 0 {
			return -1
		}
		q -= bytes.Count(data[j:i], quote)
		i = j
	}
	return i + 1
}

var quote = []byte{'"'}

// hasQuote reports whether ln holds a quote.
func hasQuote(ln []byte) bool { return bytes.IndexByte(ln, '"') >= 0 }

// parser splits records. It keeps its value slice between records.
type parser struct {
	// Each worker has a parser and writes to it with every record: the
	// padding keeps those writes off the cache lines of another worker's
	// parser, should the allocator put the two side by side.
	_ [64]byte

	start  int // line where the last record parsed starts
	sep    byte
	names  []string
	limits recordio.Options
	vals   []string
	rs     int // where the current record's values start in vals

	// batch, when set, takes whole records back to back (see parseChunk)
	// and reports whether they are text; the batch being gathered starts
	// at data[batchFrom], on line batchLine.
	batch     func(vals []string) bool
	batchFrom int
	batchLine int

	// checkText says that the text of the chunks is not checked yet:
	// emit checks the values it takes, and the parser looks for the bad
	// bytes of a record it rejects, which come first.
	checkText bool

	// noQuotes says that the chunk being parsed holds no quote.
	noQuotes bool

	// masks is split's scratch space: the separators of a line, 64
	// bytes a word.
	masks []uint64

	_ [64]byte
}

func newParser(sep byte, names []string, limits recordio.Options) *parser {
	return &parser{sep: sep, names: names, limits: limits}
}

func (p *parser) field(i int) string {
	if i < len(p.names) {
		return p.names[i]
	}
	return ""
}

// headerEnd returns the end of the first record in data (skipping blank
// lines), and false if data does not hold a whole record yet.
func (p *parser) headerEnd(data []byte, eof bool) (int, bool) {
	if c := firstRecordEnd(data, p.sep != '\t'); c >= 0 {
		return c, true
	}
	if eof {
		return len(data), len(bytes.Trim(data, "\r\n")) > 0
	}
	return 0, false
}

// firstRecordEnd returns the offset after the newline that ends the first
// non-blank record (outside quotes, when quoting applies), or -1.
func firstRecordEnd(data []byte, quoting bool) int {
	q := 0
	blank := true
	for i, c := range data {
		switch c {
		case '"':
			if quoting {
				q++
			}
			blank = false
		case '\n':
			if q%2 == 0 && !blank {
				return i + 1
			}
		case '\r':
		default:
			blank = false
		}
	}
	return -1
}

// header parses the header record and returns the names and the number of
// lines it took.
func (p *parser) header(data []byte, maxFields int) ([]string, int, error) {
	var names []string
	lines := 0
	bad, textErr := checkText(data, 1, nil, p.sep)
	_, _, err := p.parseChunk(data, 1, bad, textErr, 1, func(vals []string) bool {
		names = make([]string, len(vals))
		for i, v := range vals {
			names[i] = string([]byte(v))
		}
		return true
	})
	lines = bytes.Count(data, nl)
	if err != nil {
		return nil, 0, err
	}
	last := p.start
	if len(names) > maxFields {
		return nil, 0, &recordio.Error{Kind: recordio.KindTooLarge, Line: last, Msg: fmt.Sprintf("header has %d columns, over the limit of %d", len(names), maxFields)}
	}
	seen := make(map[string]int, len(names))
	for i, name := range names {
		if name == "" {
			return nil, 0, &recordio.Error{Kind: recordio.KindMalformed, Line: last, Msg: fmt.Sprintf("column %d of the header has no name", i+1)}
		}
		if j, ok := seen[name]; ok {
			return nil, 0, &recordio.Error{Kind: recordio.KindMalformed, Line: last, Field: name, Msg: fmt.Sprintf("header names columns %d and %d alike", j+1, i+1)}
		}
		seen[name] = i
	}
	return names, lines, nil
}

func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// batchValues is how many values the parser gathers, in whole records,
// before it hands them to p.batch. Tests lower it.
var batchValues = 4096

// parseChunk parses the records in data, whose first byte is on line, and
// calls emit for each (the strings alias data and are valid during the
// call); emit reports whether the values are text, which matters when
// p.checkText is set. With limit > 0 it stops after limit records. It
// returns the number of records and, on error, the line of the record at
// fault.
//
// When the parser checks text and has p.batch, records are handed to
// p.batch instead, some at a time (see flush): the bad text of an earlier
// record still comes before the syntax error of a later one.
func (p *parser) parseChunk(data []byte, line, bad int, textErr *recordio.Error, limit int64, emit func([]string) bool) (int64, int, error) {
	// Bad bytes (at offset bad, see checkText) are reported when the
	// record holding them is reached, so that an earlier record's syntax
	// error comes first, as in recordio; within a record, they come
	// before its other faults.
	var n int64
	pos := 0
	batching := p.batch != nil && p.checkText && p.names != nil && limit <= 0
	p.vals, p.rs = p.vals[:0], 0
	p.batchFrom, p.batchLine = 0, line
	for pos < len(data) {
		if bad >= 0 && bad < pos {
			return n, textErr.Line, textErr
		}
		if limit > 0 && n >= limit {
			break
		}
		start, from := line, pos
		if batching {
			p.rs = len(p.vals) // this record's values follow the batch's
		}
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end < 0 {
			end = len(data)
		} else {
			end += pos
			next = end + 1
		}
		ln := data[pos:end]
		if p.sep != '\t' && !p.noQuotes && hasQuote(ln) {
			np, nl, err := p.quoted(data, pos, line)
			if err != nil {
				if e := p.flush(batching, data, from); e != nil {
					return n, e.Line, e
				}
				if bad >= 0 && bad < np {
					return n, textErr.Line, textErr
				}
				if e := p.badText(data[from:min(np, len(data))], start); e != nil {
					return n, e.Line, e
				}
				return n, err.(*recordio.Error).Line, err
			}
			pos, line = np, nl
			if bad >= 0 && bad < pos {
				return n, textErr.Line, textErr
			}
			if err := p.check(start); err != nil {
				if e := p.flush(batching, data, from); e != nil {
					return n, e.Line, e
				}
				if e := p.badText(data[from:pos], start); e != nil {
					return n, e.Line, e
				}
				return n, start, err
			}
		} else {
			line++
			pos = next
			if len(ln) > 0 && ln[len(ln)-1] == '\r' {
				ln = ln[:len(ln)-1]
			}
			if len(ln) == 0 {
				continue
			}
			maxField := p.split(ln)
			if bad >= 0 && bad < pos {
				return n, textErr.Line, textErr
			}
			if len(p.vals)-p.rs != len(p.names) || maxField > p.limits.MaxFieldBytes || len(ln) > p.limits.MaxRecordBytes {
				if err := p.check(start); err != nil {
					if e := p.flush(batching, data, from); e != nil {
						return n, e.Line, e
					}
					if e := p.badText(data[from:pos], start); e != nil {
						return n, e.Line, e
					}
					return n, start, err
				}
			}
		}
		p.start = start
		if batching {
			n++
			if len(p.vals) >= batchValues {
				p.rs = len(p.vals)
				if e := p.flush(true, data, pos); e != nil {
					return n, e.Line, e
				}
				p.batchLine = line
			}
			continue
		}
		if p.names != nil || n == 0 {
			if !emit(p.vals) {
				e := p.badText(data[from:pos], start)
				if e == nil {
					e = &recordio.Error{Kind: recordio.KindMalformed, Line: start, Msg: "invalid text"}
				}
				return n, e.Line, e
			}
		}
		n++
	}
	if batching {
		p.rs = len(p.vals)
		if e := p.flush(true, data, pos); e != nil {
			return n, e.Line, e
		}
	}
	if bad >= 0 {
		return n, textErr.Line, textErr
	}
	return n, line, nil
}

// flush hands the whole records of the batch, p.vals[:p.rs], which lie in
// data[p.batchFrom:to], to p.batch, and returns the error for the first
// bad text in them, if p.batch finds some; it does nothing unless
// batching. The batch starts anew at to.
func (p *parser) flush(batching bool, data []byte, to int) *recordio.Error {
	if !batching || p.rs == 0 {
		return nil
	}
	ok := p.batch(p.vals[:p.rs])
	from, line := p.batchFrom, p.batchLine
	p.vals, p.rs, p.batchFrom = p.vals[:0], 0, to
	if ok {
		return nil
	}
	// The first bad bytes are in the first record that is not text.
	if _, e := checkText(data[from:to], line, p.names, p.sep); e != nil {
		return e
	}
	return &recordio.Error{Kind: recordio.KindMalformed, Line: line, Msg: "invalid text"}
}

// badText returns the error for the first NUL byte or invalid UTF-8 in
// rec, a record that starts on line, when the parser checks text; or nil.
func (p *parser) badText(rec []byte, line int) *recordio.Error {
	if !p.checkText {
		return nil
	}
	_, err := checkText(rec, line, p.names, p.sep)
	return err
}

// split splits the line ln, which holds no quotes, at each separator into
// p.vals[p.rs:], and returns the length of the longest value. It makes a
// mask of the separators of 64 bytes at a time, without a branch (see
// sepMasks), then takes the values off the mask: a branch per sixteen
// bytes, which bytes of a record decide, is mispredicted often. Bytes
// after the line (in its chunk) are read with it and masked off; near the
// end of the buffer the mask is made a byte at a time.
func (p *parser) split(ln []byte) int {
	vals := p.vals[:p.rs]
	sep := p.sep
	n := len(ln)
	whole := ln[:cap(ln)]
	base := unsafe.Pointer(unsafe.SliceData(ln))
	// The masks of the blocks that lie whole within the buffer, in one go.
	nb := min((n+63)/64, len(whole)/64)
	if cap(p.masks) < nb {
		p.masks = make([]uint64, nb)
	}
	masks := p.masks[:nb]
	sepMasks(masks, whole, sep)
	f, maxField := 0, 0
	for i := 0; i < n; i += 64 {
		var m uint64
		if j := i >> 6; j < len(masks) {
			m = masks[j]
		} else {
			for k := i; k < n && k < i+64; k++ {
				if ln[k] == sep {
					m |= 1 << (k - i)
				}
			}
		}
		if r := n - i; r < 64 {
			m &= 1<<r - 1
		}
		for m != 0 {
			k := i + bits.TrailingZeros64(m)
			vals = append(vals, unsafe.String((*byte)(unsafe.Add(base, f)), k-f))
			maxField = max(maxField, k-f)
			f = k + 1
			m &= m - 1
		}
	}
	p.vals = append(vals, str(ln[f:]))
	return max(maxField, n-f)
}

// check applies the field-count and value-size rules to the record's
// values, p.vals[p.rs:].
func (p *parser) check(line int) error {
	vals := p.vals[p.rs:]
	if p.names != nil && len(vals) != len(p.names) {
		return &recordio.Error{Kind: recordio.KindMalformed, Line: line, Msg: fmt.Sprintf("expected %d fields (as in the header), got %d", len(p.names), len(vals))}
	}
	total := 0
	for i, v := range vals {
		total += len(v)
		if len(v) > p.limits.MaxFieldBytes {
			return &recordio.Error{Kind: recordio.KindTooLarge, Line: line, Field: p.field(i), Msg: "value is over the limit of " + formatBytes(p.limits.MaxFieldBytes)}
		}
	}
	if total > p.limits.MaxRecordBytes {
		return &recordio.Error{Kind: recordio.KindTooLarge, Line: line, Msg: "record is over the limit of " + formatBytes(p.limits.MaxRecordBytes)}
	}
	return nil
}

// quoted parses one CSV record that has quotes, starting at data[pos] on
// line, into p.vals[p.rs:]. It returns the position after the record and
// the line there; on error, the position where the error was found.
func (p *parser) quoted(data []byte, pos, line int) (int, int, error) {
	p.vals = p.vals[:p.rs]
	k := pos
	for col := 0; ; col++ {
		if k < len(data) && data[k] == '"' {
			qline := line
			k++
			seg := k
			var esc []byte
			for {
				q := bytes.IndexByte(data[k:], '"')
				if q < 0 {
					return len(data), 0, &recordio.Error{Kind: recordio.KindMalformed, Line: qline, Field: p.field(col),
						Msg: fmt.Sprintf("quoted value (column %d) opened on line %d is never closed", col+1, qline)}
				}
				line += bytes.Count(data[k:k+q], nl)
				k += q
				if k+1 < len(data) && data[k+1] == '"' {
					esc = append(esc, data[seg:k+1]...)
					k += 2
					seg = k
					continue
				}
				break
			}
			v := data[seg:k]
			if esc != nil {
				esc = append(esc, v...)
				p.vals = append(p.vals, string(esc))
			} else {
				p.vals = append(p.vals, str(v))
			}
			k++ // closing quote
			switch {
			case k == len(data):
				return k, line, nil
			case data[k] == p.sep:
				k++
				continue
			case data[k] == '\n':
				return k + 1, line + 1, nil
			case data[k] == '\r' && (k+1 == len(data) || data[k+1] == '\n'):
				if k+1 == len(data) {
					return k + 1, line, nil
				}
				return k + 2, line + 1, nil
			default:
				what := fmt.Sprintf("%q", runeAt(data[k:]))
				return k, 0, &recordio.Error{Kind: recordio.KindMalformed, Line: line, Field: p.field(col),
					Msg: fmt.Sprintf("unexpected %s after the closing quote of a value (column %d, quote opened on line %d); a quote inside a quoted value must be doubled", what, col+1, qline)}
			}
		}
		// Unquoted value: up to the next separator or newline.
		s := k
		for k < len(data) && data[k] != p.sep && data[k] != '\n' {
			if data[k] == '"' {
				return k, 0, &recordio.Error{Kind: recordio.KindMalformed, Line: line, Field: p.field(col),
					Msg: fmt.Sprintf("bare quote in unquoted value (column %d); a value with quotes must be quoted, with each quote doubled", col+1)}
			}
			k++
		}
		v := data[s:k]
		if k == len(data) || data[k] == '\n' {
			if len(v) > 0 && v[len(v)-1] == '\r' {
				v = v[:len(v)-1]
			}
			p.vals = append(p.vals, str(v))
			if k == len(data) {
				return k, line, nil
			}
			return k + 1, line + 1, nil
		}
		p.vals = append(p.vals, str(v))
		k++
	}
}

func runeAt(p []byte) rune {
	r, _ := utf8.DecodeRune(p)
	return r
}

// checkText finds the first NUL byte or invalid UTF-8 in a chunk and returns
// its offset and an error naming the line and, where it can tell, the field;
// or -1 and nil.
func checkText(data []byte, line int, names []string, sep byte) (int, *recordio.Error) {
	nul := bytes.IndexByte(data, 0)
	if utf8.Valid(data) {
		if nul >= 0 {
			return nul, &recordio.Error{Kind: recordio.KindMalformed, Line: line + bytes.Count(data[:nul], nl), Msg: "NUL byte in text (binary file, or UTF-16 without a byte-order mark?)"}
		}
		return -1, nil
	}
	i := 0
	for i < len(data) {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		i += size
	}
	if nul >= 0 && nul < i {
		return nul, &recordio.Error{Kind: recordio.KindMalformed, Line: line + bytes.Count(data[:nul], nl), Msg: "NUL byte in text (binary file, or UTF-16 without a byte-order mark?)"}
	}
	end := i + 1
	for end < len(data) && end < i+4 && !utf8.RuneStart(data[end]) {
		end++
	}
	var b bytes.Buffer
	for j, c := range data[i:end] {
		if j > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "0x%02X", c)
	}
	ls := bytes.LastIndexByte(data[:i], '\n') + 1
	field := ""
	if col := bytes.Count(data[ls:i], []byte{sep}); col < len(names) {
		field = names[col]
	}
	return i, &recordio.Error{Kind: recordio.KindMalformed, Line: line + bytes.Count(data[:i], nl), Field: field, Msg: "invalid UTF-8: bytes " + b.String()}
}

func withDefaults(o recordio.Options) recordio.Options {
	if o.MaxFieldBytes <= 0 {
		o.MaxFieldBytes = recordio.DefaultMaxFieldBytes
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = recordio.DefaultMaxRecordBytes
	}
	if o.MaxFields <= 0 {
		o.MaxFields = recordio.DefaultMaxFields
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = recordio.DefaultMaxDepth
	}
	return o
}

// formatBytes writes a size limit as recordio does: "1 MiB", "512 KiB",
// "100 bytes".
func formatBytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
