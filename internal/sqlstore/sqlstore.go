// Package sqlstore holds the SQL that sluice's two store engines share:
// the statements and the scanning code of every service, written once in
// PostgreSQL's syntax against a small connection interface ([Querier]).
// What truly differs between SQLite and PostgreSQL is a [Dialect] value:
// the bind style, row locks, how times are stored, how the audit log hands
// out its indexes and how many rows are loaded at once. The engine
// packages, sluice/sqlite and sluice/postgres, keep opening, their driver
// and pool settings, their migrations and their dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A Querier runs statements. Statements are written with PostgreSQL's
// numbered parameters ($1, $2, …); an engine's Querier rewrites them for
// its driver (see [Dialect.Rebind]).
type Querier interface {
	// Exec runs a statement and returns the number of rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
	// Dialect returns the engine's dialect.
	Dialect() *Dialect
}

// Rows is the result of a query, read row by row.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// A Row is the result of a query of one row.
type Row interface {
	Scan(dest ...any) error
}

// A RawTx is an engine's transaction.
type RawTx interface {
	Querier
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// IsNoRows reports whether err says a query of one row found none. Both
// drivers' errors match sql.ErrNoRows.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// A Tx is a write transaction with the time fixed at its start, so that
// every row it writes carries the same timestamp.
type Tx struct {
	raw RawTx
	d   *Dialect
	// Now is the transaction's time.
	Now time.Time
	// Batched is set within DB.Update: the committer commits, and the
	// statements ignore the cancellation of the caller's context, since an
	// interrupted statement would fail the whole shared transaction.
	Batched bool

	b *batchTx // within Update: the shared transaction
}

// Dialect returns the engine's dialect.
func (tx *Tx) Dialect() *Dialect { return tx.d }

// Raw returns the engine's transaction, for what only the engine can do
// (bulk loads through a driver's own interface). Call Sync first.
func (tx *Tx) Raw() RawTx { return tx.raw }

func (tx *Tx) ctx(ctx context.Context) context.Context {
	if tx.Batched {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// prelude returns what the transaction holds back and must write before
// statement query (see batchTx), and the Pipeliner to send it with
// that statement if the engine pipelines. Without one, it writes it.
func (tx *Tx) prelude(ctx context.Context, query string) ([]Stmt, Pipeliner, error) {
	if tx.b == nil {
		return nil, nil, nil
	}
	pre := tx.b.prelude(logTables(query))
	if len(pre) == 0 {
		return nil, nil, nil
	}
	if p, ok := tx.raw.(Pipeliner); ok {
		return pre, p, nil
	}
	return nil, nil, execAll(ctx, tx.raw, pre)
}

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	ctx = tx.ctx(ctx)
	pre, p, err := tx.prelude(ctx, query)
	if err != nil {
		return 0, err
	} else if p != nil {
		return p.ExecAfter(ctx, pre, query, args...)
	}
	return tx.raw.Exec(ctx, query, args...)
}

// Query runs a query in the transaction.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	ctx = tx.ctx(ctx)
	pre, p, err := tx.prelude(ctx, query)
	if err != nil {
		return nil, err
	} else if p != nil {
		return p.QueryAfter(ctx, pre, query, args...)
	}
	return tx.raw.Query(ctx, query, args...)
}

// QueryRow runs a query of one row in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) Row {
	ctx = tx.ctx(ctx)
	pre, p, err := tx.prelude(ctx, query)
	if err != nil {
		return errRow{err}
	} else if p != nil {
		return p.QueryRowAfter(ctx, pre, query, args...)
	}
	return tx.raw.QueryRow(ctx, query, args...)
}

// Commit commits a transaction begun with DB.BeginTx. Within Update the
// committer commits, and calling Commit is an error.
func (tx *Tx) Commit(ctx context.Context) error {
	if tx.Batched {
		return fmt.Errorf("%s: Commit called within Update", tx.d.Name)
	}
	return tx.d.FormatError(tx.raw.Commit(ctx))
}

// Rollback rolls back a transaction begun with DB.BeginTx. Within Update
// a call undoes its changes by returning an error, and Rollback does
// nothing.
func (tx *Tx) Rollback(ctx context.Context) error {
	if tx.Batched {
		return nil
	}
	return tx.raw.Rollback(ctx)
}
