// Package processing generates an organisation's record of processing
// from sluice's own data: for each dataset its purposes (basis,
// categories, retention, GDPR Art. 9(2) condition), the categories of
// data it holds, its recipients (grants) and its transfers abroad — the
// record of processing activities of GDPR Art. 30(1) for an EU
// organisation — and the processings that call for a personal
// information protection impact assessment under PIPL Art. 55 (exports,
// provision of sensitive personal information to others, automated
// decisions), whose reports and records are kept 3 years (Art. 56).
package processing

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/duties"
)

// A Record is an organisation's record of processing.
type Record struct {
	OrgID       int64       `json:"org_id"`
	Region      string      `json:"region"`
	Ref         string      `json:"ref"` // the rule the record answers
	GeneratedAt time.Time   `json:"generated_at"`
	Activities  []*Activity `json:"activities"`
	// Assessments lists the processings that need a PIPIA (PIPL Art. 55)
	// with where its report is kept for 3 years (Art. 56).
	Assessments []Assessment `json:"assessments"`
}

// An Activity is one dataset's processing.
type Activity struct {
	Dataset      int64      `json:"dataset"`
	Name         string     `json:"name"`
	Purposes     []*Purpose `json:"purposes"`
	PurposeLabel string     `json:"purpose_label,omitempty"` // the legacy free-text purpose
	Categories   []string   `json:"categories"`              // categories of personal data found in its fields
	Sensitive    []string   `json:"sensitive_fields,omitempty"`
	// WrittenConsent lists the fields another may read only on the
	// subject's written consent (credit information, Credit Reporting
	// Industry Regulations Art. 18).
	WrittenConsent []string    `json:"written_consent_fields,omitempty"`
	Minors         bool        `json:"minors,omitempty"`
	Subjects       int64       `json:"subjects,omitempty"` // distinct people, as last counted
	StoredIn       string      `json:"stored_in"`          // region
	Recipients     []Recipient `json:"recipients"`
	Transfers      []Transfer  `json:"transfers"`
	Measures       []string    `json:"measures"`
}

// A Purpose is a declared purpose as the record shows it.
type Purpose struct {
	Name                     string   `json:"name"`
	LegalBasis               string   `json:"legal_basis"`
	Categories               []string `json:"categories"`
	RetentionDays            int      `json:"retention_days"`
	SpecialCategoryCondition string   `json:"special_category_condition,omitempty"`
	Profiling                bool     `json:"profiling,omitempty"`
}

// A Recipient is an org given access through a grant.
type Recipient struct {
	Grant      int64    `json:"grant"`
	Consumer   int64    `json:"consumer_org_id"`
	Purpose    string   `json:"purpose"`
	LegalBasis string   `json:"legal_basis"`
	Status     string   `json:"status"`
	Fields     []string `json:"fields"`
}

// A Transfer is a transfer abroad of the dataset's records.
type Transfer struct {
	ID        int64  `json:"id"`
	Country   string `json:"country"`
	Recipient string `json:"recipient"`
	Route     string `json:"route"`
	Status    string `json:"status"`
	Date      string `json:"date"`
}

// An Assessment is a processing that needs a PIPIA.
type Assessment struct {
	Kind    string `json:"kind"` // export, provide_sensitive, automated_decision
	Dataset int64  `json:"dataset"`
	Subject int64  `json:"subject_id"` // the transfer, grant or purpose concerned
	Detail  string `json:"detail"`
	Ref     string `json:"ref"`
	KeepFor string `json:"keep_for"`
}

// Service builds records from the stores.
type Service struct {
	Orgs      sluice.OrgService
	Datasets  sluice.DatasetService
	Purposes  sluice.PurposeService
	Grants    sluice.GrantService
	Transfers sluice.TransferStore
	// Events logs supervisors' views; nil: not logged.
	Events duties.EventAppender
	Now    func() time.Time
	// PIPIARules are the impact-assessment rules; nil: the embedded ones.
	PIPIARules *PIPIARules
	// WrittenConsent reports whether categories need written consent
	// before another reads them (the sharing rules'); nil: none do.
	WrittenConsent func(categories []string) bool
}

const pageSize = 1000

// OrgRecord returns org orgID's record of processing. An org sees its own
// (owners and auditors), a supervisor those of the orgs of its regions
// (the view logged), the operator any.
func (s *Service) OrgRecord(ctx context.Context, orgID int64) (*Record, error) {
	org, err := duties.FindOrgFor(ctx, s.Orgs, s.Events, orgID, "processing")
	if err != nil {
		return nil, err
	}
	rec, _, err := s.record(ctx, org)
	return rec, err
}

// facts are what a record was built from, kept for the assessments
// (pipia.go).
type facts struct {
	purposes  map[string]*sluice.Purpose
	datasets  map[int64]*sluice.Dataset
	grants    map[int64]*sluice.Grant
	transfers map[int64]*sluice.Transfer
}

