package sqlstore

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// CheckMigrations returns an error if a database's applied migrations
// include one that known, the migrations this binary carries, lacks: a
// newer sluice migrated the database, and an older one must not write to
// a schema it does not know (it could store values in a form the newer
// schema reads otherwise).
func CheckMigrations(schema string, applied, known []string) error {
	var newer []string
	for _, name := range applied {
		if !slices.Contains(known, name) {
			newer = append(newer, path.Base(name))
		}
	}
	if len(newer) == 0 {
		return nil
	}
	slices.Sort(newer)
	return fmt.Errorf("the %s database has migrations this sluice does not carry (%s): a newer sluice migrated it; run that version or a newer one",
		schema, strings.Join(newer, ", "))
}
