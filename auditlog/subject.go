package auditlog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"sluice"
)

// syncTimeout bounds how long ProveSubjectEvents waits for the log to
// integrate the events it proves.
const syncTimeout = 10 * time.Second

// MaxInlineSubjects is the most subject keys an entry lists; an event
// about more people commits to the set of their keys instead.
const MaxInlineSubjects = 16

// SetSubjects records in e the people it concerns: their subject keys,
// sorted and without repeats, in e.Subjects when there are at most
// MaxInlineSubjects of them, otherwise in e.SubjectSet as a commitment
// (the Merkle tree hash of the sorted keys) with the keys beside it for
// the store. Events about people (reads, exports, consents, subject
// requests) are built with it, so that each person can later be given
// the proof that an event concerns them. It returns EINVALID if a key is
// not a subject key.
func SetSubjects(e *sluice.Event, keys []string) error {
	for _, k := range keys {
		if !sluice.IsSubjectKey(k) {
			return sluice.Errorf(sluice.EINVALID, "%q is not a subject key.", k)
		}
	}
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	e.Subjects, e.SubjectSet = nil, nil
	if len(keys) <= MaxInlineSubjects {
		if len(keys) > 0 {
			e.Subjects = keys
		}
		return nil
	}
	hashes, err := subjectSetHashes(keys)
	if err != nil {
		return err
	}
	root, err := tlog.TreeHash(int64(len(keys)), hashes)
	if err != nil {
		return err
	}
	e.SubjectSet = &sluice.SubjectSet{Count: int64(len(keys)), Root: base64.StdEncoding.EncodeToString(root[:]), Keys: keys}
	return nil
}

// SubjectKeys returns every subject key e concerns, listed or in its
// subject set, sorted and without repeats: what a store keeps beside the
// entry. It fails if e's subject set does not hold the keys it counts.
func SubjectKeys(e *sluice.Event) ([]string, error) {
	keys := slices.Clone(e.Subjects)
	if s := e.SubjectSet; s != nil {
		if int64(len(s.Keys)) != s.Count {
			return nil, fmt.Errorf("auditlog: a subject set of %d keys holds %d", s.Count, len(s.Keys))
		}
		keys = append(keys, s.Keys...)
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// subjectHashes is the stored hashes of a subject set's tree, in memory.
type subjectHashes []tlog.Hash

func (s subjectHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(s)) {
			return nil, errors.New("auditlog: hash not in the subject set")
		}
		out[i] = s[x]
	}
	return out, nil
}

// subjectSetHashes returns the stored hashes of the tree over the sorted
// keys, each leaf the key's 64 hex characters.
func subjectSetHashes(keys []string) (subjectHashes, error) {
	hs := make(subjectHashes, 0, tlog.StoredHashCount(int64(len(keys))))
	for i, k := range keys {
		h, err := tlog.StoredHashes(int64(i), []byte(k), hs)
		if err != nil {
			return nil, err
		}
		hs = append(hs, h...)
	}
	return hs, nil
}

// A SetProof proves that a subject key is in the set an entry commits to:
// the key's position in the sorted set and its inclusion proof in the
// set's tree.
type SetProof struct {
	Position int64       `json:"position"`
	Proof    []tlog.Hash `json:"proof"`
}

// ProveSubject returns the proof that key is in the sorted set keys.
func ProveSubject(keys []string, key string) (*SetProof, error) {
	pos, ok := slices.BinarySearch(keys, key)
	if !ok {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Subject key not in the set.")
	}
	hs, err := subjectSetHashes(keys)
	if err != nil {
		return nil, err
	}
	proof, err := tlog.ProveRecord(int64(len(keys)), int64(pos), hs)
	if err != nil {
		return nil, err
	}
	return &SetProof{Position: int64(pos), Proof: proof}, nil
}

// CheckSubject checks a proof that key is in the set s commits to.
func CheckSubject(s *sluice.SubjectSet, key string, p *SetProof) error {
	raw, err := base64.StdEncoding.DecodeString(s.Root)
	if err != nil || len(raw) != tlog.HashSize {
		return errors.New("the subject set's root is not a base64 hash")
	}
	if err := tlog.CheckRecord(p.Proof, s.Count, tlog.Hash(raw), p.Position, tlog.RecordHash([]byte(key))); err != nil {
		return fmt.Errorf("the subject key is not proven in the set of %d: %w", s.Count, err)
	}
	return nil
}

// SubjectEvents is the answer to "which logged events concern this
// person?": each event with the proof that it is in the log, and that it
// concerns the person. [VerifySubjectEvents] checks it offline.
type SubjectEvents struct {
	SubjectKey string        `json:"subject_key"`
	Events     []*EventProof `json:"events"`
}

