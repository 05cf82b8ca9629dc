// Package transfer is sluice's cross-border transfer service: it
// establishes the facts of a transfer from the stores, decides its route
// with the rules of package [route], keeps the year-to-date counters and
// the evidence a route needs, and releases records only through a gated
// export. Where a dataset's records live is package residency's rule: the
// service reads each dataset from its region's store ([residency.Stores]).
package transfer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/policy/route"
	"github.com/sluice-gateway/sluice/residency"
)

// Ensure Service implements the interface.
var _ sluice.TransferService = (*Service)(nil)

// Service implements sluice.TransferService: it establishes the
// facts of a transfer from the stores — never taking the exporter's word
// for them — decides its route with the rules of package route, keeps
// its state machine, and releases records only through a gated export.
//
// # Facts
//
// The records a transfer covers are the dataset's visible records when it
// is decided (up to ThroughRecord; none written later). Every record is
// about the person its subject key names, so every value exported is that
// person's personal information (PIPL Art. 4): a person counts towards
// the pi counter when a field exported is not sensitive, and towards spi
// when one is (by field sensitivity, whether or not the person's value is
// empty: the count errs on the side of more people, never fewer). Grades
// come from the fields' classification, the CIIO flag and sector from the
// org as stored, the year-to-date counts from the exporter's counters
// plus the people of this transfer.
//
// # Exports
//
// An export re-establishes the facts on its own day, adds the people it
// releases to the counters and re-decides the route on the counts that
// result, all in one control-store transaction with its audit entry; if
// the route is now stricter than the one the transfer holds (another
// export crossed a threshold meanwhile), nothing is counted and the export
// is refused. Only then are the records written out.
type Service struct {
	Orgs      sluice.OrgService
	Datasets  sluice.DatasetService
	Transfers sluice.TransferStore
	Stores    residency.Stores

	// Consents is the consent ledger, for exports that need each person's
	// separate consent (PIPL Art. 39). Without it such exports are
	// refused.
	Consents sluice.ConsentService
	// Purposes, when set, gives a transfer the legal basis of its purpose
	// when the request names none.
	Purposes sluice.PurposeService

	// Rules are the transfer rules; nil means route.Default().
	Rules *route.Rules
	// Catalog gives the categories the automotive volume rule concerns;
	// nil means classify.DefaultCatalog().
	Catalog *classify.Catalog
	// AutoClasses are the classes of important automotive data
	// (Automotive Provisions Art. 3); nil means
	// classify.DefaultAutoClasses().
	AutoClasses *classify.AutoClasses

	// Now is the clock; nil means sluice.Now.
	Now func() time.Time

	Logger *slog.Logger
}

// Requirement ids the service acts on.
const (
	reqSeparateConsent = "cn.pipl39.consent"              // PIPL Art. 39
	reqExplicitConsent = "eu.derogation.explicit_consent" // GDPR Art. 49(1)(a)
	reqFiling          = "cn.scc.filing"                  // O13: filing deadline
)

func (s *Service) rules() *route.Rules {
	if s.Rules != nil {
		return s.Rules
	}
	return route.Default()
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return sluice.Now().UTC()
}

func (s *Service) today() route.Date { return route.DateOf(s.now()) }

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// actorOrg returns the acting org as stored now.
func (s *Service) actorOrg(ctx context.Context) (*sluice.Org, error) {
	a := sluice.ActorFromContext(ctx)
	if a == nil || a.Org == nil {
		return nil, sluice.Errorf(sluice.EUNAUTHORIZED, "Only an org can make or use a transfer.")
	}
	if s.Orgs == nil {
		return a.Org, nil
	}
	return s.Orgs.FindOrgByID(ctx, a.Org.ID)
}

