package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"sluice/internal/groupcommit"
	"sluice/internal/sqlstore"
)

// DefaultMaxBatch is the largest number of Update calls that share one
// write transaction.
const DefaultMaxBatch = 512

// Update runs fn in a write transaction and returns once that transaction
// is durable, or has failed. fn's changes commit if and only if fn returns
// nil and the transaction commits.
//
// # Group commit
//
// Calls made while a transaction commits are grouped into the next one:
// each call runs in its own SAVEPOINT, so that a call whose fn fails rolls
// back its own changes only, and one commit (one fsync, with FULL sync)
// makes all the others durable. fn runs on the committer's goroutine, one
// call after another, and sees the changes of the calls before it in the
// same transaction, as if each had committed on its own.
//
// fn must do its I/O through tx with the ctx it is given, which carries
// the caller's values but not its cancellation (see package
// sluice/internal/groupcommit). fn must not call tx.Commit or tx.Rollback.
func (db *DB) Update(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if db.committer == nil {
		return errors.New("sqlite: database not open")
	}
	return db.committer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return fn(ctx, &Tx{Tx: tx, db: db, now: db.Now().UTC().Truncate(time.Microsecond), batched: true})
	})
}

// startCommitter starts the goroutine that runs Update calls.
func (db *DB) startCommitter() {
	max := db.MaxBatch
	if max <= 0 {
		max = DefaultMaxBatch
	}
	db.committer = groupcommit.New(groupcommit.Ops[*sql.Tx]{
		Begin: func(ctx context.Context) (*sql.Tx, error) {
			tx, err := db.wdb.BeginTx(ctx, nil) // BEGIN IMMEDIATE: see _txlock in Open
			return tx, FormatError(err)
		},
		Savepoint: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `SAVEPOINT w`)
			return FormatError(err)
		},
		RollbackToSavepoint: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `ROLLBACK TO w`)
			return FormatError(err)
		},
		Commit:   func(ctx context.Context, tx *sql.Tx) error { return FormatError(tx.Commit()) },
		Rollback: func(ctx context.Context, tx *sql.Tx) { tx.Rollback() },
	}, max)
}

// core returns tx as the shared statements see it.
func (tx *Tx) core() *sqlstore.Tx {
	return sqlstore.NewTx(dialect, rawTx{conn{tx}, tx.Tx}, tx.now, tx.batched)
}

// coreUpdate is Update for the shared statements.
func (db *DB) coreUpdate(ctx context.Context, fn func(ctx context.Context, tx *sqlstore.Tx) error) error {
	return db.Update(ctx, func(ctx context.Context, tx *Tx) error { return fn(ctx, tx.core()) })
}

// stopCommitter stops the committer after the batch it is running.
func (db *DB) stopCommitter() {
	if db.committer != nil {
		db.committer.Stop()
	}
}

// ExecContext is sql.Tx's, but within Update it ignores ctx's cancellation:
// an interrupted statement would roll back the whole shared transaction.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if tx.batched {
		ctx = context.WithoutCancel(ctx)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// QueryContext is sql.Tx's; see ExecContext.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if tx.batched {
		ctx = context.WithoutCancel(ctx)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext is sql.Tx's; see ExecContext.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if tx.batched {
		ctx = context.WithoutCancel(ctx)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// PrepareContext is sql.Tx's; see ExecContext.
func (tx *Tx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if tx.batched {
		ctx = context.WithoutCancel(ctx)
	}
	return tx.Tx.PrepareContext(ctx, query)
}

// Commit commits a transaction begun with BeginTx. Within Update the
// committer commits, and calling Commit is an error.
func (tx *Tx) Commit() error {
	if tx.batched {
		return errors.New("sqlite: Commit called within Update")
	}
	return tx.Tx.Commit()
}

// Rollback rolls back a transaction begun with BeginTx. Within Update a
// call undoes its changes by returning an error, and Rollback does nothing.
func (tx *Tx) Rollback() error {
	if tx.batched {
		return nil
	}
	return tx.Tx.Rollback()
}
