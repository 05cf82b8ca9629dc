package scan

import (
	"errors"
	"io"
	"os"
)

// A mapped file is read in place, as ripgrep reads a file it is given:
// the fast path hands out slices of the mapping as chunks, where reading
// would copy every byte from the page cache first. Its Read serves the
// sniffing of the format and the charset, and the readers other than the
// fast path.
type mapped struct {
	b   []byte
	off int
}

func (m *mapped) Read(p []byte) (int, error) {
	if m.off >= len(m.b) {
		return 0, io.EOF
	}
	n := copy(p, m.b[m.off:])
	m.off += n
	return n, nil
}

// unread returns the input from n bytes before what Read has returned
// last: a bufio.Reader over m holds n bytes it has not handed out.
func (m *mapped) unread(n int) *mapped { return &mapped{b: m.b[m.off-n:]} }

// minMapBytes is the size from which a file is mapped rather than read
// (tests lower it).
var minMapBytes int64 = 4 << 20

// mapFile maps f, of size bytes, for reading, when the system can and the
// file is large enough to gain from it; unmap releases the mapping.
func mapFile(f *os.File, size int64) (m *mapped, unmap func()) {
	if size < minMapBytes || int64(int(size)) != size {
		return nil, nil
	}
	b, unmap := mmap(f, int(size))
	if b == nil {
		return nil, nil
	}
	return &mapped{b: b}, unmap
}

// errChanged is the error of a scan whose mapped file shrank under it.
var errChanged = errors.New("the file changed while it was read (it is shorter than when the scan began); scan it again when it is complete")

// faultError, deferred by a goroutine that reads a mapping with
// debug.SetPanicOnFault set, turns a fault on reading the mapping — the
// file was truncated under it — into *err = errChanged. Other panics go
// on.
func faultError(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if _, ok := r.(interface{ Addr() uintptr }); ok {
		*err = errChanged
		return
	}
	panic(r)
}
