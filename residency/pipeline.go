package residency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/recordio"
)

// batchSize is the number of records the parsing goroutine hands to the
// writing goroutine at a time.
const batchSize = 1024

// batchBytes bounds the encoded records of a batch: with a few batches in
// flight, memory stays within tens of MiB whatever the size of records.
const batchBytes = 4 << 20

// inFlight is the number of batches the parsing goroutine may have
// handed over and the store not yet taken.
const inFlight = 4

// A pipeline parses, keys and encodes records in one goroutine while the
// store writes them in another: on two cores, ingest runs at the speed of
// the slower of the two rather than their sum. It is the RecordIterator
// the store reads from, and a sluice.BufferedIterator: a store that
// releases the records it has written gets their batches back for the
// records that follow, and one that reads the subject keys' bytes spares
// the parsing goroutine their hex.
type pipeline struct {
	cancel  context.CancelFunc
	batches chan *batch
	free    chan *batch // released by the store, for the producer to reuse
	rawKeys atomic.Bool // the store reads SubjectKeyBytes only
	wg      sync.WaitGroup

	mu  sync.Mutex
	err error // set by the producer before it closes batches

	cur  *batch
	i    int
	done []*batch // batches the store has moved past, not yet released
}

type batch struct {
	recs []sluice.Record
	keys [][sha256.Size]byte // the records' subject keys
	ends []int
	buf  []byte
}

func newPipeline(ctx context.Context, src sluice.RecordSource, subjectField, keyField string, secret []byte, orgID int64, obs sluice.FieldObserver, m *minimiser) *pipeline {
	ctx, cancel := context.WithCancel(ctx)
	p := &pipeline{cancel: cancel, batches: make(chan *batch, inFlight), free: make(chan *batch, inFlight+2)}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(p.batches)
		var rk *recordKeyer
		if keyField != "" {
			rk = newRecordKeyer(keyField, secret)
		}
		err := p.produce(ctx, src, subjectField, sluice.NewOrgSubjectKeyer(secret, orgID), rk, obs, m)
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
	}()
	return p
}

func (p *pipeline) produce(ctx context.Context, src sluice.RecordSource, subjectField string, keyer *sluice.SubjectKeyer, rk *recordKeyer, obs sluice.FieldObserver, m *minimiser) error {
	if _, counts := obs.(*countObserver); !counts {
		// A classifier: on a goroutine of its own. Its last records are
		// observed before the store finishes (p.stop waits for this).
		a := newAsyncObserver(obs)
		defer a.stop()
		obs = a
	}
	b := p.newBatch()
	var lastNames []string
	var fields fieldSet
	subject := -1
	var strip [2][]string
	var enc *recordio.StoredEncoder // of the last names
	emit := func(names, values []string, key *[sha256.Size]byte, recKey string) bool {
		if m != nil {
			m.count(names, values, key)
			if m.mode == sluice.MinimisationReject && len(m.excess) > 0 {
				return true // counted, never written
			}
			names, values = m.keep(names, values, &strip)
		}
		if enc == nil || !enc.Encodes(names) {
			enc = recordio.NewStoredEncoder(names)
		}
		b.buf = enc.Append(b.buf, values)
		b.recs = append(b.recs, sluice.Record{Key: recKey})
		b.keys = append(b.keys, *key)
		b.ends = append(b.ends, len(b.buf))
		if len(b.recs) == batchSize || len(b.buf) >= batchBytes {
			if !p.send(ctx, b) {
				return false
			}
			b = p.newBatch()
		}
		return true
	}
	// With a minimiser, the first records are held, classified and only
	// then written, once it knows which fields are excess.
	var held []sluice.InputRecord
	var heldKeys [][sha256.Size]byte
	var heldRecKeys []string
	release := func() bool {
		if err := m.decide(obs.Fields()); err != nil {
			p.mu.Lock()
			p.err = err
			p.mu.Unlock()
			return false
		}
		for i := range held {
			if !emit(held[i].Names, held[i].Values, &heldKeys[i], heldRecKeys[i]) {
				return false
			}
		}
		held, heldKeys, heldRecKeys = nil, nil, nil
		return true
	}
	var key [sha256.Size]byte // emit copies it
	for {
		rec, err := src.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
		if len(rec.Names) != len(lastNames) || len(rec.Names) > 0 && &rec.Names[0] != &lastNames[0] {
			if err := fields.add(rec.Names, rec.Line); err != nil {
				return err
			}
			lastNames, subject = rec.Names, -1
			for i, name := range rec.Names {
				if name == subjectField {
					subject = i
				}
			}
		}
		if subject < 0 {
			return &sluice.Error{Code: sluice.EINVALID, Line: rec.Line, Field: subjectField,
				Message: "line " + strconv.Itoa(rec.Line) + ": the record has no field \"" + subjectField + "\", the dataset's subject field."}
		}
		if !keyer.KeyBytes(&key, rec.Values[subject]) {
			return &sluice.Error{Code: sluice.EINVALID, Line: rec.Line, Field: subjectField,
				Message: "line " + strconv.Itoa(rec.Line) + ", field \"" + subjectField + "\": the subject field is empty, so the record cannot be tied to a person."}
		}
		recKey := ""
		if rk != nil {
			if recKey, err = rk.key(rec); err != nil {
				return err
			}
		}
		obs.Add(rec.Names, rec.Values)
		if m != nil && !m.decided {
			held = append(held, sluice.InputRecord{Line: rec.Line, Names: slices.Clone(rec.Names), Values: slices.Clone(rec.Values)})
			heldKeys, heldRecKeys = append(heldKeys, key), append(heldRecKeys, recKey)
			if len(held) == batchSize && !release() {
				return p.errOr(ctx)
			}
			continue
		}
		if !emit(rec.Names, rec.Values, &key, recKey) {
			return ctx.Err()
		}
	}
	if m != nil {
		if !m.decided && !release() {
			return p.errOr(ctx)
		}
		if m.mode == sluice.MinimisationReject && len(m.excess) > 0 {
			return m.refusal()
		}
		if err := m.finish(obs.Fields()); err != nil {
			return err
		}
	}
	if len(b.recs) > 0 && !p.send(ctx, b) {
		return ctx.Err()
	}
	return nil
}

