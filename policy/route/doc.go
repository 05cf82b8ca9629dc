// Package route decides the legal route of a cross-border transfer: may
// the data leave its region, and what must be in place first.
//
// It is pure computation. The rules are data: versioned JSON files under
// rules/, embedded in the binary, loaded and validated once ([Default],
// [Load]). Every entry carries its instrument, article, confidence
// (checked, summary or unverified) and the dates it is in force; the Go
// code holds only the decision logic and no legal number.
//
// # Deciding
//
// [Rules.Decide] takes an [Input] (the transfer's date, the exporter, the
// recipient, what the data holds, the exemption or derogation claimed, and
// distinct-individual counts) and returns a [Decision]: the [Route], the
// reasons with their legal references, and the requirements still to
// meet, with deadlines where the law sets them. The rules of the
// exporter's region are tried in order and the first that matches
// decides. A valid decision does not allocate.
//
// # CN region
//
// The decision table of the 2024 Provisions on Cross-Border Data Flows
// (O16), preceded by foreign-authority and core-data blocks and the credit
// hold: BLOCK, HOLD, EXEMPT, SECURITY_ASSESSMENT, SCC_OR_CERT. Important
// data (and automotive data made important by volume) takes the security
// assessment before any exemption is tried: the re-export exemption (O16
// Art. 4) cites itself and Art. 7, and the free-trade-zone negative list
// (Art. 6) is read, conservatively, as not freeing notified important data.
// Separate consent to the export (PIPL Art. 39) is listed only when consent
// is the legal basis ([Input.LegalBasis]). Thresholds
// apply by the transfer's date: from 2024-03-22 the O16 bands, counted
// since 1 January of the current year ([Input.YTD]); from 2022-09-01 to
// 2024-03-21 the O11 ones, counted since 1 January of the previous year
// ([Input.SincePrevYear]). Earlier dates are refused: see the pack text in
// rules/cn.json. Automotive location, trajectory and exterior-image data
// about more than 100,000 people is important data; credit information
// held by a credit agency is held, and never goes to an unlicensed
// recipient. The thresholds live in rules/thresholds.json.
//
// # EU region
//
// GDPR Chapter V: EXEMPT (no personal data, or a recipient in the EEA on
// that date), BLOCK (Art. 48: a third-country court or authority without
// an international agreement), ADEQUACY (an adequacy decision in force on
// that date, within its scope), SCC_OR_BCR with the Art. 46 safeguard
// relied on ([Input.Safeguard]: any of Art. 46(2)-(3)), DEROGATION (an
// Art. 49 derogation claimed with neither; it asks for and records why no
// safeguard is available), and otherwise SCC_OR_BCR.
//
// # Regions without rules
//
// A region is decided only by the rule pack that covers it. A well-formed
// region with none, such as US, gets a [NoRulesError] ("no rule pack
// covers region US"), never another region's rules; [Rules.Covers] tells
// beforehand.
//
// # Evidence
//
// [Rules.AssessmentValid] tells whether a security-assessment approval is
// valid, due for renewal or expired; [Rules.CertificationValid] whether a
// personal information protection certificate carries a transfer (3-year
// validity, scope); [CheckPeriod] rejects evidence that
// ends before it starts. Working-day deadlines count on the PRC calendar of
// package workday (public holidays and make-up working days from the State
// Council notices); through a year the calendar lacks they count Monday to
// Friday and are marked provisional ([Deadline.DueOn]).
package route
