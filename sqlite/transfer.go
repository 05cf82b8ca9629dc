package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

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
// spi), stored as 32-byte keys in a WITHOUT ROWID table whose primary key
// is the set and the key, beside its size. An export adds its keys with
// INSERT OR IGNORE, sorted, a few hundred rows a statement; the rows
// inserted are the people new to the set, and the size grows by exactly
// that in the same transaction. Counting people against a set looks the
// keys up, sorted, a few hundred at a time: sorted lookups walk the tree
// in order, and cost about a third of random ones on a large set.
type TransferStore struct {
	db *DB
}

// NewTransferStore returns a TransferStore over db.
func NewTransferStore(db *DB) *TransferStore { return &TransferStore{db: db} }

// keysPerStatement is how many subject keys one INSERT or lookup carries.
const keysPerStatement = 500

// counterIndex maps counter names to their stored number.
func counterIndex(name string) (int, error) {
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
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO transfers (org_id, dataset_id, status, data, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			t.OrgID, t.DatasetID, t.Status, data, formatTime(tx.now), formatTime(tx.now)).Scan(&t.ID); err != nil {
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
	return findTransferByID(ctx, s.db.rdb, id)
}

// FindTransfers returns the transfers matching filter, newest first.
func (s *TransferStore) FindTransfers(ctx context.Context, filter sluice.TransferFilter) ([]*sluice.Transfer, int, error) {
	return findTransfers(ctx, s.db.rdb, filter)
}

func findTransferByID(ctx context.Context, q dbtx, id int64) (*sluice.Transfer, error) {
	ts, _, err := findTransfers(ctx, q, sluice.TransferFilter{ID: &id})
	if err != nil {
		return nil, err
	} else if len(ts) == 0 {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Transfer %d not found.", id)
	}
	return ts[0], nil
}

// findTransfers applies the tenant rule: an org sees only its own
// transfers; the operator sees all.
func findTransfers(ctx context.Context, q dbtx, filter sluice.TransferFilter) ([]*sluice.Transfer, int, error) {
	where, args := []string{"1 = 1"}, []any{}
	if orgID := sluice.OrgIDFromContext(ctx); orgID != 0 {
		where, args = append(where, "org_id = ?"), append(args, orgID)
	}
	if v := filter.ID; v != nil {
		where, args = append(where, "id = ?"), append(args, *v)
	}
	if v := filter.DatasetID; v != nil {
		where, args = append(where, "dataset_id = ?"), append(args, *v)
	}
	if v := filter.Status; v != nil {
		where, args = append(where, "status = ?"), append(args, *v)
	}
	rows, err := q.QueryContext(ctx, `
		SELECT id, status, data, created_at, updated_at, COUNT(*) OVER ()
		FROM transfers WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC`+limitClause(filter.Limit, filter.Offset), args...)
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
			status sluice.TransferStatus
			data   []byte
		)
		if err := rows.Scan(&id, &status, &data, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt}, &n); err != nil {
			return nil, 0, err
		}
		created, updated := t.CreatedAt, t.UpdatedAt
		if err := json.Unmarshal(data, &t); err != nil {
			return nil, 0, fmt.Errorf("transfer %d: %w", id, err)
		}
		t.ID, t.Status, t.CreatedAt, t.UpdatedAt = id, status, created, updated
		out = append(out, &t)
	}
	return out, n, rows.Err()
}

