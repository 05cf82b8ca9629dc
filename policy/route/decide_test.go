package route

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
)

// testNow is "now" for decisions in tests: midday UTC on 2026-11-26.
var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// mod changes one fact of a test input.
type mod func(*Input)

func ytd(pi, spi int64) mod  { return func(in *Input) { in.YTD = Counts{PI: pi, SPI: spi} } }
func prev(pi, spi int64) mod { return func(in *Input) { in.SincePrevYear = &Counts{PI: pi, SPI: spi} } }
func to(country string) mod  { return func(in *Input) { in.Recipient.Country = country } }
func kind(k string) mod      { return func(in *Input) { in.Recipient.Kind = k } }
func exempt(x string) mod    { return func(in *Input) { in.Exemption = x } }
func derog(x string) mod     { return func(in *Input) { in.Derogation = x } }
func sector(s string) mod    { return func(in *Input) { in.Exporter.Sector = s } }
func auto(n int64) mod       { return func(in *Input) { in.Data.AutoIndividuals = n } }
func processed(n int64) mod  { return func(in *Input) { in.Exporter.PIProcessed = n } }
func region(r string) mod    { return func(in *Input) { in.Exporter.Region = sluice.Region(r) } }
func date(d string) mod {
	return func(in *Input) { in.Date, _ = ParseDate(d) }
}
func hasPI(b bool) mod       { return func(in *Input) { in.Data.PI = &b } }
func safeguard(x string) mod { return func(in *Input) { in.Safeguard = x } }
func basis(b string) mod     { return func(in *Input) { in.LegalBasis = b } }

var noSafeguard = mod(func(in *Input) { in.NoSafeguardReason = "The recipient refuses every Art. 46 instrument." })

var (
	noPI         = hasPI(false)
	ciio         = mod(func(in *Input) { in.Exporter.CIIO = true })
	stateOrgan   = mod(func(in *Input) { in.Exporter.StateOrgan = true })
	core         = mod(func(in *Input) { in.Data.Core = true })
	important    = mod(func(in *Input) { in.Data.Important = true })
	creditAgency = mod(func(in *Input) { in.Data.CreditAgency = true })
	creditInfo   = mod(func(in *Input) { in.Data.CreditInfo = true })
	licensed     = mod(func(in *Input) { in.Recipient.LicensedCreditAgency = true })
	approval     = mod(func(in *Input) { in.Recipient.ApprovalOnFile = true })
	inScope      = mod(func(in *Input) { in.Recipient.AdequacyScope = true })
)

// cn is a CN-region transfer to a US company on date d, with no PI counted
// yet, changed by mods.
func cn(d string, mods ...mod) Input {
	in := Input{Date: MustParseDate(d), Exporter: Exporter{Region: "CN"}, Recipient: Recipient{Country: "US", Kind: KindCompany}, Exemption: None}
	for _, m := range mods {
		m(&in)
	}
	return in
}

// eu is an EU-region transfer of personal data to a company in country on
// date d, changed by mods.
func eu(d, country string, mods ...mod) Input {
	in := Input{Date: MustParseDate(d), Exporter: Exporter{Region: "EU"}, Recipient: Recipient{Country: country}}
	for _, m := range mods {
		m(&in)
	}
	return in
}

// Requirement lists that recur.
var (
	piDuties = []string{"cn.pipl39.notice", "cn.pipl39.consent", "cn.pipl55.pipia"}
	// The security-assessment requirements in force from 2025-01-01.
	saO16 = []string{"cn.pipl39.notice", "cn.pipl39.consent", "cn.pipl55.pipia", "cn.sa.self_assessment", "cn.sa.apply",
		"cn.sa.validity.o16", "cn.sa.renewal.o16", "cn.sa.redeclare", "cn.ndsr38.scope"}
	saO11 = []string{"cn.pipl39.notice", "cn.pipl39.consent", "cn.pipl55.pipia", "cn.sa.self_assessment", "cn.sa.apply",
		"cn.sa.validity.o11", "cn.sa.renewal.o11", "cn.sa.redeclare"}
	// The standard-contract requirements in force from 2026-01-01.
	scc2026   = []string{"cn.pipl39.notice", "cn.pipl39.consent", "cn.pipl55.pipia", "cn.scc.filing", "cn.cert.o20", "cn.ndsr38.scope"}
	euSCC     = []string{"eu.art30.record", "eu.scc", "eu.tia"}
	none      = []string{}
	o16Window = "cn.o16.window"
	o11Window = "cn.o11.window"
)

