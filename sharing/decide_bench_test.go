package sharing

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy"
	"github.com/sluice-gateway/sluice/sqlite"
)

// BenchmarkService_Decide measures what every consumer read and decision
// spends before it touches a record: the grants of the consumer on the
// dataset and the owner's policy read again from the store (so that
// replicas decide on the stored state), and the plan for 8 fields; with
// 10 and 10,000 grants in the store and the index.
//
//	go test -run '^$' -bench Service_Decide -count 6 ./sharing/ | tee decide.txt
func BenchmarkService_Decide(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("grants=%d", n), func(b *testing.B) {
			s, d, consumer, g := newDecideFixture(b, n)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				dec, err := s.decide(ctx, d, consumer, g, "", nil, time.Now())
				if err != nil || dec.Plan.Served() != 8 {
					b.Fatal(err)
				}
			}
		})
	}
}

func newDecideFixture(b *testing.B, n int) (*Service, *sluice.Dataset, *sluice.Org, *sluice.Grant) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "control.db")
	db := sqlite.NewControlDB(path)
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	orgs, datasets, ingests, grants := sqlite.NewOrgService(db), sqlite.NewDatasetService(db), sqlite.NewIngestService(db), sqlite.NewGrantService(db)
	owner, consumer := &sluice.Org{Name: "owner", Region: "CN"}, &sluice.Org{Name: "consumer", Region: "CN"}
	for _, o := range []*sluice.Org{owner, consumer} {
		if err := orgs.CreateOrg(ctx, o); err != nil {
			b.Fatal(err)
		}
	}
	octx := sluice.NewContextWithActor(ctx, &sluice.Actor{Org: owner, Role: sluice.RoleOwner, Key: "k"})
	cctx := sluice.NewContextWithActor(ctx, &sluice.Actor{Org: consumer, Role: sluice.RoleConsumer, Key: "k"})
	d := &sluice.Dataset{Name: "d", Purpose: "p", SubjectField: "phone"}
	if err := datasets.CreateDataset(octx, d); err != nil {
		b.Fatal(err)
	}
	names := []string{"phone", "name", "id_number", "email", "city", "address", "amount", "note"}
	cats := map[string]string{"phone": "user.contact.phone_number", "name": "user.name", "id_number": "user.government_id", "email": "user.contact.email", "address": "user.contact.address"}
	var fields []*sluice.Field
	for _, name := range names {
		f := &sluice.Field{Name: name, Grade: sluice.GradeGeneral, Categories: []sluice.FieldCategory{}}
		if c, ok := cats[name]; ok {
			f.Categories = append(f.Categories, sluice.FieldCategory{Key: c, Ratio: 1})
		}
		fields = append(fields, f)
	}
	in := &sluice.Ingest{DatasetID: d.ID, Region: "CN"}
	if err := ingests.BeginIngest(octx, in); err != nil {
		b.Fatal(err)
	}
	var err error
	if d, err = ingests.FinishIngest(octx, in, fields); err != nil {
		b.Fatal(err)
	}
	if err := sqlite.NewPurposeService(db).CreatePurpose(cctx, &sluice.Purpose{Name: "scoring", LegalBasis: "consent", RetentionDays: 1}); err != nil {
		b.Fatal(err)
	}
	g := &sluice.Grant{DatasetID: d.ID, RequestedFields: names, Purpose: "scoring", Justification: "j", DurationDays: 30}
	if err := grants.CreateGrant(cctx, g); err != nil {
		b.Fatal(err)
	}
	if g, err = grants.ApproveGrant(octx, g.ID, sluice.GrantApproval{}); err != nil {
		b.Fatal(err)
	}
	// Other grants of other consumers, written straight to the table.
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=30000")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	for i := 1; i < n; i++ {
		other := &sluice.Org{Name: fmt.Sprintf("c%d", i), Region: "CN"}
		if i <= 10 {
			if err := orgs.CreateOrg(ctx, other); err != nil {
				b.Fatal(err)
			}
		} else {
			other.ID = int64(3 + (i % 10))
		}
		if _, err := raw.Exec(`INSERT INTO grants (dataset_id, owner_org_id, consumer_org_id, purpose, legal_basis, justification, duration_days,
			requested_fields, fields, status, expires_at, created_at, updated_at) VALUES (?, ?, ?, 'x', 'consent', 'j', 1, '["phone"]', '[{"name":"phone"}]', 'approved', ?, ?, ?)`,
			d.ID, owner.ID, other.ID, "2099-01-01T00:00:00.000000000Z", "2026-01-01T00:00:00.000000000Z", "2026-01-01T00:00:00.000000000Z"); err != nil {
			b.Fatal(err)
		}
	}
	rules, err := policy.DefaultRules()
	if err != nil {
		b.Fatal(err)
	}
	s := New(rules, []byte("s"))
	s.Grants, s.Policies, s.Purposes = grants, sqlite.NewPolicyService(db), sqlite.NewPurposeService(db)
	if err := s.Load(ctx); err != nil {
		b.Fatal(err)
	}
	if s.Engine.Grants().Len() != n {
		b.Fatalf("%d grants loaded, want %d", s.Engine.Grants().Len(), n)
	}
	return s, d, consumer, g
}
