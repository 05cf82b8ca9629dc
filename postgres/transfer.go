package postgres

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"sluice"
)

// Ensure TransferStore implements the interface.
var _ sluice.TransferStore = (*TransferStore)(nil)

// TransferStore keeps transfers, their exports and the year-to-date
// counters in the control database.
//
// # Counters
//
// A counter is the set of subject keys of one org, year and kind (pi or
// spi), stored as 32-byte keys under a primary key on the set and the
// key, beside its size. An export adds its keys with INSERT … SELECT
// unnest($keys) ON CONFLICT DO NOTHING: the rows inserted are the people
// new to the set, and the size grows by exactly that in the same
// transaction, which holds the audit log's sequence lock, so that two
// exports of one org (on any replica) count one after the other. Counting
// people against a set is one index lookup per key (subject = ANY($keys)).
type TransferStore struct {
	db *DB
}

// NewTransferStore returns a TransferStore over db.
func NewTransferStore(db *DB) *TransferStore { return &TransferStore{db: db} }

// readOnlyRepeatable is a read-only snapshot: a count and the lookups
// that follow it see the same sets.
var readOnlyRepeatable = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// Subject keys per statement: a lookup of keys sorted in one array walks
// the index in order, so the larger the array the better; an INSERT
// carries fewer, to bound the memory of one statement.
const (
	keysPerLookup    = 1 << 20
	keysPerStatement = 100000
)

// counterIndex maps counter names to their stored number.
func counterIndex(name string) (int16, error) {
	switch name {
	case sluice.CounterPI:
		return 0, nil
	case sluice.CounterSPI:
		return 1, nil
	}
	return 0, sluice.Errorf(sluice.EINVALID, "Unknown counter %q (pi or spi).", name)
}

// CreateTransfer stores t and appends its event e.
func (s *TransferStore) CreateTransfer(ctx context.Context, t *sluice.Transfer, e *sluice.Event) error {
	if err := t.Status.Validate(); err != nil {
		return err
	}
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		t.CreatedAt, t.UpdatedAt = tx.now, tx.now
		data, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO transfers (org_id, dataset_id, status, data, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
			t.OrgID, t.DatasetID, t.Status, string(data), tx.now).Scan(&t.ID); err != nil {
			return FormatError(err)
		}
		if e.Object == nil {
			e.Object = map[string]any{}
		}
		e.Object["transfer"] = t.ID
		_, err = appendEvent(ctx, tx, e)
		return err
	})
}

// FindTransferByID returns a transfer the actor may see.
func (s *TransferStore) FindTransferByID(ctx context.Context, id int64) (*sluice.Transfer, error) {
	return findTransferByID(ctx, s.db.pool, id, false)
}

// FindTransfers returns the transfers matching filter, newest first.
func (s *TransferStore) FindTransfers(ctx context.Context, filter sluice.TransferFilter) ([]*sluice.Transfer, int, error) {
	return findTransfers(ctx, s.db.pool, filter, false)
}

func findTransferByID(ctx context.Context, q dbtx, id int64, lock bool) (*sluice.Transfer, error) {
	ts, _, err := findTransfers(ctx, q, sluice.TransferFilter{ID: &id}, lock)
	if err != nil {
		return nil, err
	} else if len(ts) == 0 {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Transfer %d not found.", id)
	}
	return ts[0], nil
}

