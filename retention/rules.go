package retention

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
)

//go:embed data/record_types.json
var embedded embed.FS

// DataFile is the name of the embedded data file, as errors cite it.
const DataFile = "record_types.json"

// A Period is a span of calendar years, months and days.
type Period struct {
	Years  int `json:"years,omitempty"`
	Months int `json:"months,omitempty"`
	Days   int `json:"days,omitempty"`
}

// IsZero reports whether p is no span at all.
func (p Period) IsZero() bool { return p == Period{} }

// Before returns t moved back by p.
func (p Period) Before(t time.Time) time.Time { return t.AddDate(-p.Years, -p.Months, -p.Days) }

// After returns t moved on by p.
func (p Period) After(t time.Time) time.Time { return t.AddDate(p.Years, p.Months, p.Days) }

// String says p in words: "3 years", "6 months".
func (p Period) String() string {
	var parts []string
	for _, x := range []struct {
		n    int
		unit string
	}{{p.Years, "year"}, {p.Months, "month"}, {p.Days, "day"}} {
		if x.n == 1 {
			parts = append(parts, "1 "+x.unit)
		} else if x.n != 0 {
			parts = append(parts, fmt.Sprintf("%d %ss", x.n, x.unit))
		}
	}
	return strings.Join(parts, " ")
}

// A RecordType is a kind of record a law sets a retention floor (keep at
// least) or maximum (keep at most) for, with its legal reference.
type RecordType struct {
	Key        string `json:"key"`
	Name       string `json:"name"`
	NameZH     string `json:"name_zh"`
	Floor      Period `json:"floor,omitzero"`
	Max        Period `json:"max,omitzero"`
	Ref        string `json:"ref"`
	Confidence string `json:"confidence"`
	Note       string `json:"note,omitempty"`
	// MeasuredFrom is what the maximum runs from: "ingest" (the default,
	// the record's upload) or "event" (the day in the dataset's
	// event_field, or the upload when the dataset names none).
	MeasuredFrom string `json:"measured_from,omitempty"`
}

// FromEvent reports whether t's maximum runs from the end of an event.
func (t *RecordType) FromEvent() bool { return t.MeasuredFrom == "event" }

// Rules are the loaded record types.
type Rules struct {
	Version string
	types   map[string]*RecordType
	keys    string
}

