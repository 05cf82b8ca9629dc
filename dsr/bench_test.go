package dsr_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// BenchmarkErasure measures an erasure request end to end over HTTP on
// SQLite: the scan of a dataset of 200,000 records for one person's, the
// deletion and the checkpoint. It reports records scanned a second.
//
//	go test ./dsr -run '^$' -bench Erasure -benchtime 3x
func BenchmarkErasure(b *testing.B) {
	if testing.Short() {
		b.Skip("ingests 200,000 records")
	}
	const n = 200_000
	env := testenv.New(b, testenv.Options{Engine: testenv.SQLite, Classifier: testenv.Classifier{Fields: fields}})
	owner := env.Key(&sluice.Org{Name: "clinic", Region: "CN"}, sluice.RoleOwner)
	var d sluice.Dataset
	env.Do("POST", "/v1/datasets", owner, map[string]string{"name": "visits", "purpose": "care", "subject_field": "phone"}).Want(b, 201).Decode(b, &d)
	var csv strings.Builder
	csv.WriteString("phone,visit\n")
	for i := range n {
		fmt.Fprintf(&csv, "139%08d,visit %d\n", i, i)
	}
	env.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), owner, []byte(csv.String())).Want(b, 201)
	i := 0
	for b.Loop() {
		var r sluice.SubjectRequest
		env.Do("POST", "/v1/subject-requests", owner, map[string]any{"type": "erasure", "jurisdiction": "CN",
			"identifiers": map[string]string{"phone": fmt.Sprintf("139%08d", i)}}).Want(b, 201).Decode(b, &r)
		env.Do("POST", fmt.Sprintf("/v1/subject-requests/%d/verify", r.ID), owner, nil).Want(b, 200)
		env.Do("POST", fmt.Sprintf("/v1/subject-requests/%d/fulfil", r.ID), owner, nil).Want(b, 200).Decode(b, &r)
		if r.Outcome.Erased != 1 {
			b.Fatalf("erased %d", r.Outcome.Erased)
		}
		i++
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records-scanned/s")
}
