package httpapi

import (
	"net/http"

	"github.com/sluice-gateway/sluice"
)

// forSpreadsheet reports whether a read asks for spreadsheet CSV (see
// sharing.ReadRequest.Spreadsheet): ?for=spreadsheet, or ?for=machine
// (the default) for byte-exact CSV.
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
