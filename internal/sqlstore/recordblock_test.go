package sqlstore

import (
	"strings"
	"testing"
)

// splitBlock takes a block's records apart, and refuses a block that does
// not hold its count of keys and records.
func TestSplitBlock(t *testing.T) {
	k := func(c string) string { return strings.Repeat(c, keyHex) }
	keys, data, err := splitBlock(k("a")+k("b")+k("c"), []byte("{\"x\":\"1\"}\n{}\n{\"y\":\"\\n\"}"), 3)
	if err != nil || len(keys) != 3 || keys[1] != k("b") || string(data[0]) != `{"x":"1"}` || string(data[1]) != `{}` || string(data[2]) != `{"y":"\n"}` {
		t.Fatalf("%q %q %v", keys, data, err)
	}
	if cap(data[0]) != len(data[0]) {
		t.Error("a record's data can grow into the next")
	}
	if keys, data, err := splitBlock(k("a"), []byte("a\nb"), 1); err != nil || keys[0] != k("a") || string(data[0]) != "a\nb" {
		t.Fatalf("a row of one record: %q %q %v", keys, data, err)
	}
	for name, c := range map[string]struct {
		keys string
		data string
		n    int
	}{
		"FewKeys":     {k("a"), "{}\n{}", 2},
		"FewRecords":  {k("a") + k("b") + k("c"), "{}\n{}", 3},
		"NoRecords":   {"", "", 0},
		"MoreRecords": {k("a") + k("b"), "{}\n{}\n{}", 2},
	} {
		if _, _, err := splitBlock(c.keys, []byte(c.data), c.n); err == nil {
			t.Errorf("%s: split", name)
		}
	}
	if ks, err := splitKeys(k("a")+k("b"), 2); err != nil || len(ks) != 2 || ks[1] != k("b") {
		t.Fatalf("%q %v", ks, err)
	}
	if _, err := splitKeys(k("a"), 2); err == nil {
		t.Error("split one key into two")
	}
}
