package residency_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/internal/testenv"
	"github.com/sluice-gateway/sluice/recordio"
)

// BenchmarkIngest_Minimisation measures an upload of ride-hailing records
// classified with the built-in catalog, into a dataset without an app type
// (no check), and with one under warn and strip.
//
//	go test ./residency -run '^$' -bench Minimisation -benchtime 5x -count 6 | tee new.txt
func BenchmarkIngest_Minimisation(b *testing.B) {
	const n = 20000
	var csv bytes.Buffer
	csv.WriteString("phone,pickup,resident_id,fare\n")
	for i := range n {
		fmt.Fprintf(&csv, "138%08d,31.%04d 121.%04d,11010519491231002X,%d\n", i, i%10000, i%10000, i%100)
	}
	for _, tc := range []struct {
		name    string
		appType string
		mode    sluice.MinimisationMode
	}{{"check=none", "", ""}, {"check=warn", "ride_hailing", sluice.MinimisationWarn}, {"check=strip", "ride_hailing", sluice.MinimisationStrip}} {
		b.Run(tc.name, func(b *testing.B) {
			cat := classify.DefaultCatalog()
			e := testenv.New(b, testenv.Options{Classifier: cat, Grader: cat})
			org := &sluice.Org{Name: "cn-rides", Region: "CN"}
			e.Key(org, sluice.RoleOwner)
			ctx := sluice.NewContextWithActor(context.Background(), &sluice.Actor{Org: org, Role: sluice.RoleOwner})
			if tc.mode != "" {
				if err := e.Stores.Settings.PutSettings(ctx, &sluice.OrgSettings{Minimisation: tc.mode}); err != nil {
					b.Fatal(err)
				}
			}
			i := 0
			b.ReportAllocs()
			b.SetBytes(int64(csv.Len()))
			for b.Loop() {
				i++
				d := &sluice.Dataset{Name: fmt.Sprintf("rides-%d", i), Purpose: "rides", SubjectField: "phone", AppType: tc.appType}
				if err := e.Stores.Datasets.CreateDataset(ctx, d); err != nil {
					b.Fatal(err)
				}
				rd, err := recordio.NewReader(bytes.NewReader(csv.Bytes()), recordio.Options{Format: recordio.FormatCSV})
				if err != nil {
					b.Fatal(err)
				}
				in, err := e.Records.IngestRecords(ctx, d.ID, source{rd})
				if err != nil {
					b.Fatal(err)
				}
				if in.RecordCount != n {
					b.Fatalf("%d records", in.RecordCount)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
		})
	}
}

type source struct{ rd recordio.Reader }

func (s source) Read() (*sluice.InputRecord, error) {
	rec, err := s.rd.Read()
	if err != nil {
		return nil, err
	}
	return (*sluice.InputRecord)(rec), nil
}
