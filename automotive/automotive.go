// Package automotive makes the annual report of automotive data security
// management (Several Provisions on Automotive Data Security Management
// (Trial), CAC Order 7; due 15 December to the provincial cyberspace
// administration) from sluice's own records: the processor, its datasets
// and the classes of important data they fall in (Art. 3, as data in
// classify/catalog/automotive.json), the people whose personal
// information it holds counted per processor, its transfers abroad and
// exports of the year with routes and recipients, its sharing with other
// organisations, the measures sluice applies and the incidents recorded.
// What sluice cannot know it lists for the processor to complete; it
// never fills it in.
package automotive

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/duties"
)

// ToComplete marks an item sluice cannot fill from its records.
const ToComplete = "to be completed by the processor"

// A Report is one year's annual report of an automotive data processor.
type Report struct {
	Year        int       `json:"year"`
	Due         string    `json:"due"` // YYYY-MM-DD
	To          string    `json:"to"`
	Ref         string    `json:"ref"`
	Confidence  string    `json:"confidence"`
	Note        string    `json:"note,omitempty"`
	Classes     string    `json:"classes_version"`
	GeneratedAt time.Time `json:"generated_at"`

	Processor Processor `json:"processor"`
	// People counts the distinct people across the processor's datasets,
	// against the Art. 3(5) count.
	People People `json:"people"`
	// ImportantData are the datasets that hold important data, with
	// their classes; Datasets all the processor's datasets.
	ImportantData []*Dataset `json:"important_data"`
	Datasets      []*Dataset `json:"datasets"`
	Measures      []string   `json:"measures"`
	Sharing       []Sharing  `json:"sharing"`
	Transfers     []Transfer `json:"transfers_abroad"`
	Incidents     []Incident `json:"incidents"`
	// IncidentsRecorded is false when this server keeps no incidents:
	// the list is then not a statement that there were none.
	IncidentsRecorded bool `json:"incidents_recorded"`
	// ToComplete lists the report items sluice cannot know.
	ToComplete []Item `json:"to_complete"`
}

// The Processor is the organisation reporting.
type Processor struct {
	OrgID  int64  `json:"org_id"`
	Name   string `json:"name"`
	Region string `json:"region"`
	Sector string `json:"sector,omitempty"`
	CIIO   bool   `json:"ciio"`
	// SecurityHead and RightsContact are the head of data security and
	// the contact for personal-information rights.
	SecurityHead  string `json:"security_head"`
	RightsContact string `json:"rights_contact"`
}

// People is the per-processor count of Art. 3(5).
type People struct {
	Subjects  int64  `json:"subjects"`
	Counting  string `json:"counting"`
	Threshold int64  `json:"threshold,omitempty"`
	Op        string `json:"op,omitempty"`
	Ref       string `json:"ref,omitempty"`
	Reached   bool   `json:"reached"`
	// Applies is false for a processor outside the automotive sector: the
	// count class concerns automotive data processors.
	Applies bool `json:"applies"`
}

// A Dataset is one dataset as the report shows it.
type Dataset struct {
	ID         int64                  `json:"id"`
	Name       string                 `json:"name"`
	Grade      string                 `json:"grade"`
	Important  bool                   `json:"important"`
	Classes    []classify.AutoFinding `json:"classes"`
	Declared   sluice.AutoDeclaration `json:"declared"`
	Categories []string               `json:"categories"` // kinds of data, by category
	Records    int64                  `json:"records"`
	Subjects   int64                  `json:"subjects"` // distinct people of this dataset, as last counted
	Purposes   []string               `json:"purposes"`
	Purpose    string                 `json:"purpose"`
	StoredIn   string                 `json:"stored_in"`
	// RetentionDays is the dataset's own retention, 0 when its purposes'
	// retention applies.
	RetentionDays int `json:"retention_days,omitempty"`
}

// Sharing is a grant of access to another organisation in the year.
type Sharing struct {
	Grant      int64    `json:"grant"`
	Dataset    int64    `json:"dataset"`
	Consumer   int64    `json:"consumer_org_id"`
	Purpose    string   `json:"purpose"`
	LegalBasis string   `json:"legal_basis"`
	Status     string   `json:"status"`
	Fields     []string `json:"fields"`
	Important  bool     `json:"important"` // the dataset holds important data
}

