package auditlog_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/sqlite"
)

// subjectKeys returns the keys of n people, in the order they were made
// (not sorted).
func subjectKeys(n int) []string {
	k := sluice.NewSubjectKeyer([]byte("subject test"))
	keys := make([]string, n)
	for i := range keys {
		keys[i] = k.Key(fmt.Sprintf("138%08d", i))
	}
	return keys
}

// refRoot is the commitment computed the plain way, with tlog alone:
// stored hashes of the sorted keys' hex characters, then their tree hash.
func refRoot(tb testing.TB, sorted []string) (tlog.Hash, memHashes) {
	tb.Helper()
	var hs memHashes
	for i, k := range sorted {
		h, err := tlog.StoredHashes(int64(i), []byte(k), hs)
		if err != nil {
			tb.Fatal(err)
		}
		hs = append(hs, h...)
	}
	root, err := tlog.TreeHash(int64(len(sorted)), hs)
	if err != nil {
		tb.Fatal(err)
	}
	return root, hs
}

func TestSetSubjects(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		// Up to several chunks of the parallel hashing (4,096 keys), whole or not.
		for _, n := range []int{17, 18, 31, 32, 33, 100, 255, 256, 257, 1000, 1025, 4096, 8192, 8193, 3*4096 + 5} {
			keys := subjectKeys(n)
			var e sluice.Event
			if err := auditlog.SetSubjects(&e, keys); err != nil {
				t.Fatal(err)
			}
			sorted := slices.Sorted(slices.Values(keys))
			want, _ := refRoot(t, sorted)
			if e.Subjects != nil || e.SubjectSet == nil || e.SubjectSet.Count != int64(n) || !slices.Equal(e.SubjectSet.Keys, sorted) {
				t.Fatalf("n=%d: subjects %v, set %+v", n, e.Subjects, e.SubjectSet)
			}
			if e.SubjectSet.Root != base64.StdEncoding.EncodeToString(want[:]) {
				t.Fatalf("n=%d: root %s, want %s", n, e.SubjectSet.Root, want)
			}
			// Already sorted input, and input with repeats, commit alike.
			var again sluice.Event
			if err := auditlog.SetSubjects(&again, append(slices.Clone(sorted), keys[:n/2]...)); err != nil {
				t.Fatal(err)
			}
			if again.SubjectSet.Root != e.SubjectSet.Root || !slices.Equal(again.SubjectSet.Keys, sorted) {
				t.Fatalf("n=%d: the same set commits to %s", n, again.SubjectSet.Root)
			}
		}
	})
	t.Run("OKInline", func(t *testing.T) {
		keys := subjectKeys(16)
		var e sluice.Event
		if err := auditlog.SetSubjects(&e, append(slices.Clone(keys), keys[3], keys[0])); err != nil {
			t.Fatal(err)
		}
		if e.SubjectSet != nil || !slices.Equal(e.Subjects, slices.Sorted(slices.Values(keys))) {
			t.Fatalf("subjects %v, set %+v", e.Subjects, e.SubjectSet)
		}
		e.Subjects = []string{"x"}
		if err := auditlog.SetSubjects(&e, nil); err != nil || e.Subjects != nil || e.SubjectSet != nil {
			t.Fatalf("nobody: %v, %v, %v", e.Subjects, e.SubjectSet, err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		keys := subjectKeys(40)
		for _, bad := range []string{"", "nobody", strings.ToUpper(keys[0]), keys[0][:63], keys[0] + "0", keys[0][:63] + "g"} {
			var e sluice.Event
			err := auditlog.SetSubjects(&e, append(slices.Clone(keys), bad))
			if sluice.ErrorCode(err) != sluice.EINVALID {
				t.Fatalf("%q: %v", bad, err)
			}
		}
	})
}

func TestProveSubject(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		all := slices.Sorted(slices.Values(subjectKeys(300)))
		for _, n := range []int{1, 2, 3, 5, 7, 8, 9, 17, 64, 100, 255, 256, 257, 300} {
			keys := all[:n]
			var e sluice.Event
			e.SubjectSet = &sluice.SubjectSet{Count: int64(n)}
			root, hs := refRoot(t, keys)
			e.SubjectSet.Root = base64.StdEncoding.EncodeToString(root[:])
			for pos := range n {
				p, err := auditlog.ProveSubject(keys, keys[pos])
				if err != nil {
					t.Fatal(err)
				}
				want, err := tlog.ProveRecord(int64(n), int64(pos), hs)
				if err != nil {
					t.Fatal(err)
				}
				if p.Position != int64(pos) || !slices.Equal(p.Proof, want) {
					t.Fatalf("n=%d pos=%d: proof differs from tlog's", n, pos)
				}
				if err := auditlog.CheckSubject(e.SubjectSet, keys[pos], p); err != nil {
					t.Fatalf("n=%d pos=%d: %v", n, pos, err)
				}
				if n > 1 {
					if err := auditlog.CheckSubject(e.SubjectSet, keys[(pos+1)%n], p); err == nil {
						t.Fatalf("n=%d pos=%d: the proof holds for another key", n, pos)
					}
				}
			}
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		keys := slices.Sorted(slices.Values(subjectKeys(20)))
		_, err := auditlog.ProveSubject(keys[1:], keys[0])
		if sluice.ErrorCode(err) != sluice.ENOTFOUND {
			t.Fatal(err)
		}
	})
}

