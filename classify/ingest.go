package classify

import (
	"slices"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// Ensure Catalog grades datasets for sluice's stores.
var _ sluice.DatasetGrader = (*Catalog)(nil)

// SluiceField returns f as sluice's field metadata.
func (f FieldResult) SluiceField() *sluice.Field {
	out := &sluice.Field{
		Name:       f.Name,
		NonEmpty:   f.NonEmpty,
		Categories: make([]sluice.FieldCategory, len(f.Categories)),
		Personal:   f.Personal,
		Sensitive:  f.Sensitive,
		// A copy: the scanner's result stays its own.
		SensitiveIn: sluice.UnionJurisdictions(f.SensitiveIn, nil),
		Minors:      f.Minors,
		Grade:       sluice.Grade(f.Grade),
	}
	for i, m := range f.Categories {
		out.Categories[i] = sluice.FieldCategory{Key: m.Key, Matches: m.Matches, Ratio: m.Ratio}
	}
	if out.Grade == "" {
		out.Grade = sluice.GradeGeneral
	}
	return out
}

// NewObserver returns a Scanner that reports sluice's field metadata, for
// classification on ingest.
func (c *Catalog) NewObserver() sluice.FieldObserver { return observer{c.NewScanner()} }

type observer struct{ *Scanner }

func (o observer) Fields() []*sluice.Field { return o.SluiceFields() }

// SluiceFields returns the scanner's fields as sluice's field metadata.
func (s *Scanner) SluiceFields() []*sluice.Field {
	rs := s.Fields()
	out := make([]*sluice.Field, len(rs))
	for i, f := range rs {
		out[i] = f.SluiceField()
	}
	return out
}

// Describe fills in what the catalog says of a field with the given
// categories: whether it is personal and sensitive information under the
// CN rules, the jurisdictions under whose law it is sensitive, and its
// grade. f.Minors, the people under 14 its values showed, is kept if a
// category is a date of birth or a resident ID, and makes the field
// sensitive under the CN rules (PIPL Art. 28); otherwise it is cleared.
// It returns EINVALID for a key the catalog does not know.
func (c *Catalog) Describe(f *sluice.Field, keys []string) error {
	f.Categories = make([]sluice.FieldCategory, 0, len(keys))
	f.Personal, f.Sensitive = false, false
	sens := map[string]bool{}
	var ages bool
	for _, k := range keys {
		i, ok := c.byKey[k]
		if !ok {
			return sluice.Errorf(sluice.EINVALID, "Unknown category %q (see the catalog's categories).", k)
		}
		f.Categories = append(f.Categories, sluice.FieldCategory{Key: k, Matches: f.NonEmpty, Ratio: 1})
		f.Personal = f.Personal || c.IsPersonal(k, JurisdictionCN)
		for j, r := range c.cats[i].Jurisdictions {
			sens[j] = sens[j] || r.Sensitive
		}
		ages = ages || i < 64 && (c.dobCats|c.idCats)&(1<<i) != 0
	}
	if !ages {
		f.Minors = 0
	}
	sens[JurisdictionCN] = sens[JurisdictionCN] || f.Minors > 0
	f.Sensitive = sens[JurisdictionCN]
	f.SensitiveIn = []string{}
	for j, s := range sens {
		if s {
			f.SensitiveIn = append(f.SensitiveIn, j)
		}
	}
	slices.Sort(f.SensitiveIn)
	f.Grade = sluice.Grade(c.FieldGrade(keys))
	return nil
}

// GradeDataset grades a dataset from its fields, the number of distinct
// people its records concern and its owner's sector, and raises the grade
// of the fields a volume rule reaches. It implements sluice.DatasetGrader.
func (c *Catalog) GradeDataset(fields []*sluice.Field, subjects int64, sector string) sluice.Grade {
	rs := make([]FieldResult, len(fields))
	for i, f := range fields {
		rs[i] = FieldResult{Name: f.Name, NonEmpty: f.NonEmpty, Grade: string(f.Grade), Personal: f.Personal, Sensitive: f.Sensitive}
		for _, m := range f.Categories {
			rs[i].Categories = append(rs[i].Categories, CategoryMatch{Key: m.Key, Matches: m.Matches, Ratio: m.Ratio})
		}
	}
	grade, reasons := c.DatasetGrade(rs, subjects, sector)
	ApplyGrade(rs, reasons)
	for i, f := range fields {
		f.Grade = sluice.Grade(MaxGrade(string(f.Grade), rs[i].Grade))
		grade = MaxGrade(grade, string(f.Grade))
	}
	return sluice.Grade(grade)
}

// CountsSubjects reports whether a volume rule could apply to a dataset
// of an org in sector with these fields: only then is it worth counting
// the distinct people its records concern.
func (c *Catalog) CountsSubjects(sector string, fields []*sluice.Field) bool {
	for _, r := range c.rules {
		if r.MinSubjects <= 0 || r.Sector != "" && !strings.EqualFold(r.Sector, sector) {
			continue
		}
		for _, f := range fields {
			fr := FieldResult{Name: f.Name}
			for _, m := range f.Categories {
				fr.Categories = append(fr.Categories, CategoryMatch{Key: m.Key})
			}
			if c.ruleMatches(r, fr) {
				return true
			}
		}
	}
	return false
}