// CreateTransfer establishes the facts of req, decides its route and
// stores the transfer as ready, awaiting_evidence or blocked.
func (s *Service) CreateTransfer(ctx context.Context, req *sluice.TransferRequest) (*sluice.Transfer, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	org, err := s.actorOrg(ctx)
	if err != nil {
		return nil, err
	}
	date := s.today()
	if req.Date != "" {
		if date, err = route.ParseDate(req.Date); err != nil {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: "date", Message: "date: " + sluice.ErrorMessage(err)}
		}
	}
	d, err := s.Datasets.FindDatasetByID(ctx, req.Dataset)
	if err != nil {
		return nil, err
	}
	if d.OrgID != org.ID {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Dataset %d not found.", req.Dataset)
	}
	for _, name := range req.Fields {
		if d.Field(name) == nil {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: "fields", Message: fmt.Sprintf("fields: dataset %d has no field %q.", d.ID, name)}
		}
	}
	store, err := s.Stores.Store(d.Region)
	if err != nil {
		return nil, err
	}
	t := &sluice.Transfer{
		OrgID: org.ID, DatasetID: d.ID, Region: d.Region,
		Fields:             slices.Clone(req.Fields),
		DestinationCountry: req.DestinationCountry,
		Recipient:          strings.TrimSpace(req.Recipient),
		RecipientKind:      orDefault(req.RecipientKind, route.KindCompany),
		Exemption:          orDefault(req.Exemption, route.None),
		Derogation:         req.Derogation,
		AdequacyScope:      req.AdequacyScope,
		Purpose:            orDefault(strings.TrimSpace(req.Purpose), d.Purpose),
		LegalBasis:         req.LegalBasis,
		Justification:      req.Justification,
		Date:               date.String(),
		Evidence:           []*sluice.TransferEvidence{},
	}
	if t.LegalBasis == "" {
		t.LegalBasis = s.purposeBasis(ctx, org.ID, t.Purpose)
	}

	// Refuse what the rules refuse whatever the facts (an unknown
	// country or exemption, a date outside the rules) before reading any
	// record.
	if _, err := s.rules().Decide(s.input(t, &sluice.TransferFacts{SincePrevYear: &sluice.TransferCounts{}}, date), s.now()); err != nil {
		return nil, requestError(err)
	}

	// The records and people the transfer covers.
	subjects, err := coveredSubjects(ctx, store, d.ID)
	if err != nil {
		return nil, fmt.Errorf("establish transfer facts: %w", err)
	}
	t.ThroughRecord = subjects.last
	f := s.fieldFacts(org, d, t.Fields)
	f.Records = subjects.records
	s.personFacts(&f, subjects.people)
	if err := s.autoFacts(ctx, &f, org, d, date); err != nil {
		return nil, fmt.Errorf("establish transfer facts: %w", err)
	}
	if err := s.countFacts(ctx, &f, org.ID, d.Region, date, subjects.keys); err != nil {
		return nil, fmt.Errorf("establish transfer facts: %w", err)
	}
	t.Facts = f

	dec, err := s.rules().Decide(s.input(t, &f, date), s.now())
	if err != nil {
		return nil, requestError(err)
	}
	t.Decision = decisionOf(dec, s.rules(), &f)
	switch {
	case dec.Route.Blocked():
		t.Status = sluice.TransferBlocked
	case dec.Route.Ready():
		t.Status = sluice.TransferReady
	default:
		t.Status = sluice.TransferAwaitingEvidence
	}
	e := &sluice.Event{
		Action:   sluice.ActionTransferCreate,
		Decision: string(dec.Route),
		Reason:   dec.Reasons[0].Rule + " (" + dec.Reasons[0].Ref + ")",
		Object:   map[string]any{"dataset": d.ID},
		Fields:   slices.Clone(t.Fields),
		Details:  createDetails(t),
	}
	if err := s.Transfers.CreateTransfer(ctx, t, e); err != nil {
		return nil, err
	}
	s.present(t)
	return t, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// requestFields maps the route engine's input fields to the request's.
var requestFields = map[string]string{
	"recipient.country": "destination_country",
	"recipient.kind":    "recipient_kind",
	"exemption":         "exemption",
	"derogation":        "derogation",
	"date":              "date",
}

// requestError restates an error of the route engine about one of its
// input fields in terms of the transfer request.
func requestError(err error) error {
	var e *sluice.Error
	if !errors.As(err, &e) || e.Field == "" {
		return err
	}
	field, ok := requestFields[e.Field]
	if !ok {
		return err
	}
	msg := e.Message
	if rest, ok := strings.CutPrefix(msg, e.Field+":"); ok {
		msg = field + ":" + rest
	}
	return &sluice.Error{Code: e.Code, Field: field, Message: msg}
}

// purposeBasis returns the legal basis of the org's purpose name, consent
// if it has none registered.
func (s *Service) purposeBasis(ctx context.Context, orgID int64, name string) string {
	if s.Purposes != nil {
		if p, err := s.Purposes.FindPurposeByName(ctx, orgID, name); err == nil && p.LegalBasis != "" {
			return p.LegalBasis
		}
	}
	return sluice.LegalBasisConsent
}

