package sluice

import (
	"context"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Audit actions of cross-border transfers.
const (
	ActionTransferCreate   = "transfer.create"   // a transfer is requested and its route decided
	ActionTransferEvidence = "transfer.evidence" // evidence attached (filing, certificate, approval, safeguard)
	ActionTransferRevoke   = "transfer.revoke"   // the owner withdrew it
	ActionTransferExpire   = "transfer.expire"   // its evidence ran out
	ActionTransferExport   = "transfer.export"   // records released under it
)

// A TransferStatus is where a transfer stands.
//
//	ready              the route needs no evidence (exempt, adequacy): records may go
//	awaiting_evidence  the route needs a filing, certificate, approval or safeguard
//	approved           evidence on file: records may go until it runs out
//	blocked            the route stops it (BLOCK or HOLD); final
//	expired            its evidence ran out; final
//	revoked            the owner withdrew it; final
type TransferStatus string

// Transfer statuses.
const (
	TransferReady            TransferStatus = "ready"
	TransferAwaitingEvidence TransferStatus = "awaiting_evidence"
	TransferApproved         TransferStatus = "approved"
	TransferBlocked          TransferStatus = "blocked"
	TransferExpired          TransferStatus = "expired"
	TransferRevoked          TransferStatus = "revoked"
)

// Exportable reports whether records may be exported under a transfer in
// status s (its dates permitting).
func (s TransferStatus) Exportable() bool { return s == TransferReady || s == TransferApproved }

// Final reports whether no transition leads out of s.
func (s TransferStatus) Final() bool {
	return s == TransferBlocked || s == TransferExpired || s == TransferRevoked
}

// Validate returns EINVALID unless s is a known status.
func (s TransferStatus) Validate() error {
	switch s {
	case TransferReady, TransferAwaitingEvidence, TransferApproved, TransferBlocked, TransferExpired, TransferRevoked:
		return nil
	}
	return Errorf(EINVALID, "Transfer status %q is not one of ready, awaiting_evidence, approved, blocked, expired, revoked.", string(s))
}

// Sectors of an org that the transfer rules single out. Org.Sector is free
// text; these values decide something.
const (
	SectorAutomotive = "automotive"  // Automotive Provisions: volume rule for location, trajectory and exterior data
	SectorCredit     = "credit"      // a credit reporting agency: its credit information is held in China
	SectorStateOrgan = "state_organ" // a state organ (PIPL Art. 36)
)

// CreditCategoryPrefix starts the category keys of credit information,
// scores derived from it included (PBoC Measures Art. 3), e.g.
// user.credit.score. A field carrying such a category is credit
// information whoever holds it.
const CreditCategoryPrefix = "user.credit"

// Legal bases of an export under PIPL Art. 13. Only consent makes an
// export depend on each person's separate consent (PIPL Art. 39).
const (
	LegalBasisConsent       = "consent"
	LegalBasisContract      = "contract"
	LegalBasisHR            = "hr"
	LegalBasisStatutoryDuty = "statutory_duty"
	LegalBasisEmergency     = "emergency"
	LegalBasisNews          = "news"
	LegalBasisPublicInfo    = "public_info"
	LegalBasisOtherLaw      = "other_law"
)

var legalBases = []string{LegalBasisConsent, LegalBasisContract, LegalBasisHR, LegalBasisStatutoryDuty,
	LegalBasisEmergency, LegalBasisNews, LegalBasisPublicInfo, LegalBasisOtherLaw}

// DateLayout is how sluice writes calendar days: YYYY-MM-DD.
const DateLayout = "2006-01-02"

// A TransferRequest is what an owner asks for: which fields of which
// dataset go to whom, where and why. Everything else about the transfer —
// grades, volumes, counters, the org's flags — the server establishes.
type TransferRequest struct {
	Dataset            int64    `json:"dataset"`
	Fields             []string `json:"fields"`
	DestinationCountry string   `json:"destination_country"` // ISO 3166-1 alpha-2
	Recipient          string   `json:"recipient"`           // who receives, by name
	// RecipientKind is company (the default), individual,
	// foreign_judicial or foreign_law_enforcement.
	RecipientKind string `json:"recipient_kind,omitempty"`
	// Exemption is the CN exemption claimed (none, trade, reexport,
	// contract, hr, emergency, ftz_outside_list); a claim needs a
	// justification.
	Exemption string `json:"exemption,omitempty"`
	// Derogation is the EU Art. 49 derogation claimed, if any.
	Derogation string `json:"derogation,omitempty"`
	// AdequacyScope says the recipient is within a partial adequacy
	// decision (EU-US Data Privacy Framework, PIPEDA); it needs a
	// justification.
	AdequacyScope bool `json:"adequacy_scope,omitempty"`
	// Purpose is why the data goes; "" takes the dataset's purpose.
	Purpose string `json:"purpose,omitempty"`
	// LegalBasis is the PIPL Art. 13 basis of the export: consent (the
	// default), contract, hr, statutory_duty, emergency, news,
	// public_info or other_law.
	LegalBasis    string `json:"legal_basis,omitempty"`
	Justification string `json:"justification,omitempty"`
	// Date is the transfer's date (YYYY-MM-DD), which picks the rules in
	// force; "" is today. It may not be in the future.
	Date string `json:"date,omitempty"`
}

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)

