package dsr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/recordio"
)

// A kv is one field of a stored record, its value as stored (JSON).
type kv struct {
	Name string
	Raw  json.RawMessage
}

// parseRecord reads a stored record's fields in order.
func parseRecord(data []byte) ([]kv, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("stored record is not a JSON object")
	}
	var out []kv
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		out = append(out, kv{name, raw})
	}
	return out, nil
}

// encodeRecord writes fields back in the stored form.
func encodeRecord(fs []kv) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(f.Name)
		b.Write(name)
		b.WriteByte(':')
		b.Write(f.Raw)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// text returns a stored value's text: a string's content, else its JSON.
func text(raw json.RawMessage) string {
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func quote(s string) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// elements returns the objects of a value that is a JSON array of objects
// (held as a string, as ingest stores arrays, or as raw JSON), or nil.
func elements(raw json.RawMessage) []map[string]any {
	t := text(raw)
	if len(t) < 2 || t[0] != '[' {
		return nil
	}
	var arr []map[string]any
	if json.Unmarshal([]byte(t), &arr) != nil {
		return nil
	}
	return arr
}

// A match is one record that concerns the person: the whole record (its
// subject key is the person's, or a field classified as an identifier
// holds one of the person's), or some elements of its arrays of objects.
type match struct {
	Dataset *sluice.Dataset
	Record  *sluice.Record
	Fields  []kv // parsed
	Whole   bool
	// Mentions are top-level fields of another person's record holding
	// one of the person's identifiers.
	Mentions []string
	// Elements are, per array field, the indices of the elements that
	// hold one of the person's identifiers.
	Elements map[string][]int

	restricted bool
}

// A finder finds the person's records in an org's datasets.
type finder struct {
	keyer *sluice.SubjectKeyer
	keys  []string
}

func (f *finder) isPerson(v string) bool {
	if v == "" || len(v) > 320 {
		return false
	}
	return slices.Contains(f.keys, f.keyer.Key(v))
}

// identifierFields returns the fields of d classified as an identifier
// kind, besides its subject field.
func identifierFields(d *sluice.Dataset) []string {
	var out []string
	for _, fl := range d.Fields {
		for _, c := range fl.Categories {
			for _, cat := range sluice.IdentifierCategories {
				if c.Key == cat && !slices.Contains(out, fl.Name) {
					out = append(out, fl.Name)
				}
			}
		}
	}
	return out
}

// scanPage is how many records one scan reads at a time.
const scanPage = 1000

// find returns the matches in datasets, all in store.
func (f *finder) find(ctx context.Context, store sluice.SubjectRecordStore, datasets []*sluice.Dataset) ([]*match, error) {
	var out []*match
	for _, d := range datasets {
		idFields := identifierFields(d)
		names := make([]string, len(d.Fields))
		isID := make([]bool, len(d.Fields))
		for i, fl := range d.Fields {
			names[i], isID[i] = fl.Name, slices.Contains(idFields, fl.Name)
		}
		sc := recordio.NewFieldScanner(names)
		for after := int64(0); ; {
			recs, err := store.ScanRecords(ctx, d.ID, after, scanPage)
			if err != nil {
				return nil, err
			}
			for _, r := range recs {
				after = r.ID
				if !f.maybe(sc, isID, r) {
					continue
				}
				m, err := f.match(d, r, idFields)
				if err != nil {
					return nil, fmt.Errorf("dataset %d record %d: %w", d.ID, r.ID, err)
				}
				if m != nil {
					out = append(out, m)
				}
			}
			if len(recs) < scanPage {
				break
			}
		}
	}
	return out, nil
}

// maybe reports whether r may concern the person, reading its known
// fields without parsing it: its subject key is the person's, a field
// classified as an identifier holds one of the person's, or a field holds
// a JSON array (which match then reads element by element), or it is not
// in the stored form the scanner reads.
func (f *finder) maybe(sc *recordio.FieldScanner, isID []bool, r *sluice.Record) bool {
	if slices.Contains(f.keys, r.SubjectKey) || sc.Scan(r.Data) != nil {
		return true
	}
	present := 0
	for i, v := range sc.Values {
		if v.Kind != recordio.Absent {
			present++
		}
		switch {
		case v.Kind == recordio.Absent || v.Kind == recordio.Null:
		case isID[i] && f.isPerson(v.Text()):
			return true
		case len(v.Raw) > 0 && v.Raw[0] == '[':
			return true
		}
	}
	// A field the dataset does not list (written by hand) is read in full.
	return bytes.Count(r.Data, []byte(`":`)) > present
}

func (f *finder) match(d *sluice.Dataset, r *sluice.Record, idFields []string) (*match, error) {
	whole := slices.Contains(f.keys, r.SubjectKey)
	fields, err := parseRecord(r.Data)
	if err != nil {
		return nil, err
	}
	m := &match{Dataset: d, Record: r, Fields: fields, Whole: whole}
	if whole {
		return m, nil
	}
	for _, fl := range fields {
		if slices.Contains(idFields, fl.Name) && f.isPerson(text(fl.Raw)) {
			// The person's identifier in a field of its own: the
			// person's record, though keyed by another identifier.
			m.Whole, m.Elements = true, nil
			return m, nil
		}
		for i, el := range elements(fl.Raw) {
			for _, v := range el {
				if s, ok := v.(string); ok && f.isPerson(s) {
					if m.Elements == nil {
						m.Elements = map[string][]int{}
					}
					m.Elements[fl.Name] = append(m.Elements[fl.Name], i)
					break
				}
			}
		}
	}
	if len(m.Elements) == 0 {
		return nil, nil
	}
	return m, nil
}
