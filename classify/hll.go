package classify

import (
	"math"
	"math/bits"
)

// hllP is the HyperLogLog precision: 2^12 one-byte registers (4 KiB), a
// standard error of about 1.6 %.
const hllP = 12

// hashString hashes an identifying value for a sketch: a short-input
// variant of wyhash (64-bit multiply-and-fold rounds, 8 bytes at a time),
// finished with a full avalanche so that the leading bits HyperLogLog
// reads are uniform. seed makes the hash differ between catalogs.
func hashString(seed uint64, s string) uint64 {
	h := seed ^ uint64(len(s))*0x9E3779B97F4A7C15
	n := len(s)
	switch {
	case n >= 8:
		for k := 0; k+8 < n; k += 8 {
			h = mix64(h^load64(s, k), 0xBF58476D1CE4E5B9)
		}
		// The last eight bytes, overlapping the previous block when n
		// is not a multiple of 8.
		h = mix64(h^load64(s, n-8), 0x94D049BB133111EB)
	default:
		var t uint64
		for k := 0; k < n; k++ {
			t |= uint64(s[k]) << (8 * k)
		}
		h = mix64(h^t, 0x94D049BB133111EB)
	}
	return mix64(h^h>>29, 0x9E3779B97F4A7C15)
}

// mix64 folds the 128-bit product of a and b into 64 bits.
func mix64(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// hll is a HyperLogLog sketch of distinct 64-bit hashes.
type hll struct {
	reg [1 << hllP]uint8
}

func (h *hll) add(x uint64) {
	i := x >> (64 - hllP)
	rho := uint8(bits.LeadingZeros64(x<<hllP|1<<(hllP-1)) + 1)
	if rho > h.reg[i] {
		h.reg[i] = rho
	}
}

func (h *hll) merge(o *hll) {
	for i, r := range o.reg {
		if r > h.reg[i] {
			h.reg[i] = r
		}
	}
}

// estimate returns the estimated number of distinct values, with the
// small-range (linear counting) correction.
func (h *hll) estimate() int64 {
	const m = float64(1 << hllP)
	sum, zeros := 0.0, 0
	for _, r := range h.reg {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int64(e + 0.5)
}
