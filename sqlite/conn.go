package sqlite

import (
	"context"
	"database/sql"

	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// execer is what *sql.DB, *sql.Tx and Tx have in common.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs the shared statements on database/sql, their parameters
// rewritten for SQLite.
type conn struct{ q execer }

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, dialect.Rebind(query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c conn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := c.q.QueryContext(ctx, dialect.Rebind(query), args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return c.q.QueryRowContext(ctx, dialect.Rebind(query), args...)
}

// sqlRows drops the error of Close: the error of the reading is Err's.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

func (c conn) Dialect() *sqlstore.Dialect { return dialect }

// rawTx is a database/sql transaction as the shared statements see it.
type rawTx struct {
	conn
	tx *sql.Tx
}

func (t rawTx) Commit(ctx context.Context) error   { return t.tx.Commit() }
func (t rawTx) Rollback(ctx context.Context) error { return t.tx.Rollback() }

func begin(db *sql.DB, opts *sql.TxOptions) func(ctx context.Context) (sqlstore.RawTx, error) {
	return func(ctx context.Context) (sqlstore.RawTx, error) {
		tx, err := db.BeginTx(ctx, opts)
		if err != nil {
			return nil, err
		}
		return rawTx{conn{tx}, tx}, nil
	}
}
