package policy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
)

// PseudonymBytes is how many bytes of the HMAC-SHA-256 a pseudonym keeps:
// 16 bytes, written as 32 hex digits. 128 bits keep collisions out of reach
// for any dataset while halving the width of the column.
const PseudonymBytes = 16

// pseudonymLabel separates the per-grant pseudonym keys from every other key
// sluice derives from its secret.
const pseudonymLabel = "sluice pseudonym key v1\x00"

// A Pseudonymizer computes the pseudonyms of one grant: HMAC-SHA-256 of the
// value under a key derived from the server's secret and the grant's ID, so
// a value gets the same pseudonym in every read under that grant (a consumer
// can join its own tables) and unrelated pseudonyms under different grants.
// The key never leaves the server, as Shenzhen Data Regulations Arts. 75–77
// ask of de-identification keys.
//
// A Pseudonymizer is not safe for concurrent use: give each goroutine its
// own. Creating one costs about as much as pseudonymising two values.
type Pseudonymizer struct {
	mac hash.Hash
	buf []byte
	sum [sha256.Size]byte
}

// NewPseudonymizer returns the Pseudonymizer of grant grantID under the
// server's secret.
func NewPseudonymizer(secret []byte, grantID int64) *Pseudonymizer {
	kdf := hmac.New(sha256.New, secret)
	kdf.Write([]byte(pseudonymLabel))
	kdf.Write(strconv.AppendInt(nil, grantID, 10))
	key := kdf.Sum(nil)
	return &Pseudonymizer{mac: hmac.New(sha256.New, key)}
}

func appendPseudonym[S text](p *Pseudonymizer, dst []byte, v S) []byte {
	p.buf = append(p.buf[:0], v...)
	p.mac.Reset()
	p.mac.Write(p.buf)
	sum := p.mac.Sum(p.sum[:0])
	return hex.AppendEncode(dst, sum[:PseudonymBytes])
}

// AppendString appends the pseudonym of v to dst.
func (p *Pseudonymizer) AppendString(dst []byte, v string) []byte {
	return appendPseudonym(p, dst, v)
}
