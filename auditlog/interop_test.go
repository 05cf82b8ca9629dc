package auditlog_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// TestInterop_TlogClient checks a log written by sluice with a client
// built only on x/mod/sumdb/tlog and note, as an outside auditor would:
// tlog's own tile authentication (TileHashReader) checks every tile, the
// entries, inclusion proofs and a consistency proof. The only C2SP detail
// it adds is the path: tlog's tile paths carry the tile height ("tile/8/…")
// and name the entry level "data"; C2SP's do not and name it "entries".
func TestInterop_TlogClient(t *testing.T) {
	l := MustOpenLog(t, nil)
	l.Append(t, 300)
	l.MustIntegrate(t)
	prefix := l.Serve(t)
	oldTree := tlogFetchTree(t, prefix, l.Key.Verifier)
	l.AppendRaw(t, 70000-300) // three tile levels: 273 full tiles and one partial at level 0
	l.MustIntegrate(t)
	tree := tlogFetchTree(t, prefix, l.Key.Verifier)

	tr := &c2spTileReader{prefix: prefix}
	thr := tlog.TileHashReader(tree, tr)
	// The root, from authenticated tiles.
	if root, err := tlog.TreeHash(tree.N, thr); err != nil || root != tree.Hash {
		t.Fatalf("TreeHash = %s, %v; checkpoint says %s", root, err, tree.Hash)
	}
	// Every tile, as served, equals the authenticated hashes it should hold.
	tiles := tlog.NewTiles(8, 0, tree.N)
	if len(tiles) != 273+1+1+1+1 {
		t.Fatalf("%d tiles", len(tiles))
	}
	for _, tile := range tiles {
		want, err := tlog.ReadTileData(tile, thr)
		if err != nil {
			t.Fatalf("%s: %v", tile.Path(), err)
		}
		got, err := tr.ReadTiles([]tlog.Tile{tile})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[0], want) {
			t.Fatalf("%s differs from the authenticated tree", c2spPath(tile))
		}
	}
	// Every entry hashes to its authenticated leaf.
	for n := int64(0); n*256 < tree.N; n++ {
		w := min(tree.N-n*256, 256)
		data, err := tr.ReadTiles([]tlog.Tile{{H: 8, L: -1, N: n, W: int(w)}})
		if err != nil {
			t.Fatal(err)
		}
		var indexes []int64
		for i := n * 256; i < n*256+w; i++ {
			indexes = append(indexes, tlog.StoredHashIndex(0, i))
		}
		leaves, err := thr.ReadHashes(indexes)
		if err != nil {
			t.Fatal(err)
		}
		b := data[0]
		for j := range leaves {
			size := int(binary.BigEndian.Uint16(b))
			if tlog.RecordHash(b[2:2+size]) != leaves[j] {
				t.Fatalf("entry %d does not hash to its leaf", n*256+int64(j))
			}
			b = b[2+size:]
		}
	}
	// Inclusion and consistency proofs.
	for _, i := range []int64{0, 255, 256, 65535, 65536, tree.N - 1} {
		p, err := tlog.ProveRecord(tree.N, i, thr)
		if err != nil {
			t.Fatal(err)
		}
		leaf, _ := thr.ReadHashes([]int64{tlog.StoredHashIndex(0, i)})
		if err := tlog.CheckRecord(p, tree.N, tree.Hash, i, leaf[0]); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	p, err := tlog.ProveTree(tree.N, oldTree.N, thr)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(p, tree.N, tree.Hash, oldTree.N, oldTree.Hash); err != nil {
		t.Fatal(err)
	}
}

// tlogFetchTree fetches the checkpoint and parses it with note and tlog.
func tlogFetchTree(tb testing.TB, prefix string, v note.Verifier) tlog.Tree {
	tb.Helper()
	msg := httpGet(tb, prefix+"/checkpoint")
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(n.Text, "\n")
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		tb.Fatal(err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		tb.Fatal(err)
	}
	return tlog.Tree{N: size, Hash: root}
}

// c2spTileReader is a tlog.TileReader of a C2SP log. It keeps the tiles
// it fetched (tlog authenticates them before use, every time).
type c2spTileReader struct {
	prefix string
	cache  map[string][]byte
}

func (r *c2spTileReader) Height() int { return 8 }

func (r *c2spTileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if b, ok := r.cache[c2spPath(t)]; ok {
			out[i] = b
			continue
		}
		resp, err := http.Get(r.prefix + "/" + c2spPath(t))
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		} else if resp.StatusCode != 200 {
			return nil, fmt.Errorf("%s: %s", c2spPath(t), resp.Status)
		}
		out[i] = b
		if r.cache == nil {
			r.cache = map[string][]byte{}
		}
		r.cache[c2spPath(t)] = b
	}
	return out, nil
}

func (r *c2spTileReader) SaveTiles([]tlog.Tile, [][]byte) {}

// c2spPath turns tlog's path of a tile of height 8 into C2SP's.
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	if rest, ok := strings.CutPrefix(p, "data/"); ok {
		return "tile/entries/" + rest
	}
	return "tile/" + p
}

func httpGet(tb testing.TB, url string) []byte {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		tb.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	return b
}
