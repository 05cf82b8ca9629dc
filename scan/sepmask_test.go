package scan

import (
	"math/rand/v2"
	"testing"
)

// TestSepMasks checks sepMasks, in assembly on amd64, against a byte-at-a-
// time reading, for each separator the fast path splits at and bytes of
// every value around them.
func TestSepMasks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, sep := range []byte{',', ';', '|', '\t', 0x80, 0xFF} {
		for trial := 0; trial < 200; trial++ {
			nb := r.IntN(6)
			b := make([]byte, 64*nb+r.IntN(64))
			for i := range b {
				switch r.IntN(4) {
				case 0:
					b[i] = sep
				case 1:
					b[i] = sep ^ byte(1<<r.IntN(8)) // one bit off
				default:
					b[i] = byte(r.Uint32())
				}
			}
			masks := make([]uint64, nb+1)
			masks[nb] = 0xDEADBEEF // past the blocks asked for: untouched
			sepMasks(masks[:nb], b, sep)
			for j := 0; j < nb; j++ {
				var want uint64
				for k := 0; k < 64; k++ {
					if b[64*j+k] == sep {
						want |= 1 << k
					}
				}
				if masks[j] != want {
					t.Fatalf("sep %#x, block %d of %d: mask %#x, want %#x", sep, j, nb, masks[j], want)
				}
			}
			if masks[nb] != 0xDEADBEEF {
				t.Fatalf("sep %#x: sepMasks wrote past %d blocks", sep, nb)
			}
		}
	}
}
