// Package workday counts working days on the calendar of the People's
// Republic of China: Monday to Friday, less the public holidays, plus the
// weekend days that the holiday schedule turns into working days (调休).
//
// It is pure computation. The calendar is data: one JSON file per year
// under cn/, embedded in the binary, each naming its source, the State
// Council General Office's notice on that year's holidays (its document
// number and date), with how well each was checked.
//
// # Years the calendar lacks
//
// The State Council publishes each year's schedule late in the year
// before. For a day in a year with no file, the calendar counts Monday to
// Friday as working days and says so: [Calendar.AddWorkingDays] returns
// provisional = true, and [Calendar.Add] also lists the missing years and
// a warning to show with the date. A result is never provisional silently.
//
// # Days and time zones
//
// A day is the calendar day of a [time.Time] in its own location; pass
// times in Asia/Shanghai (or dates at midnight UTC) to count Beijing days.
// Results keep the start's location and time of day.
package workday

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed cn/*.json
var embedded embed.FS

// SchemaVersion is the layout of the calendar files this package reads.
const SchemaVersion = 1

// A Confidence says how well a calendar entry was checked against its
// source: checked (the notice's full text), summary (a reprint or
// secondary report) or unverified (one unofficial source).
type Confidence string

// Confidence levels.
const (
	Checked    Confidence = "checked"
	Summary    Confidence = "summary"
	Unverified Confidence = "unverified"
)

func (c Confidence) valid() bool { return c == Checked || c == Summary || c == Unverified }

// A Source is the official notice that fixes a year's holidays.
type Source struct {
	Title            string     `json:"title"`             // in Chinese, as issued
	TitleEn          string     `json:"title_en"`          // in English
	Issuer           string     `json:"issuer"`            // General Office of the State Council
	Number           string     `json:"number"`            // document number, e.g. 国办发明电〔2024〕12号
	Date             string     `json:"date"`              // date of issue, YYYY-MM-DD
	Published        string     `json:"published"`         // where the text was read
	Confidence       Confidence `json:"confidence"`        // of the days
	NumberConfidence Confidence `json:"number_confidence"` // of the document number
	Note             string     `json:"note,omitempty"`
}

// A Holiday is a run of days off, weekends inside it included.
type Holiday struct {
	Name string `json:"name"`
	From string `json:"from"` // first day off, YYYY-MM-DD
	To   string `json:"to"`   // last day off
}

// A WorkingWeekend is a Saturday or Sunday made a working day to make up
// for a holiday.
type WorkingWeekend struct {
	Date string `json:"date"`
	For  string `json:"for"` // the holiday it makes up for
}

// A Year is one year's calendar file.
type Year struct {
	Schema          int              `json:"schema"`
	Calendar        string           `json:"calendar"`
	Year            int              `json:"year"`
	Source          Source           `json:"source"`
	Holidays        []Holiday        `json:"holidays"`
	WorkingWeekends []WorkingWeekend `json:"working_weekends"`
}

// A Calendar is a loaded, validated working-day calendar. It is immutable
// and safe for concurrent use.
type Calendar struct {
	name  string
	years map[int]*Year
	off   map[day]bool // holidays
	work  map[day]bool // working weekends
}

// day is a civil date: days since 1970-01-01.
type day int64

func dayOf(t time.Time) day {
	y, m, d := t.Date()
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func (d day) year() int { return time.Unix(int64(d)*86400, 0).UTC().Year() }

func (d day) weekday() time.Weekday {
	return time.Weekday(((int64(d)+int64(time.Thursday))%7 + 7) % 7) // 1970-01-01 was a Thursday
}

func (d day) String() string { return time.Unix(int64(d)*86400, 0).UTC().Format(time.DateOnly) }

var cn = sync.OnceValues(func() (*Calendar, error) {
	sub, err := fs.Sub(embedded, "cn")
	if err != nil {
		return nil, err
	}
	return Load(sub)
})

// CN returns the PRC calendar embedded in sluice, loaded once. It panics if
// the data does not load, which a test of this package rules out.
func CN() *Calendar {
	c, err := cn()
	if err != nil {
		panic(err)
	}
	return c
}

// AddWorkingDays is [Calendar.AddWorkingDays] on the PRC calendar.
func AddWorkingDays(start time.Time, n int) (due time.Time, provisional bool) {
	return CN().AddWorkingDays(start, n)
}

// A DataError is a fault in a calendar file, found when it loads.
type DataError struct {
	File  string // file name, e.g. "2025.json"
	Field string // the field at fault, e.g. "holidays[2].to"; "" for the file
	Msg   string
}

// Error says which file and field are at fault, and how.
func (e *DataError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("workday calendar: %s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("workday calendar: %s: %s: %s", e.File, e.Field, e.Msg)
}

// Load reads every YYYY.json file at the root of fsys and validates it.
// Errors are *[DataError]s naming the file and the field at fault.
func Load(fsys fs.FS) (*Calendar, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	c := &Calendar{years: map[int]*Year{}, off: map[day]bool{}, work: map[day]bool{}}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read workday calendar: %w", err)
		}
		if err := c.add(name, b); err != nil {
			return nil, err
		}
	}
	if len(c.years) == 0 {
		return nil, &DataError{File: ".", Msg: "no YYYY.json calendar files"}
	}
	return c, nil
}

func (c *Calendar) add(name string, b []byte) error {
	bad := func(field, format string, args ...any) error {
		return &DataError{File: name, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var y Year
	if err := dec.Decode(&y); err != nil {
		return bad("", "%v", err)
	}
	if dec.More() {
		return bad("", "more than one JSON value")
	}
	switch fileYear, err := strconv.Atoi(strings.TrimSuffix(path.Base(name), ".json")); {
	case y.Schema != SchemaVersion:
		return bad("schema", "%d, want %d", y.Schema, SchemaVersion)
	case err != nil:
		return bad("", "the file name must be the year, e.g. 2025.json")
	case y.Year != fileYear:
		return bad("year", "%d, but the file is named for %d", y.Year, fileYear)
	case c.name != "" && y.Calendar != c.name:
		return bad("calendar", "%q differs from %q in the other files", y.Calendar, c.name)
	case y.Calendar == "":
		return bad("calendar", "required")
	}
	c.name = y.Calendar
	s := &y.Source
	switch {
	case s.Title == "" || s.Issuer == "" || s.Number == "":
		return bad("source", "title, issuer and number are required")
	case !s.Confidence.valid():
		return bad("source.confidence", "%q is not checked, summary or unverified", s.Confidence)
	case !s.NumberConfidence.valid():
		return bad("source.number_confidence", "%q is not checked, summary or unverified", s.NumberConfidence)
	}
	if _, err := time.Parse(time.DateOnly, s.Date); err != nil {
		return bad("source.date", "%q is not a date (YYYY-MM-DD)", s.Date)
	}
	// A notice fixes days of its own year, and now and then a make-up day
	// a few days before or after it.
	inRange := func(d day) bool {
		lo := dayOf(time.Date(y.Year-1, time.December, 1, 0, 0, 0, 0, time.UTC))
		hi := dayOf(time.Date(y.Year+1, time.January, 31, 0, 0, 0, 0, time.UTC))
		return lo <= d && d <= hi
	}
	parse := func(field, v string) (day, error) {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return 0, bad(field, "%q is not a date (YYYY-MM-DD)", v)
		}
		d := dayOf(t)
		if !inRange(d) {
			return 0, bad(field, "%s is too far from %d for that year's notice", v, y.Year)
		}
		return d, nil
	}
	for i, h := range y.Holidays {
		f := fmt.Sprintf("holidays[%d]", i)
		if strings.TrimSpace(h.Name) == "" {
			return bad(f+".name", "required")
		}
		from, err := parse(f+".from", h.From)
		if err != nil {
			return err
		}
		to, err := parse(f+".to", h.To)
		if err != nil {
			return err
		}
		if to < from {
			return bad(f+".to", "%s is before from %s", h.To, h.From)
		}
		for d := from; d <= to; d++ {
			if c.off[d] {
				return bad(f, "%s is already a holiday", d)
			}
			c.off[d] = true
		}
	}
	for i, w := range y.WorkingWeekends {
		f := fmt.Sprintf("working_weekends[%d]", i)
		d, err := parse(f+".date", w.Date)
		if err != nil {
			return err
		}
		switch {
		case d.weekday() != time.Saturday && d.weekday() != time.Sunday:
			return bad(f+".date", "%s is a %s, not a weekend day", w.Date, d.weekday())
		case c.off[d]:
			return bad(f+".date", "%s is also a holiday", w.Date)
		case c.work[d]:
			return bad(f+".date", "%s is listed twice", w.Date)
		case strings.TrimSpace(w.For) == "":
			return bad(f+".for", "required")
		}
		c.work[d] = true
	}
	if c.years[y.Year] != nil {
		return bad("year", "%d defined twice", y.Year)
	}
	c.years[y.Year] = &y
	return nil
}

// Name returns the calendar's name, "CN" for the PRC calendar.
func (c *Calendar) Name() string { return c.name }

// Years returns the years the calendar holds, in order.
func (c *Calendar) Years() []int {
	out := make([]int, 0, len(c.years))
	for y := range c.years {
		out = append(out, y)
	}
	slices.Sort(out)
	return out
}

// Year returns the calendar file of year y, nil if the calendar lacks it.
// Do not modify it.
func (c *Calendar) Year(y int) *Year { return c.years[y] }

// Covers reports whether the calendar holds year y's official schedule.
func (c *Calendar) Covers(y int) bool { return c.years[y] != nil }

// IsWorkingDay reports whether t's calendar day is a working day, and
// whether the calendar knows its year. For a year it lacks, known is false
// and working is true from Monday to Friday.
func (c *Calendar) IsWorkingDay(t time.Time) (working, known bool) {
	return c.working(dayOf(t))
}

func (c *Calendar) working(d day) (working, known bool) {
	switch {
	case c.off[d]:
		return false, true
	case c.work[d]:
		return true, true
	}
	wd := d.weekday()
	return wd != time.Saturday && wd != time.Sunday, c.years[d.year()] != nil
}

// AddWorkingDays returns the n-th working day after start (n > 0) or before
// it (n < 0); start's own day is not counted, and AddWorkingDays(start, 0)
// is start. The result keeps start's time of day and location.
//
// provisional is true when a day counted, or stepped over, lies in a year
// the calendar lacks, where Monday to Friday were counted instead: show
// the date as provisional, with [Calendar.Add]'s warning.
func (c *Calendar) AddWorkingDays(start time.Time, n int) (due time.Time, provisional bool) {
	r := c.Add(start, n)
	return r.Due, r.Provisional
}

// A Result is a working-day count with what the caller must show with it.
type Result struct {
	Due          time.Time
	Provisional  bool   // a year in the count is missing from the calendar
	MissingYears []int  // those years, in order
	Warning      string // a sentence to show with a provisional date; "" otherwise
}

// Add is [Calendar.AddWorkingDays] with the years it lacked and a
// warning that names them.
func (c *Calendar) Add(start time.Time, n int) Result {
	d0 := dayOf(start)
	d, step := d0, day(1)
	if n < 0 {
		step, n = -1, -n
	}
	var missing []int
	for n > 0 {
		d += step
		working, known := c.working(d)
		if !known {
			if y := d.year(); !slices.Contains(missing, y) {
				missing = append(missing, y)
			}
		}
		if working {
			n--
		}
	}
	r := Result{Due: start.AddDate(0, 0, int(d-d0))}
	if len(missing) > 0 {
		slices.Sort(missing)
		r.Provisional, r.MissingYears = true, missing
		ys := make([]string, len(missing))
		for i, y := range missing {
			ys[i] = strconv.Itoa(y)
		}
		r.Warning = fmt.Sprintf("Provisional: the %s holiday calendar has no official schedule for %s, so Monday to Friday were counted as working days there; check the date when the State Council publishes it.",
			c.name, strings.Join(ys, ", "))
	}
	return r
}
