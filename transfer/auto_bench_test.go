package transfer_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// BenchmarkCreateTransfer_Automotive measures what the per-processor
// count of Automotive Provisions Art. 3(5) adds to deciding a transfer:
// an org of another sector against one of the automotive sector, whose
// transfer also counts the distinct people across its datasets (two of
// 10,000 people each, half of them in both).
//
//	go test ./transfer -run '^$' -bench CreateTransfer_Automotive -count 6 | tee new.txt
func BenchmarkCreateTransfer_Automotive(b *testing.B) {
	for _, sector := range []string{"transport", sluice.SectorAutomotive} {
		b.Run("sector="+sector, func(b *testing.B) {
			e := testenv.New(b, testenv.Options{})
			key := e.Key(&sluice.Org{Name: "cn-" + sector, Region: "CN", Sector: sector}, sluice.RoleOwner)
			var d sluice.Dataset
			for i, from := range []int{0, 5000} {
				e.Do("POST", "/v1/datasets", key, map[string]string{"name": fmt.Sprint("d", i), "purpose": "rides", "subject_field": "phone"}).Want(b, 201).Decode(b, &d)
				var csv strings.Builder
				csv.WriteString("phone\n")
				for p := from; p < from+10000; p++ {
					fmt.Fprintf(&csv, "139%08d\n", p)
				}
				e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), key, []byte(csv.String())).Want(b, 201)
			}
			req := sluice.TransferRequest{Dataset: d.ID, Fields: []string{"phone"}, DestinationCountry: "DE", Recipient: "Acme GmbH", LegalBasis: "contract"}
			b.ReportAllocs()
			for b.Loop() {
				e.Do("POST", "/v1/transfers", key, req).Want(b, 201)
			}
		})
	}
}
