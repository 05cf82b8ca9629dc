package storetest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
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

	t.Run("SubjectIndex", func(t *testing.T) { testSubjectIndex(t, s, log) })
}

// testSubjectIndex checks the index by subject key that a store builds in
// the background from the subject sets it keeps beside events: lookups
// are right before, during and after indexing, batches follow the order
// of events, concurrent indexers never index a set twice or skip one,
// and an indexer that stops midway is taken up where it stopped.
func testSubjectIndex(t *testing.T, s *Stores, log *auditlog.Log) {
	ctx := context.Background()
	ix, ok := s.Log.(auditlog.SubjectIndexer)
	if !ok {
		t.Fatal("the log store does not index subject sets")
	}
	keyer := sluice.NewSubjectKeyer([]byte("index secret"))
	people := make([]string, 1200)
	for i := range people {
		people[i] = keyer.Key(fmt.Sprintf("person-%d", i))
	}
	want := map[string][]int64{} // what each person's lookup must return
	for _, k := range people {
		want[k] = nil
	}
	for _, k := range []string{keyer.Key("nobody"), strings.Repeat("0", 64), strings.Repeat("f", 64)} {
		want[k] = nil
	}
	// Entries appended by the tests before this one.
	for k := range want {
		idxs, err := s.Log.FindSubjectEntries(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		want[k] = idxs
	}
	appendSet := func(t *testing.T, from, to int) int64 {
		t.Helper()
		e := &sluice.Event{Action: "records.read", Object: map[string]any{"dataset": 1}}
		if err := auditlog.SetSubjects(e, people[from:to]); err != nil {
			t.Fatal(err)
		}
		idx, err := s.Events.AppendEvent(ctx, e)
		if err != nil {
			t.Error(err)
			return -1
		}
		return idx
	}
	var mu sync.Mutex
	record := func(idx int64, from, to int) {
		mu.Lock()
		defer mu.Unlock()
		for _, k := range people[from:to] {
			want[k] = append(want[k], idx)
		}
	}
	check := func(t *testing.T) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		for k, w := range want {
			slices.Sort(w)
			got, err := s.Log.FindSubjectEntries(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, w) {
				t.Fatalf("entries of %s: %v, want %v", k, got, w)
			}
		}
	}
	// Sets of several sizes, listed keys, overlaps.
	for _, r := range [][2]int{{0, 300}, {290, 295}, {250, 600}, {1000, 1040}, {1100, 1101}} {
		record(appendSet(t, r[0], r[1]), r[0], r[1])
	}

	t.Run("BeforeIndexing", check)

	t.Run("InBatches", func(t *testing.T) {
		// A batch too small for any set takes one set.
		steps := 0
		for {
			n, more, err := ix.IndexSubjects(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("step %d indexed %d sets, want 1", steps, n)
			}
			steps++
			check(t)
			if !more {
				break
			}
		}
		if steps < 5 {
			t.Fatalf("%d steps for at least 5 sets", steps)
		}
		if n, more, err := ix.IndexSubjects(ctx, auditlog.DefaultIndexBatch); err != nil || n != 0 || more {
			t.Fatalf("nothing left to index: %d, %v, %v", n, more, err)
		}
	})

	t.Run("IndexedAndPending", func(t *testing.T) {
		// people 0 and 250 are indexed in earlier entries and pending in these.
		record(appendSet(t, 0, 20), 0, 20)
		record(appendSet(t, 240, 260), 240, 260)
		check(t)
		p, err := log.ProveSubjectEvents(ctx, people[250], nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) != 3 {
			t.Fatalf("%d events proven for a subject in 3", len(p.Events))
		}
		if err := auditlog.VerifySubjectEvents(p, log.Key.Verifier); err != nil {
			t.Fatal(err)
		}
		// Indexing half of the pending sets changes no answer.
		if n, more, err := ix.IndexSubjects(ctx, 20); err != nil || n != 1 || !more {
			t.Fatalf("one of two sets: %d, %v, %v", n, more, err)
		}
		check(t)
	})

	t.Run("Stopped", func(t *testing.T) {
		// An indexer whose context ends changes nothing; the next resumes.
		record(appendSet(t, 600, 700), 600, 700)
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := ix.IndexSubjects(cancelled, auditlog.DefaultIndexBatch); err == nil {
			t.Fatal("indexed with a cancelled context")
		}
		check(t)
		if n, err := log.IndexSubjects(ctx); err != nil || n != 2 {
			t.Fatalf("resumed: %d sets, %v; want 2", n, err)
		}
		check(t)
	})

	t.Run("Concurrent", func(t *testing.T) {
		// Events keep coming while two indexers (two replicas, on a shared
		// store) index them and lookups run; every lookup stays right.
		// People from 1160 on are in none of the new sets.
		before := slices.Clone(want[people[250]])
		fixed := slices.Clone(want[people[1180]])
		var writers, wg sync.WaitGroup
		for g := range 4 {
			writers.Go(func() {
				for i := range 10 {
					from := (g*211 + i*37) % 1100
					to := from + 17 + (i*13)%80
					idx := appendSet(t, from, to)
					record(idx, from, to)
				}
			})
		}
		done := make(chan struct{})
		for range 2 {
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					if _, _, err := ix.IndexSubjects(ctx, 100); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				got, err := s.Log.FindSubjectEntries(ctx, people[1180])
				if err != nil || !slices.Equal(got, fixed) {
					t.Errorf("entries of a subject in no new set: %v, %v; want %v", got, err, fixed)
					return
				}
				got, err = s.Log.FindSubjectEntries(ctx, people[250])
				if err != nil || !slices.IsSorted(got) || len(got) != len(slices.Compact(slices.Clone(got))) || !isSubsequence(before, got) {
					t.Errorf("entries of a subject in new sets: %v, %v; want %v and more", got, err, before)
					return
				}
			}
		})
		writers.Wait()
		close(done)
		wg.Wait()
		check(t)
		if _, err := log.IndexSubjects(ctx); err != nil {
			t.Fatal(err)
		}
		check(t)
	})
}