// fieldFacts establishes what the exported fields are, from their
// classification and the org's flags.
func (s *Service) fieldFacts(org *sluice.Org, d *sluice.Dataset, fields []string) sluice.TransferFacts {
	f := sluice.TransferFacts{
		Grade:        sluice.GradeGeneral,
		CIIO:         org.CIIO,
		Sector:       org.Sector,
		StateOrgan:   org.Sector == sluice.SectorStateOrgan,
		CreditAgency: org.Sector == sluice.SectorCredit,
	}
	if n := d.ImportantNotice; n != nil && d.Region == "CN" {
		// O16 Art. 2: notified as important, the whole dataset is
		// important data (for data held in China: a notice under the
		// PRC rules concerns exports from there).
		c := *n
		f.ImportantNotice, f.Grade = &c, sluice.GradeImportant
	}
	auto := s.automotiveCategories()
	for _, name := range fields {
		fd := d.Field(name)
		if fd == nil {
			continue
		}
		if fd.Grade.Rank() > f.Grade.Rank() {
			f.Grade = fd.Grade
		}
		switch fd.Grade {
		case sluice.GradeCore:
			f.CoreFields = append(f.CoreFields, name)
		case sluice.GradeImportant:
			f.ImportantFields = append(f.ImportantFields, name)
		}
		if fd.Sensitive {
			f.SensitiveFields = append(f.SensitiveFields, name)
		} else {
			f.NonSensitiveFields = append(f.NonSensitiveFields, name)
		}
		var isAuto, isCredit bool
		for _, c := range fd.Categories {
			isAuto = isAuto || slices.Contains(auto, c.Key)
			isCredit = isCredit || c.Key == sluice.CreditCategoryPrefix || strings.HasPrefix(c.Key, sluice.CreditCategoryPrefix+".")
		}
		if isAuto && org.Sector == sluice.SectorAutomotive {
			f.AutoFields = append(f.AutoFields, name)
		}
		if isCredit {
			f.CreditFields = append(f.CreditFields, name)
		}
	}
	return f
}

// personFacts sets the people counts of f for n distinct people whose
// records go with f's fields.
func (s *Service) personFacts(f *sluice.TransferFacts, n int64) {
	f.Subjects, f.PISubjects, f.SPISubjects = n, 0, 0
	if counted(f, sluice.CounterPI) {
		f.PISubjects = n
	}
	if counted(f, sluice.CounterSPI) {
		f.SPISubjects = n
	}
}

// A subjectCounter is a record store that counts the distinct subject
// keys across datasets exactly.
type subjectCounter interface {
	CountDistinctSubjects(ctx context.Context, datasetIDs []int64) (int64, error)
}

// autoFacts establishes the classes of important automotive data the
// transfer's data falls in (Automotive Provisions Art. 3): those the
// dataset's owner declared (items 1 to 4), and, for an exporter in the
// automotive sector whose transfer carries personal information, the
// people whose personal information it holds — per processor: the
// distinct people across all its datasets, a person in two of them
// counted once (item 5). The count goes to the rules as AutoSubjects,
// where it meets the threshold of the rule cn.auto.important; the
// declared classes make the data important data, each cited among the
// reasons.
func (s *Service) autoFacts(ctx context.Context, f *sluice.TransferFacts, org *sluice.Org, d *sluice.Dataset, date route.Date) error {
	f.AutoSubjects, f.AutoClasses, f.AutoDeclared = 0, nil, false
	classes := s.AutoClasses
	if classes == nil {
		var err error
		if classes, err = classify.DefaultAutoClasses(); err != nil {
			return err
		}
	}
	if strings.EqualFold(org.Sector, sluice.SectorAutomotive) && f.Subjects > 0 {
		n, err := s.processorSubjects(ctx, org, d.Region)
		if err != nil {
			return err
		}
		f.AutoSubjects = max(n, f.Subjects)
	}
	// The count meets its threshold in the rules (cn.auto.important);
	// here only the declared classes.
	for _, x := range classes.Evaluate(classify.AutoInput{Region: d.Region, Declared: d.Automotive, Day: date.Time()}) {
		if x.Declared != "" {
			f.AutoClasses = append(f.AutoClasses, sluice.TransferReason{Rule: x.Class, Ref: x.Ref, Text: x.Text, Confidence: x.Confidence})
			f.AutoDeclared = true
		}
	}
	return nil
}

