package scan

import "sync"

// chunkBufs keeps the chunk buffers of finished scans for the next
// scan of the process: buffers are taken whole at the start of a scan
// (see fastScan) and given back at its end, so that each is new memory
// once per process, not once per file. New memory costs a page fault per
// 4 KiB page the first time it is written, which on a virtual machine
// is dear (about 10 µs here); where the system allows, a buffer is
// backed by huge pages (newChunkBuffers), which also spares the
// workers' address translations as they read it.
var chunkBufs struct {
	sync.Mutex
	free [][]byte
}

// takeChunkBuffers returns n buffers of chunkSize bytes (cap too), for
// the caller's use until it gives them back with giveChunkBuffers.
func takeChunkBuffers(n int) [][]byte {
	if chunkSize != defaultChunkSize {
		return heapChunkBuffers(n) // a test's small chunks
	}
	chunkBufs.Lock()
	defer chunkBufs.Unlock()
	k := max(len(chunkBufs.free)-n, 0)
	out := append([][]byte(nil), chunkBufs.free[k:]...)
	chunkBufs.free = chunkBufs.free[:k]
	return append(out, newChunkBuffers(n-len(out))...)
}

// giveChunkBuffers gives back the buffers of takeChunkBuffers, once
// nothing refers to them.
func giveChunkBuffers(bufs [][]byte) {
	if len(bufs) == 0 || cap(bufs[0]) != defaultChunkSize {
		return
	}
	chunkBufs.Lock()
	chunkBufs.free = append(chunkBufs.free, bufs...)
	chunkBufs.Unlock()
}

// heapChunkBuffers returns n buffers of chunkSize bytes on Go's heap.
func heapChunkBuffers(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = make([]byte, chunkSize)
	}
	return out
}
