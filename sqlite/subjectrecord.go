package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/sluice-gateway/sluice"
)

// Ensure RecordStore implements the interface.
var _ sluice.SubjectRecordStore = (*RecordStore)(nil)

// checkpointTries bounds how often ApplySubjectChange retries a WAL
// checkpoint that readers hold up.
const checkpointTries = 100

// ApplySubjectChange deletes, rewrites and restricts records in one
// transaction, then makes the deletion final on disk: secure_delete (set
// when the database opens) has zeroed the deleted content in the pages,
// and a checkpoint in TRUNCATE mode copies the pages into the main file
// and empties the write-ahead log, where the old page images were.
func (s *RecordStore) ApplySubjectChange(ctx context.Context, c *sluice.SubjectChange) (map[int64]int64, error) {
	counts, err := s.RecordStore.ApplySubjectChange(ctx, c)
	if err != nil {
		return nil, FormatError(err)
	}
	return counts, s.db.Checkpoint(ctx)
}

// Checkpoint copies the write-ahead log into the database file and
// truncates the log to zero bytes, retrying while readers hold it.
func (db *DB) Checkpoint(ctx context.Context) error {
	for i := 0; ; i++ {
		var busy, logPages, done int
		if err := db.wdb.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done); err != nil {
			return FormatError(err)
		}
		if busy == 0 {
			return nil
		}
		if i == checkpointTries {
			return fmt.Errorf("sqlite: checkpoint of %s still busy after %d tries", db.Path, checkpointTries)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// DeleteDatasetRecords deletes every record of a dataset in one
// transaction and makes the deletion final on disk, as
// ApplySubjectChange does.
func (s *RecordStore) DeleteDatasetRecords(ctx context.Context, datasetID int64) (int64, error) {
	n, err := s.RecordStore.DeleteDatasetRecords(ctx, datasetID)
	if err != nil {
		return 0, FormatError(err)
	}
	// The id ranges of the dataset's ingests name no rows any more.
	if _, err := s.db.wdb.ExecContext(ctx, `DELETE FROM record_batches WHERE ingest_id IN (SELECT id FROM record_ingests WHERE dataset_id = ?)`, datasetID); err != nil {
		return n, FormatError(err)
	}
	return n, s.db.Checkpoint(ctx)
}
