package sharing

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/internal/jsontext"
	"github.com/sluice-gateway/sluice/policy"
	"github.com/sluice-gateway/sluice/recordio"
)

// A ReadRequest asks for a page of a dataset's records under a grant, as
// its consumer.
type ReadRequest struct {
	Grant int64
	// Dataset is the dataset the caller names, as it named it: the grant
	// must be for it.
	Dataset string
	// Fields are the fields to read; nil reads the grant's fields and
	// leaves out those the decision refuses.
	Fields []string
	// Limit records after the record After are examined.
	Limit int
	After int64
	// CSV renders the page as CSV with a header row, else as JSON lines.
	CSV bool
	// Spreadsheet escapes the CSV cells a spreadsheet would run as
	// formulas (see appendSpreadsheetCSV); otherwise CSV is byte-exact.
	Spreadsheet bool
}

// A ReadResult is a page served: its body, rendered, and what the
// response says of it.
type ReadResult struct {
	Body       []byte
	CSV        bool
	Served     int
	Withheld   int
	AuditEntry int64
	// Fields lists the fields served with their operators: "phone=mask(3,4), city=clear".
	Fields string
	// Denied lists the grant's fields the decision refused, with the
	// rule: "id_number=core.deny"; "" for none.
	Denied string
	// NextCursor is the After of the next page; "" on the last.
	NextCursor string
}

// Read serves a consumer the allowed, de-identified view of a page of
// records of the dataset of its grant: the page is decided, filtered,
// de-identified and its audit event made durable before it is returned,
// so that a read whose event cannot be written serves nothing. Records
// whose subject lacks the consent the read needs are withheld and
// counted; Limit counts records examined, so a page may serve fewer.
// Without Fields, the grant's fields are read and those the decision
// refuses are left out; a named field the decision refuses fails the read
// with EFORBIDDEN and the rule's reason. Every read, served or refused,
// appends one audit event (sluice.ActionGrantRead) with the grant,
// fields, operators, counts and a commitment to the subject keys served.
func (sh *Service) Read(ctx context.Context, req ReadRequest) (*ReadResult, error) {
	actor := sluice.ActorFromContext(ctx)
	g, err := sh.Grants.FindGrantByID(ctx, req.Grant)
	if err == nil && g.ConsumerOrgID != actor.Org.ID {
		err = sluice.Errorf(sluice.ENOTFOUND, "Grant %d not found.", req.Grant)
	}
	if err != nil {
		return nil, err
	}
	if req.Dataset != strconv.FormatInt(g.DatasetID, 10) {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Grant %d is not for dataset %s.", g.ID, req.Dataset)
	}
	d, err := sh.Datasets.FindDatasetByID(operatorContext(ctx), g.DatasetID)
	if err != nil {
		return nil, err
	}
	now := sh.Clock()
	dec, err := sh.decide(ctx, d, actor.Org, g, "", req.Fields, now)
	if err != nil {
		return nil, err
	}
	if refused := refusal(dec.Plan, req.Fields != nil); refused != nil {
		return nil, sh.refuseRead(ctx, d, g, dec, refused)
	}
	return sh.serve(ctx, d, g, dec.Plan, req, now)
}

// refusal returns the field that refuses the whole read: the first
// refused field when the read named its fields, any field when none is
// served.
func refusal(plan *policy.ReadPlan, explicit bool) *policy.FieldDecision {
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
		return refused
	}
	return nil
}

// serve reads the page from the dataset's own region's store, withholds
// the records whose subject lacks the consent, renders the rest and logs
// the read.
func (sh *Service) serve(ctx context.Context, d *sluice.Dataset, g *sluice.Grant, plan *policy.ReadPlan, req ReadRequest, now time.Time) (*ReadResult, error) {
	recs, err := sh.Records.FindRecords(operatorContext(ctx), sluice.RecordFilter{DatasetID: d.ID, After: req.After, Limit: req.Limit + 1})
	if err != nil {
		return nil, err
	}
	res := &ReadResult{CSV: req.CSV, Denied: deniedList(plan)}
	if len(recs) > req.Limit {
		recs = recs[:req.Limit]
		res.NextCursor = strconv.FormatInt(recs[req.Limit-1].ID, 10)
	}
	keep, served, err := sh.withhold(ctx, d, g, plan, recs, now)
	if err != nil {
		return nil, err
	}
	res.Served, res.Withheld = len(served), len(recs)-len(keep)

	// Write the audit event while the page is rendered: the event needs
	// only the counts and the keys served. The page is returned once the
	// event is durable.
	v := newViewer(plan, policy.NewPseudonymizer(sh.PseudonymSecret, g.ID), req.CSV)
	v.spreadsheet = req.Spreadsheet
	e := v.event(d, g, sluice.ActorFromContext(ctx).Org, res.Served, res.Withheld, req.After)
	logged := make(chan error, 1)
	go func() {
		err := auditlog.SetSubjects(e, served)
		if err == nil {
			res.AuditEntry, err = sh.Events.AppendEvent(ctx, e)
		}
		logged <- err
	}()
	body := v.header(make([]byte, 0, 64+len(keep)*96))
	for _, rec := range keep {
		body = v.appendRecord(body, rec.Data)
	}
	if err := <-logged; err != nil {
		return nil, err
	}
	res.Body, res.Fields = body, v.fieldList()
	return res, nil
}

