package recordio

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sluice-gateway/sluice"
)

// A Format names a record format.
type Format string

// Formats sluice reads.
const (
	FormatCSV     Format = "csv"     // comma-separated, header row, RFC 4180 quoting
	FormatTSV     Format = "tsv"     // tab-separated, header row, no quoting
	FormatJSONL   Format = "jsonl"   // one JSON object per line
	FormatParquet Format = "parquet" // Apache Parquet; needs random access
)

// ParseFormat returns the format named by s: a format name ("csv", "tsv",
// "jsonl", "ndjson", "parquet", any case) or a media type such as
// "text/csv; charset=gb18030". Parameters of a media type are ignored here;
// [CharsetFromMediaType] reads the charset parameter. An unknown format is
// an *[Error] of kind [KindUnsupported].
func ParseFormat(s string) (Format, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch t {
	case "csv", "text/csv", "application/csv", "text/comma-separated-values":
		return FormatCSV, nil
	case "tsv", "tab", "text/tab-separated-values", "text/tsv":
		return FormatTSV, nil
	case "jsonl", "ndjson", "jsonlines", "json-lines",
		"application/x-ndjson", "application/ndjson", "application/jsonl",
		"application/json-lines", "application/x-jsonlines", "application/jsonlines":
		return FormatJSONL, nil
	case "parquet", "application/vnd.apache.parquet", "application/x-parquet", "application/parquet":
		return FormatParquet, nil
	}
	return "", &Error{Kind: KindUnsupported, Msg: fmt.Sprintf("unsupported format %q (want csv, tsv, jsonl or parquet)", s)}
}

// FormatFromPath returns the format that the extension of path stands for
// (.csv, .tsv, .tab, .jsonl, .ndjson, .parquet; any case), and false if the
// extension is none of these.
func FormatFromPath(path string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return FormatCSV, true
	case ".tsv", ".tab":
		return FormatTSV, true
	case ".jsonl", ".ndjson":
		return FormatJSONL, true
	case ".parquet":
		return FormatParquet, true
	}
	return "", false
}

// A Charset names a text encoding. The empty Charset means "detect".
type Charset string

// Charsets sluice reads.
const (
	CharsetDetect  Charset = ""         // detect from the byte-order mark or the first bytes
	CharsetUTF8    Charset = "utf-8"    // UTF-8, with or without a byte-order mark
	CharsetUTF16   Charset = "utf-16"   // UTF-16, byte order from the byte-order mark, big-endian without one
	CharsetUTF16LE Charset = "utf-16le" // UTF-16 little-endian
	CharsetUTF16BE Charset = "utf-16be" // UTF-16 big-endian
	CharsetGB18030 Charset = "gb18030"  // GB 18030, which includes GBK and GB 2312
)

// ParseCharset returns the charset named by s, ignoring case, spaces and
// the difference between "-" and "_". Aliases: utf8 → utf-8; utf-16,
// ucs-2 → utf-16; gbk, gb2312, cp936, euc-cn → gb18030 (a superset of
// each); latin1, iso-8859-1 → latin1 (read as windows-1252); any other
// label of the WHATWG encoding standard (golang.org/x/text/encoding/htmlindex)
// of these, and big5. "" and "auto" return [CharsetDetect]. An unknown name is an
// *[Error] of kind [KindUnsupported].
func ParseCharset(s string) (Charset, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.ReplaceAll(t, "_", "-")
	switch t {
	case "", "auto", "detect":
		return CharsetDetect, nil
	case "utf-8", "utf8", "unicode-1-1-utf-8", "us-ascii", "ascii":
		return CharsetUTF8, nil
	case "utf-16", "utf16", "ucs-2", "ucs2", "unicode":
		return CharsetUTF16, nil
	case "utf-16le", "utf16le", "utf-16-le", "ucs-2le":
		return CharsetUTF16LE, nil
	case "utf-16be", "utf16be", "utf-16-be", "ucs-2be":
		return CharsetUTF16BE, nil
	case "gb18030", "gb-18030", "gbk", "gb2312", "gb-2312", "cp936", "windows-936", "euc-cn", "x-gbk", "csgb2312", "chinese":
		return CharsetGB18030, nil
	case "latin1", "latin-1":
		return CharsetLatin1, nil
	}
	if cs := charsetByName(t); cs != "" {
		return cs, nil
	}
	return "", &Error{Kind: KindUnsupported, Msg: fmt.Sprintf("unsupported charset %q (want %s)", s, charsetNames)}
}

