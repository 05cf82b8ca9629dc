package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// Ensure RecordStore implements the interface.
var _ sluice.RecordStore = (*RecordStore)(nil)

// RecordStore holds one region's records in a region database.
type RecordStore struct {
	*sqlstore.RecordStore // the reads
	db                    *DB
	region                sluice.Region
}

// NewRecordStore returns the record store of region over db.
func NewRecordStore(db *DB, region sluice.Region) *RecordStore {
	return &RecordStore{RecordStore: sqlstore.NewRecordStore(db.DB, region), db: db, region: region}
}

// idBlock is the increment of the records' id identity (region migration
// 0008): each value it hands out reserves that value and the idBlock-1
// after it, which WriteRecords assigns itself.
const idBlock = 1024

// chunkBlocks is how many blocks of ids WriteRecords reserves before each
// COPY statement: a COPY writes at most chunkBlocks*idBlock records.
const chunkBlocks = 64

// blockBytes bounds the subject keys and data of the records of one row
// of the records table: with the other columns, the row stays within the
// table's toast_tuple_target (region migration 0009), in its page and
// uncompressed.
const blockBytes = 7900

// WriteRecords writes a pending ingest's records with COPY, in one
// transaction: PostgreSQL does not block other writers while it runs, and
// a failure leaves nothing behind. It writes the records in blocks of up
// to sqlstore.MaxBlock consecutive records a row (see
// internal/sqlstore/recordblock.go), so that the table and its index
// take a row and an entry a block, not a record; a record with a record
// key, or whose data holds a newline, has a row of its own. It assigns
// the records' ids from blocks of ids reserved from the identity, a
// statement per chunkBlocks blocks, rather than have the identity hand
// out an id a record, and encodes the rows in COPY's binary format
// itself: pgx's CopyFrom plans the encoding of every value of every row.
func (s *RecordStore) WriteRecords(ctx context.Context, in *sluice.Ingest, it sluice.RecordIterator) (int64, error) {
	if in.Region != s.region {
		return 0, fmt.Errorf("postgres: ingest %d is for region %s, not %s", in.ID, in.Region, s.region)
	}
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO record_ingests (id, dataset_id, state) VALUES ($1, $2, $3)`,
		in.ID, in.DatasetID, sluice.IngestPending); err != nil {
		return 0, FormatError(err)
	}
	r := &copyReader{it: it, datasetID: in.DatasetID, ingestID: in.ID}
	if b, ok := it.(sluice.BufferedIterator); ok {
		// The keys' bytes as they are, and the records' memory back to
		// the iterator once copied into the statement's buffer.
		b.OmitSubjectKeys()
		r.buffered = b
	}
	for !r.done {
		if err := r.reserve(ctx, tx); err != nil {
			return 0, FormatError(err)
		}
		_, err := tx.Conn().PgConn().CopyFrom(ctx, r,
			`COPY records (id, dataset_id, ingest_id, subject_key, data, record_key, n) FROM STDIN (FORMAT binary)`)
		if err != nil {
			if e := it.Err(); e != nil {
				return 0, e
			}
			if e := r.failure(); e != nil {
				return 0, e
			}
			return 0, FormatError(err)
		}
	}
	if err := it.Err(); err != nil {
		return 0, err
	}
	return r.records, FormatError(tx.Commit(ctx))
}

// A copyReader is the input of one COPY … (FORMAT binary) statement at a
// time: the records of a RecordIterator, as many as it holds ids for,
// between the format's header and trailer.
type copyReader struct {
	it                  sluice.RecordIterator
	buffered            sluice.BufferedIterator // it, if it is one
	datasetID, ingestID int64

	blocks []int64 // the first ids of the blocks reserved, not yet used
	next   int64   // the next id of the current block
	left   int     // ids left in the current block

	records int64 // records encoded (a COPY counts rows)

	buf    []byte // encoded, not yet read
	off    int    // read up to here
	header bool   // the header of this statement is written
	ended  bool   // the trailer of this statement is written
	done   bool   // the iterator is exhausted, and every record written

	pending   *sluice.Record // taken from the iterator, not yet written
	exhausted bool           // the iterator has no more records
	keys      []byte         // the subject keys of the row being encoded
	data      []byte         // the data of the row being encoded

	mu  sync.Mutex
	err error // a record that cannot be written
}

func (r *copyReader) fail(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

// failure returns why a record could not be written, or nil. It may be
// called while pgconn still reads r, after a fatal connection error.
func (r *copyReader) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// reserve reserves the ids of the next statement and starts it.
func (r *copyReader) reserve(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('records', 'id')) FROM generate_series(1, $1)`, chunkBlocks)
	if err != nil {
		return err
	}
	r.blocks, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	r.left, r.header, r.ended = 0, false, false
	return err
}

// copyHeader starts COPY's binary format: the signature, no flags, no
// header extension.
const copyHeader = "PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00"

// copyBuffer is how many bytes of rows a copyReader encodes ahead.
const copyBuffer = 64 << 10

