package sluice

import (
	"bytes"
	"context"
	"encoding/json"
	"time"
)

// Audit actions.
const (
	ActionOrgCreate     = "org.create"
	ActionKeyCreate     = "key.create"
	ActionKeyRevoke     = "key.revoke"
	ActionDatasetCreate = "dataset.create"
	ActionIngest        = "dataset.ingest"
	ActionFieldUpdate   = "dataset.field.update"
)

// An Event is one audit record: who did what to which objects, and the
// decision with its reason. Events are published in the transparency log,
// so they never hold personal data in the clear: people appear only as
// subject keys, fields only by name.
type Event struct {
	Action   string         `json:"action"`
	Actor    EventActor     `json:"actor"`
	Decision string         `json:"decision,omitempty"`
	Details  map[string]any `json:"details,omitempty"` // maps, strings, numbers, bools and slices of them only
	Fields   []string       `json:"fields,omitempty"`
	Object   map[string]any `json:"object,omitempty"` // e.g. {"dataset": 3, "ingest": 12}
	Reason   string         `json:"reason,omitempty"`
	// SubjectSet commits to the subject keys of the people the event
	// concerns when they are too many to list in Subjects.
	SubjectSet *SubjectSet `json:"subject_set,omitempty"`
	Subjects   []string    `json:"subjects,omitempty"` // subject keys, sorted
	Time       time.Time   `json:"time"`
}

// A SubjectSet is a commitment to a set of subject keys: the RFC 6962
// Merkle tree hash over the keys in sorted order, each leaf the key's 64
// hex characters. The entry holds only Count and Root; the keys are kept
// in the control store beside the event, so that one person's presence
// can be proven without publishing the others.
type SubjectSet struct {
	Count int64    `json:"count"`
	Root  string   `json:"root"` // base64 of the 32-byte tree hash
	Keys  []string `json:"-"`    // the keys, sorted; stored, never logged
}

// An EventActor names who acted: an org and its role, or the operator.
type EventActor struct {
	Org  string `json:"org,omitempty"`
	Role string `json:"role"` // owner, consumer, auditor, supervisor, system, or operator
}

// EventActorFromContext describes the actor ctx carries.
func EventActorFromContext(ctx context.Context) EventActor {
	a := ActorFromContext(ctx)
	if a.System() {
		return EventActor{Role: "system"}
	}
	if a == nil || a.Org == nil {
		return EventActor{Role: "operator"}
	}
	return EventActor{Org: a.Org.Name, Role: string(a.Role)}
}

// MaxEventSize is the largest encoded event: the C2SP tlog-tiles entry
// bundle format limits an entry to 65,535 bytes.
const MaxEventSize = 65535

// MarshalCanonical encodes e as canonical JSON: object keys sorted, no
// insignificant white space, no HTML escaping, time in RFC 3339 UTC with
// nanoseconds. It returns EINVALID if the result is over MaxEventSize.
func (e *Event) MarshalCanonical() ([]byte, error) {
	c := *e
	c.Time = c.Time.UTC()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&c); err != nil { // struct fields are declared in key order
		return nil, err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(b) > MaxEventSize {
		return nil, Errorf(EINVALID, "Audit event %s is %d bytes, over the %d-byte entry limit.", e.Action, len(b), MaxEventSize)
	}
	return b, nil
}

// NewIngestEvent returns the audit event of a finished ingest: the
// dataset, the number of records, the fields observed and the categories
// found in them.
func NewIngestEvent(d *Dataset, in *Ingest, observed []*Field) *Event {
	names := make([]string, len(observed))
	summary := map[string]any{}
	for i, f := range observed {
		names[i] = f.Name
		if len(f.Categories) > 0 {
			keys := make([]any, len(f.Categories))
			for j, c := range f.Categories {
				keys[j] = c.Key
			}
			summary[f.Name] = keys
		}
	}
	details := map[string]any{"records": in.RecordCount, "region": string(in.Region), "categories": summary, "grade": string(d.Grade)}
	if in.Replaced > 0 {
		// Records replaced by key: corrections, counted.
		details["corrections"] = in.Replaced
	}
	if m := in.Minimisation; m != nil {
		// Field names only, in the full event that only those entitled read.
		min := map[string]any{"mode": string(m.Mode), "app_type": m.AppType, "excess_fields": anyStrings(ExcessFieldNames(m.Excess)), "subjects": m.Subjects}
		if len(m.Stripped) > 0 {
			min["stripped"] = anyStrings(m.Stripped)
		}
		details["minimisation"] = min
	}
	return &Event{
		Action:  ActionIngest,
		Object:  map[string]any{"dataset": d.ID, "ingest": in.ID},
		Fields:  names,
		Details: details,
	}
}

// NewFieldUpdateEvent returns the audit event of a person's correction of
// a field's categories.
func NewFieldUpdateEvent(datasetID int64, before, after *Field, datasetGrade Grade) *Event {
	keys := func(f *Field) []any {
		out := []any{}
		for _, c := range f.Categories {
			out = append(out, c.Key)
		}
		return out
	}
	return &Event{
		Action: ActionFieldUpdate,
		Object: map[string]any{"dataset": datasetID},
		Fields: []string{after.Name},
		Details: map[string]any{
			"before":        map[string]any{"categories": keys(before), "sensitive": before.Sensitive, "grade": string(before.Grade)},
			"after":         map[string]any{"categories": keys(after), "sensitive": after.Sensitive, "grade": string(after.Grade)},
			"dataset_grade": string(datasetGrade),
		},
	}
}

func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