// RecordTypes returns the record types, by key.
func (r *Rules) RecordTypes() []*RecordType {
	out := make([]*RecordType, 0, len(r.types))
	for _, t := range r.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// RecordType returns the record type key, or EINVALID listing the known
// ones.
func (r *Rules) RecordType(key string) (*RecordType, error) {
	if t, ok := r.types[key]; ok {
		return t, nil
	}
	return nil, &sluice.Error{Code: sluice.EINVALID, Field: "record_type",
		Message: fmt.Sprintf("Unknown record type %q; the record types are: %s.", key, r.keys)}
}

// A DataError is a fault in the data file: its name, line, entry and
// what is wrong.
type DataError struct {
	File  string
	Line  int
	Entry string
	Msg   string
}

func (e *DataError) Error() string {
	s := "retention rules: " + e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	if e.Entry != "" {
		s += ": " + e.Entry
	}
	return s + ": " + e.Msg
}

// Load reads the embedded record types.
func Load() (*Rules, error) {
	data, err := embedded.ReadFile("data/" + DataFile)
	if err != nil {
		return nil, err
	}
	return Parse(DataFile, data)
}

// MustLoad is Load that panics on error: the embedded file is tested.
func MustLoad() *Rules {
	r, err := Load()
	if err != nil {
		panic(err)
	}
	return r
}

var keyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Parse reads record types in the layout of the embedded file.
func Parse(name string, data []byte) (*Rules, error) {
	var f struct {
		Schema      int               `json:"schema"`
		Version     string            `json:"version"`
		Note        string            `json:"note"`
		RecordTypes []json.RawMessage `json:"record_types"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, &DataError{File: name, Msg: err.Error()}
	}
	if f.Schema != 1 {
		return nil, &DataError{File: name, Msg: fmt.Sprintf("schema %d, want 1", f.Schema)}
	}
	if f.Version == "" {
		return nil, &DataError{File: name, Msg: "no version"}
	}
	r := &Rules{Version: f.Version, types: map[string]*RecordType{}}
	var keys []string
	for _, raw := range f.RecordTypes {
		line := 1 + bytes.Count(data[:bytes.Index(data, raw)], []byte("\n"))
		var t RecordType
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&t); err != nil {
			return nil, &DataError{File: name, Line: line, Entry: "record type", Msg: err.Error()}
		}
		bad := func(format string, args ...any) error {
			return &DataError{File: name, Line: line, Entry: fmt.Sprintf("record type %q", t.Key), Msg: fmt.Sprintf(format, args...)}
		}
		switch {
		case !keyRE.MatchString(t.Key):
			return nil, bad("key must be lower-case letters, digits and '_', starting with a letter")
		case r.types[t.Key] != nil:
			return nil, bad("listed twice")
		case t.Name == "" || t.Ref == "":
			return nil, bad("name and ref required")
		case t.Floor.IsZero() == t.Max.IsZero():
			return nil, bad("give a floor or a max, not both nor neither")
		case t.Floor.Years < 0 || t.Floor.Months < 0 || t.Floor.Days < 0 || t.Max.Years < 0 || t.Max.Months < 0 || t.Max.Days < 0:
			return nil, bad("periods are not negative")
		case t.Confidence != "verified" && t.Confidence != "summary" && t.Confidence != "unverified":
			return nil, bad("confidence %q is not verified, summary or unverified", t.Confidence)
		case t.MeasuredFrom != "" && t.MeasuredFrom != "ingest" && t.MeasuredFrom != "event":
			return nil, bad("measured_from %q is not ingest or event", t.MeasuredFrom)
		case t.FromEvent() && t.Max.IsZero():
			return nil, bad("measured_from event goes with a max")
		}
		r.types[t.Key] = &t
		keys = append(keys, t.Key)
	}
	sort.Strings(keys)
	r.keys = strings.Join(keys, ", ")
	return r, nil
}

// epoch is the reference day periods and day counts are compared from.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ValidateDataset returns EINVALID if d's record type is unknown, or if
// the retention it declares (its own days, 0: its purpose's) is shorter
// than its record type's floor or longer than its maximum.
func (r *Rules) ValidateDataset(d *sluice.Dataset) error {
	if d.RecordType == "" {
		if d.EventField != "" {
			return &sluice.Error{Code: sluice.EINVALID, Field: "event_field", Message: "event_field goes with a record type kept from the end of an event (negative_credit)."}
		}
		return nil
	}
	t, err := r.RecordType(d.RecordType)
	if err != nil {
		return err
	}
	if d.EventField != "" && !t.FromEvent() {
		return &sluice.Error{Code: sluice.EINVALID, Field: "event_field", Message: fmt.Sprintf(
			"event_field is for a record type kept from the end of an event; %s is kept from its upload.", t.Key)}
	}
	if d.RetentionDays == 0 {
		return nil
	}
	end := epoch.AddDate(0, 0, d.RetentionDays)
	if !t.Floor.IsZero() && end.Before(t.Floor.After(epoch)) {
		return &sluice.Error{Code: sluice.EINVALID, Field: "retention_days", Message: fmt.Sprintf(
			"retention_days %d is shorter than the %s that %s must be kept (%s).", d.RetentionDays, t.Floor, t.Key, t.Ref)}
	}
	if !t.Max.IsZero() && end.After(t.Max.After(epoch)) {
		return &sluice.Error{Code: sluice.EINVALID, Field: "retention_days", Message: fmt.Sprintf(
			"retention_days %d is longer than the %s that %s may be kept (%s).", d.RetentionDays, t.Max, t.Key, t.Ref)}
	}
	return nil
}

// Cutoff returns the creation time at or before which a record of d
// created then has outlived its retention at now: the declared period
// (days, the dataset's or else its purpose's, purposeDays), no shorter
// than the record type's floor and no longer than its maximum. ok is
// false when nothing expires: no period declared and no maximum.
func (r *Rules) Cutoff(d *sluice.Dataset, purposeDays int, now time.Time) (cutoff time.Time, ok bool) {
	days := d.RetentionDays
	if days == 0 {
		days = purposeDays
	}
	var t *RecordType
	if d.RecordType != "" {
		t = r.types[d.RecordType]
	}
	if days > 0 {
		cutoff, ok = now.AddDate(0, 0, -days), true
	}
	if t == nil {
		return cutoff, ok
	}
	if !t.Floor.IsZero() && ok {
		if f := t.Floor.Before(now); f.Before(cutoff) {
			cutoff = f
		}
	}
	// A maximum run from the event is applied record by record (see
	// EventCutoff), not to uploads.
	if !t.Max.IsZero() && !(t.FromEvent() && d.EventField != "") {
		if m := t.Max.Before(now); !ok || m.After(cutoff) {
			cutoff, ok = m, true
		}
	}
	return cutoff, ok
}

// EventCutoff returns the day at or before which an event's end puts a
// record of d past its record type's maximum at now, when d declares an
// event field and its type is kept from the event; ok is false otherwise.
func (r *Rules) EventCutoff(d *sluice.Dataset, now time.Time) (cutoff time.Time, ok bool) {
	t := r.types[d.RecordType]
	if d.EventField == "" || t == nil || !t.FromEvent() {
		return time.Time{}, false
	}
	return t.Max.Before(now), true
}