// Read implements io.Reader: the encoded rows of the statement, then
// io.EOF.
func (r *copyReader) Read(p []byte) (int, error) {
	if r.off == len(r.buf) {
		r.buf, r.off = r.buf[:0], 0
		if !r.header {
			r.buf, r.header = append(r.buf, copyHeader...), true
		}
		for !r.ended && len(r.buf) < copyBuffer {
			if !r.row() {
				r.buf, r.ended = binary.BigEndian.AppendUint16(r.buf, 0xffff), true // the trailer: -1 fields
			}
		}
		if r.buffered != nil {
			r.buffered.Release() // all but the pending record are in buf
		}
		if err := r.failure(); err != nil {
			return 0, err
		}
		if len(r.buf) == 0 {
			return 0, io.EOF
		}
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

// take returns the next record to write, nil when there is none. The
// record is valid until the next call, and is the iterator's current
// record: a pending one was taken last.
func (r *copyReader) take() *sluice.Record {
	if p := r.pending; p != nil {
		r.pending = nil
		return p
	}
	if r.exhausted || !r.it.Next() {
		r.exhausted = true
		return nil
	}
	return r.it.Record()
}

// blockable reports whether a record may share a row with others: it has
// no record key (those are looked up a row each), and its data no newline
// (which separates the records of a block).
func blockable(rec *sluice.Record) bool {
	return rec.Key == "" && bytes.IndexByte(rec.Data, sqlstore.BlockSeparator) < 0
}

// errBadKey is the failure of a record whose subject key is not a key.
var errBadKey = errors.New("postgres: a record's subject key is not 64 hex characters")

// appendKey appends the bytes of the subject key of rec, the record take
// returned last.
func (r *copyReader) appendKey(b []byte, rec *sluice.Record) ([]byte, error) {
	if r.buffered != nil {
		return append(b, r.buffered.SubjectKeyBytes()...), nil
	}
	return appendHexKey(b, rec.SubjectKey)
}

// appendHexKey appends the bytes of a subject key given as hex.
func appendHexKey(b []byte, key string) ([]byte, error) {
	if len(key) != 2*sha256.Size {
		return b, errBadKey
	}
	b, err := hex.AppendDecode(b, []byte(key))
	if err != nil {
		return b, errBadKey
	}
	return b, nil
}

// row encodes the next row — a block of records, or a record alone — and
// reports whether there was a record with an id to give it.
func (r *copyReader) row() bool {
	if r.left == 0 {
		if len(r.blocks) == 0 {
			return false
		}
		r.next, r.left, r.blocks = r.blocks[0], idBlock, r.blocks[1:]
	}
	rec := r.take()
	if rec == nil {
		r.done = true
		return false
	}
	// The subject keys are stored as their bytes (see migration 0008).
	var err error
	if r.keys, err = r.appendKey(r.keys[:0], rec); err != nil {
		r.fail(err)
		return false
	}
	key, n, data := rec.Key, 1, rec.Data
	if blockable(rec) {
		// The ids of a block are consecutive: it ends with the block of
		// ids it started in.
		r.data = append(r.data[:0], rec.Data...)
		for n < sqlstore.MaxBlock && n < r.left {
			next := r.take()
			if next == nil {
				break
			}
			if !blockable(next) || len(r.keys)+sha256.Size+len(r.data)+1+len(next.Data) > blockBytes {
				r.pending = next
				break
			}
			if r.keys, err = r.appendKey(r.keys, next); err != nil {
				r.fail(err)
				return false
			}
			r.data = append(r.data, sqlstore.BlockSeparator)
			r.data = append(r.data, next.Data...)
			n++
		}
		data = r.data
	}
	b := binary.BigEndian.AppendUint16(r.buf, 7)
	b = appendInt8(b, r.next)
	b = appendInt8(b, r.datasetID)
	b = appendInt8(b, r.ingestID)
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.keys)))
	b = append(b, r.keys...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	if key == "" {
		b = binary.BigEndian.AppendUint32(b, 0xffffffff) // NULL
	} else {
		b = binary.BigEndian.AppendUint32(b, uint32(len(key)))
		b = append(b, key...)
	}
	b = binary.BigEndian.AppendUint32(b, 4)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	r.buf = b
	r.next += int64(n)
	r.left -= n
	r.records += int64(n)
	return true
}

// appendInt8 appends a BIGINT field: its length and its value.
func appendInt8(b []byte, v int64) []byte {
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

// CommitIngest makes an ingest's records visible.
func (s *RecordStore) CommitIngest(ctx context.Context, id int64) error {
	var state string
	err := s.db.pool.QueryRow(ctx, `
		INSERT INTO record_ingests (id, dataset_id, state) VALUES ($1, 0, $2)
		ON CONFLICT (id) DO UPDATE SET state = CASE WHEN record_ingests.state = $3 THEN record_ingests.state ELSE excluded.state END
		RETURNING state`, id, sluice.IngestCommitted, sluice.IngestAborted).Scan(&state)
	if err != nil {
		return FormatError(err)
	} else if state == string(sluice.IngestAborted) {
		return sluice.Errorf(sluice.ECONFLICT, "Ingest %d was aborted.", id)
	}
	return nil
}

// AbortIngest removes an ingest's records.
func (s *RecordStore) AbortIngest(ctx context.Context, id int64) error {
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `DELETE FROM records WHERE ingest_id = $1`, id); err != nil {
		return FormatError(err)
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO record_ingests (id, dataset_id, state) VALUES ($1, 0, $2)
		ON CONFLICT (id) DO UPDATE SET state = excluded.state`, id, sluice.IngestAborted); err != nil {
		return FormatError(err)
	}
	return FormatError(tx.Commit(ctx))
}
