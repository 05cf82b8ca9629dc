package sluice

import (
	"context"
	"slices"
	"strings"
	"time"
)

// A Grade is a data grade under the Data Security Law (Art. 21).
type Grade string

// Grades, from lowest to highest.
const (
	GradeGeneral   Grade = "general"
	GradeImportant Grade = "important"
	GradeCore      Grade = "core"
)

// Rank orders grades: general 0, important 1, core 2, unknown -1.
func (g Grade) Rank() int {
	switch g {
	case GradeGeneral:
		return 0
	case GradeImportant:
		return 1
	case GradeCore:
		return 2
	}
	return -1
}

// A Dataset is a set of records owned by an org, stored in one region and
// collected for declared purposes.
type Dataset struct {
	ID    int64  `json:"id"`
	OrgID int64  `json:"org_id"`
	Name  string `json:"name"`
	// Purposes names the purposes the records are processed for, each one
	// the owner declared (see [Purpose]: legal basis, categories,
	// retention).
	Purposes []string `json:"purposes,omitempty"`
	// Purpose is a free-text label, kept for datasets created before
	// purposes were declared; given only Purposes, it is their names
	// joined by ", ".
	Purpose string `json:"purpose"`
	// Minors marks a dataset that holds personal information of children
	// under 14 (PIPL Art. 28: sensitive; Art. 31: a guardian's consent).
	Minors       bool   `json:"minors,omitempty"`
	SubjectField string `json:"subject_field"` // field whose value identifies the person a record is about
	// AppType is the app type of the Necessary PI Provisions whose basic
	// function the data serves (ride_hailing, …); "" declares none, and
	// the minimisation check does not run.
	AppType string `json:"app_type,omitempty"`
	// RetentionDays is how long a record is kept after its ingest; 0
	// takes the retention of the dataset's purpose.
	RetentionDays int `json:"retention_days,omitempty"`
	// RecordType names a kind of record a law sets a retention floor or
	// maximum for (processing_record, network_log, …); "" is business
	// data, bound by no floor.
	RecordType string `json:"record_type,omitempty"`
	// EventField, for a record type kept from the end of an event
	// (negative_credit), names the field holding the day the conduct or
	// event ended; "" counts from the record's ingest.
	EventField string `json:"event_field,omitempty"`
	// KeyField names the field that identifies a record (an order number,
	// a trip id); "" is none. An upload then replaces the stored records
	// whose key it sends again.
	KeyField    string   `json:"key_field,omitempty"`
	Region      Region   `json:"region"`
	RecordCount int64    `json:"record_count"`
	Subjects    int64    `json:"subjects"` // distinct people the records concern, as last counted (0: not counted)
	Grade       Grade    `json:"grade"`
	Fields      []*Field `json:"fields"`
	// HoldsMinors reports that a field shows people under 14: their
	// personal information is sensitive (PIPL Art. 28) and needs a
	// guardian's consent (Art. 31). Derived from Fields; see [HoldsMinors].
	HoldsMinors bool `json:"holds_minors"`
	// Automotive is what the owner declared the dataset holds of the
	// automotive important-data classes classification cannot see
	// (Automotive Provisions Art. 3); absent when nothing is declared.
	Automotive AutoDeclaration `json:"automotive,omitzero"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`

	// ImportantNotice is the authority's notice that the dataset is
	// important data (O16 Art. 2; NDSR Art. 37), nil if none is recorded.
	ImportantNotice *ImportantNotice `json:"important_notice,omitempty"`

	// SectorLevels are the class and level its fields have in the sector
	// catalogues of its owner's sector (JR/T 0197-2020, GB/T 39725-2020,
	// published catalogues), highest level first; computed on reading.
	SectorLevels []SectorLevel `json:"sector_levels,omitempty"`
}

