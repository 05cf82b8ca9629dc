package recordio

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// parquetBatch is the most rows a Parquet reader decodes at a time.
const parquetBatch = 128

// parquetBatchBytes bounds the bytes of the rows a Parquet reader decodes
// at a time, judged by the row group's average row: large rows are
// decoded a few at a time.
const parquetBatchBytes = 2 << 20

// NewParquetReader returns a Reader of the Parquet file of size bytes that
// r holds. Nested groups become dotted field paths. Values are written as
// text: integers and floats in decimal, booleans as true/false, DATE as
// 2006-01-02, TIMESTAMP in RFC 3339 (with Z when adjusted to UTC), TIME as
// 15:04:05.999999999, DECIMAL with its scale, UUID in its usual form, and
// null as the empty value. Columns sluice cannot turn into text (INT96,
// repeated fields such as lists and maps, BSON, variants, geometries,
// intervals, and binary values that are not UTF-8) are an *Error of kind
// [KindUnsupported] naming the column and the row group.
func NewParquetReader(r io.ReaderAt, size int64, opts Options) (rd Reader, err error) {
	opts = opts.withDefaults()
	cr := &countingReaderAt{r: r}
	defer func() {
		if p := recover(); p != nil {
			rd, err = nil, &Error{Kind: KindMalformed, Msg: fmt.Sprintf("not a valid Parquet file (%v)", p)}
		}
	}()
	f, err := parquet.OpenFile(cr, size, parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true))
	if err != nil {
		return nil, &Error{Kind: KindMalformed, Msg: fmt.Sprintf("not a valid Parquet file (%v)", err)}
	}
	p := &parquetReader{f: f, cr: cr, opts: opts, groups: f.RowGroups()}
	var walk func(c *parquet.Column)
	walk = func(c *parquet.Column) {
		for _, col := range c.Columns() {
			if col.Leaf() {
				p.leaves = append(p.leaves, col)
			} else {
				walk(col)
			}
		}
	}
	walk(f.Root())
	if len(p.leaves) > opts.MaxFields {
		return nil, &Error{Kind: KindTooLarge, Msg: fmt.Sprintf("file has %d columns, over the limit of %d", len(p.leaves), opts.MaxFields)}
	}
	p.names = make([]string, len(p.leaves))
	p.convs = make([]converter, len(p.leaves))
	for i, col := range p.leaves {
		p.names[i] = strings.Join(col.Path(), ".")
	}
	return p, nil
}

type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// A converter appends the text of a non-null value to dst; a false result
// means the value cannot be written as text.
type converter func(dst []byte, v parquet.Value) ([]byte, bool)

type parquetReader struct {
	f      *parquet.File
	cr     *countingReaderAt
	opts   Options
	groups []parquet.RowGroup
	gi     int // row group being read, or next to open
	bgi    int // row group of the rows in batch
	rows   parquet.Rows
	batch  []parquet.Row
	bi, bn int
	row    int64 // rows returned so far
	first  int64 // number of the first row of the current group, 0-based
	leaves []*parquet.Column
	names  []string
	convs  []converter
	vals   []string
	ends   []int
	out    []byte
	rec    Record
	err    error
}

func (p *parquetReader) Format() Format   { return FormatParquet }
func (p *parquetReader) Charset() Charset { return CharsetUTF8 }
func (p *parquetReader) BytesRead() int64 { return p.cr.n.Load() }

// Read returns the next row; see [Reader].
func (p *parquetReader) Read() (rec *Record, err error) {
	if p.err != nil {
		return nil, p.err
	}
	defer func() {
		if r := recover(); r != nil {
			err = &Error{Kind: KindMalformed, Row: true, Line: int(p.row + 1), Msg: fmt.Sprintf("corrupt Parquet data in row group %d of %d (%v)", p.gi+1, len(p.groups), r)}
		}
		if err != nil {
			rec, p.err = nil, err
			if p.rows != nil {
				p.rows.Close()
				p.rows = nil
			}
		}
	}()
	for p.bi == p.bn {
		if err := p.nextBatch(); err != nil {
			return nil, err
		}
	}
	row := p.batch[p.bi]
	p.bi++
	p.row++
	return p.convert(row)
}