func TestPackSubjects(t *testing.T) {
	keys := subjectKeys(40)
	sorted := slices.Sorted(slices.Values(keys))
	t.Run("OK", func(t *testing.T) {
		var e sluice.Event
		if err := auditlog.SetSubjects(&e, keys); err != nil {
			t.Fatal(err)
		}
		packed, err := auditlog.PackSubjects(&e)
		if err != nil {
			t.Fatal(err)
		}
		if len(packed) != 40*auditlog.KeySize {
			t.Fatalf("%d bytes", len(packed))
		}
		for i, k := range sorted {
			if hex.EncodeToString(packed[i*auditlog.KeySize:(i+1)*auditlog.KeySize]) != k {
				t.Fatalf("key %d is not %s", i, k)
			}
			b, err := auditlog.DecodeSubjectKey(k)
			if err != nil || !auditlog.PackedContains(packed, b) {
				t.Fatalf("key %d not found: %v", i, err)
			}
		}
		nobody, _ := auditlog.DecodeSubjectKey(strings.Repeat("0", 64))
		if auditlog.PackedContains(packed, nobody) || auditlog.PackedContains(packed, packed[1:33]) || auditlog.PackedContains(packed, packed[:31]) {
			t.Fatal("a key not in the set found in it")
		}
		got, err := auditlog.UnpackSubjects(packed)
		if err != nil || !slices.Equal(got, sorted) {
			t.Fatalf("unpacked %d keys: %v", len(got), err)
		}
	})
	t.Run("OKUnion", func(t *testing.T) {
		// Listed and committed keys, out of order, built by hand.
		e := &sluice.Event{Subjects: []string{keys[5], keys[1]}, SubjectSet: &sluice.SubjectSet{Count: 3, Keys: []string{keys[7], keys[1], keys[2]}}}
		packed, err := auditlog.PackSubjects(e)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := auditlog.UnpackSubjects(packed)
		if want := slices.Sorted(slices.Values([]string{keys[1], keys[2], keys[5], keys[7]})); !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		if packed, err := auditlog.PackSubjects(&sluice.Event{}); err != nil || packed != nil {
			t.Fatalf("nobody: %x, %v", packed, err)
		}
	})
	t.Run("ErrCount", func(t *testing.T) {
		e := &sluice.Event{SubjectSet: &sluice.SubjectSet{Count: 3, Keys: keys[:2]}}
		if _, err := auditlog.PackSubjects(e); err == nil {
			t.Fatal("a set holding fewer keys than it counts was packed")
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		e := &sluice.Event{Subjects: []string{keys[0], "someone@example.com"}}
		if _, err := auditlog.PackSubjects(e); sluice.ErrorCode(err) != sluice.EINVALID {
			t.Fatal(err)
		}
		if _, err := auditlog.DecodeSubjectKey(strings.ToUpper(keys[0])); sluice.ErrorCode(err) != sluice.EINVALID {
			t.Fatal(err)
		}
		if _, err := auditlog.UnpackSubjects(make([]byte, 33)); err == nil {
			t.Fatal("33 bytes unpacked")
		}
	})
}

func TestIndexEntries(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		var a, b sluice.Event
		keys := subjectKeys(60)
		if err := auditlog.SetSubjects(&a, keys[:40]); err != nil {
			t.Fatal(err)
		}
		if err := auditlog.SetSubjects(&b, keys[20:]); err != nil {
			t.Fatal(err)
		}
		pa, _ := auditlog.PackSubjects(&a)
		pb, _ := auditlog.PackSubjects(&b)
		rows, err := auditlog.IndexEntries([]int64{7, 9}, [][]byte{pa, pb})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 80 {
			t.Fatalf("%d rows", len(rows))
		}
		per := map[int64]int{}
		for i, r := range rows {
			per[r.Index]++
			if i > 0 {
				if c := bytes.Compare(rows[i-1].Key[:], r.Key[:]); c > 0 || c == 0 && rows[i-1].Index >= r.Index {
					t.Fatalf("row %d out of order", i)
				}
			}
		}
		if per[7] != 40 || per[9] != 40 {
			t.Fatalf("rows per entry %v", per)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		if _, err := auditlog.IndexEntries([]int64{1}, [][]byte{make([]byte, 40)}); err == nil {
			t.Fatal("a set of 40 bytes indexed")
		}
		if _, err := auditlog.IndexEntries([]int64{1, 2}, [][]byte{nil}); err == nil {
			t.Fatal("two entries, one set")
		}
	})
}

