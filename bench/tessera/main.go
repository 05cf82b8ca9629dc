// Command tessera appends entries to Tessera's POSIX log, as sluice's
// audit log appends its public entries, and prints entries per second:
// the figure bench/auditlog-vs-tessera.sh sets beside sluice's.
//
// Each of -writers goroutines appends one entry at a time and waits until
// Tessera has durably assigned it an index (its future resolves: the entry
// bundle and the tiles are written and fsynced), as each of sluice's
// writers waits for its commit. Entries are sluice's public entries
// (auditlog.Commit of an event: CommitmentSize bytes). Batches hold up to
// -batch entries and wait at most -age for more.
//
//	go run . -n 10000 -writers 64 -batch 256
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"

	"github.com/sluice-gateway/sluice/auditlog"
)

func main() {
	n := flag.Int("n", 10000, "entries to append")
	writers := flag.Int("writers", 64, "concurrent writers")
	batch := flag.Uint("batch", 256, "most entries per batch")
	age := flag.Duration("age", time.Millisecond, "longest a batch waits to fill")
	dir := flag.String("dir", "", "log directory (default: a new temporary one, removed after)")
	flag.Parse()
	if err := run(*n, *writers, *batch, *age, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "tessera:", err)
		os.Exit(1)
	}
}

func run(n, writers int, batch uint, age time.Duration, dir string) error {
	if n < 1 || writers < 1 || batch < 1 {
		return errors.New("-n, -writers and -batch must be at least 1")
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "tessera-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	skey, _, err := note.GenerateKey(rand.Reader, "bench.example/tessera")
	if err != nil {
		return err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	driver, err := posix.New(ctx, posix.Config{Path: dir})
	if err != nil {
		return err
	}
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithBatching(batch, age).
		WithCheckpointInterval(time.Second).
		WithPushback(uint(max(4096, 2*writers)))
	app, shutdown, _, err := tessera.NewAppender(ctx, driver, opts)
	if err != nil {
		return err
	}

	// The entries, made before the clock starts: sluice makes its own
	// within the measured time, which only favours Tessera.
	entries := make([][]byte, n)
	for i := range entries {
		leaf, _, err := auditlog.Commit(fmt.Appendf(nil, `{"action":"org.create","object":{"org":"org-%d"}}`, i))
		if err != nil {
			return err
		}
		entries[i] = leaf
	}

	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range writers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				if _, err := app.Add(ctx, tessera.NewEntry(entries[i]))(); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := failed.Load().(error); err != nil {
		return err
	}
	if err := shutdown(ctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	fmt.Printf("tessera-posix writers=%d batch=%d age=%s entries=%d entry-bytes=%d %.0f entries/s\n",
		writers, batch, age, n, auditlog.CommitmentSize, float64(n)/elapsed.Seconds())
	return nil
}
