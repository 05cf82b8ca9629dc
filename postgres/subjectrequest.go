package postgres

import (
	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/sqlstore"
)

// SubjectRequestStore keeps data-subject requests and legal holds in the
// control database.
type SubjectRequestStore = sqlstore.SubjectRequestStore

// NewSubjectRequestStore returns a SubjectRequestStore over db.
func NewSubjectRequestStore(db *DB) *SubjectRequestStore {
	return sqlstore.NewSubjectRequestStore(db.DB)
}

// Ensure RecordStore implements the subject-request operations. On
// PostgreSQL a deleted row stays in its page until VACUUM reclaims it,
// and in the write-ahead log and base backups until they are recycled.
var _ sluice.SubjectRecordStore = (*RecordStore)(nil)
