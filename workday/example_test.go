package workday_test

import (
	"fmt"
	"time"

	"github.com/sluice-gateway/sluice/workday"
)

// A standard contract taking effect on Friday 26 September 2025 is filed
// within 10 working days: National Day week (1-8 October) is skipped and
// the make-up Sunday (28 September) and Saturday (11 October) count.
func ExampleAddWorkingDays() {
	start := time.Date(2025, time.September, 26, 0, 0, 0, 0, time.UTC)
	due, provisional := workday.AddWorkingDays(start, 10)
	fmt.Println(due.Format(time.DateOnly), provisional)

	// 2027 is not in the calendar yet: weekdays are counted, and said so.
	r := workday.CN().Add(time.Date(2027, time.September, 27, 0, 0, 0, 0, time.UTC), 5)
	fmt.Println(r.Due.Format(time.DateOnly), r.Provisional, r.MissingYears)
	// Output:
	// 2025-10-16 false
	// 2027-10-04 true [2027]
}
