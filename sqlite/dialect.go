package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// dialect is what SQLite does its own way: ?N parameters, times as
// fixed-width text, no row locks (one writer at a time), the log's index
// as the events table's rowid, and bulk loads as prepared statements of
// many rows.
var dialect = &sqlstore.Dialect{
	Name:          "sqlite",
	QuestionMarks: true,
	TimeText:      true,
	OneWriter:     true,
	LimitAll:      " LIMIT -1",
	BlobType:      "BLOB",
	BlobSearch:    func(haystack, needle string) string { return "instr(" + haystack + ", " + needle + ")" },
	FormatError:   FormatError,
	AppendEvent:   appendEventRow,
	CopyRows:      copyRows,
	AddSubjects:   addSubjects,
}

// sqlTx returns the database/sql transaction under tx, and the context
// its statements run with.
func sqlTx(ctx context.Context, tx *sqlstore.Tx) (execer, context.Context) {
	if tx.Batched {
		ctx = context.WithoutCancel(ctx)
	}
	return tx.Raw().(rawTx).q, ctx
}

// appendEventRow inserts an event at the next index. One writer at a time
// appends, so the next index is one past the largest.
func appendEventRow(ctx context.Context, tx *sqlstore.Tx, row sqlstore.EventRow) (int64, error) {
	q, ctx := sqlTx(ctx, tx)
	// idx is the table's rowid: Exec and LastInsertId cost less than
	// RETURNING, and this runs once per change. data is the public entry.
	res, err := q.ExecContext(ctx, `INSERT INTO events (idx, data, event, salt) VALUES ((SELECT COALESCE(MAX(idx) + 1, 0) FROM events), ?, ?, ?)`,
		row.Leaf, row.Event, row.Salt)
	if err != nil {
		return 0, err
	}
	idx, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if row.Keys != nil {
		if _, err := q.ExecContext(ctx, `INSERT INTO event_subject_sets (idx, keys) VALUES (?, ?)`, idx, row.Keys); err != nil {
			return 0, err
		}
	}
	return idx, nil
}

// preparer is what *sql.Tx and Tx have beside execer.
type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

var errNotTx = errors.New("sqlite: bulk load outside a transaction")

// copyParams is how many parameters one statement of copyRows carries:
// one statement per row would spend more time crossing into SQLite than
// SQLite spends storing the row.
const copyParams = 512

// copyRows inserts rows with prepared statements of copyParams/len(columns)
// rows each.
func copyRows(ctx context.Context, tx *sqlstore.Tx, table string, columns []string, n int, row func(i int) []any) error {
	q, ctx := sqlTx(ctx, tx)
	stx, ok := q.(preparer)
	if !ok {
		return errNotTx
	}
	per := max(copyParams/len(columns), 1)
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	prepare := func(rows int) (*sql.Stmt, error) {
		return stx.PrepareContext(ctx, `INSERT INTO `+table+` (`+strings.Join(columns, ", ")+`) VALUES `+
			strings.TrimSuffix(strings.Repeat(tuple+", ", rows), ", "))
	}
	args := make([]any, 0, per*len(columns))
	var full *sql.Stmt
	for i := 0; i < n; {
		rows := min(n-i, per)
		stmt := full
		if rows < per || full == nil {
			var err error
			if stmt, err = prepare(rows); err != nil {
				return err
			}
			if rows == per {
				full = stmt
			}
			defer stmt.Close()
		}
		args = args[:0]
		for j := i; j < i+rows; j++ {
			args = append(args, row(j)...)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
		i += rows
	}
	return nil
}
