package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"sluice"
	"sluice/auditlog"
)

// Ensure LogStore implements the interfaces.
var (
	_ auditlog.Store          = (*LogStore)(nil)
	_ auditlog.SubjectIndexer = (*LogStore)(nil)
)

// logLock is the advisory lock key held by the replica integrating the
// audit log.
const logLock = 0x51_1c_e1

// LogStore keeps the audit log's tree in the control database: the hash
// tiles and the latest signed checkpoint beside the events (the entries),
// and the subject keys each event concerns, packed in one row per event
// and indexed by key in the background (see auditlog.SubjectIndexer).
// See package auditlog.
// Replicas sharing the database integrate one at a time.
type LogStore struct {
	db     *DB
	events *EventService
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
// subject key: those the index by key holds, and, among the sets not
// indexed yet, those that hold the key. One statement reads both, so it
// sees the index and the position it reached in one snapshot.
func (s *LogStore) FindSubjectEntries(ctx context.Context, key string) ([]int64, error) {
	kb, err := auditlog.DecodeSubjectKey(key)
	if err != nil {
		return nil, err
	}
	// position finds the key's bytes anywhere in a set; PackedContains
	// keeps the sets that hold it as one of their keys.
	rows, err := s.db.pool.Query(ctx, `
		SELECT idx, NULL::bytea FROM event_subject_index
		WHERE subject_key = $1 AND idx < (SELECT next FROM subject_index_state)
		UNION ALL
		SELECT idx, keys FROM event_subject_sets
		WHERE idx >= (SELECT next FROM subject_index_state) AND position($1::bytea IN keys) > 0
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

// ReadSubjectSet returns the subject keys stored beside an entry, sorted
// bytewise.
func (s *LogStore) ReadSubjectSet(ctx context.Context, idx int64) ([]string, error) {
	var set []byte
	err := s.db.pool.QueryRow(ctx, `SELECT keys FROM event_subject_sets WHERE idx = $1`, idx).Scan(&set)
	if isNoRows(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return auditlog.UnpackSubjects(set)
}

// IndexSubjects adds to the index by subject key the sets not indexed yet,
// in order of their entries: the first and those after it while the keys
// stay within maxKeys. It holds the index state row's lock for the whole
// transaction, so one replica indexes at a time (the others skip the
// locked row and return at once, with 0 and true), and it copies the rows in key order
// and moves the state past them in that transaction. A replica that dies
// leaves the index as the last commit left it; the next call, on any
// replica, takes up from there.
//
// Entries, and so subject sets, commit in the order of their indexes
// (see appendEvent): a statement that sees set i sees every set before
// it, so no set is skipped.
func (s *LogStore) IndexSubjects(ctx context.Context, maxKeys int) (sets int, more bool, err error) {
	maxKeys = min(max(maxKeys, 1), 1<<30)
	// Most calls find nothing to do: ask without locking anything.
	var pending bool
	if err := s.db.pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM event_subject_sets WHERE idx >= (SELECT next FROM subject_index_state))`).Scan(&pending); err != nil {
		return 0, false, fmt.Errorf("read index state: %w", FormatError(err))
	} else if !pending {
		return 0, false, nil
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback(ctx)
	var next int64
	if err := tx.QueryRow(ctx, `SELECT next FROM subject_index_state FOR UPDATE SKIP LOCKED`).Scan(&next); isNoRows(err) {
		return 0, true, nil // busy: another replica is indexing
	} else if err != nil {
		return 0, false, fmt.Errorf("read index state: %w", FormatError(err))
	}
	// Choose the sets by their sizes before reading any; at most maxKeys
	// sets fit, each holding a key at least.
	rows, err := tx.Query(ctx, `SELECT idx, length(keys) FROM event_subject_sets WHERE idx >= $1 ORDER BY idx LIMIT $2`, next, maxKeys+1)
	if err != nil {
		return 0, false, err
	}
	var last int64
	keys := 0
	for rows.Next() {
		var idx int64
		var n int
		if err := rows.Scan(&idx, &n); err != nil {
			rows.Close()
			return 0, false, err
		}
		if sets > 0 && keys+n/auditlog.KeySize > maxKeys {
			more = true
			break
		}
		sets, keys, last = sets+1, keys+n/auditlog.KeySize, idx
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, err
	} else if sets == 0 {
		return 0, false, nil
	}
	rows, err = tx.Query(ctx, `SELECT idx, keys FROM event_subject_sets WHERE idx >= $1 AND idx <= $2 ORDER BY idx`, next, last)
	if err != nil {
		return 0, false, err
	}
	idxs := make([]int64, 0, sets)
	packed := make([][]byte, 0, sets)
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
	} else if len(idxs) != sets {
		return 0, false, fmt.Errorf("postgres: read %d subject sets of %d from %d to %d", len(idxs), sets, next, last)
	}
	entries, err := auditlog.IndexEntries(idxs, packed)
	if err != nil {
		return 0, false, err
	}
	packed = nil
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"event_subject_index"}, []string{"subject_key", "idx"},
		pgx.CopyFromSlice(len(entries), func(i int) ([]any, error) { return []any{entries[i].Key[:], entries[i].Index}, nil })); err != nil {
		return 0, false, fmt.Errorf("index subject sets %d to %d: %w", next, last, FormatError(err))
	}
	if _, err := tx.Exec(ctx, `UPDATE subject_index_state SET next = $1`, last+1); err != nil {
		return 0, false, FormatError(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, false, FormatError(err)
	}
	return sets, more, nil
}
