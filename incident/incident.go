// Package incident is sluice's security-incident service: an org opens,
// updates and closes incidents; the reports the law asks for, with their
// clocks, come from rules kept as data (rules/clocks.json: the CAC's
// incident reporting measures, NDSR Art. 10, PIPL Art. 57, GDPR Arts.
// 33–34), and every change is an audit event.
package incident

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/duties"
)

//go:embed rules/clocks.json
var clocksJSON []byte

// A ClockRule is one report an incident may call for, and when.
type ClockRule struct {
	ID     string `json:"id"`
	Region string `json:"region"`
	// Conditions: each set one must hold. Others matches an org that is
	// neither a CIIO nor a state organ.
	CIIO             bool   `json:"ciio,omitempty"`
	StateOrgan       bool   `json:"state_organ,omitempty"`
	Others           bool   `json:"others,omitempty"`
	NationalSecurity bool   `json:"national_security,omitempty"`
	PersonalData     bool   `json:"personal_data,omitempty"`
	HighRisk         bool   `json:"high_risk,omitempty"`
	MinSeverity      string `json:"min_severity,omitempty"`
	// Hours from discovery; 0: no time count.
	Hours          int    `json:"hours,omitempty"`
	NotifySubjects bool   `json:"notify_subjects,omitempty"`
	To             string `json:"to"`
	Instrument     string `json:"instrument"`
	Article        string `json:"article"`
	Confidence     string `json:"confidence"`
	EffectiveFrom  string `json:"effective_from"`
	Note           string `json:"note,omitempty"`
}

// Rules are the clock rules and the notice's contents.
type Rules struct {
	Version     string       `json:"version"`
	Description string       `json:"description"`
	Severities  []string     `json:"severities"`
	Clocks      []*ClockRule `json:"clocks"`
	Notice      struct {
		Instrument    string   `json:"instrument"`
		Article       string   `json:"article"`
		Confidence    string   `json:"confidence"`
		EffectiveFrom string   `json:"effective_from"`
		Items         []string `json:"items"`
		Note          string   `json:"note"`
	} `json:"notice"`
}

// DefaultRules returns the embedded rules (rules/clocks.json).
func DefaultRules() (*Rules, error) { return LoadRules(clocksJSON) }

// LoadRules reads and checks a clock rule file; errors are EINVALID and
// name the entry.
func LoadRules(data []byte) (*Rules, error) {
	var r Rules
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, sluice.Errorf(sluice.EINVALID, "Incident rules: %v.", err)
	}
	if len(r.Severities) == 0 {
		return nil, sluice.Errorf(sluice.EINVALID, "Incident rules: severities required.")
	}
	for i, c := range r.Clocks {
		entry := fmt.Sprintf("clocks[%d] (%s)", i, c.ID)
		_, err := time.Parse(time.DateOnly, c.EffectiveFrom)
		switch {
		case c.ID == "" || c.To == "" || c.Instrument == "" || c.Article == "":
			return nil, sluice.Errorf(sluice.EINVALID, "Incident rules: %s: id, to, instrument and article required.", entry)
		case c.Confidence != "checked" && c.Confidence != "summary" && c.Confidence != "unverified":
			return nil, sluice.Errorf(sluice.EINVALID, "Incident rules: %s: confidence %q is not one of checked, summary, unverified.", entry, c.Confidence)
		case err != nil:
			return nil, sluice.Errorf(sluice.EINVALID, "Incident rules: %s: effective_from %q is not a date.", entry, c.EffectiveFrom)
		case c.MinSeverity != "" && !slices.Contains(r.Severities, c.MinSeverity):
			return nil, sluice.Errorf(sluice.EINVALID, "Incident rules: %s: min_severity %q is not a severity.", entry, c.MinSeverity)
		case c.Hours < 0:
			return nil, sluice.Errorf(sluice.EINVALID, "Incident rules: %s: hours must not be negative.", entry)
		}
	}
	return &r, nil
}

// severity returns the rank of s, or -1.
func (r *Rules) severity(s string) int { return slices.Index(r.Severities, s) }

// The facts about the org a clock depends on.
type orgFacts struct {
	region     sluice.Region
	ciio       bool
	stateOrgan bool
}

// Clocks returns the reports incident x of an org with facts calls for,
// with their deadlines from x.DiscoveredAt, keeping the reported times of
// prev (the clocks as they were). Rules not yet in force on the day of
// discovery are left out.
func (r *Rules) clocks(x *sluice.Incident, o orgFacts, prev []*sluice.IncidentClock) []*sluice.IncidentClock {
	day := x.DiscoveredAt.UTC().Format(time.DateOnly)
	var out []*sluice.IncidentClock
	for _, c := range r.Clocks {
		switch {
		case c.Region != string(o.region), c.EffectiveFrom > day,
			c.CIIO && !o.ciio, c.StateOrgan && (!o.stateOrgan || o.ciio), c.Others && (o.ciio || o.stateOrgan),
			c.NationalSecurity && !x.NationalSecurity, c.PersonalData && !x.PersonalData, c.HighRisk && !x.HighRisk,
			c.MinSeverity != "" && r.severity(x.Severity) < r.severity(c.MinSeverity):
			continue
		}
		k := &sluice.IncidentClock{ID: c.ID, To: c.To, NotifySubjects: c.NotifySubjects, Ref: c.Instrument + " " + c.Article, Confidence: c.Confidence}
		if c.Hours > 0 {
			due := x.DiscoveredAt.UTC().Add(time.Duration(c.Hours) * time.Hour)
			k.DueAt = &due
		}
		for _, p := range prev {
			if p.ID == c.ID {
				k.ReportedAt = p.ReportedAt
			}
		}
		out = append(out, k)
	}
	return out
}

