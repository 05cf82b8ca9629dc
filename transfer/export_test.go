package transfer

import (
	"encoding/json"
	"testing"
)

// FuzzFlatFields checks the export's record scanner against encoding/json:
// for every JSON object, the value it finds for a field is the one
// encoding/json finds (the last, when a name repeats), as a JSON string
// with the same content.
//
//	go test ./transfer -run '^$' -fuzz FuzzFlatFields -fuzztime 1m
func FuzzFlatFields(f *testing.F) {
	f.Add([]byte(`{"phone":"13800138000","name":"张三"}`), "name")
	f.Add([]byte(`{"a":"x\"y","b":"\u00e9\\"}`), "b")
	f.Add([]byte(` { "a" : "1" , "b":2 } `), "b")
	f.Add([]byte(`{"a":"1","a":"2"}`), "a")
	f.Add([]byte(`{"a\u0062":"1"}`), "ab")
	f.Add([]byte(`{}`), "a")
	f.Add([]byte(`{"a":null,"b":["x"]}`), "a")
	f.Add([]byte(`not json`), "a")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		out := make([][]byte, 1)
		err := flatFields(data, []string{name}, out)
		var m map[string]json.RawMessage
		if json.Unmarshal(data, &m) != nil {
			return // stored records are JSON objects; nothing to compare
		}
		if err != nil {
			t.Fatalf("flatFields(%q): %v", data, err)
		}
		want, ok := m[name]
		if !ok {
			if out[0] != nil {
				t.Fatalf("flatFields(%q) found %q for a missing %q", data, out[0], name)
			}
			return
		}
		wantText := string(want) // not a string: exported as its JSON text
		if len(want) > 0 && want[0] == '"' {
			if err := json.Unmarshal(want, &wantText); err != nil {
				t.Fatal(err)
			}
		}
		got, err := unquote(out[0])
		if err != nil || got != wantText {
			t.Fatalf("flatFields(%q)[%q] = %q (%v), want %q", data, name, got, err, wantText)
		}
	})
}
