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
