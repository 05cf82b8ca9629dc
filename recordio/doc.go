// Package recordio streams records out of CSV, TSV, JSONL and Parquet
// input. Ingest over HTTP and `sluice scan` both read through it, so a file
// means the same thing to both, and bad input is rejected with the same
// message naming its line and field.
//
// A [Reader] returns one [Record] at a time: the line where it starts and
// parallel slices of field names and values. [NewReader] reads text
// formats from an io.Reader; [NewParquetReader] reads Parquet from an
// io.ReaderAt.
//
//	r, err := recordio.NewReader(body, recordio.Options{Format: recordio.FormatCSV})
//	if err != nil {
//		return err
//	}
//	for {
//		rec, err := r.Read()
//		if err == io.EOF {
//			break
//		} else if err != nil {
//			return err // an *recordio.Error for bad input
//		}
//		use(rec.Names, rec.Values)
//	}
//
// # Formats
//
// CSV ([FormatCSV]) has a header row and RFC 4180 quoting, with the exact
// semantics of encoding/csv's defaults: a quoted value may hold commas,
// newlines and doubled quotes; "\r\n" ends a line like "\n"; empty lines
// are skipped; a quote inside an unquoted value is an error.
//
// TSV ([FormatTSV]) has a header row and one record per line, fields cut at
// tabs. It has no quoting: quotes are ordinary characters, and a value
// cannot hold a tab or a newline. Empty lines are skipped.
//
// JSONL ([FormatJSONL]) holds one JSON object per line; blank lines are
// skipped. Nested objects become dotted field paths ({"a":{"b":1}} gives
// the field "a.b"); an empty nested object gives no field. Arrays are kept
// as their compact JSON text, numbers as written, true and false as text,
// and null as the empty value. Keys may not be empty, and a field may not
// appear twice (a repeated key, or "a.b" next to {"a":{"b":…}}). A \u
// escape of a lone surrogate or of NUL is an error.
//
// Parquet ([FormatParquet]) is read with github.com/parquet-go/parquet-go;
// see [NewParquetReader] for how values become text and which column types
// are not supported.
//
// For CSV and TSV every record has the header's names, in its order, and a
// header must name every column once. For JSONL each record has the fields
// of its own line, in their order. The values of a record are substrings
// of one string allocated for it: they may be kept, while the Record and
// its slices are reused by the next Read.
//
// # Charsets
//
// Text may be UTF-8 (with or without a byte-order mark), UTF-16LE or
// UTF-16BE with a byte-order mark, or GB18030 (which includes GBK and
// GB 2312). [Options].Charset forces one; otherwise a byte-order mark
// decides, and without one the first [DetectPrefixBytes] decide: valid
// UTF-8 is UTF-8, else text that decodes strictly as GB18030 is GB18030,
// else the input is rejected. [Reader.Charset] tells which was chosen, and
// [Detect] applies the same rules to a prefix. [ParseCharset] reads the
// usual names and aliases (GBK and GB 2312 are read as GB18030, their
// superset), [CharsetFromMediaType] the charset parameter of a
// Content-Type, and [ParseFormat] and [FormatFromPath] the format from a
// name, a media type or a file extension.
//
// Decoding is strict: a byte sequence that is invalid in the charset,
// anywhere in the stream, is an error naming its line, never a silent
// U+FFFD. (A lone byte 0x80, which code page 936 and web browsers read as
// the euro sign, is not GB18030 and is rejected.) A NUL byte is an error too: text has none, so the input is
// binary (or UTF-16 without a byte-order mark).
//
// # Limits
//
// [Options] bounds a value (MaxFieldBytes, default [DefaultMaxFieldBytes]),
// a record (MaxRecordBytes, default [DefaultMaxRecordBytes]), the nesting
// of JSON (MaxDepth, default [DefaultMaxDepth]) and the number of fields in
// a record (MaxFields, default [DefaultMaxFields]). Sizes count bytes of
// UTF-8 after decoding. A reader stops as soon as input passes a limit,
// without reading the rest of the line, so memory stays bounded by the
// limits (a few times MaxRecordBytes at worst, about 200 KiB for ordinary
// CSV) whatever the size of the input.
//
// [Reader.BytesRead] counts the input consumed so far, for progress
// display; it may be called from another goroutine.
//
// # Errors
//
// Bad input is an *[Error] with the 1-based Line (the row number for
// Parquet), the Field (the header's name for CSV and TSV, the dotted path
// for JSONL, the column for Parquet) when one applies, and a [Kind]:
//
//   - [KindMalformed]: syntax errors (ragged rows, with the expected and
//     actual number of fields; broken or unterminated quotes, naming the
//     line where the quote opened; invalid JSON; a line that is not a JSON
//     object), a bad header, bytes invalid in the charset, NUL bytes.
//   - [KindTooLarge]: a value, a record, a nesting depth or a number of
//     fields over its limit.
//   - [KindUnsupported]: a format, charset or Parquet column type sluice
//     does not read.
//
// [Kind.Code] maps each kind to a sluice error code (EINVALID, ETOOLARGE,
// EUNSUPPORTED), and errors.As finds a *sluice.Error in an *Error, so
// sluice.ErrorCode and sluice.ErrorMessage work on what a Reader returns.
// Errors of the underlying io.Reader are returned as they are.
package recordio