// Validate returns EINVALID if d is not fit to be created.
func (d *Dataset) Validate() error {
	switch {
	case strings.TrimSpace(d.Name) == "":
		return Errorf(EINVALID, "Dataset name required.")
	case len(d.Name) > 200:
		return Errorf(EINVALID, "Dataset name is longer than 200 bytes.")
	case strings.TrimSpace(d.Purpose) == "" && len(d.Purposes) == 0:
		return Errorf(EINVALID, "Dataset purposes required: name the declared purposes the data is processed for (or, as a legacy label, a purpose text).")
	case len(d.Purposes) > 32:
		return Errorf(EINVALID, "Dataset: more than 32 purposes.")
	case strings.TrimSpace(d.SubjectField) == "":
		return Errorf(EINVALID, "Dataset subject_field required: name the field that identifies the person a record is about.")
	case d.RetentionDays < 0 || d.RetentionDays > MaxRetentionDays:
		return Errorf(EINVALID, "Dataset retention_days must be from 0 (the purpose's) to %d.", MaxRetentionDays)
	case len(d.KeyField) > 200:
		return Errorf(EINVALID, "Dataset key_field is longer than 200 bytes.")
	case len(d.EventField) > 200:
		return Errorf(EINVALID, "Dataset event_field is longer than 200 bytes.")
	case len(d.AppType) > 64 || len(d.RecordType) > 64:
		return Errorf(EINVALID, "Dataset app_type and record_type are at most 64 bytes.")
	}
	if err := d.Automotive.Validate(); err != nil {
		return err
	}
	seen := make(map[string]bool, len(d.Purposes))
	for _, p := range d.Purposes {
		if !purposeNameRE.MatchString(p) {
			return Errorf(EINVALID, "Dataset purposes: %q is not a purpose name.", p)
		} else if seen[p] {
			return Errorf(EINVALID, "Dataset purposes: %q listed twice.", p)
		}
		seen[p] = true
	}
	if d.Purpose == "" {
		d.Purpose = strings.Join(d.Purposes, ", ")
	}
	return d.Region.Validate()
}