// errOr returns the error the producer recorded, or ctx's.
func (p *pipeline) errOr(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	return ctx.Err()
}

// newBatch returns an empty batch: one the store released, or a new one.
// A store may keep records (and their Data) after moving past them, until
// it writes them, so a batch is reused only once the store says it is
// done with it (Release).
func (p *pipeline) newBatch() *batch {
	select {
	case b := <-p.free:
		b.recs, b.keys, b.ends, b.buf = b.recs[:0], b.keys[:0], b.ends[:0], b.buf[:0]
		return b
	default:
	}
	return &batch{recs: make([]sluice.Record, 0, batchSize), keys: make([][sha256.Size]byte, 0, batchSize),
		ends: make([]int, 0, batchSize), buf: make([]byte, 0, 256<<10)}
}

// send finishes b (its buffer no longer grows, so records can point into
// it) and hands it over. Unless the store reads the keys' bytes, it gives
// the records their keys' hex, all from one string.
func (p *pipeline) send(ctx context.Context, b *batch) bool {
	start := 0
	for i := range b.recs {
		b.recs[i].Data = b.buf[start:b.ends[i]:b.ends[i]]
		start = b.ends[i]
	}
	if !p.rawKeys.Load() {
		var hb strings.Builder
		hb.Grow(len(b.keys) * hex.EncodedLen(sha256.Size))
		var h [2 * sha256.Size]byte
		for i := range b.keys {
			hex.Encode(h[:], b.keys[i][:])
			hb.Write(h[:])
		}
		hs := hb.String()
		for i := range b.recs {
			b.recs[i].SubjectKey = hs[i*len(h) : (i+1)*len(h)]
		}
	}
	select {
	case p.batches <- b:
		return true
	case <-ctx.Done():
		return false
	}
}

// Next implements sluice.RecordIterator.
func (p *pipeline) Next() bool {
	if p.cur != nil {
		p.i++
		if p.i < len(p.cur.recs) {
			return true
		}
		p.done, p.cur = append(p.done, p.cur), nil
	}
	b, ok := <-p.batches
	if !ok {
		return false
	}
	p.cur, p.i = b, 0
	return true
}

// Record implements sluice.RecordIterator.
func (p *pipeline) Record() *sluice.Record { return &p.cur.recs[p.i] }

// SubjectKeyBytes implements sluice.BufferedIterator.
func (p *pipeline) SubjectKeyBytes() []byte { return p.cur.keys[p.i][:] }

// OmitSubjectKeys implements sluice.BufferedIterator.
func (p *pipeline) OmitSubjectKeys() { p.rawKeys.Store(true) }

// Release implements sluice.BufferedIterator: the batches before the
// current one go back to the producer.
func (p *pipeline) Release() {
	for _, b := range p.done {
		select {
		case p.free <- b:
		default:
		}
	}
	clear(p.done)
	p.done = p.done[:0]
}

// Err implements sluice.RecordIterator. It is final only once Next has
// returned false; stores may call it earlier, from another goroutine.
func (p *pipeline) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// stop ends the producer, whatever state it is in, and waits for it.
func (p *pipeline) stop() {
	p.cancel()
	for range p.batches {
	}
	p.wg.Wait()
}
