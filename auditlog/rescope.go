package auditlog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/sluice-gateway/sluice"
)

// Subject keys became org-scoped (see [sluice.SubjectScoper]) after some
// entries were written with server-wide keys. A store rescopes the sets it
// keeps beside those entries, so that lookups by a person's org-scoped key
// find them, and keeps the keys as the entry was written beside the new
// ones, so that the entry can still be proven to concern the person: the
// proof then names the key the entry holds (see [EventProof.SubjectKey]).

// An OrgIndex tells which org's keys an event holds: the owner of its
// dataset, the org of its transfer, or else the org it is about or that
// acted.
type OrgIndex struct {
	Datasets  map[int64]int64  // dataset id → owner org id
	Transfers map[int64]int64  // transfer id → org id
	Orgs      map[string]int64 // org name → id
}

// EventOrg returns the org whose subject keys event (canonical JSON)
// holds, and false if it cannot tell.
func (x *OrgIndex) EventOrg(event []byte) (int64, bool) {
	var e sluice.Event
	if json.Unmarshal(event, &e) != nil {
		return 0, false
	}
	id := func(kind string) (int64, bool) {
		v, ok := e.Object[kind].(float64)
		return int64(v), ok && v == float64(int64(v))
	}
	if d, ok := id("dataset"); ok {
		if org, ok := x.Datasets[d]; ok {
			return org, true
		}
	}
	if t, ok := id("transfer"); ok {
		if org, ok := x.Transfers[t]; ok {
			return org, true
		}
	}
	if name, ok := e.Object["org"].(string); ok {
		if org, ok := x.Orgs[name]; ok {
			return org, true
		}
	}
	if org, ok := x.Orgs[e.Actor.Org]; ok && e.Actor.Org != "" {
		return org, true
	}
	return 0, false
}

// RescopeSet returns the rescoped form of a packed subject set (see
// [PackSubjects]): keys, the new keys packed and sorted, and legacy, the
// old keys in the same order, legacy[i] the old form of keys[i]. scope
// returns the new form of an old key's KeySize bytes.
func RescopeSet(packed []byte, scope func(old []byte) []byte) (keys, legacy []byte, err error) {
	if len(packed)%KeySize != 0 {
		return nil, nil, fmt.Errorf("auditlog: a packed subject set of %d bytes", len(packed))
	}
	n := len(packed) / KeySize
	type pair struct{ new, old []byte }
	pairs := make([]pair, n)
	for i := range pairs {
		old := packed[i*KeySize : (i+1)*KeySize]
		pairs[i] = pair{new: bytes.Clone(scope(old)), old: old}
	}
	sort.Slice(pairs, func(i, j int) bool { return bytes.Compare(pairs[i].new, pairs[j].new) < 0 })
	keys, legacy = make([]byte, 0, len(packed)), make([]byte, 0, len(packed))
	for _, p := range pairs {
		keys, legacy = append(keys, p.new...), append(legacy, p.old...)
	}
	return keys, legacy, nil
}

// LegacySubject returns, for a rescoped set (keys and legacy as
// [RescopeSet] makes them), the old form of key (KeySize bytes) and the
// old set, sorted, as the entry committed to it; ok is false if key is
// not in the set.
func LegacySubject(keys, legacy, key []byte) (old string, oldSet []string, ok bool, err error) {
	if len(keys) != len(legacy) || len(keys)%KeySize != 0 {
		return "", nil, false, fmt.Errorf("auditlog: a rescoped set of %d keys with %d bytes of old keys", len(keys)/KeySize, len(legacy))
	}
	n := len(keys) / KeySize
	i := sort.Search(n, func(i int) bool { return bytes.Compare(keys[i*KeySize:(i+1)*KeySize], key) >= 0 })
	if i == n || !bytes.Equal(keys[i*KeySize:(i+1)*KeySize], key) {
		return "", nil, false, nil
	}
	all, err := UnpackSubjects(legacy)
	if err != nil {
		return "", nil, false, err
	}
	old = all[i]
	slices.Sort(all)
	return old, all, true, nil
}

// A LegacySubjectReader is a [Store] that keeps the old keys of rescoped
// subject sets. The SQLite and PostgreSQL stores implement it.
type LegacySubjectReader interface {
	// ReadLegacySubject returns, for entry idx, the key the entry holds
	// for the person whose key is key now, and the entry's set of keys as
	// written, sorted; ok is false if the entry's keys were not rescoped.
	ReadLegacySubject(ctx context.Context, idx int64, key string) (old string, oldSet []string, ok bool, err error)
}
