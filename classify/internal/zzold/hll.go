package classify

import (
	"math"
	"math/bits"
)

// hllP is the HyperLogLog precision: 2^12 one-byte registers (4 KiB), a
// standard error of about 1.6 %.
const hllP = 12

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
