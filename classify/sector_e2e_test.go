package classify_test

import (
	"fmt"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// TestDatasetSectorLevels_JRT0197_GBT39725 checks, on each engine, that a
// dataset read over the API shows the class and level its fields have in
// its owner's sector catalogue beside its grade: JR/T 0197-2020 §5 levels
// for a bank, GB/T 39725-2020 §6.1 classes for a hospital, nothing for an
// org of another sector.
func TestDatasetSectorLevels_JRT0197_GBT39725(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.New(t, testenv.Options{Engine: engine, Grader: classify.DefaultCatalog()})
			levels := func(org *sluice.Org) []sluice.SectorLevel {
				key := e.Key(org, sluice.RoleOwner)
				var d sluice.Dataset
				e.Do("POST", "/v1/datasets", key, map[string]string{"name": "people", "purpose": "service", "subject_field": "phone"}).Decode(t, &d)
				if r := e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), key, []byte("phone,diagnosis\n13900000001,flu\n")); r.Status != 201 {
					t.Fatalf("ingest: %d %s", r.Status, r.Body)
				}
				var got sluice.Dataset
				e.Do("GET", fmt.Sprintf("/v1/datasets/%d", d.ID), key, nil).Decode(t, &got)
				if got.Grade != sluice.GradeGeneral {
					t.Errorf("%s: grade %s", org.Sector, got.Grade)
				}
				return got.SectorLevels
			}
			bank := levels(&sluice.Org{Name: "bank", Region: "CN", Sector: "bank"})
			if len(bank) != 1 || bank[0].Sector != "finance" || bank[0].Level != 3 || bank[0].Fields[0] != "phone" {
				t.Errorf("bank: %+v", bank)
			}
			hospital := levels(&sluice.Org{Name: "hospital", Region: "CN", Sector: "hospital"})
			classes := map[string][]string{}
			for _, l := range hospital {
				classes[l.Class] = l.Fields
			}
			if len(hospital) != 2 || classes["health status data"][0] != "diagnosis" || classes["personal attribute data"][0] != "phone" {
				t.Errorf("hospital: %+v", hospital)
			}
			if shop := levels(&sluice.Org{Name: "shop", Region: "CN", Sector: "retail"}); len(shop) != 0 {
				t.Errorf("retail: %+v", shop)
			}
		})
	}
}