// nextBatch decodes the next rows, opening the next row group as needed.
func (p *parquetReader) nextBatch() error {
	if p.rows == nil {
		if p.gi >= len(p.groups) {
			return io.EOF
		}
		if err := p.openGroup(); err != nil {
			return err
		}
	}
	if p.batch == nil {
		p.batch = make([]parquet.Row, parquetBatch)
	}
	n, err := p.rows.ReadRows(p.batch)
	p.bi, p.bn, p.bgi = 0, n, p.gi
	if err == io.EOF || (err == nil && n == 0) {
		p.rows.Close()
		p.rows = nil
		p.gi++
		return nil
	}
	if err != nil {
		return &Error{Kind: KindMalformed, Row: true, Line: int(p.row + 1), Msg: fmt.Sprintf("corrupt Parquet data in row group %d of %d (%v)", p.gi+1, len(p.groups), err)}
	}
	return nil
}

// openGroup checks the column types of row group p.gi and starts reading it.
func (p *parquetReader) openGroup() error {
	rg := p.groups[p.gi]
	chunks := rg.ColumnChunks()
	if len(chunks) != len(p.leaves) {
		return &Error{Kind: KindMalformed, Msg: fmt.Sprintf("row group %d of %d has %d columns, the schema %d", p.gi+1, len(p.groups), len(chunks), len(p.leaves))}
	}
	for i, col := range p.leaves {
		conv, why := converterFor(col, chunks[i].Type())
		if conv == nil {
			return &Error{Kind: KindUnsupported, Field: p.names[i], Msg: fmt.Sprintf("column type %s is not supported (row group %d of %d)", why, p.gi+1, len(p.groups))}
		}
		p.convs[i] = conv
	}
	// The row group's size says, before any page is read, how large its
	// rows are: a group whose rows average more than a record may hold is
	// refused without decompressing it, and large rows are read a few at
	// a time.
	n := parquetBatch
	if md := p.f.Metadata(); p.gi < len(md.RowGroups) && md.RowGroups[p.gi].NumRows > 0 {
		g := md.RowGroups[p.gi]
		avg := g.TotalByteSize / g.NumRows
		if avg > int64(p.opts.MaxRecordBytes) {
			return &Error{Kind: KindTooLarge, Row: true, Line: int(p.row + 1),
				Msg: fmt.Sprintf("the %d rows of row group %d of %d average %s, over the record limit of %s", g.NumRows, p.gi+1, len(p.groups), formatBytes(int(avg)), formatBytes(p.opts.MaxRecordBytes))}
		}
		n = int(min(parquetBatch, max(1, parquetBatchBytes/max(avg, 1))))
	}
	if len(p.batch) != n {
		p.batch = make([]parquet.Row, n)
	}
	p.first = p.row
	p.rows = rg.Rows()
	return nil
}

func (p *parquetReader) convert(row parquet.Row) (*Record, error) {
	line := int(p.row)
	p.out, p.ends = p.out[:0], p.ends[:0]
	col := 0
	for _, v := range row {
		c := v.Column()
		if c < col || c >= len(p.leaves) {
			return nil, &Error{Kind: KindMalformed, Row: true, Line: line, Msg: fmt.Sprintf("corrupt Parquet row in row group %d of %d (column %d out of order)", p.bgi+1, len(p.groups), c)}
		}
		for ; col < c; col++ {
			p.ends = append(p.ends, len(p.out)) // missing: null
		}
		start := len(p.out)
		if !v.IsNull() {
			var ok bool
			p.out, ok = p.convs[c](p.out, v)
			if !ok {
				return nil, &Error{Kind: KindUnsupported, Row: true, Line: line, Field: p.names[c],
					Msg: fmt.Sprintf("value cannot be read as text: binary data, not UTF-8 (row group %d of %d)", p.bgi+1, len(p.groups))}
			}
		}
		if len(p.out)-start > p.opts.MaxFieldBytes {
			return nil, &Error{Kind: KindTooLarge, Row: true, Line: line, Field: p.names[c], Msg: "value is over the limit of " + formatBytes(p.opts.MaxFieldBytes)}
		}
		p.ends = append(p.ends, len(p.out))
		col = c + 1
	}
	for ; col < len(p.leaves); col++ {
		p.ends = append(p.ends, len(p.out))
	}
	if len(p.out) > p.opts.MaxRecordBytes {
		return nil, &Error{Kind: KindTooLarge, Row: true, Line: line, Msg: "record is over the limit of " + formatBytes(p.opts.MaxRecordBytes)}
	}
	s := string(p.out)
	p.vals = p.vals[:0]
	prev := 0
	for _, e := range p.ends {
		p.vals = append(p.vals, s[prev:e])
		prev = e
	}
	p.rec = Record{Line: line, Names: p.names, Values: p.vals}
	return &p.rec, nil
}

