package sqlite

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// Ensure TransferStore implements the interface.
var _ sluice.TransferStore = (*TransferStore)(nil)

// TransferStore keeps transfers, their exports and the year-to-date
// counters in the control database (see sqlstore.TransferStore).
//
// The counter sets are WITHOUT ROWID tables. An export adds its keys with
// INSERT OR IGNORE, sorted, a few hundred rows a statement. Counting people
// against a set looks the keys up, sorted, a few hundred at a time: sorted
// lookups walk the tree in order, and cost about a third of random ones on
// a large set.
type TransferStore struct {
	*sqlstore.TransferStore
	db *DB
}

// NewTransferStore returns a TransferStore over db.
func NewTransferStore(db *DB) *TransferStore {
	return &TransferStore{TransferStore: sqlstore.NewTransferStore(db.DB), db: db}
}

// keysPerStatement is how many subject keys one INSERT or lookup carries.
const keysPerStatement = 500

// CountSubjects returns |union of the sets q names ∪ keys|.
func (s *TransferStore) CountSubjects(ctx context.Context, q sluice.CounterQuery, keys []string) (int64, error) {
	if err := sqlstore.CheckSortedKeys(keys); err != nil {
		return 0, err
	}
	counters := make([]string, len(q.Counters))
	for i, name := range q.Counters {
		c, err := sqlstore.CounterIndex(name)
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
func lookupKeys(ctx context.Context, q execer, query string, args []any, keys []string) (int64, error) {
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

// addSubjects inserts keys into a counter set with INSERT OR IGNORE,
// keysPerStatement rows a statement; see sqlstore.Dialect.AddSubjects.
func addSubjects(ctx context.Context, tx *sqlstore.Tx, orgID int64, year, counter int, keys [][]byte) (int64, error) {
	q, ctx, err := sqlTx(ctx, tx)
	if err != nil {
		return 0, err
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
	stmt, err := q.(preparer).PrepareContext(ctx, insert(keysPerStatement))
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	var added int64
	args := make([]any, 3, 3+keysPerStatement)
	args[0], args[1], args[2] = orgID, year, counter
	for start := 0; start < len(keys); start += keysPerStatement {
		chunk := keys[start:min(start+keysPerStatement, len(keys))]
		a := args[:3]
		for _, k := range chunk {
			a = append(a, k)
		}
		var n int64
		if len(chunk) == keysPerStatement {
			res, err := stmt.ExecContext(ctx, a...)
			if err != nil {
				return 0, err
			}
			n, err = res.RowsAffected()
			if err != nil {
				return 0, err
			}
		} else {
			res, err := q.ExecContext(ctx, insert(len(chunk)), a...)
			if err != nil {
				return 0, err
			}
			if n, err = res.RowsAffected(); err != nil {
				return 0, err
			}
		}
		added += n
	}
	return added, nil
}
