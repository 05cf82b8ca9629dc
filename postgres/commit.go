package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"sluice/internal/groupcommit"
	"sluice/internal/sqlstore"
)

// DefaultMaxBatch is the largest number of Update calls that share one
// transaction. PostgreSQL keeps up to 64 subtransactions per backend in
// shared memory; beyond that every snapshot taken anywhere gets slower.
const DefaultMaxBatch = 64

// Update runs fn in a transaction that appends audit events and returns
// once that transaction is committed, or has failed. fn's changes commit
// if and only if fn returns nil and the transaction commits.
//
// # Group commit
//
// Calls made while a transaction commits are grouped into the next one,
// each in its own SAVEPOINT, so that a call whose fn fails rolls back its
// own changes only and one commit serves them all. This matters because
// the audit log's sequence is one row (event_seq) whose lock is held to
// the commit, so that indexes follow commit order across replicas: one
// transaction at a time appends events, whichever replica runs it. Each
// batch takes that lock first, before any call runs, so that batches of
// different replicas never deadlock over the rows their calls lock.
//
// fn must do its I/O through tx with the ctx it is given, which carries
// the caller's values but not its cancellation (see package
// sluice/internal/groupcommit). fn must not call tx.Commit or tx.Rollback.
func (db *DB) Update(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if db.committer == nil {
		return errors.New("postgres: database not open")
	}
	return db.committer.Do(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return fn(ctx, &Tx{Tx: tx, db: db, now: db.Now().UTC().Truncate(time.Microsecond), batched: true})
	})
}

// startCommitter starts the goroutine that runs Update calls.
func (db *DB) startCommitter() {
	max := db.MaxBatch
	if max <= 0 {
		max = DefaultMaxBatch
	}
	db.committer = groupcommit.New(groupcommit.Ops[pgx.Tx]{
		Begin: func(ctx context.Context) (pgx.Tx, error) {
			tx, err := db.pool.Begin(ctx)
			if err != nil {
				return nil, FormatError(err)
			}
			if db.Schema == SchemaControl {
				if _, err := tx.Exec(ctx, `SELECT next FROM event_seq FOR UPDATE`); err != nil {
					tx.Rollback(ctx)
					return nil, FormatError(err)
				}
			}
			return tx, nil
		},
		Savepoint: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `SAVEPOINT w`)
			return FormatError(err)
		},
		RollbackToSavepoint: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT w`)
			return FormatError(err)
		},
		Commit:   func(ctx context.Context, tx pgx.Tx) error { return FormatError(tx.Commit(ctx)) },
		Rollback: func(ctx context.Context, tx pgx.Tx) { tx.Rollback(ctx) },
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

// Exec is pgx.Tx's, but within Update it ignores ctx's cancellation: a
// cancelled query closes the connection, failing the whole shared
// transaction.
func (tx *Tx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if tx.batched {
		ctx = context.WithoutCancel(ctx)
	}
	return tx.Tx.Exec(ctx, sql, args...)
}

// Query is pgx.Tx's; see Exec.
func (tx *Tx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if tx.batched {
		ctx = context.WithoutCancel(ctx)
	}
	return tx.Tx.Query(ctx, sql, args...)
}

// QueryRow is pgx.Tx's; see Exec.
func (tx *Tx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if tx.batched {
		ctx = context.WithoutCancel(ctx)
	}
	return tx.Tx.QueryRow(ctx, sql, args...)
}

// Commit commits a transaction begun with BeginTx. Within Update the
// committer commits, and calling Commit is an error.
func (tx *Tx) Commit(ctx context.Context) error {
	if tx.batched {
		return errors.New("postgres: Commit called within Update")
	}
	return tx.Tx.Commit(ctx)
}

// Rollback rolls back a transaction begun with BeginTx. Within Update a
// call undoes its changes by returning an error, and Rollback does nothing.
func (tx *Tx) Rollback(ctx context.Context) error {
	if tx.batched {
		return nil
	}
	return tx.Tx.Rollback(ctx)
}
