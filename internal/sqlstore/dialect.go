package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A Dialect says what differs between the engines. It is a value, one per
// engine, not an interface: the statements are the same, and where an
// engine needs its own statement or its own driver call, the dialect holds
// it.
type Dialect struct {
	// Name prefixes the errors of the engine ("sqlite", "postgres").
	Name string

	// QuestionMarks rewrites the numbered parameters $N as ?N (SQLite).
	QuestionMarks bool

	// TimeText stores times as fixed-width UTC text (SQLite, which has no
	// time type); otherwise they are bound as time.Time.
	TimeText bool

	// RowLocks: the engine takes row locks with SELECT … FOR UPDATE
	// (PostgreSQL). SQLite runs one writer at a time and has none.
	RowLocks bool

	// LockExclusive locks the table $table against other writers to the
	// end of the transaction (PostgreSQL: LOCK TABLE … IN EXCLUSIVE MODE);
	// "" where one writer runs at a time (SQLite) and none is needed.
	LockExclusive string

	// BlobType is the engine's name of the type of binary strings.
	BlobType string

	// BlobSearch returns the expression that finds the position of the
	// bytes needle in the binary string haystack (1-based, 0 if absent).
	BlobSearch func(haystack, needle string) string

	// BinaryRecordKeys: the records table holds subject keys as their 32
	// bytes (PostgreSQL: BYTEA, half the size of the hex text, on every
	// record of every ingest), not as 64 hex characters (SQLite). See
	// KeyOut and KeyIn.
	BinaryRecordKeys bool

	// RecordBlocks: the engine's ingest writes records in blocks, rows of
	// the records table that hold n records each (PostgreSQL; region
	// migration 0009). See EachRecord, KeyAt and IDAt, which read a
	// block's records in SQL, and recordblock.go.
	RecordBlocks bool

	// InsertRecordIDs is the clause of an INSERT into records that writes
	// the ids given over those the id column would generate (PostgreSQL:
	// " OVERRIDING SYSTEM VALUE"; "" for SQLite).
	InsertRecordIDs string

	// OneWriter: the engine runs one write transaction at a time (SQLite),
	// so even writes of one statement queue in Update.
	OneWriter bool

	// LimitAll is the LIMIT clause that takes every row, for an OFFSET
	// without a limit where the engine needs one (SQLite: " LIMIT -1").
	LimitAll string

	// FormatError translates the driver's errors into sluice errors where
	// a user can act on them; others pass through unchanged.
	FormatError func(error) error

	// AppendEvent inserts an audit event's row (its public entry, event
	// and salt), and its packed subject keys unless nil, at the next index
	// of the log, and returns that index. The log's sequencing is the
	// engine's: SQLite has one writer; PostgreSQL hands out indexes from a
	// locked row.
	AppendEvent func(ctx context.Context, tx *Tx, row EventRow) (int64, error)

	// BatchLock, if set, is run at the start of every group-commit
	// transaction of a control store (see DB.Update): it locks the log's
	// sequence to the commit and returns the log's next index.
	BatchLock string

	// NextIndex returns the log's next index where there is no BatchLock
	// (SQLite: one past the largest, under the one writer's lock).
	NextIndex string

	// EndBatch, if set, stores the log's next index ($1) at the end of a
	// group-commit transaction that appended events.
	EndBatch string

	// InsertEvents returns the statements that insert events at their
	// indexes (EventRow.Index), with their packed subject keys where not
	// nil, within Update. They copy what they need of rows.
	InsertEvents func(rows []EventRow) []Stmt

	// CopyRows loads rows into a table within tx: COPY through the
	// driver, or prepared statements of many rows each. rows(i) returns
	// row i of n; the slice may be reused.
	CopyRows func(ctx context.Context, tx *Tx, table string, columns []string, n int, rows func(i int) []any) error

	// AddSubjects inserts 32-byte subject keys into a counter set of the
	// transfer_subjects table, skipping those in it, and returns how many
	// it inserted.
	AddSubjects func(ctx context.Context, tx *Tx, orgID int64, year, counter int, keys [][]byte) (int64, error)

	rebound   sync.Map // query → rewritten query
	nRebound  int
	reboundMu sync.Mutex
}

// maxRebound bounds the rewritten queries a dialect keeps. Statements are
// built from fixed parts, so the number of distinct ones is small; a
// statement beyond the bound is rewritten on every call.
const maxRebound = 4096

