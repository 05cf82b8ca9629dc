// Package sqlite implements sluice's stores on SQLite, the embedded default:
// a control database (orgs, keys, datasets, ingests, audit events) and one
// record database per region, each a file in WAL mode with its migrations
// embedded and applied at open.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"sluice"
	"sluice/internal/groupcommit"
)

//go:embed migration/*/*.sql
var migrationFS embed.FS

// Schemas: which set of migrations a database gets.
const (
	SchemaControl = "control"
	SchemaRegion  = "region"
)

// A DB is one SQLite database file, opened as two pools: a single writer
// connection (so writers queue in Go rather than spin on SQLite's lock) and
// several readers.
type DB struct {
	wdb *sql.DB
	rdb *sql.DB

	// Path is the database file.
	Path string
	// Schema is SchemaControl or SchemaRegion.
	Schema string

	// Now returns the current time; tests replace it.
	Now func() time.Time

	// MaxBatch is the largest number of Update calls that share one
	// transaction; 0 means DefaultMaxBatch. Set it before Open.
	MaxBatch int

	committer *groupcommit.Committer[*sql.Tx] // runs Update calls
}

// NewControlDB returns a control database at path. Call Open before use.
func NewControlDB(path string) *DB {
	return &DB{Path: path, Schema: SchemaControl, Now: func() time.Time { return time.Now().UTC() }}
}

// NewRegionDB returns a region's record database at path. Call Open before use.
func NewRegionDB(path string) *DB {
	return &DB{Path: path, Schema: SchemaRegion, Now: func() time.Time { return time.Now().UTC() }}
}

// Open opens the database and applies pending migrations.
func (db *DB) Open() (err error) {
	if db.Path == "" {
		return fmt.Errorf("sqlite: path required")
	}
	// FULL synchronous in WAL mode: a commit survives power loss, not only a
	// crash of the process. Acknowledged changes must never be lost.
	// Prepared statements are cached per connection: the writer runs the
	// same few statements for every change.
	opts := "_journal_mode=WAL&_synchronous=FULL&_busy_timeout=30000&_foreign_keys=on&_stmt_cache_size=32&_cache_size=-32000"
	if err := createPrivate(db.Path); err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	if db.wdb, err = sql.Open("sqlite3", "file:"+uriPath(db.Path)+"?"+opts+"&_txlock=immediate"); err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	db.wdb.SetMaxOpenConns(1)
	db.wdb.SetConnMaxIdleTime(0)
	if db.rdb, err = sql.Open("sqlite3", "file:"+uriPath(db.Path)+"?"+opts); err != nil {
		db.wdb.Close()
		return fmt.Errorf("open sqlite: %w", err)
	}
	db.rdb.SetMaxOpenConns(8)
	if err := db.migrate(); err != nil {
		db.Close()
		return fmt.Errorf("migrate %s: %w", db.Path, err)
	}
	db.startCommitter()
	return nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.stopCommitter()
	var errs []error
	if db.rdb != nil {
		errs = append(errs, db.rdb.Close())
	}
	if db.wdb != nil {
		errs = append(errs, db.wdb.Close())
	}
	return errors.Join(errs...)
}

func (db *DB) migrate() error {
	if db.Schema != SchemaControl && db.Schema != SchemaRegion {
		return fmt.Errorf("unknown schema %q", db.Schema)
	}
	if _, err := db.wdb.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (schema TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (schema, name))`); err != nil {
		return err
	}
	names, err := fs.Glob(migrationFS, "migration/"+db.Schema+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.migrateFile(name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func (db *DB) migrateFile(name string) error {
	tx, err := db.wdb.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM schema_migrations WHERE schema = ? AND name = ?`, db.Schema, name).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	buf, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(string(buf)); err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO schema_migrations (schema, name) VALUES (?, ?)`, db.Schema, name); err != nil {
		return err
	}
	return tx.Commit()
}

// Tx wraps a write transaction and fixes the time at its start, so every
// row it writes carries the same timestamp.
type Tx struct {
	*sql.Tx
	db      *DB
	now     time.Time
	batched bool // within Update: the committer commits; see Update
}

// BeginTx starts a write transaction of its own, outside group commit:
// for long writes such as a region's record batches. Changes to the
// control store go through Update.
func (db *DB) BeginTx(ctx context.Context) (*Tx, error) {
	tx, err := db.wdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, FormatError(err)
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC().Truncate(time.Microsecond)}, nil
}

// readTx starts a read-only transaction, a consistent snapshot.
func (db *DB) readTx(ctx context.Context) (*sql.Tx, error) {
	return db.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
}

// FormatError translates SQLite errors into sluice errors where a user can
// act on them: a unique violation is ECONFLICT, a busy database
// EUNAVAILABLE. Others pass through unchanged.
func FormatError(err error) error {
	var e sqlite3.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	switch {
	case e.ExtendedCode == sqlite3.ErrConstraintUnique || e.ExtendedCode == sqlite3.ErrConstraintPrimaryKey:
		return sluice.Errorf(sluice.ECONFLICT, "Already exists (%s).", uniqueColumns(e.Error()))
	case e.Code == sqlite3.ErrBusy || e.Code == sqlite3.ErrLocked:
		return sluice.Errorf(sluice.EUNAVAILABLE, "The database is busy; try again.")
	}
	return err
}

func uniqueColumns(msg string) string {
	if i := strings.Index(msg, "failed: "); i >= 0 {
		return msg[i+len("failed: "):]
	}
	return msg
}

// timeText is how times are stored: RFC 3339 with nanoseconds, UTC.
const timeText = time.RFC3339Nano

func formatTime(t time.Time) string { return t.UTC().Format(timeText) }

func parseTime(s string) (time.Time, error) { return time.Parse(timeText, s) }

// NullTime scans a nullable time column.
type nullTime struct{ t **time.Time }

func (n nullTime) Scan(v any) error {
	if v == nil {
		*n.t = nil
		return nil
	}
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("time: unexpected %T", v)
	}
	t, err := parseTime(s)
	if err != nil {
		return err
	}
	*n.t = &t
	return nil
}

// timeCol scans a non-null time column.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	var p *time.Time
	if err := (nullTime{&p}).Scan(v); err != nil {
		return err
	} else if p == nil {
		return fmt.Errorf("time: unexpected NULL")
	}
	*c.t = *p
	return nil
}

// dbtx is what *sql.DB and *sql.Tx have in common.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// limitClause returns a LIMIT/OFFSET clause, or "" when limit is 0.
func limitClause(limit, offset int) string {
	if limit <= 0 {
		if offset > 0 {
			return fmt.Sprintf(" LIMIT -1 OFFSET %d", offset)
		}
		return ""
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, offset)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
