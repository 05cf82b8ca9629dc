package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// execer is what *pgxpool.Pool, pgx.Tx and Tx have in common.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// conn runs the shared statements on pgx.
type conn struct{ q execer }

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

func (c conn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := c.q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return c.q.QueryRow(ctx, query, args...)
}

func (c conn) Dialect() *sqlstore.Dialect { return dialect }

// rawTx is a pgx transaction as the shared statements see it.
type rawTx struct {
	conn
	tx pgTx
}

// pgTx is what rawTx needs of a transaction: a pgx.Tx, or a batchConn.
type pgTx interface {
	execer
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

func (t rawTx) Commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t rawTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }

// CommitAfter runs pre and commits: in one round trip on a batchConn.
func (t rawTx) CommitAfter(ctx context.Context, pre []sqlstore.Stmt) error {
	if c, ok := t.tx.(batchConn); ok {
		return c.commitAfter(ctx, pre)
	}
	if err := t.ExecAll(ctx, pre); err != nil {
		return err
	}
	return t.tx.Commit(ctx)
}

// A batchConn is a pooled connection in a transaction begun with BEGIN
// and the statements that go with it in one round trip (see
// beginBatch), which commits with the statements before the commit in one
// round trip too. It goes back to the pool when committed or rolled back;
// the pool drops it if it is still in a transaction then.
type batchConn struct{ *pgxpool.Conn }

// beginBatch begins a group-commit transaction on a connection of pool
// and runs lock in it, which returns the log's next index: one round trip.
func beginBatch(ctx context.Context, pool *pgxpool.Pool, lock string) (sqlstore.RawTx, int64, error) {
	c, err := pool.Acquire(ctx)
	if err != nil {
		return nil, 0, err
	}
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(lock)
	br := c.SendBatch(ctx, b)
	var next int64
	_, err = br.Exec()
	if err == nil {
		err = br.QueryRow().Scan(&next)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		c.Release()
		return nil, 0, err
	}
	bc := batchConn{c}
	return rawTx{conn{bc}, bc}, next, nil
}

func (c batchConn) Commit(ctx context.Context) error { return c.commitAfter(ctx, nil) }

func (c batchConn) Rollback(ctx context.Context) error {
	defer c.Release()
	_, err := c.Exec(ctx, `ROLLBACK`)
	return err
}

// commitAfter runs pre, then COMMIT, in one round trip. A transaction that
// failed before is rolled back by COMMIT, which is an error here as in
// pgx.Tx.Commit.
func (c batchConn) commitAfter(ctx context.Context, pre []sqlstore.Stmt) error {
	defer c.Release()
	b := &pgx.Batch{}
	for _, s := range pre {
		b.Queue(s.SQL, s.Args...)
	}
	b.Queue(`COMMIT`)
	br := c.SendBatch(ctx, b)
	var err error
	for range pre {
		if _, err = br.Exec(); err != nil {
			break
		}
	}
	if err == nil {
		var tag pgconn.CommandTag
		if tag, err = br.Exec(); err == nil && tag.String() == "ROLLBACK" {
			err = pgx.ErrTxCommitRollback
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// rawTx pipelines: the statements a group-commit transaction holds back
// go with the next one (see sqlstore.Pipeliner).
var _ sqlstore.Pipeliner = rawTx{}

// send sends pre and the statement in one batch, and reads the results
// of pre.
func (t rawTx) send(ctx context.Context, pre []sqlstore.Stmt, query string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	for _, s := range pre {
		b.Queue(s.SQL, s.Args...)
	}
	b.Queue(query, args...)
	br := t.tx.SendBatch(ctx, b)
	for range pre {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, err
		}
	}
	return br, nil
}

func (t rawTx) ExecAfter(ctx context.Context, pre []sqlstore.Stmt, query string, args ...any) (int64, error) {
	br, err := t.send(ctx, pre, query, args)
	if err != nil {
		return 0, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag.RowsAffected(), err
}

func (t rawTx) QueryAfter(ctx context.Context, pre []sqlstore.Stmt, query string, args ...any) (sqlstore.Rows, error) {
	br, err := t.send(ctx, pre, query, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return batchRows{rows, br}, nil
}

func (t rawTx) QueryRowAfter(ctx context.Context, pre []sqlstore.Stmt, query string, args ...any) sqlstore.Row {
	br, err := t.send(ctx, pre, query, args)
	return batchRow{br, err}
}

func (t rawTx) ExecAll(ctx context.Context, stmts []sqlstore.Stmt) error {
	if len(stmts) == 0 {
		return nil
	}
	last := stmts[len(stmts)-1]
	_, err := t.ExecAfter(ctx, stmts[:len(stmts)-1], last.SQL, last.Args...)
	return err
}

// batchRows are the rows of the last query of a batch, which closing
// closes.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r batchRows) Close() {
	r.Rows.Close()
	r.br.Close()
}

// batchRow is the one row of the last query of a batch, which scanning
// closes.
type batchRow struct {
	br  pgx.BatchResults
	err error // of the statements before
}

func (r batchRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	err := r.br.QueryRow().Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}
