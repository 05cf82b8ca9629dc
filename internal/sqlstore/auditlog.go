package sqlstore

import (
	"context"
	"fmt"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
)

// LogStore keeps the audit log's tree in the control database: the hash
// tiles and the latest signed checkpoint beside the events (the entries),
// and the subject keys each event concerns, packed in one row per event
// and indexed by key in the background (see auditlog.SubjectIndexer).
// See package auditlog. The engines add the integration lock and the
// indexer's, each its own way.
type LogStore struct {
	db *DB
}

// NewLogStore returns the log store of control database db.
func NewLogStore(db *DB) *LogStore { return &LogStore{db: db} }

// ReadEntries returns up to n public entries from index start on: what
// the log's tiles and entry bundles are built from (see ReadEntry for the
// events behind them).
func (s *LogStore) ReadEntries(ctx context.Context, start, n int64) ([][]byte, error) {
	return readColumn(ctx, s.db.Read, `SELECT data FROM events WHERE idx >= $1 AND idx < $2 ORDER BY idx`, start, start+n)
}

// ReadTile returns the stored hashes of a tile, nil if none.
func (s *LogStore) ReadTile(ctx context.Context, level int, index int64) ([]byte, error) {
	var b []byte
	err := s.db.Read.QueryRow(ctx, `SELECT hashes FROM log_tiles WHERE level = $1 AND idx = $2`, level, index).Scan(&b)
	if IsNoRows(err) {
		return nil, nil
	}
	return b, err
}

// ReadCheckpoint returns the latest signed checkpoint, nil if none.
func (s *LogStore) ReadCheckpoint(ctx context.Context) ([]byte, error) {
	var b []byte
	err := s.db.Read.QueryRow(ctx, `SELECT checkpoint FROM log_checkpoint`).Scan(&b)
	if IsNoRows(err) {
		return nil, nil
	}
	return b, err
}

// WriteTree stores an integration's tiles and checkpoint if the stored
// tree still has oldSize entries. A stored tile is only ever extended:
// an update that would change hashes already stored fails.
func (s *LogStore) WriteTree(ctx context.Context, oldSize int64, u *auditlog.TreeUpdate) error {
	return s.db.writeTx(ctx, func(ctx context.Context, tx *Tx) error {
		var size int64
		if err := tx.QueryRow(ctx, `SELECT size FROM log_checkpoint`+tx.Dialect().ForUpdate("FOR UPDATE")).Scan(&size); err != nil && !IsNoRows(err) {
			return tx.Dialect().FormatError(err)
		}
		if size != oldSize {
			return sluice.Errorf(sluice.ECONFLICT, "The audit log's tree has %d entries, not %d: another integrator extended it.", size, oldSize)
		}
		for _, t := range u.Tiles {
			n, err := tx.Exec(ctx, `
				INSERT INTO log_tiles (level, idx, hashes) VALUES ($1, $2, $3)
				ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes
				WHERE substr(excluded.hashes, 1, length(log_tiles.hashes)) = log_tiles.hashes`, t.Level, t.Index, t.Hashes)
			if err != nil {
				return tx.Dialect().FormatError(err)
			} else if n != 1 {
				return sluice.Errorf(sluice.EINTERNAL, "Audit log tile %d/%d: the new hashes do not extend the stored ones.", t.Level, t.Index)
			}
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO log_checkpoint (one, size, root, checkpoint) VALUES (TRUE, $1, $2, $3)
			ON CONFLICT (one) DO UPDATE SET size = excluded.size, root = excluded.root, checkpoint = excluded.checkpoint`,
			u.Size, u.Root, u.Checkpoint)
		return tx.Dialect().FormatError(err)
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
	// The search finds the key's bytes anywhere in a set; PackedContains
	// keeps the sets that hold it as one of their keys.
	d := s.db.Dialect
	rows, err := s.db.Read.Query(ctx, `
		SELECT idx, CAST(NULL AS `+d.BlobType+`) FROM event_subject_index
		WHERE subject_key = $1 AND idx < (SELECT next FROM subject_index_state)
		UNION ALL
		SELECT idx, keys FROM event_subject_sets
		WHERE idx >= (SELECT next FROM subject_index_state) AND `+d.BlobSearch("keys", "$1")+` > 0
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
	err := s.db.Read.QueryRow(ctx, `SELECT keys FROM event_subject_sets WHERE idx = $1`, idx).Scan(&set)
	if IsNoRows(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return auditlog.UnpackSubjects(set)
}

// NextSubjectSets reads, for the subject indexer, the sets not indexed
// yet from index next on: the first and those after it while their keys
// stay within maxKeys (more says whether others wait), with their indexes.
// It chooses the sets by their sizes before reading any.
func NextSubjectSets(ctx context.Context, q Querier, next int64, maxKeys int) (idxs []int64, packed [][]byte, more bool, err error) {
	// At most maxKeys sets fit, each holding a key at least.
	maxKeys = min(max(maxKeys, 1), 1<<30)
	rows, err := q.Query(ctx, `SELECT idx, length(keys) FROM event_subject_sets WHERE idx >= $1 ORDER BY idx LIMIT $2`, next, maxKeys+1)
	if err != nil {
		return nil, nil, false, err
	}
	var last int64
	sets, keys := 0, 0
	for rows.Next() {
		var idx int64
		var n int
		if err := rows.Scan(&idx, &n); err != nil {
			rows.Close()
			return nil, nil, false, err
		}
		if sets > 0 && keys+n/auditlog.KeySize > maxKeys {
			more = true
			break
		}
		sets, keys, last = sets+1, keys+n/auditlog.KeySize, idx
	}
	rows.Close()
	if err := rows.Err(); err != nil || sets == 0 {
		return nil, nil, false, err
	}
	rows, err = q.Query(ctx, `SELECT idx, keys FROM event_subject_sets WHERE idx >= $1 AND idx <= $2 ORDER BY idx`, next, last)
	if err != nil {
		return nil, nil, false, err
	}
	defer rows.Close()
	idxs, packed = make([]int64, 0, sets), make([][]byte, 0, sets)
	for rows.Next() {
		var idx int64
		var set []byte
		if err := rows.Scan(&idx, &set); err != nil {
			return nil, nil, false, err
		}
		idxs, packed = append(idxs, idx), append(packed, set)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, false, err
	} else if len(idxs) != sets {
		return nil, nil, false, fmt.Errorf("%s: read %d subject sets of %d from %d to %d", q.Dialect().Name, len(idxs), sets, next, last)
	}
	return idxs, packed, more, nil
}

// InsertIndexRows adds rows to the index by subject key, in the order
// given (see Dialect.CopyRows).
func InsertIndexRows(ctx context.Context, tx *Tx, entries []auditlog.IndexEntry) error {
	row := make([]any, 2)
	return tx.Dialect().CopyRows(ctx, tx, "event_subject_index", []string{"subject_key", "idx"}, len(entries), func(i int) []any {
		row[0], row[1] = entries[i].Key[:], entries[i].Index
		return row
	})
}
