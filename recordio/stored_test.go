package recordio_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/sluice-gateway/sluice/recordio"
)

func TestAppendStored(t *testing.T) {
	got := string(recordio.AppendStored(nil, []string{"phone", "名字", `q"`}, []string{"13800138000", "张三", "a\nb"}))
	want := `{"phone":"13800138000","名字":"张三","q\"":"a\nb"}`
	if got != want {
		t.Fatalf("AppendStored = %s, want %s", got, want)
	}
	sc := recordio.NewFieldScanner([]string{`q"`, "phone", "missing"})
	if err := sc.Scan([]byte(got)); err != nil {
		t.Fatal(err)
	}
	if sc.Values[0].Text() != "a\nb" || sc.Values[1].Text() != "13800138000" || sc.Values[2].Kind != recordio.Absent {
		t.Fatalf("scanned %+v", sc.Values)
	}
}

// FuzzFieldScanner checks the stored-record scanner against encoding/json:
// for every JSON object, the value it finds for a field is the one
// encoding/json finds (the last, when a name repeats), with the same
// text, and AppendJSON writes a JSON string of that text.
//
//	go test ./recordio -run '^$' -fuzz FuzzFieldScanner -fuzztime 1m
func FuzzFieldScanner(f *testing.F) {
	f.Add([]byte(`{"phone":"13800138000","name":"张三"}`), "name")
	f.Add([]byte(`{"a":"x\"y","b":"\u00e9\\"}`), "b")
	f.Add([]byte(` { "a" : "1" , "b":2 } `), "b")
	f.Add([]byte(`{"a":"1","a":"2"}`), "a")
	f.Add([]byte(`{"a\u0062":"1"}`), "ab")
	f.Add([]byte(`{}`), "a")
	f.Add([]byte(`{"a":null,"b":["x"]}`), "a")
	f.Add([]byte(`not json`), "a")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		sc := recordio.NewFieldScanner([]string{name})
		err := sc.Scan(data)
		var m map[string]json.RawMessage
		if json.Unmarshal(data, &m) != nil {
			return // stored records are JSON objects; nothing to compare
		}
		if err != nil {
			t.Fatalf("Scan(%q): %v", data, err)
		}
		got := sc.Values[0]
		want, ok := m[name]
		if !ok {
			if got.Kind != recordio.Absent {
				t.Fatalf("Scan(%q) found %q for a missing %q", data, got.Raw, name)
			}
			return
		}
		wantText := string(want) // not a string: its JSON text
		if len(want) > 0 && want[0] == '"' {
			if err := json.Unmarshal(want, &wantText); err != nil {
				t.Fatal(err)
			}
		}
		if got.Text() != wantText {
			t.Fatalf("Scan(%q)[%q] = %q, want %q", data, name, got.Text(), wantText)
		}
		var back string
		if err := json.Unmarshal(got.AppendJSON(nil), &back); err != nil || back != wantText {
			t.Fatalf("AppendJSON of %q[%q] = %s (%v), want %q", data, name, got.AppendJSON(nil), err, wantText)
		}
	})
}

// A StoredEncoder escapes names and values as JSON strings (invalid
// UTF-8 as U+FFFD), and knows the fields it encodes.
func TestStoredEncoder(t *testing.T) {
	if got := string(recordio.NewStoredEncoder(nil).Append([]byte("x"), nil)); got != "x{}" {
		t.Fatalf("no fields: %s", got)
	}
	names := []string{"a", `q"uote`, "张"}
	values := make([]string, len(names))
	for i := range values {
		values[i] = fmt.Sprintf("v%d \"\\\n\xff 北京", i)
	}
	e := recordio.NewStoredEncoder(names)
	if !e.Encodes(names) || e.Encodes(names[1:]) || e.Encodes([]string{"a", "q", "张"}) {
		t.Fatal("Encodes")
	}
	want := `x{"a":"v0 \"\\\n\ufffd 北京","q\"uote":"v1 \"\\\n\ufffd 北京","张":"v2 \"\\\n\ufffd 北京"}`
	if got := string(e.Append([]byte("x"), values)); got != want {
		t.Fatalf("%s, want %s", got, want)
	}
}
