//go:build !(386 || amd64 || arm64 || loong64 || ppc64le || wasm)

// Elsewhere the bytes are put together one by one.

package classify

// load32 returns the four bytes at v[i:i+4], which must lie within v, as a
// little-endian number.
func load32(v string, i int) uint32 {
	b := v[i : i+4]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// load64 returns the eight bytes at v[i:i+8], which must lie within v, as a
// little-endian number.
func load64(v string, i int) uint64 {
	b := v[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}
