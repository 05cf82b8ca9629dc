package classify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
)

// Sector catalogues: what a sector's standard or a published catalogue says
// of a kind of data — its class and level in that standard, the sluice
// categories it covers and the DSL grade it corresponds to — loaded from
// catalog/sectors/*.json and from the "sectors" of a --catalog file.
//
// Under O16 Art. 2 (and NDSR Art. 37) data that no authority has notified
// and no region or department has published as important need not be
// declared as important for export. An entry that a standard only marks as
// possible important data is therefore a candidate: it is shown, and the
// processor should identify and declare it (NDSR Art. 29), but it does not
// lift the dataset's grade. An entry of a published catalogue (candidate
// false) does.

// Confidence of a sector entry: how its content was checked.
const (
	ConfidenceVerified   = "verified"   // checked against the instrument's text
	ConfidenceSecondary  = "secondary"  // checked against an official summary or a secondary source
	ConfidenceUnverified = "unverified" // from memory or one unofficial source
)

// A SectorEntry is one class or level of a sector's standard or published
// catalogue.
type SectorEntry struct {
	ID    string `json:"id"`
	Class string `json:"class,omitempty"` // the standard's data class, e.g. health status data
	// Level is the standard's level (JR/T 0197-2020: 1-5; GB/T
	// 39725-2020: 1-5); 0 when the standard gives none.
	Level int `json:"level,omitempty"`
	// Categories are the sluice categories (fideslang keys) the entry
	// covers; an entry without categories documents a level that no
	// detector can recognise, and matches nothing.
	Categories []string `json:"categories,omitempty"`
	// Grade is the DSL grade the entry corresponds to.
	Grade string `json:"grade"`
	// CandidateImportant marks possible important data that only an
	// authority's notice or publication makes important (O16 Art. 2); the
	// entry's grade is then important, but it does not lift a dataset's.
	CandidateImportant bool   `json:"candidate_important,omitempty"`
	Description        string `json:"description,omitempty"`
	Instrument         string `json:"instrument"`
	Clause             string `json:"clause"`
	Confidence         string `json:"confidence"`
	EffectiveFrom      string `json:"effective_from"`
	EffectiveTo        string `json:"effective_to,omitempty"`
	Note               string `json:"note,omitempty"`

	Source string `json:"-"`
	Line   int    `json:"-"`
}

// A Sector is one sector's catalogue: the org sectors it applies to and
// its entries.
type Sector struct {
	Sector string `json:"sector"`
	Name   string `json:"name,omitempty"`
	// AppliesTo are the org sectors (Org.Sector, compared without case)
	// the catalogue applies to; the sector's own name always applies.
	AppliesTo []string      `json:"applies_to,omitempty"`
	Entries   []SectorEntry `json:"entries"`

	Source string `json:"-"`
	Line   int    `json:"-"`
}

// A SectorMatch is a sector entry that applies to a file or dataset: the
// fields holding its categories.
type SectorMatch = sluice.SectorLevel

var (
	sectorNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	entryIDRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)
)

