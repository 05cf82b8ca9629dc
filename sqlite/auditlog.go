package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"sluice"
	"sluice/auditlog"
)

// Ensure LogStore implements the interfaces.
var (
	_ auditlog.Store          = (*LogStore)(nil)
	_ auditlog.SubjectIndexer = (*LogStore)(nil)
)

// LogStore keeps the audit log's tree in the control database: the hash
// tiles and the latest signed checkpoint beside the events (the entries),
// and the subject keys each event concerns, packed in one row per event
// and indexed by key in the background (see auditlog.SubjectIndexer).
// See package auditlog.
type LogStore struct {
	db     *DB
	events *EventService

	// lock is the integration lock, indexLock the subject indexer's. One
	// process at a time opens a SQLite store (sluice serve locks its data
	// directory), so mutexes suffice.
	lock      sync.Mutex
	indexLock sync.Mutex
}

// NewLogStore returns the log store of control database db.
func NewLogStore(db *DB) *LogStore { return &LogStore{db: db, events: NewEventService(db)} }

// ReadEntries returns up to n public entries from index start on.
func (s *LogStore) ReadEntries(ctx context.Context, start, n int64) ([][]byte, error) {
	return s.readLeaves(ctx, start, n)
}

// ReadTile returns the stored hashes of a tile, nil if none.
func (s *LogStore) ReadTile(ctx context.Context, level int, index int64) ([]byte, error) {
	var b []byte
	err := s.db.rdb.QueryRowContext(ctx, `SELECT hashes FROM log_tiles WHERE level = ? AND idx = ?`, level, index).Scan(&b)
	if isNoRows(err) {
		return nil, nil
	}
	return b, err
}

// ReadCheckpoint returns the latest signed checkpoint, nil if none.
func (s *LogStore) ReadCheckpoint(ctx context.Context) ([]byte, error) {
	var b []byte
	err := s.db.rdb.QueryRowContext(ctx, `SELECT checkpoint FROM log_checkpoint WHERE one = 1`).Scan(&b)
	if isNoRows(err) {
		return nil, nil
	}
	return b, err
}

// LockIntegration takes the integration lock if it is free.
func (s *LogStore) LockIntegration(ctx context.Context) (unlock func(), ok bool, err error) {
	if !s.lock.TryLock() {
		return nil, false, nil
	}
	return s.lock.Unlock, true, nil
}

