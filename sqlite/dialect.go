package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	NextIndex:     `SELECT COALESCE(MAX(idx) + 1, 0) FROM events`,
	InsertEvents:  insertEvents,
	CopyRows:      copyRows,
	AddSubjects:   addSubjects,
}

// sqlTx returns the database/sql transaction under tx, and the context
// its statements run with, once what tx holds back is written.
func sqlTx(ctx context.Context, tx *sqlstore.Tx) (execer, context.Context, error) {
	if tx.Batched {
		ctx = context.WithoutCancel(ctx)
	}
	return tx.Raw().(rawTx).q, ctx, tx.Sync(ctx)
}

// eventsPerStatement is how many events insertEvents puts in one
// statement: 4 parameters each, within copyParams.
const eventsPerStatement = copyParams / 4

// insertEvents inserts the events of a group-commit transaction, and
// their subject keys, eventsPerStatement rows a statement.
func insertEvents(rows []sqlstore.EventRow) []sqlstore.Stmt {
	var stmts []sqlstore.Stmt
	for len(rows) > 0 {
		n := min(len(rows), eventsPerStatement)
		var ev, sets strings.Builder
		ev.WriteString(`INSERT INTO events (idx, data, event, salt) VALUES `)
		args := make([]any, 0, 4*n)
		var setArgs []any
		for i, r := range rows[:n] {
			if i > 0 {
				ev.WriteString(", ")
			}
			fmt.Fprintf(&ev, "($%d, $%d, $%d, $%d)", 4*i+1, 4*i+2, 4*i+3, 4*i+4)
			args = append(args, r.Index, r.Leaf, r.Event, r.Salt)
			if r.Keys != nil {
				if len(setArgs) == 0 {
					sets.WriteString(`INSERT INTO event_subject_sets (idx, keys) VALUES `)
				} else {
					sets.WriteString(", ")
				}
				fmt.Fprintf(&sets, "($%d, $%d)", len(setArgs)+1, len(setArgs)+2)
				setArgs = append(setArgs, r.Index, r.Keys)
			}
		}
		stmts = append(stmts, sqlstore.Stmt{SQL: ev.String(), Args: args})
		if len(setArgs) > 0 {
			stmts = append(stmts, sqlstore.Stmt{SQL: sets.String(), Args: setArgs})
		}
		rows = rows[n:]
	}
	return stmts
}

// appendEventRow inserts an event at the next index. One writer at a time
// appends, so the next index is one past the largest.
func appendEventRow(ctx context.Context, tx *sqlstore.Tx, row sqlstore.EventRow) (int64, error) {
	q, ctx, err := sqlTx(ctx, tx)
	if err != nil {
		return 0, err
	}
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
	q, ctx, err := sqlTx(ctx, tx)
	if err != nil {
		return err
	}
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
