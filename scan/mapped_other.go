//go:build !unix

package scan

import "os"

// mmap maps nothing here: files are read.
func mmap(*os.File, int) ([]byte, func()) { return nil, nil }

// release does nothing here.
func release([]byte) {}
