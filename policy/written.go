package policy

import "strings"

// A WrittenConsentRule says which data is given to another only on the
// subject's written consent: credit information, which may be queried
// from the one who holds it only with the subject's written consent and an
// agreed use (Credit Reporting Industry Regulations Art. 18). It applies,
// on a consent basis, to reads by another org of the personal fields of
// its categories, in data of the regime it names.
type WrittenConsentRule struct {
	Rule
	Categories  []string `json:"categories"` // category keys (and the keys below them)
	Regime      string   `json:"regime"`
	ConsentRule string   `json:"consent_rule"`
}

// loadWritten checks the written-consent rule and resolves its decision
// rule. A rule file without one has no written-consent rule.
func (s *SharingRules) loadWritten(need func(entry, id string) (*Rule, error)) error {
	w := &s.file.WrittenConsent
	if len(w.Categories) == 0 && w.ConsentRule == "" {
		return nil
	}
	if err := w.check("written_consent"); err != nil {
		return err
	}
	idx, ok := regimeIndex(w.Regime)
	if !ok {
		return invalid("written_consent", "regime %q is not one of pipl, gdpr", w.Regime)
	}
	s.writtenRegime = idx
	if len(w.Categories) == 0 {
		return invalid("written_consent", "categories required")
	}
	for _, c := range w.Categories {
		if !validCategory(c) {
			return invalid("written_consent", "category %q is not a dotted key such as user.credit", c)
		}
	}
	var err error
	s.r.consentWritten, err = need("written_consent", w.ConsentRule)
	return err
}

// WrittenConsentCategory reports whether any of categories is given to
// another only on written consent. It does not allocate.
func (s *SharingRules) WrittenConsentCategory(categories []string) bool {
	for _, c := range categories {
		for _, k := range s.file.WrittenConsent.Categories {
			if c == k || strings.HasPrefix(c, k) && c[len(k)] == '.' {
				return true
			}
		}
	}
	return false
}

// written reports whether field f, read by another org than the owner,
// needs the subject's written consent under the regime's rules.
func (s *SharingRules) written(regime uint8, req *Request, f *Field) bool {
	return s.r.consentWritten != nil && regime == s.writtenRegime && f.PI && req.Consumer.ID != req.Dataset.Owner &&
		s.WrittenConsentCategory(f.Categories)
}
