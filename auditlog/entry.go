package auditlog

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sluice-gateway/sluice"
)

// Public entries.
//
// What the log publishes for an event (the leaf of the tree, the entry of
// the C2SP entry bundles) is a commitment to it: the version byte
// CommitmentV1 followed by SHA-256(CommitmentV1 || salt || event), where
// salt is SaltSize random bytes drawn for that entry alone and event is
// the event's canonical JSON. The public learns that an event was logged
// at that index and nothing else; a guess at its content cannot be
// confirmed without the salt. The event and its salt stay in the control
// store and are shown only to those entitled (see [EntryProof]).
//
// Entries written before commitments were introduced are the event's
// canonical JSON itself; they begin with '{', never with CommitmentV1,
// and stay as they were written.

// CommitmentV1 is the first byte of a public entry that commits to an
// event.
const CommitmentV1 = 0x01

// SaltSize is the size of an entry's salt.
const SaltSize = 32

// CommitmentSize is the size of a public entry in the CommitmentV1
// format: the version byte and a SHA-256 hash.
const CommitmentSize = 1 + sha256.Size

// Commit returns a fresh random salt and the public entry that commits to
// event (canonical JSON) with it.
func Commit(event []byte) (leaf, salt []byte, err error) {
	salt = make([]byte, SaltSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, nil, fmt.Errorf("auditlog: salt: %w", err)
	}
	return Commitment(event, salt), salt, nil
}

// Commitment returns the public entry that commits to event with salt.
func Commitment(event, salt []byte) []byte {
	h := sha256.New()
	h.Write([]byte{CommitmentV1})
	h.Write(salt)
	h.Write(event)
	return h.Sum([]byte{CommitmentV1})
}

// IsCommitment reports whether leaf is a public entry in the
// CommitmentV1 format.
func IsCommitment(leaf []byte) bool {
	return len(leaf) == CommitmentSize && leaf[0] == CommitmentV1
}

// CheckEntry checks that leaf, a public entry, is the entry of event with
// salt: its commitment, or, for an entry of the format before
// commitments (salt empty), the event itself.
func CheckEntry(leaf, event, salt []byte) error {
	switch {
	case IsCommitment(leaf):
		if len(salt) != SaltSize {
			return fmt.Errorf("a salt of %d bytes, not %d", len(salt), SaltSize)
		}
		if subtle.ConstantTimeCompare(Commitment(event, salt), leaf) != 1 {
			return errors.New("the event and salt do not match the entry's commitment")
		}
		return nil
	case len(leaf) > 0 && leaf[0] == '{':
		if len(salt) != 0 {
			return errors.New("a salt given for an entry written without one")
		}
		if !bytes.Equal(leaf, event) {
			return errors.New("the event is not the entry as written")
		}
		return nil
	}
	return errors.New("the entry is in no known format")
}

// An Entry is one entry of the log as the control store keeps it.
type Entry struct {
	Index int64
	Leaf  []byte // the public entry
	Event []byte // the event's canonical JSON
	Salt  []byte // nil for an entry written before commitments
}

// An EntryReader is a [Store] that returns the full entry behind a public
// one. The SQLite and PostgreSQL stores implement it.
type EntryReader interface {
	// ReadEntry returns entry idx, or ENOTFOUND if there is none.
	ReadEntry(ctx context.Context, idx int64) (*Entry, error)
}

// An EntryProof is an event with what proves it is in the log: its salt,
// the inclusion proof of its public entry, and the signed checkpoint the
// proof is against. [VerifyEntryProof] checks it offline.
type EntryProof struct {
	Index int64 `json:"index"`
	// Entry is the event's canonical JSON, exactly as committed to.
	Entry jsonBytes `json:"entry"`
	// Salt is the entry's salt (base64 in JSON); absent for an entry
	// written before commitments, whose public entry is the event itself.
	Salt       []byte      `json:"salt"`
	Proof      []tlog.Hash `json:"proof"`
	Checkpoint string      `json:"checkpoint"`
}

// jsonBytes is JSON kept as the exact bytes it was given: what an entry
// commits to.
type jsonBytes []byte

