package route

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// An Input holds the facts a route decision needs. The server establishes
// them itself (grades from classification, counts from its counters, flags
// from the org); the CLI reads them from flags or JSON.
//
// JSON form, with every optional field shown:
//
//	{"date":"2026-11-26",
//	 "exporter":{"region":"CN","ciio":false,"state_organ":false,"sector":"","pi_processed":0},
//	 "recipient":{"country":"US","kind":"company","approval_on_file":false,
//	              "licensed_credit_agency":false,"adequacy_scope":false},
//	 "data":{"core":false,"important":false,"credit_agency":false,"credit_info":false,
//	         "pi":true,"auto_individuals":0},
//	 "legal_basis":"consent",
//	 "exemption":"none","derogation":"none","safeguard":"none","no_safeguard_reason":"",
//	 "ytd":{"pi":0,"spi":0},
//	 "since_prev_year":{"pi":0,"spi":0}}
type Input struct {
	// Date is the transfer's date; it picks the rules in force. Required.
	Date Date `json:"date"`

	Exporter  Exporter  `json:"exporter"`
	Recipient Recipient `json:"recipient"`
	Data      Data      `json:"data"`

	// Exemption is the CN exemption claimed (O16 Arts. 3-6): none, trade,
	// reexport, contract, hr, emergency or ftz_outside_list. "" means none.
	// Claiming one is an assertion the exporter must be able to record.
	Exemption string `json:"exemption,omitempty"`

	// Derogation is the EU derogation claimed (GDPR Art. 49(1)):
	// none, explicit_consent, contract, contract_for_subject,
	// public_interest, legal_claims, vital_interests, public_register or
	// compelling_interest. "" means none.
	Derogation string `json:"derogation,omitempty"`

	// LegalBasis is the legal basis of the processing (CN: a PIPL Art. 13
	// basis: consent, contract, hr, statutory_duty, emergency, news,
	// public_info or other_law). Separate consent to the export (PIPL Art.
	// 39) is required exactly when the basis is consent, whatever the
	// route; with another basis only the Art. 39 notice is. "" means not
	// given: the basis an O16 Art. 5 exemption implies is taken (contract,
	// hr, emergency), else consent is assumed and the decision says so
	// ([Decision.ConsentAssumed]). Regions whose rules test no basis (EU)
	// accept any name and ignore it.
	LegalBasis string `json:"legal_basis,omitempty"`

	// Safeguard is the GDPR Art. 46 safeguard relied on (EU): none, scc,
	// sa_scc, bcr, public_body_instrument, code_of_conduct, certification,
	// ad_hoc_clauses or administrative_arrangement. "" means none. With
	// no adequacy decision, a safeguard comes before any derogation.
	Safeguard string `json:"safeguard,omitempty"`

	// NoSafeguardReason says why no Art. 46 safeguard is available (EU),
	// which an Art. 49 derogation needs: a derogation claimed without it
	// lists the reason as still required.
	NoSafeguardReason string `json:"no_safeguard_reason,omitempty"`

	// YTD counts distinct individuals since 1 January of the transfer's
	// year, this transfer included: PI those whose personal information
	// other than sensitive PI left, SPI those whose sensitive PI left
	// (O16 Arts. 7-8). Used from 2024-03-22.
	YTD Counts `json:"ytd"`

	// SincePrevYear counts distinct individuals since 1 January of the
	// year before the transfer's, this transfer included, as O11 Art. 4(3)
	// counted them: PI everyone whose personal information of any kind
	// left, SPI those whose sensitive PI left. Required for CN transfers
	// dated before 2024-03-22; ignored otherwise.
	SincePrevYear *Counts `json:"since_prev_year,omitempty"`
}

// An Exporter describes the organisation sending the data.
type Exporter struct {
	Region     sluice.Region `json:"region"`      // region whose rules apply: CN or EU. Required.
	CIIO       bool          `json:"ciio"`        // critical-information-infrastructure operator (CN)
	StateOrgan bool          `json:"state_organ"` // state organ (CN, PIPL Art. 36)
	Sector     string        `json:"sector"`      // e.g. "automotive"; other values are recorded but decide nothing
	// PIProcessed is the number of people whose PI the exporter processes
	// in all (CN, O11 Art. 4(2), before 2024-03-22 only).
	PIProcessed int64 `json:"pi_processed,omitempty"`
}