// converterFor returns how to write values of a leaf column as text, or
// nil and the name of its type.
func converterFor(col *parquet.Column, t parquet.Type) (converter, string) {
	if col.MaxRepetitionLevel() > 0 {
		return nil, "repeated " + t.String() + " (list or map)"
	}
	lt := t.LogicalType()
	var ct deprecated.ConvertedType = -1
	if c := t.ConvertedType(); c != nil {
		ct = *c
	}
	var lv format.LogicalTypeValue
	if lt != nil {
		lv = lt.Value
	}
	switch l := lv.(type) {
	case *format.NullType:
		return func(dst []byte, _ parquet.Value) ([]byte, bool) { return dst, true }, ""
	case *format.DecimalType:
		return decimalConverter(t.Kind(), int(l.Scale)), ""
	case *format.DateType:
		if t.Kind() == parquet.Int32 {
			return convDate, ""
		}
	case *format.TimestampType:
		if t.Kind() == parquet.Int64 {
			return timestampConverter(l.Unit.Value.Duration(), l.IsAdjustedToUTC), ""
		}
	case *format.TimeType:
		return timeConverter(l.Unit.Value.Duration()), ""
	case *format.IntType:
		if !l.IsSigned {
			return convUint, ""
		}
	case *format.UUIDType:
		if t.Kind() == parquet.FixedLenByteArray && t.Length() == 16 {
			return convUUID, ""
		}
	case *format.Float16Type:
		if t.Kind() == parquet.FixedLenByteArray && t.Length() == 2 {
			return convFloat16, ""
		}
	case nil, *format.StringType, *format.EnumType, *format.JsonType:
	default:
		return nil, t.String()
	}
	switch ct {
	case deprecated.Date:
		return convDate, ""
	case deprecated.TimestampMillis:
		return timestampConverter(time.Millisecond, true), ""
	case deprecated.TimestampMicros:
		return timestampConverter(time.Microsecond, true), ""
	case deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
		return convUint, ""
	case deprecated.Bson, deprecated.Interval, deprecated.Map, deprecated.MapKeyValue, deprecated.List:
		return nil, t.String()
	}
	switch t.Kind() {
	case parquet.Boolean:
		return convBool, ""
	case parquet.Int32:
		return func(dst []byte, v parquet.Value) ([]byte, bool) {
			return strconv.AppendInt(dst, int64(v.Int32()), 10), true
		}, ""
	case parquet.Int64:
		return func(dst []byte, v parquet.Value) ([]byte, bool) { return strconv.AppendInt(dst, v.Int64(), 10), true }, ""
	case parquet.Float:
		return func(dst []byte, v parquet.Value) ([]byte, bool) {
			return strconv.AppendFloat(dst, float64(v.Float()), 'g', -1, 32), true
		}, ""
	case parquet.Double:
		return func(dst []byte, v parquet.Value) ([]byte, bool) {
			return strconv.AppendFloat(dst, v.Double(), 'g', -1, 64), true
		}, ""
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return convText, ""
	}
	return nil, t.String()
}