// Field returns the field named name, or nil.
func (d *Dataset) Field(name string) *Field {
	for _, f := range d.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// A Field is a column or dotted JSON path of a dataset, with what is known
// about its content.
type Field struct {
	Name       string          `json:"name"`
	Categories []FieldCategory `json:"categories"`
	Personal   bool            `json:"personal"`  // personal information (PIPL Art. 4)
	Sensitive  bool            `json:"sensitive"` // sensitive personal information (PIPL Art. 28)
	// SensitiveIn lists the jurisdictions ("CN", "EU") under whose law the
	// field is sensitive personal information, sorted.
	SensitiveIn []string `json:"sensitive_in"`
	// Minors counts the values (dates of birth, resident IDs) that show a
	// person under 14 when ingested (PIPL Art. 28, 31).
	Minors    int64 `json:"minors_under_14,omitempty"`
	Grade     Grade `json:"grade"`
	NonEmpty  int64 `json:"non_empty"`
	Confirmed bool  `json:"confirmed"` // categories set or confirmed by a person
}

// A FieldCategory is a data category found in a field: its key (a
// fideslang-style dotted key such as user.contact.phone_number), the number
// of values that matched and the share of non-empty values that did.
type FieldCategory struct {
	Key     string  `json:"key"`
	Matches int64   `json:"matches"`
	Ratio   float64 `json:"ratio"`
}

// HoldsMinors reports whether any of fields shows people under 14.
func HoldsMinors(fields []*Field) bool {
	for _, f := range fields {
		if f.Minors > 0 {
			return true
		}
	}
	return false
}

// UnionJurisdictions returns the sorted union of two jurisdiction lists,
// never nil.
func UnionJurisdictions(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	out = append(append(out, a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// DatasetFilter selects datasets. Nil fields do not filter.
type DatasetFilter struct {
	ID    *int64
	OrgID *int64
	Name  *string

	Offset int
	Limit  int
}

// DatasetService manages datasets and their field metadata in the control
// store. Records live in regional stores; see [RecordService].
type DatasetService interface {
	// FindDatasetByID returns ENOTFOUND if the dataset does not exist or
	// belongs to another org than the actor's.
	FindDatasetByID(ctx context.Context, id int64) (*Dataset, error)

	// FindDatasets returns the datasets matching filter that the actor may
	// see, and how many match in all.
	FindDatasets(ctx context.Context, filter DatasetFilter) ([]*Dataset, int, error)

	// CreateDataset creates d for the actor's org in the org's home region.
	// It returns ECONFLICT if the org has a dataset of that name.
	CreateDataset(ctx context.Context, d *Dataset) error

	// UpdateField replaces the categories, personal and sensitive flags
	// and grade of the dataset's field f.Name with f's, marks them
	// confirmed by a person, sets the dataset's grade, and records the
	// change in the audit log. It returns ENOTFOUND for an unknown
	// dataset or field.
	UpdateField(ctx context.Context, datasetID int64, f *Field, datasetGrade Grade) error

	// UpdateDataset applies upd to the actor's org's dataset id, sets its
	// grade to grade, and records the change in the audit log. It
	// returns ENOTFOUND for a dataset the actor may not see.
	UpdateDataset(ctx context.Context, id int64, upd DatasetUpdate, grade Grade) error
}

// MergeFields folds the fields observed in one ingest into a dataset's
// known fields and returns the result in order: known fields first, new
// ones after in the order observed. Counts add up and ratios are
// recomputed; a field whose categories a person confirmed keeps them.
func MergeFields(known, observed []*Field) []*Field {
	out := make([]*Field, 0, len(known)+len(observed))
	index := make(map[string]*Field, len(known))
	for _, f := range known {
		c := *f
		c.Categories = append([]FieldCategory{}, f.Categories...)
		c.SensitiveIn = UnionJurisdictions(f.SensitiveIn, nil)
		out = append(out, &c)
		index[f.Name] = &c
	}
	for _, o := range observed {
		f := index[o.Name]
		if f == nil {
			c := *o
			c.Categories = append([]FieldCategory{}, o.Categories...)
			c.SensitiveIn = UnionJurisdictions(o.SensitiveIn, nil)
			if c.Grade == "" {
				c.Grade = GradeGeneral
			}
			out = append(out, &c)
			index[o.Name] = &c
			continue
		}
		f.NonEmpty += o.NonEmpty
		f.Minors += o.Minors
		if f.Confirmed {
			continue
		}
		for _, oc := range o.Categories {
			found := false
			for i := range f.Categories {
				if f.Categories[i].Key == oc.Key {
					f.Categories[i].Matches += oc.Matches
					found = true
				}
			}
			if !found {
				f.Categories = append(f.Categories, FieldCategory{Key: oc.Key, Matches: oc.Matches})
			}
		}
		for i := range f.Categories {
			f.Categories[i].Ratio = 0
			if f.NonEmpty > 0 {
				f.Categories[i].Ratio = float64(f.Categories[i].Matches) / float64(f.NonEmpty)
			}
		}
		f.Personal = f.Personal || o.Personal
		f.Sensitive = f.Sensitive || o.Sensitive
		f.SensitiveIn = UnionJurisdictions(f.SensitiveIn, o.SensitiveIn)
		if o.Grade.Rank() > f.Grade.Rank() {
			f.Grade = o.Grade
		}
	}
	return out
}

// A DatasetGrader grades a dataset under the Data Security Law (Art. 21)
// from its fields, the number of distinct people its records concern (0 if
// not counted) and its owner's sector. It may raise the grade of fields
// that a volume rule reaches. Classification implements it.
type DatasetGrader interface {
	GradeDataset(fields []*Field, subjects int64, sector string) Grade
}

// GradeDataset grades with g, or takes the highest field grade if g is nil.
func GradeDataset(g DatasetGrader, fields []*Field, subjects int64, sector string) Grade {
	if g == nil {
		return HighestGrade(fields)
	}
	return g.GradeDataset(fields, subjects, sector)
}

// HighestGrade returns the highest grade among fields, general if none.
func HighestGrade(fields []*Field) Grade {
	g := GradeGeneral
	for _, f := range fields {
		if f.Grade.Rank() > g.Rank() {
			g = f.Grade
		}
	}
	return g
}
