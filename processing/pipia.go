package processing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/duties"
)

// ToComplete marks what sluice cannot know: the processor fills it in.
const ToComplete = "to be completed by the processor"

// A PIPIAReport is an organisation's personal information protection
// impact assessments (PIPL Art. 55), one for each processing that needs
// one, with the contents Art. 56 sets, drafted from sluice's own data.
type PIPIAReport struct {
	OrgID        int64     `json:"org_id"`
	Region       string    `json:"region"`
	Ref          string    `json:"ref"`
	RulesVersion string    `json:"rules_version"`
	GeneratedAt  time.Time `json:"generated_at"`
	// Contents are what each assessment covers (Art. 56(1)–(3)).
	Contents    []Content `json:"contents"`
	Assessments []*PIPIA  `json:"assessments"`
}

// A Content is one part of an assessment, with its article.
type Content struct {
	Key  string `json:"key"`
	Text string `json:"text"`
	Ref  string `json:"ref"`
}

// A PIPIA is one processing's impact assessment, as far as sluice's data
// go; what they cannot say is listed in ToComplete, never guessed.
type PIPIA struct {
	ID          string     `json:"id"`   // kind-number: export-7, provide_sensitive-3, automated_decision-2
	Kind        string     `json:"kind"` // export, provide_sensitive, automated_decision
	Trigger     string     `json:"trigger"`
	Ref         string     `json:"ref"` // the Art. 55 item that calls for it
	Dataset     int64      `json:"dataset"`
	DatasetName string     `json:"dataset_name"`
	Purposes    []*Purpose `json:"purposes"`
	// Method is how the data are processed: the route of an export, the
	// grant, fields and operators of a provision, the profiling purpose.
	Method    []string  `json:"method"`
	Necessity Necessity `json:"necessity"`
	Risks     []Risk    `json:"risks"`
	Measures  []string  `json:"measures"`
	// ProcessingDate is the day of the processing (the transfer's date,
	// the grant's approval, the purpose's declaration); KeepUntil the
	// first day the report and record may be deleted (Art. 56 ¶2).
	ProcessingDate string   `json:"processing_date"`
	KeepUntil      string   `json:"keep_until"`
	KeepRef        string   `json:"keep_ref"`
	ToComplete     []string `json:"to_complete"`
}

// Necessity compares the categories the processing uses with those its
// purposes declare (PIPL Art. 6: the minimum scope).
type Necessity struct {
	PurposeCategories []string        `json:"purpose_categories"`
	UsedCategories    []string        `json:"used_categories"`
	Fields            []NecessityItem `json:"fields"`
	// BeyondPurpose lists the fields with a personal category no purpose
	// declares.
	BeyondPurpose []string `json:"beyond_purpose"`
	Note          string   `json:"note,omitempty"`
}

// A NecessityItem is one field used, with its categories.
type NecessityItem struct {
	Field         string   `json:"field"`
	Categories    []string `json:"categories"`
	Sensitive     bool     `json:"sensitive,omitempty"`
	BeyondPurpose bool     `json:"beyond_purpose,omitempty"`
}

// A Risk is a risk to the individuals that sluice's data show.
type Risk struct {
	ID     string   `json:"id"`
	Text   string   `json:"text"`
	Ref    string   `json:"ref"`
	Fields []string `json:"fields,omitempty"`
}

