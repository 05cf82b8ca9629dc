package sqlstore

import (
	"strings"
	"testing"
)

func TestCheckMigrations(t *testing.T) {
	known := []string{"migration/region/0001_init.sql", "migration/region/0002_x.sql"}
	if err := CheckMigrations("region", known[:1], known); err != nil {
		t.Errorf("older database: %v", err)
	}
	err := CheckMigrations("region", append(known, "migration/region/0009_next.sql"), known)
	if err == nil || !strings.Contains(err.Error(), "0009_next.sql") || !strings.Contains(err.Error(), "newer sluice") {
		t.Errorf("newer database: %v", err)
	}
}