// parseSectors decodes the "sectors" array of a catalog file, whose
// opening '[' dec has just read, recording the line of each sector and
// entry.
func parseSectors(name string, data []byte, dec *json.Decoder) ([]Sector, error) {
	var out []Sector
	for dec.More() {
		var raw json.RawMessage
		base := dec.InputOffset()
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		// The raw value starts after any separator and space.
		start := base + int64(bytes.Index(data[base:], raw))
		s, err := parseSector(name, data, raw, start)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func parseSector(name string, data, raw []byte, start int64) (Sector, error) {
	lines := lineCounter{data: data}
	s := Sector{Source: name, Line: lines.at(start)}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	fail := func(err error) (Sector, error) {
		return s, catalogError(name, lineAt(data, start+dec.InputOffset()), "sector: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if t, err := dec.Token(); err != nil {
		return fail(err)
	} else if d, ok := t.(json.Delim); !ok || d != '{' {
		return s, catalogError(name, s.Line, "a sector is a JSON object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := t.(string)
		switch key {
		case "sector":
			err = dec.Decode(&s.Sector)
		case "name":
			err = dec.Decode(&s.Name)
		case "applies_to":
			err = dec.Decode(&s.AppliesTo)
		case "entries":
			if t, err := dec.Token(); err != nil {
				return fail(err)
			} else if d, ok := t.(json.Delim); !ok || d != '[' {
				return s, catalogError(name, lineAt(data, start+dec.InputOffset()-1), "sector %q: \"entries\" must be an array", s.Sector)
			}
			for dec.More() {
				line := lines.at(start + dec.InputOffset())
				var e SectorEntry
				if err := dec.Decode(&e); err != nil {
					return fail(err)
				}
				e.Source, e.Line = name, line
				s.Entries = append(s.Entries, e)
			}
			_, err = dec.Token()
		default:
			return s, catalogError(name, lineAt(data, start+dec.InputOffset()-int64(len(key))-2), "sector: unknown key %q", key)
		}
		if err != nil {
			return fail(err)
		}
	}
	return s, nil
}

// checkSector validates a sector and its entries against the catalog's
// categories (c.byKey must be complete).
func (c *Catalog) checkSector(s *Sector) error {
	if !sectorNameRE.MatchString(s.Sector) {
		return catalogError(s.Source, s.Line, "sector %q: field \"sector\": want a lower-case name such as finance", s.Sector)
	}
	for _, e := range s.Entries {
		bad := func(field, format string, args ...any) error {
			return catalogError(e.Source, e.Line, "sector %s, entry %q: field %q: %s", s.Sector, e.ID, field, fmt.Sprintf(format, args...))
		}
		switch {
		case !entryIDRE.MatchString(e.ID):
			return bad("id", "want lower-case letters, digits, '.', '_' or '-'")
		case gradeRank(e.Grade) < 0:
			return bad("grade", "%q is not general, important or core", e.Grade)
		case e.CandidateImportant && e.Grade != GradeImportant:
			return bad("candidate_important", "a candidate is candidate important data: its grade must be important, not %q", e.Grade)
		case e.Level < 0:
			return bad("level", "must not be negative")
		case strings.TrimSpace(e.Instrument) == "":
			return bad("instrument", "required")
		case strings.TrimSpace(e.Clause) == "":
			return bad("clause", "required")
		case e.Confidence != ConfidenceVerified && e.Confidence != ConfidenceSecondary && e.Confidence != ConfidenceUnverified:
			return bad("confidence", "%q is not verified, secondary or unverified", e.Confidence)
		}
		if _, err := time.Parse("2006-01-02", e.EffectiveFrom); err != nil {
			return bad("effective_from", "%q is not a date YYYY-MM-DD", e.EffectiveFrom)
		}
		if e.EffectiveTo != "" {
			if _, err := time.Parse("2006-01-02", e.EffectiveTo); err != nil || e.EffectiveTo <= e.EffectiveFrom {
				return bad("effective_to", "%q is not a date YYYY-MM-DD after effective_from", e.EffectiveTo)
			}
		}
		for _, k := range e.Categories {
			if _, ok := c.byKey[k]; !ok {
				return bad("categories", "unknown category %q", k)
			}
		}
	}
	return nil
}

// mergeSectors merges file's sectors into c: a sector already known gains
// the file's org sectors and entries, an entry with a known id replacing
// the old one.
func (c *Catalog) mergeSectors(ss []Sector) {
	for _, s := range ss {
		i := slices.IndexFunc(c.sectors, func(x Sector) bool { return x.Sector == s.Sector })
		if i < 0 {
			s.Entries = slices.Clone(s.Entries)
			c.sectors = append(c.sectors, s)
			continue
		}
		cur := &c.sectors[i]
		if s.Name != "" {
			cur.Name = s.Name
		}
		for _, a := range s.AppliesTo {
			if !slices.Contains(cur.AppliesTo, a) {
				cur.AppliesTo = append(cur.AppliesTo, a)
			}
		}
		for _, e := range s.Entries {
			if j := slices.IndexFunc(cur.Entries, func(x SectorEntry) bool { return x.ID == e.ID }); j >= 0 {
				cur.Entries[j] = e
			} else {
				cur.Entries = append(cur.Entries, e)
			}
		}
	}
}

// Sectors returns the catalog's sector catalogues.
func (c *Catalog) Sectors() []Sector {
	out := make([]Sector, len(c.sectors))
	for i, s := range c.sectors {
		s.AppliesTo, s.Entries = slices.Clone(s.AppliesTo), slices.Clone(s.Entries)
		out[i] = s
	}
	return out
}

// sectorsFor returns the sector catalogues that apply to an org of the
// given sector.
func (c *Catalog) sectorsFor(orgSector string) []*Sector {
	if orgSector == "" {
		return nil
	}
	var out []*Sector
	for i := range c.sectors {
		s := &c.sectors[i]
		if strings.EqualFold(s.Sector, orgSector) || slices.ContainsFunc(s.AppliesTo, func(a string) bool { return strings.EqualFold(a, orgSector) }) {
			out = append(out, s)
		}
	}
	return out
}

// SectorLevels returns the entries of the sector catalogues of orgSector
// that fields reach, highest level first: the class and level each field
// has in its sector's standard. It reads only the fields' categories, so
// it runs once per file or dataset, never per value.
func (c *Catalog) SectorLevels(fields []FieldResult, orgSector string) []SectorMatch {
	var out []SectorMatch
	for _, s := range c.sectorsFor(orgSector) {
		for _, e := range s.Entries {
			var hit []string
			for _, f := range fields {
				if c.entryMatches(e, f) {
					hit = append(hit, f.Name)
				}
			}
			if len(hit) == 0 {
				continue
			}
			out = append(out, SectorMatch{Sector: s.Sector, Entry: e.ID, Class: e.Class, Level: e.Level, Grade: sluice.Grade(e.Grade),
				CandidateImportant: e.CandidateImportant, Fields: hit, Instrument: e.Instrument, Clause: e.Clause, Confidence: e.Confidence})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Level > out[j].Level })
	return out
}

func (c *Catalog) entryMatches(e SectorEntry, f FieldResult) bool {
	for _, m := range f.Categories {
		mi, ok := c.byKey[m.Key]
		if !ok {
			continue
		}
		for _, k := range e.Categories {
			if ki, ok := c.byKey[k]; ok && ki == mi {
				return true
			}
		}
	}
	return false
}

// sectorReasons returns the reasons by which published sector entries
// (not candidates) lift a dataset's grade.
func (c *Catalog) sectorReasons(fields []FieldResult, orgSector string) []Reason {
	var out []Reason
	for _, m := range c.SectorLevels(fields, orgSector) {
		if m.CandidateImportant || m.Grade.Rank() < 1 {
			continue
		}
		text := fmt.Sprintf("listed in the %s catalogue as %s", m.Sector, m.Label())
		out = append(out, Reason{Rule: "sector:" + m.Sector + ":" + m.Entry, Grade: string(m.Grade), Text: text, Fields: m.Fields,
			LegalRef: LegalRef{Instrument: m.Instrument, Article: m.Clause, Confidence: m.Confidence}})
	}
	return out
}

// DatasetSectorLevels returns the class and level of a dataset's fields in
// the sector catalogues of orgSector. It implements sluice.SectorLeveler.
func (c *Catalog) DatasetSectorLevels(fields []*sluice.Field, orgSector string) []sluice.SectorLevel {
	if len(c.sectorsFor(orgSector)) == 0 {
		return nil
	}
	rs := make([]FieldResult, len(fields))
	for i, f := range fields {
		rs[i].Name = f.Name
		for _, m := range f.Categories {
			rs[i].Categories = append(rs[i].Categories, CategoryMatch{Key: m.Key})
		}
	}
	return c.SectorLevels(rs, orgSector)
}

// Ensure Catalog says sector levels for sluice's datasets.
var _ sluice.SectorLeveler = (*Catalog)(nil)