// OrgPIPIA returns org orgID's impact assessments. Access as for
// [Service.OrgRecord]; a supervisor's view is logged.
func (s *Service) OrgPIPIA(ctx context.Context, orgID int64) (*PIPIAReport, error) {
	rules := s.PIPIARules
	if rules == nil {
		var err error
		if rules, err = DefaultPIPIARules(); err != nil {
			return nil, err
		}
	}
	org, err := duties.FindOrgFor(ctx, s.Orgs, s.Events, orgID, "pipia")
	if err != nil {
		return nil, err
	}
	rec, fx, err := s.record(ctx, org)
	if err != nil {
		return nil, err
	}
	out := &PIPIAReport{OrgID: org.ID, Region: string(org.Region), Ref: "PIPL Arts. 55–56", RulesVersion: rules.file.Version,
		GeneratedAt: rec.GeneratedAt, Contents: []Content{}, Assessments: []*PIPIA{}}
	for _, c := range rules.file.Contents {
		out.Contents = append(out.Contents, Content{Key: c.Key, Text: c.Text, Ref: c.ref()})
	}
	octx := sluice.NewContextWithActor(ctx, nil)
	for _, a := range rec.Assessments {
		p, err := s.assess(octx, rules, fx, a)
		if err != nil {
			return nil, err
		}
		if p != nil {
			out.Assessments = append(out.Assessments, p)
		}
	}
	return out, nil
}

