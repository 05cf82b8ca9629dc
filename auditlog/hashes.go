package auditlog

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// A tileKey names a tile: its level and index.
type tileKey struct {
	level int
	index int64
}

// A hashReader is a [tlog.HashReader] over a set of tile contents, loaded
// on demand by load and kept: the stored hashes of a tree are read from
// its tiles with [tlog.HashFromTile]. Hashes from index fresh.base on are
// not in tiles yet but in fresh, the hashes of entries being integrated.
type hashReader struct {
	load  func(level int, index int64) ([]byte, error)
	tiles map[tileKey][]byte

	base  int64 // tlog.StoredHashCount of the tree the tiles hold
	fresh []tlog.Hash
}

func newHashReader(base int64, load func(level int, index int64) ([]byte, error)) *hashReader {
	return &hashReader{load: load, tiles: map[tileKey][]byte{}, base: base}
}

// storeLoader loads tiles from a store.
func storeLoader(ctx context.Context, s Store) func(int, int64) ([]byte, error) {
	return func(level int, index int64) ([]byte, error) {
		return s.ReadTile(ctx, level, index)
	}
}

// ReadHashes implements tlog.HashReader.
func (r *hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x >= r.base {
			j := x - r.base
			if j >= int64(len(r.fresh)) {
				return nil, fmt.Errorf("auditlog: hash %d is not in the tree", x)
			}
			out[i] = r.fresh[j]
			continue
		}
		h, err := r.fromTile(x)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

// fromTile reads the hash with stored index x from the tile that holds
// it, or, for a hash between tile levels, computes it from that tile.
func (r *hashReader) fromTile(x int64) (tlog.Hash, error) {
	t := tlog.TileForIndex(TileHeight, x) // the narrowest tile that holds x
	k := tileKey{t.L, t.N}
	data, ok := r.tiles[k]
	if !ok {
		var err error
		if data, err = r.load(t.L, t.N); err != nil {
			return tlog.Hash{}, err
		}
		r.tiles[k] = data
	}
	w := len(data) / tlog.HashSize
	if w < t.W || len(data)%tlog.HashSize != 0 || w > TileWidth {
		return tlog.Hash{}, fmt.Errorf("auditlog: %s holds %d bytes, too few for hash %d of the tree", TilePath(t.L, t.N, t.W), len(data), x)
	}
	t.W = w
	return tlog.HashFromTile(t, data, x)
}
