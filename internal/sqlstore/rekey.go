package sqlstore

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
)

// subjectScopeVersion is the version subject_key_scope records once every
// stored subject key is org-scoped.
const subjectScopeVersion = 1

// A SubjectRescoper turns the subject keys stored in the control database
// (consents, transfer subjects, the subject sets beside audit events) from
// server-wide into org-scoped keys, once (see sluice.SubjectScoper).
type SubjectRescoper struct{ db *DB }

// NewSubjectRescoper returns a SubjectRescoper over control database db.
func NewSubjectRescoper(db *DB) *SubjectRescoper { return &SubjectRescoper{db: db} }

// DatasetOrgs returns the owner org of every dataset.
func (r *SubjectRescoper) DatasetOrgs(ctx context.Context) (map[int64]int64, error) {
	return readPairs(ctx, r.db.Read, `SELECT id, org_id FROM datasets`)
}

// RescopeSubjectKeys rescopes the control database's subject keys in one
// transaction that also appends one audit event (if anything was stored
// before) counting what changed, records that with the records counted in
// records (rescoped in the region stores). It does nothing and returns
// false if the keys are org-scoped already.
func (r *SubjectRescoper) RescopeSubjectKeys(ctx context.Context, sc *sluice.SubjectScoper, records int64, logger *slog.Logger) (done bool, err error) {
	err = r.db.Update(ctx, func(ctx context.Context, tx *Tx) error {
		// Replicas starting together: one rescopes, the others wait for it
		// and then find the marker.
		if err := lockExclusive(ctx, tx, "subject_key_scope"); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM subject_key_scope`).Scan(&n); err != nil {
			return err
		} else if n > 0 {
			return nil
		}
		done = true
		var events int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM events`).Scan(&events); err != nil {
			return err
		}
		consents, err := rescopeConsents(ctx, tx, sc)
		if err != nil {
			return fmt.Errorf("consents: %w", err)
		}
		transfer, err := rescopeTransferSubjects(ctx, tx, sc)
		if err != nil {
			return fmt.Errorf("transfer subjects: %w", err)
		}
		sets, unscoped, err := rescopeSubjectSets(ctx, tx, sc)
		if err != nil {
			return fmt.Errorf("subject sets: %w", err)
		}
		if unscoped > 0 {
			logger.WarnContext(ctx, "audit entries whose org could not be told keep server-wide subject keys", slog.Int64("entries", unscoped))
		}
		if err := markScoped(ctx, tx); err != nil {
			return err
		}
		if events == 0 || records+consents+transfer+sets+unscoped == 0 {
			return nil // nothing was ever keyed server-wide
		}
		_, err = AppendEvent(ctx, tx, &sluice.Event{
			Action: sluice.ActionSubjectKeysRescope,
			Details: map[string]any{
				"records": records, "consents": consents, "transfer_subjects": transfer,
				"subject_sets": sets, "subject_sets_unscoped": unscoped, "version": subjectScopeVersion,
			},
		})
		return err
	})
	return done, err
}

// lockExclusive locks table against other writers to the end of tx,
// where the engine has several (see Dialect.LockExclusive).
func lockExclusive(ctx context.Context, tx *Tx, table string) error {
	if tx.Dialect().LockExclusive == "" {
		return nil
	}
	_, err := tx.Exec(ctx, strings.ReplaceAll(tx.Dialect().LockExclusive, "$table", table))
	return err
}

// markScoped records that every subject key of the database is org-scoped.
func markScoped(ctx context.Context, tx *Tx) error {
	_, err := tx.Exec(ctx, `INSERT INTO subject_key_scope (one, version) VALUES (TRUE, $1)`, subjectScopeVersion)
	return err
}