// withhold returns the records of recs whose subject has the consent the
// plan needs, and their subject keys.
func (sh *Service) withhold(ctx context.Context, d *sluice.Dataset, g *sluice.Grant, plan *policy.ReadPlan, recs []*sluice.Record, now time.Time) ([]*sluice.Record, []string, error) {
	var states map[string]sluice.ConsentState
	if plan.Consent != policy.ConsentNone && len(recs) > 0 {
		keys := make([]string, len(recs))
		for i, rec := range recs {
			keys[i] = rec.SubjectKey
		}
		var err error
		if states, err = sh.Consents.FindConsentStates(ctx, d.OrgID, g.Purpose, keys, now); err != nil {
			return nil, nil, err
		}
	}
	served := make([]string, 0, len(recs))
	keep := recs[:0:0]
	for _, rec := range recs {
		if plan.Consent != policy.ConsentNone && plan.Withheld(policyConsent(states[rec.SubjectKey])) {
			continue
		}
		keep = append(keep, rec)
		served = append(served, rec.SubjectKey)
	}
	return keep, served, nil
}

// refuseRead logs a refused read and returns EFORBIDDEN with the refused
// field's reason and legal reference.
func (sh *Service) refuseRead(ctx context.Context, d *sluice.Dataset, g *sluice.Grant, dec *Decision, refused *policy.FieldDecision) error {
	denied := map[string]any{}
	names := make([]string, len(dec.Plan.Fields))
	for i, f := range dec.Plan.Fields {
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
	if _, err := sh.Events.AppendEvent(ctx, e); err != nil {
		return err
	}
	msg := "Field " + strconv.Quote(refused.Field) + ": " + refused.Reason
	if ref := refused.Rule.Ref(); ref != "" && refused.Policy == "" {
		msg = strings.TrimSuffix(msg, ".") + " (" + ref + ")."
	}
	return &sluice.Error{Code: sluice.EFORBIDDEN, Field: refused.Field, Message: msg}
}

func ruleID(r *policy.Rule) string {
	if r == nil {
		return ""
	}
	return r.ID
}

func deniedList(p *policy.ReadPlan) string {
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

// A viewer renders records through a read plan: the served fields in plan
// order, each through its operator.
type viewer struct {
	plan  *policy.ReadPlan
	pseud *policy.Pseudonymizer
	csv   bool
	// spreadsheet escapes CSV cells a spreadsheet would run as formulas.
	spreadsheet bool

	cols []column // served fields
	sc   *recordio.FieldScanner
	tmp  []byte
	esc  []byte
}

type column struct {
	name string
	key  []byte // `"name":` for JSON
	op   policy.Op
	// elements: the field reaches into an array ("points[].lat"); it is
	// served as a JSON array of the values reached, each under op.
	elements bool
}

func newViewer(plan *policy.ReadPlan, pseud *policy.Pseudonymizer, csvOut bool) *viewer {
	v := &viewer{plan: plan, pseud: pseud, csv: csvOut}
	var names []string
	for _, f := range plan.Fields {
		if f.Effect == policy.Deny || f.Op.Kind == policy.OpRedact {
			continue
		}
		names = append(names, f.Field)
		_, _, elements := recordio.ElementPath(f.Field)
		v.cols = append(v.cols, column{name: f.Field, key: append(jsontext.AppendString(nil, f.Field), ':'), op: f.Op, elements: elements})
	}
	v.sc = recordio.NewFieldScanner(names)
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

// fieldList lists the fields served with their operators.
func (v *viewer) fieldList() string {
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
	if v.sc.Scan(data) != nil {
		clear(v.sc.Values) // not a JSON object: every value omitted
	}
	if !v.csv {
		dst = append(dst, '{')
	}
	first := true
	for i, c := range v.cols {
		if v.csv && i > 0 {
			dst = append(dst, ',')
		}
		val := v.sc.Values[i]
		if val.Kind == recordio.Absent || val.Kind == recordio.Null {
			continue
		}
		if c.elements {
			dst, first = v.appendElements(dst, c, v.sc.Elements[i], first)
			continue
		}
		var out []byte
		ok := true
		if c.op.Kind == policy.OpClear && !val.Escaped {
			out = val.Raw
		} else {
			plain := val.Raw
			if val.Escaped {
				plain = v.unescape(val.Raw)
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
		if c.op.Kind == policy.OpClear && !val.Escaped {
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

// appendElements appends the values of an element column, each under the
// column's operator, as a JSON array: a member of the record in JSON, a
// cell holding the array's text in CSV. A value the operator cannot
// transform safely is left out of the array.
func (v *viewer) appendElements(dst []byte, c column, vals []string, first bool) ([]byte, bool) {
	arr := append(v.esc[:0], '[')
	n := 0
	for _, val := range vals {
		out := []byte(val)
		if c.op.Kind != policy.OpClear {
			var ok bool
			if v.tmp, ok = c.op.Append(v.tmp[:0], out, v.pseud); !ok {
				continue
			}
			out = v.tmp
		}
		if n > 0 {
			arr = append(arr, ',')
		}
		n++
		arr = jsontext.AppendBytes(arr, out)
	}
	arr = append(arr, ']')
	v.esc = arr
	if v.csv {
		return v.appendCSV(dst, arr), first
	}
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, c.key...)
	return append(dst, arr...), false
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
