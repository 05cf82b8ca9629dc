package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	tx pgx.Tx
}

func (t rawTx) Commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t rawTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }

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
