package sqlite

import (
	"context"
	"sync"

	"sluice"
	"sluice/auditlog"
)

// Ensure LogStore implements the interface.
var _ auditlog.Store = (*LogStore)(nil)

// LogStore keeps the audit log's tree in the control database: the hash
// tiles and the latest signed checkpoint beside the events (the entries),
// and the subject keys each event concerns. See package auditlog.
type LogStore struct {
	db     *DB
	events *EventService

	// lock is the integration lock. One process at a time opens a SQLite
	// store (sluice serve locks its data directory), so a mutex suffices.
	lock sync.Mutex
}

// NewLogStore returns the log store of control database db.
func NewLogStore(db *DB) *LogStore { return &LogStore{db: db, events: NewEventService(db)} }

// ReadEntries returns up to n entries from index start on.
func (s *LogStore) ReadEntries(ctx context.Context, start, n int64) ([][]byte, error) {
	return s.events.ReadEvents(ctx, start, n)
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
// subject key.
func (s *LogStore) FindSubjectEntries(ctx context.Context, key string) ([]int64, error) {
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT idx FROM event_subjects WHERE subject_key = ? ORDER BY idx`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var idx int64
		if err := rows.Scan(&idx); err != nil {
			return nil, err
		}
		out = append(out, idx)
	}
	return out, rows.Err()
}

// ReadSubjectSet returns the subject keys stored beside an entry, sorted.
func (s *LogStore) ReadSubjectSet(ctx context.Context, idx int64) ([]string, error) {
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT subject_key FROM event_subjects WHERE idx = ? ORDER BY subject_key`, idx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
