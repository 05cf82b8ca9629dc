//go:build 386 || amd64 || arm64 || loong64 || ppc64le || wasm

// Little-endian machines that load unaligned words quickly read eight
// bytes at once.

package classify

import "unsafe"

// load32 returns the four bytes at v[i:i+4], which must lie within v, as a
// little-endian number, in one load.
func load32(v string, i int) uint32 {
	return *(*uint32)(unsafe.Add(unsafe.Pointer(unsafe.StringData(v)), i))
}

// load64 returns the eight bytes at v[i:i+8], which must lie within v, as a
// little-endian number, in one load.
func load64(v string, i int) uint64 {
	return *(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.StringData(v)), i))
}
