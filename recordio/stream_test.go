package recordio

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// genReader yields head, then n bytes of fill, then tail, without holding
// them in memory, and counts what it hands out.
type genReader struct {
	head, tail string
	fill       byte
	n          int64
	pos        int64
}

func (g *genReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		h, f := int64(len(g.head)), int64(len(g.head))+g.n
		var c int
		switch {
		case g.pos < h:
			c = copy(p[n:], g.head[g.pos:])
		case g.pos < f:
			c = int(min(int64(len(p)-n), f-g.pos))
			for i := range c {
				p[n+i] = g.fill
			}
		case g.pos < f+int64(len(g.tail)):
			c = copy(p[n:], g.tail[g.pos-f:])
		default:
			if n == 0 {
				return 0, io.EOF
			}
			return n, nil
		}
		n += c
		g.pos += int64(c)
	}
	return n, nil
}

// allocated returns the bytes allocated by f.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestReader_Read_HugeLine feeds a 100 MB line and checks that the reader
// gives up once the line passes its limit: it has read little of the input
// and allocated little memory.
func TestReader_Read_HugeLine(t *testing.T) {
	const huge = 100 << 20
	for _, tc := range []struct {
		name     string
		format   Format
		line     int
		head     string
		fill     byte
		kind     Kind
		field    string
		msg      string
		maxBytes int64 // most input the reader may consume
	}{
		{"ErrCSV", FormatCSV, 3, "a,b\n1,2\n", 'x', KindTooLarge, "a", "value is over the limit of 1 MiB", 2 << 20},
		{"ErrCSVQuoted", FormatCSV, 3, "a,b\n1,2\n\"", 'x', KindTooLarge, "a", "value is over the limit of 1 MiB", 2 << 20},
		{"ErrCSVSeparators", FormatCSV, 3, "a,b\n1,2\n", ',', KindTooLarge, "", "record is over the limit of 16 MiB", 17 << 20},
		{"ErrTSV", FormatTSV, 3, "a\tb\n1\t2\n", 'x', KindTooLarge, "a", "value is over the limit of 1 MiB", 2 << 20},
		{"ErrJSONL", FormatJSONL, 2, "{\"a\":1}\n{\"a\":\"", 'x', KindTooLarge, "", "record is over the limit of 16 MiB", 17 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &genReader{head: tc.head, fill: tc.fill, n: huge, tail: "\n"}
			var got []rec
			var err error
			var r Reader
			alloc := allocated(func() {
				got, r, err = readAllFrom(g, Options{Format: tc.format})
			})
			if len(got) != 1 {
				t.Fatalf("read %d records, want 1", len(got))
			}
			wantErr(t, err, tc.line, tc.field, tc.kind, tc.msg)
			if r.BytesRead() != g.pos {
				t.Fatalf("BytesRead = %d, reader handed out %d", r.BytesRead(), g.pos)
			}
			if g.pos > tc.maxBytes {
				t.Fatalf("read %d bytes of the line, want at most %d", g.pos, tc.maxBytes)
			}
			if alloc > uint64(3*tc.maxBytes) {
				t.Fatalf("allocated %d bytes, want at most %d", alloc, 3*tc.maxBytes)
			}
		})
	}
}

// TestReader_Read_ConstantMemory reads many records and checks that the
// reader's buffers did not grow with the input.
func TestReader_Read_ConstantMemory(t *testing.T) {
	rows := 30_000
	for _, f := range []Format{FormatCSV, FormatTSV, FormatJSONL} {
		t.Run("OK/"+string(f), func(t *testing.T) {
			r, err := NewReader(&rowGen{format: f, rows: rows}, Options{Format: f})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for {
				rec, err := r.Read()
				if err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				if len(rec.Values) != 3 || len(rec.Names) != 3 {
					t.Fatalf("record %d: %q", n, rec.Values)
				}
				n++
			}
			if n != rows {
				t.Fatalf("read %d records, want %d", n, rows)
			}
			var b *textBuf
			switch r := r.(type) {
			case *csvReader:
				b = r.b
				if cap(r.out) > 1024 || cap(r.vals) > 16 {
					t.Fatalf("buffers grew: out %d, vals %d", cap(r.out), cap(r.vals))
				}
			case *jsonlReader:
				b = r.b
				if cap(r.out) > 1024 || cap(r.vals) > 16 || len(r.intern) > 3 {
					t.Fatalf("buffers grew: out %d, vals %d, names %d", cap(r.out), cap(r.vals), len(r.intern))
				}
			}
			if len(b.buf) != textBufSize || len(b.src.raw) != rawBufSize {
				t.Fatalf("buffers grew: text %d, raw %d", len(b.buf), len(b.src.raw))
			}
		})
	}
}

// rowGen generates rows of three fields on the fly.
type rowGen struct {
	format Format
	rows   int
	i      int
	pend   string
}

func (g *rowGen) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if g.pend == "" {
			if g.i > g.rows {
				break
			}
			switch {
			case g.format == FormatJSONL && g.i == 0:
				g.i++
				continue
			case g.format == FormatJSONL:
				g.pend = fmt.Sprintf("{\"id\":%d,\"u\":{\"name\":\"用户%d\"},\"x\":[%d]}\n", g.i, g.i, g.i)
			case g.i == 0:
				g.pend = "id,name,x\n"
			default:
				g.pend = fmt.Sprintf("%d,用户%d,\"q,%d\"\n", g.i, g.i, g.i)
			}
			if g.format == FormatTSV {
				g.pend = strings.NewReplacer(`"q,`, `"q,`, ",", "\t").Replace(g.pend)
			}
			g.i++
		}
		c := copy(p[n:], g.pend)
		g.pend = g.pend[c:]
		n += c
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}
