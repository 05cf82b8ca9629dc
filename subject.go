package sluice

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A SubjectKeyer turns identifiers of people (resident ID, phone, email …)
// into subject keys: HMAC-SHA-256 under the server's secret of the
// normalised identifier, hex-encoded. The same person written in different
// ways ("+86 138-0013-8000", "13800138000") gets the same key; nobody
// without the secret can go from a key back to the person.
//
// A SubjectKeyer is not safe for concurrent use; make one per goroutine.
type SubjectKeyer struct {
	mac   *keyMAC
	scope *keyMAC // nil for server-wide keys; see NewOrgSubjectKeyer
	buf   []byte
}

// NewSubjectKeyer returns a SubjectKeyer for secret.
func NewSubjectKeyer(secret []byte) *SubjectKeyer {
	return &SubjectKeyer{mac: newKeyMAC(secret)}
}

// Key returns the subject key of identifier, or "" for an empty one.
func (k *SubjectKeyer) Key(identifier string) string {
	var sum [sha256.Size]byte
	if !k.KeyBytes(&sum, identifier) {
		return ""
	}
	return hex.EncodeToString(sum[:])
}

// KeyBytes sets *key to the subject key of identifier as its 32 bytes
// (Key returns their hex), and reports false, leaving *key alone, for an
// empty identifier. It allocates nothing.
func (k *SubjectKeyer) KeyBytes(key *[sha256.Size]byte, identifier string) bool {
	k.buf = AppendNormalizedIdentifier(k.buf[:0], identifier)
	if len(k.buf) == 0 {
		return false
	}
	k.mac.sum(key, k.buf)
	if k.scope != nil {
		k.scope.sum(key, key[:])
	}
	return true
}

// IsSubjectKey reports whether s has the form of a subject key.
func IsSubjectKey(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// AppendNormalizedIdentifier appends the normal form of an identifier to
// dst: full-width ASCII folded to ASCII, letters lower-cased, surrounding
// space trimmed; and for identifiers made only of digits and phone
// punctuation (+ - . space parentheses), the digits alone without a
// leading 86 / 0086 country code on a mainland mobile number.
func AppendNormalizedIdentifier(dst []byte, s string) []byte {
	s = strings.TrimSpace(s)
	start := len(dst)
	phoneLike, digits := true, 0
	// A byte at a time: ASCII is neither decoded nor lower-cased through
	// unicode.
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if 0xFF01 <= r && r <= 0xFF5E { // full-width ASCII
				r -= 0xFEE0
			} else if r == 0x3000 {
				r = ' '
			}
		}
		i += size
		switch {
		case '0' <= r && r <= '9':
			digits++
		case r == '+' || r == '-' || r == '.' || r == ' ' || r == '(' || r == ')':
		default:
			phoneLike = false
		}
		switch {
		case 'A' <= r && r <= 'Z':
			dst = append(dst, byte(r+'a'-'A'))
		case r < utf8.RuneSelf:
			dst = append(dst, byte(r))
		default:
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
	}
	if !phoneLike || digits == 0 {
		return dst
	}
	// Keep digits only.
	out := dst[:start]
	for _, c := range dst[start:] {
		if '0' <= c && c <= '9' {
			out = append(out, c)
		}
	}
	d := out[start:]
	switch {
	case len(d) == 13 && d[0] == '8' && d[1] == '6' && d[2] == '1':
		out = append(out[:start], d[2:]...)
	case len(d) == 15 && string(d[:4]) == "0086" && d[4] == '1':
		out = append(out[:start], d[4:]...)
	}
	return out
}
