// Package auditlog keeps sluice's audit events in a tamper-evident
// transparency log that anyone can verify: an RFC 6962 Merkle tree over
// the events, served in the C2SP tlog-tiles layout
// (https://c2sp.org/tlog-tiles) with an Ed25519-signed C2SP checkpoint
// (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note).
// Hashing, tiles and proofs are those of [golang.org/x/mod/sumdb/tlog];
// signatures are [golang.org/x/mod/sumdb/note].
//
// # Entries
//
// Each event is one entry: its canonical JSON (see
// [sluice.Event.MarshalCanonical]). The store appends it in the same
// transaction as the change it records, at the next index of a gap-free
// sequence, so a change is acknowledged only once its entry is durable.
// Entries hold no personal data in the clear: people appear as subject
// keys, or, when an event concerns many, as a commitment to the set of
// their keys (see [SetSubjects]).
//
// # Integration
//
// A [Log] integrates entries into the tree in batches (group commit): it
// reads every entry after the last checkpoint's size, computes their
// hashes with [tlog.StoredHashes] and the new root with [tlog.TreeHash],
// and stores the new hash tiles together with a newly signed checkpoint.
// Several replicas may share one store: one integrates at a time, and
// each extends the stored tree only if nobody else did meanwhile, so every
// checkpoint is consistent with every earlier one.
//
// # Serving and verifying
//
// [Log.Handler] serves the checkpoint, the hash tiles and the entry
// bundles. [Client] verifies a log from outside: the checkpoint's
// signature, every tile against the root, every entry against its leaf
// hash, and consistency with a checkpoint seen before.
package auditlog

import (
	"context"

	"github.com/sluice-gateway/sluice"
)

// TileHeight is the height of the C2SP tiles: 8 levels, 256 hashes wide.
const TileHeight = 8

// TileWidth is the number of hashes in a full tile, and of entries in a
// full entry bundle.
const TileWidth = 1 << TileHeight

// A Store keeps the log in the control store. The SQLite and PostgreSQL
// adapters implement it; the contract suite (package storetest) tests them.
type Store interface {
	// ReadEntries returns the entries with indexes start, start+1, … :
	// n of them, or fewer if the sequence ends sooner.
	ReadEntries(ctx context.Context, start, n int64) ([][]byte, error)

	// ReadTile returns the stored hashes of the tile at level and index:
	// 32 bytes per hash, up to TileWidth hashes. It returns nil for a tile
	// not stored.
	ReadTile(ctx context.Context, level int, index int64) ([]byte, error)

	// ReadCheckpoint returns the latest signed checkpoint, or nil if none
	// was ever stored.
	ReadCheckpoint(ctx context.Context) ([]byte, error)

	// LockIntegration takes the integration lock if it is free: while it is
	// held, no other integrator sharing the store (in this process or in
	// another replica) changes the tree. ok is false if another holds it.
	LockIntegration(ctx context.Context) (unlock func(), ok bool, err error)

	// WriteTree stores u's tiles (replacing any stored tile of the same
	// level and index) and its checkpoint, in one transaction, if the
	// stored checkpoint's size is still oldSize (0 when none is stored).
	// Otherwise it returns an ECONFLICT error and changes nothing.
	WriteTree(ctx context.Context, oldSize int64, u *TreeUpdate) error

	// FindSubjectEntries returns, in order, the indexes of the entries
	// that concern the person with subject key key, listed in the entry
	// or in the set it commits to.
	FindSubjectEntries(ctx context.Context, key string) ([]int64, error)

	// ReadSubjectSet returns the subject keys stored beside entry idx,
	// sorted.
	ReadSubjectSet(ctx context.Context, idx int64) ([]string, error)
}

// A TreeUpdate is what one integration stores: the tiles that changed and
// the checkpoint of the new tree.
type TreeUpdate struct {
	Size       int64
	Root       []byte // 32 bytes
	Checkpoint []byte // signed note
	Tiles      []Tile
}

// A Tile is the content of one hash tile: the hashes of tree level
// TileHeight × Level, from index TileWidth × Index on.
type Tile struct {
	Level  int
	Index  int64
	Hashes []byte // 32 bytes per hash; TileWidth hashes when full
}

// isConflict reports whether err says that another integrator extended
// the tree first.
func isConflict(err error) bool { return sluice.ErrorCode(err) == sluice.ECONFLICT }
