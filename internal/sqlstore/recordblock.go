package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// # Record blocks
//
// A row of the records table holds n records of one ingest (a block, n
// up to MaxBlock), with the consecutive ids id … id+n-1: its subject_key
// is the records' keys one after the other, and its data their stored
// forms joined by newlines (a stored record, a JSON object, holds no raw
// newline; a record whose data does is written alone). A row of one
// record is a record as before. Only an engine's ingest writes blocks
// (Dialect.RecordBlocks), and only of records without a record key.
//
// Reads expand the blocks: in Go (splitBlock), or in SQL for what the
// database sorts or counts (Dialect.EachRecord). A change to one record —
// erasure, rewrite, restriction, rescoping — first splits its block into
// rows of one record (splitBlocks), so that the statements that change a
// record, record_restrictions and record keys find it as the row of its
// id, as before.

// MaxBlock is the most records a row of the records table holds. A read
// from id after looks at the rows from after-MaxBlock+1 on.
const MaxBlock = 64

// lookBack returns the bound, exclusive, of the first ids of the rows that
// may hold records above after: MaxBlock below after where the engine
// writes blocks, after where it does not.
func lookBack(d *Dialect, after int64) int64 {
	if d.RecordBlocks {
		return after - MaxBlock
	}
	return after
}

// BlockSeparator separates the records' data in a block.
const BlockSeparator = '\n'

// errBadBlock reports a block whose keys or data do not hold its records.
var errBadBlock = errors.New("sqlstore: a block of records does not hold its count of keys and records")

// keyHex is the length of a subject key as KeyOut reads it.
const keyHex = 64

// splitBlock returns the subject keys and data of the n records of a row,
// keys as KeyOut reads them (hex, one after the other). The data slices
// share data's array, each capped at its end.
func splitBlock(keys string, data []byte, n int) ([]string, [][]byte, error) {
	if n == 1 {
		return []string{keys}, [][]byte{data}, nil
	}
	ks, err := splitKeys(keys, n)
	if err != nil {
		return nil, nil, err
	}
	ds := make([][]byte, n)
	for i := range n {
		j := len(data)
		if i < n-1 {
			if j = bytes.IndexByte(data, BlockSeparator); j < 0 {
				return nil, nil, errBadBlock
			}
		}
		ds[i], data = data[:j:j], data[min(j+1, len(data)):]
	}
	if bytes.IndexByte(ds[n-1], BlockSeparator) >= 0 {
		return nil, nil, errBadBlock // more records than n
	}
	return ks, ds, nil
}

// splitKeys returns the subject keys of the n records of a row.
func splitKeys(keys string, n int) ([]string, error) {
	if n == 1 {
		return []string{keys}, nil
	}
	if n < 1 || len(keys) != n*keyHex {
		return nil, errBadBlock
	}
	ks := make([]string, n)
	for i := range n {
		ks[i] = keys[i*keyHex : (i+1)*keyHex]
	}
	return ks, nil
}

// recordColumns are the columns scanBlockRecords reads, of records r.
func recordColumns(d *Dialect) string {
	return `r.id, r.dataset_id, r.ingest_id, ` + d.KeyOut("r.subject_key") + `, r.data, r.n`
}

// scanBlockRecords reads rows of recordColumns into records: those with
// id in (after, through] (through 0: no bound), at most limit (0: no
// limit), in id order. It returns them and how many rows it read.
func scanBlockRecords(rows Rows, after, through int64, limit int) ([]*sluice.Record, int, error) {
	defer rows.Close()
	var out []*sluice.Record
	count := 0
	for rows.Next() {
		count++
		var first, dataset, ingest int64
		var keys string
		var data []byte
		var n int
		if err := rows.Scan(&first, &dataset, &ingest, &keys, &data, &n); err != nil {
			return nil, count, err
		}
		if n == 1 {
			if first > after && (through <= 0 || first <= through) {
				if limit > 0 && len(out) == limit {
					return out, count, nil
				}
				out = append(out, &sluice.Record{ID: first, DatasetID: dataset, IngestID: ingest, SubjectKey: keys, Data: data})
			}
			continue
		}
		ks, ds, err := splitBlock(keys, data, n)
		if err != nil {
			return nil, count, err
		}
		for i := range n {
			id := first + int64(i)
			if id <= after || through > 0 && id > through {
				continue
			}
			if limit > 0 && len(out) == limit {
				return out, count, nil
			}
			out = append(out, &sluice.Record{ID: id, DatasetID: dataset, IngestID: ingest, SubjectKey: ks[i], Data: ds[i]})
		}
	}
	return out, count, rows.Err()
}

// datasetsIn returns "$first,$first+1,…" for the datasets ds, and them as
// arguments; "NULL" and none if there are none.
func datasetsIn(first int, ds []int64) (string, []any) {
	if len(ds) == 0 {
		return "NULL", nil
	}
	var b strings.Builder
	args := make([]any, 0, len(ds))
	for i, d := range ds {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("$" + strconv.Itoa(first+i))
		args = append(args, d)
	}
	return b.String(), args
}

// splitBlocks splits the block of one of the datasets ds that holds the
// record id, if any, into rows of one record each. It locks the block
// first: a change to another of its records waits, then finds the block
// gone and its record a row of its own.
func splitBlocks(ctx context.Context, tx *Tx, ds []int64, id int64) error {
	d := tx.Dialect()
	if !d.RecordBlocks {
		return nil
	}
	in, dargs := datasetsIn(3, ds)
	blocks := `records r WHERE r.dataset_id IN (` + in + `) AND r.id <= $1 AND r.id > $2 AND r.id + r.n > $1 AND r.n > 1`
	args := append([]any{id, id - MaxBlock}, dargs...)
	rows, err := tx.Query(ctx, `SELECT `+recordColumns(d)+` FROM `+blocks+d.ForUpdate("FOR UPDATE"), args...)
	if err != nil {
		return err
	}
	recs, _, err := scanBlockRecords(rows, 0, 0, 0) // the one block's records
	if err != nil || len(recs) == 0 {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM `+blocks, args...); err != nil {
		return err
	}
	for _, r := range recs {
		if _, err := tx.Exec(ctx, `
			INSERT INTO records (id, dataset_id, ingest_id, subject_key, data, n)`+d.InsertRecordIDs+`
			VALUES ($1, $2, $3, `+d.KeyIn("$4")+`, $5, 1)`,
			r.ID, r.DatasetID, r.IngestID, r.SubjectKey, r.Data); err != nil {
			return err
		}
	}
	return nil
}

// splitSubjectBlocks splits the blocks of a dataset that hold a record
// with the subject key key into rows of one record each.
func splitSubjectBlocks(ctx context.Context, tx *Tx, datasetID int64, key string) error {
	d := tx.Dialect()
	if !d.RecordBlocks {
		return nil
	}
	ids, err := readIDs(ctx, tx, `
		SELECT DISTINCT r.id FROM records r`+d.EachRecord("r")+`
		WHERE r.dataset_id = $1 AND r.n > 1 AND `+d.KeyAt("r")+` = `+d.KeyIn("$2"), datasetID, key)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := splitBlocks(ctx, tx, []int64{datasetID}, id); err != nil {
			return err
		}
	}
	return nil
}
