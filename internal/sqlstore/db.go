package sqlstore

import (
	"context"
	"errors"
	"time"
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

	// View runs fn with the Querier of a consistent read; see View.
	SnapshotReads bool

	update func(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error
}

// NewDB returns a DB of schema with the clock set to UTC.
func NewDB(d *Dialect, schema string) *DB {
	return &DB{Dialect: d, Schema: schema, Now: func() time.Time { return time.Now().UTC() }}
}

// now returns the time a transaction fixes at its start.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// SetUpdate sets how Update runs its calls.
func (db *DB) SetUpdate(fn func(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error) {
	db.update = fn
}

// NewTx returns a transaction over raw at the time now.
func NewTx(d *Dialect, raw RawTx, now time.Time, batched bool) *Tx {
	return &Tx{raw: raw, d: d, Now: now, Batched: batched}
}

// Update runs fn in a write transaction shared with other calls and
// returns once that transaction is durable, or has failed.
func (db *DB) Update(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if db.update == nil {
		return errors.New(db.Dialect.Name + ": database not open")
	}
	return db.update(ctx, fn)
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
