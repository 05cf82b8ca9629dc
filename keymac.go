package sluice

import (
	"crypto/fips140"
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"hash"
	"sync"
)

// A keyMAC computes HMAC-SHA-256 under one key, with the same output as
// crypto/hmac, for the millions of subject keys of an ingest: the states
// after the key's inner and outer blocks are computed once and restored
// for each sum, a message of up to 55 bytes is padded here so that the
// inner and the outer hash take one compression each, and nothing is
// allocated. Where the SHA-256 state cannot be saved and read back this
// way (see fastMACWorks), and in FIPS 140-3 mode, it is crypto/hmac.
type keyMAC struct {
	d     hash.Hash
	state encoding.BinaryUnmarshaler
	read  encoding.BinaryAppender
	inner []byte // the state after the key's inner block
	outer []byte // the state after the key's outer block
	blk   [sha256.BlockSize]byte
	out   [128]byte // the state read back

	std hash.Hash // crypto/hmac's, when d's state cannot be used
}

// Marshalled SHA-256 states (crypto/sha256): a 4-byte magic, then the
// hash's 8 words big-endian.
const (
	stateMagic = "sha\x03"
	stateSize  = len(stateMagic) + 8*4 + sha256.BlockSize + 8
)

// oneBlock is the longest message whose padded form is one block.
const oneBlock = sha256.BlockSize - 9

func newKeyMAC(key []byte) *keyMAC {
	// In FIPS 140-3 mode the HMAC is the validated module's own.
	if fips140.Enabled() || !fastMACWorks() {
		return stdMAC(key)
	}
	return newFastMAC(key)
}

// stdMAC returns crypto/hmac's HMAC-SHA-256 under key.
func stdMAC(key []byte) *keyMAC { return &keyMAC{std: hmac.New(sha256.New, key)} }

func newFastMAC(key []byte) *keyMAC {
	if len(key) > sha256.BlockSize {
		s := sha256.Sum256(key)
		key = s[:]
	}
	var ipad, opad [sha256.BlockSize]byte
	copy(ipad[:], key)
	copy(opad[:], key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	d := sha256.New()
	m := &keyMAC{d: d}
	var ok bool
	if m.state, ok = d.(encoding.BinaryUnmarshaler); !ok {
		return stdMAC(key)
	}
	if m.read, ok = d.(encoding.BinaryAppender); !ok {
		return stdMAC(key)
	}
	d.Write(ipad[:])
	m.inner, _ = m.read.AppendBinary(nil)
	d.Reset()
	d.Write(opad[:])
	m.outer, _ = m.read.AppendBinary(nil)
	if len(m.inner) != stateSize || len(m.outer) != stateSize {
		return stdMAC(key)
	}
	return m
}

// sum sets *dst to the HMAC of msg; msg may be dst[:].
func (m *keyMAC) sum(dst *[sha256.Size]byte, msg []byte) {
	if m.std != nil {
		m.std.Reset()
		m.std.Write(msg)
		m.std.Sum(dst[:0])
		return
	}
	if len(msg) <= oneBlock {
		m.block(m.inner, dst, msg)
	} else {
		m.state.UnmarshalBinary(m.inner)
		m.d.Write(msg)
		m.d.Sum(dst[:0])
	}
	m.block(m.outer, dst, dst[:])
}

// block sets *dst to the hash of msg, at most oneBlock bytes, after the
// block of state.
func (m *keyMAC) block(state []byte, dst *[sha256.Size]byte, msg []byte) {
	m.state.UnmarshalBinary(state)
	b := &m.blk
	n := copy(b[:], msg)
	b[n] = 0x80
	clear(b[n+1 : sha256.BlockSize-8])
	binary.BigEndian.PutUint64(b[sha256.BlockSize-8:], uint64(sha256.BlockSize+n)*8)
	m.d.Write(b[:])
	st, _ := m.read.AppendBinary(m.out[:0])
	copy(dst[:], st[len(stateMagic):])
}

// fastMACWorks reports whether newFastMAC gives crypto/hmac's sums: it
// reads the hash's words from its marshalled state, whose form is
// crypto/sha256's to choose.
var fastMACWorks = sync.OnceValue(func() bool {
	var msg [2 * sha256.BlockSize]byte
	for i := range msg {
		msg[i] = byte(i * 7)
	}
	for _, key := range [][]byte{nil, []byte("k"), msg[:sha256.BlockSize], msg[:]} {
		m := newFastMAC(key)
		if m.std != nil || len(m.inner) < len(stateMagic) || string(m.inner[:len(stateMagic)]) != stateMagic {
			return false
		}
		std := hmac.New(sha256.New, key)
		for _, n := range []int{0, 1, 11, oneBlock, oneBlock + 1, sha256.BlockSize, len(msg)} {
			var got [sha256.Size]byte
			m.sum(&got, msg[:n])
			std.Reset()
			std.Write(msg[:n])
			if !hmac.Equal(got[:], std.Sum(nil)) {
				return false
			}
		}
	}
	return true
})
