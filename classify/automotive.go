package classify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sluice-gateway/sluice"
)

// An AutoClass is one class of important automotive data (Automotive
// Provisions Art. 3) as catalog/automotive.json states it: what triggers
// it — a declaration of the dataset's owner, or a count of the people
// whose personal information the processor holds — and its legal
// reference.
type AutoClass struct {
	ID     string `json:"id"`
	Item   int    `json:"item"`
	Region string `json:"region"`
	// Sector limits a count to processors of the sector.
	Sector string `json:"sector,omitempty"`
	// DeclaredBy is the declaration key (sluice.AutoDeclarations) that
	// triggers the class; Count the count that does. One of the two.
	DeclaredBy    string     `json:"declared_by,omitempty"`
	Count         *AutoCount `json:"count,omitempty"`
	Grade         string     `json:"grade"`
	Instrument    string     `json:"instrument"`
	Article       string     `json:"article"`
	Confidence    string     `json:"confidence"`
	EffectiveFrom string     `json:"effective_from"`
	EffectiveTo   *string    `json:"effective_to"`
	Text          string     `json:"text"`
}

// An AutoCount is a class's volume trigger: more than (gt) or at least
// (gte) Threshold people.
type AutoCount struct {
	Threshold int64  `json:"threshold"`
	Op        string `json:"op"`
	Unit      string `json:"unit"`
}

// Reached reports whether n people reach the count.
func (c *AutoCount) Reached(n int64) bool {
	if c.Op == "gte" {
		return n >= c.Threshold
	}
	return n > c.Threshold
}

// An AutoReport is the annual report of automotive data security
// management: its due day (MM-DD) each year and its legal reference.
type AutoReport struct {
	ID            string  `json:"id"`
	Region        string  `json:"region"`
	Due           string  `json:"due"`
	To            string  `json:"to"`
	Instrument    string  `json:"instrument"`
	Article       string  `json:"article"`
	Confidence    string  `json:"confidence"`
	EffectiveFrom string  `json:"effective_from"`
	EffectiveTo   *string `json:"effective_to"`
	Text          string  `json:"text"`
	Note          string  `json:"note,omitempty"`
}

// DueOn returns the report's due day in year, YYYY-MM-DD.
func (r *AutoReport) DueOn(year int) string { return fmt.Sprintf("%04d-%s", year, r.Due) }

// AutoClasses are the important-data classes of the Automotive
// Provisions and their annual report, loaded from catalog/automotive.json.
type AutoClasses struct {
	Version      string       `json:"version"`
	Description  string       `json:"description"`
	InstrumentID string       `json:"instrument_id"`
	Classes      []*AutoClass `json:"classes"`
	Report       *AutoReport  `json:"report"`
}

var defaultAuto = sync.OnceValues(func() (*AutoClasses, error) {
	data, err := catalogFS.ReadFile("catalog/automotive.json")
	if err != nil {
		return nil, err
	}
	return LoadAutoClasses(data)
})

// DefaultAutoClasses returns the built-in classes (catalog/automotive.json),
// loaded and checked once.
func DefaultAutoClasses() (*AutoClasses, error) { return defaultAuto() }

// LoadAutoClasses reads and checks a file of automotive classes; errors
// are EINVALID and name the entry and field at fault.
func LoadAutoClasses(data []byte) (*AutoClasses, error) {
	var a AutoClasses
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return nil, sluice.Errorf(sluice.EINVALID, "automotive.json: %v.", err)
	}
	bad := func(entry, format string, args ...any) error {
		return sluice.Errorf(sluice.EINVALID, "automotive.json: %s: %s.", entry, fmt.Sprintf(format, args...))
	}
	if a.Version == "" || a.InstrumentID == "" {
		return nil, bad("top level", "version and instrument_id required")
	}
	seen := map[string]bool{}
	declared := map[string]bool{}
	for i, c := range a.Classes {
		entry := fmt.Sprintf("classes[%d] (%s)", i, c.ID)
		switch {
		case c.ID == "" || seen[c.ID]:
			return nil, bad(entry, "id missing or used twice")
		case c.Item < 1:
			return nil, bad(entry, "item must be the number of the class in Art. 3")
		case c.Region == "":
			return nil, bad(entry, "region required")
		case (c.DeclaredBy == "") == (c.Count == nil):
			return nil, bad(entry, "give either declared_by or count")
		case c.DeclaredBy != "" && !slices.Contains(sluice.AutoDeclarations, c.DeclaredBy):
			return nil, bad(entry, "declared_by %q is not one of %s", c.DeclaredBy, strings.Join(sluice.AutoDeclarations, ", "))
		case c.Count != nil && (c.Count.Threshold < 1 || c.Count.Op != "gt" && c.Count.Op != "gte"):
			return nil, bad(entry, "count needs a threshold of at least 1 and op gt or gte")
		case c.Grade != GradeImportant && c.Grade != GradeCore:
			return nil, bad(entry, "grade %q is not important or core", c.Grade)
		}
		if err := checkRef(entry, c.Instrument, c.Article, c.Confidence, c.Text, c.EffectiveFrom, c.EffectiveTo); err != nil {
			return nil, err
		}
		seen[c.ID] = true
		declared[c.DeclaredBy] = true
	}
	for _, k := range sluice.AutoDeclarations {
		if !declared[k] {
			return nil, bad("classes", "no class is declared_by %q", k)
		}
	}
	r := a.Report
	if r == nil {
		return nil, bad("report", "missing")
	}
	if _, err := time.Parse("2006-01-02", "2024-"+r.Due); err != nil || len(r.Due) != 5 {
		return nil, bad("report", "due %q is not a day of the year (MM-DD)", r.Due)
	}
	if r.ID == "" || r.Region == "" || r.To == "" {
		return nil, bad("report", "id, region and to required")
	}
	if err := checkRef("report", r.Instrument, r.Article, r.Confidence, r.Text, r.EffectiveFrom, r.EffectiveTo); err != nil {
		return nil, err
	}
	return &a, nil
}

