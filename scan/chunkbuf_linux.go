package scan

import (
	"syscall"
	"unsafe"
)

// newChunkBuffers returns n new buffers of chunkSize bytes, in memory
// that the kernel backs with transparent huge pages where it allows them
// (madvise(2) MADV_HUGEPAGE; the system setting may refuse them, and
// then the buffers take pages of 4 KiB as heap memory does). The memory
// is outside Go's heap and is never unmapped: chunkBufs keeps it for the
// process's next scan.
func newChunkBuffers(n int) [][]byte {
	if n <= 0 {
		return nil
	}
	const huge = 2 << 20
	m, err := syscall.Mmap(-1, 0, n*chunkSize+huge, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return heapChunkBuffers(n)
	}
	// Start at a huge-page boundary: a huge page backs only an aligned
	// 2 MiB. The unaligned rest is never written, so never resident.
	off := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(m))) % huge); r != 0 {
		off = huge - r
	}
	const madvHugePage = 14 // MADV_HUGEPAGE in <linux/mman.h>
	_ = syscall.Madvise(m[off:off+n*chunkSize], madvHugePage)
	out := make([][]byte, n)
	for i := range out {
		lo := off + i*chunkSize
		out[i] = m[lo : lo+chunkSize : lo+chunkSize]
	}
	return out
}
