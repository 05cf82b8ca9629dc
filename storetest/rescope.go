package storetest

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
)

// A SubjectRescoper turns a control store's server-wide subject keys into
// org-scoped ones (see sluice.SubjectScoper).
type SubjectRescoper interface {
	DatasetOrgs(ctx context.Context) (map[int64]int64, error)
	RescopeSubjectKeys(ctx context.Context, sc *sluice.SubjectScoper, records int64, logger *slog.Logger) (bool, error)
}

// A RecordRescoper turns a record store's server-wide subject keys into
// org-scoped ones.
type RecordRescoper interface {
	RescopeSubjectKeys(ctx context.Context, orgOf map[int64]int64, sc *sluice.SubjectScoper) (int64, bool, error)
}

// testRescope checks the one-off change of stored subject keys to their
// org-scoped form: records, consents, transfer subjects and the subject
// sets beside audit events all change, with one audit event; lookups by
// the new keys find what the old ones did; entries written before still
// prove, offline, that they concern the person; a second run does
// nothing.
func testRescope(t *testing.T, s *Stores) {
	ctx := context.Background()
	rescoper := s.Rescoper
	if rescoper == nil {
		t.Fatal("the control store has no SubjectRescoper")
	}
	secret := []byte("master secret")
	org := MustCreateOrg(t, s, "cn-clinic", "CN")
	octx := OwnerContext(org)
	d := MustCreateDataset(t, s, octx, "visits", "phone")
	if _, err := RecordService(s).IngestRecords(octx, d.ID, Rows(40, nil)); err != nil {
		t.Fatal(err)
	}
	recs, err := RecordService(s).FindRecords(octx, sluice.RecordFilter{DatasetID: d.ID})
	if err != nil {
		t.Fatal(err)
	}
	var old []string
	for _, r := range recs {
		old = append(old, r.SubjectKey)
	}
	slices.Sort(old)
	old = slices.Compact(old)
	if len(old) <= auditlog.MaxInlineSubjects {
		t.Fatalf("%d people: too few for a committed set", len(old))
	}
	if err := s.Purposes.CreatePurpose(octx, &sluice.Purpose{Name: "care", LegalBasis: "consent", RetentionDays: 365}); err != nil {
		t.Fatal(err)
	}
	if err := s.Consents.CreateConsent(octx, &sluice.Consent{SubjectKey: old[0], Purpose: "care", Kind: sluice.ConsentGiven, Evidence: "form 7"}); err != nil {
		t.Fatal(err)
	}
	tr := mustTransfer(t, s, octx, org, d, sluice.TransferReady)
	if _, err := export(s, octx, tr, 2026, old[:5], []string{sluice.CounterPI}, 0); err != nil {
		t.Fatal(err)
	}
	read := &sluice.Event{Action: "records.read", Object: map[string]any{"dataset": d.ID}}
	if err := auditlog.SetSubjects(read, old); err != nil {
		t.Fatal(err)
	}
	readIdx, err := s.Events.AppendEvent(octx, read)
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.Events.CountEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Rescope: the region's records, then the control store.
	orgOf, err := rescoper.DatasetOrgs(ctx)
	if err != nil || orgOf[d.ID] != org.ID {
		t.Fatalf("dataset orgs: %v, %v", orgOf, err)
	}
	n, done, err := s.Regions["CN"].(RecordRescoper).RescopeSubjectKeys(ctx, orgOf, sluice.NewSubjectScoper(secret))
	if err != nil || !done || n != 40 {
		t.Fatalf("records: %d, %v, %v", n, done, err)
	}
	if done, err := rescoper.RescopeSubjectKeys(ctx, sluice.NewSubjectScoper(secret), n, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil || !done {
		t.Fatalf("control: %v, %v", done, err)
	}
	sc := sluice.NewSubjectScoper(secret)
	scoped := func(k string) string { return sc.Scope(org.ID, k) }

	t.Run("Records", func(t *testing.T) {
		recs, err := RecordService(s).FindRecords(octx, sluice.RecordFilter{DatasetID: d.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if _, found := slices.BinarySearch(old, r.SubjectKey); found || !sluice.IsSubjectKey(r.SubjectKey) {
				t.Fatalf("record %d keeps its server-wide key", r.ID)
			}
		}
		other := sluice.NewSubjectScoper(secret).Scope(org.ID+1, old[0])
		if other == scoped(old[0]) {
			t.Fatal("two orgs scope a key alike")
		}
	})
	t.Run("Consents", func(t *testing.T) {
		k := scoped(old[0])
		if cs, _, err := s.Consents.FindConsents(octx, sluice.ConsentFilter{SubjectKey: &k}); err != nil || len(cs) != 1 {
			t.Fatalf("consents by the new key: %d, %v", len(cs), err)
		}
		if cs, _, err := s.Consents.FindConsents(octx, sluice.ConsentFilter{SubjectKey: &old[0]}); err != nil || len(cs) != 0 {
			t.Fatalf("consents by the old key: %d, %v", len(cs), err)
		}
	})
	t.Run("TransferSubjects", func(t *testing.T) {
		q := sluice.CounterQuery{OrgID: org.ID, Years: []int{2026}, Counters: []string{sluice.CounterPI}}
		var keys []string
		for _, k := range old[:5] {
			keys = append(keys, scoped(k))
		}
		slices.Sort(keys)
		// The count the counter would reach with keys added: 5 if the
		// store holds them, 10 if not.
		if n, err := s.Transfers.CountSubjects(ctx, q, keys); err != nil || n != 5 {
			t.Fatalf("counted with the new keys: %d, %v", n, err)
		}
		if n, err := s.Transfers.CountSubjects(ctx, q, old[:5]); err != nil || n != 10 {
			t.Fatalf("counted with the old keys: %d, %v", n, err)
		}
	})
	t.Run("Event", func(t *testing.T) {
		after, err := s.Events.CountEvents(ctx)
		if err != nil || after != before+1 {
			t.Fatalf("%d events after, %d before: want one more", after, before)
		}
		_, e := lastEvent(t, s)
		if e.Action != sluice.ActionSubjectKeysRescope || e.Details["records"] != float64(40) || e.Details["consents"] != float64(1) || e.Details["transfer_subjects"] != float64(5) {
			t.Fatalf("event %+v", e)
		}
	})
	t.Run("Proofs", func(t *testing.T) {
		key := mustLogKey(t)
		log := auditlog.New(s.Log, key)
		for _, i := range []int{0, len(old) - 1} {
			k := scoped(old[i])
			idxs, err := s.Log.FindSubjectEntries(ctx, k)
			if err != nil || !slices.Contains(idxs, readIdx) {
				t.Fatalf("entries of the new key: %v, %v", idxs, err)
			}
			if idxs, err := s.Log.FindSubjectEntries(ctx, old[i]); err != nil || len(idxs) != 0 {
				t.Fatalf("entries of the old key: %v, %v", idxs, err)
			}
			p, err := log.ProveSubjectEvents(ctx, k, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Events) == 0 || p.Events[len(p.Events)-1].SubjectKey != old[i] {
				t.Fatalf("proofs: %+v", p.Events)
			}
			if err := auditlog.VerifySubjectEvents(p, key.Verifier); err != nil {
				t.Fatal(err)
			}
			p.Events[len(p.Events)-1].SubjectKey = old[(i+1)%len(old)]
			if err := auditlog.VerifySubjectEvents(p, key.Verifier); err == nil {
				t.Fatal("a proof verifies for another person's old key")
			}
		}
		if _, err := log.IndexSubjects(ctx); err != nil {
			t.Fatal(err)
		}
		if idxs, err := s.Log.FindSubjectEntries(ctx, scoped(old[3])); err != nil || !slices.Contains(idxs, readIdx) {
			t.Fatalf("entries of the new key once indexed: %v, %v", idxs, err)
		}
	})
	t.Run("Once", func(t *testing.T) {
		if _, done, err := s.Regions["CN"].(RecordRescoper).RescopeSubjectKeys(ctx, orgOf, sluice.NewSubjectScoper(secret)); err != nil || done {
			t.Fatalf("records again: %v, %v", done, err)
		}
		if done, err := rescoper.RescopeSubjectKeys(ctx, sluice.NewSubjectScoper(secret), 0, slog.Default()); err != nil || done {
			t.Fatalf("control again: %v, %v", done, err)
		}
	})
}