// processorSubjects counts the distinct people across all org's datasets
// in region, exactly.
func (s *Service) processorSubjects(ctx context.Context, org *sluice.Org, region sluice.Region) (int64, error) {
	var ids []int64
	octx := sluice.NewContextWithActor(ctx, nil)
	for off := 0; ; off += 1000 {
		ds, _, err := s.Datasets.FindDatasets(octx, sluice.DatasetFilter{OrgID: &org.ID, Offset: off, Limit: 1000})
		if err != nil {
			return 0, err
		}
		for _, d := range ds {
			if d.Region == region {
				ids = append(ids, d.ID)
			}
		}
		if len(ds) < 1000 {
			break
		}
	}
	store, err := s.Stores.Store(region)
	if err != nil {
		return 0, err
	}
	c, ok := store.(subjectCounter)
	if !ok {
		return 0, sluice.Errorf(sluice.EINTERNAL, "The record store cannot count distinct subjects.")
	}
	return c.CountDistinctSubjects(ctx, ids)
}

// counted reports whether the people of a transfer with facts f count
// towards counter: pi when a field that is not sensitive goes, spi when a
// sensitive one does.
func counted(f *sluice.TransferFacts, counter string) bool {
	if f.Subjects == 0 {
		return false
	}
	if counter == sluice.CounterSPI {
		return len(f.SensitiveFields) > 0
	}
	return len(f.NonSensitiveFields) > 0
}

// automotiveCategories returns the categories the catalog's automotive
// volume rules name.
func (s *Service) automotiveCategories() []string {
	c := s.Catalog
	if c == nil {
		c = classify.DefaultCatalog()
	}
	var out []string
	for _, r := range c.Rules() {
		if strings.EqualFold(r.Sector, sluice.SectorAutomotive) {
			out = append(out, r.Categories...)
		}
	}
	return out
}

// countFacts sets the counting window and the counts, this transfer's
// people (keys, sorted) included, of the exporter on date.
func (s *Service) countFacts(ctx context.Context, f *sluice.TransferFacts, orgID int64, region sluice.Region, date route.Date, keys keySource) error {
	w, err := s.rules().CountingWindow(region, date)
	if sluice.ErrorCode(err) == sluice.ENOTFOUND {
		return nil // no volume rules: nothing to count against
	} else if err != nil {
		return err
	}
	f.WindowFrom = w.From.String()
	year := date.Year()

	// Each count is the size of the union of a stored set of people and
	// the transfer's. The keys come a sorted, distinct chunk at a time, so
	// that memory stays flat in the number of people: |S ∪ K| is |S| plus,
	// for each chunk C of K, |S ∪ C| − |S|.
	type count struct {
		dst  *int64
		q    sluice.CounterQuery
		with bool
	}
	counts := []count{
		{&f.YTD.PI, sluice.CounterQuery{OrgID: orgID, Years: []int{year}, Counters: []string{sluice.CounterPI}}, counted(f, sluice.CounterPI)},
		{&f.YTD.SPI, sluice.CounterQuery{OrgID: orgID, Years: []int{year}, Counters: []string{sluice.CounterSPI}}, counted(f, sluice.CounterSPI)},
	}
	if w.PreviousYear {
		// O11 Art. 4(3): pi counts everyone whose personal information of
		// any kind left since 1 January of the previous year.
		prev := &sluice.TransferCounts{}
		years := []int{year - 1, year}
		counts = append(counts,
			count{&prev.PI, sluice.CounterQuery{OrgID: orgID, Years: years, Counters: []string{sluice.CounterPI, sluice.CounterSPI}}, f.Subjects > 0},
			count{&prev.SPI, sluice.CounterQuery{OrgID: orgID, Years: years, Counters: []string{sluice.CounterSPI}}, counted(f, sluice.CounterSPI)})
		f.SincePrevYear = prev
	}
	base := make([]int64, len(counts))
	with := false
	for i, c := range counts {
		if base[i], err = s.Transfers.CountSubjects(ctx, c.q, nil); err != nil {
			return err
		}
		*c.dst = base[i]
		with = with || c.with
	}
	if !with || keys == nil {
		return nil
	}
	return keys(ctx, func(chunk []string) error {
		for i, c := range counts {
			if !c.with {
				continue
			}
			n, err := s.Transfers.CountSubjects(ctx, c.q, chunk)
			if err != nil {
				return err
			}
			*c.dst += n - base[i]
		}
		return nil
	})
}