// CharsetFromMediaType returns the charset parameter of a media type such as
// "text/csv; charset=GBK", or [CharsetDetect] if it has none.
func CharsetFromMediaType(mediaType string) (Charset, error) {
	_, params, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return CharsetDetect, nil
	}
	return ParseCharset(params["charset"])
}

// Limits applied when an [Options] field is zero or negative.
const (
	DefaultMaxFieldBytes  = 1 << 20  // 1 MiB per value
	DefaultMaxRecordBytes = 16 << 20 // 16 MiB per record (a line, or a quoted CSV record over several lines)
	DefaultMaxDepth       = 64       // nesting of JSON objects and arrays
	DefaultMaxFields      = 1 << 16  // fields in one record
)

// Options configure a [Reader]. The zero value detects the format and the
// charset and applies the default limits.
type Options struct {
	// Format of the input. Empty means sniff it from the first line: "{"
	// opens JSONL, a header with tabs and no commas is TSV, anything else
	// is CSV. Always set it when the caller knows.
	Format Format

	// Charset of text input; empty means detect. Ignored for Parquet.
	Charset Charset

	// Delimiter separates the fields of CSV: ',', ';', '\t' or '|'. Zero
	// means sniff it from the first bytes ([SniffDelimiter]). TSV is always
	// tab-separated.
	Delimiter byte

	// MaxFieldBytes bounds one value, in bytes of UTF-8 after decoding.
	MaxFieldBytes int

	// MaxRecordBytes bounds one record, in bytes of UTF-8 after decoding.
	// It is also the most a reader buffers, so it bounds memory.
	MaxRecordBytes int

	// MaxDepth bounds the nesting of JSON objects and arrays; the top-level
	// object is depth 1.
	MaxDepth int

	// MaxFields bounds the number of fields in one record: the columns of
	// a CSV or TSV header, the leaves of a JSON object. It keeps a record
	// of a million separators from making a reader hold a million values.
	MaxFields int
}