func (b jsonBytes) MarshalJSON() ([]byte, error) {
	if len(b) == 0 {
		return []byte("null"), nil
	}
	return b, nil
}

func (b *jsonBytes) UnmarshalJSON(data []byte) error {
	*b = append((*b)[:0], data...)
	return nil
}

// ProveEntry returns entry idx with its salt and its inclusion proof
// against the latest checkpoint, integrating it first if needed. It
// returns ENOTFOUND if there is no entry idx.
func (l *Log) ProveEntry(ctx context.Context, idx int64) (*EntryProof, error) {
	er, ok := l.Store.(EntryReader)
	if !ok {
		return nil, errors.New("auditlog: the store does not keep full entries")
	}
	e, err := er.ReadEntry(ctx, idx)
	if err != nil {
		return nil, err
	}
	syncCtx, cancel := context.WithTimeout(ctx, syncTimeout)
	cp, err := l.Sync(syncCtx, idx+1)
	cancel()
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return nil, sluice.Errorf(sluice.EUNAVAILABLE, "The audit log has not integrated entry %d yet; try again.", idx)
	} else if err != nil {
		return nil, err
	}
	proof, err := l.ProveInclusion(ctx, cp, idx)
	if err != nil {
		return nil, err
	}
	return &EntryProof{Index: idx, Entry: e.Event, Salt: e.Salt, Proof: proof, Checkpoint: string(cp.Note)}, nil
}

// ProveEntryTo returns entry idx, as ProveEntry does, to a reader that
// may see it: may is asked with the entry's event, and an entry it may
// not see is ENOTFOUND, exactly as an index with no entry, so that the
// answer never tells whether an entry exists.
func (l *Log) ProveEntryTo(ctx context.Context, idx int64, may func(ctx context.Context, e *sluice.Event) (bool, error)) (*EntryProof, error) {
	notFound := sluice.Errorf(sluice.ENOTFOUND, "No log entry %d.", idx)
	er, ok := l.Store.(EntryReader)
	if !ok || idx < 0 {
		return nil, notFound
	}
	entry, err := er.ReadEntry(ctx, idx)
	if sluice.ErrorCode(err) == sluice.ENOTFOUND {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	var e sluice.Event
	if err := json.Unmarshal(entry.Event, &e); err != nil {
		return nil, fmt.Errorf("auditlog: entry %d: %w", idx, err)
	}
	if ok, err := may(ctx, &e); err != nil {
		return nil, err
	} else if !ok {
		return nil, notFound
	}
	return l.ProveEntry(ctx, idx)
}

// VerifyEntryProof checks p offline with the log's verifier: the
// checkpoint's signature, that the event and salt give the public entry,
// and that the entry is in the checkpoint's tree. It returns the entry.
func VerifyEntryProof(p *EntryProof, v note.Verifier) ([]byte, error) {
	cp, err := OpenCheckpoint([]byte(p.Checkpoint), v)
	if err != nil {
		return nil, err
	}
	if p.Index < 0 || p.Index >= cp.Size {
		return nil, fmt.Errorf("entry %d is not in the tree of size %d", p.Index, cp.Size)
	}
	leaf := []byte(p.Entry)
	if len(p.Salt) > 0 {
		leaf = Commitment(p.Entry, p.Salt)
	}
	if err := tlog.CheckRecord(p.Proof, cp.Size, cp.Root, p.Index, tlog.RecordHash(leaf)); err != nil {
		return nil, fmt.Errorf("entry %d is not proven in the tree of size %d: %w", p.Index, cp.Size, err)
	}
	return leaf, nil
}

// readEntry returns entry idx from the store: in full if the store keeps
// full entries, else as the public entry, which is then the event itself.
func (l *Log) readEntry(ctx context.Context, idx int64) (*Entry, error) {
	if er, ok := l.Store.(EntryReader); ok {
		return er.ReadEntry(ctx, idx)
	}
	leaves, err := l.Store.ReadEntries(ctx, idx, 1)
	if err != nil {
		return nil, err
	} else if len(leaves) != 1 {
		return nil, fmt.Errorf("auditlog: entry %d missing", idx)
	}
	return &Entry{Index: idx, Leaf: leaves[0], Event: leaves[0]}, nil
}
