package sqlstore

import (
	"context"
	"errors"

	"github.com/sluice-gateway/sluice"
)

// RecordStore reads one region's records in a region database. The
// engines add the writes: how records are loaded, committed and removed
// is each engine's own.
type RecordStore struct {
	db     *DB
	region sluice.Region
}

// NewRecordStore returns the record store of region over db.
func NewRecordStore(db *DB, region sluice.Region) *RecordStore {
	return &RecordStore{db: db, region: region}
}

// Region returns the store's region.
func (s *RecordStore) Region() sluice.Region { return s.region }

// PendingIngests lists ingests neither committed nor aborted.
func (s *RecordStore) PendingIngests(ctx context.Context) ([]int64, error) {
	return readIDs(ctx, s.db.Read, `SELECT id FROM record_ingests WHERE state = $1 ORDER BY id`, sluice.IngestPending)
}

// FindRecords returns visible records of a dataset in ID order.
func (s *RecordStore) FindRecords(ctx context.Context, f sluice.RecordFilter) ([]*sluice.Record, error) {
	cond, err := s.restriction(ctx, f.DatasetID)
	if err != nil {
		return nil, err
	}
	return s.readRecords(ctx, `
		SELECT `+recordColumns(s.db.Dialect)+`
		FROM records r JOIN record_ingests i ON i.id = r.ingest_id
		WHERE r.dataset_id = $1 AND r.id > $2 AND r.id + r.n - 1 > $3 AND i.state = $4`+cond+`
		ORDER BY r.id`, f.DatasetID, f.After, f.Limit)
}

