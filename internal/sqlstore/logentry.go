package sqlstore

import (
	"context"
	"encoding/hex"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
)

// Ensure LogStore keeps full entries and the old keys of rescoped sets.
var (
	_ auditlog.EntryReader         = (*LogStore)(nil)
	_ auditlog.LegacySubjectReader = (*LogStore)(nil)
)

// ReadEntry returns entry idx in full: its public entry, the event and
// the salt. It returns ENOTFOUND if there is no entry idx.
func (s *LogStore) ReadEntry(ctx context.Context, idx int64) (*auditlog.Entry, error) {
	e := &auditlog.Entry{Index: idx}
	var event []byte
	err := s.db.Read.QueryRow(ctx, `SELECT data, event, salt FROM events WHERE idx = $1`, idx).Scan(&e.Leaf, &event, &e.Salt)
	if IsNoRows(err) {
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

// ReadLegacySubject returns, for entry idx written before subject keys
// were scoped per org, the key it holds for the person whose key is key,
// and the entry's set of keys as written.
func (s *LogStore) ReadLegacySubject(ctx context.Context, idx int64, key string) (string, []string, bool, error) {
	kb, err := hex.DecodeString(key)
	if err != nil || len(kb) != auditlog.KeySize {
		return "", nil, false, sluice.Errorf(sluice.EINVALID, "Not a subject key.")
	}
	var keys, legacy []byte
	err = s.db.Read.QueryRow(ctx, `SELECT keys, legacy_keys FROM event_subject_sets WHERE idx = $1`, idx).Scan(&keys, &legacy)
	if IsNoRows(err) || err == nil && legacy == nil {
		return "", nil, false, nil
	} else if err != nil {
		return "", nil, false, err
	}
	return auditlog.LegacySubject(keys, legacy, kb)
}
