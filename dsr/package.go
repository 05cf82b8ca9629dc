package dsr

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
)

// A Package is what an access, copy or portability request hands the
// person: their records per dataset, what each field means and why it is
// held, and the logged events about them with their proofs.
type Package struct {
	Request       *sluice.SubjectRequest    `json:"request"`
	GeneratedAt   time.Time                 `json:"generated_at"`
	Found         bool                      `json:"found"`
	Datasets      []*PackageDataset         `json:"datasets"`
	AccessHistory []*auditlog.SubjectEvents `json:"access_history"`
}

// A PackageDataset is one dataset's part of a package.
type PackageDataset struct {
	ID            int64               `json:"id"`
	Name          string              `json:"name"`
	Region        sluice.Region       `json:"region"`
	Purpose       string              `json:"purpose"`
	LegalBasis    string              `json:"legal_basis,omitempty"`
	RetentionDays int                 `json:"retention_days,omitempty"`
	Recipients    []Recipient         `json:"recipients"`
	Fields        []*sluice.Field     `json:"fields"`
	Records       []*PackageRecord    `json:"records"`
	Hold          *sluice.DatasetHold `json:"legal_hold,omitempty"`
}

// A Recipient is an organisation the dataset's data went to, or may go
// to: a grant's consumer, or a transfer's recipient abroad.
type Recipient struct {
	Kind       string   `json:"kind"` // grant or transfer
	Name       string   `json:"name"`
	Country    string   `json:"country,omitempty"`
	Purpose    string   `json:"purpose"`
	LegalBasis string   `json:"legal_basis"`
	Status     string   `json:"status"`
	Fields     []string `json:"fields,omitempty"`
}

// A PackageRecord is one record about the person: the whole record, or
// the parts of another's record that are about them.
type PackageRecord struct {
	ID         int64           `json:"id"`
	Whole      bool            `json:"whole"`
	Restricted bool            `json:"restricted,omitempty"`
	Data       json.RawMessage `json:"data"`
	fields     []kv
}

// Package builds the package of a fulfilled access, copy, portability or
// explanation request, from the data as it is now.
func (s *Service) Package(ctx context.Context, id int64) (*Package, error) {
	r, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	if !r.Type.Packaged() {
		return nil, sluice.Errorf(sluice.ECONFLICT, "A %s request has no package.", r.Type)
	} else if r.State != sluice.RequestFulfilled {
		return nil, sluice.Errorf(sluice.ECONFLICT, "Subject request %d is %s: its package is ready once it is fulfilled.", id, r.State)
	}
	found, datasets, err := s.locate(ctx, r)
	if err != nil {
		return nil, err
	}
	holds, err := s.holds(ctx, r.OrgID)
	if err != nil {
		return nil, err
	}
	r.Correction = nil
	p := &Package{Request: r, GeneratedAt: s.now(), Datasets: []*PackageDataset{}, AccessHistory: []*auditlog.SubjectEvents{}}
	byDataset := map[int64][]*match{}
	for region, ms := range found {
		var ids []int64
		for _, m := range ms {
			byDataset[m.Dataset.ID] = append(byDataset[m.Dataset.ID], m)
			ids = append(ids, m.Record.ID)
		}
		st, err := s.subjectStore(region)
		if err != nil {
			return nil, err
		}
		restricted, err := st.RestrictedRecords(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			m.restricted = restricted[m.Record.ID]
		}
	}
	for _, d := range datasets {
		ms := byDataset[d.ID]
		if len(ms) == 0 {
			continue
		}
		p.Found = true
		pd, err := s.describe(ctx, d)
		if err != nil {
			return nil, err
		}
		pd.Hold = holds[d.ID]
		for _, m := range ms {
			pd.Records = append(pd.Records, packageRecord(m))
		}
		p.Datasets = append(p.Datasets, pd)
	}
	if s.Log != nil {
		for _, key := range r.SubjectKeys {
			ev, err := s.Log.ProveSubjectEvents(ctx, key, s.visible(ctx, r.OrgID))
			if err != nil {
				return nil, err
			}
			p.AccessHistory = append(p.AccessHistory, ev)
		}
	}
	return p, nil
}

