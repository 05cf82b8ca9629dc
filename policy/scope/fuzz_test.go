package scope_test

import (
	"os"
	"testing"

	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/policy/scope"
)

// FuzzParse checks that no data file makes Parse panic, and that what it
// accepts is consistent: every app type is found by its key and its scope
// covers only personal-information keys of the catalog.
func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	if b, err := os.ReadFile("data/necessary_pi.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"schema":1}`))
	cat := classify.DefaultCatalog()
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := scope.Parse("fuzz.json", data, cat)
		if err != nil {
			return
		}
		for _, a := range p.AppTypes() {
			if b, err := p.AppType(a.Key); err != nil || b != a {
				t.Fatalf("app type %q not found by its key: %v", a.Key, err)
			}
			for _, k := range a.Categories() {
				if !cat.IsPersonal(k, scope.Jurisdiction) {
					t.Fatalf("%s: scope key %q is not personal information", a.Key, k)
				}
			}
		}
	})
}