// Validate checks the form of r: required values present, names known.
// Whether the country, exemption or derogation exist on the date is for
// the route rules to say.
func (r *TransferRequest) Validate() error {
	switch {
	case r.Dataset <= 0:
		return transferFieldErr("dataset", "dataset: required (the id of one of your datasets).")
	case len(r.Fields) == 0:
		return transferFieldErr("fields", "fields: name at least one field to export.")
	case r.DestinationCountry == "":
		return transferFieldErr("destination_country", "destination_country: required (ISO 3166-1 alpha-2, e.g. US).")
	case !countryRE.MatchString(r.DestinationCountry):
		return transferFieldErr("destination_country", "destination_country: %q is not an upper-case ISO 3166-1 alpha-2 code.", r.DestinationCountry)
	case strings.TrimSpace(r.Recipient) == "":
		return transferFieldErr("recipient", "recipient: required (who receives the data).")
	case len(r.Recipient) > 200:
		return transferFieldErr("recipient", "recipient: longer than 200 bytes.")
	case len(r.Justification) > 4000:
		return transferFieldErr("justification", "justification: longer than 4000 bytes.")
	case len(r.Purpose) > 200:
		return transferFieldErr("purpose", "purpose: longer than 200 bytes.")
	}
	seen := map[string]bool{}
	for _, f := range r.Fields {
		if seen[f] {
			return transferFieldErr("fields", "fields: %q is named twice.", f)
		}
		seen[f] = true
	}
	if r.LegalBasis != "" && !slices.Contains(legalBases, r.LegalBasis) {
		return transferFieldErr("legal_basis", "legal_basis: %q is not one of %s.", r.LegalBasis, strings.Join(legalBases, ", "))
	}
	claim := r.Exemption != "" && r.Exemption != "none" || r.Derogation != "" && r.Derogation != "none" || r.AdequacyScope
	if claim && strings.TrimSpace(r.Justification) == "" {
		return transferFieldErr("justification", "justification: required when claiming an exemption, a derogation or an adequacy scope; say why it applies.")
	}
	if r.Date != "" {
		if _, err := time.Parse(DateLayout, r.Date); err != nil {
			return transferFieldErr("date", "date: %q is not a date (YYYY-MM-DD).", r.Date)
		}
	}
	return nil
}

