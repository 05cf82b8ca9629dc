package httpapi

import (
	"net/http"

	"sluice"
)

// CSV for spreadsheets.
//
// A spreadsheet runs a cell that begins with =, +, -, @, a tab or a
// carriage return as a formula (CSV injection). CSV meant for one (a read
// with ?format=csv&for=spreadsheet, and the console's downloads) escapes
// such cells as OWASP advises: the cell is prefixed with a single quote
// and quoted, so it shows as the text it is. CSV meant for programs
// (reads without for=spreadsheet, exports, subject-request packages)
// stays byte-exact, so "+86…" numbers and negative amounts survive.

// forSpreadsheet reports whether a read asks for spreadsheet CSV:
// ?for=spreadsheet, or ?for=machine (the default) for byte-exact CSV.
func forSpreadsheet(r *http.Request) (bool, error) {
	switch f := r.URL.Query().Get("for"); f {
	case "", "machine":
		return false, nil
	case "spreadsheet":
		return true, nil
	default:
		return false, sluice.Errorf(sluice.EINVALID, "for=%q: CSV is made for=spreadsheet or for=machine.", f)
	}
}

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
