package retention

import (
	"context"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/recordio"
)

// Negative credit information is kept 5 years from the day the conduct or
// event ended, then deleted (Credit Reporting Industry Regulations Art.
// 16): a record type whose maximum is measured from the event
// (measured_from "event" in data/record_types.json). A dataset of that
// type names, in event_field, the field holding that day; each record is
// then kept until the day plus the maximum, or, when its value is empty or
// not a date, until its upload's date plus the maximum.

// A RecordScanner reads a dataset's committed records in id order; the
// region stores implement it.
type RecordScanner interface {
	ScanRecords(ctx context.Context, datasetID, after int64, limit int) ([]*sluice.Record, error)
}

// A RecordChanger deletes records by id and makes the deletion final on
// disk; the region stores implement it.
type RecordChanger interface {
	ApplySubjectChange(ctx context.Context, c *sluice.SubjectChange) (map[int64]int64, error)
}

// eventPage is how many records a page of the event pass reads, and the
// most one transaction deletes.
const eventPage = 5000

// eventDateLayouts are the forms of a day an event field may hold.
var eventDateLayouts = []string{time.DateOnly, "2006/01/02", "20060102", "2006.01.02", "2006年1月2日", time.RFC3339, time.DateTime}

// ParseEventDate reads the day an event ended from a field's value, or
// reports false.
func ParseEventDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, l := range eventDateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, false
}

// eventExpiry deletes (unless dryRun) the records of d whose event ended
// at least the record type's maximum ago, and counts those that will in
// the coming week, into dr.
func (s *Service) eventExpiry(ctx context.Context, d *sluice.Dataset, store sluice.RecordStore, now time.Time, dryRun bool, dr *DatasetRun) error {
	cutoff, ok := s.Rules.EventCutoff(d, now)
	if !ok {
		return nil
	}
	next, _ := s.Rules.EventCutoff(d, now.Add(Lookahead))
	dr.EventCutoff = cutoff
	scan, ok1 := store.(RecordScanner)
	change, ok2 := store.(RecordChanger)
	if !ok1 || !ok2 {
		return sluice.Errorf(sluice.EUNAVAILABLE, "The record store of region %s cannot read and delete records one by one.", d.Region)
	}
	// The uploads' dates, for records without an event date.
	uploaded := map[int64]time.Time{}
	ins, err := s.Ingests.FindIngestsBefore(ctx, d.ID, now, maxIngests)
	if err != nil {
		return err
	}
	for _, in := range ins {
		uploaded[in.ID] = in.CreatedAt
	}
	fs := recordio.NewFieldScanner([]string{d.EventField})
	var due []int64
	for after := int64(0); ; {
		recs, err := scan.ScanRecords(ctx, d.ID, after, eventPage)
		if err != nil {
			return err
		}
		for _, r := range recs {
			after = r.ID
			day, ok := time.Time{}, false
			if fs.Scan(r.Data) == nil && fs.Values[0].Kind == recordio.String {
				day, ok = ParseEventDate(fs.Values[0].Text())
			}
			if !ok {
				if day, ok = uploaded[r.IngestID]; !ok {
					continue
				}
			}
			switch {
			case !day.After(cutoff):
				due = append(due, r.ID)
			case !day.After(next):
				dr.NextWeek.Records++
			}
		}
		if len(recs) < eventPage {
			break
		}
	}
	dr.Records += int64(len(due))
	if dryRun {
		return nil
	}
	for len(due) > 0 {
		n := min(len(due), eventPage)
		if _, err := change.ApplySubjectChange(ctx, &sluice.SubjectChange{Delete: due[:n], Datasets: []int64{d.ID}}); err != nil {
			return err
		}
		if err := s.Ingests.AddRecordCount(ctx, d.ID, -int64(n)); err != nil {
			return err
		}
		due = due[n:]
	}
	return nil
}