// readRecords runs the query q of rows of recordColumns — those of a
// dataset ($1) with a first id above $2 and a record above $3, of
// committed ingests ($4), in id order — and returns their records above
// after, at most limit (0: all; else a page of rows at a time, see
// pageRows).
func (s *RecordStore) readRecords(ctx context.Context, q string, datasetID, after int64, limit int) ([]*sluice.Record, error) {
	if limit <= 0 {
		rows, err := s.db.Read.Query(ctx, q, datasetID, lookBack(s.db.Dialect, after), after, sluice.IngestCommitted)
		if err != nil {
			return nil, err
		}
		out, _, err := scanBlockRecords(rows, after, 0, 0)
		return out, err
	}
	var out []*sluice.Record
	err := pageRows(s.db.Dialect, after, limit, func(after int64, rows int) (int, int, int64, error) {
		res, err := s.db.Read.Query(ctx, q+` LIMIT $5`, datasetID, lookBack(s.db.Dialect, after), after, sluice.IngestCommitted, rows)
		if err != nil {
			return 0, 0, 0, err
		}
		got, n, err := scanBlockRecords(res, after, 0, limit-len(out))
		if err != nil || len(got) == 0 {
			return n, 0, 0, err
		}
		out = append(out, got...)
		return n, len(got), got[len(got)-1].ID, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// pageRows reads up to limit records a page of rows at a time, from the
// id after on: page reads up to rows rows of records above its after and
// returns how many rows it read, how many records it took and the id of
// the last. Where the engine writes blocks (a row holds up to MaxBlock
// records), the first page asks for the rows the limit takes if they are
// full blocks, the next for more at the records a row held; elsewhere for
// a row a record.
func pageRows(d *Dialect, after int64, limit int, page func(after int64, rows int) (int, int, int64, error)) error {
	want := limit
	if d.RecordBlocks {
		want = (limit+MaxBlock-1)/MaxBlock + 1
	}
	for total := 0; ; {
		n, got, last, err := page(after, want)
		if err != nil {
			return err
		}
		total += got
		if total >= limit || n < want || got == 0 {
			return nil
		}
		after = last
		want = (limit-total)*n/got + 1
	}
}

// CountSubjects counts the distinct subject keys of a dataset's visible
// records and of one pending ingest's.
func (s *RecordStore) CountSubjects(ctx context.Context, datasetID, ingestID int64) (int64, error) {
	var n int64
	err := s.db.Read.QueryRow(ctx, `
		SELECT COUNT(DISTINCT `+s.db.Dialect.KeyAt("r")+`)
		FROM records r JOIN record_ingests i ON i.id = r.ingest_id`+s.db.Dialect.EachRecord("r")+`
		WHERE r.dataset_id = $1 AND (i.state = $2 OR r.ingest_id = $3)`, datasetID, sluice.IngestCommitted, ingestID).Scan(&n)
	return n, err
}

// ListSubjects lists the ids and subject keys of a dataset's visible
// records with id in (after, through] (through 0: no bound), at most
// limit, in id order, without reading their data: what a transfer's
// facts need (see residency.SubjectLister).
func (s *RecordStore) ListSubjects(ctx context.Context, datasetID, after, through int64, limit int) ([]int64, []string, error) {
	if through <= 0 {
		through = 1<<63 - 1
	}
	cond, err := s.restriction(ctx, datasetID)
	if err != nil {
		return nil, nil, err
	}
	ids, keys := make([]int64, 0, limit), make([]string, 0, limit)
	add := func(id int64, key string) error {
		if len(ids) == limit {
			return errEnough
		}
		ids, keys = append(ids, id), append(keys, key)
		return nil
	}
	err = pageRows(s.db.Dialect, after, limit, func(after int64, rows int) (int, int, int64, error) {
		had := len(ids)
		n, err := s.eachSubjectRow(ctx, datasetID, after, through, rows, cond, add)
		if err != nil || len(ids) == had {
			return n, 0, 0, err
		}
		return n, len(ids) - had, ids[len(ids)-1], nil
	})
	if err != nil && err != errEnough {
		return nil, nil, err
	}
	return ids, keys, nil
}

// errEnough stops a read that has what it needs.
var errEnough = errors.New("sqlstore: enough")

// eachSubjectRow reads up to limit rows of a dataset's visible records
// with a record of id in (after, through], in id order, and calls fn with
// the id and subject key of each such record they hold. It returns how
// many rows it read.
func (s *RecordStore) eachSubjectRow(ctx context.Context, datasetID, after, through int64, limit int, cond string, fn func(id int64, key string) error) (int, error) {
	rows, err := s.db.Read.Query(ctx, `
		SELECT r.id, `+s.db.Dialect.KeyOut("r.subject_key")+`, r.n
		FROM records r JOIN record_ingests i ON i.id = r.ingest_id
		WHERE r.dataset_id = $1 AND r.id > $2 AND r.id + r.n - 1 > $3 AND r.id <= $4 AND i.state = $5`+cond+`
		ORDER BY r.id LIMIT $6`, datasetID, lookBack(s.db.Dialect, after), after, through, sluice.IngestCommitted, limit)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	count := 0
	for rows.Next() {
		var first int64
		var key string
		var n int
		if err := rows.Scan(&first, &key, &n); err != nil {
			return count, err
		}
		count++
		if n == 1 {
			if first > after && first <= through {
				if err := fn(first, key); err != nil {
					return count, err
				}
			}
			continue
		}
		ks, err := splitKeys(key, n)
		if err != nil {
			return count, err
		}
		for i, k := range ks {
			if id := first + int64(i); id > after && id <= through {
				if err := fn(id, k); err != nil {
					return count, err
				}
			}
		}
	}
	return count, rows.Err()
}

// subjectPage is how many records EachSubject reads in one statement.
const subjectPage = 50000

// EachSubject calls fn with the id and subject key of each visible record
// of a dataset with id in (after, through] (through 0: no bound), in id
// order, without reading the records' data. It reads subjectPage records
// a statement and keeps none of them, so that its memory stays flat
// however many records and subjects the dataset holds. An error from fn
// stops the scan and is returned.
func (s *RecordStore) EachSubject(ctx context.Context, datasetID, after, through int64, fn func(id int64, key string) error) error {
	if through <= 0 {
		through = 1<<63 - 1
	}
	for {
		n, err := s.subjectPage(ctx, datasetID, &after, through, fn)
		if err != nil || n < subjectPage {
			return err
		}
	}
}

func (s *RecordStore) subjectPage(ctx context.Context, datasetID int64, after *int64, through int64, fn func(id int64, key string) error) (int, error) {
	cond, err := s.restriction(ctx, datasetID)
	if err != nil {
		return 0, err
	}
	return s.eachSubjectRow(ctx, datasetID, *after, through, subjectPage, cond, func(id int64, key string) error {
		*after = id
		return fn(id, key)
	})
}

// EachDistinctSubject calls fn with each distinct subject key of a
// dataset's visible records with id up to through (0: no bound), in
// ascending order. The database sorts the keys and one statement streams
// them, so that memory stays flat however many subjects there are; fn
// sees sorted, distinct keys, as TransferStore.CountSubjects takes them,
// and may pass them on a chunk at a time. An error from fn stops the scan
// and is returned.
func (s *RecordStore) EachDistinctSubject(ctx context.Context, datasetID, through int64, fn func(key string) error) error {
	if through <= 0 {
		through = 1<<63 - 1
	}
	// Hex text and the keys' bytes sort alike, so the keys sort as stored
	// (bytewise: a BYTEA, or text in SQLite's default collation).
	rows, err := s.db.Read.Query(ctx, `
		SELECT `+s.db.Dialect.KeyOut("k.subject_key")+` FROM (
			SELECT DISTINCT `+s.db.Dialect.KeyAt("r")+` AS subject_key
			FROM records r JOIN record_ingests i ON i.id = r.ingest_id`+s.db.Dialect.EachRecord("r")+`
			WHERE r.dataset_id = $1 AND `+s.db.Dialect.IDAt("r")+` <= $2 AND i.state = $3) k
		ORDER BY k.subject_key`, datasetID, through, sluice.IngestCommitted)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
	}
	return rows.Err()
}

// replacedRecords selects the visible records of a dataset ($1) that a
// pending ingest ($2) replaces: those whose key the ingest sends again,
// the ingest's own included when it sends a key twice (the last stays).
const replacedRecords = `
	SELECT o.id FROM records o JOIN record_ingests i ON i.id = o.ingest_id
	WHERE o.dataset_id = $1 AND o.record_key IS NOT NULL AND (i.state = $3 OR o.ingest_id = $2)
	AND EXISTS (SELECT 1 FROM records n
		WHERE n.dataset_id = o.dataset_id AND n.record_key = o.record_key AND n.ingest_id = $2 AND n.id > o.id)`

// CountReplaced counts the records a pending ingest of a dataset
// replaces by their key.
func (s *RecordStore) CountReplaced(ctx context.Context, datasetID, ingestID int64) (int64, error) {
	var n int64
	err := s.db.Read.QueryRow(ctx, `SELECT COUNT(*) FROM (`+replacedRecords+`) r`, datasetID, ingestID, sluice.IngestCommitted).Scan(&n)
	return n, err
}

// ReplaceKeyed removes the records an ingest replaces by their key, before
// the ingest is made visible. Removing them twice is not an error.
func (s *RecordStore) ReplaceKeyed(ctx context.Context, ingestID int64) (int64, error) {
	var n int64
	err := s.db.writeTx(ctx, func(ctx context.Context, tx *Tx) error {
		var datasetID int64
		if err := tx.QueryRow(ctx, `SELECT dataset_id FROM record_ingests WHERE id = $1`, ingestID).Scan(&datasetID); IsNoRows(err) {
			return nil
		} else if err != nil {
			return err
		}
		var err error
		n, err = tx.Exec(ctx, `DELETE FROM records WHERE dataset_id = $1 AND id IN (`+replacedRecords+`)`, datasetID, ingestID, sluice.IngestCommitted)
		return tx.Dialect().FormatError(err)
	})
	return n, err
}
