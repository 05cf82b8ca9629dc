package policy

import (
	"slices"
	"sync"

	"github.com/sluice-gateway/sluice"
)

// A GrantIndex holds the grants a server has loaded, indexed so that a
// decision finds the grants of a consumer, dataset and purpose (or a grant
// by ID) with a map lookup whatever the number of grants. The server puts a
// grant on every state change (approve, deny, revoke) and at start.
// It is safe for concurrent use; decisions only take a read lock.
type GrantIndex struct {
	mu    sync.RWMutex
	byID  map[int64]*indexedGrant
	byKey map[grantKey][]*indexedGrant
}

// grantKey indexes grants by consumer and dataset; the few grants of a
// pair are then told apart by purpose. Two integers hash faster than a
// string.
type grantKey struct {
	consumer, dataset int64
}

type indexedGrant struct {
	Grant
	fields map[string]Op // only for grants of more than smallGrant fields
}

// smallGrant is the number of fields up to which a scan of Fields beats a
// map lookup.
const smallGrant = 8

// field returns the operator the grant sets for the field named name.
func (g *indexedGrant) field(name string) (Op, bool) {
	if g.fields == nil {
		for i := range g.Fields {
			if g.Fields[i].Name == name {
				return g.Fields[i].Op, true
			}
		}
		return Op{}, false
	}
	op, ok := g.fields[name]
	return op, ok
}

// NewGrantIndex returns an empty index.
func NewGrantIndex() *GrantIndex {
	return &GrantIndex{
		byID:  make(map[int64]*indexedGrant),
		byKey: make(map[grantKey][]*indexedGrant),
	}
}

// Validate returns EINVALID if g cannot be indexed: no ID, consumer,
// dataset or purpose, an unknown status, or a field listed twice.
func (g *Grant) Validate() error {
	switch {
	case g.ID == 0:
		return sluice.Errorf(sluice.EINVALID, "Grant ID required.")
	case g.Consumer == 0:
		return sluice.Errorf(sluice.EINVALID, "Grant %d: consumer required.", g.ID)
	case g.Dataset == 0:
		return sluice.Errorf(sluice.EINVALID, "Grant %d: dataset required.", g.ID)
	case g.Purpose == "":
		return sluice.Errorf(sluice.EINVALID, "Grant %d: purpose required.", g.ID)
	}
	switch g.Status {
	case StatusPending, StatusApproved, StatusDenied, StatusRevoked:
	default:
		return sluice.Errorf(sluice.EINVALID, "Grant %d: status %q is not one of pending, approved, denied, revoked.", g.ID, g.Status)
	}
	seen := make(map[string]bool, len(g.Fields))
	for _, f := range g.Fields {
		if f.Name == "" {
			return sluice.Errorf(sluice.EINVALID, "Grant %d: a field has no name.", g.ID)
		} else if seen[f.Name] {
			return sluice.Errorf(sluice.EINVALID, "Grant %d: field %q listed twice.", g.ID, f.Name)
		} else if f.Op.Kind > OpRedact || f.Op.Level > LevelBand10 || f.Op.Head > MaxKeep || f.Op.Tail > MaxKeep {
			return sluice.Errorf(sluice.EINVALID, "Grant %d: field %q has an invalid operator.", g.ID, f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

// Put adds g, or replaces the grant with its ID. The index keeps its own
// copy; later changes to g do not affect it.
func (x *GrantIndex) Put(g *Grant) error {
	if err := g.Validate(); err != nil {
		return err
	}
	ig := &indexedGrant{Grant: *g}
	ig.Fields = slices.Clone(g.Fields)
	if len(g.Fields) > smallGrant {
		ig.fields = make(map[string]Op, len(g.Fields))
		for _, f := range g.Fields {
			ig.fields[f.Name] = f.Op
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(g.ID)
	x.byID[g.ID] = ig
	k := grantKey{g.Consumer, g.Dataset}
	x.byKey[k] = append(x.byKey[k], ig)
	return nil
}

// Delete removes the grant with that ID, if present.
func (x *GrantIndex) Delete(id int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(id)
}

func (x *GrantIndex) remove(id int64) {
	old, ok := x.byID[id]
	if !ok {
		return
	}
	delete(x.byID, id)
	k := grantKey{old.Consumer, old.Dataset}
	list := slices.DeleteFunc(slices.Clone(x.byKey[k]), func(g *indexedGrant) bool { return g == old })
	if len(list) == 0 {
		delete(x.byKey, k)
	} else {
		x.byKey[k] = list
	}
}

// Get returns a copy of the grant with that ID.
func (x *GrantIndex) Get(id int64) (Grant, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	g, ok := x.byID[id]
	if !ok {
		return Grant{}, false
	}
	c := g.Grant
	c.Fields = slices.Clone(c.Fields)
	return c, true
}

// Len returns the number of grants held.
func (x *GrantIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byID)
}