// A Transfer is a request to move records of a dataset out of its region:
// the request, the facts the server established, the route decided from
// them, the evidence attached and where it stands.
type Transfer struct {
	ID        int64          `json:"id"`
	OrgID     int64          `json:"org_id"`
	DatasetID int64          `json:"dataset_id"`
	Region    Region         `json:"region"`
	Status    TransferStatus `json:"status"`

	Fields             []string `json:"fields"`
	DestinationCountry string   `json:"destination_country"`
	Recipient          string   `json:"recipient"`
	RecipientKind      string   `json:"recipient_kind"`
	Exemption          string   `json:"exemption"`
	Derogation         string   `json:"derogation,omitempty"`
	AdequacyScope      bool     `json:"adequacy_scope,omitempty"`
	Purpose            string   `json:"purpose"`
	LegalBasis         string   `json:"legal_basis"`
	Justification      string   `json:"justification,omitempty"`
	Date               string   `json:"date"` // the transfer's date, YYYY-MM-DD

	// ThroughRecord is the last record (by id) the transfer covers: the
	// records visible when it was decided, none written after.
	ThroughRecord int64               `json:"through_record"`
	Facts         TransferFacts       `json:"facts"`
	Decision      TransferDecision    `json:"decision"`
	Evidence      []*TransferEvidence `json:"evidence"`
	// ExpiresOn is the last day records may go (the end of the evidence's
	// validity), "" if open.
	ExpiresOn string `json:"expires_on,omitempty"`
	// RenewalDue is set from the first day of an assessment's renewal
	// window (60 working days before it expires).
	RenewalDue bool   `json:"renewal_due,omitempty"`
	Reason     string `json:"reason,omitempty"` // why it was revoked or expired

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TransferFacts are what the server established about a transfer, never
// taking the exporter's word for them: the records and people concerned,
// the grades and sensitivity of the fields, the exporter's counters and
// flags.
type TransferFacts struct {
	Records  int64 `json:"records"`  // records that would go
	Subjects int64 `json:"subjects"` // distinct people among them
	// PISubjects counts the people whose personal information other
	// than sensitive PI would go (a non-sensitive field is exported);
	// SPISubjects those whose sensitive PI would go.
	PISubjects  int64 `json:"pi_subjects"`
	SPISubjects int64 `json:"spi_subjects"`
	// AutoSubjects counts, for an exporter in the automotive sector whose
	// transfer carries personal information, the distinct people across
	// all the exporter's datasets: the count of important automotive data
	// is per processor, not per dataset (Automotive Provisions Art. 3(5)).
	AutoSubjects int64 `json:"auto_subjects,omitempty"`
	// AutoClasses are the classes of important automotive data the
	// dataset's owner declared (Automotive Provisions Art. 3(1)-(4)), each
	// with its article; the count of Art. 3(5) is AutoSubjects.
	AutoClasses []TransferReason `json:"auto_classes,omitempty"`
	// AutoDeclared says a class the dataset's owner declared (Art.
	// 3(1)-(4)) makes the data important data.
	AutoDeclared bool `json:"auto_declared,omitempty"`

	Grade           Grade    `json:"grade"` // highest grade among the fields exported
	CoreFields      []string `json:"core_fields,omitempty"`
	ImportantFields []string `json:"important_fields,omitempty"`
	SensitiveFields []string `json:"sensitive_fields,omitempty"`
	// NonSensitiveFields are the exported fields that are not sensitive:
	// their values are the people's personal information other than
	// sensitive PI.
	NonSensitiveFields []string `json:"non_sensitive_fields,omitempty"`
	AutoFields         []string `json:"auto_fields,omitempty"` // fields of automotive location, trajectory or plate categories
	CreditFields       []string `json:"credit_fields,omitempty"`

	// ImportantNotice is the authority's notice that the dataset is
	// important data (O16 Art. 2; NDSR Art. 37): with it, the transfer is
	// one of important data whatever its fields' grades.
	ImportantNotice *ImportantNotice `json:"important_notice,omitempty"`

	CIIO         bool   `json:"ciio"`
	StateOrgan   bool   `json:"state_organ,omitempty"`
	Sector       string `json:"sector,omitempty"`
	CreditAgency bool   `json:"credit_agency,omitempty"`

	// WindowFrom is the first day of the counting window on the
	// transfer's date; YTD counts since 1 January of its year, this
	// transfer included; SincePrevYear since 1 January of the year
	// before, for dates under the 2022 rules.
	WindowFrom    string          `json:"window_from,omitempty"`
	YTD           TransferCounts  `json:"ytd"`
	SincePrevYear *TransferCounts `json:"since_prev_year,omitempty"`
}

// TransferCounts are distinct-individual counts: PI whose personal
// information other than sensitive PI left, SPI whose sensitive PI left.
type TransferCounts struct {
	PI  int64 `json:"pi"`
	SPI int64 `json:"spi"`
}

// A TransferDecision is the route decided for a transfer, the rules that
// chose it (the deciding rule first) and what it still requires.
type TransferDecision struct {
	Route        string                `json:"route"`
	Reasons      []TransferReason      `json:"reasons"`
	Requires     []TransferRequirement `json:"requires"`
	RulesVersion string                `json:"rules_version,omitempty"`
}

// A TransferReason is one rule behind a decision, with its legal reference.
type TransferReason struct {
	Rule       string `json:"rule"`
	Ref        string `json:"ref"`
	Text       string `json:"text,omitempty"`
	Confidence string `json:"confidence,omitempty"`
}

// A TransferRequirement is something a transfer still needs.
type TransferRequirement struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Ref      string `json:"ref"`
	Deadline string `json:"deadline,omitempty"`
}

