package sqlite

import (
	"context"
	"fmt"
	"sync"

	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// Ensure LogStore implements the interfaces.
var (
	_ auditlog.Store          = (*LogStore)(nil)
	_ auditlog.SubjectIndexer = (*LogStore)(nil)
)

// LogStore keeps the audit log's tree in the control database; see
// sqlstore.LogStore.
type LogStore struct {
	*sqlstore.LogStore
	db *DB

	// lock is the integration lock, indexLock the subject indexer's. One
	// process at a time opens a SQLite store (sluice serve locks its data
	// directory), so mutexes suffice.
	lock      sync.Mutex
	indexLock sync.Mutex
}

// NewLogStore returns the log store of control database db.
func NewLogStore(db *DB) *LogStore {
	return &LogStore{LogStore: sqlstore.NewLogStore(db.DB), db: db}
}

// LockIntegration takes the integration lock if it is free.
func (s *LogStore) LockIntegration(ctx context.Context) (unlock func(), ok bool, err error) {
	if !s.lock.TryLock() {
		return nil, false, nil
	}
	return s.lock.Unlock, true, nil
}

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
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback(ctx)
	var next int64
	if err := tx.QueryRow(ctx, `SELECT next FROM subject_index_state`).Scan(&next); err != nil {
		return 0, false, fmt.Errorf("read index state: %w", err)
	}
	idxs, packed, more, err := sqlstore.NextSubjectSets(ctx, tx, next, maxKeys)
	if err != nil || len(idxs) == 0 {
		return 0, false, err
	}
	tx.Rollback(ctx)
	last := idxs[len(idxs)-1]
	entries, err := auditlog.IndexEntries(idxs, packed)
	if err != nil {
		return 0, false, err
	}
	packed = nil
	wtx, err := s.db.DB.BeginTx(ctx)
	if err != nil {
		return 0, false, err
	}
	defer wtx.Rollback(ctx)
	if n, err := wtx.Exec(ctx, `UPDATE subject_index_state SET next = $1 WHERE next = $2`, last+1, next); err != nil {
		return 0, false, err
	} else if n != 1 {
		return 0, true, nil // another indexer moved on
	}
	if err := sqlstore.InsertIndexRows(ctx, wtx, entries); err != nil {
		return 0, false, fmt.Errorf("index subject sets %d to %d: %w", next, last, err)
	}
	if err := wtx.Commit(ctx); err != nil {
		return 0, false, err
	}
	return len(idxs), more, nil
}