// A Transfer is a transfer abroad dated in the year, with its exports.
type Transfer struct {
	ID         int64    `json:"id"`
	Dataset    int64    `json:"dataset"`
	Date       string   `json:"date"`
	Country    string   `json:"country"`
	Recipient  string   `json:"recipient"`
	Purpose    string   `json:"purpose"`
	Fields     []string `json:"fields"`
	Subjects   int64    `json:"subjects"`
	Route      string   `json:"route"`
	Status     string   `json:"status"`
	Important  bool     `json:"important"`
	AutoClass  []string `json:"auto_classes,omitempty"`
	Exports    []Export `json:"exports"`
	Evidence   []string `json:"evidence"` // kinds and references of the evidence on file
	Overseas   string   `json:"overseas_storage"`
	Complaints string   `json:"complaints"`
}

// An Export is one release of records under a transfer.
type Export struct {
	Date     string `json:"date"`
	Records  int64  `json:"records"`
	Subjects int64  `json:"subjects"`
}

// An Incident is a security incident discovered in the year.
type Incident struct {
	ID           int64   `json:"id"`
	Severity     string  `json:"severity"`
	Status       string  `json:"status"`
	DiscoveredAt string  `json:"discovered_at"`
	Datasets     []int64 `json:"datasets"`
	Subjects     int64   `json:"subjects"`
	PersonalData bool    `json:"personal_data"`
}

// An Item is a report item the processor completes.
type Item struct {
	Item string `json:"item"`
	Ref  string `json:"ref"`
}

// Service makes reports from the stores.
type Service struct {
	// Classes are the Art. 3 classes and the report's rule; nil means
	// classify.DefaultAutoClasses().
	Classes   *classify.AutoClasses
	Orgs      sluice.OrgService
	Datasets  sluice.DatasetService
	Grants    sluice.GrantService
	Transfers sluice.TransferStore
	// Incidents keeps incidents; nil: none recorded.
	Incidents sluice.IncidentStore
	Stores    map[sluice.Region]sluice.RecordStore
	// Events logs supervisors' views; nil: not logged.
	Events duties.EventAppender
	Now    func() time.Time
}

// Counting says how the people are counted, for the answer.
const Counting = "exact, per processor: distinct subject keys across all the organisation's datasets, a person in several counted once; visible records only"

// Measures are the security measures sluice itself applies to the data
// it holds.
var Measures = []string{
	"records stored only in their region's store (CN data in China)",
	"exports abroad only through a decided route, counted and logged, within the evidence's validity",
	"personal data de-identified by default before it is provided (per-field operators)",
	"every read, decision, grant, export and change in a verifiable audit log",
	"API keys per role; owners act, auditors and supervisors read",
}

const pageSize = 1000