// Service handles an org's incidents.
type Service struct {
	Rules *Rules
	Orgs  sluice.OrgService
	Store sluice.IncidentStore
	// Events logs supervisors' views; nil: not logged.
	Events duties.EventAppender
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// An Update changes an open incident. Nil fields are left as they are;
// Reported lists clocks reported (by ID), at ReportedAt (default now).
type Update struct {
	Severity         *string                `json:"severity,omitempty"`
	Subjects         *int64                 `json:"subjects,omitempty"`
	Datasets         []int64                `json:"datasets,omitempty"`
	PersonalData     *bool                  `json:"personal_data,omitempty"`
	HighRisk         *bool                  `json:"high_risk,omitempty"`
	NationalSecurity *bool                  `json:"national_security,omitempty"`
	Description      *string                `json:"description,omitempty"`
	Notice           *sluice.IncidentNotice `json:"notice,omitempty"`
	Reported         []string               `json:"reported,omitempty"`
	ReportedAt       *time.Time             `json:"reported_at,omitempty"`
}

func (s *Service) actor(ctx context.Context) (*sluice.Org, error) {
	a := sluice.ActorFromContext(ctx)
	if a == nil || a.Org == nil {
		return nil, sluice.Errorf(sluice.EUNAUTHORIZED, "Incidents belong to an org: use an org's key.")
	}
	return a.Org, nil
}

func (s *Service) facts(o *sluice.Org) orgFacts {
	return orgFacts{region: o.Region, ciio: o.CIIO, stateOrgan: o.Sector == sluice.SectorStateOrgan}
}

// check validates x's severity, counts and notice.
func (s *Service) check(x *sluice.Incident) error {
	switch {
	case s.Rules.severity(x.Severity) < 0:
		return &sluice.Error{Code: sluice.EINVALID, Field: "severity",
			Message: fmt.Sprintf("severity: %q is not one of %s.", x.Severity, strings.Join(s.Rules.Severities, ", "))}
	case x.Subjects < 0:
		return &sluice.Error{Code: sluice.EINVALID, Field: "subjects", Message: "subjects: must not be negative."}
	case x.DiscoveredAt.IsZero():
		return &sluice.Error{Code: sluice.EINVALID, Field: "discovered_at", Message: "discovered_at: required (RFC 3339)."}
	case x.DiscoveredAt.After(s.now()):
		return &sluice.Error{Code: sluice.EINVALID, Field: "discovered_at", Message: "discovered_at: in the future."}
	case len(x.Description) > 8000:
		return &sluice.Error{Code: sluice.EINVALID, Field: "description", Message: "description: longer than 8000 bytes."}
	}
	return nil
}

// event returns the audit event of a change: severity, counts, the clocks
// and the hash of the description, never its text.
func event(action string, x *sluice.Incident) *sluice.Event {
	clocks := map[string]any{}
	for _, c := range x.Clocks {
		v := map[string]any{"ref": c.Ref}
		if c.DueAt != nil {
			v["due_at"] = c.DueAt.Format(time.RFC3339)
		}
		if c.ReportedAt != nil {
			v["reported_at"] = c.ReportedAt.Format(time.RFC3339)
		}
		clocks[c.ID] = v
	}
	ds := make([]any, len(x.Datasets))
	for i, d := range x.Datasets {
		ds[i] = d
	}
	e := &sluice.Event{
		Action:   action,
		Decision: x.Status,
		Object:   map[string]any{},
		Details: map[string]any{"severity": x.Severity, "subjects": x.Subjects, "datasets": ds, "personal_data": x.PersonalData,
			"high_risk": x.HighRisk, "national_security": x.NationalSecurity, "discovered_at": x.DiscoveredAt.Format(time.RFC3339),
			"clocks": clocks, "description_sha256": sluice.TextHash(x.Description), "notice": x.Notice != nil},
	}
	return e
}

// Open records a new incident of the acting org, computes its clocks and
// logs it.
func (s *Service) Open(ctx context.Context, x *sluice.Incident) (*sluice.Incident, error) {
	org, err := s.actor(ctx)
	if err != nil {
		return nil, err
	}
	x.ID, x.OrgID, x.Status, x.ClosedAt = 0, org.ID, sluice.IncidentOpen, nil
	if err := s.check(x); err != nil {
		return nil, err
	}
	x.Clocks = s.Rules.clocks(x, s.facts(org), nil)
	if err := s.Store.CreateIncident(ctx, x, event(sluice.ActionIncidentOpen, x)); err != nil {
		return nil, err
	}
	s.present(x)
	return x, nil
}

// Modify applies u to open incident id of the acting org, recomputes its
// clocks and logs the change.
func (s *Service) Modify(ctx context.Context, id int64, u Update) (*sluice.Incident, error) {
	org, err := s.actor(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	x, err := s.Store.UpdateIncident(ctx, org.ID, id, func(x *sluice.Incident) (*sluice.Event, error) {
		if x.Status != sluice.IncidentOpen {
			return nil, sluice.Errorf(sluice.ECONFLICT, "Incident %d is closed.", x.ID)
		}
		set(&x.Severity, u.Severity)
		set(&x.Subjects, u.Subjects)
		set(&x.PersonalData, u.PersonalData)
		set(&x.HighRisk, u.HighRisk)
		set(&x.NationalSecurity, u.NationalSecurity)
		set(&x.Description, u.Description)
		if u.Datasets != nil {
			x.Datasets = u.Datasets
		}
		if u.Notice != nil {
			x.Notice = u.Notice
		}
		if err := s.check(x); err != nil {
			return nil, err
		}
		x.Clocks = s.Rules.clocks(x, s.facts(org), x.Clocks)
		at := now
		if u.ReportedAt != nil {
			at = u.ReportedAt.UTC()
		}
		for _, id := range u.Reported {
			i := slices.IndexFunc(x.Clocks, func(c *sluice.IncidentClock) bool { return c.ID == id })
			if i < 0 {
				return nil, &sluice.Error{Code: sluice.EINVALID, Field: "reported", Message: fmt.Sprintf("reported: %q is not a report this incident calls for.", id)}
			}
			x.Clocks[i].ReportedAt = &at
		}
		return event(sluice.ActionIncidentUpdate, x), nil
	})
	if err != nil {
		return nil, err
	}
	s.present(x)
	return x, nil
}

// Close closes open incident id of the acting org. A personal-information
// incident closes only with its notice (PIPL Art. 57: kinds, cause, harm,
// remedies, what people can do, contact).
func (s *Service) Close(ctx context.Context, id int64) (*sluice.Incident, error) {
	org, err := s.actor(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	x, err := s.Store.UpdateIncident(ctx, org.ID, id, func(x *sluice.Incident) (*sluice.Event, error) {
		if x.Status != sluice.IncidentOpen {
			return nil, sluice.Errorf(sluice.ECONFLICT, "Incident %d is already closed.", x.ID)
		}
		if x.PersonalData {
			if field := missingNotice(x.Notice); field != "" {
				return nil, &sluice.Error{Code: sluice.EINVALID, Field: "notice." + field,
					Message: fmt.Sprintf("notice.%s: required before a personal-information incident closes (%s %s).", field, s.Rules.Notice.Instrument, s.Rules.Notice.Article)}
			}
		}
		x.Status, x.ClosedAt = sluice.IncidentClosed, &now
		return event(sluice.ActionIncidentClose, x), nil
	})
	if err != nil {
		return nil, err
	}
	s.present(x)
	return x, nil
}

// Find returns the acting org's incidents (id 0: all), newest first; a
// supervisor names the org (orgID), one of its regions, and its view is
// logged.
func (s *Service) Find(ctx context.Context, orgID, id int64) ([]*sluice.Incident, error) {
	var org *sluice.Org
	var err error
	if a := sluice.ActorFromContext(ctx); a != nil && a.Role == sluice.RoleSupervisor {
		if orgID == 0 {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: "org", Message: "org: a supervisor names the org whose incidents to read."}
		}
		org, err = duties.FindOrgFor(ctx, s.Orgs, s.Events, orgID, "incidents")
	} else {
		org, err = s.actor(ctx)
	}
	if err != nil {
		return nil, err
	}
	xs, err := s.Store.FindIncidents(ctx, org.ID, id)
	if err != nil {
		return nil, err
	}
	if id != 0 && len(xs) == 0 {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Incident %d not found.", id)
	}
	for _, x := range xs {
		s.present(x)
	}
	return xs, nil
}

// present marks the clocks past due and not reported, as of now.
func (s *Service) present(x *sluice.Incident) {
	now := s.now()
	for _, c := range x.Clocks {
		c.Overdue = c.DueAt != nil && c.ReportedAt == nil && now.After(*c.DueAt)
	}
}

func missingNotice(n *sluice.IncidentNotice) string {
	switch {
	case n == nil || len(n.Kinds) == 0:
		return "kinds"
	case strings.TrimSpace(n.Cause) == "":
		return "cause"
	case strings.TrimSpace(n.Harm) == "":
		return "harm"
	case strings.TrimSpace(n.Remedies) == "":
		return "remedies"
	case strings.TrimSpace(n.SubjectActions) == "":
		return "subject_actions"
	case strings.TrimSpace(n.Contact) == "":
		return "contact"
	}
	return ""
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