// TransitionTransfer changes a transfer with fn and appends fn's event.
func (s *TransferStore) TransitionTransfer(ctx context.Context, id int64, fn func(t *sluice.Transfer) (*sluice.Event, error)) (*sluice.Transfer, error) {
	var out *sluice.Transfer
	err := s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		t, err := findTransferByID(ctx, tx, id)
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
		if _, err := tx.ExecContext(ctx, `UPDATE transfers SET status = ?, data = ?, updated_at = ? WHERE id = ?`,
			t.Status, data, formatTime(tx.now), t.ID); err != nil {
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
	counters := make([]string, len(q.Counters))
	for i, name := range q.Counters {
		c, err := counterIndex(name)
		if err != nil {
			return 0, err
		}
		counters[i] = strconv.Itoa(c)
	}
	if len(q.Years) == 0 || len(counters) == 0 {
		return int64(len(keys)), nil
	}
	years := make([]string, len(q.Years))
	for i, y := range q.Years {
		years[i] = strconv.Itoa(y)
	}
	set := `org_id = ? AND year IN (` + strings.Join(years, ",") + `) AND counter IN (` + strings.Join(counters, ",") + `)`
	tx, err := s.db.readTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	single := len(q.Years) == 1 && len(counters) == 1
	var stored int64
	if single { // the set's size is kept; no need to count it
		err = tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(count), 0) FROM transfer_counters WHERE `+set, q.OrgID).Scan(&stored)
	} else {
		err = tx.QueryRowContext(ctx, `SELECT COUNT(DISTINCT subject) FROM transfer_subjects WHERE `+set, q.OrgID).Scan(&stored)
	}
	if err != nil {
		return 0, err
	}
	count := `COUNT(*)`
	if !single {
		count = `COUNT(DISTINCT subject)`
	}
	present, err := lookupKeys(ctx, tx, `SELECT `+count+` FROM transfer_subjects WHERE `+set+` AND subject IN `, []any{q.OrgID}, keys)
	if err != nil {
		return 0, err
	}
	return stored + int64(len(keys)) - present, nil
}

// lookupKeys runs query (which ends in "IN ") over keys, keysPerStatement
// at a time, and sums the counts it returns.
func lookupKeys(ctx context.Context, q dbtx, query string, args []any, keys []string) (int64, error) {
	var total int64
	full := query + placeholders(keysPerStatement)
	for start := 0; start < len(keys); start += keysPerStatement {
		chunk := keys[start:min(start+keysPerStatement, len(keys))]
		text := full
		if len(chunk) < keysPerStatement {
			text = query + placeholders(len(chunk))
		}
		a := append([]any(nil), args...)
		for _, k := range chunk {
			b, _ := hex.DecodeString(k)
			a = append(a, b)
		}
		var n int64
		if err := q.QueryRowContext(ctx, text, a...).Scan(&n); err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
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
	counters := make([]int, len(x.Counted))
	for i, name := range x.Counted {
		c, err := counterIndex(name)
		if err != nil {
			return err
		}
		counters[i] = c
	}
	blobs := make([]any, len(keys))
	for i, k := range keys {
		blobs[i], _ = hex.DecodeString(k)
	}
	return s.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		t, err := findTransferByID(ctx, tx, x.TransferID)
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
		return FormatError(tx.QueryRowContext(ctx, `
			INSERT INTO transfer_exports (transfer_id, event_idx, data, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			x.TransferID, x.EventIndex, data, formatTime(tx.now)).Scan(&x.ID))
	})
}

// addSubjects adds keys to a counter set and its size, and returns how
// many were new to it.
func addSubjects(ctx context.Context, tx *Tx, orgID int64, year, counter int, keys []any) (int64, error) {
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO transfer_counters (org_id, year, counter, count) VALUES (?, ?, ?, 0)`,
		orgID, year, counter); err != nil {
		return 0, FormatError(err)
	}
	insert := func(n int) string {
		var b strings.Builder
		b.WriteString(`INSERT OR IGNORE INTO transfer_subjects (org_id, year, counter, subject) VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(?1, ?2, ?3, ?%d)", i+4)
		}
		return b.String()
	}
	stmt, err := tx.PrepareContext(ctx, insert(keysPerStatement))
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	var added int64
	args := make([]any, 3, 3+keysPerStatement)
	args[0], args[1], args[2] = orgID, year, counter
	for start := 0; start < len(keys); start += keysPerStatement {
		chunk := keys[start:min(start+keysPerStatement, len(keys))]
		a := append(args[:3], chunk...)
		var res sql.Result
		if len(chunk) == keysPerStatement {
			res, err = stmt.ExecContext(ctx, a...)
		} else {
			res, err = tx.ExecContext(ctx, insert(len(chunk)), a...)
		}
		if err != nil {
			return 0, FormatError(err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		added += n
	}
	if _, err := tx.ExecContext(ctx, `UPDATE transfer_counters SET count = count + ? WHERE org_id = ? AND year = ? AND counter = ?`,
		added, orgID, year, counter); err != nil {
		return 0, FormatError(err)
	}
	return added, nil
}

// TransferCounts returns an org's counters for a year.
func (s *TransferStore) TransferCounts(ctx context.Context, orgID int64, year int) (sluice.TransferCounts, error) {
	return transferCounts(ctx, s.db.rdb, orgID, year)
}

func transferCounts(ctx context.Context, q dbtx, orgID int64, year int) (sluice.TransferCounts, error) {
	var c sluice.TransferCounts
	rows, err := q.QueryContext(ctx, `SELECT counter, count FROM transfer_counters WHERE org_id = ? AND year = ?`, orgID, year)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var counter int
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
	if _, err := findTransferByID(ctx, s.db.rdb, transferID); err != nil {
		return nil, err
	}
	rows, err := s.db.rdb.QueryContext(ctx, `SELECT id, event_idx, data FROM transfer_exports WHERE transfer_id = ? ORDER BY id`, transferID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*sluice.TransferExport{}
	for rows.Next() {
		var x sluice.TransferExport
		var id, idx int64
		var data []byte
		if err := rows.Scan(&id, &idx, &data); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &x); err != nil {
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
	rows, err := s.db.rdb.QueryContext(ctx, `
		SELECT r.id, r.subject_key
		FROM records r JOIN record_ingests i ON i.id = r.ingest_id
		WHERE r.dataset_id = ? AND r.id > ? AND r.id <= ? AND i.state = ?
		ORDER BY r.id LIMIT ?`, datasetID, after, through, sluice.IngestCommitted, limit)
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
