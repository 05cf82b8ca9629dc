package recordio

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestFieldScanner_Elements(t *testing.T) {
	names := []string{"order_id", "points[].lat", "guardians[].phone", "tags[]", "trip.legs[].stops[]", "points[].missing"}
	sc := NewFieldScanner(names)
	records := map[string][][]string{
		// As a JSONL upload stores them: arrays as strings of JSON text.
		`{"order_id":"A1","points":"[{\"lat\":\"39.9\",\"lng\":\"116.4\"},{\"lat\":39.8}]","guardians":"[{\"name\":\"Z\",\"phone\":\"13900139000\"},{\"name\":\"W\"}]","tags":"[\"a\",true,null]","trip.legs":"[{\"stops\":[\"x\",\"y\"]},{\"stops\":[\"z\"]}]"}`: {
			nil, {"39.9", "39.8"}, {"13900139000"}, {"a", "true"}, {"x", "y", "z"}, {},
		},
		// Written by hand: arrays as JSON arrays.
		`{"order_id":"A2","points":[{"lat":"31.2"}],"tags":[]}`: {
			nil, {"31.2"}, nil, {}, nil, {},
		},
	}
	for rec, want := range records {
		if err := sc.Scan([]byte(rec)); err != nil {
			t.Fatal(err)
		}
		for i, name := range names {
			if got := sc.Elements[i]; !slices.Equal(got, want[i]) || (got == nil) != (want[i] == nil) {
				t.Errorf("%s: %s = %q, want %q", rec[:20], name, got, want[i])
			}
			if want[i] != nil {
				var vals []string
				if sc.Values[i].Kind != Other || json.Unmarshal(sc.Values[i].Raw, &vals) != nil || !slices.Equal(vals, want[i]) {
					t.Errorf("%s: Values[%s] = %+v, want the JSON array %q", rec[:20], name, sc.Values[i], want[i])
				}
			}
		}
	}
	// A record that is no JSON object leaves nothing from the last one.
	if err := sc.Scan([]byte(`[1]`)); err == nil {
		t.Fatal("Scan of an array: no error")
	}
	for i := range names {
		if sc.Elements[i] != nil || sc.Values[i].Kind != Absent {
			t.Errorf("after a bad record, %s = %q %+v", names[i], sc.Elements[i], sc.Values[i])
		}
	}
}

func TestProjectStored_Elements(t *testing.T) {
	got, err := ProjectStored([]byte(`{"id":"1","points":"[{\"lat\":\"39.9\"},{\"lat\":\"39.8\"}]","tags":["a"]}`), []string{"points[].lat", "tags[]", "id", "none[].x"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"1","points[].lat":["39.9","39.8"],"tags[]":["a"]}`; string(got) != want {
		t.Errorf("ProjectStored = %s, want %s", got, want)
	}
}

func TestElementPath(t *testing.T) {
	for name, want := range map[string][2]string{
		"points[].lat": {"points", "[].lat"},
		"a.b[]":        {"a.b", "[]"},
		"a[][].x":      {"a", "[][].x"},
	} {
		root, path, ok := ElementPath(name)
		if !ok || root != want[0] || path != want[1] {
			t.Errorf("ElementPath(%q) = %q %q %v", name, root, path, ok)
		}
	}
	for _, name := range []string{"points", "[]x", "a.b"} {
		if _, _, ok := ElementPath(name); ok {
			t.Errorf("ElementPath(%q) ok", name)
		}
	}
}

// FuzzElements: reaching into any text never panics, a path of "[]" over
// an array of strings gives back exactly those strings, and every value
// reached from a member path is one the array's elements hold.
func FuzzElements(f *testing.F) {
	f.Add(`[{"lat":"39.9"},{"lat":1}]`, "[].lat")
	f.Add(`["a","b"]`, "[]")
	f.Add(`[[{"x":null}],{"x":{"y":[1,2]}}]`, "[][].x")
	f.Add(`{"a":1}`, "[].a")
	f.Add(`[`, "[]")
	f.Fuzz(func(t *testing.T, raw, path string) {
		vals, ok := elements([]byte(raw), path)
		if !ok {
			if vals != nil {
				t.Fatalf("not an array, yet values %q", vals)
			}
			return
		}
		var arr []any
		if err := json.Unmarshal([]byte(raw), &arr); err != nil {
			t.Fatalf("elements accepted %q, which is no JSON array: %v", raw, err)
		}
		if path == "[]" {
			var ss []string
			if json.Unmarshal([]byte(raw), &ss) == nil && !slices.Equal(vals, ss) && len(ss) > 0 {
				t.Fatalf("elements(%q, []) = %q, want %q", raw, vals, ss)
			}
		}
		if len(vals) > 0 && len(raw) < len(vals) {
			t.Fatalf("%d values from %d bytes", len(vals), len(raw))
		}
	})
}
