package auditlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/sluice-gateway/sluice"
)

// DefaultInterval is how often a running Log looks for new entries.
const DefaultInterval = 50 * time.Millisecond

// DefaultMaxBatch is the most entries one integration step reads; a longer
// backlog is integrated in several steps, each with its own checkpoint.
const DefaultMaxBatch = 16384

// A Log integrates the entries of a store into its Merkle tree, signs
// checkpoints, serves the log (see [Log.Handler]) and proves inclusion.
type Log struct {
	Store Store
	Key   *Key

	// Interval is how often Run integrates; 0 means DefaultInterval.
	Interval time.Duration
	// MaxBatch is the most entries per integration step; 0 means
	// DefaultMaxBatch.
	MaxBatch int

	Logger *slog.Logger

	mu        sync.Mutex                 // one integration at a time in this process
	published atomic.Pointer[Checkpoint] // last checkpoint parsed by parseStored
}

// New returns a Log over store that signs with key.
func New(store Store, key *Key) *Log {
	return &Log{Store: store, Key: key}
}

// Run integrates new entries every Interval until ctx is done. Errors are
// logged, not fatal: the next round tries again.
func (l *Log) Run(ctx context.Context) {
	interval := l.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var failing bool
	for {
		if _, err := l.Integrate(ctx); err != nil && ctx.Err() == nil {
			if !failing { // once per outage, not once per tick
				l.logger().ErrorContext(ctx, "audit log integration failed", slog.Any("err", err))
			}
			failing = true
		} else if failing && err == nil {
			l.logger().InfoContext(ctx, "audit log integration recovered")
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Integrate integrates every entry sequenced so far into the tree and
// returns the latest checkpoint. If another integrator sharing the store
// is at work, it returns the stored checkpoint as it is.
func (l *Log) Integrate(ctx context.Context) (*Checkpoint, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	unlock, ok, err := l.Store.LockIntegration(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock integration: %w", err)
	} else if !ok {
		return l.Checkpoint(ctx)
	}
	defer unlock()
	for {
		cp, more, err := l.integrateStep(ctx)
		if err != nil || !more {
			return cp, err
		}
	}
}

// integrateStep integrates up to MaxBatch entries. more reports whether
// there may be more to do.
func (l *Log) integrateStep(ctx context.Context) (_ *Checkpoint, more bool, err error) {
	old, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, false, err
	}
	if old == nil { // a new log: start with the empty tree
		empty, _ := tlog.TreeHash(0, nil)
		cp, err := signCheckpoint(l.Key, 0, empty)
		if err != nil {
			return nil, false, err
		}
		if err := l.Store.WriteTree(ctx, 0, &TreeUpdate{Size: 0, Root: empty[:], Checkpoint: cp.Note}); err != nil && !isConflict(err) {
			return nil, false, err
		}
		return nil, true, nil
	}
	max := l.MaxBatch
	if max <= 0 {
		max = DefaultMaxBatch
	}
	entries, err := l.Store.ReadEntries(ctx, old.Size, int64(max))
	if err != nil {
		return nil, false, fmt.Errorf("read entries: %w", err)
	} else if len(entries) == 0 {
		return old, false, nil
	}
	u, err := extend(ctx, l.Store, old, entries)
	if err != nil {
		return nil, false, err
	}
	cp, err := signCheckpoint(l.Key, u.Size, tlog.Hash(u.Root))
	if err != nil {
		return nil, false, err
	}
	u.Checkpoint = cp.Note
	if err := l.Store.WriteTree(ctx, old.Size, u); isConflict(err) {
		return nil, true, nil // another integrator was first; start again from its tree
	} else if err != nil {
		return nil, false, fmt.Errorf("write tree: %w", err)
	}
	return cp, len(entries) == max, nil
}

// extend computes the tree that adds entries to the stored tree of
// checkpoint old: the new root and every tile that changed. It refuses to
// build on stored tiles that do not hash to old's root.
func extend(ctx context.Context, store Store, old *Checkpoint, entries [][]byte) (*TreeUpdate, error) {
	r := newHashReader(tlog.StoredHashCount(old.Size), storeLoader(ctx, store))
	if root, err := tlog.TreeHash(old.Size, r); err != nil {
		return nil, fmt.Errorf("read tree of size %d: %w", old.Size, err)
	} else if root != old.Root {
		return nil, fmt.Errorf("auditlog: the stored tiles hash to %s, but the stored checkpoint of size %d says %s: the tree was altered in the store", root, old.Size, old.Root)
	}
	r.fresh = make([]tlog.Hash, 0, 2*len(entries)+64)
	for i, data := range entries {
		hs, err := tlog.StoredHashes(old.Size+int64(i), data, r)
		if err != nil {
			return nil, fmt.Errorf("hash entry %d: %w", old.Size+int64(i), err)
		}
		r.fresh = append(r.fresh, hs...)
	}
	size := old.Size + int64(len(entries))
	root, err := tlog.TreeHash(size, r)
	if err != nil {
		return nil, fmt.Errorf("tree hash: %w", err)
	}
	u := &TreeUpdate{Size: size, Root: root[:]}
	for _, t := range tlog.NewTiles(TileHeight, old.Size, size) {
		data, err := tlog.ReadTileData(t, r)
		if err != nil {
			return nil, fmt.Errorf("tile %s: %w", TilePath(t.L, t.N, t.W), err)
		}
		u.Tiles = append(u.Tiles, Tile{Level: t.L, Index: t.N, Hashes: data})
	}
	return u, nil
}

// Checkpoint returns the latest stored checkpoint, verified with the log's
// key, or nil if none was stored yet.
func (l *Log) Checkpoint(ctx context.Context) (*Checkpoint, error) {
	msg, err := l.Store.ReadCheckpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	} else if msg == nil {
		return nil, nil
	}
	cp, err := l.parseStored(msg)
	if err != nil {
		return nil, fmt.Errorf("stored checkpoint: %w (every server sharing a store must use the same log key)", err)
	}
	if cp.Origin != l.Key.Origin() {
		return nil, fmt.Errorf("stored checkpoint has origin %q, the log key %q", cp.Origin, l.Key.Origin())
	}
	return cp, nil
}

// Sync integrates, then waits until a checkpoint covers at least size
// entries (another replica may be integrating them) and returns it.
func (l *Log) Sync(ctx context.Context, size int64) (*Checkpoint, error) {
	for {
		cp, err := l.Integrate(ctx)
		if err != nil {
			return nil, err
		}
		if cp != nil && cp.Size >= size {
			return cp, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// ProveInclusion returns the proof that entry idx is in the tree of cp,
// for [tlog.CheckRecord].
func (l *Log) ProveInclusion(ctx context.Context, cp *Checkpoint, idx int64) (tlog.RecordProof, error) {
	if idx < 0 || idx >= cp.Size {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Entry %d is not in the tree of size %d.", idx, cp.Size)
	}
	return tlog.ProveRecord(cp.Size, idx, newHashReader(tlog.StoredHashCount(cp.Size), storeLoader(ctx, l.Store)))
}

// ProveConsistency returns the proof that the tree of cp extends the tree
// of size old, for [tlog.CheckTree].
func (l *Log) ProveConsistency(ctx context.Context, cp *Checkpoint, old int64) (tlog.TreeProof, error) {
	if old < 0 || old > cp.Size {
		return nil, errors.New("auditlog: old size is beyond the tree")
	}
	return tlog.ProveTree(cp.Size, old, newHashReader(tlog.StoredHashCount(cp.Size), storeLoader(ctx, l.Store)))
}

func (l *Log) logger() *slog.Logger {
	if l.Logger == nil {
		return slog.Default()
	}
	return l.Logger
}