// A Recipient describes who receives the data abroad.
type Recipient struct {
	Country string `json:"country"` // ISO 3166-1 alpha-2, upper case. Required.
	// Kind is company (the default when empty), individual,
	// foreign_judicial or foreign_law_enforcement.
	Kind string `json:"kind"`
	// ApprovalOnFile, for a foreign court or law-enforcement recipient,
	// says that the competent PRC authority approved the hand-over (CN:
	// DSL Art. 36, PIPL Art. 41) or that the request rests on an
	// international agreement in force such as a mutual legal assistance
	// treaty (EU: GDPR Art. 48). The transfer then takes its ordinary
	// route.
	ApprovalOnFile bool `json:"approval_on_file,omitempty"`
	// LicensedCreditAgency says the recipient is a licensed personal
	// credit agency or the PBoC Credit Reference Center (CN).
	LicensedCreditAgency bool `json:"licensed_credit_agency,omitempty"`
	// AdequacyScope says the recipient falls within a partial adequacy
	// decision's scope, e.g. certified under the EU-US Data Privacy
	// Framework, or subject to PIPEDA in Canada (EU).
	AdequacyScope bool `json:"adequacy_scope,omitempty"`
}

// Data describes what is sent.
type Data struct {
	Core      bool `json:"core"`      // core data under DSL Art. 21 (CN)
	Important bool `json:"important"` // important data notified or publicly listed (CN; O16 Art. 2)
	// CreditAgency says the data is credit information held by a credit
	// agency (CN, Credit Reporting Industry Regulations Art. 24).
	CreditAgency bool `json:"credit_agency"`
	// CreditInfo says the data is credit information, scores derived from
	// it included (CN, PBoC Measures Art. 3), whoever holds it.
	CreditInfo bool `json:"credit_info,omitempty"`
	// PI says whether the data contains personal information at all.
	// When omitted it is taken to contain some: the cautious default.
	PI *bool `json:"pi,omitempty"`
	// AutoIndividuals counts, for an exporter in the automotive sector
	// sending personal information, the distinct people whose personal
	// information it holds: per processor, across all its automotive
	// data (CN, Automotive Provisions Art. 3(5)).
	AutoIndividuals int64 `json:"auto_individuals,omitempty"`
}

// Counts are distinct-individual counts.
type Counts struct {
	PI  int64 `json:"pi"`
	SPI int64 `json:"spi"`
}

// Recipient kinds: the org kinds of the root package that a recipient
// abroad can be, and a natural person.
const (
	KindCompany               = string(sluice.OrgCompany)
	KindIndividual            = "individual"
	KindForeignJudicial       = string(sluice.OrgForeignJudicial)
	KindForeignLawEnforcement = string(sluice.OrgForeignLawEnforcement)
)

// kinds fixes each recipient kind's bit in a condition.
var kinds = [...]string{KindCompany, KindIndividual, KindForeignJudicial, KindForeignLawEnforcement}

// kindIndex returns the index of kind in kinds, -1 if unknown.
// The empty kind is a company.
func kindIndex(kind string) int {
	if kind == "" {
		return 0
	}
	for i, k := range kinds {
		if k == kind {
			return i
		}
	}
	return -1
}

// None is the exemption or derogation name that claims nothing.
const None = "none"

// MaxInputSize is the largest JSON input ParseInput reads.
const MaxInputSize = 64 << 10

// ParseInput reads one JSON object into an Input. Unknown fields, trailing
// data and values of the wrong type are EINVALID errors naming the field.
// It checks form only; [Rules.Decide] checks meaning.
func ParseInput(data []byte) (*Input, error) {
	if len(data) > MaxInputSize {
		return nil, sluice.Errorf(sluice.ETOOLARGE, "Input is %d bytes; the limit is %d.", len(data), MaxInputSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var in Input
	if err := dec.Decode(&in); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, sluice.Errorf(sluice.EINVALID, "Input has more after its JSON object; give exactly one object.")
	}
	return &in, nil
}

// jsonError turns a decoding error into an EINVALID error that names the
// field at fault.
func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		se  *sluice.Error
	)
	switch {
	case errors.Is(err, io.EOF):
		return sluice.Errorf(sluice.EINVALID, "Input is empty; give a JSON object.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return sluice.Errorf(sluice.EINVALID, "Input ends in the middle of its JSON object.")
	case errors.As(err, &syn):
		return sluice.Errorf(sluice.EINVALID, "Input is not valid JSON at byte %d: %s.", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return sluice.Errorf(sluice.EINVALID, "Input must be a JSON object, not %s.", typ.Value)
		}
		return fieldErr(field, "%s: expected %s, got %s.", field, typeName(typ.Type.String()), typ.Value)
	case errors.As(err, &se):
		// Only Date reports its own errors; Input has one Date field.
		return fieldErr("date", "date: %s", se.Message)
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return fieldErr(name, "Unknown field %q in the input.", name)
	}
	return sluice.Errorf(sluice.EINVALID, "Input is not valid: %s.", msg)
}

// typeName says a Go type in the input's own words.
func typeName(t string) string {
	switch {
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "int"):
		return "a whole number"
	case t == "string" || t == "sluice.Region":
		return "a string"
	case t == "*bool":
		return "true or false"
	}
	return "an object"
}

// fieldErr returns an EINVALID error about one input field.
func fieldErr(field, format string, args ...any) *sluice.Error {
	e := sluice.Errorf(sluice.EINVALID, format, args...)
	e.Field = field
	return e
}
