package dsr

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/recordio"
)

func TestEraseParts(t *testing.T) {
	keyer := sluice.NewSubjectKeyer([]byte("s"))
	f := &finder{keyer: keyer, keys: []string{keyer.Key("13800138000")}}
	d := &sluice.Dataset{ID: 1, Fields: []*sluice.Field{{Name: "contact", Categories: []sluice.FieldCategory{{Key: "user.contact.phone_number"}}}}}
	for _, c := range []struct {
		name, data, want string
		parts            int64
	}{
		{"Element", `{"phone":"139","guardians":"[{\"n\":\"a\",\"p\":\"13800138000\"},{\"n\":\"b\",\"p\":\"137\"}]"}`, `{"phone":"139","guardians":"[{\"n\":\"b\",\"p\":\"137\"}]"}`, 1},
		{"RawArray", `{"phone":"139","guardians":[{"p":"13800138000"}]}`, `{"phone":"139","guardians":[]}`, 1},
		{"Unicode", `{"phone":"139","名字":"张三","g":"[{\"p\":\"13800138000\"}]"}`, `{"phone":"139","名字":"张三","g":"[]"}`, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := f.match(d, &sluice.Record{ID: 1, SubjectKey: keyer.Key("139"), Data: []byte(c.data)}, identifierFields(d))
			if err != nil || m == nil {
				t.Fatalf("match: %v %v", m, err)
			}
			got, n, err := eraseParts(m)
			if err != nil || string(got) != c.want || n != c.parts {
				t.Fatalf("got %s (%d) %v, want %s (%d)", got, n, err, c.want, c.parts)
			}
		})
	}
	// A field classified as an identifier that holds the person's makes
	// the record the person's, whatever its subject key.
	if m, err := f.match(d, &sluice.Record{Data: []byte(`{"phone":"139","contact":"+86 138 0013 8000"}`)}, identifierFields(d)); err != nil || m == nil || !m.Whole {
		t.Fatalf("identifier field: %+v %v", m, err)
	}
	// Someone else's record that does not name the person is no match.
	if m, err := f.match(d, &sluice.Record{Data: []byte(`{"phone":"139","contact":"137"}`)}, identifierFields(d)); m != nil || err != nil {
		t.Fatalf("no match wanted: %+v %v", m, err)
	}
}

// FuzzRecordRoundTrip checks that a stored record read and written back
// keeps its fields, in order, with the same values.
func FuzzRecordRoundTrip(f *testing.F) {
	f.Add([]byte(`{"a":"1","b":"x\"y","c":[1,2],"d":null}`))
	f.Add([]byte(`{"名":"张三","guardians":"[{\"p\":\"1\"}]"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := parseRecord(data)
		if err != nil {
			return
		}
		out := encodeRecord(fs)
		fs2, err := parseRecord(out)
		if err != nil {
			t.Fatalf("re-read %s: %v", out, err)
		}
		if len(fs) != len(fs2) {
			t.Fatalf("%d fields, then %d", len(fs), len(fs2))
		}
		for i := range fs {
			var a, b bytes.Buffer
			json.Compact(&a, fs[i].Raw)
			json.Compact(&b, fs2[i].Raw)
			if fs[i].Name != fs2[i].Name || a.String() != b.String() {
				t.Fatalf("field %d: %q=%s, then %q=%s", i, fs[i].Name, fs[i].Raw, fs2[i].Name, fs2[i].Raw)
			}
		}
	})
}

func TestFinder_Maybe(t *testing.T) {
	keyer := sluice.NewSubjectKeyer([]byte("s"))
	f := &finder{keyer: keyer, keys: []string{keyer.Key("13800138000")}}
	sc := recordio.NewFieldScanner([]string{"phone", "contact", "note"})
	isID := []bool{false, true, false}
	for _, c := range []struct {
		data string
		key  string
		want bool
	}{
		{`{"phone":"139","contact":"137","note":"x"}`, "", false},
		{`{"phone":"139","contact":"137","note":"x"}`, keyer.Key("13800138000"), true}, // the subject key
		{`{"phone":"139","contact":"+86 13800138000","note":"x"}`, "", true},           // an identifier field
		{`{"phone":"139","note":"[{\"p\":\"1\"}]"}`, "", true},                         // an array, read element by element
		{`{"phone":"139","contact":"137","extra":"13800138000"}`, "", true},            // a field the dataset does not list
		{`{"phone":"139","note":"a \":\" b"}`, "", true},                               // escaped quotes: read in full, to be safe
		{`{"phone":"139","note":{"nested":"13800138000"}}`, "", true},                  // not the flat stored form
	} {
		if got := f.maybe(sc, isID, &sluice.Record{SubjectKey: c.key, Data: []byte(c.data)}); got != c.want {
			t.Errorf("%s: %t, want %t", c.data, got, c.want)
		}
	}
}