// input builds the route engine's input from a transfer and its facts.
func (s *Service) input(t *sluice.Transfer, f *sluice.TransferFacts, date route.Date) *route.Input {
	pi := f.Subjects > 0
	in := &route.Input{
		Date:     date,
		Exporter: route.Exporter{Region: t.Region, CIIO: f.CIIO, StateOrgan: f.StateOrgan, Sector: f.Sector},
		// A licensed personal credit agency is licensed by the PBoC, in
		// China: a recipient abroad is never one.
		Recipient: route.Recipient{Country: t.DestinationCountry, Kind: t.RecipientKind, AdequacyScope: t.AdequacyScope,
			ApprovalOnFile: approvalOnFile(t)},
		Data: route.Data{
			Core:            len(f.CoreFields) > 0,
			Important:       len(f.ImportantFields) > 0 || f.AutoDeclared || f.ImportantNotice != nil,
			CreditAgency:    f.CreditAgency,
			CreditInfo:      f.CreditAgency || len(f.CreditFields) > 0,
			PI:              &pi,
			AutoIndividuals: f.AutoSubjects,
		},
		LegalBasis: t.LegalBasis,
		Exemption:  t.Exemption,
		Derogation: t.Derogation,
		YTD:        route.Counts{PI: f.YTD.PI, SPI: f.YTD.SPI},
	}
	if f.SincePrevYear != nil {
		in.SincePrevYear = &route.Counts{PI: f.SincePrevYear.PI, SPI: f.SincePrevYear.SPI}
	}
	return in
}

// decisionOf copies a decision into the form a transfer keeps. The
// classes of important automotive data the facts f establish follow the
// rules' reasons, each citing its item of Art. 3, and so does a notice of
// important data.
func decisionOf(d route.Decision, r *route.Rules, f *sluice.TransferFacts) sluice.TransferDecision {
	out := sluice.TransferDecision{Route: string(d.Route), RulesVersion: r.Version(),
		Reasons: make([]sluice.TransferReason, len(d.Reasons)), Requires: make([]sluice.TransferRequirement, len(d.Requires))}
	for i, x := range d.Reasons {
		out.Reasons[i] = sluice.TransferReason{Rule: x.Rule, Ref: x.Ref, Text: x.Text, Confidence: string(x.Confidence)}
	}
	out.Reasons = append(out.Reasons, f.AutoClasses...)
	for i, q := range d.Requires {
		out.Requires[i] = sluice.TransferRequirement{ID: q.ID, Text: q.Text, Ref: q.Ref}
		if q.Deadline != nil {
			out.Requires[i].Deadline = q.Deadline.Text
		}
	}
	if n := f.ImportantNotice; n != nil {
		out.Reasons = append(out.Reasons, noticeReason(n))
	}
	return out
}

// createDetails are the details of a transfer's creation event. Free text
// (the recipient, who may be a person; the justification) appears only
// as its hash.
func createDetails(t *sluice.Transfer) map[string]any {
	f := &t.Facts
	d := map[string]any{
		"region": string(t.Region), "destination_country": t.DestinationCountry,
		"recipient_sha256": sluice.TextHash(t.Recipient), "recipient_kind": t.RecipientKind,
		"exemption": t.Exemption, "legal_basis": t.LegalBasis, "purpose": t.Purpose, "date": t.Date,
		"status":  string(t.Status),
		"records": f.Records, "subjects": f.Subjects, "pi_subjects": f.PISubjects, "spi_subjects": f.SPISubjects,
		"grade": string(f.Grade), "ciio": f.CIIO, "sector": f.Sector,
		"ytd":            map[string]any{"pi": f.YTD.PI, "spi": f.YTD.SPI},
		"through_record": t.ThroughRecord,
		"rules_version":  t.Decision.RulesVersion,
	}
	if t.Derogation != "" {
		d["derogation"] = t.Derogation
	}
	if t.AdequacyScope {
		d["adequacy_scope"] = true
	}
	if t.Justification != "" {
		d["justification_sha256"] = sluice.TextHash(t.Justification)
	}
	if f.SincePrevYear != nil {
		d["since_prev_year"] = map[string]any{"pi": f.SincePrevYear.PI, "spi": f.SincePrevYear.SPI}
	}
	if f.AutoSubjects > 0 {
		d["auto_subjects"] = f.AutoSubjects
	}
	if len(f.AutoClasses) > 0 {
		classes := make([]any, len(f.AutoClasses))
		for i, c := range f.AutoClasses {
			classes[i] = c.Rule + " (" + c.Ref + ")"
		}
		d["auto_classes"] = classes
	}
	if f.ImportantNotice != nil {
		d["important_notice"] = f.ImportantNotice.Notice
	}
	return d
}

// FindTransferByID returns a transfer of the actor's org, expired first
// if its evidence ran out.
func (s *Service) FindTransferByID(ctx context.Context, id int64) (*sluice.Transfer, error) {
	t, err := s.Transfers.FindTransferByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if t, err = s.expireIfDue(ctx, t); err != nil {
		return nil, err
	}
	s.present(t)
	return t, nil
}

