// Package duties says which duties an organisation takes on by the number
// of people whose personal information it processes — a personal
// information protection officer (PIPL Art. 52), a biennial compliance
// audit (PIPL Art. 54 with the Compliance Audit Measures), the
// important-data processor's duties (NDSR Art. 28 → Arts. 30, 32) — from
// rules kept as data (rules/*.json) and an exact count of the distinct
// people across all the organisation's datasets.
package duties

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/workday"
)

//go:embed rules/cn.json
var cnJSON []byte

// A Rule is one volume duty as the rule file states it.
type Rule struct {
	ID        string `json:"id"`
	Threshold int64  `json:"threshold"`
	// Inclusive: the duty applies at the threshold (以上, "or more");
	// otherwise only above it (超过, "more than").
	Inclusive bool `json:"inclusive"`
	// WithinWorkingDays is the deadline, on the PRC calendar, from the day
	// the count is reached; EveryYears the period of a repeated duty.
	WithinWorkingDays int    `json:"within_working_days,omitempty"`
	EveryYears        int    `json:"every_years,omitempty"`
	Instrument        string `json:"instrument"`
	Article           string `json:"article"`
	Confidence        string `json:"confidence"`
	EffectiveFrom     string `json:"effective_from"`
	Note              string `json:"note,omitempty"`
	Text              string `json:"text"`
}

// Rules are the volume duties of one region.
type Rules struct {
	Version     string  `json:"version"`
	Description string  `json:"description"`
	Region      string  `json:"region"`
	Duties      []*Rule `json:"duties"`
}

// DefaultRules returns the embedded rules (rules/cn.json).
func DefaultRules() (*Rules, error) { return LoadRules(cnJSON) }

// LoadRules reads and checks a rule file; errors are EINVALID and name the
// entry at fault.
func LoadRules(data []byte) (*Rules, error) {
	var r Rules
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, sluice.Errorf(sluice.EINVALID, "Duty rules: %v.", err)
	}
	seen := map[string]bool{}
	for i, d := range r.Duties {
		entry := fmt.Sprintf("duties[%d] (%s)", i, d.ID)
		_, err := time.Parse(time.DateOnly, d.EffectiveFrom)
		switch {
		case d.ID == "" || seen[d.ID]:
			return nil, sluice.Errorf(sluice.EINVALID, "Duty rules: %s: id missing or used twice.", entry)
		case d.Threshold < 1:
			return nil, sluice.Errorf(sluice.EINVALID, "Duty rules: %s: threshold must be at least 1.", entry)
		case d.Instrument == "" || d.Article == "" || d.Text == "":
			return nil, sluice.Errorf(sluice.EINVALID, "Duty rules: %s: instrument, article and text required.", entry)
		case d.Confidence != "checked" && d.Confidence != "summary" && d.Confidence != "unverified":
			return nil, sluice.Errorf(sluice.EINVALID, "Duty rules: %s: confidence %q is not one of checked, summary, unverified.", entry, d.Confidence)
		case err != nil:
			return nil, sluice.Errorf(sluice.EINVALID, "Duty rules: %s: effective_from %q is not a date (YYYY-MM-DD).", entry, d.EffectiveFrom)
		}
		seen[d.ID] = true
	}
	return &r, nil
}

// A Duty is one volume duty as it stands for an organisation.
type Duty struct {
	ID        string `json:"id"`
	Applies   bool   `json:"applies"`
	Threshold int64  `json:"threshold"`
	Inclusive bool   `json:"inclusive"`
	Ref       string `json:"ref"`
	Text      string `json:"text"`
	// Confidence of the rule, as its file says.
	Confidence string `json:"confidence"`
	// ReachedOn is the first day sluice found the duty to apply.
	ReachedOn string `json:"reached_on,omitempty"`
	// Due is the deadline from ReachedOn, on the PRC calendar; Provisional
	// when the calendar lacks a year it crosses (weekdays were counted).
	Due         string `json:"due,omitempty"`
	Provisional bool   `json:"provisional,omitempty"`
	EveryYears  int    `json:"every_years,omitempty"`
}

// Applies reports whether the duty applies to subjects people.
func (r *Rule) Applies(subjects int64) bool {
	if r.Inclusive {
		return subjects >= r.Threshold
	}
	return subjects > r.Threshold
}

