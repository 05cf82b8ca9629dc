package policy

import "strings"

// A MinorsRule says which data is a child's and the rules that protect it:
// personal information of children under 14 is sensitive (PIPL Art. 28),
// processing it on consent needs a parent's or guardian's (Art. 31), and
// it may not serve profiling-based recommendations (Shenzhen Data
// Regulations Arts. 28–30). It applies to data of the regime it names.
type MinorsRule struct {
	Rule
	Categories    []string `json:"categories"` // category keys of a child's data (and the keys below them)
	Regime        string   `json:"regime"`
	ConsentRule   string   `json:"consent_rule"`
	ProfilingRule string   `json:"profiling_rule"`
}

// loadMinors checks the minors rule and resolves its decision rules.
func (s *SharingRules) loadMinors(need func(entry, id string) (*Rule, error)) error {
	m := &s.file.Minors
	if err := m.check("minors"); err != nil {
		return err
	}
	idx, ok := regimeIndex(m.Regime)
	if !ok {
		return invalid("minors", "regime %q is not one of pipl, gdpr", m.Regime)
	}
	s.minorsRegime = idx
	for _, c := range m.Categories {
		if !validCategory(c) {
			return invalid("minors", "category %q is not a dotted key such as user.children.under_14", c)
		}
	}
	var err error
	if s.r.consentGuardian, err = need("minors", m.ConsentRule); err != nil {
		return err
	}
	if s.r.minorsProfiling, err = need("minors", m.ProfilingRule); err != nil {
		return err
	}
	return nil
}

// MinorCategory reports whether any of categories is a child's data, or
// below one of the minors rule's keys. It does not allocate.
func (s *SharingRules) MinorCategory(categories []string) bool {
	for _, c := range categories {
		for _, m := range s.file.Minors.Categories {
			if c == m || strings.HasPrefix(c, m) && c[len(m)] == '.' {
				return true
			}
		}
	}
	return false
}

// minor reports whether field f of the request's dataset is a child's
// personal information under the regime's rules.
func (s *SharingRules) minor(regime uint8, req *Request, f *Field) bool {
	return regime == s.minorsRegime && f.PI && (req.Dataset.Minors || s.MinorCategory(f.Categories))
}