// An EventProof is one logged event about a subject, with its proofs.
type EventProof struct {
	Index int64 `json:"index"`
	// Leaf is the entry as logged (canonical JSON), base64 in JSON; it is
	// what the proofs prove.
	Leaf []byte `json:"leaf"`
	// Event is Leaf's content, for reading.
	Event json.RawMessage `json:"event"`
	// InclusionProof proves Leaf is entry Index of the tree of Checkpoint.
	InclusionProof []tlog.Hash `json:"inclusion_proof"`
	// Checkpoint is the signed checkpoint the proof is against.
	Checkpoint string `json:"checkpoint"`
	// SubjectProof proves the subject key is in the event's subject set;
	// absent when the event lists the key itself.
	SubjectProof *SetProof `json:"subject_proof,omitempty"`
}

// ProveSubjectEvents returns the events that concern the subject with key,
// each with its proofs against the latest checkpoint, keeping only those
// for which keep (if not nil) returns true. Events not yet integrated are
// integrated first.
func (l *Log) ProveSubjectEvents(ctx context.Context, key string, keep func(idx int64, e *sluice.Event) bool) (*SubjectEvents, error) {
	if !sluice.IsSubjectKey(key) {
		return nil, sluice.Errorf(sluice.EINVALID, "%q is not a subject key (64 lower-case hex characters).", key)
	}
	idxs, err := l.Store.FindSubjectEntries(ctx, key)
	if err != nil {
		return nil, err
	}
	out := &SubjectEvents{SubjectKey: key, Events: []*EventProof{}}
	if len(idxs) == 0 {
		return out, nil
	}
	syncCtx, cancel := context.WithTimeout(ctx, syncTimeout)
	cp, err := l.Sync(syncCtx, idxs[len(idxs)-1]+1)
	cancel()
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return nil, sluice.Errorf(sluice.EUNAVAILABLE, "The audit log has not integrated this subject's latest events yet; try again.")
	} else if err != nil {
		return nil, err
	}
	for _, idx := range idxs {
		leaves, err := l.Store.ReadEntries(ctx, idx, 1)
		if err != nil {
			return nil, err
		} else if len(leaves) != 1 {
			return nil, fmt.Errorf("auditlog: entry %d missing", idx)
		}
		var e sluice.Event
		if err := json.Unmarshal(leaves[0], &e); err != nil {
			return nil, fmt.Errorf("auditlog: entry %d: %w", idx, err)
		}
		if keep != nil && !keep(idx, &e) {
			continue
		}
		p := &EventProof{Index: idx, Leaf: leaves[0], Event: leaves[0], Checkpoint: string(cp.Note)}
		if p.InclusionProof, err = l.ProveInclusion(ctx, cp, idx); err != nil {
			return nil, fmt.Errorf("prove entry %d: %w", idx, err)
		}
		if !slices.Contains(e.Subjects, key) {
			keys, err := l.Store.ReadSubjectSet(ctx, idx)
			if err != nil {
				return nil, err
			}
			slices.Sort(keys) // byte order, whatever the store's collation
			if p.SubjectProof, err = ProveSubject(keys, key); err != nil {
				return nil, fmt.Errorf("prove subject in entry %d: %w", idx, err)
			}
		}
		out.Events = append(out.Events, p)
	}
	return out, nil
}

// VerifySubjectEvents checks every proof of p offline with the log's
// verifier: each checkpoint's signature, each entry's inclusion in its
// checkpoint's tree, and that each entry concerns p's subject, listing
// its key or proving it in its subject set. It returns the first failure.
func VerifySubjectEvents(p *SubjectEvents, v note.Verifier) error {
	if !sluice.IsSubjectKey(p.SubjectKey) {
		return fmt.Errorf("%q is not a subject key", p.SubjectKey)
	}
	for _, ev := range p.Events {
		if err := verifyEventProof(p.SubjectKey, ev, v); err != nil {
			return fmt.Errorf("event %d: %w", ev.Index, err)
		}
	}
	return nil
}

func verifyEventProof(key string, ev *EventProof, v note.Verifier) error {
	cp, err := OpenCheckpoint([]byte(ev.Checkpoint), v)
	if err != nil {
		return err
	}
	if ev.Index < 0 || ev.Index >= cp.Size {
		return fmt.Errorf("index is not in the tree of size %d", cp.Size)
	}
	if err := tlog.CheckRecord(ev.InclusionProof, cp.Size, cp.Root, ev.Index, tlog.RecordHash(ev.Leaf)); err != nil {
		return fmt.Errorf("the entry is not proven in the tree of size %d: %w", cp.Size, err)
	}
	var e sluice.Event
	if err := json.Unmarshal(ev.Leaf, &e); err != nil {
		return fmt.Errorf("the entry is not an event: %w", err)
	}
	if len(ev.Event) > 0 {
		var a, b any
		if json.Unmarshal(ev.Leaf, &a) != nil || json.Unmarshal(ev.Event, &b) != nil || !reflect.DeepEqual(a, b) {
			return errors.New("the event shown is not the entry proven")
		}
	}
	switch {
	case slices.Contains(e.Subjects, key):
		return nil
	case e.SubjectSet != nil && ev.SubjectProof != nil:
		return CheckSubject(e.SubjectSet, key, ev.SubjectProof)
	}
	return errors.New("the entry neither lists the subject key nor proves it in its subject set")
}
