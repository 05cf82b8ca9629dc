package sharing

import (
	"context"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/policy"
)

// An OwnRead is a page of an owner's own dataset, read and logged.
type OwnRead struct {
	Records    []*sluice.Record
	AuditEntry int64
}

// ReadOwn reads up to limit records of the acting owner's dataset d after
// record after (and one more, returned unlogged, to tell whether another
// page follows), and appends the read's audit event (sluice.ActionDatasetRead:
// the dataset, the fields named, the count and a commitment to the subject
// keys read) before returning them: an owner's own reads are processing,
// and the record of processing must hold them (PIPL Arts. 55–56). A read
// whose event cannot be written returns nothing. fields (nil: all) are
// only recorded; projecting them is the caller's.
func (sh *Service) ReadOwn(ctx context.Context, d *sluice.Dataset, after int64, limit int, fields []string) (*OwnRead, error) {
	recs, err := sh.Records.FindRecords(ctx, sluice.RecordFilter{DatasetID: d.ID, After: after, Limit: limit + 1})
	if err != nil {
		return nil, err
	}
	page := recs[:min(len(recs), limit)]
	keys := make([]string, 0, len(page))
	for _, r := range page {
		keys = append(keys, r.SubjectKey)
	}
	if fields == nil {
		for _, f := range d.Fields {
			fields = append(fields, f.Name)
		}
	}
	e := &sluice.Event{
		Action:   sluice.ActionDatasetRead,
		Decision: "allow",
		Object:   map[string]any{"dataset": d.ID},
		Fields:   fields,
		Details:  map[string]any{"records": len(page), "after": after, "region": string(d.Region)},
	}
	if err := auditlog.SetSubjects(e, keys); err != nil {
		return nil, err
	}
	idx, err := sh.Events.AppendEvent(ctx, e)
	if err != nil {
		return nil, err
	}
	return &OwnRead{Records: recs, AuditEntry: idx}, nil
}

// logDecision appends the audit event of a decision asked for: who asked,
// about which consumer, dataset, purpose, grant and fields, and the
// answer per field with its rule. No data was read, so it names no
// subject.
func (sh *Service) logDecision(ctx context.Context, dec *Decision, grant int64) error {
	rules, denied := map[string]any{}, map[string]any{}
	names := make([]string, len(dec.Plan.Fields))
	for i, f := range dec.Plan.Fields {
		names[i] = f.Field
		if f.Effect == policy.Deny {
			denied[f.Field] = ruleID(f.Rule)
		} else {
			rules[f.Field] = ruleID(f.Rule)
		}
	}
	decision := "allow"
	if dec.Plan.Served() == 0 {
		decision = "deny"
	}
	e := &sluice.Event{
		Action:   sluice.ActionDecisionAsk,
		Decision: decision,
		Object:   map[string]any{"dataset": dec.Dataset.ID, "consumer": dec.Consumer.Name},
		Fields:   names,
		Details: map[string]any{
			"purpose": dec.Request.Purpose.Name, "at": dec.At.Format(time.RFC3339Nano),
			"rules": rules, "served": dec.Plan.Served(), "consent": dec.Plan.Consent.String(),
		},
	}
	if len(denied) > 0 {
		e.Details["denied"] = denied
	}
	if grant != 0 {
		e.Object["grant"] = grant
	}
	_, err := sh.Events.AppendEvent(ctx, e)
	return err
}
