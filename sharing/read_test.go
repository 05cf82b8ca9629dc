package sharing

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sluice-gateway/sluice/policy"
)

// testPlan serves name in the clear, phone masked and id pseudonymised,
// and redacts note.
func testPlan() *policy.ReadPlan {
	return &policy.ReadPlan{Now: time.Now(), Fields: []policy.FieldDecision{
		{Field: "name", Effect: policy.Allow, Op: policy.Clear},
		{Field: "phone", Effect: policy.AllowDeidentified, Op: policy.Mask(3, 4)},
		{Field: "id", Effect: policy.AllowDeidentified, Op: policy.Pseudonym},
		{Field: "note", Effect: policy.AllowDeidentified, Op: policy.Redact},
		{Field: "secret", Effect: policy.Deny},
	}}
}

func TestViewer_AppendRecord(t *testing.T) {
	pseud := policy.NewPseudonymizer([]byte("k"), 1)
	for _, c := range []struct {
		name, in, json, csv string
	}{
		{"OK", `{"name":"张三","phone":"13812345678","note":"x","secret":"s"}`, `{"name":"张三","phone":"138****5678"}`, "张三,138****5678,\n"},
		{"Escapes", `{"name":"a\"b\\c\u00e9","phone":"1\n2"}`, `{"name":"a\"b\\cé","phone":"1**"}`, "\"a\"\"b\\cé\",1**,\n"},
		{"OtherForm", `{"name": 7, "phone": null, "x": [1]}`, `{"name":"7"}`, "7,,\n"},
		{"NotAnObject", `[1,2]`, `{}`, ",,\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := newViewer(testPlan(), pseud, false)
			if got := string(v.appendRecord(nil, []byte(c.in))); got != c.json+"\n" {
				t.Errorf("json %q, want %q", got, c.json+"\n")
			}
			v = newViewer(testPlan(), pseud, true)
			if got := string(v.appendRecord(nil, []byte(c.in))); got != c.csv {
				t.Errorf("csv %q, want %q", got, c.csv)
			}
		})
	}
	// Pseudonyms are the grant's.
	v := newViewer(testPlan(), pseud, false)
	var m map[string]string
	json.Unmarshal(v.appendRecord(nil, []byte(`{"id":"110105194912310001"}`)), &m)
	want := string(pseud.AppendString(nil, "110105194912310001"))
	if m["id"] != want || len(want) != 2*policy.PseudonymBytes {
		t.Fatalf("pseudonym %q, want %q", m["id"], want)
	}
}

// FuzzViewer_AppendRecord checks, for any stored record, that a rendered
// line is one valid JSON object (or CSV row) holding only served fields,
// and that a clear field holds exactly what encoding/json reads.
func FuzzViewer_AppendRecord(f *testing.F) {
	for _, seed := range []string{
		`{"name":"张三","phone":"13812345678","note":"x","secret":"s"}`,
		`{"name":"a\"b\\c\u00e9\ud83d\ude00","phone":"1\n2"}`,
		`{"name": 7, "phone": null}`, `{}`, ``, `{"name":"\x"}`, "{\"name\":\"\xff\xfe\"}",
		`{"name":"a","name":"b"}`, `{"phone":"1234567890123456789012345678901234567890"}`,
	} {
		f.Add([]byte(seed))
	}
	pseud := policy.NewPseudonymizer([]byte("k"), 1)
	served := map[string]bool{"name": true, "phone": true, "id": true}
	f.Fuzz(func(t *testing.T, data []byte) {
		v := newViewer(testPlan(), pseud, false)
		line := v.appendRecord(nil, data)
		var out map[string]string
		if err := json.Unmarshal(line, &out); err != nil || !bytes.HasSuffix(line, []byte("\n")) || bytes.Count(line, []byte("\n")) != 1 {
			t.Fatalf("line %q is not one JSON object: %v", line, err)
		}
		for k := range out {
			if !served[k] {
				t.Fatalf("field %q rendered, not served", k)
			}
		}
		var in map[string]string
		if json.Unmarshal(data, &in) == nil {
			if name, ok := in["name"]; ok && out["name"] != name && !strings.ContainsRune(name, utf8.RuneError) {
				t.Fatalf("clear name %q rendered as %q", name, out["name"])
			}
		}
		c := newViewer(testPlan(), pseud, true)
		row := c.appendRecord(nil, data)
		rec, err := csv.NewReader(bytes.NewReader(row)).Read()
		if err != nil || len(rec) != 3 {
			t.Fatalf("csv row %q: %v %v", row, rec, err)
		}
	})
}

// TestViewer_Elements: a field that reaches into an array is served as the
// JSON array of the values it reaches, each under the field's operator;
// the array's other members are not served.
func TestViewer_Elements(t *testing.T) {
	plan := &policy.ReadPlan{Now: time.Now(), Fields: []policy.FieldDecision{
		{Field: "order_id", Effect: policy.Allow, Op: policy.Clear},
		{Field: "guardians[].phone", Effect: policy.AllowDeidentified, Op: policy.Mask(3, 4)},
		{Field: "points[].lat", Effect: policy.Allow, Op: policy.Clear},
	}}
	in := `{"order_id":"A1","guardians":"[{\"name\":\"张三\",\"phone\":\"13900139000\"},{\"name\":\"李四\",\"phone\":\"13800138000\"}]","points":"[{\"lat\":\"39.9\",\"lng\":\"116.4\"}]"}`
	v := newViewer(plan, policy.NewPseudonymizer([]byte("k"), 1), false)
	want := `{"order_id":"A1","guardians[].phone":["139****9000","138****8000"],"points[].lat":["39.9"]}` + "\n"
	if got := string(v.appendRecord(nil, []byte(in))); got != want {
		t.Errorf("json %s, want %s", got, want)
	}
	v = newViewer(plan, policy.NewPseudonymizer([]byte("k"), 1), true)
	if got, want := string(v.appendRecord(nil, []byte(in))), "A1,\"[\"\"139****9000\"\",\"\"138****8000\"\"]\",\"[\"\"39.9\"\"]\"\n"; got != want {
		t.Errorf("csv %q, want %q", got, want)
	}
	// A record without the array has no such field.
	if got := string(v.appendRecord(nil, []byte(`{"order_id":"A2"}`))); got != "A2,,\n" {
		t.Errorf("csv without the arrays %q", got)
	}
}
