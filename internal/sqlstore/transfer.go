package sqlstore

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/sluice-gateway/sluice"
)

// TransferStore keeps transfers, their exports and the year-to-date
// counters in the control database.
//
// # Counters
//
// A counter is the set of subject keys of one org, year and kind (pi or
// spi), stored as 32-byte keys under a primary key on the set and the key,
// beside its size. An export adds its keys (see Dialect.AddSubjects); the
// rows inserted are the people new to the set, and the size grows by
// exactly that in the same transaction, which is a group-commit
// transaction: two exports of one org count one after the other. The
// engines add CountSubjects, the lookup of keys against the sets, each
// its own way.
type TransferStore struct {
	db *DB
}

// NewTransferStore returns a TransferStore over db.
func NewTransferStore(db *DB) *TransferStore { return &TransferStore{db: db} }

// CounterIndex maps counter names to their stored number.
func CounterIndex(name string) (int, error) {
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
		t.CreatedAt, t.UpdatedAt = tx.Now, tx.Now
		data, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO transfers (org_id, dataset_id, status, data, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			t.OrgID, t.DatasetID, t.Status, data, tx.Dialect().Time(tx.Now), tx.Dialect().Time(tx.Now)).Scan(&t.ID); err != nil {
			return tx.Dialect().FormatError(err)
		}
		if e.Object == nil {
			e.Object = map[string]any{}
		}
		e.Object["transfer"] = t.ID
		_, err = AppendEvent(ctx, tx, e)
		return err
	})
}

// FindTransferByID returns a transfer the actor may see.
func (s *TransferStore) FindTransferByID(ctx context.Context, id int64) (*sluice.Transfer, error) {
	return findTransferByID(ctx, s.db.Read, id, false)
}

// FindTransfers returns the transfers matching filter, newest first.
func (s *TransferStore) FindTransfers(ctx context.Context, filter sluice.TransferFilter) ([]*sluice.Transfer, int, error) {
	return findTransfers(ctx, s.db.Read, filter, false)
}

func findTransferByID(ctx context.Context, q Querier, id int64, lock bool) (*sluice.Transfer, error) {
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
// update where the engine takes row locks.
func findTransfers(ctx context.Context, q Querier, filter sluice.TransferFilter, lock bool) ([]*sluice.Transfer, int, error) {
	var w where
	if orgID := sluice.OrgIDFromContext(ctx); orgID != 0 {
		w.add("org_id = $?", orgID)
	}
	if v := filter.ID; v != nil {
		w.add("id = $?", *v)
	}
	if v := filter.DatasetID; v != nil {
		w.add("dataset_id = $?", *v)
	}
	if v := filter.Status; v != nil {
		w.add("status = $?", *v)
	}
	query := `SELECT id, status, data, created_at, updated_at, COUNT(*) OVER ()
		FROM transfers WHERE ` + w.String() + ` ORDER BY id DESC`
	if lock && q.Dialect().RowLocks { // window functions cannot be locked: count is 1 here
		query = `SELECT id, status, data, created_at, updated_at, 1
		FROM transfers WHERE ` + w.String() + ` FOR UPDATE`
	} else {
		query += w.limit(q.Dialect(), filter.Limit, filter.Offset)
	}
	rows, err := q.Query(ctx, query, w.args...)
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
		if err := rows.Scan(&id, &status, &data, ScanTime(&t.CreatedAt), ScanTime(&t.UpdatedAt), &n); err != nil {
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
		t.UpdatedAt = tx.Now
		data, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE transfers SET status = $1, data = $2, updated_at = $3 WHERE id = $4`,
			t.Status, data, tx.Dialect().Time(tx.Now), t.ID); err != nil {
			return tx.Dialect().FormatError(err)
		}
		if e.Object == nil {
			e.Object = map[string]any{}
		}
		e.Object["transfer"] = t.ID
		if _, err := AppendEvent(ctx, tx, e); err != nil {
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

// CheckSortedKeys returns EINVALID unless keys are subject keys in
// strictly increasing order.
func CheckSortedKeys(keys []string) error {
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
	if err := CheckSortedKeys(keys); err != nil {
		return err
	}
	counters := make([]int, len(x.Counted))
	for i, name := range x.Counted {
		c, err := CounterIndex(name)
		if err != nil {
			return err
		}
		counters[i] = c
	}
	blobs := DecodeKeys(keys)
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
		x.CreatedAt = tx.Now
		x.SubjectSet = e.SubjectSet
		if x.EventIndex, err = AppendEvent(ctx, tx, e); err != nil {
			return err
		}
		data, err := json.Marshal(x)
		if err != nil {
			return err
		}
		return tx.Dialect().FormatError(tx.QueryRow(ctx, `
			INSERT INTO transfer_exports (transfer_id, event_idx, data, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			x.TransferID, x.EventIndex, data, tx.Dialect().Time(tx.Now)).Scan(&x.ID))
	})
}

// addSubjects adds keys to a counter set and its size, and returns how
// many were new to it.
func addSubjects(ctx context.Context, tx *Tx, orgID int64, year, counter int, keys [][]byte) (int64, error) {
	if _, err := tx.Exec(ctx, `
		INSERT INTO transfer_counters (org_id, year, counter, count) VALUES ($1, $2, $3, 0)
		ON CONFLICT (org_id, year, counter) DO NOTHING`, orgID, year, counter); err != nil {
		return 0, tx.Dialect().FormatError(err)
	}
	added, err := tx.Dialect().AddSubjects(ctx, tx, orgID, year, counter, keys)
	if err != nil {
		return 0, tx.Dialect().FormatError(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE transfer_counters SET count = count + $1 WHERE org_id = $2 AND year = $3 AND counter = $4`,
		added, orgID, year, counter); err != nil {
		return 0, tx.Dialect().FormatError(err)
	}
	return added, nil
}

// DecodeKeys returns the 32-byte form of hex subject keys.
func DecodeKeys(keys []string) [][]byte {
	buf := make([]byte, 32*len(keys))
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = buf[32*i : 32*i+32 : 32*i+32]
		hex.Decode(out[i], []byte(k))
	}
	return out
}

// TransferCounts returns an org's counters for a year.
func (s *TransferStore) TransferCounts(ctx context.Context, orgID int64, year int) (sluice.TransferCounts, error) {
	return transferCounts(ctx, s.db.Read, orgID, year)
}

func transferCounts(ctx context.Context, q Querier, orgID int64, year int) (sluice.TransferCounts, error) {
	var c sluice.TransferCounts
	rows, err := q.Query(ctx, `SELECT counter, count FROM transfer_counters WHERE org_id = $1 AND year = $2`, orgID, year)
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
	if _, err := findTransferByID(ctx, s.db.Read, transferID, false); err != nil {
		return nil, err
	}
	rows, err := s.db.Read.Query(ctx, `SELECT id, event_idx, data FROM transfer_exports WHERE transfer_id = $1 ORDER BY id`, transferID)
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
