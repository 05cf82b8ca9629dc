package auditlog

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sluice-gateway/sluice"
)

// syncTimeout bounds how long ProveSubjectEvents waits for the log to
// integrate the events it proves.
const syncTimeout = 10 * time.Second

// MaxInlineSubjects is the most subject keys an entry lists; an event
// about more people commits to the set of their keys instead.
const MaxInlineSubjects = 16

// KeySize is the size of a subject key in binary, as stores keep it: the
// 32 bytes of the HMAC-SHA-256 its 64 hex characters encode.
const KeySize = 32

// SetSubjects records in e the people it concerns: their subject keys,
// sorted and without repeats, in e.Subjects when there are at most
// MaxInlineSubjects of them, otherwise in e.SubjectSet as a commitment
// (the Merkle tree hash of the sorted keys) with the keys beside it for
// the store. Events about people (reads, exports, consents, subject
// requests) are built with it, so that each person can later be given
// the proof that an event concerns them. It returns EINVALID if a key is
// not a subject key.
func SetSubjects(e *sluice.Event, keys []string) error {
	e.Subjects, e.SubjectSet = nil, nil
	bin, err := decodeKeys(make([]binKey, 0, len(keys)), keys)
	if err != nil {
		return err
	}
	// Sort and compare keys in binary, 4 words each, not as strings.
	var sorted []string
	if isStrictlySorted(bin) {
		sorted = slices.Clone(keys)
	} else {
		slices.SortFunc(bin, binKey.compare)
		sorted = encodeKeys(slices.Compact(bin))
	}
	if len(sorted) <= MaxInlineSubjects {
		if len(sorted) > 0 {
			e.Subjects = sorted
		}
		return nil
	}
	root := setRoot(sorted)
	e.SubjectSet = &sluice.SubjectSet{Count: int64(len(sorted)), Root: base64.StdEncoding.EncodeToString(root[:]), Keys: sorted}
	return nil
}

// SubjectKeys returns every subject key e concerns, listed or in its
// subject set, sorted and without repeats: what a store keeps beside the
// entry. It fails if e's subject set does not hold the keys it counts.
// Stores keep the keys packed; see [PackSubjects].
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

// PackSubjects returns every subject key e concerns, listed or in its
// subject set, as a store keeps them beside the entry: sorted, without
// repeats, each as its KeySize bytes, concatenated. It returns nil if e
// concerns nobody, an error if e's subject set does not hold the keys it
// counts, and EINVALID if a key is not a subject key.
func PackSubjects(e *sluice.Event) ([]byte, error) {
	var set []string
	if s := e.SubjectSet; s != nil {
		if int64(len(s.Keys)) != s.Count {
			return nil, fmt.Errorf("auditlog: a subject set of %d keys holds %d", s.Count, len(s.Keys))
		}
		set = s.Keys
	}
	if len(set)+len(e.Subjects) == 0 {
		return nil, nil
	}
	bin, err := decodeKeys(make([]binKey, 0, len(set)+len(e.Subjects)), e.Subjects)
	if err != nil {
		return nil, err
	}
	if bin, err = decodeKeys(bin, set); err != nil {
		return nil, err
	}
	if !isStrictlySorted(bin) {
		slices.SortFunc(bin, binKey.compare)
		bin = slices.Compact(bin)
	}
	packed := make([]byte, len(bin)*KeySize)
	for i, k := range bin {
		k.put(packed[i*KeySize:])
	}
	return packed, nil
}

// UnpackSubjects returns the subject keys of a packed set (see
// [PackSubjects]), in its order.
func UnpackSubjects(packed []byte) ([]string, error) {
	if len(packed)%KeySize != 0 {
		return nil, fmt.Errorf("auditlog: a packed subject set of %d bytes, not a multiple of %d", len(packed), KeySize)
	}
	n := len(packed) / KeySize
	var b strings.Builder
	b.Grow(n * 2 * KeySize)
	var buf [2 * KeySize]byte
	for i := range n {
		hex.Encode(buf[:], packed[i*KeySize:(i+1)*KeySize])
		b.Write(buf[:])
	}
	all := b.String() // one allocation; the keys share it
	keys := make([]string, n)
	for i := range keys {
		keys[i] = all[i*2*KeySize : (i+1)*2*KeySize]
	}
	return keys, nil
}

// DecodeSubjectKey returns the KeySize bytes of a subject key, or
// EINVALID if key is not one.
func DecodeSubjectKey(key string) ([]byte, error) {
	var k binKey
	if !k.decode(key) {
		return nil, sluice.Errorf(sluice.EINVALID, "%q is not a subject key (64 lower-case hex characters).", key)
	}
	b := make([]byte, KeySize)
	k.put(b)
	return b, nil
}