// FindTransfers lists the actor's org's transfers, newest first.
func (s *Service) FindTransfers(ctx context.Context, filter sluice.TransferFilter) ([]*sluice.Transfer, int, error) {
	ts, n, err := s.Transfers.FindTransfers(ctx, filter)
	if err != nil {
		return nil, 0, err
	}
	for i, t := range ts {
		if ts[i], err = s.expireIfDue(ctx, t); err != nil {
			return nil, 0, err
		}
		s.present(ts[i])
	}
	return ts, n, nil
}

// expireIfDue moves a ready or approved transfer whose last day has
// passed to expired, with its audit event.
func (s *Service) expireIfDue(ctx context.Context, t *sluice.Transfer) (*sluice.Transfer, error) {
	today := s.today().String()
	if !t.Status.Exportable() || t.ExpiresOn == "" || t.ExpiresOn >= today {
		return t, nil
	}
	return s.Transfers.TransitionTransfer(ctx, t.ID, func(t *sluice.Transfer) (*sluice.Event, error) {
		if !t.Status.Exportable() || t.ExpiresOn == "" || t.ExpiresOn >= today {
			return nil, nil // changed meanwhile
		}
		from := t.Status
		t.Status, t.Reason = sluice.TransferExpired, "Its evidence was valid until "+t.ExpiresOn+"."
		return &sluice.Event{
			Action:   sluice.ActionTransferExpire,
			Decision: string(t.Status),
			Object:   map[string]any{"dataset": t.DatasetID},
			Details:  map[string]any{"from": string(from), "expires_on": t.ExpiresOn, "date": today},
		}, nil
	})
}

// present fills in what is computed on reading: each piece of
// evidence's status today and whether a renewal is due.
func (s *Service) present(t *sluice.Transfer) {
	today := s.today().String()
	t.RenewalDue = false
	for _, ev := range t.Evidence {
		ev.Status = evidenceStatus(ev, today)
		if ev.Status == string(route.RenewalDue) {
			t.RenewalDue = true
		}
	}
}

// evidenceStatus says where ev stands on day today.
func evidenceStatus(ev *sluice.TransferEvidence, today string) string {
	switch {
	case today < ev.ValidFrom:
		return string(route.NotYetValid)
	case ev.ValidTo != "" && today > ev.ValidTo:
		return string(route.Expired)
	case ev.RenewFrom != "" && today >= ev.RenewFrom:
		return string(route.RenewalDue)
	}
	return string(route.Valid)
}

// evidenceKinds are the kinds of evidence each route takes.
var evidenceKinds = map[route.Route][]string{
	route.SCCOrCert:          {sluice.EvidenceSCCFiling, sluice.EvidenceCertification},
	route.SecurityAssessment: {sluice.EvidenceAssessment},
	route.SCCOrBCR:           {sluice.EvidenceSCC, sluice.EvidenceBCR},
	route.Derogation:         {sluice.EvidenceDerogation},
}

// AttachEvidence adds ev to a transfer awaiting evidence, or to an
// approved one (a renewal), and approves it.
func (s *Service) AttachEvidence(ctx context.Context, id int64, ev *sluice.TransferEvidence) (*sluice.Transfer, error) {
	if _, err := s.actorOrg(ctx); err != nil {
		return nil, err
	}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	cur, err := s.Transfers.FindTransferByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if ev.Kind == sluice.EvidenceAuthorityApproval || ev.Kind == sluice.EvidenceInternationalAgreement {
		return s.attachApproval(ctx, cur, ev)
	}
	if err := s.checkEvidence(cur, ev); err != nil {
		return nil, err
	}
	if ev.Kind == sluice.EvidenceCertification {
		if err := s.checkCertificate(ctx, cur, ev); err != nil {
			return nil, err
		}
	}
	today := s.today().String()
	ev.AttachedAt = s.now()
	t, err := s.Transfers.TransitionTransfer(ctx, id, func(t *sluice.Transfer) (*sluice.Event, error) {
		if t.Status != sluice.TransferAwaitingEvidence && t.Status != sluice.TransferApproved {
			return nil, sluice.Errorf(sluice.ECONFLICT, "Transfer %d is %s: evidence goes only to a transfer awaiting it or approved.", t.ID, t.Status)
		}
		from := t.Status
		t.Evidence = append(t.Evidence, ev)
		t.Status = sluice.TransferApproved
		t.ExpiresOn = evidenceEnd(t.Evidence)
		details := map[string]any{"from": string(from), "kind": ev.Kind, "reference_sha256": sluice.TextHash(ev.Reference),
			"valid_from": ev.ValidFrom, "date": today}
		if ev.ValidTo != "" {
			details["valid_to"] = ev.ValidTo
		}
		if ev.FiledOn != "" {
			details["filed_on"], details["filing_due"], details["late"] = ev.FiledOn, ev.FilingDue, ev.Late
		}
		return &sluice.Event{
			Action:   sluice.ActionTransferEvidence,
			Decision: string(t.Status),
			Object:   map[string]any{"dataset": t.DatasetID},
			Details:  details,
		}, nil
	})
	if err != nil {
		return nil, err
	}
	s.present(t)
	return t, nil
}