func TestLog_IndexSubjects(t *testing.T) {
	ctx := context.Background()
	l := MustOpenLog(t, nil)
	events := sqlite.NewEventService(l.DB)
	appendRead := func(t *testing.T, keys []string) int64 {
		t.Helper()
		e := &sluice.Event{Action: "records.read"}
		if err := auditlog.SetSubjects(e, keys); err != nil {
			t.Fatal(err)
		}
		idx, err := events.AppendEvent(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		return idx
	}
	indexed := func(t *testing.T) int64 {
		t.Helper()
		var next int64
		if err := l.Raw.QueryRow(`SELECT next FROM subject_index_state`).Scan(&next); err != nil {
			t.Fatal(err)
		}
		return next
	}
	keys := subjectKeys(300)

	t.Run("OK", func(t *testing.T) {
		for i := range 3 {
			appendRead(t, keys[100*i:100*i+100])
		}
		if n, err := l.IndexSubjects(ctx); err != nil || n != 3 {
			t.Fatalf("indexed %d sets: %v", n, err)
		}
		if n, err := l.IndexSubjects(ctx); err != nil || n != 0 {
			t.Fatalf("indexed %d sets again: %v", n, err)
		}
	})

	t.Run("OKRun", func(t *testing.T) {
		idx := appendRead(t, keys[50:250])
		// The store tells of each round of the indexer, which runs every
		// DefaultIndexInterval.
		rounds := make(chan struct{}, 1)
		rl := auditlog.New(&roundStore{LogStore: l.Store.(*sqlite.LogStore), rounds: rounds}, l.Key)
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			rl.RunSubjectIndex(runCtx)
		}()
		for indexed(t) <= idx {
			<-rounds
		}
		cancel()
		<-done
		got, err := l.Store.FindSubjectEntries(ctx, keys[60])
		if err != nil || !slices.Equal(got, []int64{0, idx}) {
			t.Fatalf("entries %v, %v; want 0 and %d", got, err, idx)
		}
	})

	t.Run("OKNotIndexer", func(t *testing.T) {
		// A store that does not index: nothing to do, lookups its own.
		appendRead(t, keys[:20])
		plain := auditlog.New(struct{ auditlog.Store }{l.Store}, l.Key)
		before := indexed(t)
		if n, err := plain.IndexSubjects(ctx); err != nil || n != 0 || indexed(t) != before {
			t.Fatalf("indexed %d sets: %v", n, err)
		}
	})
}

// FuzzProveSubject checks the set commitment and its proofs against tlog
// for sets of any size and any position.
func FuzzProveSubject(f *testing.F) {
	f.Add(uint16(17), uint16(0))
	f.Add(uint16(100), uint16(99))
	f.Add(uint16(257), uint16(128))
	all := slices.Sorted(slices.Values(subjectKeys(600)))
	f.Fuzz(func(t *testing.T, n, pos uint16) {
		size := int(n)%len(all) + 1
		p := int(pos) % size
		keys := all[:size]
		root, _ := refRoot(t, keys)
		proof, err := auditlog.ProveSubject(keys, keys[p])
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckRecord(proof.Proof, int64(size), root, int64(p), tlog.RecordHash([]byte(keys[p]))); err != nil {
			t.Fatal(err)
		}
		if size > auditlog.MaxInlineSubjects {
			var e sluice.Event
			if err := auditlog.SetSubjects(&e, keys); err != nil {
				t.Fatal(err)
			}
			if e.SubjectSet.Root != base64.StdEncoding.EncodeToString(root[:]) {
				t.Fatalf("size %d: root differs from tlog's", size)
			}
		}
	})
}

// BenchmarkSetSubjects measures committing to the subject keys of a read
// of 100,000 records (90,000 people, in record order), and packing them
// for the store.
//
//	go test -run '^$' -bench 'SetSubjects|PackSubjects|ProveSubject' -count 6 ./auditlog/ | tee new.txt
func BenchmarkSetSubjects(b *testing.B) {
	keys := subjectKeys(90_000)
	b.ReportAllocs()
	for b.Loop() {
		var e sluice.Event
		if err := auditlog.SetSubjects(&e, keys); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(keys)*b.N)/b.Elapsed().Seconds(), "keys/s")
}

// BenchmarkPackSubjects: see BenchmarkSetSubjects.
func BenchmarkPackSubjects(b *testing.B) {
	var e sluice.Event
	if err := auditlog.SetSubjects(&e, subjectKeys(90_000)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := auditlog.PackSubjects(&e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProveSubject: see BenchmarkSetSubjects.
func BenchmarkProveSubject(b *testing.B) {
	keys := slices.Sorted(slices.Values(subjectKeys(90_000)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := auditlog.ProveSubject(keys, keys[12345]); err != nil {
			b.Fatal(err)
		}
	}
}

// roundStore is a log store that tells of each call of IndexSubjects on
// rounds, once it returned.
type roundStore struct {
	*sqlite.LogStore
	rounds chan struct{}
}

func (s *roundStore) IndexSubjects(ctx context.Context, maxKeys int) (int, bool, error) {
	n, more, err := s.LogStore.IndexSubjects(ctx, maxKeys)
	select {
	case s.rounds <- struct{}{}:
	default: // a round not yet heard of is waiting
	}
	return n, more, err
}
