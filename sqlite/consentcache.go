package sqlite

import (
	"context"
	"encoding/hex"
	"sync"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// Consent cache defaults; see ConsentService.
const (
	// DefaultConsentCacheEntries bounds the subjects the consent cache
	// holds across ledgers, about 70 bytes each.
	DefaultConsentCacheEntries = 2_000_000
	// DefaultConsentCacheMinLookup is the smallest lookup that loads a
	// ledger into the cache; smaller ones probe the index.
	DefaultConsentCacheMinLookup = 10_000
)

// The consent cache keeps the folded state of every subject of a few
// ledgers (org and purpose) in memory for large lookups, the consent checks
// of bulk reads: probing the index costs some microseconds a key, a map
// lookup a fraction of one. It is exact: each lookup first reads the
// ledger's highest entry id, and applies the entries added since the cache
// was filled (a withdrawal counts for the very next read); a lookup at a
// time before the ledger's latest entry goes to the index instead.

type ledgerID struct {
	org     int64
	purpose string
}

// packedConsent is a sluice.ConsentState in 24 bytes.
type packedConsent struct {
	kind             uint8 // index in packedKinds
	written          bool  // sluice.ConsentState.Written
	given, withdrawn int64 // Unix nanoseconds; 0: unset
}

type ledgerCache struct {
	mu         sync.Mutex
	maxID      int64
	maxCreated time.Time
	states     map[[32]byte]packedConsent
	tooBig     bool // the ledger is over the cache's size: never cached

	used    uint64 // guarded by consentCache.mu, like counted
	counted int    // subjects accounted for in consentCache.entries
}

type consentCache struct {
	mu      sync.Mutex
	ledgers map[ledgerID]*ledgerCache
	entries int
	tick    uint64
}

func pack(s sluice.ConsentState) packedConsent {
	p := packedConsent{written: s.Written}
	for i, k := range packedKinds {
		if k == s.Kind {
			p.kind = uint8(i)
		}
	}
	if !s.GivenAt.IsZero() {
		p.given = s.GivenAt.UnixNano()
	}
	if !s.WithdrawnAt.IsZero() {
		p.withdrawn = s.WithdrawnAt.UnixNano()
	}
	return p
}

// packedKinds are the kinds a state may hold, by their packed index.
var packedKinds = [...]sluice.ConsentKind{"", sluice.ConsentGiven, sluice.ConsentSeparate, sluice.ConsentExplicit, sluice.ConsentGuardian,
	sluice.ConsentWritten}

func (p packedConsent) unpack() sluice.ConsentState {
	s := sluice.ConsentState{Kind: packedKinds[p.kind], Written: p.written}
	if p.given != 0 {
		s.GivenAt = time.Unix(0, p.given).UTC()
	}
	if p.withdrawn != 0 {
		s.WithdrawnAt = time.Unix(0, p.withdrawn).UTC()
	}
	return s
}

// cachedStates answers a lookup from the cache, filling or updating it as
// needed. It returns nil when the lookup must probe the index instead.
func (s *ConsentService) cachedStates(ctx context.Context, orgID int64, purpose string, keys []string, at time.Time) (map[string]sluice.ConsentState, error) {
	maxEntries, minLookup := s.CacheEntries, s.CacheMinLookup
	if maxEntries == 0 {
		maxEntries = DefaultConsentCacheEntries
	}
	if minLookup == 0 {
		minLookup = DefaultConsentCacheMinLookup
	}
	if maxEntries < 0 {
		return nil, nil
	}
	id := ledgerID{orgID, purpose}
	c := &s.cache
	c.mu.Lock()
	if c.ledgers == nil {
		c.ledgers = map[ledgerID]*ledgerCache{}
	}
	l := c.ledgers[id]
	if l == nil {
		if len(keys) < minLookup {
			c.mu.Unlock()
			return nil, nil
		}
		l = &ledgerCache{}
		c.ledgers[id] = l
	}
	c.tick++
	l.used = c.tick
	c.mu.Unlock()

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tooBig {
		return nil, nil
	}
	var maxID int64
	if err := s.db.rdb.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM consents WHERE org_id = ? AND purpose = ?`, orgID, purpose).Scan(&maxID); err != nil {
		return nil, err
	}
	if l.states == nil || maxID > l.maxID {
		if err := s.loadLedger(ctx, l, orgID, purpose, maxID, maxEntries); err != nil {
			return nil, err
		}
		s.cache.account(id, l, len(l.states), maxEntries)
		if l.tooBig {
			return nil, nil
		}
	}
	if at.Before(l.maxCreated) {
		return nil, nil // an entry is later than the lookup: ask the index
	}
	out := make(map[string]sluice.ConsentState, len(keys))
	var k [32]byte
	for _, key := range keys {
		if len(key) != 64 {
			continue
		}
		if _, err := hex.Decode(k[:], []byte(key)); err != nil {
			continue
		}
		if p, ok := l.states[k]; ok {
			out[key] = p.unpack()
		}
	}
	return out, nil
}

// loadLedger applies the entries with id in (l.maxID, maxID] to l, in id
// order. A ledger that would hold more than maxEntries subjects is marked
// too big and emptied.
func (s *ConsentService) loadLedger(ctx context.Context, l *ledgerCache, orgID int64, purpose string, maxID int64, maxEntries int) error {
	rows, err := s.db.rdb.QueryContext(ctx, `
		SELECT subject_key, kind, created_at FROM consents
		WHERE org_id = ? AND purpose = ? AND id > ? AND id <= ? ORDER BY id`, orgID, purpose, l.maxID, maxID)
	if err != nil {
		return err
	}
	defer rows.Close()
	if l.states == nil {
		l.states = make(map[[32]byte]packedConsent)
	}
	var key []byte
	var e sluice.Consent
	var k [32]byte
	for rows.Next() {
		if err := rows.Scan(&key, &e.Kind, sqlstore.ScanTime(&e.CreatedAt)); err != nil {
			return err
		}
		if _, err := hex.Decode(k[:], key); err != nil || len(key) != 64 {
			continue // not a subject key: no record can have it
		}
		l.states[k] = pack(l.states[k].unpack().Apply(&e))
		if e.CreatedAt.After(l.maxCreated) {
			l.maxCreated = e.CreatedAt
		}
		if len(l.states) > maxEntries {
			l.states, l.tooBig = nil, true
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	l.maxID = maxID
	return nil
}

// account records that l now holds size subjects and evicts the least
// recently used other ledgers to keep the total within maxEntries.
func (c *consentCache) account(id ledgerID, l *ledgerCache, size, maxEntries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ledgers[id] != l {
		return // evicted meanwhile: its lookups go on, it is not counted
	}
	c.entries += size - l.counted
	l.counted = size
	for c.entries > maxEntries {
		var oldest ledgerID
		var victim *ledgerCache
		for lid, o := range c.ledgers {
			if o != l && o.counted > 0 && (victim == nil || o.used < victim.used) {
				oldest, victim = lid, o
			}
		}
		if victim == nil {
			break
		}
		c.entries -= victim.counted
		delete(c.ledgers, oldest)
	}
}