// checkEvidence checks that ev fits cur's route and the rules on
// validity, and fills in what the server sets: the validity of an
// assessment, the filing deadline, the renewal window.
func (s *Service) checkEvidence(cur *sluice.Transfer, ev *sluice.TransferEvidence) error {
	r := route.Route(cur.Decision.Route)
	kinds, ok := evidenceKinds[r]
	switch {
	case cur.Status != sluice.TransferAwaitingEvidence && cur.Status != sluice.TransferApproved:
		return sluice.Errorf(sluice.ECONFLICT, "Transfer %d is %s: evidence goes only to a transfer awaiting it or approved.", cur.ID, cur.Status)
	case !ok:
		return sluice.Errorf(sluice.ECONFLICT, "Transfer %d takes route %s, which needs no evidence.", cur.ID, r)
	case !slices.Contains(kinds, ev.Kind):
		return &sluice.Error{Code: sluice.EINVALID, Field: "kind",
			Message: fmt.Sprintf("kind: route %s takes %s, not %s.", r, strings.Join(kinds, " or "), ev.Kind)}
	}
	from, _ := route.ParseDate(ev.ValidFrom)
	var to route.Date
	if ev.ValidTo != "" {
		to, _ = route.ParseDate(ev.ValidTo)
	}
	if err := route.CheckPeriod(from, to); err != nil {
		return err
	}
	today := s.today()
	switch ev.Kind {
	case sluice.EvidenceAssessment:
		v, err := s.rules().AssessmentValid(from, to, today)
		if err != nil {
			field := map[string]string{"approved_from": "valid_from", "approved_to": "valid_to"}[fieldOf(err)]
			return &sluice.Error{Code: sluice.ErrorCode(err), Field: field,
				Message: strings.NewReplacer("approved_from", "valid_from", "approved_to", "valid_to").Replace(sluice.ErrorMessage(err))}
		}
		ev.ValidTo, ev.RenewFrom = v.ValidTo.String(), v.RenewFrom.String()
	case sluice.EvidenceCertification:
		// Validity and scope: see checkCertificate.
	case sluice.EvidenceSCCFiling:
		if dl := s.deadline(cur, reqFiling); dl != nil {
			if due, ok := dl.Due(from); ok {
				ev.FilingDue = due.String()
				ev.Late = ev.FiledOn > ev.FilingDue
			}
		}
	}
	if ev.ValidTo != "" && ev.ValidTo < today.String() {
		return &sluice.Error{Code: sluice.EINVALID, Field: "valid_to", Message: fmt.Sprintf("valid_to: the evidence ran out on %s.", ev.ValidTo)}
	}
	return nil
}

// deadline returns the deadline of requirement id in the decision of
// cur, recomputed from its stored facts on its own date.
func (s *Service) deadline(cur *sluice.Transfer, id string) *route.Deadline {
	date, err := route.ParseDate(cur.Date)
	if err != nil {
		return nil
	}
	dec, err := s.rules().Decide(s.input(cur, &cur.Facts, date), s.now())
	if err != nil {
		return nil
	}
	for _, q := range dec.Requires {
		if q.ID == id {
			return q.Deadline
		}
	}
	return nil
}

