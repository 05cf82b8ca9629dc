//go:build !amd64

package scan

// sepMasks sets masks[j], for each j < len(masks), to a bit per byte of
// b[64*j:64*j+64] (the first byte in bit 0), set where the byte is sep; b
// must hold 64*len(masks) bytes. Eight bytes a word, without a branch.
func sepMasks(masks []uint64, b []byte, sep byte) {
	if len(masks) == 0 {
		return
	}
	seps := 0x0101010101010101 * uint64(sep)
	_ = b[64*len(masks)-1]
	for j := range masks {
		i := 64 * j
		masks[j] = sepBits(b, i, seps) | sepBits(b, i+8, seps)<<8 | sepBits(b, i+16, seps)<<16 | sepBits(b, i+24, seps)<<24 |
			sepBits(b, i+32, seps)<<32 | sepBits(b, i+40, seps)<<40 | sepBits(b, i+48, seps)<<48 | sepBits(b, i+56, seps)<<56
	}
}

// sepBits returns a bit per byte of b[i:i+8] (the first byte in bit 0)
// set where the byte equals the separator that each byte of seps holds.
func sepBits(b []byte, i int, seps uint64) uint64 {
	return (zeroBytes(load64(b, i)^seps) >> 7) * 0x0102040810204080 >> 56
}

// zeroBytes returns x with the top bit of each zero byte set, and all other
// bits clear.
func zeroBytes(x uint64) uint64 {
	const lo7 = 0x7F7F7F7F7F7F7F7F
	return ^((x&lo7 + lo7) | x | lo7)
}
