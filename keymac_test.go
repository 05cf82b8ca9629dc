package sluice

import (
	"crypto/hmac"
	"crypto/sha256"
	"math/rand/v2"
	"testing"
)

func TestKeyMAC(t *testing.T) {
	if !fastMACWorks() {
		t.Fatal("the SHA-256 state cannot be saved and read back: subject keys take crypto/hmac's slower path")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 300)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	for _, kn := range []int{0, 1, 5, 32, 63, 64, 65, 200} {
		key := buf[:kn]
		m, std := newKeyMAC(key), hmac.New(sha256.New, key)
		for n := 0; n <= 260; n++ {
			msg := buf[kn%7 : kn%7+n]
			var got [sha256.Size]byte
			m.sum(&got, msg)
			std.Reset()
			std.Write(msg)
			if want := std.Sum(nil); !hmac.Equal(got[:], want) {
				t.Fatalf("key of %d bytes, message of %d: %x, want %x", kn, n, got, want)
			}
		}
		// A message that is the sum itself, as an org's keyer scopes one.
		var got [sha256.Size]byte
		copy(got[:], buf[:sha256.Size])
		std.Reset()
		std.Write(got[:])
		want := std.Sum(nil)
		m.sum(&got, got[:])
		if !hmac.Equal(got[:], want) {
			t.Fatalf("key of %d bytes, its own output: %x, want %x", kn, got, want)
		}
	}
}

func BenchmarkSubjectKeyer_KeyBytes(b *testing.B) {
	k := NewOrgSubjectKeyer([]byte("bench"), 7)
	var sum [sha256.Size]byte
	b.ReportAllocs()
	for b.Loop() {
		k.KeyBytes(&sum, "13800138000")
	}
}