// Needs reports whether the decision lists the requirement id.
func (d *TransferDecision) Needs(id string) bool {
	for _, q := range d.Requires {
		if q.ID == id {
			return true
		}
	}
	return false
}

// Kinds of transfer evidence.
const (
	EvidenceSCCFiling     = "scc_filing"        // CN: the standard contract's filing with the provincial CAC
	EvidenceCertification = "certification"     // CN: PI protection (export) certification
	EvidenceAssessment    = "assessment"        // CN: the CAC's security-assessment approval
	EvidenceSCC           = "scc"               // EU: standard contractual clauses signed
	EvidenceBCR           = "bcr"               // EU: approved binding corporate rules
	EvidenceDerogation    = "derogation_record" // EU: the record of the derogation relied on
	// A foreign court's or authority's request: the competent PRC
	// authority's approval (DSL Art. 36, PIPL Art. 41) or, for EU data,
	// the international agreement it rests on (GDPR Art. 48). Each names
	// the Authority and a Scope the request proceeds within.
	EvidenceAuthorityApproval      = "authority_approval"
	EvidenceInternationalAgreement = "international_agreement"
)

// TransferEvidence is a filing, certificate, approval or safeguard
// attached to a transfer.
type TransferEvidence struct {
	Kind      string `json:"kind"`
	Reference string `json:"reference"`            // filing number, certificate or approval number, contract reference
	ValidFrom string `json:"valid_from"`           // from when it holds: contract effective date, approval or issue date
	ValidTo   string `json:"valid_to,omitempty"`   // its last valid day; "" open or, for an assessment, the full validity
	FiledOn   string `json:"filed_on,omitempty"`   // for a filing: the day it was filed
	FilingDue string `json:"filing_due,omitempty"` // for a filing: the last day to file (set by the server)
	Late      bool   `json:"late,omitempty"`       // filed after FilingDue
	RenewFrom string `json:"renew_from,omitempty"` // first day of the renewal window (set by the server)
	Status    string `json:"status,omitempty"`     // not_yet_valid, valid, renewal_due or expired, today
	Note      string `json:"note,omitempty"`
	// Scope is what a certificate, approval or agreement covers, as it
	// states (required for those kinds): the transfer must be within it.
	Scope *EvidenceScope `json:"scope,omitempty"`
	// Authority is the body that approved a foreign request (or the
	// parties of the agreement it rests on).
	Authority string `json:"authority,omitempty"`

	AttachedAt time.Time `json:"attached_at"`
}

// An EvidenceScope is what a personal-information protection certificate
// covers: the recipient countries (ISO 3166-1 alpha-2) and the categories
// of personal information (category keys) it names, and, when it limits
// them, the recipients and purposes.
type EvidenceScope struct {
	Countries  []string `json:"countries"`
	Categories []string `json:"categories"`
	Recipients []string `json:"recipients,omitempty"`
	Purposes   []string `json:"purposes,omitempty"`
}