// WriteTree stores an integration's tiles and checkpoint if the stored
// tree still has oldSize entries. A stored tile is only ever extended:
// an update that would change hashes already stored fails.
func (s *LogStore) WriteTree(ctx context.Context, oldSize int64, u *auditlog.TreeUpdate) error {
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		var size int64
		if err := tx.QueryRowContext(ctx, `SELECT size FROM log_checkpoint WHERE one = 1`).Scan(&size); err != nil && !isNoRows(err) {
			return err
		}
		if size != oldSize {
			return sluice.Errorf(sluice.ECONFLICT, "The audit log's tree has %d entries, not %d: another integrator extended it.", size, oldSize)
		}
		for _, t := range u.Tiles {
			res, err := tx.ExecContext(ctx, `
				INSERT INTO log_tiles (level, idx, hashes) VALUES (?, ?, ?)
				ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes
				WHERE substr(excluded.hashes, 1, length(log_tiles.hashes)) = log_tiles.hashes`, t.Level, t.Index, t.Hashes)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return sluice.Errorf(sluice.EINTERNAL, "Audit log tile %d/%d: the new hashes do not extend the stored ones.", t.Level, t.Index)
			}
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO log_checkpoint (one, size, root, checkpoint) VALUES (1, ?, ?, ?)
			ON CONFLICT (one) DO UPDATE SET size = excluded.size, root = excluded.root, checkpoint = excluded.checkpoint`,
			u.Size, u.Root, u.Checkpoint)
		return err
	})
}

// FindSubjectEntries returns the indexes of the entries that concern a
// subject key: those the index by key holds, and, among the sets not
// indexed yet, those that hold the key. One statement reads both, so it
// sees the index and the position it reached in one snapshot.
func (s *LogStore) FindSubjectEntries(ctx context.Context, key string) ([]int64, error) {
	kb, err := auditlog.DecodeSubjectKey(key)
	if err != nil {
		return nil, err
	}
	// instr finds the key's bytes anywhere in a set; PackedContains keeps
	// the sets that hold it as one of their keys.
	rows, err := s.db.rdb.QueryContext(ctx, `
		SELECT idx, NULL FROM event_subject_index
		WHERE subject_key = ?1 AND idx < (SELECT next FROM subject_index_state)
		UNION ALL
		SELECT idx, keys FROM event_subject_sets
		WHERE idx >= (SELECT next FROM subject_index_state) AND instr(keys, ?1) > 0
		ORDER BY 1`, kb)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var idx int64
		var set []byte
		if err := rows.Scan(&idx, &set); err != nil {
			return nil, err
		}
		if set == nil || auditlog.PackedContains(set, kb) {
			out = append(out, idx)
		}
	}
	return out, rows.Err()
}

// ReadSubjectSet returns the subject keys stored beside an entry, sorted.
func (s *LogStore) ReadSubjectSet(ctx context.Context, idx int64) ([]string, error) {
	var set []byte
	err := s.db.rdb.QueryRowContext(ctx, `SELECT keys FROM event_subject_sets WHERE idx = ?`, idx).Scan(&set)
	if isNoRows(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return auditlog.UnpackSubjects(set)
}

// indexInsertRows is how many index rows one INSERT statement adds.
const indexInsertRows = 256

// IndexSubjects adds to the index by subject key the sets not indexed yet,
// in order of their entries: the first and those after it while the keys
// stay within maxKeys. It reads and sorts them outside the write
// transaction, then inserts their rows in key order and moves the index
// state past them in one transaction, if no other indexer moved it
// meanwhile. While another call is at work it returns 0 and true. A
// crash leaves the index as the last commit left it; the next call takes
// up from there.
func (s *LogStore) IndexSubjects(ctx context.Context, maxKeys int) (sets int, more bool, err error) {
	if !s.indexLock.TryLock() {
		return 0, true, nil // busy
	}
	defer s.indexLock.Unlock()
	tx, err := s.db.readTx(ctx)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback()
	var next int64
	if err := tx.QueryRowContext(ctx, `SELECT next FROM subject_index_state`).Scan(&next); err != nil {
		return 0, false, fmt.Errorf("read index state: %w", err)
	}
	// Choose the sets by their sizes before reading any.
	rows, err := tx.QueryContext(ctx, `SELECT idx, length(keys) FROM event_subject_sets WHERE idx >= ? ORDER BY idx`, next)
	if err != nil {
		return 0, false, err
	}
	var idxs []int64
	keys := 0
	for rows.Next() {
		var idx int64
		var n int
		if err := rows.Scan(&idx, &n); err != nil {
			rows.Close()
			return 0, false, err
		}
		if len(idxs) > 0 && keys+n/auditlog.KeySize > maxKeys {
			more = true
			break
		}
		idxs, keys = append(idxs, idx), keys+n/auditlog.KeySize
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, err
	} else if len(idxs) == 0 {
		return 0, false, nil
	}
	last := idxs[len(idxs)-1]
	rows, err = tx.QueryContext(ctx, `SELECT idx, keys FROM event_subject_sets WHERE idx >= ? AND idx <= ? ORDER BY idx`, next, last)
	if err != nil {
		return 0, false, err
	}
	idxs = idxs[:0]
	var packed [][]byte
	for rows.Next() {
		var idx int64
		var set []byte
		if err := rows.Scan(&idx, &set); err != nil {
			rows.Close()
			return 0, false, err
		}
		idxs, packed = append(idxs, idx), append(packed, set)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, err
	}
	tx.Rollback()
	entries, err := auditlog.IndexEntries(idxs, packed)
	if err != nil {
		return 0, false, err
	}
	packed = nil
	wtx, err := s.db.BeginTx(ctx)
	if err != nil {
		return 0, false, err
	}
	defer wtx.Rollback()
	res, err := wtx.ExecContext(ctx, `UPDATE subject_index_state SET next = ? WHERE next = ?`, last+1, next)
	if err != nil {
		return 0, false, err
	} else if n, err := res.RowsAffected(); err != nil {
		return 0, false, err
	} else if n != 1 {
		return 0, true, nil // another indexer moved on
	}
	if err := insertIndexRows(ctx, wtx, entries); err != nil {
		return 0, false, fmt.Errorf("index subject sets %d to %d: %w", next, last, err)
	}
	if err := wtx.Commit(); err != nil {
		return 0, false, FormatError(err)
	}
	return len(idxs), more, nil
}

// insertIndexRows inserts index rows, indexInsertRows per statement.
func insertIndexRows(ctx context.Context, tx *Tx, entries []auditlog.IndexEntry) error {
	insert := func(n int) (*sql.Stmt, error) {
		q := `INSERT INTO event_subject_index (subject_key, idx) VALUES ` + strings.TrimSuffix(strings.Repeat(`(?, ?), `, n), ", ")
		return tx.PrepareContext(ctx, q)
	}
	args := make([]any, 0, 2*indexInsertRows)
	var full *sql.Stmt
	for len(entries) > 0 {
		n := min(len(entries), indexInsertRows)
		stmt := full
		if n < indexInsertRows || full == nil {
			var err error
			if stmt, err = insert(n); err != nil {
				return err
			}
			if n == indexInsertRows {
				full = stmt
				defer full.Close()
			} else {
				defer stmt.Close()
			}
		}
		args = args[:0]
		for i := range entries[:n] {
			args = append(args, entries[i].Key[:], entries[i].Index)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
		entries = entries[n:]
	}
	return nil
}
