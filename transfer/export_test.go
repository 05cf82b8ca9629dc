package transfer

import "testing"

// SetKeyChunk makes key sources hand over n keys at a time for the rest of
// t, so that tests on a few people cross chunk boundaries.
func SetKeyChunk(t testing.TB, n int) {
	old := keyChunk
	keyChunk = n
	t.Cleanup(func() { keyChunk = old })
}
