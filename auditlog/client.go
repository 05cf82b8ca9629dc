package auditlog

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	"golang.org/x/sync/errgroup"
)

// DefaultConcurrency is how many tiles a Client fetches at once.
const DefaultConcurrency = 8

// Limits on what a Client reads: a checkpoint note, and an entry bundle
// (256 entries of at most 65,535 bytes, each with its 2-byte length).
const (
	maxCheckpointBytes = 1 << 20
	maxBundleBytes     = TileWidth * (2 + 65535)
)

// A Client reads a C2SP tlog-tiles log over HTTP and verifies it: any such
// log, not only sluice's.
type Client struct {
	// URL is the log's prefix, e.g. "http://127.0.0.1:8080/log".
	URL string
	// Verifier checks the checkpoint's signature.
	Verifier note.Verifier
	// HTTP is the client used; nil means http.DefaultClient.
	HTTP *http.Client
	// Concurrency is how many tiles are fetched at once; 0 means
	// DefaultConcurrency.
	Concurrency int
}

// NewClient returns a client of the log at prefix url whose checkpoints
// v verifies.
func NewClient(url string, v note.Verifier) *Client {
	return &Client{URL: strings.TrimRight(url, "/"), Verifier: v}
}

// FetchCheckpoint fetches the log's checkpoint, verifies its signature
// and parses it.
func (c *Client) FetchCheckpoint(ctx context.Context) (*Checkpoint, error) {
	msg, err := c.get(ctx, CheckpointPath, maxCheckpointBytes)
	if err != nil {
		return nil, err
	}
	cp, err := OpenCheckpoint(msg, c.Verifier)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", CheckpointPath, err)
	}
	return cp, nil
}

// A Tree is the verified hash tiles of a log at one checkpoint. It is a
// [tlog.HashReader] of that tree.
type Tree struct {
	Checkpoint *Checkpoint

	tiles map[tileKey][]byte
}

// ReadHashes implements tlog.HashReader.
func (t *Tree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return t.reader(nil).ReadHashes(indexes)
}

// reader returns a hash reader of t's tiles that records in used the
// paths of the tiles it reads.
func (t *Tree) reader(used *[]string) *hashReader {
	size := t.Checkpoint.Size
	return newHashReader(tlog.StoredHashCount(size), func(level int, index int64) ([]byte, error) {
		data, ok := t.tiles[tileKey{level, index}]
		if !ok {
			return nil, fmt.Errorf("auditlog: tile %d/%d is not in the tree of size %d", level, index, size)
		}
		if used != nil {
			*used = append(*used, TilePath(level, index, len(data)/tlog.HashSize))
		}
		return data, nil
	})
}

