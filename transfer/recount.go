package transfer

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
)

// A EventLog is the audit log as the recount reads it: the entries,
// and the subject keys kept beside each (see auditlog.SetSubjects).
type EventLog interface {
	CountEvents(ctx context.Context) (int64, error)
	ReadEvents(ctx context.Context, start, n int64) ([][]byte, error)
	ReadSubjectSet(ctx context.Context, idx int64) ([]string, error)
}

// A CounterKey names one year-to-date counter.
type CounterKey struct {
	OrgID   int64
	Year    int
	Counter string // sluice.CounterPI or sluice.CounterSPI
}

// recountBatch is how many entries the recount reads at a time.
const recountBatch = 1000

// Recount recomputes every year-to-date counter from the audit
// log alone: each transfer.export entry names its exporter, year and the
// counters it added to, and commits to the subject keys it released,
// which are kept beside it and checked against the commitment. The result is the size of each counter's set
// of distinct keys; it must equal the stored counters (see
// sluice.TransferStore.TransferCounts). Refused exports left no entry and
// count for nothing.
func Recount(ctx context.Context, log EventLog) (map[CounterKey]int64, error) {
	n, err := log.CountEvents(ctx)
	if err != nil {
		return nil, err
	}
	sets := map[CounterKey]map[string]struct{}{}
	for start := int64(0); start < n; start += recountBatch {
		raw, err := log.ReadEvents(ctx, start, min(recountBatch, n-start))
		if err != nil {
			return nil, err
		}
		for i, b := range raw {
			idx := start + int64(i)
			var e struct {
				Action  string `json:"action"`
				Details struct {
					Exporter int64    `json:"exporter"`
					Year     int      `json:"year"`
					Counted  []string `json:"counted"`
				} `json:"details"`
				Subjects   []string           `json:"subjects"`
				SubjectSet *sluice.SubjectSet `json:"subject_set"`
			}
			if err := json.Unmarshal(b, &e); err != nil {
				return nil, fmt.Errorf("audit entry %d: %w", idx, err)
			}
			if e.Action != sluice.ActionTransferExport || len(e.Details.Counted) == 0 {
				continue
			}
			keys := e.Subjects
			if e.SubjectSet != nil {
				if keys, err = log.ReadSubjectSet(ctx, idx); err != nil {
					return nil, fmt.Errorf("audit entry %d: %w", idx, err)
				}
				var check sluice.Event
				if err := auditlog.SetSubjects(&check, keys); err != nil {
					return nil, fmt.Errorf("audit entry %d: %w", idx, err)
				}
				if c := check.SubjectSet; c == nil || c.Count != e.SubjectSet.Count || c.Root != e.SubjectSet.Root {
					return nil, fmt.Errorf("audit entry %d: the subject keys kept beside it do not match its commitment", idx)
				}
			}
			for _, c := range e.Details.Counted {
				k := CounterKey{OrgID: e.Details.Exporter, Year: e.Details.Year, Counter: c}
				set := sets[k]
				if set == nil {
					set = map[string]struct{}{}
					sets[k] = set
				}
				for _, key := range keys {
					set[key] = struct{}{}
				}
			}
		}
	}
	out := make(map[CounterKey]int64, len(sets))
	for k, set := range sets {
		out[k] = int64(len(set))
	}
	return out, nil
}
