// Package classify finds personal, sensitive and important data in values:
// values in, category matches out. It does no I/O of its own, so it is
// fast, fuzzable and shared by `sluice scan` and ingest.
//
// # Detectors
//
// Built-in detectors validate, not just match: resident identity numbers
// (GB 11643, current or retired GB/T 2260 region or the residence-permit
// prefixes 810000/820000/830000, real birth date up to the reference date,
// MOD 11-2 check), phone numbers (allocated mobile segments, landlines with
// area codes, +86/0086), bank and credit cards (Luhn and the IIN ranges of
// data/card_iin.txt), e-mail, IPv4/IPv6, MAC, IMEI, device UUIDs and
// Android IDs (only under a device header), coordinates, licence plates,
// VINs (ISO 3779 check digit), passports and travel permits, unified social
// credit codes (GB 32100), and, at field level, Chinese names, addresses,
// dates of birth, gender, ethnicity, religion and health terms. Every
// structured value is validated as a whole token: [FindAll] finds the
// maximal candidate (bounded by whitespace, punctuation that cannot belong
// to the type, or Chinese text), and a candidate that fails is no match,
// nor is any part of it, so a phone number inside a longer digit run is not
// a phone number. The tables behind the checks are data files in data/,
// each with its source.
//
// # Catalog
//
// A [Catalog] maps detectors to categories (fideslang keys) and says, per
// jurisdiction, whether each is personal information and whether it is
// sensitive (CN: PIPL Art. 28; EU: GDPR Art. 9), with its legal reference
// and DSL grade. The built-in catalog is the versioned data in
// catalog/*.json; [LoadCatalog] merges a user file on top of it, with errors
// that name the line.
//
// # Scanning
//
// A [Scanner] classifies a dataset's fields as records stream past:
//
//	cat := classify.DefaultCatalog()
//	s := cat.NewScanner()
//	for each record {
//		s.Add(names, values) // no allocation per value; values are not kept
//	}
//	fields := s.Fields()
//	grade, reasons := cat.DatasetGrade(fields, s.DistinctSubjects(), org.Sector)
//
// A field's categories come from validated matches, header hints and the
// share of values that match: the rate of validated candidates among values
// of the right shape (so one real identity number among blanks counts, and
// 19-digit numbers that pass Luhn by chance do not), never the header alone.
// Scanners of parallel workers combine with [Scanner.Merge].
//
// # Speed
//
// A value is read once, a byte or a rune at a time, and each candidate is
// validated where it is found; nothing is matched by regular expression
// except the patterns of user categories. Common whole-value shapes (a run
// of digits, a decimal, four dotted groups, a date and time) go straight
// to their checks, Han text is looked up rune by rune in one table, and a
// field's counts are kept per pattern of detectors and turned into
// category counts when read. [Scanner.AddChecked] also checks, in the same
// pass, that the values are valid UTF-8 without NUL bytes, for readers
// that hand over text nobody has checked yet. [Scanner.AddRecords] takes a
// batch of records and reads it field by field, with the same result as
// Add record by record: a field's values mostly take the same path through
// the detectors, which the processor then predicts.
package classify
