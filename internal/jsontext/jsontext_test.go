package jsontext

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uo\te`, "tab\tnl\ncr\r\x00\x1f", "张三", "bad \xff\xfe utf8", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := AppendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, b, err)
		}
		if utf8.ValidString(s) && got != s {
			t.Fatalf("%q round-trips to %q", s, got)
		}
		if string(AppendBytes(nil, []byte(s))) != string(b) {
			t.Fatalf("AppendBytes and AppendString differ on %q", s)
		}
	})
}

// plain8 never takes a word for plain that holds a byte to escape or
// check, whatever the other bytes.
func TestPlain8(t *testing.T) {
	plain := func(w uint64) bool {
		for range 8 {
			c := byte(w)
			if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
				return false
			}
			w >>= 8
		}
		return true
	}
	check := func(w uint64) {
		if got := plain8(w); got && !plain(w) {
			t.Fatalf("plain8(%#016x) = true", w)
		}
	}
	for _, fill := range []byte{'a', ' ', '~', 0x1f, 0x80, 0xff, '"', '\\'} {
		for pos := range 8 {
			for c := range 256 {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				w := binary.LittleEndian.Uint64(b[:])
				check(w)
				if fill == 'a' && plain(w) && !plain8(w) {
					t.Errorf("plain8(%q) = false", b)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1 << 20 {
		check(rng.Uint64())
		// Mostly plain words, with the odd byte to escape.
		w := rng.Uint64()&0x3f3f3f3f3f3f3f3f | 0x2020202020202020
		check(w)
		check(w ^ uint64(rng.IntN(256))<<(8*rng.IntN(8)))
	}
}
