package route

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2026-11-26", "2024-02-29", "0001-01-01", "1969-12-31", "9999-12-31"} {
		t.Run("OK"+s, func(t *testing.T) {
			d, err := ParseDate(s)
			if err != nil {
				t.Fatal(err)
			}
			if d.String() != s {
				t.Errorf("String = %q", d.String())
			}
			want, _ := time.Parse(dateLayout, s)
			if !d.Time().Equal(want) || d.Weekday() != want.Weekday() || d.Year() != want.Year() {
				t.Errorf("Time %v weekday %v, want %v %v", d.Time(), d.Weekday(), want, want.Weekday())
			}
		})
	}
	for _, s := range []string{"", "2026-02-30", "2025-02-29", "26-11-2026", "2026-1-1", "2026-11-26T00:00:00Z", "0000-01-01", " 2026-11-26"} {
		t.Run("Err"+s, func(t *testing.T) {
			if d, err := ParseDate(s); err == nil {
				t.Fatalf("ParseDate(%q) = %s, want an error", s, d)
			}
		})
	}
}

func TestDate_Zero(t *testing.T) {
	var d Date
	if !d.IsZero() || d.String() != "" {
		t.Errorf("zero Date: IsZero %v, String %q", d.IsZero(), d.String())
	}
	if err := d.UnmarshalText(nil); err != nil || !d.IsZero() {
		t.Errorf("empty text: %v, %s", err, d)
	}
	if MustParseDate("0001-01-01").IsZero() {
		t.Error("0001-01-01 is zero")
	}
}

func TestDate_AddWorkingDays(t *testing.T) {
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-27", 1, "2026-11-30"},   // Friday -> Monday
		{"2026-11-30", -1, "2026-11-27"},  // Monday -> Friday
		{"2026-11-28", 1, "2026-11-30"},   // Saturday -> Monday
		{"2026-11-29", -1, "2026-11-27"},  // Sunday -> Friday
		{"2026-11-23", 10, "2026-12-07"},  // two weeks
		{"2026-11-26", 0, "2026-11-26"},   // no move
		{"2027-06-03", -60, "2027-03-11"}, // twelve weeks back
	} {
		if got := MustParseDate(tc.from).AddWorkingDays(tc.n).String(); got != tc.want {
			t.Errorf("%s %+d working days = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
}

func TestDate_AddDate(t *testing.T) {
	if got := MustParseDate("2024-02-29").AddDate(1, 0, 0).String(); got != "2025-03-01" {
		t.Errorf("2024-02-29 + 1 year = %s", got)
	}
	if got := MustParseDate("2026-12-31").AddDays(1).String(); got != "2027-01-01" {
		t.Errorf("2026-12-31 + 1 day = %s", got)
	}
}

func TestDateOf(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	tm := time.Date(2026, 11, 26, 1, 0, 0, 0, shanghai) // 2026-11-25 17:00 UTC
	if got := DateOf(tm).String(); got != "2026-11-26" {
		t.Errorf("DateOf in its own zone = %s", got)
	}
	if got := DateOf(tm.UTC()).String(); got != "2026-11-25" {
		t.Errorf("DateOf in UTC = %s", got)
	}
}

func TestDeadline_Due(t *testing.T) {
	anchor := MustParseDate("2026-11-23") // a Monday
	for _, tc := range []struct {
		dl   Deadline
		want string
		ok   bool
	}{
		{Deadline{Amount: 10, Unit: UnitWorkingDays, Relation: RelWithinAfter}, "2026-12-07", true},
		{Deadline{Amount: 3, Unit: UnitYears, Relation: RelValidFor}, "2029-11-22", true},
		{Deadline{Amount: 60, Unit: UnitWorkingDays, Relation: RelWindowBefore}, "2026-08-25", true}, // PRC calendar: Mid-Autumn and National Day 2026
		{Deadline{Amount: 60, Unit: UnitWorkingDays, Relation: RelNoLaterThanBefore}, "2026-08-25", true},
		{Deadline{Amount: 30, Unit: UnitDays, Relation: RelWithinAfter}, "2026-12-23", true},
		{Deadline{Amount: 1, Unit: UnitMonths, Relation: RelWithinAfter}, "2026-12-23", true},
		{Deadline{Relation: RelBefore}, "", false},
	} {
		got, ok := tc.dl.Due(anchor)
		if ok != tc.ok || got.String() != tc.want {
			t.Errorf("%+v: Due = %s, %v; want %s, %v", tc.dl, got, ok, tc.want, tc.ok)
		}
	}
	if got := (&Deadline{Amount: 1, Unit: UnitYears, Relation: RelValidFor, Anchor: "issue"}).describe(); got != "valid for 1 year from issue" {
		t.Errorf("describe = %q", got)
	}
}
