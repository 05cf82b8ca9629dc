package auditlog

import (
	"errors"
	"strings"

	"github.com/transparency-dev/tessera/api/layout"
)

// CheckpointPath is where the checkpoint is served, below the log's prefix.
const CheckpointPath = layout.CheckpointPath

// TilePath returns the C2SP path, below the log's prefix, of the hash tile
// at level and index that is w hashes wide: "tile/0/x001/234" when full,
// "tile/0/x001/234.p/17" when partial.
func TilePath(level int, index int64, w int) string {
	return layout.TilePath(uint64(level), uint64(index), partial(w))
}

// EntriesPath returns the C2SP path, below the log's prefix, of the entry
// bundle at index holding w entries.
func EntriesPath(index int64, w int) string {
	return layout.EntriesPath(uint64(index), partial(w))
}

func partial(w int) uint8 {
	if w >= TileWidth || w <= 0 {
		return 0
	}
	return uint8(w)
}

// entriesLevel is the level parseTilePath returns for an entry bundle.
const entriesLevel = -1

var errBadPath = errors.New("not a tile path")

// parseTilePath parses a tile or entry bundle path below the log's prefix,
// accepting only the canonical encoding: level 0-63 without leading
// zeros, the index in 3-digit groups with all but the last prefixed by
// "x", and ".p/W" with 1 ≤ W ≤ 255 only on partial tiles. It returns level
// entriesLevel for an entry bundle, and w = TileWidth for a full tile.
func parseTilePath(path string) (level int, index int64, w int, err error) {
	rest, ok := strings.CutPrefix(path, "tile/")
	if !ok {
		return 0, 0, 0, errBadPath
	}
	var n uint64
	var p uint8
	if idx, ok := strings.CutPrefix(rest, "entries/"); ok {
		level = entriesLevel
		if n, p, err = layout.ParseTileIndexPartial(idx); err != nil {
			return 0, 0, 0, errBadPath
		}
		if layout.EntriesPath(n, p) != path {
			return 0, 0, 0, errBadPath
		}
	} else {
		l, idx, ok := strings.Cut(rest, "/")
		if !ok {
			return 0, 0, 0, errBadPath
		}
		var lv uint64
		if lv, n, p, err = layout.ParseTileLevelIndexPartial(l, idx); err != nil {
			return 0, 0, 0, errBadPath
		}
		if layout.TilePath(lv, n, p) != path {
			return 0, 0, 0, errBadPath
		}
		level = int(lv)
	}
	if n >= 1<<54 { // far beyond any tree; keeps index arithmetic in int64
		return 0, 0, 0, errBadPath
	}
	w = TileWidth
	if p > 0 {
		w = int(p)
	}
	return level, int64(n), w, nil
}
