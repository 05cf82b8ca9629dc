package sqlite

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// Ensure ConsentService implements the interface.
var _ sluice.ConsentService = (*ConsentService)(nil)

// ConsentService keeps the consent ledger in the control database.
//
// Large lookups (the consent checks of bulk reads) are answered from an
// in-memory copy of the ledger's folded states, kept exact by reading the
// ledger's latest entry id on every lookup; see consentcache.go.
type ConsentService struct {
	*sqlstore.ConsentService // CreateConsent, FindConsents
	db                       *DB

	// CacheEntries bounds the subjects the cache holds across ledgers: 0
	// means DefaultConsentCacheEntries, negative turns the cache off.
	CacheEntries int
	// CacheMinLookup is the smallest lookup that loads a ledger into the
	// cache: 0 means DefaultConsentCacheMinLookup.
	CacheMinLookup int

	cache consentCache
}

// NewConsentService returns a ConsentService over db.
func NewConsentService(db *DB) *ConsentService {
	return &ConsentService{ConsentService: sqlstore.NewConsentService(db.DB), db: db}
}

// FindConsentStates returns the consent state at time at of each subject
// key with entries for purpose in orgID's ledger.
func (s *ConsentService) FindConsentStates(ctx context.Context, orgID int64, purpose string, keys []string, at time.Time) (map[string]sluice.ConsentState, error) {
	if len(keys) > sluice.MaxConsentLookup {
		return nil, sluice.Errorf(sluice.EINVALID, "At most %d subject keys at a time.", sluice.MaxConsentLookup)
	}
	out := make(map[string]sluice.ConsentState)
	if len(keys) == 0 {
		return out, nil
	}
	if cached, err := s.cachedStates(ctx, orgID, purpose, keys, at); err != nil || cached != nil {
		return cached, err
	}
	// Sorted keys probe the index in order: about twice as fast as the
	// order of a page of records.
	uniq := uniqueKeys(keys)
	slices.Sort(uniq)
	list, err := json.Marshal(uniq)
	if err != nil {
		return nil, err
	}
	// The covering index yields each key's entries in id order.
	rows, err := s.db.rdb.QueryContext(ctx, `
		SELECT c.subject_key, c.id, c.kind, c.created_at
		FROM json_each(?) AS k CROSS JOIN consents c
		WHERE c.org_id = ? AND c.purpose = ? AND c.subject_key = k.value AND c.created_at <= ?`,
		list, orgID, purpose, sqlstore.FormatTimeText(at))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var entries []consentEntry
	for rows.Next() {
		var e consentEntry
		if err := rows.Scan(&e.SubjectKey, &e.ID, &e.Kind, sqlstore.ScanTime(&e.CreatedAt)); err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	foldEntries(out, entries)
	return out, nil
}

type consentEntry = sluice.Consent

// foldEntries folds ledger entries into states, each key's in id order.
// The lookup yields them so; should it not, they are sorted first.
func foldEntries(out map[string]sluice.ConsentState, entries []consentEntry) {
	last := make(map[string]int64, len(entries))
	ordered := true
	for i := range entries {
		e := &entries[i]
		if id, ok := last[e.SubjectKey]; ok && e.ID <= id {
			ordered = false
			break
		}
		last[e.SubjectKey] = e.ID
	}
	if !ordered {
		slices.SortFunc(entries, func(a, b consentEntry) int {
			return cmp.Or(strings.Compare(a.SubjectKey, b.SubjectKey), cmp.Compare(a.ID, b.ID))
		})
		entries = slices.CompactFunc(entries, func(a, b consentEntry) bool { return a.ID == b.ID })
	}
	for i := range entries {
		e := &entries[i]
		out[e.SubjectKey] = out[e.SubjectKey].Apply(e)
	}
}

// uniqueKeys returns keys without repeats, in their first order.
func uniqueKeys(keys []string) []string {
	seen := make(map[string]struct{}, len(keys))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if _, ok := seen[k]; !ok {
			seen[k] = struct{}{}
			out = append(out, k)
		}
	}
	return out
}