// PackedContains reports whether the packed set (sorted, see
// [PackSubjects]) holds key, given as its KeySize bytes.
func PackedContains(packed, key []byte) bool {
	if len(key) != KeySize {
		return false
	}
	n := len(packed) / KeySize
	i, j := 0, n
	for i < j {
		h := int(uint(i+j) >> 1)
		switch bytes.Compare(packed[h*KeySize:(h+1)*KeySize], key) {
		case 0:
			return true
		case -1:
			i = h + 1
		default:
			j = h
		}
	}
	return false
}

// A binKey is a subject key in binary, as four big-endian words: ordered
// as the key's bytes are, and as its hex characters are.
type binKey [4]uint64

// unhex maps a lower-case hex digit to its value, anything else to 0x10.
var unhex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0x10
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c - '0'
	}
	for c := byte('a'); c <= 'f'; c++ {
		t[c] = c - 'a' + 10
	}
	return t
}()

// decode sets k from a subject key's hex characters and reports whether
// s is a subject key (sluice.IsSubjectKey).
func (k *binKey) decode(s string) bool {
	if len(s) != 2*KeySize {
		return false
	}
	var bad byte
	for w := range k {
		var v uint64
		for _, c := range []byte(s[16*w : 16*w+16]) {
			d := unhex[c]
			bad |= d
			v = v<<4 | uint64(d&0xf)
		}
		k[w] = v
	}
	return bad&0x10 == 0
}

// put writes k's KeySize bytes to b.
func (k binKey) put(b []byte) {
	for w, v := range k {
		binary.BigEndian.PutUint64(b[8*w:], v)
	}
}

func (k binKey) compare(o binKey) int {
	for w := range k {
		if k[w] != o[w] {
			if k[w] < o[w] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// decodeKeys appends the binary form of keys to dst, or returns EINVALID
// for the first that is not a subject key.
func decodeKeys(dst []binKey, keys []string) ([]binKey, error) {
	for _, s := range keys {
		var k binKey
		if !k.decode(s) {
			return nil, sluice.Errorf(sluice.EINVALID, "%q is not a subject key.", s)
		}
		dst = append(dst, k)
	}
	return dst, nil
}

// isStrictlySorted reports whether keys are sorted without repeats.
func isStrictlySorted(keys []binKey) bool {
	for i := 1; i < len(keys); i++ {
		if keys[i-1].compare(keys[i]) >= 0 {
			return false
		}
	}
	return true
}

// encodeKeys returns the hex keys of bin, sharing one allocation.
func encodeKeys(bin []binKey) []string {
	packed := make([]byte, len(bin)*KeySize)
	for i, k := range bin {
		k.put(packed[i*KeySize:])
	}
	keys, _ := UnpackSubjects(packed) // a whole number of keys
	return keys
}

// appendLeafHashes appends to dst the leaf hashes of a subject set's
// tree: each the RFC 6962 record hash of a key's 64 hex characters.
func appendLeafHashes(dst []tlog.Hash, keys []string) []tlog.Hash {
	var buf [1 + 2*KeySize]byte // 0x00 || key, hashed without allocating
	for _, k := range keys {
		n := copy(buf[1:], k)
		dst = append(dst, sha256.Sum256(buf[:1+n]))
	}
	return dst
}

// hashChunk is how many leaves setRoot hashes at a time: a power of two,
// so that each whole chunk is a subtree of the set's tree.
const hashChunk = 1 << 12

// setRoot returns the tree hash of a subject set, the sorted keys. It
// computes the roots of the subtrees of hashChunk leaves on every
// processor, then the tree over them: the same tree, since pairs never
// straddle chunks that start at multiples of a power of two, and the last
// chunk's root is that of the rest of the tree as treeRoot builds it.
func setRoot(keys []string) tlog.Hash {
	chunks := (len(keys) + hashChunk - 1) / hashChunk
	workers := min(runtime.GOMAXPROCS(0), chunks)
	if workers < 2 {
		return treeRoot(appendLeafHashes(make([]tlog.Hash, 0, len(keys)), keys))
	}
	roots := make([]tlog.Hash, chunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			hs := make([]tlog.Hash, 0, hashChunk)
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				roots[c] = treeRoot(appendLeafHashes(hs[:0], keys[c*hashChunk:min((c+1)*hashChunk, len(keys))]))
			}
		})
	}
	wg.Wait()
	return treeRoot(roots)
}

// treeRoot returns the RFC 6962 tree hash over the leaf hashes hs (the
// same as tlog.TreeHash), computing it in hs's storage: level by level,
// pairing neighbours, an unpaired last node moving up as it is.
func treeRoot(hs []tlog.Hash) tlog.Hash {
	if len(hs) == 0 {
		return sha256.Sum256(nil)
	}
	for n := len(hs); n > 1; n = (n + 1) / 2 {
		for i := 0; i+1 < n; i += 2 {
			hs[i/2] = tlog.NodeHash(hs[i], hs[i+1])
		}
		if n%2 == 1 {
			hs[n/2] = hs[n-1]
		}
	}
	return hs[0]
}

