package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/httpapi"
	"github.com/sluice-gateway/sluice/recordio"
)

func runIngest(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "ingest", "ingest --dataset ID [--input-format F] [--charset C] FILE", `
export SLUICE_URL=http://127.0.0.1:8080 SLUICE_KEY=sk_...
sluice ingest --dataset 1 trips.csv
sluice ingest --dataset 2 --charset gb18030 orders.tsv`)
	serverURL := fs.String("url", envOr(env, "SLUICE_URL", "http://"+DefaultAddr), "server URL (env SLUICE_URL)")
	key := fs.String("key", env.Getenv("SLUICE_KEY"), "owner API key (env SLUICE_KEY)")
	dataset := fs.Int64("dataset", 0, "dataset id (required)")
	format := fs.String("input-format", "", "the file's format: csv, tsv, jsonl or parquet (default: from the file name)")
	fs.StringVar(format, "format", "", "the same as --input-format (an older spelling)")
	charset := fs.String("charset", "", "utf-8, utf-16le, utf-16be, gb18030, big5 or latin1 (default: detected by the server)")
	delimiter := fs.String("delimiter", "", "CSV field `delimiter`: comma, semicolon, tab or pipe (default: sniffed by the server)")
	batchID := fs.String("batch-id", "", "idempotency key: sending the same upload again with the same `ID` stores nothing twice")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *dataset == 0 || fs.NArg() != 1 {
		fmt.Fprintln(env.Stderr, "sluice ingest: give --dataset and one FILE (- for standard input)")
		return errUsage
	}
	if *key == "" {
		return sluice.Errorf(sluice.EUNAUTHORIZED, "No API key: set --key or SLUICE_KEY.")
	}
	path := fs.Arg(0)
	if *format == "" {
		f, ok := recordio.FormatFromPath(path)
		if !ok {
			return sluice.Errorf(sluice.EINVALID, "Cannot tell the format of %s from its name: set --input-format.", path)
		}
		*format = string(f)
	}
	var body io.Reader = env.Stdin
	size := int64(-1)
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
		body = f
	}
	pr := &progressReader{r: body}
	stop := func() {}
	if isTerminal(env.Stderr) {
		stop = pr.show(env.Stderr, size)
	}
	c := httpapi.NewClient(*serverURL, *key)
	res, err := c.Ingest(ctx, *dataset, pr, httpapi.IngestOptions{Format: *format, Charset: *charset, Delimiter: *delimiter, Size: size, BatchID: *batchID})
	stop() // the bar is gone before anything else is printed
	if err != nil {
		if e := (*sluice.Error)(nil); errors.As(err, &e) && e.Line > 0 {
			return fmt.Errorf("%s: %s", path, e.Message)
		}
		return err
	}
	if *asJSON {
		return printJSON(env, res)
	}
	fmt.Fprintf(env.Stdout, "Ingested %d records into dataset %d %q (ingest %d, %s, %s). The dataset now holds %d records in region %s.\n",
		res.Ingest.RecordCount, res.Dataset.ID, res.Dataset.Name, res.Ingest.ID, res.Format, res.Charset, res.Dataset.RecordCount, res.Dataset.Region)
	if m := res.Ingest.Minimisation; m != nil && len(m.Excess) > 0 {
		verb := "kept"
		if len(m.Stripped) > 0 {
			verb = "dropped before storage"
		}
		fmt.Fprintf(env.Stdout, "Minimisation (%s): %d field(s) beyond the necessary scope of %s, %s: %s; %d people affected.\n",
			m.Mode, len(sluice.ExcessFieldNames(m.Excess)), m.AppType, verb, strings.Join(sluice.ExcessFieldNames(m.Excess), ", "), m.Subjects)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressReader counts the bytes read through it.
type progressReader struct {
	r io.Reader
	n atomic.Int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n.Add(int64(n))
	return n, err
}

// show draws a progress bar on w twice a second until the returned func is
// called.
func (p *progressReader) show(w io.Writer, total int64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				fmt.Fprint(w, "\r"+progressLine(p.n.Load(), total, time.Since(start)))
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-finished }) }
}

// progressLine renders "[#####.....]  45%  450 MB / 1.0 GB  120 MB/s".
func progressLine(n, total int64, elapsed time.Duration) string {
	rate := float64(n) / max(elapsed.Seconds(), 0.001)
	if total <= 0 {
		return fmt.Sprintf("sent %s  %s/s", humanBytes(float64(n)), humanBytes(rate))
	}
	frac := min(float64(n)/float64(total), 1)
	const width = 30
	bar := strings.Repeat("#", int(frac*width)) + strings.Repeat(".", width-int(frac*width))
	return fmt.Sprintf("[%s] %3.0f%%  %s / %s  %s/s", bar, frac*100, humanBytes(float64(n)), humanBytes(float64(total)), humanBytes(rate))
}

func humanBytes(n float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	i := 0
	for n >= 1000 && i < len(units)-1 {
		n /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f %s", n, units[i])
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}
