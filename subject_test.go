package sluice_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"unicode"

	"github.com/sluice-gateway/sluice"
)

func TestSubjectKeyer_Key(t *testing.T) {
	k := sluice.NewSubjectKeyer([]byte("secret"))
	for _, group := range [][]string{
		{"13800138000", "+86 138-0013-8000", "0086 13800138000", "86-138 0013 8000", "１３８００１３８０００"},
		{"Alice@Example.com", " alice@example.com ", "ａｌｉｃｅ@example.com"},
		{"11010519491231002X", "11010519491231002x"},
	} {
		want := k.Key(group[0])
		if !sluice.IsSubjectKey(want) {
			t.Fatalf("Key(%q) = %q, not a subject key", group[0], want)
		}
		for _, s := range group[1:] {
			if got := k.Key(s); got != want {
				t.Errorf("Key(%q) = %s, want the key of %q (%s)", s, got, group[0], want)
			}
		}
	}
	if k.Key("13800138000") == k.Key("13800138001") {
		t.Error("different numbers share a key")
	}
	if k.Key("  ") != "" {
		t.Error("blank identifier has a key")
	}
	if sluice.NewSubjectKeyer([]byte("other")).Key("13800138000") == k.Key("13800138000") {
		t.Error("key does not depend on the secret")
	}
}

// The keys are HMAC-SHA-256 as crypto/hmac computes it: stored keys and
// the transparency log depend on their values.
func TestSubjectKeyer_KeyValues(t *testing.T) {
	master := []byte("secret")
	mac := func(key, msg []byte) []byte {
		m := hmac.New(sha256.New, key)
		m.Write(msg)
		return m.Sum(nil)
	}
	for _, id := range []string{"13800138000", "+86 138-0013-8000", "Alice@Example.com", "11010519491231002X",
		strings.Repeat("a very long identifier ", 10)} {
		norm := sluice.AppendNormalizedIdentifier(nil, id)
		want := mac(master, norm)
		if got := sluice.NewSubjectKeyer(master).Key(id); got != hex.EncodeToString(want) {
			t.Errorf("Key(%q) = %s, want %x", id, got, want)
		}
		scoped := mac(sluice.OrgSubjectSecret(master, 42), want)
		k := sluice.NewOrgSubjectKeyer(master, 42)
		if got := k.Key(id); got != hex.EncodeToString(scoped) {
			t.Errorf("org Key(%q) = %s, want %x", id, got, scoped)
		}
		var sum [sha256.Size]byte
		if !k.KeyBytes(&sum, id) || !bytes.Equal(sum[:], scoped) {
			t.Errorf("org KeyBytes(%q) = %x, want %x", id, sum, scoped)
		}
	}
	var sum [sha256.Size]byte
	if sluice.NewSubjectKeyer(master).KeyBytes(&sum, " ") {
		t.Error("blank identifier has a key")
	}
}

// appendNormalizedRunes is AppendNormalizedIdentifier as it was before
// its byte-at-a-time path for ASCII: the reference for it.
func appendNormalizedRunes(dst []byte, s string) []byte {
	s = strings.TrimSpace(s)
	start := len(dst)
	phoneLike, digits := true, 0
	for _, r := range s {
		if 0xFF01 <= r && r <= 0xFF5E {
			r -= 0xFEE0
		} else if r == 0x3000 {
			r = ' '
		}
		switch {
		case '0' <= r && r <= '9':
			digits++
		case r == '+' || r == '-' || r == '.' || r == ' ' || r == '(' || r == ')':
		default:
			phoneLike = false
		}
		dst = append(dst, string(unicode.ToLower(r))...)
	}
	if !phoneLike || digits == 0 {
		return dst
	}
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

func FuzzAppendNormalizedIdentifier(f *testing.F) {
	for _, s := range []string{"13800138000", "+86 138-0013-8000", "0086 13800138000", "86-138 0013 8000", "１３８００１３８０００",
		"Alice@Example.com", " alice@example.com ", "11010519491231002X", "(010) 6552-9988", "ÀB", "\u3000x", "A.B-C"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := sluice.AppendNormalizedIdentifier([]byte("p"), s), appendNormalizedRunes([]byte("p"), s); !bytes.Equal(got, want) {
			t.Fatalf("AppendNormalizedIdentifier(%q) = %q, want %q", s, got, want)
		}
	})
}
