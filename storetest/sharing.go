package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
)

// testSharing runs the contract of the governed-sharing services: org
// kinds, purposes, the grant state machine, the consent ledger and
// organisation policies.
func testSharing(t *testing.T, open func(t *testing.T) *Stores) {
	t.Run("OrgKind", func(t *testing.T) { testOrgKind(t, open(t)) })
	t.Run("Purpose", func(t *testing.T) { testPurpose(t, open(t)) })
	t.Run("Grant", func(t *testing.T) { testGrant(t, open(t)) })
	t.Run("GrantExpiry", func(t *testing.T) { testGrantExpiry(t, open(t)) })
	t.Run("Consent", func(t *testing.T) { testConsent(t, open(t)) })
	t.Run("Policy", func(t *testing.T) { testPolicy(t, open(t)) })
}

func testOrgKind(t *testing.T, s *Stores) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		a := &sluice.Org{Name: "city-police", Region: "CN", Kind: sluice.OrgDomesticAuthority}
		b := &sluice.Org{Name: "plain-co", Region: "CN"}
		for _, o := range []*sluice.Org{a, b} {
			if err := s.Orgs.CreateOrg(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		for o, want := range map[*sluice.Org]sluice.OrgKind{a: sluice.OrgDomesticAuthority, b: sluice.OrgCompany} {
			got, err := s.Orgs.FindOrgByID(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			} else if got.Kind != want {
				t.Fatalf("org %s: kind %q, want %q", o.Name, got.Kind, want)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		wantCode(t, s.Orgs.CreateOrg(ctx, &sluice.Org{Name: "spy", Region: "CN", Kind: "spy_agency"}), sluice.EINVALID)
	})
}

func testPurpose(t *testing.T, s *Stores) {
	a, b := MustCreateOrg(t, s, "org-a", "CN"), MustCreateOrg(t, s, "org-b", "EU")
	actx, bctx := OwnerContext(a), OwnerContext(b)
	p := &sluice.Purpose{Name: "credit-check", LegalBasis: "consent", Categories: []string{"user.contact.phone_number"}, RetentionDays: 30}
	t.Run("OK", func(t *testing.T) {
		if err := s.Purposes.CreatePurpose(actx, p); err != nil {
			t.Fatal(err)
		} else if p.ID == 0 || p.OrgID != a.ID || p.CreatedAt.IsZero() {
			t.Fatalf("purpose %+v", p)
		}
		got, err := s.Purposes.FindPurposeByName(bctx, a.ID, "credit-check")
		if err != nil {
			t.Fatal(err)
		} else if got.LegalBasis != "consent" || got.RetentionDays != 30 || len(got.Categories) != 1 || !got.CreatedAt.Equal(p.CreatedAt) {
			t.Fatalf("got %+v", got)
		}
		if ps, n, err := s.Purposes.FindPurposes(bctx, sluice.PurposeFilter{}); err != nil || n != 0 || len(ps) != 0 {
			t.Fatalf("another org sees %d purposes (%v)", n, err)
		}
		if ps, n, err := s.Purposes.FindPurposes(actx, sluice.PurposeFilter{}); err != nil || n != 1 || ps[0].Name != "credit-check" {
			t.Fatalf("own purposes: %v %d %v", ps, n, err)
		}
		// Another org may use the same name.
		if err := s.Purposes.CreatePurpose(bctx, &sluice.Purpose{Name: "credit-check", LegalBasis: "legitimate_interests", RetentionDays: 1}); err != nil {
			t.Fatal(err)
		}
		wantLastEvent(t, s, sluice.ActionPurposeCreate)
	})
	t.Run("ErrConflict", func(t *testing.T) {
		wantCode(t, s.Purposes.CreatePurpose(actx, &sluice.Purpose{Name: "credit-check", LegalBasis: "contract", RetentionDays: 1}), sluice.ECONFLICT)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, bad := range []*sluice.Purpose{
			{Name: "", LegalBasis: "consent", RetentionDays: 1},
			{Name: "Bad Name", LegalBasis: "consent", RetentionDays: 1},
			{Name: "x", LegalBasis: "", RetentionDays: 1},
			{Name: "x", LegalBasis: "consent", RetentionDays: 0},
			{Name: "x", LegalBasis: "consent", RetentionDays: 1, Categories: []string{"Not A Key"}},
		} {
			wantCode(t, s.Purposes.CreatePurpose(actx, bad), sluice.EINVALID)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.Purposes.FindPurposeByName(actx, a.ID, "nothing")
		wantCode(t, err, sluice.ENOTFOUND)
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		wantCode(t, s.Purposes.CreatePurpose(context.Background(), &sluice.Purpose{Name: "y", LegalBasis: "consent", RetentionDays: 1}), sluice.EUNAUTHORIZED)
	})
}

// sharingFixture is an owner org with a dataset of fields phone, name and
// note, and a consumer org with a consent-based purpose "research".
type sharingFixture struct {
	owner, consumer, stranger *sluice.Org
	octx, cctx, sctx          context.Context
	dataset                   *sluice.Dataset
}

func newSharingFixture(t *testing.T, s *Stores) *sharingFixture {
	t.Helper()
	f := &sharingFixture{
		owner:    MustCreateOrg(t, s, "owner-co", "CN"),
		consumer: MustCreateOrg(t, s, "consumer-co", "CN"),
		stranger: MustCreateOrg(t, s, "stranger-co", "CN"),
	}
	f.octx = OwnerContext(f.owner)
	f.cctx = sluice.NewContextWithActor(context.Background(), &sluice.Actor{Org: f.consumer, Role: sluice.RoleConsumer, Key: "kc"})
	f.sctx = sluice.NewContextWithActor(context.Background(), &sluice.Actor{Org: f.stranger, Role: sluice.RoleConsumer, Key: "ks"})
	f.dataset = MustCreateDataset(t, s, f.octx, "people", "phone")
	if _, err := RecordService(s).IngestRecords(f.octx, f.dataset.ID, Rows(3, nil)); err != nil {
		t.Fatal(err)
	}
	if err := s.Purposes.CreatePurpose(f.cctx, &sluice.Purpose{Name: "research", LegalBasis: "consent", RetentionDays: 90}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *sharingFixture) request(t *testing.T, s *Stores, fields ...string) *sluice.Grant {
	t.Helper()
	g := &sluice.Grant{DatasetID: f.dataset.ID, RequestedFields: fields, Purpose: "research", Justification: "a study", DurationDays: 30}
	if err := s.Grants.CreateGrant(f.cctx, g); err != nil {
		t.Fatal(err)
	}
	return g
}

func testGrant(t *testing.T, s *Stores) {
	f := newSharingFixture(t, s)
	var g *sluice.Grant
	t.Run("OK", func(t *testing.T) {
		g = f.request(t, s, "phone", "name", "note")
		if g.ID == 0 || g.Status != sluice.GrantPending || g.OwnerOrgID != f.owner.ID || g.ConsumerOrgID != f.consumer.ID ||
			g.LegalBasis != "consent" || len(g.Fields) != 3 || g.ExpiresAt != nil {
			t.Fatalf("grant %+v", g)
		}
		e := wantLastEvent(t, s, sluice.ActionGrantRequest)
		if e.Actor.Org != "consumer-co" || e.Object["grant"] != float64(g.ID) || strings.Contains(fmt.Sprint(e.Details), "a study") {
			t.Fatalf("event %+v", e)
		}
		for _, ctx := range []context.Context{f.octx, f.cctx, context.Background()} {
			got, err := s.Grants.FindGrantByID(ctx, g.ID)
			if err != nil {
				t.Fatal(err)
			} else if got.Justification != "a study" || !got.CreatedAt.Equal(g.CreatedAt) || strings.Join(got.RequestedFields, ",") != "phone,name,note" {
				t.Fatalf("got %+v", got)
			}
		}
		owner, consumer := f.owner.ID, f.consumer.ID
		pending := sluice.GrantPending
		if gs, n, err := s.Grants.FindGrants(f.octx, sluice.GrantFilter{OwnerOrgID: &owner, Status: &pending}); err != nil || n != 1 || gs[0].ID != g.ID {
			t.Fatalf("owner's pending grants: %v %d %v", gs, n, err)
		}
		if gs, n, err := s.Grants.FindGrants(f.cctx, sluice.GrantFilter{ConsumerOrgID: &consumer}); err != nil || n != 1 || gs[0].ID != g.ID {
			t.Fatalf("consumer's grants: %v %d %v", gs, n, err)
		}
	})
	t.Run("ErrRequest", func(t *testing.T) {
		for _, c := range []struct {
			name string
			ctx  context.Context
			g    sluice.Grant
			code string
		}{
			{"UnknownDataset", f.cctx, sluice.Grant{DatasetID: 9999, RequestedFields: []string{"phone"}, Purpose: "research", Justification: "j", DurationDays: 1}, sluice.ENOTFOUND},
			{"UnknownField", f.cctx, sluice.Grant{DatasetID: f.dataset.ID, RequestedFields: []string{"salary"}, Purpose: "research", Justification: "j", DurationDays: 1}, sluice.EINVALID},
			{"FieldTwice", f.cctx, sluice.Grant{DatasetID: f.dataset.ID, RequestedFields: []string{"name", "name"}, Purpose: "research", Justification: "j", DurationDays: 1}, sluice.EINVALID},
			{"UnknownPurpose", f.cctx, sluice.Grant{DatasetID: f.dataset.ID, RequestedFields: []string{"phone"}, Purpose: "marketing", Justification: "j", DurationDays: 1}, sluice.EINVALID},
			{"BasisMismatch", f.cctx, sluice.Grant{DatasetID: f.dataset.ID, RequestedFields: []string{"phone"}, Purpose: "research", LegalBasis: "contract", Justification: "j", DurationDays: 1}, sluice.EINVALID},
			{"OwnDataset", f.octx, sluice.Grant{DatasetID: f.dataset.ID, RequestedFields: []string{"phone"}, Purpose: "research", Justification: "j", DurationDays: 1}, sluice.EINVALID},
			{"NoJustification", f.cctx, sluice.Grant{DatasetID: f.dataset.ID, RequestedFields: []string{"phone"}, Purpose: "research", DurationDays: 1}, sluice.EINVALID},
			{"Duration", f.cctx, sluice.Grant{DatasetID: f.dataset.ID, RequestedFields: []string{"phone"}, Purpose: "research", Justification: "j", DurationDays: sluice.MaxGrantDays + 1}, sluice.EINVALID},
			{"Operator", context.Background(), sluice.Grant{DatasetID: f.dataset.ID, RequestedFields: []string{"phone"}, Purpose: "research", Justification: "j", DurationDays: 1}, sluice.EUNAUTHORIZED},
		} {
			t.Run(c.name, func(t *testing.T) {
				g := c.g
				wantCode(t, s.Grants.CreateGrant(c.ctx, &g), c.code)
			})
		}
		if err := s.Grants.CreateGrant(f.cctx, &sluice.Grant{DatasetID: f.dataset.ID, RequestedFields: []string{"salary"}, Purpose: "research", Justification: "j", DurationDays: 1}); err == nil {
			t.Fatal("no error")
		} else if e := (*sluice.Error)(nil); !errors.As(err, &e) || e.Field != "salary" {
			t.Fatalf("error %v does not name the field", err)
		}
	})
	t.Run("ErrStranger", func(t *testing.T) {
		_, err := s.Grants.FindGrantByID(f.sctx, g.ID)
		wantCode(t, err, sluice.ENOTFOUND)
		if gs, n, err := s.Grants.FindGrants(f.sctx, sluice.GrantFilter{}); err != nil || n != 0 || len(gs) != 0 {
			t.Fatalf("stranger sees %d grants", n)
		}
		_, err = s.Grants.ApproveGrant(f.sctx, g.ID, sluice.GrantApproval{})
		wantCode(t, err, sluice.ENOTFOUND)
		_, err = s.Grants.RevokeGrant(f.sctx, g.ID, "")
		wantCode(t, err, sluice.ENOTFOUND)
	})
	t.Run("ErrConsumerApproves", func(t *testing.T) {
		_, err := s.Grants.ApproveGrant(f.cctx, g.ID, sluice.GrantApproval{})
		wantCode(t, err, sluice.EFORBIDDEN)
		_, err = s.Grants.DenyGrant(f.cctx, g.ID, "no")
		wantCode(t, err, sluice.EFORBIDDEN)
	})
	t.Run("ErrApproval", func(t *testing.T) {
		past := time.Now().Add(-time.Hour)
		for _, a := range []sluice.GrantApproval{
			{Fields: []sluice.GrantField{{Name: "salary"}}},
			{Fields: []sluice.GrantField{{Name: "name"}, {Name: "name"}}},
			{Fields: []sluice.GrantField{}},
			{ExpiresAt: &past},
		} {
			_, err := s.Grants.ApproveGrant(f.octx, g.ID, a)
			wantCode(t, err, sluice.EINVALID)
		}
		if got, _ := s.Grants.FindGrantByID(f.octx, g.ID); got.Status != sluice.GrantPending {
			t.Fatalf("a failed approval changed the grant: %+v", got)
		}
	})
	t.Run("Approve", func(t *testing.T) {
		got, err := s.Grants.ApproveGrant(f.octx, g.ID, sluice.GrantApproval{
			Fields:            []sluice.GrantField{{Name: "phone", Op: "mask(3,4)"}, {Name: "name"}},
			RiskAssessmentRef: "RA-1",
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != sluice.GrantApproved || got.ExpiresAt == nil || got.DecidedAt == nil || got.RiskAssessmentRef != "RA-1" ||
			strings.Join(got.FieldNames(), ",") != "phone,name" || got.Fields[0].Op != "mask(3,4)" {
			t.Fatalf("approved %+v", got)
		}
		if d := got.ExpiresAt.Sub(*got.DecidedAt); d != 30*24*time.Hour {
			t.Fatalf("expires %v after approval, want the 30 days asked", d)
		}
		stored, err := s.Grants.FindGrantByID(f.cctx, g.ID)
		if err != nil {
			t.Fatal(err)
		} else if stored.Status != sluice.GrantApproved || !stored.ExpiresAt.Equal(*got.ExpiresAt) || stored.Fields[0].Op != "mask(3,4)" {
			t.Fatalf("stored %+v", stored)
		}
		e := wantLastEvent(t, s, sluice.ActionGrantApprove)
		if ops, _ := e.Details["operators"].(map[string]any); ops["phone"] != "mask(3,4)" || ops["name"] != "default" || e.Details["risk_assessment_ref"] != "RA-1" {
			t.Fatalf("event details %v", e.Details)
		}
		_, err = s.Grants.ApproveGrant(f.octx, g.ID, sluice.GrantApproval{})
		wantCode(t, err, sluice.ECONFLICT)
		_, err = s.Grants.DenyGrant(f.octx, g.ID, "too late")
		wantCode(t, err, sluice.ECONFLICT)
	})
	t.Run("ConcurrentApprovals", func(t *testing.T) {
		h := f.request(t, s, "phone", "name")
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				a := sluice.GrantApproval{Fields: []sluice.GrantField{{Name: "phone", Op: "pseudonym"}}}
				if i%2 == 1 {
					a.Fields = []sluice.GrantField{{Name: "name"}}
				}
				_, errs[i] = s.Grants.ApproveGrant(f.octx, h.ID, a)
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				wantCode(t, err, sluice.ECONFLICT)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of %d concurrent approvals succeeded, want 1", ok, len(errs))
		}
		got, _ := s.Grants.FindGrantByID(f.octx, h.ID)
		if got.Status != sluice.GrantApproved || len(got.Fields) != 1 {
			t.Fatalf("after concurrent approvals: %+v", got)
		}
	})
	t.Run("Deny", func(t *testing.T) {
		h := f.request(t, s, "note")
		_, err := s.Grants.DenyGrant(f.octx, h.ID, " ")
		wantCode(t, err, sluice.EINVALID)
		got, err := s.Grants.DenyGrant(f.octx, h.ID, "not necessary for the purpose")
		if err != nil {
			t.Fatal(err)
		} else if got.Status != sluice.GrantDenied || got.Reason != "not necessary for the purpose" {
			t.Fatalf("denied %+v", got)
		}
		wantLastEvent(t, s, sluice.ActionGrantDeny)
		_, err = s.Grants.RevokeGrant(f.cctx, h.ID, "")
		wantCode(t, err, sluice.ECONFLICT)
	})
	t.Run("Revoke", func(t *testing.T) {
		got, err := s.Grants.RevokeGrant(f.cctx, g.ID, "study finished")
		if err != nil {
			t.Fatal(err)
		} else if got.Status != sluice.GrantRevoked {
			t.Fatalf("revoked %+v", got)
		}
		wantLastEvent(t, s, sluice.ActionGrantRevoke)
		_, err = s.Grants.RevokeGrant(f.octx, g.ID, "")
		wantCode(t, err, sluice.ECONFLICT)
		// A pending grant can be withdrawn by the consumer, or revoked by the owner.
		h := f.request(t, s, "name")
		if got, err := s.Grants.RevokeGrant(f.octx, h.ID, ""); err != nil || got.Status != sluice.GrantRevoked {
			t.Fatalf("revoke pending: %+v %v", got, err)
		}
	})
}

func testGrantExpiry(t *testing.T, s *Stores) {
	f := newSharingFixture(t, s)
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { return now }
	s.SetNow(clock)
	t.Cleanup(func() { s.SetNow(func() time.Time { return time.Now().UTC() }) })

	g := f.request(t, s, "phone")
	expires := now.Add(time.Hour)
	if _, err := s.Grants.ApproveGrant(f.octx, g.ID, sluice.GrantApproval{ExpiresAt: &expires}); err != nil {
		t.Fatal(err)
	}
	approved, expired := sluice.GrantApproved, sluice.GrantExpired
	count := func(st *sluice.GrantStatus) int {
		_, n, err := s.Grants.FindGrants(f.cctx, sluice.GrantFilter{Status: st})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if gs, err := s.Grants.ExpireGrants(context.Background()); err != nil || len(gs) != 0 {
		t.Fatalf("expired before time: %v %v", gs, err)
	}
	if count(&approved) != 1 || count(&expired) != 0 {
		t.Fatal("before expiry: not approved")
	}

	now = expires // expiry is at expires_at, not after it
	if got, _ := s.Grants.FindGrantByID(f.cctx, g.ID); got.Status != sluice.GrantExpired {
		t.Fatalf("at expiry the grant shows %s", got.Status)
	}
	if count(&approved) != 0 || count(&expired) != 1 {
		t.Fatal("at expiry: filters disagree")
	}
	_, err := s.Grants.RevokeGrant(f.cctx, g.ID, "")
	wantCode(t, err, sluice.ECONFLICT)

	gs, err := s.Grants.ExpireGrants(context.Background())
	if err != nil || len(gs) != 1 || gs[0].ID != g.ID || gs[0].Status != sluice.GrantExpired {
		t.Fatalf("ExpireGrants: %v %v", gs, err)
	}
	e := wantLastEvent(t, s, sluice.ActionGrantExpire)
	if e.Actor.Role != "operator" {
		t.Fatalf("expiry event actor %+v", e.Actor)
	}
	if gs, err := s.Grants.ExpireGrants(context.Background()); err != nil || len(gs) != 0 {
		t.Fatalf("expired twice: %v %v", gs, err)
	}
	if count(&expired) != 1 {
		t.Fatal("recorded expiry not found by filter")
	}
}

func testConsent(t *testing.T, s *Stores) {
	f := newSharingFixture(t, s)
	ctx := context.Background()
	var clock time.Time = time.Now().UTC().Truncate(time.Second)
	s.SetNow(func() time.Time { return clock })
	t.Cleanup(func() { s.SetNow(func() time.Time { return time.Now().UTC() }) })
	tick := func() time.Time { clock = clock.Add(time.Second); return clock }

	keyer := sluice.NewSubjectKeyer([]byte("consent test"))
	k := func(i int) string { return keyer.Key(fmt.Sprintf("1380000%04d", i)) }
	g := f.request(t, s, "phone")
	if err := s.Purposes.CreatePurpose(f.octx, &sluice.Purpose{Name: "service", LegalBasis: "consent", RetentionDays: 365}); err != nil {
		t.Fatal(err)
	}
	give := func(key, purpose string, grant int64, kind sluice.ConsentKind) *sluice.Consent {
		t.Helper()
		tick()
		c := &sluice.Consent{SubjectKey: key, Purpose: purpose, GrantID: grant, Kind: kind, Evidence: "form 7"}
		if err := s.Consents.CreateConsent(f.octx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}

	t.Run("OK", func(t *testing.T) {
		c := give(k(1), "", g.ID, sluice.ConsentSeparate)
		if c.ID == 0 || c.OrgID != f.owner.ID || c.Purpose != "research" || !c.CreatedAt.Equal(clock) {
			t.Fatalf("consent %+v", c)
		}
		e := wantLastEvent(t, s, sluice.ActionConsentGive)
		if len(e.Subjects) != 1 || e.Subjects[0] != k(1) || strings.Contains(fmt.Sprint(e.Details), "form 7") {
			t.Fatalf("event %+v", e)
		}
		give(k(2), "research", 0, sluice.ConsentGiven)
		give(k(3), "service", 0, sluice.ConsentGiven) // another purpose
		cs, n, err := s.Consents.FindConsents(f.octx, sluice.ConsentFilter{})
		if err != nil || n != 3 || cs[0].ID != c.ID || cs[0].Evidence != "form 7" || cs[0].GrantID != g.ID {
			t.Fatalf("FindConsents: %v %d %v", cs, n, err)
		}
		if _, n, _ := s.Consents.FindConsents(f.cctx, sluice.ConsentFilter{}); n != 0 {
			t.Fatalf("another org sees %d entries", n)
		}
	})
	t.Run("States", func(t *testing.T) {
		give(k(4), "research", 0, sluice.ConsentSeparate)
		before := clock
		w := give(k(4), "research", 0, sluice.ConsentWithdrawal)
		give(k(5), "research", 0, sluice.ConsentSeparate)
		give(k(5), "research", 0, sluice.ConsentWithdrawal)
		again := give(k(5), "research", 0, sluice.ConsentGiven)
		give(k(6), "research", 0, sluice.ConsentGiven)
		upgraded := give(k(6), "research", 0, sluice.ConsentSeparate)

		keys := []string{k(1), k(2), k(3), k(4), k(5), k(6), k(7)}
		states, err := s.Consents.FindConsentStates(ctx, f.owner.ID, "research", keys, clock)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]sluice.ConsentState{
			k(1): {Kind: sluice.ConsentSeparate},
			k(2): {Kind: sluice.ConsentGiven},
			k(4): {Kind: sluice.ConsentSeparate, WithdrawnAt: w.CreatedAt},
			k(5): {Kind: sluice.ConsentGiven, GivenAt: again.CreatedAt},
			k(6): {Kind: sluice.ConsentSeparate, GivenAt: upgraded.CreatedAt},
		}
		if len(states) != len(want) {
			t.Fatalf("states for %d keys, want %d: %v", len(states), len(want), states)
		}
		for key, w := range want {
			got := states[key]
			if got.Kind != w.Kind || !got.WithdrawnAt.Equal(w.WithdrawnAt) || !w.GivenAt.IsZero() && !got.GivenAt.Equal(w.GivenAt) {
				t.Errorf("state of %s…: %+v, want %+v", key[:8], got, w)
			}
		}
		if states[k(4)].Active(sluice.ConsentGiven) || !states[k(5)].Active(sluice.ConsentGiven) || states[k(5)].Active(sluice.ConsentSeparate) {
			t.Error("Active disagrees with the states")
		}
		// Not retroactive: before the withdrawal, k(4)'s consent stands.
		past, err := s.Consents.FindConsentStates(ctx, f.owner.ID, "research", keys, before)
		if err != nil {
			t.Fatal(err)
		} else if !past[k(4)].Active(sluice.ConsentSeparate) {
			t.Fatalf("state before the withdrawal %+v", past[k(4)])
		}
		if st, _ := s.Consents.FindConsentStates(ctx, f.consumer.ID, "research", keys, clock); len(st) != 0 {
			t.Fatalf("another org's ledger holds %v", st)
		}
	})
	t.Run("ManyKeys", func(t *testing.T) {
		keys := make([]string, 20000)
		for i := range keys {
			keys[i] = k(i % 10)
		}
		states, err := s.Consents.FindConsentStates(ctx, f.owner.ID, "research", keys, clock)
		if err != nil || len(states) != 5 {
			t.Fatalf("%d states, %v", len(states), err)
		}
		_, err = s.Consents.FindConsentStates(ctx, f.owner.ID, "research", make([]string, sluice.MaxConsentLookup+1), clock)
		wantCode(t, err, sluice.EINVALID)
	})
	t.Run("Err", func(t *testing.T) {
		other := f.request(t, s, "name")
		for _, c := range []struct {
			name string
			ctx  context.Context
			c    sluice.Consent
			code string
		}{
			{"UnknownPurpose", f.octx, sluice.Consent{SubjectKey: k(1), Purpose: "marketing", Kind: sluice.ConsentGiven}, sluice.EINVALID},
			{"ConsumersPurposeWithoutGrant", f.cctx, sluice.Consent{SubjectKey: k(1), Purpose: "unknown", Kind: sluice.ConsentGiven}, sluice.EINVALID},
			{"BadKey", f.octx, sluice.Consent{SubjectKey: "13800138000", Purpose: "service", Kind: sluice.ConsentGiven}, sluice.EINVALID},
			{"BadKind", f.octx, sluice.Consent{SubjectKey: k(1), Purpose: "service", Kind: "maybe"}, sluice.EINVALID},
			{"NoKind", f.octx, sluice.Consent{SubjectKey: k(1), Purpose: "service"}, sluice.EINVALID},
			{"GrantPurposeMismatch", f.octx, sluice.Consent{SubjectKey: k(1), Purpose: "service", GrantID: other.ID, Kind: sluice.ConsentGiven}, sluice.EINVALID},
			{"UnknownGrant", f.octx, sluice.Consent{SubjectKey: k(1), GrantID: 9999, Kind: sluice.ConsentGiven}, sluice.ENOTFOUND},
			{"NotOwnersGrant", f.cctx, sluice.Consent{SubjectKey: k(1), GrantID: other.ID, Kind: sluice.ConsentGiven}, sluice.ENOTFOUND},
			{"OtherOrgsLedger", f.cctx, sluice.Consent{OrgID: f.owner.ID, SubjectKey: k(1), Purpose: "service", Kind: sluice.ConsentGiven}, sluice.EFORBIDDEN},
			{"NoLedger", ctx, sluice.Consent{SubjectKey: k(1), Purpose: "service", Kind: sluice.ConsentGiven}, sluice.EINVALID},
			{"LongEvidence", f.octx, sluice.Consent{SubjectKey: k(1), Purpose: "service", Kind: sluice.ConsentGiven, Evidence: strings.Repeat("e", sluice.MaxConsentEvidence+1)}, sluice.EINVALID},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := c.c
				wantCode(t, s.Consents.CreateConsent(c.ctx, &e), c.code)
			})
		}
		// The operator may write an org's ledger, naming it.
		if err := s.Consents.CreateConsent(ctx, &sluice.Consent{OrgID: f.owner.ID, SubjectKey: k(9), Purpose: "service", Kind: sluice.ConsentGiven}); err != nil {
			t.Fatal(err)
		}
	})
}

func testPolicy(t *testing.T, s *Stores) {
	a, b := MustCreateOrg(t, s, "org-a", "CN"), MustCreateOrg(t, s, "org-b", "CN")
	actx := OwnerContext(a)
	t.Run("OK", func(t *testing.T) {
		p, err := s.Policies.PutPolicy(actx, "forbid (principal, action, resource);")
		if err != nil {
			t.Fatal(err)
		} else if p.Version != 1 || p.OrgID != a.ID || p.Hash != sluice.TextHash(p.Text) {
			t.Fatalf("policy %+v", p)
		}
		e := wantLastEvent(t, s, sluice.ActionPolicyUpdate)
		if e.Details["sha256"] != p.Hash || strings.Contains(fmt.Sprint(e.Details), "forbid") {
			t.Fatalf("event %+v", e)
		}
		if p, err = s.Policies.PutPolicy(actx, ""); err != nil || p.Version != 2 {
			t.Fatalf("second put: %+v %v", p, err)
		}
		got, err := s.Policies.FindPolicy(context.Background(), a.ID)
		if err != nil || got.Version != 2 || got.Text != "" || !got.UpdatedAt.Equal(p.UpdatedAt) {
			t.Fatalf("FindPolicy: %+v %v", got, err)
		}
		if all, err := s.Policies.FindPolicies(context.Background()); err != nil || len(all) != 1 {
			t.Fatalf("FindPolicies: %v %v", all, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.Policies.FindPolicy(context.Background(), b.ID)
		wantCode(t, err, sluice.ENOTFOUND)
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		_, err := s.Policies.PutPolicy(actx, strings.Repeat(" ", sluice.MaxPolicyText+1))
		wantCode(t, err, sluice.ETOOLARGE)
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		_, err := s.Policies.PutPolicy(context.Background(), "")
		wantCode(t, err, sluice.EUNAUTHORIZED)
	})
}

// wantLastEvent returns the last audit event, failing unless its action
// is action.
func wantLastEvent(tb testing.TB, s *Stores, action string) *sluice.Event {
	tb.Helper()
	ctx := context.Background()
	n, err := s.Events.CountEvents(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	data, err := s.Events.ReadEvents(ctx, n-1, 1)
	if err != nil || len(data) != 1 {
		tb.Fatalf("read last event: %v", err)
	}
	var e sluice.Event
	if err := json.Unmarshal(data[0], &e); err != nil {
		tb.Fatal(err)
	}
	if e.Action != action {
		tb.Fatalf("last event is %s, want %s: %s", e.Action, action, data[0])
	}
	return &e
}
