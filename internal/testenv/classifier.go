package testenv

import "github.com/sluice-gateway/sluice"

// FieldFacts are what a test says classification finds in a field.
type FieldFacts struct {
	Categories []string
	Personal   bool // personal information (the fields of Fields leave it unset)
	Sensitive  bool
	Grade      sluice.Grade // "" is general
}

// Fields are the facts a Classifier without Fields of its own reports,
// by field name; a field not named has no category and is general.
var Fields = map[string]FieldFacts{
	"phone":      {Categories: []string{"user.contact.phone_number"}},
	"name":       {Categories: []string{"user.name"}},
	"city":       {Categories: []string{"user.location.imprecise"}},
	"fare":       {},
	"diagnosis":  {Categories: []string{"user.health_and_medical"}, Sensitive: true},
	"gps":        {Categories: []string{"user.location.precise"}, Sensitive: true},
	"id_number":  {Categories: []string{"user.government_id"}, Sensitive: true},
	"birth_date": {Categories: []string{"user.demographic.date_of_birth"}},
	"location":   {Categories: []string{"user.location"}},
	"score":      {Categories: []string{"user.credit.score"}},
	"route":      {Grade: sluice.GradeImportant},
	"reactor":    {Grade: sluice.GradeCore},
}

// Classifier stands in for classification, so that a test decides what
// each field is: it reports every field of an ingest with the facts its
// Fields (nil: the package's Fields) give its name, and counts its
// non-empty values.
type Classifier struct {
	Fields map[string]FieldFacts
}

// NewObserver implements residency.Classifier.
func (c Classifier) NewObserver() sluice.FieldObserver {
	fields := c.Fields
	if fields == nil {
		fields = Fields
	}
	return &observer{fields: fields, count: map[string]int64{}}
}

// CountsSubjects implements residency.Classifier: no volume rule.
func (Classifier) CountsSubjects(string, []*sluice.Field) bool { return false }

type observer struct {
	fields map[string]FieldFacts
	names  []string
	count  map[string]int64
}

func (o *observer) Add(names, values []string) {
	for i, n := range names {
		if _, ok := o.count[n]; !ok {
			o.names = append(o.names, n)
			o.count[n] = 0
		}
		if values[i] != "" {
			o.count[n]++
		}
	}
}

func (o *observer) Fields() []*sluice.Field {
	out := make([]*sluice.Field, len(o.names))
	for i, n := range o.names {
		f := o.fields[n]
		cats := []sluice.FieldCategory{}
		for _, c := range f.Categories {
			cats = append(cats, sluice.FieldCategory{Key: c, Matches: o.count[n], Ratio: 1})
		}
		g := f.Grade
		if g == "" {
			g = sluice.GradeGeneral
		}
		out[i] = &sluice.Field{Name: n, NonEmpty: o.count[n], Categories: cats, Personal: f.Personal, Sensitive: f.Sensitive, Grade: g}
	}
	return out
}