func (o Options) withDefaults() Options {
	if o.MaxFieldBytes <= 0 {
		o.MaxFieldBytes = DefaultMaxFieldBytes
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxFields <= 0 {
		o.MaxFields = DefaultMaxFields
	}
	return o
}

// A Record is one row of input.
//
// Names and Values are parallel: Values[i] is the value of field Names[i].
// A reader reuses the Record, its Names slice and its Values slice: they are
// valid only until the next call to Read, so copy the slices to keep them.
// The strings themselves are never overwritten and may be kept. For CSV and
// TSV, Names is the header, shared by every record. Every reader hands out
// the same Names slice (the same first element) as for the previous record
// only when the names are the same, so consumers may key work they derive
// from the names, such as a field's position, on &Names[0]; a record whose
// names differ (a JSONL object with other keys) gets a slice of its own.
type Record struct {
	// Line is the 1-based line where the record starts (for Parquet, the
	// 1-based row number in the file).
	Line   int
	Names  []string
	Values []string
}

// A Reader streams records.
type Reader interface {
	// Read returns the next record, or io.EOF after the last one. Any other
	// error ends the stream: it is an *Error for bad input, or the error of
	// the underlying reader.
	Read() (*Record, error)

	// Charset returns the charset in use: the detected one when
	// Options.Charset was empty, and CharsetUTF8 for Parquet.
	Charset() Charset

	// Format returns the format being read.
	Format() Format

	// BytesRead returns how many bytes the reader has taken from its
	// input so far (for Parquet, the bytes requested through ReadAt). It
	// is meant for progress display and is safe to call from another
	// goroutine while Read runs.
	BytesRead() int64
}

// NewReader returns a Reader of CSV, TSV or JSONL text from r. It reads the
// first bytes to detect the charset (and the format, if not given), so it
// may return an error for input that is bad from the start. For Parquet, r
// must implement io.ReaderAt and io.Seeker (an *os.File does); otherwise use
// [NewParquetReader].
func NewReader(r io.Reader, opts Options) (Reader, error) {
	opts = opts.withDefaults()
	if opts.Format == FormatParquet {
		ra, ok := r.(io.ReaderAt)
		s, ok2 := r.(io.Seeker)
		if !ok || !ok2 {
			return nil, &Error{Kind: KindUnsupported, Msg: "parquet needs random access to the file; it cannot be read from a stream"}
		}
		size, err := s.Seek(0, io.SeekEnd)
		if err != nil {
			return nil, err
		}
		return NewParquetReader(ra, size, opts)
	}
	src, err := newSource(r, opts.Charset)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(src.raw[:src.rw], parquetMagic) && opts.Format == "" {
		return nil, &Error{Kind: KindUnsupported, Msg: "input is a Parquet file, which needs random access; it cannot be read from a stream"}
	}
	b := newTextBuf(src)
	if opts.Format == "" {
		opts.Format = b.sniff()
	}
	switch opts.Format {
	case FormatCSV:
		sep := opts.Delimiter
		if sep == 0 {
			for b.w-b.r < DetectPrefixBytes && b.more(len(b.buf)) {
			}
			sep = SniffDelimiter(b.buf[b.r:b.w])
		}
		return newCSVReader(b, opts, sep), nil
	case FormatTSV:
		return newCSVReader(b, opts, '\t'), nil
	case FormatJSONL:
		return newJSONLReader(b, opts), nil
	}
	return nil, &Error{Kind: KindUnsupported, Msg: fmt.Sprintf("unsupported format %q", opts.Format)}
}

var parquetMagic = []byte("PAR1")

// sniff guesses the format from the first line of text: JSONL if it opens
// with "{", TSV if it has a tab and no comma, else CSV.
func (b *textBuf) sniff() Format {
	for b.w-b.r < textBufSize/2 && b.more(len(b.buf)) {
	}
	p := b.buf[b.r:b.w]
	p = bytes.TrimLeft(p, " \t\r\n")
	if len(p) > 0 && p[0] == '{' {
		return FormatJSONL
	}
	if i := bytes.IndexByte(p, '\n'); i >= 0 {
		p = p[:i]
	}
	if bytes.IndexByte(p, '\t') >= 0 && bytes.IndexByte(p, ',') < 0 {
		return FormatTSV
	}
	return FormatCSV
}

// A Kind classifies an [Error].
type Kind int

// Error kinds.
const (
	KindMalformed   Kind = iota + 1 // bad input: syntax, invalid bytes, NUL bytes, bad header (HTTP 400)
	KindTooLarge                    // a value or a record over its limit (HTTP 413)
	KindUnsupported                 // a format, charset or column type sluice does not read (HTTP 415)
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case KindMalformed:
		return "malformed"
	case KindTooLarge:
		return "too large"
	case KindUnsupported:
		return "unsupported"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Code returns the sluice error code for the kind: EINVALID, ETOOLARGE or
// EUNSUPPORTED.
func (k Kind) Code() string {
	switch k {
	case KindTooLarge:
		return sluice.ETOOLARGE
	case KindUnsupported:
		return sluice.EUNSUPPORTED
	}
	return sluice.EINVALID
}

// An Error reports bad input and where it is. Line is the 1-based line (for
// Parquet, the row number) and 0 when it does not apply; Field is the
// field's name (the CSV/TSV header, the dotted JSON path, the Parquet
// column) or "". Msg says what is wrong, without the place.
//
// errors.As finds a *sluice.Error in an *Error, with the code from
// [Kind.Code], so sluice.ErrorCode and sluice.ErrorMessage work on it.
type Error struct {
	Line  int
	Field string
	Kind  Kind
	Msg   string
	Row   bool // Line counts rows (Parquet), not lines of text
}

// Error returns "line 3, field "name": msg", or "row 3, …" for a row.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		if e.Row {
			b.WriteString("row ")
		} else {
			b.WriteString("line ")
		}
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Field != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString("field ")
		b.WriteString(strconv.Quote(e.Field))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// As lets errors.As find a *sluice.Error in e.
func (e *Error) As(target any) bool {
	t, ok := target.(**sluice.Error)
	if !ok {
		return false
	}
	*t = &sluice.Error{Code: e.Kind.Code(), Message: e.message(), Line: e.Line, Field: e.Field}
	return true
}

// message returns the error as a sentence for end users.
func (e *Error) message() string {
	s := e.Error()
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
