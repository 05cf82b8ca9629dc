//go:build !linux

package scan

// newChunkBuffers returns n new buffers of chunkSize bytes.
func newChunkBuffers(n int) [][]byte { return heapChunkBuffers(n) }
