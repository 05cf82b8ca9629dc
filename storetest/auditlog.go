package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"sluice"
	"sluice/auditlog"
)

// testGroupCommit checks that concurrent changes, grouped in shared
// transactions, succeed or fail each on its own, with exactly one event
// per change that succeeded and a gap-free sequence.
func testGroupCommit(t *testing.T, s *Stores) {
	ctx := context.Background()
	for i := range 20 {
		MustCreateOrg(t, s, fmt.Sprintf("taken-%d", i), "CN")
	}
	before, err := s.Events.CountEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("fresh-%d", i)
			if i%10 == 0 {
				name = fmt.Sprintf("taken-%d", i/10) // fails, alone
			}
			errs[i] = s.Orgs.CreateOrg(ctx, &sluice.Org{Name: name, Region: "EU"})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if want := ""; i%10 == 0 {
			wantCode(t, err, sluice.ECONFLICT)
		} else if got := sluice.ErrorCode(err); got != want {
			t.Fatalf("org %d: %v", i, err)
		}
	}
	after, err := s.Events.CountEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after-before != n-n/10 {
		t.Fatalf("%d events for %d changes", after-before, n-n/10)
	}
	evs, err := s.Events.ReadEvents(ctx, 0, after)
	if err != nil {
		t.Fatal(err)
	} else if int64(len(evs)) != after {
		t.Fatalf("read %d events of %d: the sequence has gaps", len(evs), after)
	}
	seen := map[string]int{}
	for _, b := range evs[before:] {
		var e sluice.Event
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		name, _ := e.Object["org"].(string)
		if e.Action != sluice.ActionOrgCreate || !strings.HasPrefix(name, "fresh-") {
			t.Fatalf("unexpected event %s", b)
		}
		seen[name]++
	}
	if len(seen) != n-n/10 {
		t.Fatalf("%d distinct orgs in events, want %d", len(seen), n-n/10)
	}
	orgs, total, err := s.Orgs.FindOrgs(ctx, sluice.OrgFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if total != 20+n-n/10 {
		t.Fatalf("%d orgs, want %d", total, 20+n-n/10)
	}
	for _, o := range orgs {
		if strings.HasPrefix(o.Name, "fresh-") && seen[o.Name] != 1 {
			t.Fatalf("org %s has %d events", o.Name, seen[o.Name])
		}
	}
}