// findTransfers applies the tenant rule: an org sees only its own
// transfers; the operator sees all. With lock, the rows are locked for
// update.
func findTransfers(ctx context.Context, q dbtx, filter sluice.TransferFilter, lock bool) ([]*sluice.Transfer, int, error) {
	where, args := []string{"TRUE"}, []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if orgID := sluice.OrgIDFromContext(ctx); orgID != 0 {
		add("org_id = $%d", orgID)
	}
	if v := filter.ID; v != nil {
		add("id = $%d", *v)
	}
	if v := filter.DatasetID; v != nil {
		add("dataset_id = $%d", *v)
	}
	if v := filter.Status; v != nil {
		add("status = $%d", string(*v))
	}
	query := `SELECT id, status, data, created_at, updated_at, COUNT(*) OVER ()
		FROM transfers WHERE ` + strings.Join(where, " AND ") + ` ORDER BY id DESC` + limitClause(filter.Limit, filter.Offset)
	if lock { // window functions cannot be locked: count is 1 here
		query = `SELECT id, status, data, created_at, updated_at, 1
		FROM transfers WHERE ` + strings.Join(where, " AND ") + ` FOR UPDATE`
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*sluice.Transfer
	var n int
	for rows.Next() {
		var (
			t      sluice.Transfer
			id     int64
			status string
			data   string
		)
		if err := rows.Scan(&id, &status, &data, &t.CreatedAt, &t.UpdatedAt, &n); err != nil {
			return nil, 0, err
		}
		created, updated := t.CreatedAt.UTC(), t.UpdatedAt.UTC()
		if err := json.Unmarshal([]byte(data), &t); err != nil {
			return nil, 0, fmt.Errorf("transfer %d: %w", id, err)
		}
		t.ID, t.Status, t.CreatedAt, t.UpdatedAt = id, sluice.TransferStatus(status), created, updated
		out = append(out, &t)
	}
	return out, n, rows.Err()
}

// TransitionTransfer changes a transfer with fn and appends fn's event.
func (s *TransferStore) TransitionTransfer(ctx context.Context, id int64, fn func(t *sluice.Transfer) (*sluice.Event, error)) (*sluice.Transfer, error) {
	var out *sluice.Transfer
	err := s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		t, err := findTransferByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		e, err := fn(t)
		if err != nil {
			return err
		} else if e == nil {
			out = t
			return nil
		}
		if err := t.Status.Validate(); err != nil {
			return err
		}
		t.UpdatedAt = tx.now
		data, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE transfers SET status = $1, data = $2, updated_at = $3 WHERE id = $4`,
			string(t.Status), string(data), tx.now, t.ID); err != nil {
			return FormatError(err)
		}
		if e.Object == nil {
			e.Object = map[string]any{}
		}
		e.Object["transfer"] = t.ID
		if _, err := appendEvent(ctx, tx, e); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CountSubjects returns |union of the sets q names ∪ keys|.
func (s *TransferStore) CountSubjects(ctx context.Context, q sluice.CounterQuery, keys []string) (int64, error) {
	if err := checkSortedKeys(keys); err != nil {
		return 0, err
	}
	counters := make([]int16, len(q.Counters))
	for i, name := range q.Counters {
		c, err := counterIndex(name)
		if err != nil {
			return 0, err
		}
		counters[i] = c
	}
	if len(q.Years) == 0 || len(counters) == 0 {
		return int64(len(keys)), nil
	}
	years := make([]int32, len(q.Years))
	for i, y := range q.Years {
		years[i] = int32(y)
	}
	tx, err := s.db.pool.BeginTx(ctx, readOnlyRepeatable)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	single := len(years) == 1 && len(counters) == 1
	const set = `org_id = $1 AND year = ANY($2) AND counter = ANY($3)`
	var stored int64
	if single { // the set's size is kept; no need to count it
		err = tx.QueryRow(ctx, `SELECT COALESCE(SUM(count), 0) FROM transfer_counters WHERE `+set, q.OrgID, years, counters).Scan(&stored)
	} else {
		err = tx.QueryRow(ctx, `SELECT COUNT(DISTINCT subject) FROM transfer_subjects WHERE `+set, q.OrgID, years, counters).Scan(&stored)
	}
	if err != nil {
		return 0, err
	}
	// The keys go in through a scalar subquery, so that the planner does
	// not see how many there are: it then walks the primary key for them,
	// in order, rather than scanning the whole set and hashing them.
	query := `SELECT COUNT(DISTINCT subject) FROM transfer_subjects WHERE ` + set + ` AND subject = ANY((SELECT $4::bytea[])::bytea[])`
	var a2, a3 any = years, counters
	if single {
		query = `SELECT COUNT(*) FROM transfer_subjects WHERE org_id = $1 AND year = $2 AND counter = $3 AND subject = ANY((SELECT $4::bytea[])::bytea[])`
		a2, a3 = years[0], counters[0]
	}
	var present int64
	for start := 0; start < len(keys); start += keysPerLookup {
		var n int64
		if err := tx.QueryRow(ctx, query, q.OrgID, a2, a3, decodeKeys(keys[start:min(start+keysPerLookup, len(keys))])).Scan(&n); err != nil {
			return 0, err
		}
		present += n
	}
	return stored + int64(len(keys)) - present, nil
}

// decodeKeys returns the 32-byte form of hex subject keys.
func decodeKeys(keys []string) [][]byte {
	buf := make([]byte, 32*len(keys))
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = buf[32*i : 32*i+32 : 32*i+32]
		hex.Decode(out[i], []byte(k))
	}
	return out
}

// checkSortedKeys returns EINVALID unless keys are subject keys in
// strictly increasing order.
func checkSortedKeys(keys []string) error {
	for i, k := range keys {
		if !sluice.IsSubjectKey(k) {
			return sluice.Errorf(sluice.EINVALID, "%q is not a subject key.", k)
		}
		if i > 0 && keys[i-1] >= k {
			return sluice.Errorf(sluice.EINVALID, "Subject keys must be sorted and distinct.")
		}
	}
	return nil
}

// RecordExport counts, checks and logs an export in one transaction.
func (s *TransferStore) RecordExport(ctx context.Context, x *sluice.TransferExport, year int, keys []string, e *sluice.Event, check func(t *sluice.Transfer, x *sluice.TransferExport) error) error {
	if err := checkSortedKeys(keys); err != nil {
		return err
	}
	counters := make([]int16, len(x.Counted))
	for i, name := range x.Counted {
		c, err := counterIndex(name)
		if err != nil {
			return err
		}
		counters[i] = c
	}
	blobs := decodeKeys(keys)
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		t, err := findTransferByID(ctx, tx, x.TransferID, true)
		if err != nil {
			return err
		}
		x.Added = sluice.TransferCounts{}
		for i, c := range counters {
			added, err := addSubjects(ctx, tx, t.OrgID, year, c, blobs)
			if err != nil {
				return fmt.Errorf("count export: %w", err)
			}
			if x.Counted[i] == sluice.CounterPI {
				x.Added.PI = added
			} else {
				x.Added.SPI = added
			}
		}
		if x.YTD, err = transferCounts(ctx, tx, t.OrgID, year); err != nil {
			return err
		}
		if err := check(t, x); err != nil {
			return err
		}
		x.CreatedAt = tx.now
		x.SubjectSet = e.SubjectSet
		if x.EventIndex, err = appendEvent(ctx, tx, e); err != nil {
			return err
		}
		data, err := json.Marshal(x)
		if err != nil {
			return err
		}
		return FormatError(tx.QueryRow(ctx, `
			INSERT INTO transfer_exports (transfer_id, event_idx, data, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			x.TransferID, x.EventIndex, string(data), tx.now).Scan(&x.ID))
	})
}

