package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// Ensure TransferStore implements the interface.
var _ sluice.TransferStore = (*TransferStore)(nil)

// TransferStore keeps transfers, their exports and the year-to-date
// counters in the control database (see sqlstore.TransferStore).
//
// An export adds its keys with INSERT … SELECT unnest($keys) ON CONFLICT
// DO NOTHING; the transaction holds the audit log's sequence lock, so
// that two exports of one org (on any replica) count one after the other.
// Counting people against a set is one index lookup per key (subject =
// ANY($keys)).
type TransferStore struct {
	*sqlstore.TransferStore
	db *DB
}

// NewTransferStore returns a TransferStore over db.
func NewTransferStore(db *DB) *TransferStore {
	return &TransferStore{TransferStore: sqlstore.NewTransferStore(db.DB), db: db}
}

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

// CountSubjects returns |union of the sets q names ∪ keys|.
func (s *TransferStore) CountSubjects(ctx context.Context, q sluice.CounterQuery, keys []string) (int64, error) {
	if err := sqlstore.CheckSortedKeys(keys); err != nil {
		return 0, err
	}
	counters := make([]int16, len(q.Counters))
	for i, name := range q.Counters {
		c, err := sqlstore.CounterIndex(name)
		if err != nil {
			return 0, err
		}
		counters[i] = int16(c)
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
		if err := tx.QueryRow(ctx, query, q.OrgID, a2, a3, sqlstore.DecodeKeys(keys[start:min(start+keysPerLookup, len(keys))])).Scan(&n); err != nil {
			return 0, err
		}
		present += n
	}
	return stored + int64(len(keys)) - present, nil
}

// addSubjects inserts keys into a counter set, keysPerStatement in one
// array; see sqlstore.Dialect.AddSubjects.
func addSubjects(ctx context.Context, tx *sqlstore.Tx, orgID int64, year, counter int, keys [][]byte) (int64, error) {
	var added int64
	for start := 0; start < len(keys); start += keysPerStatement {
		n, err := tx.Exec(ctx, `
			INSERT INTO transfer_subjects (org_id, year, counter, subject)
			SELECT $1, $2, $3, k FROM unnest($4::bytea[]) AS k
			ON CONFLICT DO NOTHING`, orgID, year, counter, keys[start:min(start+keysPerStatement, len(keys))])
		if err != nil {
			return 0, err
		}
		added += n
	}
	return added, nil
}