// checkRef checks an entry's legal reference and effective dates.
func checkRef(entry, instrument, article, confidence, text, from string, to *string) error {
	bad := func(format string, args ...any) error {
		return sluice.Errorf(sluice.EINVALID, "automotive.json: %s: %s.", entry, fmt.Sprintf(format, args...))
	}
	switch {
	case instrument == "" || article == "" || text == "":
		return bad("instrument, article and text required")
	case confidence != "checked" && confidence != "summary" && confidence != "unverified":
		return bad("confidence %q is not one of checked, summary, unverified", confidence)
	}
	if _, err := time.Parse(time.DateOnly, from); err != nil {
		return bad("effective_from %q is not a date (YYYY-MM-DD)", from)
	}
	if to != nil {
		if _, err := time.Parse(time.DateOnly, *to); err != nil || *to < from {
			return bad("effective_to %q is not a date (YYYY-MM-DD) on or after effective_from", *to)
		}
	}
	return nil
}

// inForce reports whether an entry in force from from to to (nil: open)
// holds on day.
func inForce(from string, to *string, day time.Time) bool {
	d := day.Format(time.DateOnly)
	return from <= d && (to == nil || d <= *to)
}

// Ref returns the class's short legal reference, e.g. "AUTO Art. 3(4)".
func (a *AutoClasses) Ref(c *AutoClass) string { return a.InstrumentID + " " + c.Article }

// VolumeClass returns the count class in force in region on day, nil if
// none.
func (a *AutoClasses) VolumeClass(region sluice.Region, day time.Time) *AutoClass {
	for _, c := range a.Classes {
		if c.Count != nil && c.Region == string(region) && inForce(c.EffectiveFrom, c.EffectiveTo, day) {
			return c
		}
	}
	return nil
}

// An AutoFinding is a class of important data that applies, with its
// legal reference and, for a count, the number counted.
type AutoFinding struct {
	Class      string `json:"class"`
	Item       int    `json:"item"`
	Grade      string `json:"grade"`
	Ref        string `json:"ref"`
	Confidence string `json:"confidence"`
	Text       string `json:"text"`
	// Declared is the declaration that triggered the class; Subjects the
	// people counted for a count class.
	Declared string `json:"declared,omitempty"`
	Subjects int64  `json:"subjects,omitempty"`
}

// AutoInput is what the classes are evaluated on: a dataset's region and
// owner's declaration, and its processor's sector and distinct people
// (counted across all its automotive datasets; 0 when not counted).
type AutoInput struct {
	Region            sluice.Region
	Declared          sluice.AutoDeclaration
	Sector            string
	ProcessorSubjects int64
	Day               time.Time
}

// Evaluate returns the classes that apply to in, in item order. A
// declared class applies to whoever declares it; a count class to a
// processor of its sector whose distinct people reach the count.
func (a *AutoClasses) Evaluate(in AutoInput) []AutoFinding {
	var out []AutoFinding
	for _, c := range a.Classes {
		if c.Region != string(in.Region) || !inForce(c.EffectiveFrom, c.EffectiveTo, in.Day) {
			continue
		}
		f := AutoFinding{Class: c.ID, Item: c.Item, Grade: c.Grade, Ref: a.Ref(c), Confidence: c.Confidence, Text: c.Text}
		switch {
		case c.DeclaredBy != "" && in.Declared.Declared(c.DeclaredBy):
			f.Declared = c.DeclaredBy
		case c.Count != nil && (c.Sector == "" || strings.EqualFold(c.Sector, in.Sector)) && c.Count.Reached(in.ProcessorSubjects):
			f.Subjects = in.ProcessorSubjects
		default:
			continue
		}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(x, y AutoFinding) int { return x.Item - y.Item })
	return out
}

// DeclaredGrade returns the grade d's owner's declarations give it on day
// (the declared classes of Automotive Provisions Art. 3), general if
// none. It implements sluice.DeclarationGrader.
func (c *Catalog) DeclaredGrade(d *sluice.Dataset, day time.Time) sluice.Grade {
	grade := sluice.GradeGeneral
	if d.Automotive.IsZero() {
		return grade
	}
	a, err := DefaultAutoClasses()
	if err != nil {
		return grade
	}
	for _, f := range a.Evaluate(AutoInput{Region: d.Region, Declared: d.Automotive, Day: day}) {
		if f.Declared != "" && sluice.Grade(f.Grade).Rank() > grade.Rank() {
			grade = sluice.Grade(f.Grade)
		}
	}
	return grade
}