// addSubjects adds keys to a counter set and its size, and returns how
// many were new to it.
func addSubjects(ctx context.Context, tx *Tx, orgID int64, year int, counter int16, keys [][]byte) (int64, error) {
	if _, err := tx.Exec(ctx, `
		INSERT INTO transfer_counters (org_id, year, counter, count) VALUES ($1, $2, $3, 0)
		ON CONFLICT (org_id, year, counter) DO NOTHING`, orgID, year, counter); err != nil {
		return 0, FormatError(err)
	}
	var added int64
	for start := 0; start < len(keys); start += keysPerStatement {
		tag, err := tx.Exec(ctx, `
			INSERT INTO transfer_subjects (org_id, year, counter, subject)
			SELECT $1, $2, $3, k FROM unnest($4::bytea[]) AS k
			ON CONFLICT DO NOTHING`, orgID, year, counter, keys[start:min(start+keysPerStatement, len(keys))])
		if err != nil {
			return 0, FormatError(err)
		}
		added += tag.RowsAffected()
	}
	if _, err := tx.Exec(ctx, `UPDATE transfer_counters SET count = count + $1 WHERE org_id = $2 AND year = $3 AND counter = $4`,
		added, orgID, year, counter); err != nil {
		return 0, FormatError(err)
	}
	return added, nil
}

// TransferCounts returns an org's counters for a year.
func (s *TransferStore) TransferCounts(ctx context.Context, orgID int64, year int) (sluice.TransferCounts, error) {
	return transferCounts(ctx, s.db.pool, orgID, year)
}

func transferCounts(ctx context.Context, q dbtx, orgID int64, year int) (sluice.TransferCounts, error) {
	var c sluice.TransferCounts
	rows, err := q.Query(ctx, `SELECT counter, count FROM transfer_counters WHERE org_id = $1 AND year = $2`, orgID, year)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var counter int16
		var n int64
		if err := rows.Scan(&counter, &n); err != nil {
			return c, err
		}
		switch counter {
		case 0:
			c.PI = n
		case 1:
			c.SPI = n
		}
	}
	return c, rows.Err()
}

// FindTransferExports returns the exports of a transfer the actor may see.
func (s *TransferStore) FindTransferExports(ctx context.Context, transferID int64) ([]*sluice.TransferExport, error) {
	if _, err := findTransferByID(ctx, s.db.pool, transferID, false); err != nil {
		return nil, err
	}
	rows, err := s.db.pool.Query(ctx, `SELECT id, event_idx, data FROM transfer_exports WHERE transfer_id = $1 ORDER BY id`, transferID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*sluice.TransferExport{}
	for rows.Next() {
		var x sluice.TransferExport
		var id, idx int64
		var data string
		if err := rows.Scan(&id, &idx, &data); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(data), &x); err != nil {
			return nil, fmt.Errorf("transfer export %d: %w", id, err)
		}
		x.ID, x.EventIndex = id, idx
		out = append(out, &x)
	}
	return out, rows.Err()
}

// ListSubjects lists the ids and subject keys of a dataset's visible
// records with id in (after, through] (through 0: no bound), at most
// limit, in id order, without reading their data: what a transfer's
// facts need (see residency.SubjectLister).
func (s *RecordStore) ListSubjects(ctx context.Context, datasetID, after, through int64, limit int) ([]int64, []string, error) {
	if through <= 0 {
		through = 1<<63 - 1
	}
	rows, err := s.db.pool.Query(ctx, `
		SELECT r.id, r.subject_key
		FROM records r JOIN record_ingests i ON i.id = r.ingest_id
		WHERE r.dataset_id = $1 AND r.id > $2 AND r.id <= $3 AND i.state = $4
		ORDER BY r.id LIMIT $5`, datasetID, after, through, sluice.IngestCommitted, limit)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	ids, keys := make([]int64, 0, limit), make([]string, 0, limit)
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, nil, err
		}
		ids, keys = append(ids, id), append(keys, key)
	}
	return ids, keys, rows.Err()
}
