package workday

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

var shanghai = time.FixedZone("CST", 8*3600)

func date(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCN_Loads(t *testing.T) {
	c := CN()
	if got, want := c.Years(), []int{2024, 2025, 2026}; !slices.Equal(got, want) {
		t.Fatalf("Years = %v, want %v", got, want)
	}
	if c.Name() != "CN" {
		t.Errorf("Name = %q", c.Name())
	}
	// Each year names its notice: the General Office's document and date.
	for _, tc := range []struct {
		year         int
		number, date string
	}{
		{2024, "国办发明电〔2023〕7号", "2023-10-25"},
		{2025, "国办发明电〔2024〕12号", "2024-11-12"},
		{2026, "国办发明电〔2025〕7号", "2025-11-04"},
	} {
		s := c.Year(tc.year).Source
		if s.Number != tc.number || s.Date != tc.date {
			t.Errorf("%d: source %s of %s, want %s of %s", tc.year, s.Number, s.Date, tc.number, tc.date)
		}
	}
}

// TestCalendar_IsWorkingDay checks days named by the notices.
func TestCalendar_IsWorkingDay(t *testing.T) {
	c := CN()
	for _, tc := range []struct {
		day     string
		working bool
		known   bool
		why     string
	}{
		{"2025-10-01", false, true, "National Day 2025 (国办发明电〔2024〕12号 item 6)"},
		{"2025-10-08", false, true, "last day of the combined National Day and Mid-Autumn break 2025"},
		{"2025-09-28", true, true, "Sunday made a working day for National Day 2025"},
		{"2025-10-11", true, true, "Saturday made a working day for National Day 2025"},
		{"2025-10-09", true, true, "ordinary Thursday"},
		{"2025-10-12", false, true, "ordinary Sunday"},
		{"2025-01-28", false, true, "Spring Festival eve 2025, a day off since the 2024 revision"},
		{"2024-02-09", true, true, "Spring Festival eve 2024: only encouraged as a day off"},
		{"2024-02-18", true, true, "Sunday made a working day for Spring Festival 2024"},
		{"2026-02-23", false, true, "last day of Spring Festival 2026"},
		{"2026-02-28", true, true, "Saturday made a working day for Spring Festival 2026"},
		{"2026-01-04", true, true, "Sunday made a working day for New Year 2026"},
		{"2026-10-10", true, true, "Saturday made a working day for National Day 2026"},
		{"2027-10-01", true, false, "2027 is not in the calendar: a Friday counts as a working day"},
		{"2027-10-02", false, false, "2027 is not in the calendar: a Saturday does not"},
	} {
		working, known := c.IsWorkingDay(date(tc.day))
		if working != tc.working || known != tc.known {
			t.Errorf("%s (%s): working, known = %v, %v; want %v, %v", tc.day, tc.why, working, known, tc.working, tc.known)
		}
	}
}

func TestCalendar_AddWorkingDays(t *testing.T) {
	c := CN()
	for _, tc := range []struct {
		name        string
		start       string
		n           int
		due         string
		provisional bool
	}{
		// National Day week 2025: 1-8 October off, Sunday 28 September and
		// Saturday 11 October worked (国办发明电〔2024〕12号).
		{"NationalDay2025/MakeUpSunday", "2025-09-26", 3, "2025-09-30", false}, // Sun 28, Mon 29, Tue 30 Sep
		{"NationalDay2025/OverTheWeek", "2025-09-29", 2, "2025-10-09", false},  // Tue 30 Sep, Thu 9 Oct
		{"NationalDay2025/MakeUpSaturday", "2025-09-30", 2, "2025-10-10", false},
		{"NationalDay2025/MakeUpSaturdayIsDue", "2025-09-30", 3, "2025-10-11", false},
		{"NationalDay2025/TenWorkingDays", "2025-09-25", 10, "2025-10-15", false},
		{"NationalDay2025/Backwards", "2025-10-09", -2, "2025-09-29", false},
		{"NationalDay2025/BackwardsOverMakeUpSunday", "2025-09-30", -2, "2025-09-28", false},
		// Spring Festival 2026: 15-23 February off, 14 and 28 February worked.
		{"SpringFestival2026", "2026-02-12", 3, "2026-02-24", false}, // Fri 13, Sat 14, Tue 24
		{"PlainWeek", "2026-11-23", 10, "2026-12-07", false},
		{"Zero", "2025-10-01", 0, "2025-10-01", false},
		// Years not in the calendar: weekdays counted, flagged.
		{"MissingYear", "2027-09-27", 5, "2027-10-04", true},
		{"IntoMissingYear", "2026-12-28", 10, "2027-01-11", true},
		{"FromMissingYear", "2023-12-29", 1, "2024-01-02", true}, // 30-31 Dec 2023 are stepped over
	} {
		t.Run(tc.name, func(t *testing.T) {
			due, prov := c.AddWorkingDays(date(tc.start), tc.n)
			if got := due.Format(time.DateOnly); got != tc.due || prov != tc.provisional {
				t.Errorf("AddWorkingDays(%s, %d) = %s, provisional %v; want %s, %v", tc.start, tc.n, got, prov, tc.due, tc.provisional)
			}
			if due.Location() != shanghai {
				t.Errorf("location %v, want the start's", due.Location())
			}
		})
	}
}

func TestCalendar_Add_Warning(t *testing.T) {
	r := CN().Add(date("2026-12-24"), 15)
	if !r.Provisional || !slices.Equal(r.MissingYears, []int{2027}) {
		t.Fatalf("Add = %+v, want provisional for 2027", r)
	}
	if !strings.Contains(r.Warning, "2027") || !strings.Contains(r.Warning, "Provisional") {
		t.Errorf("warning %q does not name the missing year", r.Warning)
	}
	if r := CN().Add(date("2026-09-18"), 15); r.Provisional || r.Warning != "" || r.MissingYears != nil {
		t.Errorf("Add inside 2026 = %+v, want no warning", r)
	}
	// Package-level helper: the SCC filing deadline over National Day 2026
	// (1-7 October off; 10 October worked).
	due, prov := AddWorkingDays(date("2026-09-28"), 10)
	if got := due.Format(time.DateOnly); got != "2026-10-16" || prov {
		t.Errorf("AddWorkingDays = %s, %v; want 2026-10-16, false", got, prov)
	}
}

func TestLoad_Errors(t *testing.T) {
	good := `{"schema":1,"calendar":"CN","year":2030,"source":{"title":"t","issuer":"i","number":"n","date":"2029-11-01","confidence":"checked","number_confidence":"summary"},
"holidays":[{"name":"h","from":"2030-10-01","to":"2030-10-07"}],"working_weekends":[{"date":"2030-09-29","for":"h"}]}`
	if _, err := Load(fstest.MapFS{"2030.json": {Data: []byte(good)}}); err != nil {
		t.Fatalf("good file: %v", err)
	}
	for _, tc := range []struct {
		name, file, data, field string
	}{
		{"ErrYearMismatch", "2031.json", good, "year"},
		{"ErrBadName", "next.json", good, ""},
		{"ErrWeekdayMakeUp", "2030.json", strings.Replace(good, "2030-09-29", "2030-09-30", 1), "working_weekends[0].date"},
		{"ErrMakeUpOnHoliday", "2030.json", strings.Replace(good, `"2030-09-29","for"`, `"2030-10-05","for"`, 1), "working_weekends[0].date"},
		{"ErrEndBeforeStart", "2030.json", strings.Replace(good, `"to":"2030-10-07"`, `"to":"2030-09-07"`, 1), "holidays[0].to"},
		{"ErrBadDate", "2030.json", strings.Replace(good, "2030-10-01", "2030-13-01", 1), "holidays[0].from"},
		{"ErrFarDate", "2030.json", strings.Replace(good, "2030-10-01", "2032-10-01", 1), "holidays[0].from"},
		{"ErrConfidence", "2030.json", strings.Replace(good, `"confidence":"checked"`, `"confidence":"sure"`, 1), "source.confidence"},
		{"ErrNoNumber", "2030.json", strings.Replace(good, `"number":"n"`, `"number":""`, 1), "source"},
		{"ErrUnknownField", "2030.json", strings.Replace(good, `"schema":1`, `"schema":1,"extra":true`, 1), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{tc.file: {Data: []byte(tc.data)}})
			var de *DataError
			if !errors.As(err, &de) {
				t.Fatalf("Load = %v, want a *DataError", err)
			}
			if de.File != tc.file || de.Field != tc.field {
				t.Errorf("error %q names %s %q, want %s %q", err, de.File, de.Field, tc.file, tc.field)
			}
		})
	}
}