// FetchTree fetches every hash tile of the tree of cp and verifies them:
// the root they hash to must be cp's, and each full tile must hash to the
// hash its parent tile holds for it. Any other outcome is an error that
// names the tile: a *TileError or a *RootError.
func (c *Client) FetchTree(ctx context.Context, cp *Checkpoint) (*Tree, error) {
	list := tlog.NewTiles(TileHeight, 0, cp.Size)
	data := make([][]byte, len(list))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.concurrency())
	for i, t := range list {
		g.Go(func() error {
			path := TilePath(t.L, t.N, t.W)
			b, err := c.get(gctx, path, TileWidth*tlog.HashSize+1)
			if err != nil {
				return err
			} else if len(b) != t.W*tlog.HashSize {
				return &TileError{Path: path, Reason: fmt.Sprintf("is %d bytes, want %d (%d hashes)", len(b), t.W*tlog.HashSize, t.W)}
			}
			data[i] = b
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	tree := &Tree{Checkpoint: cp, tiles: make(map[tileKey][]byte, len(list))}
	for i, t := range list {
		tree.tiles[tileKey{t.L, t.N}] = data[i]
	}

	// The root, from the tiles at the right edge of each level.
	var used []string
	root, err := tlog.TreeHash(cp.Size, tree.reader(&used))
	if err != nil {
		return nil, err
	}
	if root != cp.Root {
		return nil, &RootError{Checkpoint: cp, Got: root, Tiles: slices.Compact(used)}
	}
	// Each full tile against its parent, top down: a bad tile is found
	// before the tiles below it, which would not match it either.
	slices.SortStableFunc(list, func(a, b tlog.Tile) int { return b.L - a.L })
	r := tree.reader(nil)
	for _, t := range list {
		if t.W != TileWidth {
			continue
		}
		d := tree.tiles[tileKey{t.L, t.N}]
		top := TileHeight*t.L + TileHeight - 1 // the tile's top level below its root
		left, err := tlog.HashFromTile(t, d, tlog.StoredHashIndex(top, 2*t.N))
		if err != nil {
			return nil, err
		}
		right, err := tlog.HashFromTile(t, d, tlog.StoredHashIndex(top, 2*t.N+1))
		if err != nil {
			return nil, err
		}
		got := tlog.NodeHash(left, right)
		want, err := r.ReadHashes([]int64{tlog.StoredHashIndex(TileHeight*(t.L+1), t.N)})
		if err != nil {
			return nil, err
		}
		if got != want[0] {
			parent := tlog.TileForIndex(TileHeight, tlog.StoredHashIndex(TileHeight*(t.L+1), t.N))
			pw := len(tree.tiles[tileKey{parent.L, parent.N}]) / tlog.HashSize
			return nil, &TileError{Path: TilePath(t.L, t.N, t.W), Reason: fmt.Sprintf("hashes to %s, but %s holds %s for it (hash %d)",
				got, TilePath(parent.L, parent.N, pw), want[0], t.N%TileWidth)}
		}
	}
	return tree, nil
}

// VerifyEntries fetches every entry bundle of t's tree and checks each
// entry against its leaf hash in the level-0 tiles. The first failure,
// in index order, is returned: a *TileError for a bundle that is missing
// or malformed, an *EntryError for an entry that does not match.
func (c *Client) VerifyEntries(ctx context.Context, t *Tree) error {
	size := t.Checkpoint.Size
	bundles := (size + TileWidth - 1) / TileWidth
	errs := make([]error, bundles)
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.concurrency())
	for n := range bundles {
		g.Go(func() error {
			err := c.verifyBundle(gctx, t, n)
			if err != nil {
				mu.Lock()
				errs[n] = err
				mu.Unlock()
			}
			if gctx.Err() != nil {
				return gctx.Err()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) verifyBundle(ctx context.Context, t *Tree, n int64) error {
	w := int(min(t.Checkpoint.Size-n*TileWidth, TileWidth))
	path := EntriesPath(n, w)
	b, err := c.get(ctx, path, maxBundleBytes)
	if err != nil {
		return err
	}
	entries, err := ParseBundle(b)
	if err != nil {
		return &TileError{Path: path, Reason: err.Error()}
	} else if len(entries) != w {
		return &TileError{Path: path, Reason: fmt.Sprintf("holds %d entries, want %d", len(entries), w)}
	}
	leaves := t.tiles[tileKey{0, n}]
	tile := tlog.Tile{H: TileHeight, L: 0, N: n, W: len(leaves) / tlog.HashSize}
	for j, e := range entries {
		idx := n*TileWidth + int64(j)
		want, err := tlog.HashFromTile(tile, leaves, tlog.StoredHashIndex(0, idx))
		if err != nil {
			return err
		}
		if got := tlog.RecordHash(e); got != want {
			return &EntryError{Index: idx, Path: path, Reason: fmt.Sprintf("hashes to %s, but %s holds %s for it", got, TilePath(0, n, tile.W), want)}
		}
	}
	return nil
}

// ParseBundle splits a C2SP entry bundle into its entries: each a
// big-endian uint16 length followed by that many bytes.
func ParseBundle(b []byte) ([][]byte, error) {
	var entries [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, fmt.Errorf("entry %d: truncated length", len(entries))
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b)-2 < n {
			return nil, fmt.Errorf("entry %d: %d bytes, but only %d left", len(entries), n, len(b)-2)
		}
		entries = append(entries, b[2:2+n])
		b = b[2+n:]
	}
	return entries, nil
}

// CheckConsistency checks that t's tree extends the tree of old, a
// checkpoint of the same log seen before: a *ConsistencyError if it does
// not (a rollback or a fork), nil if it does.
func (t *Tree) CheckConsistency(old *Checkpoint) error {
	cur := t.Checkpoint
	if old.Origin != cur.Origin {
		return fmt.Errorf("the checkpoint seen before is of log %q, this one of log %q", old.Origin, cur.Origin)
	}
	switch {
	case cur.Size < old.Size:
		return &ConsistencyError{Old: old, New: cur}
	case cur.Size == old.Size:
		if cur.Root != old.Root {
			return &ConsistencyError{Old: old, New: cur}
		}
		return nil
	}
	proof, err := tlog.ProveTree(cur.Size, old.Size, t)
	if err != nil {
		return err
	}
	if tlog.CheckTree(proof, cur.Size, cur.Root, old.Size, old.Root) != nil {
		return &ConsistencyError{Old: old, New: cur}
	}
	return nil
}

// A ConsistencyError reports two checkpoints, both signed by the log, that
// cannot both be true: the newer is smaller (a rollback), or does not
// extend the older (a fork). Both are evidence against the log.
type ConsistencyError struct {
	Old, New *Checkpoint
}

// Rollback reports whether the log went back to a smaller tree.
func (e *ConsistencyError) Rollback() bool { return e.New.Size < e.Old.Size }

// Error says what does not verify, and where.
func (e *ConsistencyError) Error() string {
	switch {
	case e.Rollback():
		return fmt.Sprintf("rollback: the log's checkpoint is of size %d, smaller than the checkpoint of size %d seen before", e.New.Size, e.Old.Size)
	case e.New.Size == e.Old.Size:
		return fmt.Sprintf("fork: the log's checkpoint of size %d has root %s, the checkpoint of the same size seen before %s", e.New.Size, e.New.Root, e.Old.Root)
	}
	return fmt.Sprintf("fork: the log's tree of size %d (root %s) does not extend the tree of size %d (root %s) seen before", e.New.Size, e.New.Root, e.Old.Size, e.Old.Root)
}

// A RootError reports tiles that do not hash to the root of the checkpoint
// they were fetched for. Tiles lists the tiles the root was computed from:
// one of them is wrong.
type RootError struct {
	Checkpoint *Checkpoint
	Got        tlog.Hash
	Tiles      []string
}

// Error says what does not verify, and where.
func (e *RootError) Error() string {
	return fmt.Sprintf("root: the tiles hash to %s, but the checkpoint of size %d says %s (computed from %s: one of them was altered)",
		e.Got, e.Checkpoint.Size, e.Checkpoint.Root, strings.Join(e.Tiles, ", "))
}

// A TileError reports a hash tile or entry bundle that is missing,
// malformed, or does not match the tree.
type TileError struct {
	Path   string // below the log's prefix, e.g. tile/0/x001/234.p/17
	Reason string
}

// Error says what does not verify, and where.
func (e *TileError) Error() string { return e.Path + " " + e.Reason }

// An EntryError reports an entry that does not hash to the leaf hash the
// tree holds for it.
type EntryError struct {
	Index  int64
	Path   string // the entry bundle
	Reason string
}

// Error says what does not verify, and where.
func (e *EntryError) Error() string {
	return fmt.Sprintf("entry %d (%s, position %d) %s", e.Index, e.Path, e.Index%TileWidth, e.Reason)
}

// get fetches path below the log's prefix, reading at most limit bytes.
func (c *Client) get(ctx context.Context, path string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.URL+"/"+path, nil)
	if err != nil {
		return nil, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &TileError{Path: path, Reason: fmt.Sprintf("is not served: %s", resp.Status)}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", path, err)
	} else if int64(len(b)) > limit {
		return nil, &TileError{Path: path, Reason: fmt.Sprintf("is over %d bytes", limit)}
	}
	return b, nil
}

func (c *Client) concurrency() int {
	if c.Concurrency <= 0 {
		return DefaultConcurrency
	}
	return c.Concurrency
}