// Validate checks the form of ev: kind known, reference present, dates
// well formed and in order.
func (ev *TransferEvidence) Validate() error {
	switch ev.Kind {
	case EvidenceSCCFiling, EvidenceCertification, EvidenceAssessment, EvidenceSCC, EvidenceBCR, EvidenceDerogation,
		EvidenceAuthorityApproval, EvidenceInternationalAgreement:
	case "":
		return transferFieldErr("kind", "kind: required (scc_filing, certification, assessment, scc, bcr, derogation_record, authority_approval or international_agreement).")
	default:
		return transferFieldErr("kind", "kind: %q is not one of scc_filing, certification, assessment, scc, bcr, derogation_record, authority_approval, international_agreement.", ev.Kind)
	}
	if (ev.Kind == EvidenceAuthorityApproval || ev.Kind == EvidenceInternationalAgreement) && strings.TrimSpace(ev.Authority) == "" {
		return transferFieldErr("authority", "authority: required: the body that approved the request, or the parties of the agreement.")
	} else if len(ev.Authority) > 200 {
		return transferFieldErr("authority", "authority: longer than 200 bytes.")
	}
	if strings.TrimSpace(ev.Reference) == "" {
		return transferFieldErr("reference", "reference: required (the filing, certificate or approval number).")
	} else if len(ev.Reference) > 200 || len(ev.Note) > 2000 {
		return transferFieldErr("reference", "reference or note: too long.")
	}
	dates := map[string]string{"valid_from": ev.ValidFrom, "valid_to": ev.ValidTo, "filed_on": ev.FiledOn}
	for _, name := range []string{"valid_from", "valid_to", "filed_on"} {
		if v := dates[name]; v != "" {
			if _, err := time.Parse(DateLayout, v); err != nil {
				return transferFieldErr(name, "%s: %q is not a date (YYYY-MM-DD).", name, v)
			}
		}
	}
	switch {
	case ev.ValidFrom == "":
		return transferFieldErr("valid_from", "valid_from: required (YYYY-MM-DD).")
	case ev.ValidTo != "" && ev.ValidTo < ev.ValidFrom:
		return transferFieldErr("valid_to", "valid_to: %s is before valid_from %s.", ev.ValidTo, ev.ValidFrom)
	case ev.Kind == EvidenceSCCFiling && ev.FiledOn == "":
		return transferFieldErr("filed_on", "filed_on: required for a filing (the day the contract was filed).")
	case ev.FiledOn != "" && ev.FiledOn < ev.ValidFrom && ev.Kind != EvidenceSCCFiling:
		return transferFieldErr("filed_on", "filed_on: %s is before valid_from %s.", ev.FiledOn, ev.ValidFrom)
	}
	return nil
}

// TransferFilter selects transfers. Nil fields do not filter.
type TransferFilter struct {
	ID        *int64
	DatasetID *int64
	Status    *TransferStatus

	Offset int
	Limit  int
}

