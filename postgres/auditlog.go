package postgres

import (
	"context"

	"sluice"
	"sluice/auditlog"
)

// Ensure LogStore implements the interface.
var _ auditlog.Store = (*LogStore)(nil)

// logLock is the advisory lock key held by the replica integrating the
// audit log.
const logLock = 0x51_1c_e1

// LogStore keeps the audit log's tree in the control database: the hash
// tiles and the latest signed checkpoint beside the events (the entries),
// and the subject keys each event concerns. See package auditlog.
// Replicas sharing the database integrate one at a time.
type LogStore struct {
	db     *DB
	events *EventService
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
	err := s.db.pool.QueryRow(ctx, `SELECT hashes FROM log_tiles WHERE level = $1 AND idx = $2`, level, index).Scan(&b)
	if isNoRows(err) {
		return nil, nil
	}
	return b, err
}

// ReadCheckpoint returns the latest signed checkpoint, nil if none.
func (s *LogStore) ReadCheckpoint(ctx context.Context) ([]byte, error) {
	var b []byte
	err := s.db.pool.QueryRow(ctx, `SELECT checkpoint FROM log_checkpoint`).Scan(&b)
	if isNoRows(err) {
		return nil, nil
	}
	return b, err
}

// LockIntegration takes the integration lock, a session advisory lock,
// if no replica holds it. The lock goes with the session: a replica that
// dies releases it.
func (s *LogStore) LockIntegration(ctx context.Context) (unlock func(), ok bool, err error) {
	conn, err := s.db.pool.Acquire(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, logLock).Scan(&ok); err != nil || !ok {
		conn.Release()
		return nil, false, err
	}
	return func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, logLock); err != nil {
			conn.Conn().Close(context.Background()) // ending the session releases the lock
		}
		conn.Release()
	}, true, nil
}

// WriteTree stores an integration's tiles and checkpoint if the stored
// tree still has oldSize entries. A stored tile is only ever extended:
// an update that would change hashes already stored fails.
func (s *LogStore) WriteTree(ctx context.Context, oldSize int64, u *auditlog.TreeUpdate) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var size int64
	if err := tx.QueryRow(ctx, `SELECT size FROM log_checkpoint FOR UPDATE`).Scan(&size); err != nil && !isNoRows(err) {
		return err
	}
	if size != oldSize {
		return sluice.Errorf(sluice.ECONFLICT, "The audit log's tree has %d entries, not %d: another integrator extended it.", size, oldSize)
	}
	for _, t := range u.Tiles {
		tag, err := tx.Exec(ctx, `
			INSERT INTO log_tiles (level, idx, hashes) VALUES ($1, $2, $3)
			ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes
			WHERE substring(excluded.hashes FROM 1 FOR length(log_tiles.hashes)) = log_tiles.hashes`, t.Level, t.Index, t.Hashes)
		if err != nil {
			return FormatError(err)
		} else if tag.RowsAffected() != 1 {
			return sluice.Errorf(sluice.EINTERNAL, "Audit log tile %d/%d: the new hashes do not extend the stored ones.", t.Level, t.Index)
		}
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO log_checkpoint (one, size, root, checkpoint) VALUES (TRUE, $1, $2, $3)
		ON CONFLICT (one) DO UPDATE SET size = excluded.size, root = excluded.root, checkpoint = excluded.checkpoint`,
		u.Size, u.Root, u.Checkpoint); err != nil {
		return FormatError(err)
	}
	return FormatError(tx.Commit(ctx))
}

// FindSubjectEntries returns the indexes of the entries that concern a
// subject key.
func (s *LogStore) FindSubjectEntries(ctx context.Context, key string) ([]int64, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT idx FROM event_subjects WHERE subject_key = $1 ORDER BY idx`, key)
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

// ReadSubjectSet returns the subject keys stored beside an entry, sorted
// bytewise.
func (s *LogStore) ReadSubjectSet(ctx context.Context, idx int64) ([]string, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT subject_key FROM event_subjects WHERE idx = $1 ORDER BY subject_key COLLATE "C"`, idx)
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
