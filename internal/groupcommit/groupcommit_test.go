package groupcommit_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-gateway/sluice/internal/groupcommit"
)

// fakeDB is a database of one list of strings with transactions and
// savepoints, recording what the committer did.
type fakeDB struct {
	mu        sync.Mutex
	committed []string
	batches   []int // calls per committed transaction
	failOn    string
}

type fakeTx struct {
	rows       []string
	savepoints []int
	calls      int
}

func (db *fakeDB) ops() groupcommit.Ops[*fakeTx] {
	return groupcommit.Ops[*fakeTx]{
		Begin: func(context.Context) (*fakeTx, error) { return &fakeTx{}, nil },
		Savepoint: func(_ context.Context, tx *fakeTx) error {
			tx.savepoints = append(tx.savepoints, len(tx.rows))
			tx.calls++
			return nil
		},
		RollbackToSavepoint: func(_ context.Context, tx *fakeTx) error {
			tx.rows = tx.rows[:tx.savepoints[len(tx.savepoints)-1]]
			return nil
		},
		Commit: func(_ context.Context, tx *fakeTx) error {
			db.mu.Lock()
			defer db.mu.Unlock()
			if db.failOn != "" && slices.Contains(tx.rows, db.failOn) {
				return errors.New("disk full")
			}
			db.committed = append(db.committed, tx.rows...)
			db.batches = append(db.batches, tx.calls)
			return nil
		},
		Rollback: func(context.Context, *fakeTx) {},
	}
}

func TestCommitter_Do(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		db := &fakeDB{}
		c := groupcommit.New(db.ops(), 16)
		defer c.Stop()
		var wg sync.WaitGroup
		errs := make([]error, 200)
		for i := range 200 {
			wg.Go(func() {
				errs[i] = c.Do(ctx, func(_ context.Context, tx *fakeTx) error {
					tx.rows = append(tx.rows, fmt.Sprint(i), fmt.Sprint(i))
					if i%7 == 0 {
						return errors.New("refused") // rolls back its own two rows only
					}
					return nil
				})
			})
		}
		wg.Wait()
		var ok int
		for i, err := range errs {
			if (i%7 == 0) != (err != nil) {
				t.Fatalf("call %d: %v", i, err)
			}
			if err == nil {
				ok++
			}
		}
		if len(db.committed) != 2*ok {
			t.Fatalf("%d rows committed, want %d", len(db.committed), 2*ok)
		}
		for _, r := range db.committed {
			var i int
			fmt.Sscan(r, &i)
			if i%7 == 0 {
				t.Fatalf("row of a failed call %d committed", i)
			}
		}
		for _, n := range db.batches {
			if n > 16 {
				t.Fatalf("batch of %d calls, max 16", n)
			}
		}
		if len(db.batches) >= 200 {
			t.Logf("no two calls shared a transaction (%d transactions)", len(db.batches))
		}
	})
	t.Run("ErrCommit", func(t *testing.T) {
		db := &fakeDB{failOn: "poison"}
		c := groupcommit.New(db.ops(), 64)
		defer c.Stop()
		var wg sync.WaitGroup
		errs := make([]error, 50)
		for i := range 50 {
			wg.Go(func() {
				errs[i] = c.Do(ctx, func(_ context.Context, tx *fakeTx) error {
					if i == 0 {
						tx.rows = append(tx.rows, "poison")
					} else {
						tx.rows = append(tx.rows, "fine")
					}
					return nil
				})
			})
		}
		wg.Wait()
		// Calls that shared the failed commit fail; none report success
		// for rows that were not committed.
		fine := 0
		for _, r := range db.committed {
			if r == "fine" {
				fine++
			}
		}
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if !strings.Contains(err.Error(), "disk full") {
				t.Fatalf("err = %v", err)
			}
		}
		if errs[0] == nil || ok != fine {
			t.Fatalf("%d calls succeeded, %d rows committed; poison call: %v", ok, fine, errs[0])
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		db := &fakeDB{}
		c := groupcommit.New(db.ops(), 8)
		defer c.Stop()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		ran := false
		err := c.Do(cctx, func(context.Context, *fakeTx) error { ran = true; return nil })
		if !errors.Is(err, context.Canceled) || ran {
			t.Fatalf("err = %v, ran = %v", err, ran)
		}
	})
	t.Run("FnContextNotCanceled", func(t *testing.T) {
		db := &fakeDB{}
		c := groupcommit.New(db.ops(), 8)
		defer c.Stop()
		type key struct{}
		cctx, cancel := context.WithCancel(context.WithValue(ctx, key{}, "v"))
		err := c.Do(cctx, func(fctx context.Context, tx *fakeTx) error {
			cancel() // the caller gives up while its call runs
			if fctx.Err() != nil || fctx.Value(key{}) != "v" {
				return fmt.Errorf("fn ctx: %v, %v", fctx.Err(), fctx.Value(key{}))
			}
			tx.rows = append(tx.rows, "done")
			return nil
		})
		if err != nil || !slices.Equal(db.committed, []string{"done"}) {
			t.Fatalf("err = %v, committed %v", err, db.committed)
		}
	})
	t.Run("Panic", func(t *testing.T) {
		db := &fakeDB{}
		c := groupcommit.New(db.ops(), 8)
		defer c.Stop()
		func() {
			defer func() {
				if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), "boom") {
					t.Fatalf("recovered %v", v)
				}
			}()
			c.Do(ctx, func(context.Context, *fakeTx) error { panic("boom") })
		}()
		if err := c.Do(ctx, func(_ context.Context, tx *fakeTx) error { tx.rows = append(tx.rows, "after"); return nil }); err != nil {
			t.Fatalf("committer after a panic: %v", err)
		}
	})
	t.Run("ErrClosed", func(t *testing.T) {
		c := groupcommit.New((&fakeDB{}).ops(), 8)
		c.Stop()
		if err := c.Do(ctx, func(context.Context, *fakeTx) error { return nil }); !errors.Is(err, groupcommit.ErrClosed) {
			t.Fatalf("err = %v", err)
		}
	})
}