// isSubsequence reports whether every element of a is in b, in order.
func isSubsequence[E comparable](a, b []E) bool {
	for _, x := range b {
		if len(a) > 0 && a[0] == x {
			a = a[1:]
		}
	}
	return len(a) == 0
}

// wantRoot checks a checkpoint against the root computed from the stored
// entries alone.
func wantRoot(tb testing.TB, s *Stores, cp *auditlog.Checkpoint) {
	tb.Helper()
	evs, err := s.Log.ReadEntries(context.Background(), 0, cp.Size)
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

// IndexedLine is the line [IndexSubjectsForever] prints after each
// indexing step it commits.
const IndexedLine = "indexed"

// AppendSubjectSets appends n events, each committing to size subject keys
// of people drawn from a pool of 4×size, and returns what the lookup of
// each person of the pool must return (see [CheckSubjectEntries]).
func AppendSubjectSets(tb testing.TB, s *Stores, n, size int) map[string][]int64 {
	tb.Helper()
	ctx := context.Background()
	pool := SubjectKeys(0, 4*size)
	want := map[string][]int64{}
	for _, k := range pool {
		want[k] = nil
	}
	for i := range n {
		var keys []string
		for j := range size {
			keys = append(keys, pool[(i*size/3+j*7)%len(pool)])
		}
		e := &sluice.Event{Action: "records.read", Object: map[string]any{"dataset": 1}}
		if err := auditlog.SetSubjects(e, keys); err != nil {
			tb.Fatal(err)
		}
		idx, err := s.Events.AppendEvent(ctx, e)
		if err != nil {
			tb.Fatal(err)
		}
		for _, k := range slices.Compact(slices.Sorted(slices.Values(keys))) {
			want[k] = append(want[k], idx)
		}
	}
	return want
}

// CheckSubjectEntries checks that the lookup of every sample-th person of
// want (by sorted key) returns what want says.
func CheckSubjectEntries(tb testing.TB, log auditlog.Store, want map[string][]int64, sample int) {
	tb.Helper()
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range want {
			if !yield(k) {
				return
			}
		}
	})
	for i := 0; i < len(keys); i += max(sample, 1) {
		got, err := log.FindSubjectEntries(context.Background(), keys[i])
		if err != nil {
			tb.Fatal(err)
		}
		if !slices.Equal(got, want[keys[i]]) {
			tb.Fatalf("entries of %s: %v, want %v", keys[i], got, want[keys[i]])
		}
	}
}

// IndexSubjectsForever indexes ix's subject sets in steps of maxKeys keys
// and prints IndexedLine to w after each step it commits, until
// nothing is left or ctx is done: the work of an indexer that
// [TestIndexerKilled] kills.
func IndexSubjectsForever(ctx context.Context, ix auditlog.SubjectIndexer, maxKeys int, w io.Writer) error {
	for {
		n, more, err := ix.IndexSubjects(ctx, maxKeys)
		if err != nil {
			return err
		}
		if n > 0 {
			fmt.Fprintln(w, IndexedLine)
		} else if !more {
			return nil
		}
	}
}

// TestIndexerKilled checks that an indexer killed (SIGKILL) at any moment
// leaves the index consistent with the position it records, so that
// lookups stay right, and that the next indexer takes up where the last
// commit left off. start must return a command, not started, that runs
// [IndexSubjectsForever] over s's control store with steps of about one
// set of 1,000 keys. released, if not nil, returns once no killed
// indexer holds the index any longer (PostgreSQL: its session may hold the
// index state's lock a moment after the process died); without it, the
// process's end releases what it held (SQLite).
func TestIndexerKilled(t *testing.T, s *Stores, start func(t *testing.T) *exec.Cmd, released func(t *testing.T)) {
	ctx := context.Background()
	const sets = 100
	want := AppendSubjectSets(t, s, sets, 1000)
	ix, ok := s.Log.(auditlog.SubjectIndexer)
	if !ok {
		t.Fatal("the log store does not index subject sets")
	}
	for round := range 3 {
		cmd := start(t)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill it once it committed a step, and a few more.
		sc := bufio.NewScanner(out)
		steps := 0
		for steps < 1+round*3 && sc.Scan() {
			if sc.Text() == IndexedLine {
				steps++
			}
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		if steps == 0 {
			t.Fatalf("round %d: the indexer committed nothing before it was killed: %s", round, stderr.String())
		}
		CheckSubjectEntries(t, s.Log, want, 37)
	}
	if released != nil {
		released(t)
	}
	// The rest, here: fewer sets than all, none indexed twice (the index
	// refuses a row it holds).
	total := 0
	for {
		n, more, err := ix.IndexSubjects(ctx, auditlog.DefaultIndexBatch)
		if err != nil {
			t.Fatal(err)
		}
		total += n
		if !more {
			break
		} else if n == 0 {
			t.Fatal("the index is busy after the killed indexers released it")
		}
	}
	if total >= sets {
		t.Fatalf("%d of %d sets indexed after the killed indexers", total, sets)
	}
	CheckSubjectEntries(t, s.Log, want, 7)
}
