package auditlog_test

import (
	"context"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/sluice-gateway/sluice/auditlog"
)

func TestLog_Integrate(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		l := MustOpenLog(t, nil)
		if cp := l.MustIntegrate(t); cp.Size != 0 || cp.Origin != testOrigin {
			t.Fatalf("empty log: %v origin %q", cp, cp.Origin)
		}
		var sizes []int64
		for _, n := range []int{1, 254, 1, 300, 70} { // crosses tile edges
			l.Append(t, n)
			cp := l.MustIntegrate(t)
			sizes = append(sizes, cp.Size)
		}
		if want := []int64{1, 255, 256, 556, 626}; !equal(sizes, want) {
			t.Fatalf("sizes %v, want %v", sizes, want)
		}
		c := auditlog.NewClient(l.Serve(t), l.Key.Verifier)
		cp, err := c.FetchCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tree, err := c.FetchTree(ctx, cp)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.VerifyEntries(ctx, tree); err != nil {
			t.Fatal(err)
		}
		// The root equals one computed from the entries alone.
		entries, err := l.Store.ReadEntries(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var hs memHashes
		for i, e := range entries {
			h, err := tlog.StoredHashes(int64(i), e, hs)
			if err != nil {
				t.Fatal(err)
			}
			hs = append(hs, h...)
		}
		if root, _ := tlog.TreeHash(int64(len(entries)), hs); root != cp.Root || cp.Size != int64(len(entries)) {
			t.Fatalf("checkpoint %v, entries give size=%d root=%s", cp, len(entries), root)
		}
	})
	t.Run("BatchSteps", func(t *testing.T) {
		l := MustOpenLog(t, nil)
		l.MaxBatch = 100
		l.Append(t, 750)
		if cp := l.MustIntegrate(t); cp.Size != 750 {
			t.Fatalf("size %d, want 750", cp.Size)
		}
	})
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// memHashes is a tlog.HashReader over hashes in memory.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = m[x]
	}
	return out, nil
}

func TestLog_Prove(t *testing.T) {
	ctx := context.Background()
	l := MustOpenLog(t, nil)
	l.Append(t, 300)
	old := l.MustIntegrate(t)
	l.Append(t, 100)
	cp := l.MustIntegrate(t)
	entries, err := l.Store.ReadEntries(ctx, 0, cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	for _, idx := range []int64{0, 255, 256, 399} {
		p, err := l.ProveInclusion(ctx, cp, idx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckRecord(p, cp.Size, cp.Root, idx, tlog.RecordHash(entries[idx])); err != nil {
			t.Fatalf("entry %d: %v", idx, err)
		}
	}
	if _, err := l.ProveInclusion(ctx, cp, cp.Size); err == nil {
		t.Fatal("proof for an entry beyond the tree")
	}
	p, err := l.ProveConsistency(ctx, cp, old.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(p, cp.Size, cp.Root, old.Size, old.Root); err != nil {
		t.Fatal(err)
	}
}