// AnnualReport returns org orgID's report for year (0: the current
// year). An org reads its own (owners and auditors), a supervisor those
// of the orgs of its regions (the view logged), the operator any.
func (s *Service) AnnualReport(ctx context.Context, orgID int64, year int) (*Report, error) {
	now := sluice.Now()
	if s.Now != nil {
		now = s.Now().UTC()
	}
	if year == 0 {
		year = now.Year()
	}
	if year < 2021 || year > now.Year() {
		return nil, &sluice.Error{Code: sluice.EINVALID, Field: "year",
			Message: fmt.Sprintf("year: %d is not a year from 2021 (the Provisions are in force from 2021-10-01) to %d.", year, now.Year())}
	}
	classes := s.Classes
	if classes == nil {
		var err error
		if classes, err = classify.DefaultAutoClasses(); err != nil {
			return nil, err
		}
	}
	org, err := duties.FindOrgFor(ctx, s.Orgs, s.Events, orgID, "automotive-report")
	if err != nil {
		return nil, err
	}
	octx := sluice.NewContextWithActor(ctx, nil)
	// The classes as they stand at the end of the year, or today for the
	// current year.
	day := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	if day.After(now) {
		day = now
	}
	rr := classes.Report
	rep := &Report{Year: year, Due: rr.DueOn(year), To: rr.To, Ref: rr.Instrument + " " + rr.Article, Confidence: rr.Confidence, Note: rr.Note,
		Classes: classes.Version, GeneratedAt: now,
		Processor: Processor{OrgID: org.ID, Name: org.Name, Region: string(org.Region), Sector: org.Sector, CIIO: org.CIIO,
			SecurityHead: ToComplete, RightsContact: ToComplete},
		ImportantData: []*Dataset{}, Datasets: []*Dataset{}, Measures: Measures, Sharing: []Sharing{}, Transfers: []Transfer{},
		Incidents: []Incident{}, IncidentsRecorded: s.Incidents != nil}

	var ds []*sluice.Dataset
	for off := 0; ; off += pageSize {
		page, _, err := s.Datasets.FindDatasets(octx, sluice.DatasetFilter{OrgID: &org.ID, Offset: off, Limit: pageSize})
		if err != nil {
			return nil, err
		}
		ds = append(ds, page...)
		if len(page) < pageSize {
			break
		}
	}
	if rep.People, err = s.people(ctx, org, ds, classes, day); err != nil {
		return nil, err
	}
	important := map[int64]bool{}
	for _, d := range ds {
		x := datasetOf(d)
		x.Classes = classes.Evaluate(classify.AutoInput{Region: d.Region, Declared: d.Automotive, Sector: org.Sector,
			ProcessorSubjects: peopleIf(d, rep.People.Subjects), Day: day})
		if x.Classes == nil {
			x.Classes = []classify.AutoFinding{}
		}
		x.Important = len(x.Classes) > 0 || d.Grade.Rank() >= sluice.GradeImportant.Rank()
		important[d.ID] = x.Important
		rep.Datasets = append(rep.Datasets, x)
		if x.Important {
			rep.ImportantData = append(rep.ImportantData, x)
		}
		if err := s.sharing(octx, rep, d, year, x.Important); err != nil {
			return nil, err
		}
		if err := s.transfers(octx, rep, d, year, x.Important); err != nil {
			return nil, err
		}
	}
	if s.Incidents != nil {
		xs, err := s.Incidents.FindIncidents(octx, org.ID, 0)
		if err != nil {
			return nil, err
		}
		for _, x := range xs {
			if x.DiscoveredAt.UTC().Year() != year {
				continue
			}
			rep.Incidents = append(rep.Incidents, Incident{ID: x.ID, Severity: x.Severity, Status: x.Status,
				DiscoveredAt: x.DiscoveredAt.UTC().Format(time.DateOnly), Datasets: orEmpty(x.Datasets), Subjects: x.Subjects, PersonalData: x.PersonalData})
		}
	}
	rep.ToComplete = toComplete(rep, classes)
	return rep, nil
}

// peopleIf returns the processor's people for a dataset that holds
// personal information (a field sluice found personal), 0 otherwise: the
// count class concerns personal information.
func peopleIf(d *sluice.Dataset, n int64) int64 {
	if slices.ContainsFunc(d.Fields, func(f *sluice.Field) bool { return f.Personal }) {
		return n
	}
	return 0
}

// people counts the distinct people across the processor's datasets, per
// processor, and sets them against the Art. 3(5) count.
func (s *Service) people(ctx context.Context, org *sluice.Org, ds []*sluice.Dataset, classes *classify.AutoClasses, day time.Time) (People, error) {
	p := People{Counting: Counting}
	ids := make([]int64, 0, len(ds))
	for _, d := range ds {
		if d.Region == org.Region {
			ids = append(ids, d.ID)
		}
	}
	store, ok := s.Stores[org.Region]
	if !ok {
		return p, sluice.Errorf(sluice.EUNAVAILABLE, "No record store for region %s on this server.", org.Region)
	}
	counter, ok := store.(duties.SubjectCounter)
	if !ok {
		return p, sluice.Errorf(sluice.EINTERNAL, "The record store cannot count distinct subjects.")
	}
	n, err := counter.CountDistinctSubjects(ctx, ids)
	if err != nil {
		return p, err
	}
	p.Subjects = n
	if c := classes.VolumeClass(org.Region, day); c != nil {
		p.Threshold, p.Op, p.Ref = c.Count.Threshold, c.Count.Op, classes.Ref(c)
		p.Applies = c.Sector == "" || strings.EqualFold(c.Sector, org.Sector)
		p.Reached = p.Applies && c.Count.Reached(n)
	}
	return p, nil
}

func datasetOf(d *sluice.Dataset) *Dataset {
	x := &Dataset{ID: d.ID, Name: d.Name, Grade: string(d.Grade), Declared: d.Automotive, Categories: []string{}, Records: d.RecordCount,
		Subjects: d.Subjects, Purposes: orEmpty(d.Purposes), Purpose: d.Purpose, StoredIn: string(d.Region), RetentionDays: d.RetentionDays}
	for _, f := range d.Fields {
		for _, c := range f.Categories {
			if !slices.Contains(x.Categories, c.Key) {
				x.Categories = append(x.Categories, c.Key)
			}
		}
	}
	slices.Sort(x.Categories)
	return x
}