// fieldOf returns the input field a sluice error names, if any.
func fieldOf(err error) string {
	var e *sluice.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// evidenceEnd is the last day any of evs holds, "" if one is open-ended.
func evidenceEnd(evs []*sluice.TransferEvidence) string {
	end := ""
	for _, ev := range evs {
		if ev.ValidTo == "" {
			return ""
		}
		end = max(end, ev.ValidTo)
	}
	return end
}

// RevokeTransfer withdraws a transfer that is not final.
func (s *Service) RevokeTransfer(ctx context.Context, id int64, reason string) (*sluice.Transfer, error) {
	if _, err := s.actorOrg(ctx); err != nil {
		return nil, err
	}
	if len(reason) > 2000 {
		return nil, &sluice.Error{Code: sluice.EINVALID, Field: "reason", Message: "reason: longer than 2000 bytes."}
	}
	today := s.today().String()
	t, err := s.Transfers.TransitionTransfer(ctx, id, func(t *sluice.Transfer) (*sluice.Event, error) {
		if t.Status == sluice.TransferRevoked || t.Status == sluice.TransferExpired {
			return nil, sluice.Errorf(sluice.ECONFLICT, "Transfer %d is already %s.", t.ID, t.Status)
		}
		from := t.Status
		t.Status, t.Reason = sluice.TransferRevoked, reason
		return &sluice.Event{
			Action:   sluice.ActionTransferRevoke,
			Decision: string(t.Status),
			Object:   map[string]any{"dataset": t.DatasetID},
			Details:  map[string]any{"from": string(from), "reason_sha256": sluice.TextHash(reason), "date": today},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	s.present(t)
	return t, nil
}

// TransferCounters returns the actor's org's counters on date against
// the thresholds in force.
func (s *Service) TransferCounters(ctx context.Context, date string) (*sluice.TransferCounterView, error) {
	org, err := s.actorOrg(ctx)
	if err != nil {
		return nil, err
	}
	d := s.today()
	if date != "" {
		if d, err = route.ParseDate(date); err != nil {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: "date", Message: "date: " + sluice.ErrorMessage(err)}
		}
		// A later day of this year is a fair question (the counters as of
		// year end): they hold what was exported so far. A later year's
		// counters start at zero on 1 January and say nothing yet.
		if today := s.today(); d.Year() > today.Year() {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: "date", Message: fmt.Sprintf("date: %s is in a later year; its counters start at zero on 1 January. Ask for a date in %d or earlier.", d, today.Year())}
		}
	}
	v := &sluice.TransferCounterView{OrgID: org.ID, Region: org.Region, Date: d.String(), Year: d.Year()}
	var counts sluice.TransferCounts
	w, err := s.rules().CountingWindow(org.Region, d)
	switch {
	case err == nil && w.PreviousYear:
		v.WindowFrom, v.PreviousYear, v.WindowRule = w.From.String(), true, w.Reason.Rule
		years := []int{d.Year() - 1, d.Year()}
		if counts.PI, err = s.Transfers.CountSubjects(ctx, sluice.CounterQuery{OrgID: org.ID, Years: years, Counters: []string{sluice.CounterPI, sluice.CounterSPI}}, nil); err != nil {
			return nil, err
		}
		if counts.SPI, err = s.Transfers.CountSubjects(ctx, sluice.CounterQuery{OrgID: org.ID, Years: years, Counters: []string{sluice.CounterSPI}}, nil); err != nil {
			return nil, err
		}
	case err == nil || sluice.ErrorCode(err) == sluice.ENOTFOUND:
		if err == nil {
			v.WindowFrom, v.WindowRule = w.From.String(), w.Reason.Rule
		}
		if counts, err = s.Transfers.TransferCounts(ctx, org.ID, d.Year()); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	var limits []route.Limit
	if v.WindowFrom != "" {
		if limits, err = s.rules().Limits(org.Region, d); err != nil {
			return nil, err
		}
	}
	for _, c := range []struct {
		name string
		n    int64
	}{{sluice.CounterPI, counts.PI}, {sluice.CounterSPI, counts.SPI}} {
		line := sluice.TransferCounterLine{Counter: c.name, Count: c.n, Limits: []sluice.TransferLimit{}}
		for _, l := range limits {
			if l.Counter != c.name {
				continue
			}
			th := l.Threshold
			need := th.Value // the count at which it is reached
			if th.Op == "gt" {
				need++
			}
			lim := sluice.TransferLimit{Threshold: th.Value, Op: th.Op, Route: string(l.Route), Rule: l.Rule.Rule, Ref: l.Rule.Ref,
				Reached: th.Reached(c.n), Headroom: max(0, need-c.n)}
			line.Limits = append(line.Limits, lim)
			if !lim.Reached && (line.Headroom == nil || lim.Headroom < *line.Headroom) {
				h := lim.Headroom
				line.Headroom, line.NextRoute = &h, lim.Route
			}
		}
		v.Counters = append(v.Counters, line)
	}
	return v, nil
}

// routeRank orders routes by how much they demand: none, a contract or
// safeguard, an assessment, no export at all.
func routeRank(r route.Route) int {
	switch r {
	case route.Exempt, route.Adequacy:
		return 0
	case route.SCCOrCert, route.SCCOrBCR, route.Derogation:
		return 1
	case route.SecurityAssessment:
		return 2
	}
	return 3
}
