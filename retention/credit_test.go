package retention_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice/internal/testenv"
	"github.com/sluice-gateway/sluice/retention"
)

// TestRetention_NegativeCredit_Art16 checks the Credit Reporting Industry
// Regulations Art. 16: negative credit information is kept 5 years from
// the day the conduct or event ended, then deleted. Each record of a
// negative_credit dataset counts from its event_field's day; a record
// without a day in it counts from its upload; a dataset that names no
// event field counts from the upload.
func TestRetention_NegativeCredit_Art16(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, engine)
			e.purpose(t, "credit", "contract", 3650)
			d := e.dataset(t, map[string]any{"name": "overdue", "purpose": "credit", "subject_field": "phone",
				"record_type": "negative_credit", "event_field": "closed_on"})
			byUpload := e.dataset(t, map[string]any{"name": "defaults", "purpose": "credit", "subject_field": "phone", "record_type": "negative_credit"})
			// An event field on a record type kept from its upload is refused.
			e.Do("POST", "/v1/datasets", e.owner, map[string]any{"name": "logs", "purpose": "credit", "subject_field": "phone",
				"record_type": "network_log", "event_field": "closed_on"}).Want(t, 400)

			t0 := e.Clock.Now()
			due := t0.AddDate(-5, 0, -1).Format(time.DateOnly)   // ended 5 years and a day ago
			soon := t0.AddDate(-5, 0, 3).Format("2006/01/02")    // 5 years in 3 days
			recent := t0.AddDate(-2, 0, 0).Format(time.DateOnly) // 2 years ago
			e.ingest(t, d.ID, "phone,closed_on\n13800138000,"+due+"\n13900139000,"+soon+"\n13700137000,"+recent+"\n13600136000,\n")
			e.ingest(t, byUpload.ID, "phone\n13800138000\n")

			dry, err := e.Retention.Run(ctx, true)
			if err != nil {
				t.Fatal(err)
			}
			if dry.Records != 1 || dry.NextWeek.Records != 1 {
				t.Fatalf("dry run %+v, want 1 record due and 1 next week", dry)
			}
			run, err := e.Retention.Run(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			n, page := e.records(t, d.ID)
			if run.Records != 1 || n != 3 || strings.Contains(page, due) || !strings.Contains(page, soon) {
				t.Fatalf("run %+v: %d records left, %s", run, n, page)
			}
			// 3 years on, the record that ended 2 years before the upload
			// is 5 years past its end; the record without a day is kept
			// by its upload's date.
			e.Clock.Set(t0.AddDate(3, 0, 1))
			if _, err := e.Retention.Run(ctx, false); err != nil {
				t.Fatal(err)
			}
			if n, page = e.records(t, d.ID); n != 1 || strings.Contains(page, recent) || !strings.Contains(page, "13600136000") {
				t.Fatalf("3 years on: %d records left, %s", n, page)
			}
			if n, _ := e.records(t, byUpload.ID); n != 1 {
				t.Fatalf("dataset without event field: %d records left 3 years after upload, want 1", n)
			}
			// 5 years after the uploads: the record without a day and the
			// dataset without an event field go by their upload.
			e.Clock.Set(t0.AddDate(5, 0, 0))
			if _, err := e.Retention.Run(ctx, false); err != nil {
				t.Fatal(err)
			}
			if n, _ := e.records(t, d.ID); n != 0 {
				t.Fatalf("5 years on: %d records left", n)
			}
			if n, _ := e.records(t, byUpload.ID); n != 0 {
				t.Fatalf("dataset without event field: %d records left 5 years after upload", n)
			}
		})
	}
}

// TestParseEventDate_Art16 checks the forms of an event's day the
// Art. 16 period is counted from.
func TestParseEventDate_Art16(t *testing.T) {
	want := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, v := range []string{"2021-03-01", "2021/03/01", "20210301", "2021.03.01", "2021年3月1日", "2021-03-01T18:00:00+08:00", " 2021-03-01 10:00:00 "} {
		if got, ok := retention.ParseEventDate(v); !ok || !got.Equal(want) {
			t.Errorf("ParseEventDate(%q) = %v, %v", v, got, ok)
		}
	}
	for _, v := range []string{"", "overdue", "2021-13-01", "01/03/2021"} {
		if _, ok := retention.ParseEventDate(v); ok {
			t.Errorf("ParseEventDate(%q) read a date", v)
		}
	}
}
