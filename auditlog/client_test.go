package auditlog_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice/auditlog"
)

func TestClient_Verify(t *testing.T) {
	ctx := context.Background()
	// open returns a log of 600 entries (two full tiles at level 0, one of
	// 88) and a client of it.
	open := func(t *testing.T) (*testLog, *auditlog.Client) {
		l := MustOpenLog(t, nil)
		l.Append(t, 600)
		l.MustIntegrate(t)
		return l, auditlog.NewClient(l.Serve(t), l.Key.Verifier)
	}
	verify := func(c *auditlog.Client, old *auditlog.Checkpoint) error {
		cp, err := c.FetchCheckpoint(ctx)
		if err != nil {
			return err
		}
		tree, err := c.FetchTree(ctx, cp)
		if err != nil {
			return err
		}
		if old != nil {
			if err := tree.CheckConsistency(old); err != nil {
				return err
			}
		}
		return c.VerifyEntries(ctx, tree)
	}

	t.Run("OK", func(t *testing.T) {
		l, c := open(t)
		old, err := c.FetchCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		l.Append(t, 300)
		l.MustIntegrate(t)
		if err := verify(c, old); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrEntryAltered", func(t *testing.T) {
		l, c := open(t)
		l.Exec(t, `UPDATE events SET data = CAST('{"action":"nothing.happened"}' AS BLOB) WHERE idx = 300`)
		err := verify(c, nil)
		var ee *auditlog.EntryError
		if !errors.As(err, &ee) || ee.Index != 300 || !strings.Contains(err.Error(), "entry 300 (tile/entries/001, position 44)") {
			t.Fatalf("err = %v, want entry 300 named", err)
		}
	})
	t.Run("ErrFullTileAltered", func(t *testing.T) {
		l, c := open(t)
		l.Exec(t, `UPDATE log_tiles SET hashes = zeroblob(32) || substr(hashes, 33) WHERE level = 0 AND idx = 1`)
		err := verify(c, nil)
		var te *auditlog.TileError
		if !errors.As(err, &te) || te.Path != "tile/0/001" || !strings.Contains(err.Error(), "tile/1/000.p/2 holds") {
			t.Fatalf("err = %v, want tile/0/001 named", err)
		}
	})
	t.Run("ErrEdgeTileAltered", func(t *testing.T) {
		l, c := open(t)
		l.Exec(t, `UPDATE log_tiles SET hashes = substr(hashes, 1, 32 * 87) || zeroblob(32) WHERE level = 0 AND idx = 2`)
		err := verify(c, nil)
		var re *auditlog.RootError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "tile/0/002.p/88") {
			t.Fatalf("err = %v, want a root mismatch naming tile/0/002.p/88", err)
		}
	})
	t.Run("ErrCheckpointForged", func(t *testing.T) {
		l, c := open(t)
		other := MustKey(t, testOrigin) // same name, another key
		forged := MustOpenLog(t, other)
		forged.Append(t, 1)
		cp := forged.MustIntegrate(t)
		l.Exec(t, `UPDATE log_checkpoint SET checkpoint = ?`, cp.Note)
		if _, err := c.FetchCheckpoint(ctx); err == nil || !strings.Contains(err.Error(), "not signed by "+testOrigin) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ErrRollback", func(t *testing.T) {
		l, c := open(t)
		older, err := c.FetchCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		l.Append(t, 100)
		seen := l.MustIntegrate(t)
		// The store is put back to the older checkpoint.
		l.Exec(t, `UPDATE log_checkpoint SET size = ?, root = ?, checkpoint = ?`, older.Size, older.Root[:], older.Note)
		err = verify(c, seen)
		var ce *auditlog.ConsistencyError
		if !errors.As(err, &ce) || !ce.Rollback() || ce.Old.Size != 700 || ce.New.Size != 600 || !strings.HasPrefix(err.Error(), "rollback: ") {
			t.Fatalf("err = %v, want a rollback from 700 to 600", err)
		}
	})
	t.Run("ErrFork", func(t *testing.T) {
		l, c := open(t)
		// The same key signs another tree: a log that shows different
		// histories to different clients.
		fork := MustOpenLog(t, l.Key)
		fork.n = 1000 // other entries
		fork.Append(t, 450)
		seen := fork.MustIntegrate(t)
		err := verify(c, seen)
		var ce *auditlog.ConsistencyError
		if !errors.As(err, &ce) || ce.Rollback() || !strings.HasPrefix(err.Error(), "fork: ") {
			t.Fatalf("err = %v, want a fork", err)
		}
		fork.Append(t, 150)
		seen = fork.MustIntegrate(t) // same size, other root
		if err := verify(c, seen); !errors.As(err, &ce) || !strings.Contains(err.Error(), "of the same size") {
			t.Fatalf("err = %v, want a fork at the same size", err)
		}
	})
}
