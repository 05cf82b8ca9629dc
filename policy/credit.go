package policy

import (
	"slices"
	"strings"
)

// A CreditFlowRule is the domestic flow rule for credit information (the
// PBoC's "breaking the direct connection", 断直连): an organisation of a
// platform sector passes borrowers' personal information to a lender only
// through a licensed personal credit agency or the credit reference
// centre, never directly. It applies to reads through grants from an
// owner of one of FromSectors to a consumer of one of ToSectors, of a
// dataset that holds credit information (a field of one of Categories),
// unless the consumer's sector is one of ExemptSectors.
type CreditFlowRule struct {
	Rule
	FromSectors   []string `json:"from_sectors"`
	ToSectors     []string `json:"to_sectors"`
	ExemptSectors []string `json:"exempt_sectors"`
	Categories    []string `json:"categories"`
	RuleID        string   `json:"rule"`
}

// loadCreditFlow checks the credit flow rule and resolves its decision
// rule.
func (s *SharingRules) loadCreditFlow(need func(entry, id string) (*Rule, error)) error {
	c := &s.file.CreditFlow
	if err := c.check("credit_flow"); err != nil {
		return err
	}
	switch {
	case len(c.FromSectors) == 0 || len(c.ToSectors) == 0:
		return invalid("credit_flow", "from_sectors and to_sectors required")
	case len(c.Categories) == 0:
		return invalid("credit_flow", "categories required")
	}
	for _, k := range c.Categories {
		if !validCategory(k) {
			return invalid("credit_flow", "category %q is not a dotted key such as user.credit", k)
		}
	}
	var err error
	s.r.creditDirect, err = need("credit_flow", c.RuleID)
	return err
}

// CreditCategory reports whether any of categories is credit information
// under the credit flow rule.
func (s *SharingRules) CreditCategory(categories []string) bool {
	for _, c := range categories {
		for _, k := range s.file.CreditFlow.Categories {
			if c == k || strings.HasPrefix(c, k) && c[len(k)] == '.' {
				return true
			}
		}
	}
	return false
}

// creditDirect reports whether the read of req is a platform passing a
// credit dataset straight to a lender.
func (s *SharingRules) creditDirect(req *Request) bool {
	c := &s.file.CreditFlow
	return req.Dataset.Credit && slices.Contains(c.FromSectors, req.Dataset.OwnerSector) &&
		slices.Contains(c.ToSectors, req.Consumer.Sector) && !slices.Contains(c.ExemptSectors, req.Consumer.Sector)
}
