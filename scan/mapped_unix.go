//go:build unix

package scan

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmap maps size bytes of f read-only, advising the kernel that they are
// read in order; it returns nil when the mapping fails, and the file is
// then read.
func mmap(f *os.File, size int) ([]byte, func()) {
	b, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil
	}
	_ = unix.Madvise(b, unix.MADV_SEQUENTIAL)
	return b, func() { _ = unix.Munmap(b) }
}

var pageSize = uintptr(os.Getpagesize())

// release gives back the pages of a mapping that lie wholly inside b, read
// and done with, so that the scan's resident memory stays that of the
// chunks in flight rather than growing to the file's size. The pages stay
// in the page cache.
func release(b []byte) {
	if len(b) == 0 {
		return
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	from := (start + pageSize - 1) &^ (pageSize - 1)
	to := (start + uintptr(len(b))) &^ (pageSize - 1)
	if to > from {
		_ = unix.Madvise(b[from-start:to-start], unix.MADV_DONTNEED)
	}
}