func TestRules_Decide(t *testing.T) {
	r := Default()
	const today = "2026-11-26"
	// Subtests are named OK/Row<n>/... after the row of the decision table
	// they exercise, OK/Switch/... for the date switch of 2024-03-22,
	// OK/O11/... for the 2022 rules and OK/EU/... for GDPR Chapter V.
	for _, tc := range []struct {
		name     string
		in       Input
		route    Route
		reasons  []string // exact rule ids, deciding rule first
		requires []string // exact requirement ids; nil = not checked
	}{
		// Row 1: foreign court or law enforcement.
		{"Row1/ForeignJudicialBlocked", cn(today, kind(KindForeignJudicial)), Block, []string{"cn.foreign_authority"}, []string{"cn.foreign_authority.approval"}},
		{"Row1/ForeignLawEnforcementBlocked", cn(today, kind(KindForeignLawEnforcement)), Block, []string{"cn.foreign_authority"}, nil},
		{"Row1/ApprovalOnFileTakesOrdinaryRoute", cn(today, kind(KindForeignJudicial), approval), Exempt, []string{"cn.o16.small"}, piDuties},
		{"Row1/ApprovalOnFileThenVolume", cn(today, kind(KindForeignJudicial), approval, ytd(100000, 0)), SCCOrCert, []string{"cn.o16.scc.pi", o16Window}, nil},
		{"Row1/BeforeCore", cn(today, kind(KindForeignJudicial), core), Block, []string{"cn.foreign_authority"}, nil},
		{"Row1/IndividualNotBlocked", cn(today, kind(KindIndividual)), Exempt, []string{"cn.o16.small"}, nil},

		// Row 2: core data.
		{"Row2/CoreBlocked", cn(today, core), Block, []string{"cn.core"}, none},
		{"Row2/BeforeCreditHold", cn(today, core, creditAgency), Block, []string{"cn.core"}, none},
		{"Row2/BeforeFTZExemption", cn(today, core, exempt("ftz_outside_list")), Block, []string{"cn.core"}, none},

		// Row 3: credit information.
		{"Row3/CreditAgencyHeld", cn(today, creditAgency), Hold, []string{"cn.credit.hold"}, []string{"cn.credit.local"}},
		{"Row3/HeldEvenToLicensedAgency", cn(today, creditAgency, creditInfo, licensed), Hold, []string{"cn.credit.hold"}, nil},
		{"Row3/BeforeImportant", cn(today, creditAgency, important), Hold, []string{"cn.credit.hold"}, nil},
		// Credit information held by a non-agency: the ordinary route plus
		// the financial sector's rule (Credit Reporting Industry Regulations
		// Art. 24 holds only an agency's); 断直连 is a domestic flow rule
		// for sharing, not an export block.
		{"Row3/CreditInfoByNonAgencyTakesOrdinaryRoutePlusFinancial", cn(today, creditInfo), Exempt, []string{"cn.o16.small"}, []string{"cn.pipl39.notice", "cn.pipl39.consent", "cn.pipl55.pipia", "cn.credit.financial"}},
		{"Row3/CreditInfoToLicensedTakesOrdinaryRoute", cn(today, creditInfo, licensed), Exempt, []string{"cn.o16.small"}, nil},

		// Row 4: outside a free-trade-zone negative list.
		{"Row4/FTZExempt", cn(today, exempt("ftz_outside_list"), ytd(2000000, 50000)), Exempt, []string{"cn.o16.ftz"},
			[]string{"cn.exemption.record", "cn.pipl39.notice", "cn.pipl39.consent", "cn.pipl55.pipia"}},
		// O16 Art. 6 read with Art. 7: notified important data is assessed even outside a zone's list.
		{"Row4/O16Art6/ImportantOutsideListAssessed", cn(today, exempt("ftz_outside_list"), important), SecurityAssessment, []string{"cn.o16.ftz.important"}, saO16},
		{"Row4/O16Art6/AutoImportantOutsideListAssessed", cn(today, exempt("ftz_outside_list"), sector("automotive"), auto(100001)), SecurityAssessment, []string{"cn.auto.important"}, nil},

		// Row 5: trade data without PI or important data.
		{"Row5/TradeNoPIExempt", cn(today, exempt("trade"), noPI), Exempt, []string{"cn.o16.trade"}, []string{"cn.exemption.record"}},
		{"Row5/TradeWithPIFallsThrough", cn(today, exempt("trade"), ytd(150000, 0)), SCCOrCert, []string{"cn.o16.scc.pi", o16Window}, nil},
		{"Row5/TradeWithImportantFallsThrough", cn(today, exempt("trade"), noPI, important), SecurityAssessment, []string{"cn.o16.important"}, nil},

		// Row 6: re-export of PI collected abroad.
		{"Row6/ReexportExempt", cn(today, exempt("reexport"), ytd(2000000, 20000)), Exempt, []string{"cn.o16.reexport"},
			[]string{"cn.exemption.record", "cn.pipl39.notice", "cn.pipl39.consent", "cn.pipl55.pipia"}},
		// O16 Art. 4 exempts re-exported foreign PI only with no important data added; Art. 7 then applies.
		{"Row6/O16Art4Art7/ReexportImportantAssessed", cn(today, exempt("reexport"), important), SecurityAssessment,
			[]string{"cn.o16.reexport.important", "cn.exemption.reexport"}, saO16},
		{"Row6/O16Art4Art7/ReexportImportantWithoutPIAssessed", cn(today, exempt("reexport"), important, noPI), SecurityAssessment,
			[]string{"cn.o16.reexport.important", "cn.exemption.reexport"}, nil},
		{"Row6/O16Art4/ReexportAutoImportantAssessed", cn(today, exempt("reexport"), sector("automotive"), auto(100001)), SecurityAssessment, []string{"cn.auto.important"}, nil},
		// DSL Art. 21 / NDSR Art. 63: core data is blocked whatever exemption is claimed.
		{"Row2/DSLArt21/CoreBeforeReexport", cn(today, core, important, exempt("reexport")), Block, []string{"cn.core"}, none},
		{"Row2/DSLArt21/CoreBeforeTrade", cn(today, core, noPI, exempt("trade")), Block, []string{"cn.core"}, none},
		{"Row2/DSLArt21/CoreBeforeHR", cn(today, core, exempt("hr")), Block, []string{"cn.core"}, none},
		{"Row2/DSLArt21/CoreBeforeContract", cn(today, core, exempt("contract")), Block, []string{"cn.core"}, none},
		{"Row2/DSLArt21/CoreBeforeEmergency", cn(today, core, exempt("emergency")), Block, []string{"cn.core"}, none},
		// O16 Art. 7: important data is assessed whatever Art. 5 exemption is claimed.
		{"Row7/O16Art7/ImportantBeforeHR", cn(today, important, exempt("hr")), SecurityAssessment, []string{"cn.o16.important"}, nil},
		{"Row7/O16Art7/ImportantBeforeEmergency", cn(today, important, exempt("emergency")), SecurityAssessment, []string{"cn.o16.important"}, nil},

		// Row 7: important data, and automotive data made important by volume.
		{"Row7/ImportantAssessed", cn(today, important), SecurityAssessment, []string{"cn.o16.important"}, saO16},
		{"Row7/ImportantWithoutPI", cn(today, important, noPI), SecurityAssessment, []string{"cn.o16.important"},
			[]string{"cn.sa.self_assessment", "cn.sa.apply", "cn.sa.validity.o16", "cn.sa.renewal.o16", "cn.sa.redeclare", "cn.ndsr38.scope"}},
		{"Row7/BeforeContractExemption", cn(today, important, exempt("contract")), SecurityAssessment, []string{"cn.o16.important"}, nil},
		{"Row7/Auto100000NotImportant", cn(today, sector("automotive"), auto(100000)), Exempt, []string{"cn.o16.small"}, nil},
		{"Row7/Auto100001Important", cn(today, sector("automotive"), auto(100001)), SecurityAssessment, []string{"cn.auto.important"}, saO16},
		{"Row7/AutoCountOutsideAutomotiveSector", cn(today, sector("retail"), auto(500000)), Exempt, []string{"cn.o16.small"}, nil},
		{"Row7/AutoBeforeContractExemption", cn(today, sector("automotive"), auto(200000), exempt("contract")), SecurityAssessment, []string{"cn.auto.important"}, nil},

		// Row 8: contract, HR, emergency (no separate consent: another legal basis applies).
		{"Row8/ContractExempt", cn(today, exempt("contract"), ytd(5000000, 50000)), Exempt, []string{"cn.o16.contract"},
			[]string{"cn.exemption.necessity", "cn.pipl39.notice", "cn.pipl55.pipia"}},
		{"Row8/HRExempt", cn(today, exempt("hr")), Exempt, []string{"cn.o16.hr"}, nil},
		{"Row8/EmergencyExempt", cn(today, exempt("emergency")), Exempt, []string{"cn.o16.emergency"}, nil},
		{"Row8/BeforeCIIO", cn(today, exempt("hr"), ciio), Exempt, []string{"cn.o16.hr"}, nil},

		// Row 9: CIIO.
		{"Row9/CIIOAssessed", cn(today, ciio), SecurityAssessment, []string{"cn.o16.ciio"}, saO16},
		{"Row9/CIIOWithoutPIExempt", cn(today, ciio, noPI), Exempt, []string{"cn.o16.no_pi"}, none},

		// Row 10: state organ.
		{"Row10/StateOrganAssessed", cn(today, stateOrgan), SecurityAssessment, []string{"cn.state_organ"}, saO16},
		{"Row10/StateOrganWithoutPIExempt", cn(today, stateOrgan, noPI), Exempt, []string{"cn.o16.no_pi"}, none},

		// Row 11: assessment volumes.
		{"Row11/PI999999", cn(today, ytd(999999, 0)), SCCOrCert, []string{"cn.o16.scc.pi", o16Window}, scc2026},
		{"Row11/PI1000000", cn(today, ytd(1000000, 0)), SecurityAssessment, []string{"cn.o16.assess.pi", o16Window}, saO16},
		{"Row11/SPI9999", cn(today, ytd(0, 9999)), SCCOrCert, []string{"cn.o16.scc.spi", o16Window}, scc2026},
		{"Row11/SPI10000", cn(today, ytd(0, 10000)), SecurityAssessment, []string{"cn.o16.assess.spi", o16Window}, saO16},
		{"Row11/ProcessedTriggerGoneUnderO16", cn(today, processed(5000000)), Exempt, []string{"cn.o16.small"}, nil},

		// Row 12: standard contract or certification volumes.
		{"Row12/PI99999", cn(today, ytd(99999, 0)), Exempt, []string{"cn.o16.small"}, piDuties},
		{"Row12/PI100000", cn(today, ytd(100000, 0)), SCCOrCert, []string{"cn.o16.scc.pi", o16Window}, scc2026},
		{"Row12/SPI0", cn(today, ytd(99999, 0)), Exempt, []string{"cn.o16.small"}, nil},
		{"Row12/SPI1", cn(today, ytd(0, 1)), SCCOrCert, []string{"cn.o16.scc.spi", o16Window}, scc2026},
		{"Row12/CertificationBefore2026", cn("2025-06-01", ytd(100000, 0)), SCCOrCert, []string{"cn.o16.scc.pi", o16Window},
			[]string{"cn.pipl39.notice", "cn.pipl39.consent", "cn.pipl55.pipia", "cn.scc.filing", "cn.cert.pipl", "cn.ndsr38.scope"}},
		{"Row12/BeforeNDSR", cn("2024-06-01", ytd(100000, 0)), SCCOrCert, []string{"cn.o16.scc.pi", o16Window},
			[]string{"cn.pipl39.notice", "cn.pipl39.consent", "cn.pipl55.pipia", "cn.scc.filing", "cn.cert.pipl"}},

		// Row 13: otherwise.
		{"Row13/NothingCounted", cn(today), Exempt, []string{"cn.o16.small"}, piDuties},
		{"Row13/NoPI", cn(today, noPI), Exempt, []string{"cn.o16.no_pi"}, none},
		{"Row13/NoPIDespiteEarlierExports", cn(today, noPI, ytd(2000000, 20000)), Exempt, []string{"cn.o16.no_pi"}, none},

		// The switch of 2024-03-22 and O11's counting from the previous year.
		{"Switch/O11CountsPreviousYear", cn("2024-03-21", ytd(50000, 0), prev(150000, 0)), SecurityAssessment, []string{"cn.o11.assess.pi", o11Window}, saO11},
		{"Switch/O16CountsCurrentYear", cn("2024-03-22", ytd(50000, 0), prev(150000, 0)), Exempt, []string{"cn.o16.small"}, nil},
		{"Switch/O11Assessment", cn("2024-03-21", ytd(150000, 0), prev(150000, 0)), SecurityAssessment, []string{"cn.o11.assess.pi", o11Window}, nil},
		{"Switch/O16Contract", cn("2024-03-22", ytd(150000, 0), prev(150000, 0)), SCCOrCert, []string{"cn.o16.scc.pi", o16Window}, nil},
		{"Switch/O11SPI", cn("2024-03-21", ytd(0, 5000), prev(0, 10000)), SecurityAssessment, []string{"cn.o11.assess.spi", o11Window}, nil},
		{"Switch/O16SPI", cn("2024-03-22", ytd(0, 5000), prev(0, 10000)), SCCOrCert, []string{"cn.o16.scc.spi", o16Window}, nil},

		// O11 (2022-09-01 to 2024-03-21) on both sides of its thresholds.
		{"O11/FirstDay", cn("2022-09-01", prev(0, 0)), SCCOrCert, []string{"cn.o11.scc"},
			[]string{"cn.pipl39.notice", "cn.pipl39.consent", "cn.pipl55.pipia", "cn.scc.contract.pipl", "cn.cert.pipl"}},
		{"O11/PI99999", cn("2023-05-01", ytd(50000, 0), prev(99999, 0)), SCCOrCert, []string{"cn.o11.scc"}, nil},
		{"O11/PI100000", cn("2023-05-01", ytd(50000, 0), prev(100000, 0)), SecurityAssessment, []string{"cn.o11.assess.pi", o11Window}, saO11},
		{"O11/SPI9999", cn("2023-05-01", prev(20000, 9999)), SCCOrCert, []string{"cn.o11.scc"}, nil},
		{"O11/SPI10000", cn("2023-05-01", prev(20000, 10000)), SecurityAssessment, []string{"cn.o11.assess.spi", o11Window}, nil},
		{"O11/Processed999999", cn("2023-05-01", prev(10, 0), processed(999999)), SCCOrCert, []string{"cn.o11.scc"}, nil},
		{"O11/Processed1000000", cn("2023-05-01", prev(10, 0), processed(1000000)), SecurityAssessment, []string{"cn.o11.processor"}, saO11},
		{"O11/ContractFiledFromJune2023", cn("2023-06-01", prev(10, 0)), SCCOrCert, []string{"cn.o11.scc"},
			[]string{"cn.pipl39.notice", "cn.pipl39.consent", "cn.pipl55.pipia", "cn.scc.filing", "cn.cert.pipl"}},
		{"O11/CIIO", cn("2023-05-01", prev(0, 0), ciio), SecurityAssessment, []string{"cn.o11.ciio"}, nil},
		{"O11/Important", cn("2023-05-01", prev(0, 0), important), SecurityAssessment, []string{"cn.o11.important"}, nil},
		{"O11/StateOrgan", cn("2023-05-01", prev(0, 0), stateOrgan), SecurityAssessment, []string{"cn.state_organ"}, nil},
		{"O11/Auto", cn("2023-05-01", prev(0, 0), sector("automotive"), auto(100001)), SecurityAssessment, []string{"cn.auto.important"}, nil},
		{"O11/NoPI", cn("2023-05-01", prev(0, 0), noPI), Exempt, []string{"cn.o11.no_pi"}, none},
		{"O11/Core", cn("2023-05-01", prev(0, 0), core), Block, []string{"cn.core"}, nil},

		// EU: EEA, adequacy by date, Art. 48, derogations, safeguards.
		{"EU/EEAMember", eu(today, "DE"), Exempt, []string{"eu.eea", "eea.DE"}, none},
		{"EU/EEAEFTA", eu(today, "NO"), Exempt, []string{"eu.eea", "eea.NO"}, none},
		{"EU/OutermostRegion", eu(today, "RE"), Exempt, []string{"eu.eea", "eea.RE"}, none},
		{"EU/Adequate", eu(today, "JP"), Adequacy, []string{"eu.adequacy", "adequacy.JP"}, []string{"eu.art30.record"}},
		{"EU/NotAdequate", eu(today, "CN"), SCCOrBCR, []string{"eu.safeguards"}, euSCC},
		{"EU/NoPI", eu(today, "CN", noPI), Exempt, []string{"eu.no_pi"}, none},
		{"EU/USOutsideDPF", eu(today, "US"), SCCOrBCR, []string{"eu.safeguards", "adequacy.US.2023"}, euSCC},
		{"EU/USInsideDPF", eu(today, "US", inScope), Adequacy, []string{"eu.adequacy", "adequacy.US.2023"}, nil},
		{"EU/USDayBeforeDPF", eu("2023-07-09", "US", inScope), SCCOrBCR, []string{"eu.safeguards"}, nil},
		{"EU/USDPFDecisionDay", eu("2023-07-10", "US", inScope), Adequacy, []string{"eu.adequacy", "adequacy.US.2023"}, nil},
		{"EU/USPrivacyShieldLastDay", eu("2020-07-15", "US", inScope), Adequacy, []string{"eu.adequacy", "adequacy.US.2016"}, nil},
		{"EU/USPrivacyShieldInvalidated", eu("2020-07-16", "US", inScope), SCCOrBCR, []string{"eu.safeguards"}, nil},
		{"EU/KoreaBeforeDecision", eu("2021-12-16", "KR"), SCCOrBCR, []string{"eu.safeguards"}, euSCC},
		{"EU/KoreaDecisionDay", eu("2021-12-17", "KR"), Adequacy, []string{"eu.adequacy", "adequacy.KR"}, nil},
		{"EU/UKMember", eu("2020-01-31", "GB"), Exempt, []string{"eu.eea", "eea.GB.member"}, none},
		{"EU/UKTransition", eu("2020-12-31", "GB"), Exempt, []string{"eu.eea", "eea.GB.transition"}, none},
		{"EU/UKBridge", eu("2021-06-27", "GB"), Exempt, []string{"eu.eea", "eea.GB.bridge"}, none},
		{"EU/UKAdequacyDecisionDay", eu("2021-06-28", "GB"), Adequacy, []string{"eu.adequacy", "adequacy.GB.2021"}, nil},
		{"EU/UKExtendedDecisionLastDay", eu("2025-12-27", "GB"), Adequacy, []string{"eu.adequacy", "adequacy.GB.2021"}, nil},
		{"EU/UKRenewedDecision", eu("2025-12-28", "GB"), Adequacy, []string{"eu.adequacy", "adequacy.GB.2025"}, nil},
		{"EU/GibraltarAfterTransition", eu("2021-03-01", "GI"), SCCOrBCR, []string{"eu.safeguards"}, nil},
		{"EU/BrazilBeforePublication", eu("2026-01-27", "BR"), SCCOrBCR, []string{"eu.safeguards"}, nil},
		{"EU/BrazilAdequate", eu("2026-01-28", "BR"), Adequacy, []string{"eu.adequacy", "adequacy.BR"}, nil},
		{"EU/Art48Blocked", eu(today, "US", kind(KindForeignJudicial), inScope), Block, []string{"eu.art48"}, []string{"eu.art48.agreement"}},
		{"EU/Art48LawEnforcementBlocked", eu(today, "CN", kind(KindForeignLawEnforcement)), Block, []string{"eu.art48"}, nil},
		{"EU/Art48WithAgreement", eu(today, "US", kind(KindForeignJudicial), approval, inScope), Adequacy, []string{"eu.adequacy", "adequacy.US.2023"}, nil},
		{"EU/Art48AgreementThenSafeguards", eu(today, "CN", kind(KindForeignLawEnforcement), approval), SCCOrBCR, []string{"eu.safeguards"}, nil},
		{"EU/EEACourtNotThirdCountry", eu(today, "FR", kind(KindForeignJudicial)), Exempt, []string{"eu.eea", "eea.FR"}, nil},
		{"EU/Derogation", eu(today, "CN", derog("explicit_consent"), noSafeguard), Derogation, []string{"eu.derogation", "eu.art49.explicit_consent"},
			[]string{"eu.art30.record", "eu.derogation.explicit_consent"}},
		{"EU/DerogationCompellingInterest", eu(today, "IN", derog("compelling_interest"), noSafeguard), Derogation, []string{"eu.derogation", "eu.art49.compelling_interest"},
			[]string{"eu.art30.record", "eu.derogation.compelling_interest"}},
		// GDPR Art. 49(1): a derogation asks why no Art. 46 safeguard is available.
		{"EU/Art49/DerogationAsksWhyNoSafeguard", eu(today, "CN", derog("explicit_consent")), Derogation, []string{"eu.derogation", "eu.art49.explicit_consent"},
			[]string{"eu.art30.record", "eu.art49.no_safeguard", "eu.derogation.explicit_consent"}},
		// GDPR Art. 46(1), Art. 49(1): a safeguard relied on comes before any derogation.
		{"EU/Art46/SafeguardBeforeDerogation", eu(today, "CN", derog("contract"), safeguard("bcr")), SCCOrBCR, []string{"eu.safeguard", "eu.art46.bcr"},
			[]string{"eu.art30.record", "eu.tia", "eu.safeguard.bcr"}},
		{"EU/Art45/AdequacyBeforeSafeguard", eu(today, "JP", safeguard("scc")), Adequacy, []string{"eu.adequacy", "adequacy.JP"}, nil},
		// GDPR Art. 46(2)(a)-(f) and 46(3)(a)-(b): every safeguard is accepted.
		{"EU/Art46_2a/PublicBodyInstrument", eu(today, "CN", safeguard("public_body_instrument")), SCCOrBCR, []string{"eu.safeguard", "eu.art46.public_body_instrument"},
			[]string{"eu.art30.record", "eu.tia", "eu.safeguard.public_body_instrument"}},
		{"EU/Art46_2b/BCR", eu(today, "CN", safeguard("bcr")), SCCOrBCR, []string{"eu.safeguard", "eu.art46.bcr"}, nil},
		{"EU/Art46_2c/SCC", eu(today, "CN", safeguard("scc")), SCCOrBCR, []string{"eu.safeguard", "eu.art46.scc"}, euSCC},
		{"EU/Art46_2c/SCCBefore2021", eu("2020-01-01", "CN", safeguard("scc")), SCCOrBCR, []string{"eu.safeguard", "eu.art46.scc"}, []string{"eu.art30.record", "eu.scc.2010"}},
		{"EU/Art46_2d/SupervisoryAuthorityClauses", eu(today, "CN", safeguard("sa_scc")), SCCOrBCR, []string{"eu.safeguard", "eu.art46.sa_scc"},
			[]string{"eu.art30.record", "eu.tia", "eu.safeguard.sa_scc"}},
		{"EU/Art46_2e/CodeOfConduct", eu(today, "CN", safeguard("code_of_conduct")), SCCOrBCR, []string{"eu.safeguard", "eu.art46.code_of_conduct"},
			[]string{"eu.art30.record", "eu.tia", "eu.safeguard.code_of_conduct"}},
		{"EU/Art46_2f/Certification", eu(today, "CN", safeguard("certification")), SCCOrBCR, []string{"eu.safeguard", "eu.art46.certification"},
			[]string{"eu.art30.record", "eu.tia", "eu.safeguard.certification"}},
		{"EU/Art46_3a/AdHocClauses", eu(today, "CN", safeguard("ad_hoc_clauses")), SCCOrBCR, []string{"eu.safeguard", "eu.art46.ad_hoc_clauses"},
			[]string{"eu.art30.record", "eu.tia", "eu.safeguard.authorised"}},
		{"EU/Art46_3b/AdministrativeArrangement", eu(today, "CN", safeguard("administrative_arrangement")), SCCOrBCR, []string{"eu.safeguard", "eu.art46.administrative_arrangement"},
			[]string{"eu.art30.record", "eu.tia", "eu.safeguard.authorised"}},
		{"EU/AdequacyBeforeDerogation", eu(today, "JP", derog("contract")), Adequacy, []string{"eu.adequacy", "adequacy.JP"}, nil},
		{"EU/DerogationNoneIsNone", eu(today, "CN", derog(None)), SCCOrBCR, []string{"eu.safeguards"}, nil},
		{"EU/OldClausesBeforeSchremsII", eu("2020-01-01", "CN"), SCCOrBCR, []string{"eu.safeguards"}, []string{"eu.art30.record", "eu.scc.2010"}},
		{"EU/OldClausesAfterSchremsII", eu("2021-01-01", "CN"), SCCOrBCR, []string{"eu.safeguards"}, []string{"eu.art30.record", "eu.scc.2010", "eu.tia"}},
		{"EU/NewClauses", eu("2021-06-27", "CN"), SCCOrBCR, []string{"eu.safeguards"}, euSCC},
		{"EU/FirstDay", eu("2018-05-25", "CH"), Adequacy, []string{"eu.adequacy", "adequacy.CH"}, nil},
	} {
		t.Run("OK/"+tc.name, func(t *testing.T) {
			d, err := r.Decide(&tc.in, testNow)
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if d.Route != tc.route {
				t.Errorf("route = %s, want %s (%s)", d.Route, tc.route, d)
			}
			if got := reasonIDs(d); !slices.Equal(got, tc.reasons) {
				t.Errorf("reasons = %q, want %q", got, tc.reasons)
			}
			if got := requireIDs(d); tc.requires != nil && !slices.Equal(got, tc.requires) {
				t.Errorf("requires = %q, want %q", got, tc.requires)
			}
			for _, q := range d.Requires {
				if q.Text == "" || q.Ref == "" || !q.Confidence.valid() {
					t.Errorf("requirement %s is incomplete: %+v", q.ID, q)
				}
			}
		})
	}
}

