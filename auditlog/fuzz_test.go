package auditlog

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func FuzzParseCheckpoint(f *testing.F) {
	f.Add([]byte("example.com/log\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"))
	f.Add([]byte("example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nextension\n"))
	f.Add([]byte("example.com/log\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"))
	f.Add([]byte("example.com/log\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n"))
	f.Add([]byte("\n1\n\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := ParseCheckpoint(text)
		if err != nil {
			return
		}
		if c.Size < 0 || c.Origin == "" {
			t.Fatalf("parsed %q as %+v", text, c)
		}
		formatted := FormatCheckpoint(c.Origin, c.Size, c.Root)
		if bytes.Count(text, []byte("\n")) == 3 && !bytes.Equal(formatted, text) {
			t.Fatalf("%q formats back as %q", text, formatted)
		}
		again, err := ParseCheckpoint(formatted)
		if err != nil || again.Origin != c.Origin || again.Size != c.Size || again.Root != c.Root {
			t.Fatalf("%q: reparsed %+v, %v", formatted, again, err)
		}
	})
}

func FuzzParseBundle(f *testing.F) {
	f.Add([]byte{0, 2, 'h', 'i', 0, 0, 0, 1, 'x'})
	f.Add([]byte{0, 5, 'h'})
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := ParseBundle(b)
		if err != nil {
			return
		}
		var out []byte
		for _, e := range entries {
			out = binary.BigEndian.AppendUint16(out, uint16(len(e)))
			out = append(out, e...)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("%x re-encodes as %x", b, out)
		}
	})
}

func FuzzParseTilePath(f *testing.F) {
	for _, p := range []string{"tile/0/000", "tile/1/x001/234.p/17", "tile/entries/x123/456", "tile/entries/000.p/1",
		"tile/00/000", "tile/0/x000/001", "tile/0/000.p/256", "tile/63/999", "tile/64/000", "tile/0/1234", "tile/entries/x1/001"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		level, index, w, err := parseTilePath(path)
		if err != nil {
			return
		}
		if w < 1 || w > TileWidth || index < 0 || level < entriesLevel || level > 63 {
			t.Fatalf("%q parsed as level %d index %d width %d", path, level, index, w)
		}
		back := TilePath(level, index, w)
		if level == entriesLevel {
			back = EntriesPath(index, w)
		}
		if back != path {
			t.Fatalf("%q parsed as level %d index %d width %d, which is %q", path, level, index, w, back)
		}
	})
}