// assess drafts the assessment of one processing of the record.
func (s *Service) assess(ctx context.Context, rules *PIPIARules, fx *facts, a Assessment) (*PIPIA, error) {
	d := fx.datasets[a.Dataset]
	tr := rules.trigger(a.Kind)
	if d == nil || tr == nil {
		return nil, nil
	}
	p := &PIPIA{Kind: a.Kind, Trigger: tr.Text, Ref: tr.ref(), Dataset: d.ID, DatasetName: d.Name, Purposes: []*Purpose{},
		Method: []string{}, Risks: []Risk{}, Measures: []string{fmt.Sprintf("records stored only in region %s's store", d.Region),
			"every read, decision and change recorded in sluice's verifiable audit log"},
		KeepRef: rules.file.Keep.ref(), ToComplete: append(append([]string{}, tr.ToComplete...), rules.file.ToComplete...)}
	var used []string
	subjects := d.Subjects
	switch a.Kind {
	case "export":
		t := fx.transfers[a.Subject]
		if t == nil {
			return nil, nil
		}
		p.ID = fmt.Sprintf("export-%d", t.ID)
		p.addPurpose(fx.purposes[t.Purpose], t.Purpose, t.LegalBasis)
		used = t.Fields
		if len(used) == 0 {
			used = fieldNames(d)
		}
		p.Method = append(p.Method, fmt.Sprintf("export of transfer %d to %s (recipient %s, %s) by route %s, status %s",
			t.ID, t.DestinationCountry, t.Recipient, t.RecipientKind, t.Decision.Route, t.Status),
			fmt.Sprintf("%d records of %d people, fields %s", t.Facts.Records, t.Facts.Subjects, strings.Join(used, ", ")))
		subjects = t.Facts.Subjects
		p.ProcessingDate = t.Date
		p.Measures = append(p.Measures, "route decided from sluice's transfer rules"+versionSuffix(t.Decision.RulesVersion))
		for _, e := range t.Evidence {
			m := fmt.Sprintf("evidence on file: %s %s, valid from %s", e.Kind, e.Reference, e.ValidFrom)
			if e.ValidTo != "" {
				m += " to " + e.ValidTo
			}
			p.Measures = append(p.Measures, m)
		}
		if len(t.Evidence) == 0 {
			p.ToComplete = append(p.ToComplete, "the evidence the route "+t.Decision.Route+" rests on: none on file in sluice")
		}
		for _, q := range t.Decision.Requires {
			p.ToComplete = append(p.ToComplete, "requirement still open: "+q.Text+" ("+q.Ref+")")
		}
	case "provide_sensitive":
		g := fx.grants[a.Subject]
		if g == nil {
			return nil, nil
		}
		p.ID = fmt.Sprintf("provide_sensitive-%d", g.ID)
		cp, err := s.Purposes.FindPurposeByName(ctx, g.ConsumerOrgID, g.Purpose)
		if err != nil && sluice.ErrorCode(err) != sluice.ENOTFOUND {
			return nil, err
		}
		p.addPurpose(cp, g.Purpose, g.LegalBasis)
		used = g.FieldNames()
		ops := make([]string, 0, len(g.Fields))
		var clear []string
		for _, f := range g.Fields {
			op := f.Op
			if op == "" {
				op = "default de-identification"
			}
			ops = append(ops, f.Name+": "+op)
			if df := d.Field(f.Name); df != nil && df.Personal && (f.Op == "clear" || g.IdentifiedData) {
				clear = append(clear, f.Name)
			}
		}
		p.Method = append(p.Method, fmt.Sprintf("provision to org %d through grant %d for its purpose %s (basis %s), status %s",
			g.ConsumerOrgID, g.ID, g.Purpose, g.LegalBasis, g.Status),
			"fields and de-identification operators: "+strings.Join(ops, "; "))
		p.ProcessingDate = dateOf(g.CreatedAt)
		if g.DecidedAt != nil {
			p.ProcessingDate = dateOf(*g.DecidedAt)
		}
		m := fmt.Sprintf("access only through grant %d, for the fields it names", g.ID)
		if g.ExpiresAt != nil {
			m += ", until " + dateOf(*g.ExpiresAt)
		}
		p.Measures = append(p.Measures, m, "de-identification operators applied at each read: "+strings.Join(ops, "; "))
		if g.LegalBasis == "consent" {
			p.Measures = append(p.Measures, "consent checked record by record before each read")
		}
		if written := s.writtenFields(d, used); len(written) > 0 {
			if g.LegalBasis == "consent" {
				p.Measures = append(p.Measures, "written consent checked record by record for "+strings.Join(written, ", ")+
					" (Credit Reporting Industry Regulations Art. 18)")
			} else {
				p.ToComplete = append(p.ToComplete, "the subjects' written consent to the query of "+strings.Join(written, ", ")+
					", or the law that allows it without (Credit Reporting Industry Regulations Art. 18)")
			}
		}
		if g.RiskAssessmentRef != "" {
			p.Measures = append(p.Measures, "risk assessment on file: "+g.RiskAssessmentRef)
		}
		if len(clear) > 0 {
			p.Risks = append(p.Risks, rules.risk("identified", clear)...)
		}
	case "automated_decision":
		var pu *sluice.Purpose
		for _, x := range fx.purposes {
			if x.ID == a.Subject {
				pu = x
			}
		}
		if pu == nil {
			return nil, nil
		}
		p.ID = fmt.Sprintf("automated_decision-%d-%d", pu.ID, d.ID)
		p.addPurpose(pu, pu.Name, pu.LegalBasis)
		used = fieldNames(d)
		p.Method = append(p.Method, fmt.Sprintf("automated decision-making: dataset %d processed for purpose %s, declared as profiling", d.ID, pu.Name))
		p.ProcessingDate = dateOf(pu.CreatedAt)
		p.Risks = append(p.Risks, rules.risk("automated_decision", nil)...)
		if d.Minors || d.HoldsMinors {
			p.Measures = append(p.Measures, "children's data refused to a profiling purpose at every read")
		}
	default:
		return nil, nil
	}
	p.Necessity = necessity(d, used, p.Purposes)
	var sensitive []string
	for _, it := range p.Necessity.Fields {
		if it.Sensitive {
			sensitive = append(sensitive, it.Field)
		}
	}
	if len(sensitive) > 0 {
		p.Risks = append(p.Risks, rules.risk("sensitive", sensitive)...)
	}
	if d.Minors || d.HoldsMinors {
		p.Risks = append(p.Risks, rules.risk("minors", nil)...)
	}
	if a.Kind == "export" {
		p.Risks = append(p.Risks, rules.risk("abroad", nil)...)
	}
	if len(p.Necessity.BeyondPurpose) > 0 {
		p.Risks = append(p.Risks, rules.risk("beyond_purpose", p.Necessity.BeyondPurpose)...)
	}
	if subjects > 0 {
		p.Risks = append(p.Risks, rules.volume(subjects)...)
	} else {
		p.ToComplete = append(p.ToComplete, "the number of people concerned: not counted by sluice")
	}
	if p.ProcessingDate == "" {
		p.KeepUntil = ToComplete
	} else if day, err := time.Parse(time.DateOnly, p.ProcessingDate); err == nil {
		p.KeepUntil = day.AddDate(rules.file.Keep.Years, 0, 0).Format(time.DateOnly)
	}
	return p, nil
}