func reasonIDs(d Decision) []string {
	var ids []string
	for _, r := range d.Reasons {
		ids = append(ids, r.Rule)
	}
	return ids
}

func requireIDs(d Decision) []string {
	ids := []string{}
	for _, q := range d.Requires {
		ids = append(ids, q.ID)
	}
	return ids
}

func TestRules_Decide_Errors(t *testing.T) {
	r := Default()
	const today = "2026-11-26"
	for _, tc := range []struct {
		name  string
		in    Input
		now   time.Time
		field string
	}{
		{"ErrUnknownCountry", cn(today, to("XX")), testNow, "recipient.country"},
		{"ErrLowerCaseCountry", cn(today, to("us")), testNow, "recipient.country"},
		{"ErrNoCountry", cn(today, to("")), testNow, "recipient.country"},
		{"ErrDomesticRecipient", cn(today, to("CN")), testNow, "recipient.country"},
		{"ErrUnknownExemption", cn(today, exempt("tourism")), testNow, "exemption"},
		{"ErrExemptionInEU", eu(today, "CN", exempt("trade")), testNow, "exemption"},
		{"ErrDerogationInCN", cn(today, derog("explicit_consent")), testNow, "derogation"},
		{"ErrUnknownDerogation", eu(today, "CN", derog("convenience")), testNow, "derogation"},
		{"ErrExemptionNotYetInForce", cn("2024-03-21", prev(0, 0), exempt("hr")), testNow, "exemption"},
		{"ErrUnknownKind", cn(today, kind("embassy")), testNow, "recipient.kind"},
		{"ErrUnknownRegion", cn(today, region("US")), testNow, "exporter.region"},
		{"ErrNoRegion", cn(today, region("")), testNow, "exporter.region"},
		{"ErrNoDate", cn(today, func(in *Input) { in.Date = 0 }), testNow, "date"},
		{"ErrBeforeCNRules", cn("2022-08-31", prev(0, 0)), testNow, "date"},
		{"ErrBeforeGDPR", eu("2018-05-24", "JP"), testNow, "date"},
		{"ErrFuture", cn("2026-11-28"), testNow, "date"},
		{"ErrTomorrowNowhereYet", cn("2026-11-27"), time.Date(2026, 11, 26, 9, 59, 59, 0, time.UTC), "date"},
		{"ErrNegativeYTD", cn(today, ytd(-1, 0)), testNow, "ytd.pi"},
		{"ErrNegativeYTDSPI", cn(today, ytd(0, -5)), testNow, "ytd.spi"},
		{"ErrNegativeAuto", cn(today, auto(-1)), testNow, "data.auto_individuals"},
		{"ErrO11WithoutPreviousYear", cn("2023-05-01", ytd(10, 0)), testNow, "since_prev_year"},
		{"ErrPreviousYearBelowYTD", cn("2023-05-01", ytd(10, 0), prev(9, 0)), testNow, "since_prev_year.pi"},
		{"ErrPreviousYearSPIBelowYTD", cn("2023-05-01", ytd(0, 10), prev(10, 9)), testNow, "since_prev_year.spi"},
		{"ErrNegativePreviousYear", cn("2023-05-01", prev(-1, 0)), testNow, "since_prev_year.pi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := r.Decide(&tc.in, tc.now)
			if err == nil {
				t.Fatalf("Decide = %s, want an error on %s", d, tc.field)
			}
			var e *sluice.Error
			if !errors.As(err, &e) || e.Code != sluice.EINVALID {
				t.Fatalf("err = %#v, want an EINVALID *sluice.Error", err)
			}
			if e.Field != tc.field {
				t.Errorf("Field = %q, want %q (%s)", e.Field, tc.field, e.Message)
			}
			if !containsField(e.Message, tc.field) {
				t.Errorf("message %q does not name %s", e.Message, tc.field)
			}
		})
	}

	t.Run("OKTomorrowBegunSomewhere", func(t *testing.T) {
		in := cn("2026-11-27")
		if _, err := r.Decide(&in, time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)); err != nil {
			t.Fatalf("2026-11-27 has begun in UTC+14 at 10:00 UTC: %v", err)
		}
	})
	t.Run("OKFirstDayOfCNRules", func(t *testing.T) {
		in := cn("2022-09-01", prev(0, 0))
		if _, err := r.Decide(&in, testNow); err != nil {
			t.Fatal(err)
		}
	})
}