// sharing adds the grants on d in force during year.
func (s *Service) sharing(ctx context.Context, rep *Report, d *sluice.Dataset, year int, important bool) error {
	if s.Grants == nil {
		return nil
	}
	for off := 0; ; off += pageSize {
		gs, _, err := s.Grants.FindGrants(ctx, sluice.GrantFilter{DatasetID: &d.ID, Offset: off, Limit: pageSize})
		if err != nil {
			return err
		}
		for _, g := range gs {
			// Approved by the end of the year, and not expired or revoked
			// (its last change) before it began.
			if g.DecidedAt == nil || g.Status == sluice.GrantDenied || g.DecidedAt.UTC().Year() > year ||
				(g.ExpiresAt != nil && g.ExpiresAt.UTC().Year() < year) || (g.Status == sluice.GrantRevoked && g.UpdatedAt.UTC().Year() < year) {
				continue
			}
			rep.Sharing = append(rep.Sharing, Sharing{Grant: g.ID, Dataset: d.ID, Consumer: g.ConsumerOrgID, Purpose: g.Purpose,
				LegalBasis: g.LegalBasis, Status: string(g.Status), Fields: orEmpty(g.FieldNames()), Important: important})
		}
		if len(gs) < pageSize {
			return nil
		}
	}
}

// transfers adds the transfers abroad of d dated in year, with their
// exports.
func (s *Service) transfers(ctx context.Context, rep *Report, d *sluice.Dataset, year int, important bool) error {
	if s.Transfers == nil {
		return nil
	}
	prefix := fmt.Sprintf("%04d-", year)
	for off := 0; ; off += pageSize {
		ts, _, err := s.Transfers.FindTransfers(ctx, sluice.TransferFilter{DatasetID: &d.ID, Offset: off, Limit: pageSize})
		if err != nil {
			return err
		}
		for _, t := range ts {
			if !strings.HasPrefix(t.Date, prefix) {
				continue
			}
			x := Transfer{ID: t.ID, Dataset: d.ID, Date: t.Date, Country: t.DestinationCountry, Recipient: t.Recipient, Purpose: t.Purpose,
				Fields: orEmpty(t.Fields), Subjects: t.Facts.Subjects, Route: t.Decision.Route, Status: string(t.Status),
				Important: important || len(t.Facts.ImportantFields) > 0 || t.Facts.AutoDeclared || len(t.Facts.AutoClasses) > 0,
				Exports:   []Export{}, Evidence: []string{}, Overseas: ToComplete, Complaints: ToComplete}
			for _, c := range t.Facts.AutoClasses {
				x.AutoClass = append(x.AutoClass, c.Rule+" ("+c.Ref+")")
			}
			for _, ev := range t.Evidence {
				x.Evidence = append(x.Evidence, ev.Kind+" "+ev.Reference)
			}
			xs, err := s.Transfers.FindTransferExports(ctx, t.ID)
			if err != nil {
				return err
			}
			for _, e := range xs {
				x.Exports = append(x.Exports, Export{Date: e.Date, Records: e.Records, Subjects: e.Subjects})
			}
			rep.Transfers = append(rep.Transfers, x)
		}
		if len(ts) < pageSize {
			return nil
		}
	}
}

// toComplete lists the report items sluice cannot know, with the ones
// that arise only from what the report shows (exports of important data).
func toComplete(rep *Report, classes *classify.AutoClasses) []Item {
	ref := classes.Report.Instrument + " " + classes.Report.Article
	items := []Item{
		{"name and contact of the person responsible for data security, and the contact for personal-information rights", ref},
		{"necessity of each kind of data collected, and of the purpose it serves", ref},
		{"protection measures beyond sluice's own (encryption at rest, backups, access control on the devices and vehicles)", ref},
		{"storage period actually applied where no retention is declared", ref},
		{"complaints received and how they were handled", ref},
		{"other data named important by the CAC or the co-issuing departments (Art. 3(6)), not listed in sluice", classes.InstrumentID + " Art. 3(6)"},
	}
	if !rep.IncidentsRecorded {
		items = append(items, Item{"security incidents of the year (this server keeps no incident records)", ref})
	}
	if slices.ContainsFunc(rep.Transfers, func(t Transfer) bool { return t.Important }) {
		items = append(items,
			Item{"for each export of important data: the overseas recipient's storage place, period, scope and use", ref},
			Item{"complaints about exports of important data", ref})
	}
	return items
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
