package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"sluice"
	"sluice/auditlog"
	"sluice/internal/jsontext"
	"sluice/policy"
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
// to the consumer of grant G: the allowed, de-identified view of a page of
// limit stored records (DefaultPageSize, at most MaxReadPageSize) after cursor,
// as JSON lines (one object per record, omitted values left out) or, with
// Accept: text/csv or ?format=csv, as CSV with a header row (omitted
// values empty). Records whose subject lacks the consent the read needs
// are withheld and counted; limit counts records examined, so a page may
// serve fewer. Without fields, the grant's fields are read and those the
// decision refuses are left out (see HeaderDeniedFields); a named field
// the decision refuses fails the read with 403 and the rule's reason.
// Every read, served or refused, appends one audit event
// (sluice.ActionGrantRead) with the grant, fields, operators, counts and
// a commitment to the subject keys served.
func (s *Server) handleConsumerRead(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := sluice.ActorFromContext(ctx)
	q := r.URL.Query()
	gid, err := strconv.ParseInt(q.Get("grant"), 10, 64)
	if err != nil || gid <= 0 {
		writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "grant %q is not a grant id.", q.Get("grant")))
		return
	}
	g, err := s.Grants.FindGrantByID(ctx, gid)
	if err == nil && g.ConsumerOrgID != actor.Org.ID {
		err = sluice.Errorf(sluice.ENOTFOUND, "Grant %d not found.", gid)
	}
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if r.PathValue("id") != strconv.FormatInt(g.DatasetID, 10) {
		writeError(w, r, s.Logger, sluice.Errorf(sluice.ENOTFOUND, "Grant %d is not for dataset %s.", g.ID, r.PathValue("id")))
		return
	}
	d, err := s.Datasets.FindDatasetByID(operatorContext(ctx), g.DatasetID)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	limit, after, err := readPage(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	csvOut, err := wantCSV(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	spreadsheet, err := forSpreadsheet(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	var names []string
	explicit := q.Has("fields")
	if explicit {
		if names = splitFields(q.Get("fields")); len(names) == 0 {
			writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "fields is empty: name fields, or leave it out for the grant's fields."))
			return
		}
	}
	now := s.Sharing.now()
	dec, err := s.decide(ctx, d, actor.Org, g, "", names, now)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	plan := dec.plan
	var refused *policy.FieldDecision
	for i := range plan.Fields {
		if plan.Fields[i].Effect == policy.Deny {
			refused = &plan.Fields[i]
			break
		}
	}
	if refused != nil && explicit || plan.Served() == 0 {
		if refused == nil {
			refused = &plan.Fields[0]
		}
		s.refuseRead(w, r, d, g, dec, refused)
		return
	}

	// Read the page from the dataset's own region's store.
	recs, err := s.Records.FindRecords(operatorContext(ctx), sluice.RecordFilter{DatasetID: d.ID, After: after, Limit: limit + 1})
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	next := ""
	if len(recs) > limit {
		recs = recs[:limit]
		next = strconv.FormatInt(recs[limit-1].ID, 10)
	}
	var states map[string]sluice.ConsentState
	if plan.Consent != policy.ConsentNone && len(recs) > 0 {
		keys := make([]string, len(recs))
		for i, rec := range recs {
			keys[i] = rec.SubjectKey
		}
		if states, err = s.Consents.FindConsentStates(ctx, d.OrgID, g.Purpose, keys, now); err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
	}

	// Filter by consent, then write the audit event while the page is
	// rendered: the event needs only the counts and the keys served. The
	// page is sent once the event is durable.
	served := make([]string, 0, len(recs))
	keep := recs[:0:0]
	withheld := 0
	for _, rec := range recs {
		if plan.Consent != policy.ConsentNone && plan.Withheld(policyConsent(states[rec.SubjectKey])) {
			withheld++
			continue
		}
		keep = append(keep, rec)
		served = append(served, rec.SubjectKey)
	}
	v := newViewer(plan, policy.NewPseudonymizer(s.Sharing.PseudonymSecret, g.ID), csvOut)
	v.spreadsheet = spreadsheet
	e := v.event(d, g, actor.Org, len(served), withheld, after)
	logged := make(chan error, 1)
	var idx int64
	go func() {
		err := auditlog.SetSubjects(e, served)
		if err == nil {
			idx, err = s.Events.AppendEvent(ctx, e)
		}
		logged <- err
	}()
	body := v.header(make([]byte, 0, 64+len(keep)*96))
	for _, rec := range keep {
		body = v.appendRecord(body, rec.Data)
	}
	if err := <-logged; err != nil {
		writeError(w, r, s.Logger, err)
		return
	}

	h := w.Header()
	if csvOut {
		h.Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		h.Set("Content-Type", "application/x-ndjson")
	}
	h.Set(HeaderServed, strconv.Itoa(len(served)))
	h.Set(HeaderWithheld, strconv.Itoa(withheld))
	h.Set(HeaderAuditEntry, strconv.FormatInt(idx, 10))
	h.Set(HeaderFields, v.fieldsHeader())
	if den := deniedHeader(plan); den != "" {
		h.Set(HeaderDeniedFields, den)
	}
	if next != "" {
		h.Set(HeaderNextCursor, next)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// refuseRead logs a refused read and answers 403 with the refused field's
// reason and legal reference.
func (s *Server) refuseRead(w http.ResponseWriter, r *http.Request, d *sluice.Dataset, g *sluice.Grant, dec *decision, refused *policy.FieldDecision) {
	ctx := r.Context()
	denied := map[string]any{}
	names := make([]string, len(dec.plan.Fields))
	for i, f := range dec.plan.Fields {
		names[i] = f.Field
		if f.Effect == policy.Deny {
			denied[f.Field] = ruleID(f.Rule)
		}
	}
	consumer := sluice.ActorFromContext(ctx).Org
	e := &sluice.Event{
		Action:   sluice.ActionGrantRead,
		Decision: policy.Deny.String(),
		Object:   map[string]any{"dataset": d.ID, "grant": g.ID},
		Fields:   names,
		Reason:   refused.Reason,
		Details: map[string]any{
			"consumer": consumer.Name, "purpose": g.Purpose, "legal_basis": g.LegalBasis,
			"denied": denied, "rule": ruleID(refused.Rule), "ref": refused.Rule.Ref(), "served": 0, "withheld": 0,
		},
	}
	if refused.Policy != "" {
		e.Details["policy"] = refused.Policy
	}
	if _, err := s.Events.AppendEvent(ctx, e); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	msg := "Field " + strconv.Quote(refused.Field) + ": " + refused.Reason
	if ref := refused.Rule.Ref(); ref != "" && refused.Policy == "" {
		msg = strings.TrimSuffix(msg, ".") + " (" + ref + ")."
	}
	writeError(w, r, s.Logger, &sluice.Error{Code: sluice.EFORBIDDEN, Field: refused.Field, Message: msg})
}

func ruleID(r *policy.Rule) string {
	if r == nil {
		return ""
	}
	return r.ID
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

func deniedHeader(p *policy.ReadPlan) string {
	var b strings.Builder
	for _, f := range p.Fields {
		if f.Effect == policy.Deny {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.Field + "=" + ruleID(f.Rule))
		}
	}
	return b.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A viewer renders records through a read plan: the served fields in plan
// order, each through its operator.
type viewer struct {
	plan  *policy.ReadPlan
	pseud *policy.Pseudonymizer
	csv   bool
	// spreadsheet escapes CSV cells a spreadsheet would run as formulas.
	spreadsheet bool

	cols  []column       // served fields
	index map[string]int // field name → column
	vals  []rawValue     // per column, for the record at hand
	tmp   []byte
	esc   []byte
}

type column struct {
	name string
	key  []byte // `"name":` for JSON
	op   policy.Op
}

// A rawValue is a field's value as stored: the bytes between its quotes,
// escaped if esc.
type rawValue struct {
	b   []byte
	esc bool
	ok  bool
}

func newViewer(plan *policy.ReadPlan, pseud *policy.Pseudonymizer, csvOut bool) *viewer {
	v := &viewer{plan: plan, pseud: pseud, csv: csvOut, index: map[string]int{}}
	for _, f := range plan.Fields {
		if f.Effect == policy.Deny || f.Op.Kind == policy.OpRedact {
			continue
		}
		v.index[f.Field] = len(v.cols)
		v.cols = append(v.cols, column{name: f.Field, key: append(jsontext.AppendString(nil, f.Field), ':'), op: f.Op})
	}
	v.vals = make([]rawValue, len(v.cols))
	return v
}

// header appends the CSV header row, if the read is CSV.
func (v *viewer) header(dst []byte) []byte {
	if !v.csv {
		return dst
	}
	for i, c := range v.cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = v.appendCSV(dst, []byte(c.name))
	}
	return append(dst, '\n')
}

func (v *viewer) fieldsHeader() string {
	var b strings.Builder
	for _, f := range v.plan.Fields {
		if f.Effect == policy.Deny {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Field + "=" + f.Op.String())
	}
	return b.String()
}

// appendRecord appends one record, rendered, to dst.
func (v *viewer) appendRecord(dst, data []byte) []byte {
	for i := range v.vals {
		v.vals[i] = rawValue{}
	}
	if !v.scan(data) {
		v.scanSlow(data)
	}
	if !v.csv {
		dst = append(dst, '{')
	}
	first := true
	for i, c := range v.cols {
		if v.csv && i > 0 {
			dst = append(dst, ',')
		}
		val := v.vals[i]
		if !val.ok {
			continue
		}
		var out []byte
		ok := true
		if c.op.Kind == policy.OpClear && !val.esc {
			out = val.b
		} else {
			plain := val.b
			if val.esc {
				plain = v.unescape(val.b)
			}
			if c.op.Kind == policy.OpClear {
				out = plain
			} else {
				v.tmp, ok = c.op.Append(v.tmp[:0], plain, v.pseud)
				out = v.tmp
			}
		}
		if !ok {
			continue // the operator cannot transform it safely: omitted
		}
		if v.csv {
			dst = v.appendCSV(dst, out)
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, c.key...)
		if c.op.Kind == policy.OpClear && !val.esc {
			dst = append(dst, '"')
			dst = append(dst, out...)
			dst = append(dst, '"')
		} else {
			dst = jsontext.AppendBytes(dst, out)
		}
	}
	if v.csv {
		return append(dst, '\n')
	}
	return append(dst, '}', '\n')
}

// scan reads a stored record, a flat JSON object of string values as
// ingest writes it, into v.vals without copying. It reports false for
// anything else.
func (v *viewer) scan(data []byte) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return true
	}
	for {
		key, kesc, j, ok := scanString(data, i)
		if !ok {
			return false
		}
		i = skipSpace(data, j)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		i = skipSpace(data, i+1)
		val, vesc, j, ok := scanString(data, i)
		if !ok {
			return false
		}
		var col int
		var found bool
		if kesc {
			col, found = v.index[string(v.unescape(key))]
		} else {
			col, found = v.index[string(key)]
		}
		if found {
			v.vals[col] = rawValue{b: val, esc: vesc, ok: true}
		}
		i = skipSpace(data, j)
		if i >= len(data) {
			return false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return true
		default:
			return false
		}
	}
}

