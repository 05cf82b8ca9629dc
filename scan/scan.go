// Package scan classifies the fields of files: it walks paths, picks each
// file's format, reads it with [recordio] and classifies every value with
// [classify]. It is the file side of `sluice scan`; the server classifies
// uploads with classify directly.
//
// # Speed
//
// UTF-8 CSV and TSV (the common case, and the large one) take a fast path:
// the input is cut into chunks of whole records, which several goroutines
// parse and classify at once ([Options].Workers), each with its own
// [classify.Scanner], merged at the end. Cutting is cheap: each worker
// checks its chunk's text (valid UTF-8, no NUL bytes) in the pass that
// classifies it, so the cutter does not become the bottleneck as workers
// are added. Where the workers leave a core free, a reader goroutine cuts
// ahead of them; where they take every core, they cut their chunks
// themselves, one at a time, each reading its chunk into a buffer that
// its own core's cache then holds. A worker hands its records
// to the scanner a few thousand values at a time
// ([classify.Scanner.AddRecords]), which classifies them field by field.
// The fast path accepts the same input as recordio's CSV and TSV readers
// and rejects bad input with the same messages. Other charsets and formats
// are read with recordio on one goroutine.
package scan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/recordio"
)

// Options configure a scan.
type Options struct {
	// Catalog classifies the values; nil means [classify.DefaultCatalog].
	Catalog *classify.Catalog

	// Sample, when positive, reads only the first Sample records of each
	// file.
	Sample int64

	// Workers is the number of goroutines that parse and classify a UTF-8
	// CSV or TSV file; less than 1 means 1.
	Workers int

	// Sector is the organisation's sector (e.g. "automotive"), for the
	// dataset grade's sector rules.
	Sector string

	// Limits bound values, records and nesting as in recordio; zero
	// fields take recordio's defaults.
	Limits recordio.Options

	// Progress, when set, is updated as input is read.
	Progress *Progress

	// AsOf is the reference date: birth dates after it are invalid, and
	// people born less than 14 years before it are minors. Zero means the
	// day each file's scan starts.
	AsOf time.Time
}

// Progress counts input read, for a progress display that polls it from
// another goroutine.
type Progress struct {
	Total atomic.Int64 // bytes of all regular files to scan, known up front
	Done  atomic.Int64 // bytes read so far
}

// A Result is the classification of one file.
type Result struct {
	Path    string
	Format  recordio.Format
	Charset recordio.Charset
	Records int64 // records classified (at most Options.Sample)
	Sampled bool  // reading stopped at Options.Sample records
	Fields  []classify.FieldResult

	// DistinctSubjects estimates the number of people the file is about.
	DistinctSubjects int64
	// Grade is the dataset's grade; Reasons say why.
	Grade   string
	Reasons []classify.Reason
	// Sectors are the entries of the organisation's sector catalogues
	// (Options.Sector) that the fields reach, highest level first: each
	// field's class and level in its sector's standard.
	Sectors []classify.SectorMatch

	// AsOf is the reference date the file was classified at, YYYYMMDD.
	AsOf int
}

// Sensitive reports whether any field holds sensitive personal information
// under the CN rules.
func (r *Result) Sensitive() bool {
	for _, f := range r.Fields {
		if f.Sensitive {
			return true
		}
	}
	return false
}

// A FileError reports a file that could not be scanned.
type FileError struct {
	Path string
	Err  error
}

// Error returns "path: line 3, field "x": message".
func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// errNotRegular refuses a path that is neither a regular file nor a
// directory.
var errNotRegular = errors.New("not a regular file or directory (a FIFO, socket or device); to scan a stream, pipe it to - (standard input)")

// Stdin is the path that names standard input.
const Stdin = "-"

