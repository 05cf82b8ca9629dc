package sqlite

import "github.com/sluice-gateway/sluice/internal/sqlstore"

// SubjectRequestStore keeps data-subject requests and legal holds in the
// control database.
type SubjectRequestStore = sqlstore.SubjectRequestStore

// NewSubjectRequestStore returns a SubjectRequestStore over db.
func NewSubjectRequestStore(db *DB) *SubjectRequestStore {
	return sqlstore.NewSubjectRequestStore(db.DB)
}
