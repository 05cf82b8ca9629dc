package sqlstore

import (
	"database/sql"
	"fmt"
	"time"
)

// ScanTime returns a scan destination for a non-null time column, stored
// either way (see Dialect.TimeText). The time it sets is in UTC.
func ScanTime(t *time.Time) sql.Scanner { return timeCol{t} }

// ScanNullTime returns a scan destination for a nullable time column: a
// NULL sets *t to nil.
func ScanNullTime(t **time.Time) sql.Scanner { return nullTime{t} }

type nullTime struct{ t **time.Time }

func (n nullTime) Scan(v any) error {
	var t time.Time
	switch v := v.(type) {
	case nil:
		*n.t = nil
		return nil
	case time.Time:
		t = v
	case string:
		p, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return err
		}
		t = p
	case []byte:
		p, err := time.Parse(time.RFC3339Nano, string(v))
		if err != nil {
			return err
		}
		t = p
	default:
		return fmt.Errorf("time: unexpected %T", v)
	}
	t = t.UTC()
	*n.t = &t
	return nil
}

type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	var p *time.Time
	if err := (nullTime{&p}).Scan(v); err != nil {
		return err
	} else if p == nil {
		return fmt.Errorf("time: unexpected NULL")
	}
	*c.t = *p
	return nil
}
