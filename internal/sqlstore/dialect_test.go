package sqlstore

import (
	"testing"
	"time"
)

func TestDialect_Rebind(t *testing.T) {
	sqlite := &Dialect{QuestionMarks: true}
	for _, test := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`WHERE a = $1 AND b = $2 OR c = $1`, `WHERE a = ?1 AND b = ?2 OR c = ?1`},
		{`VALUES ($10, $11::bytea)`, `VALUES (?10, ?11::bytea)`},
		{`WHERE s = '$1' AND t = "$2" AND u = $3`, `WHERE s = '$1' AND t = "$2" AND u = ?3`},
		{`SELECT $ FROM t`, `SELECT $ FROM t`},
	} {
		if got := sqlite.Rebind(test.in); got != test.want {
			t.Errorf("Rebind(%q) = %q, want %q", test.in, got, test.want)
		}
		if got := sqlite.Rebind(test.in); got != test.want { // from the cache
			t.Errorf("Rebind(%q) again = %q, want %q", test.in, got, test.want)
		}
	}
	pg := &Dialect{}
	if q := `WHERE a = $1`; pg.Rebind(q) != q {
		t.Errorf("PostgreSQL's statements changed: %q", pg.Rebind(q))
	}
}

func TestWhere_Limit(t *testing.T) {
	sqlite, pg := &Dialect{LimitAll: " LIMIT -1"}, &Dialect{}
	for _, test := range []struct {
		d             *Dialect
		limit, offset int
		want          string
		args          int
	}{
		{pg, 0, 0, "", 1},
		{pg, 10, 0, " LIMIT $2", 2},
		{pg, 0, 5, " OFFSET $2", 2},
		{pg, 10, 5, " LIMIT $2 OFFSET $3", 3},
		{sqlite, 0, 5, " LIMIT -1 OFFSET $2", 2},
		{sqlite, 10, 5, " LIMIT $2 OFFSET $3", 3},
	} {
		var w where
		w.add("id = $?", 1)
		if got := w.limit(test.d, test.limit, test.offset); got != test.want || len(w.args) != test.args {
			t.Errorf("limit(%d, %d) = %q with %d args, want %q with %d", test.limit, test.offset, got, len(w.args), test.want, test.args)
		}
	}
	var w where
	if w.String() != "TRUE" {
		t.Errorf("no conditions: %q", w.String())
	}
	w.add("(a = $? OR b = $?)", 7)
	w.add("c = $?", 8)
	if got, want := w.String(), "(a = $1 OR b = $1) AND c = $2"; got != want || len(w.args) != 2 {
		t.Errorf("conditions %q with %d args, want %q with 2", got, len(w.args), want)
	}
}

func TestTimeText(t *testing.T) {
	times := []time.Time{
		time.Date(2026, 3, 1, 12, 0, 0, 500_000_000, time.UTC),
		time.Date(2026, 3, 1, 12, 0, 1, 0, time.UTC),
		time.Date(2026, 3, 1, 12, 0, 1, 1, time.UTC),
		time.Date(2026, 3, 1, 13, 0, 1, 1, time.FixedZone("CET", 3600)).Add(time.Hour),
	}
	for i, at := range times {
		s := FormatTimeText(at)
		if len(s) != len(timeText) {
			t.Errorf("%s: %d characters, want %d", s, len(s), len(timeText))
		}
		var back time.Time
		if err := ScanTime(&back).Scan(s); err != nil || !back.Equal(at) || back.Location() != time.UTC {
			t.Errorf("%s read back as %v (%v)", s, back, err)
		}
		if i > 0 && FormatTimeText(times[i-1]) >= s {
			t.Errorf("%s does not sort after %s", s, FormatTimeText(times[i-1]))
		}
	}
	var p *time.Time = &times[0]
	if err := ScanNullTime(&p).Scan(nil); err != nil || p != nil {
		t.Errorf("NULL scanned as %v (%v)", p, err)
	}
}
