package sluice

import "fmt"

// A SectorLevel is what a sector's standard or published catalogue says of
// some fields of a dataset: their class and level there, and the DSL grade
// that corresponds (JR/T 0197-2020 for finance, GB/T 39725-2020 for health;
// see classify/catalog/sectors). A candidate is possible important data
// that only an authority's notice or publication makes important (O16
// Art. 2).
type SectorLevel struct {
	Sector             string   `json:"sector"`
	Entry              string   `json:"entry"`
	Class              string   `json:"class,omitempty"`
	Level              int      `json:"level,omitempty"`
	Grade              Grade    `json:"grade"`
	CandidateImportant bool     `json:"candidate_important,omitempty"`
	Fields             []string `json:"fields"`
	Instrument         string   `json:"instrument"`
	Clause             string   `json:"clause"`
	Confidence         string   `json:"confidence"` // verified, secondary or unverified
}

// Label says the class and level, e.g. "health status data, level 4".
func (l SectorLevel) Label() string {
	switch {
	case l.Class != "" && l.Level > 0:
		return fmt.Sprintf("%s, level %d", l.Class, l.Level)
	case l.Class != "":
		return l.Class
	case l.Level > 0:
		return fmt.Sprintf("level %d", l.Level)
	}
	return l.Entry
}

// A SectorLeveler says the class and level a dataset's fields have in the
// sector catalogues of an organisation's sector, highest level first.
// Classification implements it.
type SectorLeveler interface {
	DatasetSectorLevels(fields []*Field, sector string) []SectorLevel
}
