package dsr

import (
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
)

func TestRules_Load(t *testing.T) {
	r := DefaultRules()
	for _, j := range []sluice.Region{"CN", "EU"} {
		if _, err := r.Rule(j); err != nil {
			t.Errorf("%s: %v", j, err)
		}
	}
	if _, err := r.Rule("US"); sluice.ErrorCode(err) != sluice.EINVALID {
		t.Errorf("US: %v", err)
	}
	for _, c := range []struct{ data, want string }{
		{`{"schema":2,"deadlines":[]}`, "schema 2"},
		{`{"schema":1,"deadlines":[{"jurisdiction":"CN","reference":"x"}]}`, "deadlines[0] (CN): give working_days or months"},
		{`{"schema":1,"deadlines":[{"jurisdiction":"CN","working_days":15,"calendar":"XX","reference":"x"}]}`, "deadlines[0] (CN).calendar"},
		{`{"schema":1,"deadlines":[{"jurisdiction":"EU","months":1}]}`, "deadlines[0] (EU).reference required"},
		{`{"schema":1,"deadlines":[{"jurisdiction":"EU","months":1,"reference":"x","weeks":2}]}`, `unknown field "weeks"`},
	} {
		if _, err := LoadRules([]byte(c.data)); err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "deadlines.json: ") {
			t.Errorf("%s: %v, want %q", c.data, err, c.want)
		}
	}
}

func TestDeadlineRule_Deadline(t *testing.T) {
	cn, _ := DefaultRules().Rule("CN")
	eu, _ := DefaultRules().Rule("EU")
	beijing := time.FixedZone("CST", 8*3600)
	for _, c := range []struct {
		name        string
		rule        *DeadlineRule
		received    time.Time
		days        int
		want        string // due date in the rule's zone
		provisional bool
	}{
		// National Day 2026: 1-7 October off, Saturday 10 October worked.
		{"NationalDay", cn, time.Date(2026, 9, 29, 10, 0, 0, 0, beijing), 0, "2026-10-26", false},
		{"NationalDayPolicy", cn, time.Date(2026, 9, 29, 10, 0, 0, 0, beijing), 3, "2026-10-09", false},
		{"MakeUpSaturday", cn, time.Date(2026, 9, 29, 10, 0, 0, 0, beijing), 4, "2026-10-10", false},
		// Late on 30 September UTC is already 1 October in Beijing.
		{"BeijingDay", cn, time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC), 1, "2026-10-08", false},
		{"YearWithoutCalendar", cn, time.Date(2030, 3, 4, 10, 0, 0, 0, beijing), 0, "2030-03-25", true},
		{"EUMonth", eu, time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC), 0, "2026-04-15", false},
		{"EUMonthEnd", eu, time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC), 0, "2026-02-28", false},
		{"EULeap", eu, time.Date(2028, 1, 30, 9, 0, 0, 0, time.UTC), 0, "2028-02-29", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := c.rule.Deadline(c.received, c.days)
			loc := time.UTC
			if c.rule.Jurisdiction == "CN" {
				loc = beijing
			}
			if got := d.Due.In(loc).Format(time.DateOnly); got != c.want || d.Provisional != c.provisional || (d.Provisional && d.Warning == "") {
				t.Fatalf("due %s provisional %t %q, want %s %t", got, d.Provisional, d.Warning, c.want, c.provisional)
			}
		})
	}
}

func TestDeadlineRule_Extend(t *testing.T) {
	eu, _ := DefaultRules().Rule("EU")
	cn, _ := DefaultRules().Rule("CN")
	received := time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC)
	d := eu.Deadline(received, 0)
	ext, err := eu.Extend(d, received, time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC))
	if err != nil || ext.Due.Format(time.DateOnly) != "2026-04-30" || !strings.Contains(ext.Reference, "GDPR Art. 12(3)") {
		t.Fatalf("extension on the last day: %+v %v", ext, err)
	}
	if _, err := eu.Extend(d, received, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)); sluice.ErrorCode(err) != sluice.ECONFLICT {
		t.Fatalf("extension after the month: %v", err)
	}
	if _, err := cn.Extend(cn.Deadline(received, 0), received, received); sluice.ErrorCode(err) != sluice.ECONFLICT {
		t.Fatalf("CN extension: %v", err)
	}
}