// treeProof returns the RFC 6962 inclusion proof of leaf pos in the tree
// over the leaf hashes hs (the same as tlog.ProveRecord), computing it in
// hs's storage.
func treeProof(hs []tlog.Hash, pos int) []tlog.Hash {
	var proof []tlog.Hash
	for n := len(hs); n > 1; n = (n + 1) / 2 {
		if sib := pos ^ 1; sib < n {
			proof = append(proof, hs[sib])
		}
		for i := 0; i+1 < n; i += 2 {
			hs[i/2] = tlog.NodeHash(hs[i], hs[i+1])
		}
		if n%2 == 1 {
			hs[n/2] = hs[n-1]
		}
		pos /= 2
	}
	return proof
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
	return &SetProof{Position: int64(pos), Proof: treeProof(appendLeafHashes(make([]tlog.Hash, 0, len(keys)), keys), pos)}, nil
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

// A SubjectIndexer is a [Store] that keeps the subject keys of each entry
// packed in one row beside it (see [PackSubjects]), written in the
// entry's own transaction, and indexes them by key later, in batches:
// FindSubjectEntries looks up the keys indexed so far and scans the sets
// not indexed yet, so that it is right at every moment. [Log.IndexSubjects]
// and [Log.RunSubjectIndex] drive it.
type SubjectIndexer interface {
	// IndexSubjects indexes the subject sets not indexed yet, in the
	// order of their entries, in one transaction: the first of them and
	// those after it while the keys stay within maxKeys. It returns how
	// many sets it indexed and whether sets may remain to index. Several
	// indexers may share a store: one indexes at a time, and the others
	// return at once with 0 and true (busy); no set is indexed twice or
	// skipped, and an indexer that dies leaves the index as its last
	// commit left it.
	IndexSubjects(ctx context.Context, maxKeys int) (sets int, more bool, err error)
}

// DefaultIndexBatch is about the most subject keys one indexing step adds
// to a store's index, in one transaction; a step takes at least one set,
// however large.
const DefaultIndexBatch = 1 << 17

// DefaultIndexInterval is how often RunSubjectIndex looks for subject
// sets to index.
const DefaultIndexInterval = 250 * time.Millisecond

// An IndexEntry is one row of a store's index by subject key: a key and
// the index of an entry that concerns it.
type IndexEntry struct {
	Key   [KeySize]byte
	Index int64
}

// IndexEntries returns the index rows of packed subject sets (see
// [PackSubjects]), sets[i] beside entry idxs[i], sorted by key and then
// entry: in the order a B-tree takes them fastest.
func IndexEntries(idxs []int64, sets [][]byte) ([]IndexEntry, error) {
	if len(idxs) != len(sets) {
		return nil, errors.New("auditlog: as many entry indexes as subject sets needed")
	}
	n := 0
	for i, s := range sets {
		if len(s)%KeySize != 0 {
			return nil, fmt.Errorf("auditlog: the subject set of entry %d is %d bytes, not a multiple of %d", idxs[i], len(s), KeySize)
		}
		n += len(s) / KeySize
	}
	out := make([]IndexEntry, 0, n)
	for i, s := range sets {
		for j := 0; j < len(s); j += KeySize {
			out = append(out, IndexEntry{Key: [KeySize]byte(s[j : j+KeySize]), Index: idxs[i]})
		}
	}
	slices.SortFunc(out, func(a, b IndexEntry) int {
		if c := bytes.Compare(a.Key[:], b.Key[:]); c != 0 {
			return c
		}
		return cmp.Compare(a.Index, b.Index)
	})
	return out, nil
}

// IndexSubjects brings the store's index by subject key up to date, one
// batch at a time, and returns how many subject sets it indexed. It does
// nothing if the store is not a [SubjectIndexer], and stops if another
// indexer sharing the store is at work.
func (l *Log) IndexSubjects(ctx context.Context) (int, error) {
	ix, ok := l.Store.(SubjectIndexer)
	if !ok {
		return 0, nil
	}
	total := 0
	for {
		n, more, err := ix.IndexSubjects(ctx, DefaultIndexBatch)
		total += n
		if err != nil {
			return total, fmt.Errorf("index subjects: %w", err)
		} else if !more || n == 0 {
			return total, nil
		}
	}
}

// RunSubjectIndex indexes subject sets every DefaultIndexInterval until
// ctx is done (see [Log.IndexSubjects]). Errors are logged, not fatal:
// the next round tries again, and lookups stay right meanwhile, scanning
// the sets not indexed.
func (l *Log) RunSubjectIndex(ctx context.Context) {
	t := time.NewTicker(DefaultIndexInterval)
	defer t.Stop()
	var failing bool
	for {
		if _, err := l.IndexSubjects(ctx); err != nil && ctx.Err() == nil {
			if !failing { // once per outage, not once per tick
				l.logger().ErrorContext(ctx, "audit log subject indexing failed", slog.Any("err", err))
			}
			failing = true
		} else if failing && err == nil {
			l.logger().InfoContext(ctx, "audit log subject indexing recovered")
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
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
	// Leaf is the public entry as logged, base64 in JSON: a commitment to
	// the event (see [Commitment]), or, for an entry written before
	// commitments, the event's canonical JSON. It is what the inclusion
	// proof proves.
	Leaf []byte `json:"leaf"`
	// Event is the event's canonical JSON, exactly as committed to.
	Event jsonBytes `json:"event"`
	// Salt is the entry's salt, absent for an entry written before
	// commitments.
	Salt []byte `json:"salt,omitempty"`
	// InclusionProof proves Leaf is entry Index of the tree of Checkpoint.
	InclusionProof []tlog.Hash `json:"inclusion_proof"`
	// Checkpoint is the signed checkpoint the proof is against.
	Checkpoint string `json:"checkpoint"`
	// SubjectProof proves the subject key is in the event's subject set;
	// absent when the event lists the key itself.
	SubjectProof *SetProof `json:"subject_proof,omitempty"`
	// SubjectKey is the person's key as the entry holds it, when it
	// differs from the key asked about: an entry written before subject
	// keys were scoped per org holds the person's server-wide key, which
	// the server matched to the org-scoped one.
	SubjectKey string `json:"subject_key,omitempty"`
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
	tree := newHashReader(tlog.StoredHashCount(cp.Size), storeLoader(ctx, l.Store)) // shared: proofs read the same tiles
	for _, idx := range idxs {
		entry, err := l.readEntry(ctx, idx)
		if err != nil {
			return nil, err
		}
		var e sluice.Event
		if err := json.Unmarshal(entry.Event, &e); err != nil {
			return nil, fmt.Errorf("auditlog: entry %d: %w", idx, err)
		}
		if keep != nil && !keep(idx, &e) {
			continue
		}
		p := &EventProof{Index: idx, Leaf: entry.Leaf, Event: entry.Event, Salt: entry.Salt, Checkpoint: string(cp.Note)}
		if p.InclusionProof, err = tlog.ProveRecord(cp.Size, idx, tree); err != nil {
			return nil, fmt.Errorf("prove entry %d: %w", idx, err)
		}
		held, keys := key, []string(nil) // the key as the entry holds it, and its set
		if lr, ok := l.Store.(LegacySubjectReader); ok {
			old, oldSet, ok, err := lr.ReadLegacySubject(ctx, idx, key)
			if err != nil {
				return nil, err
			} else if ok && old != key {
				held, keys, p.SubjectKey = old, oldSet, old
			}
		}
		if !slices.Contains(e.Subjects, held) {
			if keys == nil {
				if keys, err = l.Store.ReadSubjectSet(ctx, idx); err != nil {
					return nil, err
				}
			}
			if !slices.IsSorted(keys) {
				slices.Sort(keys) // byte order, whatever the store's collation
			}
			if p.SubjectProof, err = ProveSubject(keys, held); err != nil {
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
		key := p.SubjectKey
		if ev.SubjectKey != "" {
			if !sluice.IsSubjectKey(ev.SubjectKey) {
				return fmt.Errorf("event %d: %q is not a subject key", ev.Index, ev.SubjectKey)
			}
			key = ev.SubjectKey
		}
		if err := verifyEventProof(key, ev, v); err != nil {
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
	event := []byte(ev.Event)
	if IsCommitment(ev.Leaf) {
		if err := CheckEntry(ev.Leaf, event, ev.Salt); err != nil {
			return err
		}
	} else if len(event) > 0 { // an entry written before commitments
		var a, b any
		if json.Unmarshal(ev.Leaf, &a) != nil || json.Unmarshal(event, &b) != nil || !reflect.DeepEqual(a, b) {
			return errors.New("the event shown is not the entry proven")
		}
	} else {
		event = ev.Leaf
	}
	var e sluice.Event
	if err := json.Unmarshal(event, &e); err != nil {
		return fmt.Errorf("the entry is not an event: %w", err)
	}
	switch {
	case slices.Contains(e.Subjects, key):
		return nil
	case e.SubjectSet != nil && ev.SubjectProof != nil:
		return CheckSubject(e.SubjectSet, key, ev.SubjectProof)
	}
	return errors.New("the entry neither lists the subject key nor proves it in its subject set")
}
