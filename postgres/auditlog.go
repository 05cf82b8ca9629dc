package postgres

import (
	"context"
	"fmt"

	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// Ensure LogStore implements the interfaces.
var (
	_ auditlog.Store          = (*LogStore)(nil)
	_ auditlog.SubjectIndexer = (*LogStore)(nil)
)

// logLock is the advisory lock key held by the replica integrating the
// audit log.
const logLock = 0x51_1c_e1

// LogStore keeps the audit log's tree in the control database; see
// sqlstore.LogStore. Replicas sharing the database integrate one at a
// time.
type LogStore struct {
	*sqlstore.LogStore
	db *DB
}

// NewLogStore returns the log store of control database db.
func NewLogStore(db *DB) *LogStore {
	return &LogStore{LogStore: sqlstore.NewLogStore(db.DB), db: db}
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

// IndexSubjects adds to the index by subject key the sets not indexed yet,
// in order of their entries: the first and those after it while the keys
// stay within maxKeys. It holds the index state row's lock for the whole
// transaction, so one replica indexes at a time (the others skip the
// locked row and return at once, with 0 and true), and it copies the rows
// in key order and moves the state past them in that transaction. A
// replica that dies leaves the index as the last commit left it; the next
// call, on any replica, takes up from there.
//
// Entries, and so subject sets, commit in the order of their indexes
// (see appendEventRow): a statement that sees set i sees every set before
// it, so no set is skipped.
func (s *LogStore) IndexSubjects(ctx context.Context, maxKeys int) (sets int, more bool, err error) {
	// Most calls find nothing to do: ask without locking anything.
	var pending bool
	if err := s.db.pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM event_subject_sets WHERE idx >= (SELECT next FROM subject_index_state))`).Scan(&pending); err != nil {
		return 0, false, fmt.Errorf("read index state: %w", FormatError(err))
	} else if !pending {
		return 0, false, nil
	}
	tx, err := s.db.DB.BeginTx(ctx)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback(ctx)
	var next int64
	if err := tx.QueryRow(ctx, `SELECT next FROM subject_index_state FOR UPDATE SKIP LOCKED`).Scan(&next); sqlstore.IsNoRows(err) {
		return 0, true, nil // busy: another replica is indexing
	} else if err != nil {
		return 0, false, fmt.Errorf("read index state: %w", FormatError(err))
	}
	idxs, packed, more, err := sqlstore.NextSubjectSets(ctx, tx, next, maxKeys)
	if err != nil || len(idxs) == 0 {
		return 0, false, err
	}
	last := idxs[len(idxs)-1]
	entries, err := auditlog.IndexEntries(idxs, packed)
	if err != nil {
		return 0, false, err
	}
	packed = nil
	if err := sqlstore.InsertIndexRows(ctx, tx, entries); err != nil {
		return 0, false, fmt.Errorf("index subject sets %d to %d: %w", next, last, FormatError(err))
	}
	if _, err := tx.Exec(ctx, `UPDATE subject_index_state SET next = $1`, last+1); err != nil {
		return 0, false, FormatError(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, false, err
	}
	return len(idxs), more, nil
}
