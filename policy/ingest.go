package policy

import (
	"slices"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// A ProhibitedCollection is what organisations of some sectors may never
// collect: for a credit agency, religion, genes, fingerprints, blood type,
// illness and medical history (Credit Reporting Industry Regulations
// Art. 14). A field of one of Categories (or a key below one) refuses the
// whole ingest.
type ProhibitedCollection struct {
	Rule
	Sectors    []string `json:"sectors"`
	Categories []string `json:"categories"`
}

func (s *SharingRules) loadProhibited() error {
	for i := range s.file.Prohibited {
		p := &s.file.Prohibited[i]
		entry := "prohibited_collection[" + strings.Join(p.Sectors, ",") + "]"
		if err := p.check(entry); err != nil {
			return err
		} else if len(p.Sectors) == 0 || len(p.Categories) == 0 || p.Reason == "" {
			return invalid(entry, "sectors, categories and reason required")
		}
		for _, c := range p.Categories {
			if !validCategory(c) {
				return invalid(entry, "category %q is not a dotted key", c)
			}
		}
	}
	return nil
}

// CheckIngest returns EINVALID, naming the field, the category and the
// legal reference, if org's sector may not collect a category found in
// one of fields. It implements residency.IngestRule.
func (s *SharingRules) CheckIngest(org *sluice.Org, fields []*sluice.Field) error {
	for i := range s.file.Prohibited {
		p := &s.file.Prohibited[i]
		if !slices.Contains(p.Sectors, org.Sector) {
			continue
		}
		for _, f := range fields {
			for _, c := range f.Categories {
				for _, k := range p.Categories {
					if c.Key == k || strings.HasPrefix(c.Key, k+".") {
						return &sluice.Error{Code: sluice.EINVALID, Field: f.Name,
							Message: "Field \"" + f.Name + "\" (" + c.Key + "): " + strings.TrimSuffix(p.Reason, ".") + " (" + p.Ref() + ")."}
					}
				}
			}
		}
	}
	return nil
}