// scanSlow reads a stored record of any JSON object form: values that are
// not strings are taken as their JSON text.
func (v *viewer) scanSlow(data []byte) {
	for i := range v.vals {
		v.vals[i] = rawValue{}
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return
	}
	for name, raw := range m {
		col, ok := v.index[name]
		if !ok || bytes.Equal(raw, []byte("null")) {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			v.vals[col] = rawValue{b: []byte(s), ok: true}
		} else {
			v.vals[col] = rawValue{b: raw, ok: true}
		}
	}
}

// unescape returns the text of an escaped JSON string body.
func (v *viewer) unescape(b []byte) []byte {
	v.esc = append(append(append(v.esc[:0], '"'), b...), '"')
	var s string
	if json.Unmarshal(v.esc, &s) != nil {
		return nil
	}
	return []byte(s)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads the JSON string starting at b[i] and returns its body,
// whether it holds escapes, and the index after it.
func scanString(b []byte, i int) (body []byte, esc bool, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, false, 0, false
	}
	start := i + 1
	for j := start; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[start:j], esc, j + 1, true
		case c == '\\':
			esc = true
			j++
		case c < 0x20:
			return nil, false, 0, false
		}
	}
	return nil, false, 0, false
}

// event returns the audit event of a served read.
func (v *viewer) event(d *sluice.Dataset, g *sluice.Grant, consumer *sluice.Org, served, withheld int, after int64) *sluice.Event {
	ops, rules, denied := map[string]any{}, map[string]any{}, map[string]any{}
	var fields []string
	authority := false
	for _, f := range v.plan.Fields {
		if f.Effect == policy.Deny {
			denied[f.Field] = ruleID(f.Rule)
			continue
		}
		ops[f.Field] = f.Op.String()
		rules[f.Field] = ruleID(f.Rule)
		authority = authority || f.Authority
		if f.Op.Kind != policy.OpRedact {
			fields = append(fields, f.Field)
		}
	}
	e := &sluice.Event{
		Action:   sluice.ActionGrantRead,
		Decision: "allow",
		Object:   map[string]any{"dataset": d.ID, "grant": g.ID},
		Fields:   fields,
		Details: map[string]any{
			"consumer": consumer.Name, "purpose": g.Purpose, "legal_basis": g.LegalBasis, "region": string(d.Region),
			"operators": ops, "rules": rules, "served": served, "withheld": withheld, "after": after,
			"consent": v.plan.Consent.String(),
		},
	}
	if len(denied) > 0 {
		e.Details["denied"] = denied
	}
	if authority {
		e.Details["authority_request"] = g.WrittenRequestRef
	}
	if v.plan.ConsentRule != nil {
		e.Details["consent_rule"] = v.plan.ConsentRule.ID
	}
	return e
}

// appendCSV appends one CSV field as the read asks: for a spreadsheet,
// or byte-exact.
func (v *viewer) appendCSV(dst, val []byte) []byte {
	if v.spreadsheet {
		return appendSpreadsheetCSV(dst, val)
	}
	return appendCSV(dst, val)
}

// appendCSV appends one CSV field, quoted when it must be.
func appendCSV(dst, v []byte) []byte {
	quote := len(v) > 0 && (v[0] == ' ' || v[0] == '\t')
	for _, c := range v {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for _, c := range v {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}
