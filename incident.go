package sluice

import (
	"context"
	"time"
)

// Audit actions of security incidents.
const (
	ActionIncidentOpen   = "incident.open"
	ActionIncidentUpdate = "incident.update"
	ActionIncidentClose  = "incident.close"
)

// Incident statuses.
const (
	IncidentOpen   = "open"
	IncidentClosed = "closed"
)

// An Incident is a security incident an org handles: what happened, how
// grave, which datasets and how many people, the reports the law asks for
// with their clocks, and the notice to the people concerned.
type Incident struct {
	ID     int64  `json:"id"`
	OrgID  int64  `json:"org_id"`
	Status string `json:"status"`
	// Severity: general, relatively_major, major or especially_major.
	Severity     string    `json:"severity"`
	DiscoveredAt time.Time `json:"discovered_at"`
	Datasets     []int64   `json:"datasets,omitempty"`
	Subjects     int64     `json:"subjects"` // people affected, as far as known
	// PersonalData: personal information was leaked, tampered with or
	// lost; HighRisk: a high risk to people's rights (GDPR Art. 34);
	// NationalSecurity: a flaw or risk endangering national security or
	// the public interest (NDSR Art. 10).
	PersonalData     bool `json:"personal_data"`
	HighRisk         bool `json:"high_risk,omitempty"`
	NationalSecurity bool `json:"national_security,omitempty"`
	// Description is kept in the store; the audit log holds its hash.
	Description string          `json:"description,omitempty"`
	Notice      *IncidentNotice `json:"notice,omitempty"`
	// Clocks are the reports due, computed by the server from the rules.
	Clocks    []*IncidentClock `json:"clocks"`
	ClosedAt  *time.Time       `json:"closed_at,omitempty"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
}

// An IncidentNotice is what the processor tells people and the authority
// of a personal-information incident (PIPL Art. 57).
type IncidentNotice struct {
	Kinds          []string `json:"kinds"`           // kinds of personal information concerned
	Cause          string   `json:"cause"`           // the cause
	Harm           string   `json:"harm"`            // the harm it may cause
	Remedies       string   `json:"remedies"`        // remedial measures taken
	SubjectActions string   `json:"subject_actions"` // what people can do to reduce the harm
	Contact        string   `json:"contact"`         // the processor's contact
}

// An IncidentClock is one report an incident calls for: to whom, by when
// (zero: no day count), on which rule, and when it was made.
type IncidentClock struct {
	ID             string     `json:"id"`
	To             string     `json:"to"`
	DueAt          *time.Time `json:"due_at,omitempty"`
	NotifySubjects bool       `json:"notify_subjects,omitempty"`
	Ref            string     `json:"ref"`
	Confidence     string     `json:"confidence"`
	ReportedAt     *time.Time `json:"reported_at,omitempty"`
	Overdue        bool       `json:"overdue,omitempty"` // past due and not reported (as of the answer)
}

// IncidentStore keeps an org's incidents in the control store, each
// change with its audit event.
type IncidentStore interface {
	// CreateIncident stores x with its event and sets x.ID.
	CreateIncident(ctx context.Context, x *Incident, e *Event) error
	// UpdateIncident applies fn to the stored incident id of org orgID
	// in one transaction and stores the result with fn's event.
	UpdateIncident(ctx context.Context, orgID, id int64, fn func(x *Incident) (*Event, error)) (*Incident, error)
	// FindIncidents returns org orgID's incidents (id 0: all), newest
	// first.
	FindIncidents(ctx context.Context, orgID, id int64) ([]*Incident, error)
}
