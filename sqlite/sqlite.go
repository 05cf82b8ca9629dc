// Package sqlite implements sluice's stores on SQLite, the embedded default:
// a control database (orgs, keys, datasets, ingests, audit events) and one
// record database per region, each a file in WAL mode with its migrations
// embedded and applied at open. The statements are sluice/internal/sqlstore's,
// shared with the PostgreSQL store; this package holds what is SQLite's
// own: opening, pragmas, the two pools, migrations and the dialect.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/mattn/go-sqlite3"

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

// A DB is one SQLite database file, opened as two pools: a single writer
// connection (so writers queue in Go rather than spin on SQLite's lock) and
// several readers.
type DB struct {
	// DB is the database as the shared statements see it; it holds the
	// Schema and the clock (Now), which tests replace.
	*sqlstore.DB

	wdb *sql.DB
	rdb *sql.DB

	// Path is the database file.
	Path string
}

// NewControlDB returns a control database at path. Call Open before use.
func NewControlDB(path string) *DB {
	return &DB{DB: sqlstore.NewDB(dialect, SchemaControl), Path: path}
}

// NewRegionDB returns a region's record database at path. Call Open before use.
func NewRegionDB(path string) *DB {
	return &DB{DB: sqlstore.NewDB(dialect, SchemaRegion), Path: path}
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
	// secure_delete overwrites deleted content with zeros, so that records
	// the retention job removes leave no bytes behind once the WAL is
	// checkpointed (see Checkpoint).
	opts := "_journal_mode=WAL&_synchronous=FULL&_busy_timeout=30000&_foreign_keys=on&_stmt_cache_size=32&_cache_size=-32000&_secure_delete=on"
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
	db.Read, db.Write = conn{db.rdb}, conn{db.wdb}
	db.Begin = begin(db.wdb, nil)
	db.BeginRead = begin(db.rdb, &sql.TxOptions{ReadOnly: true})
	db.SnapshotReads = true
	if err := db.migrate(); err != nil {
		db.Close()
		return fmt.Errorf("migrate %s: %w", db.Path, err)
	}
	db.StartCommitter(DefaultMaxBatch)
	return nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.StopCommitter()
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
	var applied []string
	rows, err := db.wdb.Query(`SELECT name FROM schema_migrations WHERE schema = ?`, db.Schema)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		applied = append(applied, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := sqlstore.CheckMigrations(db.Schema, applied, names); err != nil {
		return err
	}
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

// DefaultMaxBatch is the largest number of Update calls that share one
// write transaction.
const DefaultMaxBatch = 512

// Tx is a write transaction; see sqlstore.Tx.
type Tx = sqlstore.Tx

// beginWrite starts a write transaction of its own on database/sql, for
// the bulk writes of a region's records.
func (db *DB) beginWrite(ctx context.Context) (*sql.Tx, error) {
	tx, err := db.wdb.BeginTx(ctx, nil)
	return tx, FormatError(err)
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

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// SchemaVersion returns the number of the last migration of schema
// (SchemaControl or SchemaRegion) this build applies: the store format it
// writes.
func SchemaVersion(schema string) int {
	names, _ := fs.Glob(migrationFS, "migration/"+schema+"/*.sql")
	v := 0
	for _, name := range names {
		var n int
		if _, err := fmt.Sscanf(path.Base(name), "%d_", &n); err == nil && n > v {
			v = n
		}
	}
	return v
}