// Evaluate returns the duties for an organisation of subjects people on
// day, in rule order. reached holds the days duties were first found to
// apply (nil: none recorded); a duty that applies with no recorded day
// counts from day.
func (rs *Rules) Evaluate(subjects int64, day time.Time, reached map[string]string) []Duty {
	out := make([]Duty, 0, len(rs.Duties))
	for _, r := range rs.Duties {
		d := Duty{ID: r.ID, Threshold: r.Threshold, Inclusive: r.Inclusive, Ref: r.Instrument + " " + r.Article,
			Text: r.Text, Confidence: r.Confidence, EveryYears: r.EveryYears}
		if r.EffectiveFrom <= day.Format(time.DateOnly) && r.Applies(subjects) {
			d.Applies = true
			d.ReachedOn = reached[r.ID]
			if d.ReachedOn == "" {
				d.ReachedOn = day.Format(time.DateOnly)
			}
			if r.WithinWorkingDays > 0 {
				start, _ := time.Parse(time.DateOnly, d.ReachedOn)
				due, prov := workday.AddWorkingDays(start, r.WithinWorkingDays)
				d.Due, d.Provisional = due.Format(time.DateOnly), prov
			}
		}
		out = append(out, d)
	}
	return out
}

// Counting says how Subjects is counted, for the answer.
const Counting = "exact: distinct subject keys across all the organisation's datasets, visible records only"

// Duties are an organisation's volume duties on a day.
type Duties struct {
	OrgID    int64     `json:"org_id"`
	Subjects int64     `json:"subjects"`
	Counting string    `json:"counting"`
	Date     string    `json:"date"`
	Rules    string    `json:"rules_version"`
	Duties   []Duty    `json:"duties"`
	At       time.Time `json:"at"`
}

// A SubjectCounter is a record store that counts the distinct subject
// keys across datasets exactly.
type SubjectCounter interface {
	CountDistinctSubjects(ctx context.Context, datasetIDs []int64) (int64, error)
}

// A DateStore keeps the day each duty was first found to apply to an org.
type DateStore interface {
	FindDutyDates(ctx context.Context, orgID int64) (map[string]string, error)
	RecordDutyDate(ctx context.Context, orgID int64, duty, on string) (string, error)
}

// Service establishes organisations' volume duties from the stores.
type Service struct {
	Rules    *Rules
	Orgs     sluice.OrgService
	Datasets sluice.DatasetService
	Stores   map[sluice.Region]sluice.RecordStore
	// Dates keeps the days duties were first found; nil: none kept, each
	// answer counts from its own day.
	Dates DateStore
	// Events logs supervisors' views; nil: not logged.
	Events EventAppender
	Now    func() time.Time
}

// OrgDuties counts the distinct people across org orgID's datasets and
// returns its volume duties, recording the first day each applies so
// that deadlines run from it. An org sees its own duties (owners and
// auditors), a supervisor those of the orgs of its regions (the view
// logged), the operator any.
func (s *Service) OrgDuties(ctx context.Context, orgID int64) (*Duties, error) {
	org, err := FindOrgFor(ctx, s.Orgs, s.Events, orgID, "duties")
	if err != nil {
		return nil, err
	}
	var ids []int64
	for offset := 0; ; offset += 1000 {
		ds, _, err := s.Datasets.FindDatasets(sluice.NewContextWithActor(ctx, nil), sluice.DatasetFilter{OrgID: &org.ID, Offset: offset, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			ids = append(ids, d.ID)
		}
		if len(ds) < 1000 {
			break
		}
	}
	store, ok := s.Stores[org.Region]
	if !ok {
		return nil, sluice.Errorf(sluice.EUNAVAILABLE, "No record store for region %s on this server.", org.Region)
	}
	counter, ok := store.(SubjectCounter)
	if !ok {
		return nil, sluice.Errorf(sluice.EINTERNAL, "The record store cannot count distinct subjects.")
	}
	n, err := counter.CountDistinctSubjects(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if s.Now != nil {
		now = s.Now().UTC()
	}
	day := now.Format(time.DateOnly)
	reached := map[string]string{}
	if s.Dates != nil {
		if reached, err = s.Dates.FindDutyDates(ctx, org.ID); err != nil {
			return nil, err
		}
	}
	out := &Duties{OrgID: org.ID, Subjects: n, Counting: Counting, Date: day, Rules: s.Rules.Version, At: now}
	out.Duties = s.Rules.Evaluate(n, now, reached)
	for _, d := range out.Duties {
		if d.Applies && reached[d.ID] == "" && s.Dates != nil {
			if _, err := s.Dates.RecordDutyDate(ctx, org.ID, d.ID, d.ReachedOn); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
