package sqlstore

import (
	"context"
	"strings"
)

// A Stmt is a statement with its arguments, in PostgreSQL's syntax.
type Stmt struct {
	SQL  string
	Args []any
}

// A Pipeliner is an engine's transaction that sends several statements in
// one round trip (PostgreSQL: a pipeline of the extended protocol). Each
// method runs the statements of pre, then its own; an error of pre is
// returned as the statement's.
type Pipeliner interface {
	ExecAfter(ctx context.Context, pre []Stmt, query string, args ...any) (int64, error)
	QueryAfter(ctx context.Context, pre []Stmt, query string, args ...any) (Rows, error)
	QueryRowAfter(ctx context.Context, pre []Stmt, query string, args ...any) Row
	// ExecAll runs stmts and returns the first error.
	ExecAll(ctx context.Context, stmts []Stmt) error
}

// A batchTx is a group-commit transaction (see DB.Update): the engine's
// transaction, and what its calls have left to write. It writes nothing
// on its own: a call's savepoint goes to the database just before the
// call's first statement, in the same round trip where the engine
// pipelines (Pipeliner); the events appended go just before the next
// statement that names one of the log's tables (logTables: no trigger or
// foreign key reaches them from another table), or the
// commit. A call that appends events and runs no statement of its own (an
// event recording a read) costs no round trip at all; a change and its
// event cost one, and the events of a whole batch are written together.
//
// Indexes are handed out here, in order, from the log's next index: the
// engine's BatchLock reads it at the start of the transaction and locks it
// to the commit (PostgreSQL), or NextIndex reads it once, under the one
// writer's lock (SQLite).
type batchTx struct {
	raw RawTx
	d   *Dialect

	next    int64      // index of the next event; -1 until read
	start   int64      // next at the start of the transaction
	pending []EventRow // appended, not yet written, in index order

	mark      int64 // next when the running call started
	savepoint bool  // the running call's savepoint is due before its first statement
	saved     bool  // the running call's savepoint is set
	// rewrite holds the events of calls before the running one that were
	// written after its savepoint: a rollback to it undoes them, and they
	// are to be written again.
	rewrite []EventRow
}

// call starts a call: its savepoint is due.
func (b *batchTx) call() {
	b.mark, b.savepoint, b.saved, b.rewrite = b.next, true, false, nil
}

// logTables reports whether query may read or write the log's tables:
// events, event_seq and the event_subject* tables ("event"), the tiles,
// the checkpoint and the subject index's state. It may say yes of others
// (writing the events early costs nothing but the order of statements),
// never no of a log table.
func logTables(query string) bool {
	return strings.Contains(query, "event") || strings.Contains(query, "log_tiles") ||
		strings.Contains(query, "log_checkpoint") || strings.Contains(query, "subject_index_state")
}

// prelude returns what must be written before the next statement: the
// running call's savepoint, then, if events is set (the statement names
// the log's tables, or the transaction is to commit or be handed to the
// engine), the events appended.
func (b *batchTx) prelude(events bool) []Stmt {
	var pre []Stmt
	if b.savepoint {
		pre = append(pre, Stmt{SQL: `SAVEPOINT w`})
		b.savepoint, b.saved = false, true
	}
	if len(b.pending) == 0 || !events {
		return pre
	}
	if b.saved {
		for _, r := range b.pending {
			if r.Index < b.mark {
				b.rewrite = append(b.rewrite, r)
			}
		}
	}
	pre = append(pre, b.d.InsertEvents(b.pending)...)
	b.pending = nil
	return pre
}

// undo forgets the running call's events and, if its savepoint is set,
// rolls the transaction back to it.
func (b *batchTx) undo(ctx context.Context) error {
	k := len(b.pending)
	for k > 0 && b.pending[k-1].Index >= b.mark {
		k--
	}
	b.pending = b.pending[:k]
	b.next = b.mark
	saved := b.saved
	if saved {
		b.pending = append(b.rewrite, b.pending...)
	}
	b.savepoint, b.saved, b.rewrite = false, false, nil
	if !saved {
		return nil // the call wrote nothing
	}
	_, err := b.raw.Exec(ctx, `ROLLBACK TO SAVEPOINT w`)
	return err
}

// commit writes the events left and the log's next index, then commits.
func (b *batchTx) commit(ctx context.Context) error {
	b.savepoint = false
	stmts := b.prelude(true)
	if b.d.EndBatch != "" && b.next != b.start {
		stmts = append(stmts, Stmt{SQL: b.d.EndBatch, Args: []any{b.next}})
	}
	if c, ok := b.raw.(interface {
		CommitAfter(ctx context.Context, pre []Stmt) error
	}); ok {
		return c.CommitAfter(ctx, stmts) // one round trip
	}
	if err := execAll(ctx, b.raw, stmts); err != nil {
		return err
	}
	return b.raw.Commit(ctx)
}

// appendEvent hands out the next index to row and keeps it to be written.
func (b *batchTx) appendEvent(ctx context.Context, tx *Tx, row EventRow) (int64, error) {
	if b.next < 0 {
		if err := tx.QueryRow(ctx, b.d.NextIndex).Scan(&b.next); err != nil {
			return 0, err
		}
		b.start = b.next
		if b.mark < 0 {
			b.mark = b.next
		}
	}
	row.Index = b.next
	b.next++
	b.pending = append(b.pending, row)
	return row.Index, nil
}

// execAll runs stmts on q, in one round trip where q pipelines.
func execAll(ctx context.Context, q Querier, stmts []Stmt) error {
	if len(stmts) == 0 {
		return nil
	}
	if p, ok := q.(Pipeliner); ok {
		return p.ExecAll(ctx, stmts)
	}
	for _, s := range stmts {
		if _, err := q.Exec(ctx, s.SQL, s.Args...); err != nil {
			return err
		}
	}
	return nil
}

// Sync writes what the transaction holds back (a call's savepoint, events
// appended) before an engine works on the transaction through Raw.
func (tx *Tx) Sync(ctx context.Context) error {
	if tx.b == nil {
		return nil
	}
	return execAll(tx.ctx(ctx), tx.raw, tx.b.prelude(true))
}

// errRow is a Row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