func containsField(msg, field string) bool {
	return len(msg) >= len(field) && msg[:len(field)] == field
}

// TestRules_Decide_EveryRuleReachable decides many random transfers and
// checks that every rule decides at least one of them in every period it
// is in force: a rule that can never match is a mistake in its order or
// its condition.
func TestRules_Decide_EveryRuleReachable(t *testing.T) {
	r := Default()
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[string]map[Date]bool{} // rule -> epoch starts where it decided
	pick := func(list ...string) string { return list[rng.IntN(len(list))] }
	yes := func() bool { return rng.IntN(100) < 15 }
	counts := []int64{0, 1, 9999, 10000, 99999, 100000, 100001, 999999, 1000000}
	first, last := MustParseDate("2018-05-25"), DateOf(testNow)
	for range 60000 {
		in := Input{
			Date:      first + Date(rng.IntN(int(last-first)+1)),
			Exporter:  Exporter{Region: sluice.Region(pick("CN", "EU")), CIIO: yes(), StateOrgan: yes(), Sector: pick("", "automotive")},
			Recipient: Recipient{Country: pick("US", "JP", "DE", "IN", "GB"), Kind: kinds[rng.IntN(len(kinds))], ApprovalOnFile: yes(), LicensedCreditAgency: yes(), AdequacyScope: yes()},
			Data:      Data{Core: yes(), Important: yes(), CreditAgency: yes(), CreditInfo: yes(), AutoIndividuals: counts[rng.IntN(len(counts))]},
			YTD:       Counts{PI: counts[rng.IntN(len(counts))], SPI: counts[rng.IntN(len(counts))]},
		}
		in.SincePrevYear = &Counts{PI: in.YTD.PI + counts[rng.IntN(len(counts))], SPI: in.YTD.SPI + counts[rng.IntN(len(counts))]}
		in.Exporter.PIProcessed = counts[rng.IntN(len(counts))] * 2
		if yes() {
			in.Data.PI = new(bool)
		}
		if rng.IntN(2) == 0 {
			if in.Exporter.Region == "CN" {
				in.Exemption = pick("trade", "reexport", "contract", "hr", "emergency", "ftz_outside_list")
			} else {
				in.Derogation = pick("explicit_consent", "contract", "legal_claims")
			}
		}
		if in.Exporter.Region == "EU" && rng.IntN(3) == 0 {
			in.Safeguard = pick("scc", "bcr", "code_of_conduct", "certification", "ad_hoc_clauses")
		}
		dec, err := r.Decide(&in, testNow)
		if err != nil {
			continue
		}
		p := r.pack(in.Exporter.Region)
		id := dec.Reasons[0].Rule
		if seen[id] == nil {
			seen[id] = map[Date]bool{}
		}
		seen[id][p.epochAt(in.Date).span.from] = true
	}
	for _, p := range r.packs {
		for _, e := range p.epochs {
			for _, w := range e.rows {
				if !seen[w.id][e.span.from] {
					t.Errorf("rule %s never decided in %s to %s", w.id, e.span.from, e.span.to)
				}
			}
		}
	}
}
