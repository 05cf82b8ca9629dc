// Package postgres implements sluice's stores on PostgreSQL through pgx:
// the control store (orgs, keys, datasets, ingests, audit events) and the
// record store of a region, each in its own database (or the same one:
// their tables do not clash). Migrations are embedded and applied at open.
//
// The SQL stays within what PostgreSQL-compatible distributed databases
// accept: no extensions, no LISTEN/NOTIFY, identity columns and COPY.
//
// The statements are sluice/internal/sqlstore's, shared with the SQLite
// store; this package holds what is PostgreSQL's own: the pool,
// migrations, advisory locks and the dialect.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

//go:embed migration/*/*.sql
var migrationFS embed.FS

// Schemas: which set of migrations a database gets.
const (
	SchemaControl = sqlstore.SchemaControl
	SchemaRegion  = sqlstore.SchemaRegion
)

// A DB is a pool of connections to one PostgreSQL database.
type DB struct {
	// DB is the database as the shared statements see it; it holds the
	// Schema and the clock (Now), which tests replace.
	*sqlstore.DB

	pool *pgxpool.Pool

	// DSN is the database's URL.
	DSN string
}

// NewControlDB returns the control database at dsn. Call Open before use.
func NewControlDB(dsn string) *DB {
	return &DB{DB: sqlstore.NewDB(dialect, SchemaControl), DSN: dsn}
}

// NewRegionDB returns a region's record database at dsn. Call Open before use.
func NewRegionDB(dsn string) *DB {
	return &DB{DB: sqlstore.NewDB(dialect, SchemaRegion), DSN: dsn}
}

// Open connects and applies pending migrations.
func (db *DB) Open(ctx context.Context) (err error) {
	cfg, err := pgxpool.ParseConfig(db.DSN)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if err := db.pool.Ping(ctx); err != nil {
		db.pool.Close()
		return fmt.Errorf("postgres: %w", err)
	}
	db.Read, db.Write = conn{db.pool}, conn{db.pool}
	db.Begin = func(ctx context.Context) (sqlstore.RawTx, error) {
		tx, err := db.pool.Begin(ctx)
		if err != nil {
			return nil, err
		}
		return rawTx{conn{tx}, tx}, nil
	}
	db.BeginBatch = func(ctx context.Context, lock string) (sqlstore.RawTx, int64, error) {
		return beginBatch(ctx, db.pool, lock)
	}
	if err := db.migrate(ctx); err != nil {
		db.pool.Close()
		return fmt.Errorf("migrate: %w", err)
	}
	db.StartCommitter(DefaultMaxBatch)
	return nil
}

// Close closes the pool.
func (db *DB) Close() error {
	db.StopCommitter()
	if db.pool != nil {
		db.pool.Close()
	}
	return nil
}

// migrationLock is the advisory lock key that serialises migrations of
// replicas starting at once.
const migrationLock = 0x51_1c_e0

func (db *DB) migrate(ctx context.Context) error {
	if db.Schema != SchemaControl && db.Schema != SchemaRegion {
		return fmt.Errorf("unknown schema %q", db.Schema)
	}
	names, err := fs.Glob(migrationFS, "migration/"+db.Schema+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (schema TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (schema, name))`); err != nil {
		return err
	}
	rows, err := conn.Query(ctx, `SELECT name FROM schema_migrations WHERE schema = $1`, db.Schema)
	if err != nil {
		return err
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	if err := sqlstore.CheckMigrations(db.Schema, applied, names); err != nil {
		return err
	}
	for _, name := range names {
		if err := migrateFile(ctx, conn.Conn(), db.Schema, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func migrateFile(ctx context.Context, conn *pgx.Conn, schema, name string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE schema = $1 AND name = $2`, schema, name).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	buf, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, string(buf)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (schema, name) VALUES ($1, $2)`, schema, name); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// DefaultMaxBatch is the largest number of Update calls that share one
// transaction. PostgreSQL keeps up to 64 subtransactions per backend in
// shared memory; beyond that every snapshot taken anywhere gets slower.
const DefaultMaxBatch = 64

// Tx is a write transaction; see sqlstore.Tx.
type Tx = sqlstore.Tx

// textRefused is the message for text PostgreSQL cannot store.
const textRefused = "A text value holds a NUL character or bytes that are not UTF-8, which the store cannot keep."

// FormatError translates PostgreSQL errors into sluice errors where a user
// can act on them: a unique violation is ECONFLICT, a serialization
// failure or deadlock EUNAVAILABLE. Others pass through unchanged.
func FormatError(err error) error {
	var e *pgconn.PgError
	if err == nil || !errors.As(err, &e) {
		return err
	}
	switch e.Code {
	case "23505":
		return sluice.Errorf(sluice.ECONFLICT, "Already exists (%s).", e.ConstraintName)
	case "40001", "40P01":
		return sluice.Errorf(sluice.EUNAVAILABLE, "The database is busy; try again.")
	case "22021", "22P05":
		return sluice.Errorf(sluice.EINVALID, textRefused)
	}
	return err
}
