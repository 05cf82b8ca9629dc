package postgres

import (
	"context"

	"sluice"
	"sluice/auditlog"
)

var _ auditlog.EntryReader = (*LogStore)(nil)

// readLeaves returns up to n public entries of the log from index start
// on: what the log's tiles and entry bundles are built from.
func (s *LogStore) readLeaves(ctx context.Context, start, n int64) ([][]byte, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT data FROM events WHERE idx >= $1 AND idx < $2 ORDER BY idx`, start, start+n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// ReadEntry returns entry idx in full: its public entry, the event and
// the salt. It returns ENOTFOUND if there is no entry idx.
func (s *LogStore) ReadEntry(ctx context.Context, idx int64) (*auditlog.Entry, error) {
	e := &auditlog.Entry{Index: idx}
	var event []byte
	err := s.db.pool.QueryRow(ctx, `SELECT data, event, salt FROM events WHERE idx = $1`, idx).Scan(&e.Leaf, &event, &e.Salt)
	if isNoRows(err) {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "No log entry %d.", idx)
	} else if err != nil {
		return nil, err
	}
	e.Event = event
	if event == nil { // written before commitments: the entry is the event
		e.Event = e.Leaf
	}
	return e, nil
}