// A TransferExport is one release of records under a transfer.
type TransferExport struct {
	ID         int64    `json:"id"`
	TransferID int64    `json:"transfer_id"`
	Date       string   `json:"date"`
	Format     string   `json:"format"` // csv or jsonl
	Fields     []string `json:"fields"`
	Records    int64    `json:"records"`  // records released
	Withheld   int64    `json:"withheld"` // records held back: no separate consent for the export
	Subjects   int64    `json:"subjects"` // distinct people released
	// Counted says which counters the people released were added to:
	// "pi", "spi", both or none.
	Counted []string `json:"counted"`
	// Added counts the people new to each counter this year; YTD is the
	// counters after the export.
	Added      TransferCounts `json:"added"`
	YTD        TransferCounts `json:"ytd"`
	EventIndex int64          `json:"event_index"` // the audit entry
	SubjectSet *SubjectSet    `json:"subject_set,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
}

// Counters of distinct people exported per org and calendar year.
const (
	CounterPI  = "pi"  // people whose personal information other than sensitive PI left
	CounterSPI = "spi" // people whose sensitive personal information left
)

// A CounterQuery names counter sets of one org to count together: the
// union over the years and counters listed.
type CounterQuery struct {
	OrgID    int64
	Years    []int
	Counters []string // CounterPI, CounterSPI
}

// TransferCounterView is an org's counters on a day, each against the
// thresholds in force, for GET /v1/transfers/counters.
type TransferCounterView struct {
	OrgID        int64  `json:"org_id"`
	Region       Region `json:"region"`
	Date         string `json:"date"`
	Year         int    `json:"year"`
	WindowFrom   string `json:"window_from,omitempty"`
	PreviousYear bool   `json:"previous_year,omitempty"`
	WindowRule   string `json:"window_rule,omitempty"`
	// Counters are pi and spi, counted over the window in force.
	Counters []TransferCounterLine `json:"counters"`
}

// A TransferCounterLine is one counter, its limits and the headroom left
// before the next one is reached.
type TransferCounterLine struct {
	Counter string          `json:"counter"`
	Count   int64           `json:"count"`
	Limits  []TransferLimit `json:"limits"`
	// Headroom is how many more people can be added before the nearest
	// limit not yet reached applies (NextRoute); nil when every limit is
	// reached or there are none.
	Headroom  *int64 `json:"headroom,omitempty"`
	NextRoute string `json:"next_route,omitempty"`
}

// A TransferLimit is a threshold on a counter and the route it brings.
type TransferLimit struct {
	Threshold int64  `json:"threshold"`
	Op        string `json:"op"` // gte or gt
	Route     string `json:"route"`
	Rule      string `json:"rule"`
	Ref       string `json:"ref"`
	Reached   bool   `json:"reached"`
	Headroom  int64  `json:"headroom"` // people to add before it is reached; 0 once reached
}

// TransferStore keeps transfers, their exports and the year-to-date
// counters in the control store. Every change appends its audit event in
// the same transaction.
type TransferStore interface {
	// CreateTransfer stores t (setting ID, CreatedAt, UpdatedAt) and
	// appends e, its audit event, to which it adds the transfer's id.
	CreateTransfer(ctx context.Context, t *Transfer, e *Event) error

	// FindTransferByID returns ENOTFOUND unless the transfer exists and
	// belongs to the actor's org (the operator sees all).
	FindTransferByID(ctx context.Context, id int64) (*Transfer, error)

	// FindTransfers returns the transfers matching filter that the actor
	// may see, newest first, and how many match in all.
	FindTransfers(ctx context.Context, filter TransferFilter) ([]*Transfer, int, error)

	// TransitionTransfer loads a transfer the actor may see, calls fn
	// with it inside a write transaction, and stores the transfer and
	// appends the event fn returns. An error from fn changes nothing; a
	// nil event with a nil error leaves the transfer as it was.
	TransitionTransfer(ctx context.Context, id int64, fn func(t *Transfer) (*Event, error)) (*Transfer, error)

	// CountSubjects returns the number of distinct people in the union
	// of the counter sets q names and keys (sorted subject keys).
	CountSubjects(ctx context.Context, q CounterQuery, keys []string) (int64, error)

	// RecordExport records x in one transaction: it adds keys (sorted
	// subject keys) to the counters of the org for year named in
	// x.Counted, sets x.Added and x.YTD, calls check with the transfer
	// as stored and x, then appends e (the export's audit event,
	// committing to keys) and sets x.ID and x.EventIndex. An error from
	// check undoes it all: nothing is counted, nothing logged.
	RecordExport(ctx context.Context, x *TransferExport, year int, keys []string, e *Event, check func(t *Transfer, x *TransferExport) error) error

	// TransferCounts returns an org's counters for a year.
	TransferCounts(ctx context.Context, orgID int64, year int) (TransferCounts, error)

	// FindTransferExports returns the exports of a transfer, oldest first.
	FindTransferExports(ctx context.Context, transferID int64) ([]*TransferExport, error)
}

// TransferExportOptions say what an export asks for. Fields, Purpose and
// Recipient must lie within the transfer's approval.
type TransferExportOptions struct {
	Format    string   // csv (default) or jsonl
	Fields    []string // a subset of the approved fields; nil for all
	Purpose   string   // "" or the approved purpose
	Recipient string   // "" or the approved recipient
}

// TransferService is the API-level service for cross-border transfers:
// it establishes the facts, decides the route, keeps the state machine
// and gates exports.
type TransferService interface {
	// CreateTransfer decides the route of req for the actor's org and
	// stores the transfer in the status the route leads to.
	CreateTransfer(ctx context.Context, req *TransferRequest) (*Transfer, error)

	// FindTransferByID returns a transfer of the actor's org, marking it
	// expired first if its evidence ran out.
	FindTransferByID(ctx context.Context, id int64) (*Transfer, error)

	// FindTransfers lists the actor's org's transfers.
	FindTransfers(ctx context.Context, filter TransferFilter) ([]*Transfer, int, error)

	// AttachEvidence adds evidence to a transfer awaiting it (or renews
	// that of an approved one) and approves it when the evidence fits the
	// route and holds today.
	AttachEvidence(ctx context.Context, id int64, ev *TransferEvidence) (*Transfer, error)

	// RevokeTransfer withdraws a transfer that is not final.
	RevokeTransfer(ctx context.Context, id int64, reason string) (*Transfer, error)

	// TransferCounters returns the actor's org's counters on date ("" is
	// today) against the thresholds in force.
	TransferCounters(ctx context.Context, date string) (*TransferCounterView, error)

	// ExportTransfer releases the records of a transfer that may go:
	// it counts and logs the export, then calls start with it and writes
	// the records to the writer start returns.
	ExportTransfer(ctx context.Context, id int64, opts TransferExportOptions, start func(x *TransferExport) (io.Writer, error)) (*TransferExport, error)
}

// transferFieldErr returns an EINVALID error about one input field.
func transferFieldErr(field, format string, args ...any) *Error {
	e := Errorf(EINVALID, format, args...)
	e.Field = field
	return e
}