// visible keeps the events the org acted in or that concern its datasets.
func (s *Service) visible(ctx context.Context, orgID int64) func(int64, *sluice.Event) bool {
	org, _ := actorOrg(ctx)
	owned := map[int64]bool{}
	return func(_ int64, e *sluice.Event) bool {
		if org != nil && e.Actor.Org == org.Name {
			return true
		}
		var id int64
		switch v := e.Object["dataset"].(type) {
		case float64:
			id = int64(v)
		default:
			return false
		}
		if v, ok := owned[id]; ok {
			return v
		}
		d, err := s.Datasets.FindDatasetByID(ctx, id)
		owned[id] = err == nil && d.OrgID == orgID
		return owned[id]
	}
}

// describe says what a dataset holds and why: its purpose with the legal
// basis and retention, its recipients and its fields.
func (s *Service) describe(ctx context.Context, d *sluice.Dataset) (*PackageDataset, error) {
	pd := &PackageDataset{ID: d.ID, Name: d.Name, Region: d.Region, Purpose: d.Purpose, Fields: d.Fields, Recipients: []Recipient{}}
	if s.Purposes != nil {
		if pu, err := s.Purposes.FindPurposeByName(ctx, d.OrgID, d.Purpose); err == nil {
			pd.LegalBasis, pd.RetentionDays = pu.LegalBasis, pu.RetentionDays
		} else if sluice.ErrorCode(err) != sluice.ENOTFOUND {
			return nil, err
		}
	}
	if s.Grants != nil {
		gs, _, err := s.Grants.FindGrants(ctx, sluice.GrantFilter{DatasetID: &d.ID})
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			if g.Status != sluice.GrantApproved {
				continue
			}
			name := "org " + strconv.FormatInt(g.ConsumerOrgID, 10)
			if s.Orgs != nil {
				if o, err := s.Orgs.FindOrgByID(ctx, g.ConsumerOrgID); err == nil {
					name = o.Name
				}
			}
			var fields []string
			for _, f := range g.Fields {
				fields = append(fields, f.Name)
			}
			pd.Recipients = append(pd.Recipients, Recipient{Kind: "grant", Name: name, Purpose: g.Purpose, LegalBasis: g.LegalBasis, Status: string(g.Status), Fields: fields})
		}
	}
	if s.Transfers != nil {
		ts, _, err := s.Transfers.FindTransfers(ctx, sluice.TransferFilter{DatasetID: &d.ID})
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			pd.Recipients = append(pd.Recipients, Recipient{Kind: "transfer", Name: t.Recipient, Country: t.DestinationCountry,
				Purpose: t.Purpose, LegalBasis: t.LegalBasis, Status: string(t.Status), Fields: t.Fields})
		}
	}
	return pd, nil
}

// packageRecord keeps the parts of a match that are about the person.
func packageRecord(m *match) *PackageRecord {
	pr := &PackageRecord{ID: m.Record.ID, Whole: m.Whole, Restricted: m.restricted}
	if m.Whole {
		pr.fields = m.Fields
	} else {
		for _, f := range m.Fields {
			if idx := m.Elements[f.Name]; len(idx) > 0 {
				var mine []map[string]any
				for j, el := range elements(f.Raw) {
					if slices.Contains(idx, j) {
						mine = append(mine, el)
					}
				}
				raw, _ := marshalArray(mine, f.Raw)
				pr.fields = append(pr.fields, kv{f.Name, raw})
			}
		}
	}
	pr.Data = encodeRecord(pr.fields)
	return pr
}

