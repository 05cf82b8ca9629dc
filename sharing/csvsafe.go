package sharing

// CSV for spreadsheets.
//
// A spreadsheet runs a cell that begins with =, +, -, @, a tab or a
// carriage return as a formula (CSV injection). CSV meant for one (a read
// with ?format=csv&for=spreadsheet, and the console's downloads) escapes
// such cells as OWASP advises: the cell is prefixed with a single quote
// and quoted, so it shows as the text it is. CSV meant for programs
// (reads without for=spreadsheet, exports, subject-request packages)
// stays byte-exact, so "+86…" numbers and negative amounts survive.

// formulaLeading reports whether a spreadsheet would run v as a formula.
func formulaLeading(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// appendSpreadsheetCSV appends one CSV field for a spreadsheet: a cell a
// spreadsheet would run as a formula is prefixed with ' and quoted.
func appendSpreadsheetCSV(dst, v []byte) []byte {
	if !formulaLeading(v) {
		return appendCSV(dst, v)
	}
	dst = append(dst, '"', '\'')
	for _, c := range v {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}
