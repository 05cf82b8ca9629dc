package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/sluice-gateway/sluice/internal/groupcommit"
)

// Schemas: which set of migrations a database gets.
const (
	SchemaControl = "control"
	SchemaRegion  = "region"
)

// A DB is one engine's database as the shared statements see it. The
// engine package fills it in when it opens the database.
type DB struct {
	// Dialect is the engine's.
	Dialect *Dialect
	// Schema is SchemaControl or SchemaRegion.
	Schema string

	// Now returns the current time; tests replace it.
	Now func() time.Time

	// Read runs reads outside a transaction; Write runs a write of one
	// statement outside Update (for SQLite, on its writer connection).
	Read, Write Querier

	// Begin starts a write transaction of its own; BeginRead a read-only
	// transaction, a consistent snapshot.
	Begin, BeginRead func(ctx context.Context) (RawTx, error)

	// BeginBatch, if set, starts a group-commit transaction of a control
	// store and runs the dialect's BatchLock in it, returning the log's
	// next index: in one round trip, where Begin and the lock take two.
	BeginBatch func(ctx context.Context, lock string) (RawTx, int64, error)

	// SnapshotReads: reads of several statements run in a read
	// transaction (see View).
	SnapshotReads bool

	// MaxBatch is the largest number of Update calls that share one
	// transaction; 0 means the engine's default. Set it before Open.
	MaxBatch int

	committer *groupcommit.Committer[*batchTx] // runs Update calls
}

// NewDB returns a DB of schema with the clock set to UTC.
func NewDB(d *Dialect, schema string) *DB {
	return &DB{Dialect: d, Schema: schema, Now: func() time.Time { return time.Now().UTC() }}
}

// now returns the time a transaction fixes at its start.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// Update runs fn in a write transaction and returns once that transaction
// is durable, or has failed. fn's changes commit if and only if fn returns
// nil and the transaction commits.
//
// # Group commit
//
// Calls made while a transaction commits are grouped into the next one:
// each call runs in its own SAVEPOINT, so that a call whose fn fails rolls
// back its own changes only, and one commit makes all the others durable.
// fn runs on the committer's goroutine, one call after another, and sees
// the changes of the calls before it in the same transaction, as if each
// had committed on its own.
//
// On a control store whose dialect has a BatchLock (PostgreSQL: the audit
// log's sequence row, whose lock is held to the commit, so that indexes
// follow commit order across replicas), each batch takes that lock first,
// before any call runs, so that batches of different replicas never
// deadlock over the rows their calls lock. The calls' events get their
// indexes from it in Go, and are written together (see batchTx): a call's
// savepoint and the events before its first statement go with that
// statement, in one round trip where the engine pipelines.
//
// fn must do its I/O through tx with the ctx it is given, which carries
// the caller's values but not its cancellation (see package
// sluice/internal/groupcommit). fn must not call tx.Commit or tx.Rollback.
func (db *DB) Update(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if db.committer == nil {
		return errors.New(db.Dialect.Name + ": database not open")
	}
	return db.committer.Do(ctx, func(ctx context.Context, b *batchTx) error {
		return fn(ctx, &Tx{raw: b.raw, d: db.Dialect, Now: db.now(), Batched: true, b: b})
	})
}

// StartCommitter starts the goroutine that runs Update calls, with up to
// MaxBatch calls a transaction, or defaultMaxBatch if MaxBatch is 0.
func (db *DB) StartCommitter(defaultMaxBatch int) {
	max := db.MaxBatch
	if max <= 0 {
		max = defaultMaxBatch
	}
	d := db.Dialect
	db.committer = groupcommit.New(groupcommit.Ops[*batchTx]{
		Begin: func(ctx context.Context) (*batchTx, error) {
			locked := db.Schema == SchemaControl && d.BatchLock != ""
			if locked && db.BeginBatch != nil {
				raw, next, err := db.BeginBatch(ctx, d.BatchLock)
				if err != nil {
					return nil, d.FormatError(err)
				}
				return &batchTx{raw: raw, d: d, next: next, start: next}, nil
			}
			raw, err := db.Begin(ctx)
			if err != nil {
				return nil, d.FormatError(err)
			}
			b := &batchTx{raw: raw, d: d, next: -1, start: -1}
			if locked {
				if err := raw.QueryRow(ctx, d.BatchLock).Scan(&b.next); err != nil {
					raw.Rollback(ctx)
					return nil, d.FormatError(err)
				}
				b.start = b.next
			}
			return b, nil
		},
		// The savepoint and the events wait for the call's first
		// statement, or the commit (see batchTx).
		Savepoint: func(ctx context.Context, b *batchTx) error {
			b.call()
			return nil
		},
		RollbackToSavepoint: func(ctx context.Context, b *batchTx) error { return d.FormatError(b.undo(ctx)) },
		Commit:              func(ctx context.Context, b *batchTx) error { return d.FormatError(b.commit(ctx)) },
		Rollback:            func(ctx context.Context, b *batchTx) { b.raw.Rollback(ctx) },
	}, max)
}

// StopCommitter stops the committer after the batch it is running.
func (db *DB) StopCommitter() {
	if db.committer != nil {
		db.committer.Stop()
	}
}

// write runs fn, a write that records no audit event, with the time it
// fixes: through Update where the engine has one writer (OneWriter), so
// that it queues with the others, and on Write otherwise.
func (db *DB) write(ctx context.Context, fn func(ctx context.Context, q Querier, now time.Time) error) error {
	if db.Dialect.OneWriter {
		return db.Update(ctx, func(ctx context.Context, tx *Tx) error { return fn(ctx, tx, tx.Now) })
	}
	return fn(ctx, db.Write, db.now())
}

// writeTx runs fn in a write transaction that records no audit event:
// within Update where the engine has one writer (OneWriter), so that it
// queues with the others, and in a transaction of its own otherwise.
func (db *DB) writeTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if db.Dialect.OneWriter {
		return db.Update(ctx, fn)
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(ctx, tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// BeginTx starts a write transaction of its own, outside group commit.
func (db *DB) BeginTx(ctx context.Context) (*Tx, error) {
	raw, err := db.Begin(ctx)
	if err != nil {
		return nil, db.Dialect.FormatError(err)
	}
	return &Tx{raw: raw, d: db.Dialect, Now: db.now()}, nil
}

// View runs fn on a consistent read where the engine reads several
// statements from one snapshot (SnapshotReads), and on Read otherwise.
func (db *DB) View(ctx context.Context, fn func(q Querier) error) error {
	if !db.SnapshotReads {
		return fn(db.Read)
	}
	tx, err := db.BeginRead(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	return fn(tx)
}
