package storetest

import (
	"bytes"
	"context"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
)

// testEntries checks that the public log holds commitments: each public
// entry commits with a fresh salt to the full event, which the store
// keeps beside it and returns with ReadEntry, and which proofs for an
// entitled reader verify offline.
func testEntries(t *testing.T, s *Stores) {
	ctx := context.Background()
	er, ok := s.Log.(auditlog.EntryReader)
	if !ok {
		t.Fatal("the log store does not keep full entries")
	}
	key := mustLogKey(t)
	log := auditlog.New(s.Log, key)
	org := MustCreateOrg(t, s, "cn-clinic", "CN")
	keyer := sluice.NewSubjectKeyer([]byte("entry secret"))
	person := keyer.Key("13800138000")
	e := &sluice.Event{Action: "records.read", Fields: []string{"diagnosis"}, Object: map[string]any{"dataset": 7}, Reason: "a checkup"}
	if err := auditlog.SetSubjects(e, []string{person}); err != nil {
		t.Fatal(err)
	}
	idx, err := s.Events.AppendEvent(OwnerContext(org), e)
	if err != nil {
		t.Fatal(err)
	}
	twin, err := s.Events.AppendEvent(OwnerContext(org), &sluice.Event{Action: "records.read", Time: e.Time, Actor: e.Actor, Fields: e.Fields, Object: e.Object, Reason: e.Reason, Subjects: e.Subjects})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("OK", func(t *testing.T) {
		leaves, err := s.Log.ReadEntries(ctx, idx, 2)
		if err != nil || len(leaves) != 2 {
			t.Fatalf("public entries: %d, %v", len(leaves), err)
		}
		for _, leaf := range leaves {
			if !auditlog.IsCommitment(leaf) {
				t.Fatalf("public entry %q is not a commitment", leaf)
			}
			for _, secret := range []string{person, org.Name, "diagnosis", "a checkup"} {
				if bytes.Contains(leaf, []byte(secret)) {
					t.Fatalf("public entry holds %q", secret)
				}
			}
		}
		if bytes.Equal(leaves[0], leaves[1]) {
			t.Fatal("two equal events have equal public entries: the salt is not fresh")
		}
		full, err := er.ReadEntry(ctx, idx)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s.Events.ReadEvents(ctx, idx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(full.Event, evs[0]) || !bytes.Equal(full.Leaf, leaves[0]) || !bytes.Contains(full.Event, []byte(person)) {
			t.Fatalf("full entry %s, event %s", full.Event, evs[0])
		}
		if err := auditlog.CheckEntry(full.Leaf, full.Event, full.Salt); err != nil {
			t.Fatal(err)
		}
		p, err := log.ProveEntry(ctx, idx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := auditlog.VerifyEntryProof(p, key.Verifier); err != nil {
			t.Fatal(err)
		}
		p.Entry = bytes.Replace(p.Entry, []byte("a checkup"), []byte("a surgery"), 1)
		if _, err := auditlog.VerifyEntryProof(p, key.Verifier); err == nil {
			t.Fatal("an altered entry verifies")
		}
	})
	t.Run("SubjectProofs", func(t *testing.T) {
		p, err := log.ProveSubjectEvents(ctx, person, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) != 2 || len(p.Events[0].Salt) != auditlog.SaltSize {
			t.Fatalf("proofs: %+v", p.Events)
		}
		if err := auditlog.VerifySubjectEvents(p, key.Verifier); err != nil {
			t.Fatal(err)
		}
		p.Events[1].Event = bytes.Replace(p.Events[1].Event, []byte("a checkup"), []byte("a surgery"), 1)
		if err := auditlog.VerifySubjectEvents(p, key.Verifier); err == nil {
			t.Fatal("an altered event verifies")
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := er.ReadEntry(ctx, twin+100)
		wantCode(t, err, sluice.ENOTFOUND)
	})
}