func convBool(dst []byte, v parquet.Value) ([]byte, bool) {
	return strconv.AppendBool(dst, v.Boolean()), true
}

func convUint(dst []byte, v parquet.Value) ([]byte, bool) {
	if v.Kind() == parquet.Int32 {
		return strconv.AppendUint(dst, uint64(v.Uint32()), 10), true
	}
	return strconv.AppendUint(dst, v.Uint64(), 10), true
}

// convText writes UTF-8 bytes as they are; other bytes (and NUL) cannot be
// written as text.
func convText(dst []byte, v parquet.Value) ([]byte, bool) {
	b := v.ByteArray()
	if !utf8.Valid(b) {
		return dst, false
	}
	for _, c := range b {
		if c == 0 {
			return dst, false
		}
	}
	return append(dst, b...), true
}

func convDate(dst []byte, v parquet.Value) ([]byte, bool) {
	return time.Unix(int64(v.Int32())*86400, 0).UTC().AppendFormat(dst, time.DateOnly), true
}

func timestampConverter(unit time.Duration, utc bool) converter {
	layout := "2006-01-02T15:04:05.999999999"
	if utc {
		layout = time.RFC3339Nano
	}
	return func(dst []byte, v parquet.Value) ([]byte, bool) {
		n := v.Int64()
		var t time.Time
		switch unit {
		case time.Millisecond:
			t = time.UnixMilli(n)
		case time.Microsecond:
			t = time.UnixMicro(n)
		default:
			t = time.Unix(0, n)
		}
		return t.UTC().AppendFormat(dst, layout), true
	}
}

func timeConverter(unit time.Duration) converter {
	return func(dst []byte, v parquet.Value) ([]byte, bool) {
		var n int64
		if v.Kind() == parquet.Int32 {
			n = int64(v.Int32())
		} else {
			n = v.Int64()
		}
		d := time.Duration(n) * unit
		return time.Unix(0, int64(d)).UTC().AppendFormat(dst, "15:04:05.999999999"), true
	}
}

func convUUID(dst []byte, v parquet.Value) ([]byte, bool) {
	b := v.ByteArray()
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:16])
	return append(dst, s[:]...), true
}

func convFloat16(dst []byte, v parquet.Value) ([]byte, bool) {
	h := binary.LittleEndian.Uint16(v.ByteArray())
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1F
	frac := uint32(h) & 0x3FF
	var f float32
	switch {
	case exp == 0:
		f = float32(frac) / (1 << 24)
		if sign != 0 {
			f = -f
		}
	case exp == 0x1F:
		f = math.Float32frombits(sign | 0x7F800000 | frac<<13)
	default:
		f = math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
	}
	return strconv.AppendFloat(dst, float64(f), 'g', -1, 32), true
}

// decimalConverter writes an unscaled integer with scale digits after the
// point.
func decimalConverter(kind parquet.Kind, scale int) converter {
	return func(dst []byte, v parquet.Value) ([]byte, bool) {
		var digits []byte
		neg := false
		switch kind {
		case parquet.Int32, parquet.Int64:
			n := v.Int64()
			if kind == parquet.Int32 {
				n = int64(v.Int32())
			}
			if n < 0 {
				neg = true
				digits = strconv.AppendUint(nil, uint64(-n), 10)
			} else {
				digits = strconv.AppendUint(nil, uint64(n), 10)
			}
		default:
			b := v.ByteArray()
			x := new(big.Int).SetBytes(b)
			if len(b) > 0 && b[0]&0x80 != 0 {
				x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
			}
			neg = x.Sign() < 0
			digits = x.Abs(x).Append(nil, 10)
		}
		if neg {
			dst = append(dst, '-')
		}
		if scale <= 0 {
			dst = append(dst, digits...)
			for range -scale {
				dst = append(dst, '0')
			}
			return dst, true
		}
		for len(digits) <= scale {
			digits = append([]byte{'0'}, digits...)
		}
		dst = append(dst, digits[:len(digits)-scale]...)
		dst = append(dst, '.')
		return append(dst, digits[len(digits)-scale:]...), true
	}
}
