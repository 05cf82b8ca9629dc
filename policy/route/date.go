package route

import (
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/workday"
)

// A Date is a calendar day, without a time of day or a time zone. The zero
// Date means "not given". Dates compare with < and ==.
type Date int32

// dateLayout is how a Date is written: ISO 8601 calendar date.
const dateLayout = "2006-01-02"

// unixEpochDate is the Date of 1970-01-01: days from 0001-01-01, plus one so
// that the zero Date stays free to mean "unset".
const unixEpochDate = 719163

// MakeDate returns the Date of year y, month m, day d, normalising
// out-of-range values as [time.Date] does.
func MakeDate(y int, m time.Month, d int) Date {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date(t.Unix()/86400 + unixEpochDate)
}

// DateOf returns the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return MakeDate(y, m, d)
}

// ParseDate parses s as YYYY-MM-DD. It returns EINVALID for anything else,
// including impossible days such as 2026-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || t.Year() < 1 {
		return 0, sluice.Errorf(sluice.EINVALID, "%q is not a date (YYYY-MM-DD).", s)
	}
	return DateOf(t), nil
}

// MustParseDate is ParseDate for constants; it panics on error.
func MustParseDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether d is the zero ("not given") Date.
func (d Date) IsZero() bool { return d == 0 }

// Time returns midnight UTC at the start of d.
func (d Date) Time() time.Time {
	return time.Unix(d.unixStart(), 0).UTC()
}

// unixStart is the Unix time of midnight UTC at the start of d.
func (d Date) unixStart() int64 { return (int64(d) - unixEpochDate) * 86400 }

// Year returns d's year.
func (d Date) Year() int { return d.Time().Year() }

// Weekday returns d's day of the week.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	n := (int64(d) - unixEpochDate + int64(time.Thursday)) % 7
	if n < 0 {
		n += 7
	}
	return time.Weekday(n)
}

// AddDays returns d moved by n days (back in time when n < 0).
func (d Date) AddDays(n int) Date { return d + Date(n) }

// AddDate returns d moved by the given years, months and days, normalising
// as [time.Time.AddDate] does: 2024-02-29 plus one year is 2025-03-01.
func (d Date) AddDate(years, months, days int) Date {
	return DateOf(d.Time().AddDate(years, months, days))
}

// String returns d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	return d.Time().Format(dateLayout)
}

// MarshalText writes d as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD; an empty text is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = 0
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// IsWorkingDay reports whether d is a working day on the PRC calendar
// ([workday.CN]): Monday to Friday less the public holidays, plus the
// weekend days the State Council's holiday notice makes working days. The
// working-day deadlines of the rules are all PRC ones (O11, O13, O16). For
// a year the calendar lacks it is Monday to Friday; [Date.WorkingDayKnown]
// tells.
func (d Date) IsWorkingDay() bool {
	working, _ := workday.CN().IsWorkingDay(d.Time())
	return working
}

// WorkingDayKnown reports whether the PRC calendar holds d's year, so that
// [Date.IsWorkingDay] rests on the official schedule.
func (d Date) WorkingDayKnown() bool { return workday.CN().Covers(d.Year()) }

// AddWorkingDays returns the n-th working day after d (n > 0) or before d
// (n < 0) on the PRC calendar; d itself is not counted, and
// AddWorkingDays(d, 0) is d. A count through a year the calendar lacks
// counts Monday to Friday there: use [Date.AddWorkingDaysFlagged] to know.
func (d Date) AddWorkingDays(n int) Date {
	due, _ := d.AddWorkingDaysFlagged(n)
	return due
}

// AddWorkingDaysFlagged is [Date.AddWorkingDays] that also reports whether
// the result is provisional: a day counted lies in a year the PRC calendar
// lacks, where Monday to Friday were counted. Show such a date as
// provisional, with [ProvisionalWarning].
func (d Date) AddWorkingDaysFlagged(n int) (due Date, provisional bool) {
	t, prov := workday.CN().AddWorkingDays(d.Time(), n)
	return DateOf(t), prov
}

// ProvisionalWarning returns the sentence to show with a working-day count
// of n from d that [Date.AddWorkingDaysFlagged] marks provisional, "" when
// it is not.
func ProvisionalWarning(d Date, n int) string {
	return workday.CN().Add(d.Time(), n).Warning
}