// Paths scans each path in turn: a file, a directory (recursively, files
// with a known extension: .csv, .tsv, .tab, .jsonl, .ndjson, .parquet), or
// [Stdin]. It calls fn with each file's result or, for a file that cannot be
// read or holds bad input, with a *FileError; the scan goes on with the next
// file. Paths returns an error only when ctx ends or a path does not exist.
func Paths(ctx context.Context, paths []string, stdin io.Reader, opts Options, fn func(*Result, error)) error {
	type item struct {
		path string
		size int64
	}
	var items []item
	for _, p := range paths {
		if p == Stdin {
			items = append(items, item{path: p})
			continue
		}
		st, err := os.Stat(p) // follows a symbolic link named as an argument
		if err != nil {
			return sluice.Errorf(sluice.ENOTFOUND, "%s: no such file or directory.", p)
		}
		if !st.IsDir() && !st.Mode().IsRegular() {
			// Opening a FIFO would wait for a writer, and a device has no
			// end: only standard input is read as a stream.
			fn(nil, &FileError{Path: p, Err: errNotRegular})
			continue
		}
		if !st.IsDir() {
			items = append(items, item{p, st.Size()})
			continue
		}
		root := p
		if r, err := filepath.EvalSymlinks(p); err == nil && r != p {
			root = r // a link to a directory: walk what it names
		}
		var found []item
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				fn(nil, &FileError{Path: path, Err: err})
				return nil
			}
			if d.Type().IsRegular() {
				if _, ok := recordio.FormatFromPath(path); ok {
					info, err := d.Info()
					if err == nil {
						found = append(found, item{path, info.Size()})
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if root != p {
			// Report the files under the name given.
			for k := range found {
				if rel, err := filepath.Rel(root, found[k].path); err == nil {
					found[k].path = filepath.Join(p, rel)
				}
			}
		}
		sort.Slice(found, func(i, j int) bool { return found[i].path < found[j].path })
		items = append(items, found...)
	}
	if opts.Progress != nil {
		for _, it := range items {
			opts.Progress.Total.Add(it.size)
		}
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		var res *Result
		var err error
		if it.path == Stdin {
			res, err = Reader(ctx, Stdin, stdin, "", opts)
		} else {
			res, err = File(ctx, it.path, opts)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fn(nil, &FileError{Path: it.path, Err: err})
			continue
		}
		fn(res, nil)
	}
	return nil
}

// File scans the file at path. The format comes from the extension, or from
// the content when the extension is not a known one.
func File(ctx context.Context, path string, opts Options) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	format, _ := recordio.FormatFromPath(path)
	if format == "" {
		var magic [4]byte
		if n, _ := f.ReadAt(magic[:], 0); n == 4 && string(magic[:]) == "PAR1" {
			format = recordio.FormatParquet
		}
	}
	if format == recordio.FormatParquet {
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		rd, err := recordio.NewParquetReader(countingReaderAt{f, opts.Progress}, st.Size(), opts.Limits)
		if err != nil {
			return nil, err
		}
		return readAll(ctx, path, rd, opts)
	}
	return Reader(ctx, path, f, format, opts)
}

type countingReaderAt struct {
	r io.ReaderAt
	p *Progress
}

func (c countingReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(b, off)
	if c.p != nil {
		c.p.Done.Add(int64(n))
	}
	return n, err
}

// sniffBytes is how much input decides the charset and the format.
const sniffBytes = 64 << 10

// Reader scans text input (CSV, TSV or JSONL; format "" sniffs it) named
// name.
func Reader(ctx context.Context, name string, r io.Reader, format recordio.Format, opts Options) (*Result, error) {
	br := bufio.NewReaderSize(r, sniffBytes)
	prefix, _ := br.Peek(sniffBytes)
	atEOF := len(prefix) < sniffBytes
	if format == "" {
		format = sniffFormat(prefix)
	}
	if format == recordio.FormatParquet {
		return nil, &recordio.Error{Kind: recordio.KindUnsupported, Msg: "input is a Parquet file, which needs random access; it cannot be read from a stream"}
	}
	cs, err := recordio.Detect(prefix, atEOF)
	if err == nil && cs == recordio.CharsetUTF8 && (format == recordio.FormatCSV || format == recordio.FormatTSV) && (opts.Limits.Charset == "" || opts.Limits.Charset == recordio.CharsetUTF8) {
		return fastFile(ctx, name, br, format, opts)
	}
	var progress io.Reader = br
	if opts.Progress != nil {
		progress = &countingReader{br, &opts.Progress.Done}
	}
	lim := opts.Limits
	lim.Format = format
	rd, err := recordio.NewReader(progress, lim)
	if err != nil {
		return nil, err
	}
	return readAll(ctx, name, rd, opts)
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// sniffFormat guesses the format of text from its first line, as recordio
// does.
func sniffFormat(prefix []byte) recordio.Format {
	if bytes.HasPrefix(prefix, []byte("PAR1")) {
		return recordio.FormatParquet
	}
	p := bytes.TrimLeft(prefix, "\xef\xbb\xbf \t\r\n")
	if len(p) > 0 && p[0] == '{' {
		return recordio.FormatJSONL
	}
	first := p
	if i := bytes.IndexByte(p, '\n'); i >= 0 {
		first = p[:i]
	}
	if bytes.IndexByte(first, '\t') >= 0 && bytes.IndexByte(first, ',') < 0 {
		return recordio.FormatTSV
	}
	return recordio.FormatCSV
}

func fastFile(ctx context.Context, name string, br *bufio.Reader, format recordio.Format, opts Options) (*Result, error) {
	// Drop a UTF-8 byte-order mark.
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
		if opts.Progress != nil {
			opts.Progress.Done.Add(3)
		}
	}
	// The same delimiter recordio would read the file with.
	sep := opts.Limits.Delimiter
	switch {
	case format == recordio.FormatTSV:
		sep = '\t'
	case sep == 0:
		prefix, _ := br.Peek(recordio.DetectPrefixBytes)
		sep = recordio.SniffDelimiter(prefix)
	}
	var read *atomic.Int64
	if opts.Progress != nil {
		read = &opts.Progress.Done
	}
	cat := catalog(opts)
	fr, err := fastScan(ctx, br, sep, func() sink { return newScanner(cat, opts) }, opts.Workers, opts.Sample, opts.Limits, read)
	if err != nil {
		return nil, err
	}
	res := &Result{Path: name, Format: format, Charset: recordio.CharsetUTF8, Records: fr.records}
	res.Sampled = opts.Sample > 0 && fr.records >= opts.Sample
	sc := newScanner(cat, opts)
	for _, n := range fr.names {
		sc.Field(n) // fields in header order, even without records
	}
	for _, s := range fr.sinks {
		sc.Merge(s.(*classify.Scanner))
	}
	finish(res, sc, cat, opts)
	return res, nil
}

// newScanner returns a scanner of cat with the reference date of opts.
func newScanner(cat *classify.Catalog, opts Options) *classify.Scanner {
	sc := cat.NewScanner()
	if !opts.AsOf.IsZero() {
		sc.SetAsOf(opts.AsOf)
	}
	return sc
}

func catalog(opts Options) *classify.Catalog {
	if opts.Catalog != nil {
		return opts.Catalog
	}
	return classify.DefaultCatalog()
}

// readAll classifies every record a recordio reader returns.
func readAll(ctx context.Context, name string, rd recordio.Reader, opts Options) (*Result, error) {
	cat := catalog(opts)
	sc := newScanner(cat, opts)
	res := &Result{Path: name, Format: rd.Format(), Charset: rd.Charset()}
	for {
		if res.Records&1023 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if opts.Sample > 0 && res.Records >= opts.Sample {
			res.Sampled = true
			break
		}
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *recordio.Error
			if errors.As(err, &re) {
				return nil, err
			}
			return nil, fmt.Errorf("read: %w", err)
		}
		sc.Add(rec.Names, rec.Values)
		res.Records++
	}
	finish(res, sc, cat, opts)
	return res, nil
}

func finish(res *Result, sc *classify.Scanner, cat *classify.Catalog, opts Options) {
	res.AsOf = sc.AsOf()
	res.Fields = sc.Fields()
	res.DistinctSubjects = sc.DistinctSubjects()
	res.Grade, res.Reasons = cat.DatasetGrade(res.Fields, res.DistinctSubjects, opts.Sector)
	classify.ApplyGrade(res.Fields, res.Reasons)
	res.Sectors = cat.SectorLevels(res.Fields, opts.Sector)
}