// testAuditLog checks the store side of the audit log: integration in
// batches, tiles that hash to the signed root, the check that stops two
// integrators from forking the tree, and subject keys beside events.
func testAuditLog(t *testing.T, s *Stores) {
	ctx := context.Background()
	key := mustLogKey(t)
	log := auditlog.New(s.Log, key)
	log.MaxBatch = 300

	t.Run("Integrate", func(t *testing.T) {
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 80 {
					if err := s.Orgs.CreateOrg(ctx, &sluice.Org{Name: fmt.Sprintf("org-%d-%d", g, i), Region: "CN"}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		// Integrate while changes commit.
		var cps []*auditlog.Checkpoint
		for range 5 {
			cp, err := log.Integrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cps = append(cps, cp)
		}
		wg.Wait()
		cp, err := log.Integrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, cp)
		if cp.Size != 640 {
			t.Fatalf("checkpoint size %d, want 640", cp.Size)
		}
		for _, c := range cps {
			wantRoot(t, s, c)
		}
	})

	t.Run("Tiles", func(t *testing.T) {
		cp, err := log.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Every tile of the tree is stored, as wide as the tree says.
		for _, tile := range tlog.NewTiles(auditlog.TileHeight, 0, cp.Size) {
			data, err := s.Log.ReadTile(ctx, tile.L, tile.N)
			if err != nil {
				t.Fatal(err)
			}
			if len(data) != tile.W*tlog.HashSize {
				t.Fatalf("tile %d/%d: %d bytes, want %d", tile.L, tile.N, len(data), tile.W*tlog.HashSize)
			}
		}
		if data, err := s.Log.ReadTile(ctx, 5, 0); err != nil || data != nil {
			t.Fatalf("missing tile: %x, %v", data, err)
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		cp, err := log.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Log.WriteTree(ctx, cp.Size-1, &auditlog.TreeUpdate{Size: cp.Size + 1, Root: make([]byte, 32), Checkpoint: []byte("x")})
		wantCode(t, err, sluice.ECONFLICT)
		if again, err := log.Checkpoint(ctx); err != nil || again.Size != cp.Size {
			t.Fatalf("after a refused write: %v, %v", again, err)
		}
	})

	t.Run("TwoIntegrators", func(t *testing.T) {
		// Replicas share the store; each integrates when it can.
		other := auditlog.New(s.Log, key)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var cps []*auditlog.Checkpoint
		for g := range 4 {
			wg.Go(func() {
				for i := range 40 {
					if err := s.Orgs.CreateOrg(ctx, &sluice.Org{Name: fmt.Sprintf("two-%d-%d", g, i), Region: "CN"}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		for _, l := range []*auditlog.Log{log, other} {
			wg.Go(func() {
				for range 10 {
					cp, err := l.Integrate(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					cps = append(cps, cp)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		cp, err := other.Integrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Size != 640+160 {
			t.Fatalf("size %d, want 800", cp.Size)
		}
		for _, c := range append(cps, cp) {
			wantRoot(t, s, c)
		}
	})

	t.Run("Subjects", func(t *testing.T) {
		keyer := sluice.NewSubjectKeyer([]byte("secret"))
		var many []string
		for i := range 40 {
			many = append(many, keyer.Key(fmt.Sprintf("1380000%04d", i)))
		}
		few := []string{many[3], many[1], many[2], many[1]}
		read := &sluice.Event{Action: "records.read", Object: map[string]any{"dataset": 1}}
		if err := auditlog.SetSubjects(read, few); err != nil {
			t.Fatal(err)
		}
		if len(read.Subjects) != 3 || !slices.IsSorted(read.Subjects) || read.SubjectSet != nil {
			t.Fatalf("few subjects: %v, %v", read.Subjects, read.SubjectSet)
		}
		export := &sluice.Event{Action: "records.export", Object: map[string]any{"dataset": 1}}
		if err := auditlog.SetSubjects(export, many); err != nil {
			t.Fatal(err)
		}
		if export.Subjects != nil || export.SubjectSet == nil || export.SubjectSet.Count != 40 {
			t.Fatalf("many subjects: %v, %v", export.Subjects, export.SubjectSet)
		}
		i1, err := s.Events.AppendEvent(ctx, read)
		if err != nil {
			t.Fatal(err)
		}
		i2, err := s.Events.AppendEvent(ctx, export)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Log.FindSubjectEntries(ctx, many[1]); err != nil || !slices.Equal(got, []int64{i1, i2}) {
			t.Fatalf("entries of a subject in both: %v, %v; want %d, %d", got, err, i1, i2)
		}
		if got, err := s.Log.FindSubjectEntries(ctx, many[30]); err != nil || !slices.Equal(got, []int64{i2}) {
			t.Fatalf("entries of a subject in the set: %v, %v", got, err)
		}
		if got, err := s.Log.FindSubjectEntries(ctx, keyer.Key("nobody")); err != nil || len(got) != 0 {
			t.Fatalf("entries of nobody: %v, %v", got, err)
		}
		set, err := s.Log.ReadSubjectSet(ctx, i2)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(set, export.SubjectSet.Keys) {
			t.Fatalf("stored set differs from the committed one")
		}
		// The entry holds the commitment, never the keys.
		evs, err := s.Events.ReadEvents(ctx, i2, 1)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(evs[0]), many[30]) || !strings.Contains(string(evs[0]), export.SubjectSet.Root) {
			t.Fatalf("entry %s", evs[0])
		}
		// Proofs for one subject, checked offline.
		p, err := log.ProveSubjectEvents(ctx, many[1], nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) != 2 || p.Events[0].SubjectProof != nil || p.Events[1].SubjectProof == nil {
			t.Fatalf("proofs: %+v", p.Events)
		}
		if err := auditlog.VerifySubjectEvents(p, key.Verifier); err != nil {
			t.Fatal(err)
		}
		p.SubjectKey = many[30] // in the set, not in the read
		if err := auditlog.VerifySubjectEvents(p, key.Verifier); err == nil {
			t.Fatal("proofs for one subject verify for another")
		}
	})
}

// wantRoot checks a checkpoint against the root computed from the stored
// entries alone.
func wantRoot(tb testing.TB, s *Stores, cp *auditlog.Checkpoint) {
	tb.Helper()
	evs, err := s.Events.ReadEvents(context.Background(), 0, cp.Size)
	if err != nil {
		tb.Fatal(err)
	}
	var hs memHashes
	for i, e := range evs {
		h, err := tlog.StoredHashes(int64(i), e, hs)
		if err != nil {
			tb.Fatal(err)
		}
		hs = append(hs, h...)
	}
	root, err := tlog.TreeHash(cp.Size, hs)
	if err != nil {
		tb.Fatal(err)
	}
	if root != cp.Root {
		tb.Fatalf("checkpoint %v: the entries give root %s", cp, root)
	}
}

type memHashes []tlog.Hash

func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x >= int64(len(m)) {
			return nil, fmt.Errorf("hash %d of %d", x, len(m))
		}
		out[i] = m[x]
	}
	return out, nil
}

func mustLogKey(tb testing.TB) *auditlog.Key {
	tb.Helper()
	skey, err := auditlog.GenerateKey("storetest.example/log")
	if err != nil {
		tb.Fatal(err)
	}
	k, err := auditlog.ParseKey(skey)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// doubtfulIngests reports a failure after FinishIngest committed, as a
// connection lost during COMMIT would.
type doubtfulIngests struct{ sluice.IngestService }

func (d doubtfulIngests) FinishIngest(ctx context.Context, in *sluice.Ingest, observed []*sluice.Field) (*sluice.Dataset, error) {
	if _, err := d.IngestService.FinishIngest(ctx, in, observed); err != nil {
		return nil, err
	}
	return nil, errors.New("connection lost after commit")
}

// testIngestInDoubt checks the two-step ingest when the control store
// committed an ingest (and its audit event) but reported a failure: its
// records must be made visible, not removed, or the log would record a
// change that is not there.
func testIngestInDoubt(t *testing.T, s *Stores) {
	org := MustCreateOrg(t, s, "cn-rides", "CN")
	ctx := OwnerContext(org)
	d := MustCreateDataset(t, s, ctx, "trips", "phone")
	rs := RecordService(s)
	rs.Ingests = doubtfulIngests{s.Ingests}
	if _, err := rs.IngestRecords(ctx, d.ID, Rows(20, nil)); err == nil {
		t.Fatal("the failure was not reported")
	}
	evs, err := s.Events.ReadEvents(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var e sluice.Event
	if err := json.Unmarshal(evs[len(evs)-1], &e); err != nil || e.Action != sluice.ActionIngest {
		t.Fatalf("last event %s", evs[len(evs)-1])
	}
	recs, err := RecordService(s).FindRecords(ctx, sluice.RecordFilter{DatasetID: d.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Datasets.FindDatasetByID(ctx, d.ID); len(recs) != 20 || got.RecordCount != 20 {
		t.Fatalf("%d records visible, dataset counts %d; the log says 20 were ingested", len(recs), got.RecordCount)
	}
}