func rescopeConsents(ctx context.Context, tx *Tx, sc *sluice.SubjectScoper) (int64, error) {
	rows, err := tx.Query(ctx, `SELECT id, org_id, subject_key FROM consents`)
	if err != nil {
		return 0, err
	}
	type row struct {
		id, org int64
		key     string
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.org, &r.key); err != nil {
			rows.Close()
			return 0, err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, r := range all {
		if k := sc.Scope(r.org, r.key); k != "" {
			if _, err := tx.Exec(ctx, `UPDATE consents SET subject_key = $1 WHERE id = $2`, k, r.id); err != nil {
				return 0, err
			}
		}
	}
	return int64(len(all)), nil
}

func rescopeTransferSubjects(ctx context.Context, tx *Tx, sc *sluice.SubjectScoper) (int64, error) {
	rows, err := tx.Query(ctx, `SELECT org_id, year, counter, subject FROM transfer_subjects`)
	if err != nil {
		return 0, err
	}
	type row struct {
		org           int64
		year, counter int
		subject       []byte
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.org, &r.year, &r.counter, &r.subject); err != nil {
			rows.Close()
			return 0, err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM transfer_subjects`); err != nil {
		return 0, err
	}
	for _, r := range all {
		subject := r.subject
		if len(subject) == auditlog.KeySize {
			subject = sc.ScopeBytes(r.org, subject)
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO transfer_subjects (org_id, year, counter, subject) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, r.org, r.year, r.counter, subject); err != nil {
			return 0, err
		}
	}
	return int64(len(all)), nil
}

// rescopeSubjectSets rescopes the set beside each event whose org it can
// tell, keeping the old keys beside the new, and empties the index by key
// for the indexer to rebuild.
func rescopeSubjectSets(ctx context.Context, tx *Tx, sc *sluice.SubjectScoper) (sets, unscoped int64, err error) {
	x, err := readOrgIndex(ctx, tx)
	if err != nil {
		return 0, 0, err
	}
	for next := int64(-1); ; {
		var idx int64
		var keys, event []byte
		err := tx.QueryRow(ctx, `
			SELECT s.idx, s.keys, COALESCE(e.event, e.data) FROM event_subject_sets s JOIN events e ON e.idx = s.idx
			WHERE s.idx > $1 ORDER BY s.idx LIMIT 1`, next).Scan(&idx, &keys, &event)
		if IsNoRows(err) {
			break
		} else if err != nil {
			return 0, 0, err
		}
		next = idx
		org, ok := x.EventOrg(event)
		if !ok {
			unscoped++
			continue
		}
		scoped, legacy, err := auditlog.RescopeSet(keys, func(old []byte) []byte { return sc.ScopeBytes(org, old) })
		if err != nil {
			return 0, 0, err
		}
		if _, err := tx.Exec(ctx, `UPDATE event_subject_sets SET keys = $1, legacy_keys = $2 WHERE idx = $3`, scoped, legacy, idx); err != nil {
			return 0, 0, err
		}
		sets++
	}
	if _, err := tx.Exec(ctx, `DELETE FROM event_subject_index`); err != nil {
		return 0, 0, err
	}
	_, err = tx.Exec(ctx, `UPDATE subject_index_state SET next = 0`)
	return sets, unscoped, err
}

// readOrgIndex reads what tells which org's keys an event holds.
func readOrgIndex(ctx context.Context, q Querier) (*auditlog.OrgIndex, error) {
	var x auditlog.OrgIndex
	var err error
	if x.Datasets, err = readPairs(ctx, q, `SELECT id, org_id FROM datasets`); err != nil {
		return nil, err
	}
	if x.Transfers, err = readPairs(ctx, q, `SELECT id, org_id FROM transfers`); err != nil {
		return nil, err
	}
	x.Orgs = map[string]int64{}
	rows, err := q.Query(ctx, `SELECT name, id FROM orgs`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var id int64
		if err := rows.Scan(&name, &id); err != nil {
			return nil, err
		}
		x.Orgs[name] = id
	}
	return &x, rows.Err()
}

// readPairs returns the first column of a query's rows mapped to the
// second.
func readPairs(ctx context.Context, q Querier, query string) (map[int64]int64, error) {
	rows, err := q.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var k, v int64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// rescopeBatch is how many rows of records (a record, or a block of
// them) RescopeSubjectKeys reads a statement.
const rescopeBatch = 4096

// RescopeSubjectKeys rescopes the subject key of every record in the
// store, the org of each record's dataset given by orgOf, in one
// transaction, and returns how many records it changed. It does nothing
// and returns false if the store's keys are org-scoped already.
func (s *RecordStore) RescopeSubjectKeys(ctx context.Context, orgOf map[int64]int64, sc *sluice.SubjectScoper) (n int64, done bool, err error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := lockExclusive(ctx, tx, "subject_key_scope"); err != nil { // see above
		return 0, false, err
	}
	var marked int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM subject_key_scope`).Scan(&marked); err != nil {
		return 0, false, err
	} else if marked > 0 {
		return 0, false, nil
	}
	for last := (recordCursor{-1, -1}); ; {
		changed, count, err := rescopeRecords(ctx, tx, &last, orgOf, sc)
		if err != nil {
			return 0, false, err
		}
		n += changed
		if count < rescopeBatch {
			break
		}
	}
	if err := markScoped(ctx, tx); err != nil {
		return 0, false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, false, err
	}
	return n, true, nil
}

// A recordCursor is a position in the records table in the order of its
// primary key, (dataset_id, id).
type recordCursor struct{ dataset, id int64 }

// rescopeRecords rescopes the keys of the records of the next
// rescopeBatch rows after *last, moves *last past them, and returns how
// many records it changed and how many rows it read.
// It walks the records in the order of their primary key, (dataset_id,
// id), so that each batch is one index range.
func rescopeRecords(ctx context.Context, tx *Tx, last *recordCursor, orgOf map[int64]int64, sc *sluice.SubjectScoper) (changed int64, count int, err error) {
	type row struct {
		dataset, id int64
		keys        string // of the row's records, one after the other
	}
	d := tx.Dialect()
	rows, err := tx.Query(ctx, `SELECT id, dataset_id, `+d.KeyOut("subject_key")+`, n FROM records
		WHERE (dataset_id, id) > ($1, $2) ORDER BY dataset_id, id LIMIT $3`, last.dataset, last.id, rescopeBatch)
	if err != nil {
		return 0, 0, err
	}
	var todo []row
	for rows.Next() {
		var id, dataset int64
		var keys string
		var n int
		if err := rows.Scan(&id, &dataset, &keys, &n); err != nil {
			rows.Close()
			return 0, 0, err
		}
		count, *last = count+1, recordCursor{dataset, id}
		org, ok := orgOf[dataset]
		if !ok {
			continue
		}
		// A block's keys are rescoped together, its row written once.
		ks, err := splitKeys(keys, n)
		if err != nil {
			rows.Close()
			return 0, 0, err
		}
		scoped := false
		for i, key := range ks {
			if k := sc.Scope(org, key); k != "" {
				ks[i], scoped = k, true
				changed++
			}
		}
		if scoped {
			todo = append(todo, row{dataset, id, strings.Join(ks, "")})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	for _, r := range todo {
		if _, err := tx.Exec(ctx, `UPDATE records SET subject_key = `+d.KeyIn("$1")+` WHERE dataset_id = $2 AND id = $3`, r.keys, r.dataset, r.id); err != nil {
			return 0, 0, err
		}
	}
	return changed, count, nil
}
