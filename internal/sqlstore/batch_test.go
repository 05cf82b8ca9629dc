package sqlstore

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// fakeTx records the statements of a transaction as a database would keep
// them: ROLLBACK TO SAVEPOINT drops those since the last SAVEPOINT.
type fakeTx struct {
	stmts     []string // kept, in order
	events    []int64  // indexes inserted, as kept
	savepoint []int    // len(stmts), len(events) at the last SAVEPOINT
	committed bool
}

func (f *fakeTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	switch query {
	case `SAVEPOINT w`:
		f.savepoint = []int{len(f.stmts), len(f.events)}
		return 0, nil
	case `ROLLBACK TO SAVEPOINT w`:
		f.stmts, f.events = f.stmts[:f.savepoint[0]], f.events[:f.savepoint[1]]
		return 0, nil
	case `INSERT events`:
		f.events = append(f.events, args[0].([]int64)...)
	}
	f.stmts = append(f.stmts, query)
	return 1, nil
}

func (f *fakeTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return nil, errors.New("no queries")
}

func (f *fakeTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	return errRow{errors.New("no queries")}
}

func (f *fakeTx) Dialect() *Dialect                { return nil }
func (f *fakeTx) Commit(ctx context.Context) error { f.committed = true; return nil }
func (f *fakeTx) Rollback(context.Context) error   { return nil }

// TestBatchTx_Undo checks that the events of a group-commit transaction
// are written exactly for the calls that succeed, in index order with no
// gaps, whether a failing call's savepoint was set or not, and whether the
// events of the calls before it were written before or after it.
func TestBatchTx_Undo(t *testing.T) {
	ctx := context.Background()
	f := &fakeTx{}
	d := &Dialect{InsertEvents: func(rows []EventRow) []Stmt {
		if len(rows) == 0 {
			return nil
		}
		idx := make([]int64, len(rows))
		for i, r := range rows {
			idx[i] = r.Index
		}
		return []Stmt{{SQL: `INSERT events`, Args: []any{idx}}}
	}}
	b := &batchTx{raw: f, d: d, next: 10, start: 10}
	tx := &Tx{raw: f, d: d, b: b}
	appendEvent := func(want int64) {
		t.Helper()
		if idx, err := b.appendEvent(ctx, tx, EventRow{}); err != nil || idx != want {
			t.Fatalf("appended at %d, %v; want %d", idx, err, want)
		}
	}
	exec := func(query string) {
		t.Helper()
		if _, err := tx.Exec(ctx, query); err != nil {
			t.Fatal(err)
		}
	}

	// A read logged: an event, no statement.
	b.call()
	appendEvent(10)
	// A change and its event.
	b.call()
	exec(`INSERT INTO orgs`)
	appendEvent(11)
	// A call that fails before any statement: nothing to roll back.
	b.call()
	appendEvent(12)
	if err := b.undo(ctx); err != nil {
		t.Fatal(err)
	}
	// A call that reads the log, which writes the events before it after
	// its savepoint, then fails: they are written again.
	b.call()
	exec(`INSERT INTO orgs`)
	appendEvent(12)
	exec(`SELECT count(*) FROM events`)
	if err := b.undo(ctx); err != nil {
		t.Fatal(err)
	}
	// A change whose event goes with the commit.
	b.call()
	exec(`INSERT INTO datasets`)
	appendEvent(12)
	if err := b.commit(ctx); err != nil {
		t.Fatal(err)
	}

	if !f.committed {
		t.Fatal("not committed")
	}
	if want := []int64{10, 11, 12}; !slices.Equal(f.events, want) {
		t.Errorf("events written %v, want %v", f.events, want)
	}
	if want := []string{`INSERT INTO orgs`, `INSERT INTO datasets`, `INSERT events`}; !slices.Equal(f.stmts, want) {
		t.Errorf("statements kept %q, want %q", f.stmts, want)
	}
	if b.next != 13 {
		t.Errorf("next index %d, want 13", b.next)
	}
}

// TestLogTables: every table of the log is recognised in a statement, so
// that the events a batch holds back are written before it.
func TestLogTables(t *testing.T) {
	for _, q := range []string{
		`SELECT next FROM event_seq FOR UPDATE`, `INSERT INTO events (idx) VALUES ($1)`,
		`SELECT keys FROM event_subject_sets`, `SELECT hashes FROM log_tiles`,
		`SELECT size FROM log_checkpoint`, `UPDATE subject_index_state SET next = 0`,
	} {
		if !logTables(q) {
			t.Errorf("logTables(%q) = false", q)
		}
	}
	if logTables(`INSERT INTO transfers (org_id) VALUES ($1)`) {
		t.Error("a transfer's insert taken for a log statement")
	}
}
