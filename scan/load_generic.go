//go:build !(386 || amd64 || arm64 || loong64 || ppc64le || wasm)

// Elsewhere the bytes are put together one by one.

package scan

import "encoding/binary"

// load64 returns the eight bytes at b[i:i+8], which must lie within b, as a
// little-endian number.
func load64(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i:]) }