// Rebind returns query with its parameters in the engine's style. The
// rewritten form is kept, so that a statement is rewritten once.
func (d *Dialect) Rebind(query string) string {
	if !d.QuestionMarks {
		return query
	}
	if q, ok := d.rebound.Load(query); ok {
		return q.(string)
	}
	q := questionMarks(query)
	d.reboundMu.Lock()
	if d.nRebound < maxRebound {
		d.nRebound++
		d.rebound.Store(query, q)
	}
	d.reboundMu.Unlock()
	return q
}

// questionMarks rewrites $N as ?N outside quoted text. SQLite's ?N is the
// N-th argument, as $N is in PostgreSQL, so the arguments stay as they
// are.
func questionMarks(query string) string {
	b := []byte(query)
	var quote byte
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '$' && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '9':
			b[i] = '?'
		}
	}
	return string(b)
}

// KeyOut returns the expression that reads the records.subject_key column
// col as a subject key: 64 lower-case hex characters.
func (d *Dialect) KeyOut(col string) string {
	if d.BinaryRecordKeys {
		return "encode(" + col + ", 'hex')"
	}
	return col
}

// KeyIn returns the expression that binds the parameter p, a subject key,
// for comparison with or storage in records.subject_key.
func (d *Dialect) KeyIn(p string) string {
	if d.BinaryRecordKeys {
		return "decode(" + p + ", 'hex')"
	}
	return p
}

// EachRecord returns the join that makes a row of the records table
// aliased r one row per record it holds, for KeyAt and IDAt ("" where
// each row holds one record).
func (d *Dialect) EachRecord(r string) string {
	if d.RecordBlocks {
		return " CROSS JOIN LATERAL generate_series(0, " + r + ".n - 1) " + r + "_k(k)"
	}
	return ""
}

// KeyAt returns the expression of the stored subject key of the record of
// EachRecord's row (as stored: read it as a key with KeyOut).
func (d *Dialect) KeyAt(r string) string {
	if d.RecordBlocks {
		return "substring(" + r + ".subject_key from " + r + "_k.k * 32 + 1 for 32)"
	}
	return r + ".subject_key"
}

// IDAt returns the expression of the id of the record of EachRecord's
// row.
func (d *Dialect) IDAt(r string) string {
	if d.RecordBlocks {
		return "(" + r + ".id + " + r + "_k.k)"
	}
	return r + ".id"
}

// ForUpdate returns " "+clause where the engine takes row locks, "" where
// it does not: clause is FOR UPDATE or a variant of it.
func (d *Dialect) ForUpdate(clause string) string {
	if !d.RowLocks {
		return ""
	}
	return " " + clause
}

// timeText is how TimeText engines store a time: RFC 3339 in UTC with all
// nine digits of nanoseconds, so that text order is time order.
const timeText = "2006-01-02T15:04:05.000000000Z"

// FormatTimeText returns t in the fixed-width text form.
func FormatTimeText(t time.Time) string { return t.UTC().Format(timeText) }

// Time returns the value to bind for t.
func (d *Dialect) Time(t time.Time) any {
	if d.TimeText {
		return FormatTimeText(t)
	}
	return t
}

// NullTime returns the value to bind for an optional time, NULL for nil.
func (d *Dialect) NullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.Time(*t)
}

// A where collects the conditions and the arguments of a statement. In a
// condition, each $? stands for the argument given with it.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, v any) {
	w.args = append(w.args, v)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(w.args))))
}

// String returns the conditions joined with AND, TRUE if there are none.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return "TRUE"
	}
	return strings.Join(w.conds, " AND ")
}

// limit adds the arguments of a LIMIT/OFFSET clause and returns the
// clause, "" when neither is set. The numbers are arguments, not text, so
// that the statement's text does not change with them.
func (w *where) limit(d *Dialect, limit, offset int) string {
	s := ""
	switch {
	case limit > 0:
		w.args = append(w.args, limit)
		s = " LIMIT $" + strconv.Itoa(len(w.args))
	case offset > 0:
		s = d.LimitAll
	}
	if offset > 0 {
		w.args = append(w.args, offset)
		s += " OFFSET $" + strconv.Itoa(len(w.args))
	}
	return s
}
