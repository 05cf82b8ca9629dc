package sluice_test

import (
	"testing"

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
