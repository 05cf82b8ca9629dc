package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/sharing"
)

// Response headers of a consumer read (GET /v1/datasets/{id}/records?grant=G).
// The page is decided, filtered, de-identified and its audit event made
// durable before the first byte is sent, so the counts are known in
// advance and travel as headers; a read whose event cannot be written
// serves nothing.
const (
	// HeaderServed is the number of records in the body.
	HeaderServed = "Sluice-Served"
	// HeaderWithheld is the number of records of the page withheld because
	// their subject has not given the consent the read needs (or has
	// withdrawn it).
	HeaderWithheld = "Sluice-Withheld"
	// HeaderNextCursor is the cursor of the next page; absent on the last.
	HeaderNextCursor = "Sluice-Next-Cursor"
	// HeaderAuditEntry is the index of the read's event in the audit log.
	HeaderAuditEntry = "Sluice-Audit-Entry"
	// HeaderFields lists the fields served, in order, with their operators:
	// "phone=mask(3,4), city=clear".
	HeaderFields = "Sluice-Fields"
	// HeaderDeniedFields lists the grant's fields the decision refused,
	// with the rule: "id_number=core.deny". Only when the read named no
	// fields; naming a refused field fails the whole read.
	HeaderDeniedFields = "Sluice-Denied-Fields"
)

// handleConsumerRead serves GET /v1/datasets/{id}/records?grant=G&fields=…&limit=&cursor=
// to the consumer of grant G (see sharing.Service.Read): a page of limit
// stored records (DefaultPageSize, at most MaxReadPageSize) after cursor,
// as JSON lines (one object per record, omitted values left out) or, with
// Accept: text/csv or ?format=csv, as CSV with a header row (omitted
// values empty; &for=spreadsheet escapes cells a spreadsheet would run as
// formulas). A named field the decision refuses fails the read with
// 403 and the rule's reason; without fields, refused fields are left out
// (see HeaderDeniedFields).
func (s *Server) handleConsumerRead(w http.ResponseWriter, r *http.Request) {
	req, err := readRequest(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	res, err := s.Sharing.Read(r.Context(), req)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	h := w.Header()
	if res.CSV {
		h.Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		h.Set("Content-Type", "application/x-ndjson")
	}
	h.Set(HeaderServed, strconv.Itoa(res.Served))
	h.Set(HeaderWithheld, strconv.Itoa(res.Withheld))
	h.Set(HeaderAuditEntry, strconv.FormatInt(res.AuditEntry, 10))
	h.Set(HeaderFields, res.Fields)
	if res.Denied != "" {
		h.Set(HeaderDeniedFields, res.Denied)
	}
	if res.NextCursor != "" {
		h.Set(HeaderNextCursor, res.NextCursor)
	}
	h.Set("Content-Length", strconv.Itoa(len(res.Body)))
	w.WriteHeader(http.StatusOK)
	w.Write(res.Body)
}

// readRequest parses a consumer read's grant, page, format and fields.
func readRequest(r *http.Request) (sharing.ReadRequest, error) {
	q := r.URL.Query()
	req := sharing.ReadRequest{Dataset: r.PathValue("id")}
	var err error
	if req.Grant, err = strconv.ParseInt(q.Get("grant"), 10, 64); err != nil || req.Grant <= 0 {
		return req, sluice.Errorf(sluice.EINVALID, "grant %q is not a grant id.", q.Get("grant"))
	}
	if req.Limit, req.After, err = readPage(r); err != nil {
		return req, err
	}
	if req.CSV, err = wantCSV(r); err != nil {
		return req, err
	}
	if req.Spreadsheet, err = forSpreadsheet(r); err != nil {
		return req, err
	}
	if q.Has("fields") {
		if req.Fields = splitFields(q.Get("fields")); len(req.Fields) == 0 {
			return req, sluice.Errorf(sluice.EINVALID, "fields is empty: name fields, or leave it out for the grant's fields.")
		}
	}
	return req, nil
}

// MaxReadPageSize bounds a page of a consumer read. It is larger than
// the owner's MaxPageSize because each page of a consumer read costs an
// audit event whose subject keys the store indexes: fewer, larger events
// index the same keys at a fraction of the cost. A page is assembled in
// memory (about 40 MB at the limit) so that its event is durable before
// any of it is sent.
const MaxReadPageSize = 100_000

// readPage parses limit and cursor of a consumer read.
func readPage(r *http.Request) (limit int, after int64, err error) {
	q := r.URL.Query()
	limit = DefaultPageSize
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > MaxReadPageSize {
			return 0, 0, sluice.Errorf(sluice.EINVALID, "limit must be a number from 1 to %d.", MaxReadPageSize)
		}
	}
	if v := q.Get("cursor"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return 0, 0, sluice.Errorf(sluice.EINVALID, "cursor %q is not a cursor from a previous page.", v)
		}
	}
	return limit, after, nil
}

// wantCSV reports whether the read asks for CSV: ?format=csv|jsonl
// decides, else an Accept header naming text/csv.
func wantCSV(r *http.Request) (bool, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "csv":
		return true, nil
	case "jsonl", "ndjson":
		return false, nil
	case "":
	default:
		return false, sluice.Errorf(sluice.EUNSUPPORTED, "format %q: a read is served as jsonl or csv.", f)
	}
	return strings.Contains(r.Header.Get("Accept"), "text/csv"), nil
}

func splitFields(s string) []string {
	var out []string
	for _, name := range strings.Split(s, ",") {
		if name = strings.TrimSpace(name); name != "" {
			out = append(out, name)
		}
	}
	return out
}
