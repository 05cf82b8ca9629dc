package scope

import "github.com/sluice-gateway/sluice"

// A Minimiser is [Provisions] as an ingest's minimisation check takes it:
// the excess as root-package values.
type Minimiser struct{ *Provisions }

// Excess returns [Provisions.Check]'s excess as sluice.Excess values.
func (m Minimiser) Excess(appType string, purposeCategories []string, fields []*sluice.Field) ([]sluice.Excess, error) {
	ex, err := m.Check(appType, purposeCategories, fields)
	if err != nil {
		return nil, err
	}
	out := make([]sluice.Excess, len(ex))
	for i, e := range ex {
		out[i] = sluice.Excess{Field: e.Field, Category: e.Category, AppType: e.AppType, Article: e.Article, Ref: e.Ref, Confidence: string(e.Confidence)}
	}
	return out, nil
}

// ValidateAppType returns EINVALID, listing the app types, unless key is
// one of them.
func (m Minimiser) ValidateAppType(key string) error {
	_, err := m.AppType(key)
	return err
}
