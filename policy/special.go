package policy

import (
	"fmt"
	"sort"
	"strings"
)

// Kinds of special data under the GDPR.
const (
	SpecialArt9  = "art9"  // special categories of personal data (GDPR Art. 9(1))
	SpecialArt10 = "art10" // criminal convictions and offences (GDPR Art. 10)
)

// A SpecialCategory marks a data category, and every key below it at a
// dot, as special under the GDPR: an Art. 9(1) category or Art. 10
// criminal data. For data of a GDPR region this list, not the PIPL
// Art. 28 sensitivity of the field, decides what is sensitive.
type SpecialCategory struct {
	Rule
	Category string `json:"category"`
	Kind     string `json:"kind"` // art9 or art10
}

// A SpecialCondition is a condition that lifts the prohibition of
// processing special data: one of GDPR Art. 9(2)(a)–(j) for Art. 9
// categories, or Art. 10's official authority or authorisation by law
// for criminal data. A purpose names its condition
// (special_category_condition); its Rule is applied to the decision of
// every special field the condition covers.
type SpecialCondition struct {
	Rule
	Condition string `json:"condition"`
	AppliesTo string `json:"applies_to"` // art9 or art10
	// ExplicitConsent: each record needs its subject's explicit consent
	// (Art. 9(2)(a)).
	ExplicitConsent bool `json:"explicit_consent,omitempty"`
}

// loadSpecial checks the special categories and conditions and resolves
// the rules a decision applies when a special field has no condition.
func (s *SharingRules) loadSpecial(need func(entry, id string) (*Rule, error)) error {
	f := &s.file
	s.special = make(map[string]*SpecialCategory, len(f.SpecialCategories))
	s.conditions = make(map[string]*SpecialCondition, len(f.SpecialConditions))
	kindOK := func(k string) bool { return k == SpecialArt9 || k == SpecialArt10 }
	for i := range f.SpecialCategories {
		c := &f.SpecialCategories[i]
		entry := fmt.Sprintf("special_categories[%d] (%s)", i, c.Category)
		if err := c.check(entry); err != nil {
			return err
		} else if !validCategory(c.Category) {
			return invalid(entry, "category %q is not a dotted key such as user.health_and_medical", c.Category)
		} else if !kindOK(c.Kind) {
			return invalid(entry, "kind %q is not one of art9, art10", c.Kind)
		} else if _, dup := s.special[c.Category]; dup {
			return invalid(entry, "category listed twice")
		}
		c.ID = "special." + c.Category
		s.special[c.Category] = c
	}
	for i := range f.SpecialConditions {
		c := &f.SpecialConditions[i]
		entry := fmt.Sprintf("special_category_conditions[%d] (%s)", i, c.Condition)
		if err := c.check(entry); err != nil {
			return err
		} else if !purposeWord(c.Condition) {
			return invalid(entry, "condition %q is not a lower-case word such as health_care", c.Condition)
		} else if !kindOK(c.AppliesTo) {
			return invalid(entry, "applies_to %q is not one of art9, art10", c.AppliesTo)
		} else if c.Reason == "" {
			return invalid(entry, "reason required")
		} else if c.ExplicitConsent && c.AppliesTo != SpecialArt9 {
			return invalid(entry, "explicit_consent is an Art. 9(2)(a) condition")
		} else if _, dup := s.conditions[c.Condition]; dup {
			return invalid(entry, "condition listed twice")
		}
		c.ID = "condition." + c.Condition
		s.conditions[c.Condition] = c
	}
	var err error
	if s.r.specialNoCondition, err = need("rules", "special.no_condition"); err != nil {
		return err
	}
	if s.r.criminalNoAuthority, err = need("rules", "special.criminal.no_authority"); err != nil {
		return err
	}
	return nil
}

func purposeWord(w string) bool {
	if w == "" || len(w) > 64 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; !(c == '_' || 'a' <= c && c <= 'z' || isDigit(c)) {
			return false
		}
	}
	return true
}

// SpecialCategory returns the entry that makes a field with these
// categories special under the GDPR, or nil. Each category resolves to
// its longest listed prefix at a dot; Art. 10 criminal data wins over an
// Art. 9 category, since fewer conditions lift it. It does not allocate.
func (s *SharingRules) SpecialCategory(categories []string) *SpecialCategory {
	var best *SpecialCategory
	for _, c := range categories {
		for {
			if sc, ok := s.special[c]; ok {
				if best == nil || sc.Kind == SpecialArt10 {
					best = sc
				}
				break
			}
			i := strings.LastIndexByte(c, '.')
			if i < 0 {
				break
			}
			c = c[:i]
		}
	}
	return best
}

// SpecialCondition returns the condition of that name, or nil.
func (s *SharingRules) SpecialCondition(name string) *SpecialCondition {
	return s.conditions[name]
}

// SpecialConditions returns the names of every condition, sorted.
func (s *SharingRules) SpecialConditions() []string {
	out := make([]string, 0, len(s.conditions))
	for n := range s.conditions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// SpecialDenial returns the rule that refuses a field with categories to
// a purpose declaring condition (by name, "" for none) on a basis that
// does or does not rest on consent, or nil if the GDPR's rules on special
// data let it through (see specialCheck).
func (s *SharingRules) SpecialDenial(categories []string, condition string, consentBasis bool) *Rule {
	req := &Request{Purpose: Purpose{SpecialCondition: condition}}
	var d FieldDecision
	_, _, deny := s.specialCheck(req, &Field{Categories: categories}, &LegalBasis{NeedsConsent: consentBasis}, &d)
	return deny
}

// special applies the GDPR's rules on special data to field f of a read
// of GDPR-region data under basis lb: a special field needs a condition
// on the purpose that covers its kind (Art. 9(2) for Art. 9 categories,
// Art. 10 for criminal data). A purpose on the consent basis with no
// condition declared relies on Art. 9(2)(a): its records need explicit
// consent. It returns whether the field is special, whether its records
// need explicit consent, and the rule that denies it (nil: allowed).
func (s *SharingRules) specialCheck(req *Request, f *Field, lb *LegalBasis, d *FieldDecision) (special, explicit bool, deny *Rule) {
	sc := s.SpecialCategory(f.Categories)
	if sc == nil {
		return false, false, nil
	}
	cond := s.conditions[req.Purpose.SpecialCondition]
	if cond == nil && req.Purpose.SpecialCondition == "" && lb.NeedsConsent && sc.Kind == SpecialArt9 {
		return true, true, nil
	}
	if cond == nil || cond.AppliesTo != sc.Kind {
		if sc.Kind == SpecialArt10 {
			return true, false, s.r.criminalNoAuthority
		}
		return true, false, s.r.specialNoCondition
	}
	d.apply(&cond.Rule)
	return true, cond.ExplicitConsent || lb.NeedsConsent, nil
}
