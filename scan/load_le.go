//go:build 386 || amd64 || arm64 || loong64 || ppc64le || wasm

// Little-endian machines that load unaligned words quickly read eight
// bytes at once.

package scan

import "unsafe"

// load64 returns the eight bytes at b[i:i+8], which must lie within b, as a
// little-endian number, in one load.
func load64(b []byte, i int) uint64 {
	return *(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), i))
}
