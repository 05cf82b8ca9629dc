package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// dialect is what PostgreSQL does its own way: row and table locks (of
// replicas starting together, one does a one-off change, the others wait
// for it), the log's index handed out from the locked event_seq row, and
// bulk loads with COPY.
var dialect = &sqlstore.Dialect{
	Name:             "postgres",
	RowLocks:         true,
	LockExclusive:    `LOCK TABLE $table IN EXCLUSIVE MODE`,
	BlobType:         "BYTEA",
	BlobSearch:       func(haystack, needle string) string { return "position(" + needle + "::bytea IN " + haystack + ")" },
	FormatError:      FormatError,
	AppendEvent:      appendEventRow,
	BinaryRecordKeys: true,
	RecordBlocks:     true,
	InsertRecordIDs:  " OVERRIDING SYSTEM VALUE",
	BatchLock:        `SELECT next FROM event_seq FOR UPDATE`,
	EndBatch:         `UPDATE event_seq SET next = $1`,
	InsertEvents:     insertEvents,
	CopyRows:         copyRows,
	AddSubjects:      addSubjects,
}

// appendEventRow takes the next index from the event_seq row, whose lock
// is held to the end of tx, and inserts the event and its subject keys:
// one round trip.
func appendEventRow(ctx context.Context, tx *sqlstore.Tx, row sqlstore.EventRow) (int64, error) {
	if !tx.Batched {
		// Update takes the sequence lock before any other: appending from
		// another transaction could deadlock with it.
		return 0, errors.New("postgres: audit events must be appended within Update")
	}
	// data is the public entry.
	q := `
		WITH seq AS (UPDATE event_seq SET next = next + 1 RETURNING next - 1 AS idx)
		INSERT INTO events (idx, data, event, salt) SELECT idx, $1, $2, $3 FROM seq RETURNING idx`
	args := []any{row.Leaf, row.Event, row.Salt}
	if row.Keys != nil {
		q = `
			WITH seq AS (UPDATE event_seq SET next = next + 1 RETURNING next - 1 AS idx),
			ev AS (INSERT INTO events (idx, data, event, salt) SELECT idx, $1, $2, $3 FROM seq RETURNING idx),
			subjects AS (INSERT INTO event_subject_sets (idx, keys) SELECT idx, $4 FROM ev)
			SELECT idx FROM ev`
		args = append(args, row.Keys)
	}
	var idx int64
	err := tx.QueryRow(ctx, q, args...).Scan(&idx)
	return idx, err
}

// insertEvents inserts the events of a group-commit transaction, and
// their subject keys, with one statement each whatever their number: the
// rows go as arrays, so the statements' text, and the prepared statements
// the connection keeps, stay the same.
func insertEvents(rows []sqlstore.EventRow) []sqlstore.Stmt {
	if len(rows) == 0 {
		return nil
	}
	idx := make([]int64, len(rows))
	data := make([][]byte, len(rows))
	event := make([][]byte, len(rows))
	salt := make([][]byte, len(rows))
	var kidx []int64
	var keys [][]byte
	for i, r := range rows {
		idx[i], data[i], event[i], salt[i] = r.Index, r.Leaf, r.Event, r.Salt
		if r.Keys != nil {
			kidx, keys = append(kidx, r.Index), append(keys, r.Keys)
		}
	}
	stmts := []sqlstore.Stmt{{
		SQL:  `INSERT INTO events (idx, data, event, salt) SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::bytea[])`,
		Args: []any{idx, data, event, salt},
	}}
	if len(kidx) > 0 {
		stmts = append(stmts, sqlstore.Stmt{
			SQL:  `INSERT INTO event_subject_sets (idx, keys) SELECT * FROM unnest($1::bigint[], $2::bytea[])`,
			Args: []any{kidx, keys},
		})
	}
	return stmts
}

// copyRows loads rows with COPY.
func copyRows(ctx context.Context, tx *sqlstore.Tx, table string, columns []string, n int, row func(i int) []any) error {
	if tx.Batched {
		ctx = context.WithoutCancel(ctx)
	}
	if err := tx.Sync(ctx); err != nil {
		return err
	}
	_, err := tx.Raw().(rawTx).tx.CopyFrom(ctx, pgx.Identifier{table}, columns,
		pgx.CopyFromSlice(n, func(i int) ([]any, error) { return row(i), nil }))
	return err
}