// addPurpose adds purpose pu to p, or, when it is unknown to sluice,
// its name and basis with the rest to be completed.
func (p *PIPIA) addPurpose(pu *sluice.Purpose, name, basis string) {
	if pu == nil {
		p.Purposes = append(p.Purposes, &Purpose{Name: name, LegalBasis: basis, Categories: []string{}})
		p.ToComplete = append(p.ToComplete, "the purpose "+name+": not declared in sluice (its categories and retention)")
		return
	}
	cats := pu.Categories
	if cats == nil {
		cats = []string{}
	}
	p.Purposes = append(p.Purposes, &Purpose{Name: pu.Name, LegalBasis: pu.LegalBasis, Categories: cats, RetentionDays: pu.RetentionDays,
		SpecialCategoryCondition: pu.SpecialCategoryCondition, Profiling: pu.Profiling})
}

// necessity compares the personal categories of the fields used with the
// purposes' declared categories.
func necessity(d *sluice.Dataset, used []string, purposes []*Purpose) Necessity {
	n := Necessity{PurposeCategories: []string{}, UsedCategories: []string{}, Fields: []NecessityItem{}, BeyondPurpose: []string{}}
	for _, p := range purposes {
		for _, c := range p.Categories {
			if !slices.Contains(n.PurposeCategories, c) {
				n.PurposeCategories = append(n.PurposeCategories, c)
			}
		}
	}
	slices.Sort(n.PurposeCategories)
	for _, name := range used {
		it := NecessityItem{Field: name, Categories: []string{}}
		if f := d.Field(name); f != nil {
			it.Sensitive = f.Sensitive
			for _, c := range f.Categories {
				if !personalKey(c.Key) {
					continue
				}
				it.Categories = append(it.Categories, c.Key)
				if !slices.Contains(n.UsedCategories, c.Key) {
					n.UsedCategories = append(n.UsedCategories, c.Key)
				}
				if len(n.PurposeCategories) > 0 && !covered(c.Key, n.PurposeCategories) {
					it.BeyondPurpose = true
				}
			}
		}
		if it.BeyondPurpose {
			n.BeyondPurpose = append(n.BeyondPurpose, name)
		}
		n.Fields = append(n.Fields, it)
	}
	slices.Sort(n.UsedCategories)
	if len(n.PurposeCategories) == 0 {
		n.Note = "the purposes declare no categories: whether each field is necessary is " + ToComplete
	}
	return n
}

func personalKey(k string) bool { return k == "user" || strings.HasPrefix(k, "user.") }

// covered reports whether category c is one of keys or below one.
func covered(c string, keys []string) bool {
	for _, k := range keys {
		if c == k || strings.HasPrefix(c, k) && c[len(k)] == '.' {
			return true
		}
	}
	return false
}

func fieldNames(d *sluice.Dataset) []string {
	out := make([]string, 0, len(d.Fields))
	for _, f := range d.Fields {
		out = append(out, f.Name)
	}
	return out
}

func dateOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func versionSuffix(v string) string {
	if v == "" {
		return ""
	}
	return " (version " + v + ")"
}

// writtenFields returns those of the fields named that another reads only
// on written consent.
func (s *Service) writtenFields(d *sluice.Dataset, names []string) []string {
	var out []string
	for _, n := range names {
		if f := d.Field(n); f != nil && s.WrittenConsent != nil && s.WrittenConsent(categoryKeys(f)) {
			out = append(out, n)
		}
	}
	return out
}