// CSV writes a dataset's records about the person as CSV: a header of
// record_id and the dataset's fields in order (then any others met),
// one row a record, values as stored, "" for a part not about the person.
// The output is RFC 4180 with LF line ends: the same records give the
// same bytes.
func (pd *PackageDataset) CSV(w io.Writer) error {
	var cols []string
	for _, f := range pd.Fields {
		cols = append(cols, f.Name)
	}
	for _, r := range pd.Records {
		if r.fields == nil && len(r.Data) > 0 {
			fs, err := parseRecord(r.Data)
			if err != nil {
				return fmt.Errorf("record %d: %w", r.ID, err)
			}
			r.fields = fs
		}
		for _, f := range r.fields {
			if !slices.Contains(cols, f.Name) {
				cols = append(cols, f.Name)
			}
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(append([]string{"record_id"}, cols...)); err != nil {
		return err
	}
	row := make([]string, len(cols)+1)
	for _, r := range pd.Records {
		clear(row)
		row[0] = strconv.FormatInt(r.ID, 10)
		for _, f := range r.fields {
			row[1+slices.Index(cols, f.Name)] = text(f.Raw)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// fileName is a dataset's file name in a package: its id and name, with
// anything but letters, digits, '.', '-' and '_' made '_'.
func (pd *PackageDataset) fileName() string {
	name := strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return r
		}
		return '_'
	}, pd.Name)
	return fmt.Sprintf("%d-%s", pd.ID, name)
}

// WriteZip writes the package as a zip archive: README.md, request.json,
// access_history.json, and per dataset datasets/ID-NAME.json and .csv.
// Entries are in a fixed order, dated with the package's time.
func (p *Package) WriteZip(w io.Writer) error {
	zw := zip.NewWriter(w)
	add := func(name string, fn func(io.Writer) error) error {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: p.GeneratedAt})
		if err != nil {
			return err
		}
		return fn(f)
	}
	asJSON := func(v any) func(io.Writer) error {
		return func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		}
	}
	if err := add("README.md", func(w io.Writer) error { _, err := io.WriteString(w, p.README()); return err }); err != nil {
		return err
	}
	if err := add("request.json", asJSON(p.Request)); err != nil {
		return err
	}
	if err := add("access_history.json", asJSON(p.AccessHistory)); err != nil {
		return err
	}
	for _, d := range p.Datasets {
		if err := add("datasets/"+d.fileName()+".json", asJSON(d)); err != nil {
			return err
		}
		if err := add("datasets/"+d.fileName()+".csv", d.CSV); err != nil {
			return err
		}
	}
	return zw.Close()
}

// README says, for the person, what the package holds: per dataset what
// each field means and why it is held.
func (p *Package) README() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Your data\n\nSubject request %d (%s), answered %s.\n\n", p.Request.ID, p.Request.Type, p.GeneratedAt.Format(time.DateOnly))
	if !p.Found {
		b.WriteString("No record about you was found in any dataset of the organisation.\n")
	}
	for _, d := range p.Datasets {
		fmt.Fprintf(&b, "## Dataset %s\n\n", d.Name)
		fmt.Fprintf(&b, "- Purpose: %s\n", d.Purpose)
		basis := d.LegalBasis
		if basis == "" {
			basis = "not declared"
		}
		fmt.Fprintf(&b, "- Legal basis: %s\n", basis)
		if d.RetentionDays > 0 {
			fmt.Fprintf(&b, "- Retention: %d days\n", d.RetentionDays)
		} else {
			b.WriteString("- Retention: not declared\n")
		}
		fmt.Fprintf(&b, "- Stored in region: %s\n", d.Region)
		if d.Hold != nil {
			fmt.Fprintf(&b, "- Legal hold: %s\n", d.Hold.Reason)
		}
		if len(d.Recipients) == 0 {
			b.WriteString("- Recipients: none\n")
		}
		for _, r := range d.Recipients {
			fmt.Fprintf(&b, "- Recipient (%s): %s", r.Kind, r.Name)
			if r.Country != "" {
				fmt.Fprintf(&b, " in %s", r.Country)
			}
			fmt.Fprintf(&b, ", for %s on the basis %s (%s); fields: %s\n", r.Purpose, r.LegalBasis, r.Status, strings.Join(r.Fields, ", "))
		}
		fmt.Fprintf(&b, "- Records about you: %d (files datasets/%s.json and .csv)\n\n", len(d.Records), d.fileName())
		b.WriteString("| field | what it is | personal | sensitive | grade |\n|---|---|---|---|---|\n")
		for _, f := range d.Fields {
			var cats []string
			for _, c := range f.Categories {
				cats = append(cats, c.Key)
			}
			what := strings.Join(cats, ", ")
			if what == "" {
				what = "no category detected"
			}
			fmt.Fprintf(&b, "| %s | %s | %t | %t | %s |\n", f.Name, what, f.Personal, f.Sensitive, f.Grade)
		}
		b.WriteString("\n")
	}
	b.WriteString("## Who saw your data\n\naccess_history.json lists the logged events about you, each with its entry, its inclusion proof and the signed checkpoint of the transparency log; `sluice verify --proof` checks them.\n")
	return b.String()
}