// record builds org's record of processing; the caller has checked
// access.
func (s *Service) record(ctx context.Context, org *sluice.Org) (*Record, *facts, error) {
	now := time.Now().UTC()
	if s.Now != nil {
		now = s.Now().UTC()
	}
	rec := &Record{OrgID: org.ID, Region: string(org.Region), GeneratedAt: now, Activities: []*Activity{}, Assessments: []Assessment{},
		Ref: "PIPL Arts. 55–56"}
	if org.Region == "EU" {
		rec.Ref = "GDPR Art. 30(1); PIPL Arts. 55–56"
	}
	octx := sluice.NewContextWithActor(ctx, nil)
	purposes := map[string]*sluice.Purpose{}
	fx := &facts{purposes: purposes, datasets: map[int64]*sluice.Dataset{}, grants: map[int64]*sluice.Grant{}, transfers: map[int64]*sluice.Transfer{}}
	for off := 0; ; off += pageSize {
		ps, _, err := s.Purposes.FindPurposes(octx, sluice.PurposeFilter{OrgID: &org.ID, Offset: off, Limit: pageSize})
		if err != nil {
			return nil, nil, err
		}
		for _, p := range ps {
			purposes[p.Name] = p
		}
		if len(ps) < pageSize {
			break
		}
	}
	for off := 0; ; off += pageSize {
		ds, _, err := s.Datasets.FindDatasets(octx, sluice.DatasetFilter{OrgID: &org.ID, Offset: off, Limit: pageSize})
		if err != nil {
			return nil, nil, err
		}
		for _, d := range ds {
			fx.datasets[d.ID] = d
			a, err := s.activity(octx, d, fx, rec)
			if err != nil {
				return nil, nil, err
			}
			rec.Activities = append(rec.Activities, a)
		}
		if len(ds) < pageSize {
			break
		}
	}
	return rec, fx, nil
}

// activity builds one dataset's entry and adds the assessments it calls
// for to rec.
func (s *Service) activity(ctx context.Context, d *sluice.Dataset, fx *facts, rec *Record) (*Activity, error) {
	purposes := fx.purposes
	a := &Activity{Dataset: d.ID, Name: d.Name, Purposes: []*Purpose{}, Categories: []string{}, Minors: d.Minors, Subjects: d.Subjects,
		StoredIn: string(d.Region), Recipients: []Recipient{}, Transfers: []Transfer{},
		Measures: []string{"records stored only in their region's store", "personal data de-identified by default before it is provided (per-field operators)",
			"every read, decision and change in a verifiable audit log"}}
	if len(d.Purposes) == 0 {
		a.PurposeLabel = d.Purpose
	}
	sensitive := map[string]bool{}
	for _, f := range d.Fields {
		for _, c := range f.Categories {
			if (c.Key == "user" || strings.HasPrefix(c.Key, "user.")) && !slices.Contains(a.Categories, c.Key) {
				a.Categories = append(a.Categories, c.Key)
			}
		}
		if f.Sensitive {
			a.Sensitive = append(a.Sensitive, f.Name)
			sensitive[f.Name] = true
		}
		if s.WrittenConsent != nil && s.WrittenConsent(categoryKeys(f)) {
			a.WrittenConsent = append(a.WrittenConsent, f.Name)
		}
	}
	slices.Sort(a.Categories)
	for _, name := range d.Purposes {
		p := purposes[name]
		if p == nil {
			continue
		}
		a.Purposes = append(a.Purposes, &Purpose{Name: p.Name, LegalBasis: p.LegalBasis, Categories: p.Categories, RetentionDays: p.RetentionDays,
			SpecialCategoryCondition: p.SpecialCategoryCondition, Profiling: p.Profiling})
		if p.Profiling {
			rec.Assessments = append(rec.Assessments, Assessment{Kind: "automated_decision", Dataset: d.ID, Subject: p.ID,
				Detail: "purpose " + p.Name + " profiles people", Ref: "PIPL Art. 55(2)", KeepFor: "3 years (PIPL Art. 56)"})
		}
	}
	for off := 0; ; off += pageSize {
		gs, _, err := s.Grants.FindGrants(ctx, sluice.GrantFilter{DatasetID: &d.ID, Offset: off, Limit: pageSize})
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			fx.grants[g.ID] = g
			r := Recipient{Grant: g.ID, Consumer: g.ConsumerOrgID, Purpose: g.Purpose, LegalBasis: g.LegalBasis, Status: string(g.Status), Fields: g.FieldNames()}
			a.Recipients = append(a.Recipients, r)
			if g.Status == sluice.GrantApproved && slices.ContainsFunc(r.Fields, func(f string) bool { return sensitive[f] }) {
				rec.Assessments = append(rec.Assessments, Assessment{Kind: "provide_sensitive", Dataset: d.ID, Subject: g.ID,
					Detail: "grant provides sensitive personal information to another org", Ref: "PIPL Art. 55(1), (3)", KeepFor: "3 years (PIPL Art. 56)"})
			}
		}
		if len(gs) < pageSize {
			break
		}
	}
	if s.Transfers != nil {
		for off := 0; ; off += pageSize {
			ts, _, err := s.Transfers.FindTransfers(ctx, sluice.TransferFilter{DatasetID: &d.ID, Offset: off, Limit: pageSize})
			if err != nil {
				return nil, err
			}
			for _, t := range ts {
				fx.transfers[t.ID] = t
				a.Transfers = append(a.Transfers, Transfer{ID: t.ID, Country: t.DestinationCountry, Recipient: t.Recipient, Route: t.Decision.Route,
					Status: string(t.Status), Date: t.Date})
				rec.Assessments = append(rec.Assessments, Assessment{Kind: "export", Dataset: d.ID, Subject: t.ID,
					Detail: "transfer abroad to " + t.DestinationCountry, Ref: "PIPL Art. 55(4)", KeepFor: "3 years (PIPL Art. 56)"})
			}
			if len(ts) < pageSize {
				break
			}
		}
	}
	return a, nil
}

func categoryKeys(f *sluice.Field) []string {
	out := make([]string, len(f.Categories))
	for i, c := range f.Categories {
		out[i] = c.Key
	}
	return out
}
