package transfer

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/internal/jsontext"
	"github.com/sluice-gateway/sluice/policy/route"
	"github.com/sluice-gateway/sluice/recordio"
)

// Export formats.
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// scanPage is how many records a scan reads from a region store at a
// time; listPage how many ids and subject keys a SubjectLister lists.
const (
	scanPage = 10000
	listPage = 250000
)

// A SubjectLister is a record store that can list the ids and subject keys
// of a dataset's visible records without reading their data, in id order:
// the records with id in (after, through] (through 0: no upper bound), at
// most limit of them. Scans use it when a store offers it, and page
// through FindRecords otherwise.
type SubjectLister interface {
	ListSubjects(ctx context.Context, datasetID, after, through int64, limit int) (ids []int64, keys []string, err error)
}

// subjectScan is what a scan found: the ids and subject keys of the
// records, in id order, and the last id.
type subjectScan struct {
	ids  []int64
	keys []string
	last int64
}

// scanSubjects lists the records of a dataset up to through (0: all
// visible now).
func scanSubjects(ctx context.Context, store sluice.RecordStore, datasetID, through int64) (*subjectScan, error) {
	sc := &subjectScan{}
	var after int64
	lister, fast := store.(SubjectLister)
	for done := false; !done; {
		if fast {
			ids, keys, err := lister.ListSubjects(ctx, datasetID, after, through, listPage)
			if err != nil {
				return nil, err
			}
			sc.ids, sc.keys = append(sc.ids, ids...), append(sc.keys, keys...)
			done = len(ids) < listPage
		} else {
			recs, err := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: datasetID, After: after, Limit: scanPage})
			if err != nil {
				return nil, err
			}
			done = len(recs) < scanPage
			for _, r := range recs {
				if through > 0 && r.ID > through {
					done = true
					break
				}
				sc.ids, sc.keys = append(sc.ids, r.ID), append(sc.keys, r.SubjectKey)
			}
		}
		if len(sc.ids) > 0 {
			after = sc.ids[len(sc.ids)-1]
		}
	}
	sc.last = through
	if through == 0 && len(sc.ids) > 0 {
		sc.last = sc.ids[len(sc.ids)-1]
	}
	return sc, nil
}

// distinctKeys returns the distinct subject keys of the scan, sorted.
func (sc *subjectScan) distinctKeys() []string {
	keys := slices.Clone(sc.keys)
	slices.Sort(keys)
	return slices.Compact(keys)
}

// A SubjectStreamer is a record store that can stream the ids and subject
// keys of a dataset's visible records, and its distinct subject keys in
// ascending byte order, keeping none of them: the facts of a transfer are
// then established in memory flat in the number of people.
type SubjectStreamer interface {
	EachSubject(ctx context.Context, datasetID, after, through int64, fn func(id int64, key string) error) error
	EachDistinctSubject(ctx context.Context, datasetID, through int64, fn func(key string) error) error
}

// A keySource calls fn with a transfer's distinct subject keys, sorted, a
// chunk at a time (each chunk sorted, no key in two chunks).
type keySource func(ctx context.Context, fn func(chunk []string) error) error

// keysOf is the keySource of keys, sorted and distinct.
func keysOf(keys []string) keySource {
	return func(_ context.Context, fn func([]string) error) error {
		for rest := keys; len(rest) > 0; {
			n := min(len(rest), keyChunk)
			if err := fn(rest[:n]); err != nil {
				return err
			}
			rest = rest[n:]
		}
		return nil
	}
}

// keyChunk is how many subject keys a keySource hands over at a time.
var keyChunk = 50000

// covered is what a transfer covers: its records, their last id, the
// number of distinct people, and a source of their keys.
type covered struct {
	records, last, people int64
	keys                  keySource
}

// coveredSubjects establishes what a new transfer of a dataset covers:
// every record visible now. Stores that stream their subjects are read
// twice (records, then distinct keys up to the last record seen) and
// nothing grows with the number of people; others are listed in memory.
func coveredSubjects(ctx context.Context, store sluice.RecordStore, datasetID int64) (*covered, error) {
	st, ok := store.(SubjectStreamer)
	if !ok {
		sc, err := scanSubjects(ctx, store, datasetID, 0)
		if err != nil {
			return nil, err
		}
		keys := sc.distinctKeys()
		return &covered{records: int64(len(sc.ids)), last: sc.last, people: int64(len(keys)), keys: keysOf(keys)}, nil
	}
	c := &covered{}
	if err := st.EachSubject(ctx, datasetID, 0, 0, func(id int64, _ string) error {
		c.records, c.last = c.records+1, id
		return nil
	}); err != nil {
		return nil, err
	}
	if c.last == 0 {
		return c, nil
	}
	if err := st.EachDistinctSubject(ctx, datasetID, c.last, func(string) error {
		c.people++
		return nil
	}); err != nil {
		return nil, err
	}
	c.keys = func(ctx context.Context, fn func([]string) error) error {
		chunk := make([]string, 0, keyChunk)
		err := st.EachDistinctSubject(ctx, datasetID, c.last, func(key string) error {
			if chunk = append(chunk, key); len(chunk) < keyChunk {
				return nil
			}
			err := fn(chunk)
			chunk = chunk[:0]
			return err
		})
		if err == nil && len(chunk) > 0 {
			err = fn(chunk)
		}
		return err
	}
	return c, nil
}

// ExportTransfer releases the records of a transfer that may go. See the
// type's documentation for the order of things.
func (s *Service) ExportTransfer(ctx context.Context, id int64, opts sluice.TransferExportOptions, start func(x *sluice.TransferExport) (io.Writer, error)) (*sluice.TransferExport, error) {
	org, err := s.actorOrg(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.FindTransferByID(ctx, id)
	if err != nil {
		return nil, err
	}
	today := s.today()
	if err := exportable(t); err != nil {
		return nil, err
	}
	fields, err := exportScope(t, &opts)
	if err != nil {
		return nil, err
	}
	d, err := s.Datasets.FindDatasetByID(ctx, t.DatasetID)
	if err != nil {
		return nil, err
	}
	store, err := s.Stores.Store(d.Region)
	if err != nil {
		return nil, err
	}
	needConsent := t.LegalBasis == sluice.LegalBasisConsent && t.Decision.Needs(reqSeparateConsent) || t.Decision.Needs(reqExplicitConsent)
	if needConsent && s.Consents == nil {
		return nil, sluice.Errorf(sluice.EUNAVAILABLE, "Transfer %d rests on consent, and this server has no consent ledger to check each person's separate consent against.", t.ID)
	}

	// Which records go: those the transfer covers, of people with
	// separate consent where it is needed.
	sc := &subjectScan{}
	if t.ThroughRecord > 0 { // 0: the dataset had no records when the transfer was decided
		if sc, err = scanSubjects(ctx, store, d.ID, t.ThroughRecord); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
	}
	keys := sc.distinctKeys()
	ids := sc.ids
	var withheld int64
	if needConsent {
		allowed, err := s.consented(ctx, org.ID, t.Purpose, keys)
		if err != nil {
			return nil, err
		}
		ids = make([]int64, 0, len(sc.ids))
		for i, k := range sc.keys {
			if _, ok := slices.BinarySearch(allowed, k); ok {
				ids = append(ids, sc.ids[i])
			} else {
				withheld++
			}
		}
		keys = allowed
	}

	// The facts on the export's day, for these fields and people.
	f := s.fieldFacts(org, d, fields)
	f.Records = int64(len(ids))
	s.personFacts(&f, int64(len(keys)))
	if err := s.autoFacts(ctx, &f, org, d, today); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	x := &sluice.TransferExport{
		TransferID: t.ID, Date: today.String(), Format: opts.Format, Fields: fields,
		Records: f.Records, Withheld: withheld, Subjects: f.Subjects, Counted: []string{},
	}
	for _, c := range []string{sluice.CounterPI, sluice.CounterSPI} {
		if counted(&f, c) {
			x.Counted = append(x.Counted, c)
		}
	}
	if w, err := s.rules().CountingWindow(d.Region, today); err == nil && w.PreviousYear {
		// Not reached under the rules in force since 2024-03-22; counted
		// outside the export's transaction should the rules ever go back.
		if err := s.countFacts(ctx, &f, org.ID, d.Region, today, keysOf(keys)); err != nil {
			return nil, err
		}
	}
	e := &sluice.Event{
		Action: sluice.ActionTransferExport,
		Object: map[string]any{"dataset": d.ID, "transfer": t.ID},
		Fields: slices.Clone(fields),
		Details: map[string]any{
			"exporter": org.ID, "year": today.Year(), "date": today.String(), "format": opts.Format,
			"region": string(d.Region), "destination_country": t.DestinationCountry,
			"records": x.Records, "withheld": withheld, "subjects": x.Subjects, "counted": anySlice(x.Counted),
			"consent_checked": needConsent,
		},
	}
	if err := auditlog.SetSubjects(e, keys); err != nil {
		return nil, err
	}
	held := route.Route(t.Decision.Route)
	check := func(cur *sluice.Transfer, x *sluice.TransferExport) error {
		s.present(cur)
		if err := exportable(cur); err != nil {
			return err
		}
		f.YTD = x.YTD
		dec, err := s.rules().Decide(s.input(cur, &f, today), s.now())
		if err != nil {
			return err
		}
		if dec.Route != held && routeRank(dec.Route) >= routeRank(held) {
			return sluice.Errorf(sluice.ECONFLICT,
				"Transfer %d holds route %s, but with this export the counts since %s would be %d (pi) and %d (spi), and the route would be %s (%s: %s). Nothing was exported or counted; create a new transfer.",
				cur.ID, held, f.WindowFrom, x.YTD.PI, x.YTD.SPI, dec.Route, dec.Reasons[0].Rule, dec.Reasons[0].Ref)
		}
		e.Decision = string(dec.Route)
		e.Reason = dec.Reasons[0].Rule + " (" + dec.Reasons[0].Ref + ")"
		e.Details["ytd"] = map[string]any{"pi": x.YTD.PI, "spi": x.YTD.SPI}
		e.Details["added"] = map[string]any{"pi": x.Added.PI, "spi": x.Added.SPI}
		return nil
	}
	if err := s.Transfers.RecordExport(ctx, x, today.Year(), keys, e, check); err != nil {
		return nil, err
	}

	// Counted and logged: now the records go.
	w, err := start(x)
	if err != nil {
		return x, err
	}
	if err := writeExport(ctx, store, d.ID, t.ThroughRecord, ids, fields, opts.Format, w); err != nil {
		s.logger().WarnContext(ctx, "export interrupted after it was counted and logged",
			"transfer", t.ID, "export", x.ID, "err", err)
		return x, err
	}
	return x, nil
}

// exportable returns ECONFLICT unless records may go under t today.
func exportable(t *sluice.Transfer) error {
	if !t.Status.Exportable() {
		return sluice.Errorf(sluice.ECONFLICT, "Transfer %d is %s: records go only under a ready or approved transfer.", t.ID, t.Status)
	}
	if t.Status != sluice.TransferApproved {
		return nil
	}
	var notYet []string
	for _, ev := range t.Evidence {
		switch ev.Status {
		case string(route.Valid), string(route.RenewalDue):
			return nil
		case string(route.NotYetValid):
			notYet = append(notYet, ev.Kind+" "+ev.Reference+" from "+ev.ValidFrom)
		}
	}
	if len(notYet) > 0 {
		return sluice.Errorf(sluice.ECONFLICT, "Transfer %d's evidence is not valid yet (%s).", t.ID, strings.Join(notYet, "; "))
	}
	return sluice.Errorf(sluice.ECONFLICT, "Transfer %d has no evidence valid today.", t.ID)
}

// exportScope checks that an export asks for no more than t approves,
// sets the default format and returns the fields that go.
func exportScope(t *sluice.Transfer, opts *sluice.TransferExportOptions) ([]string, error) {
	switch opts.Format {
	case "":
		opts.Format = FormatCSV
	case FormatCSV, FormatJSONL:
	default:
		return nil, &sluice.Error{Code: sluice.EINVALID, Field: "format", Message: fmt.Sprintf("format: %q is not csv or jsonl.", opts.Format)}
	}
	if opts.Purpose != "" && opts.Purpose != t.Purpose {
		return nil, &sluice.Error{Code: sluice.EINVALID, Field: "purpose",
			Message: fmt.Sprintf("purpose: transfer %d is approved for purpose %q, not %q.", t.ID, t.Purpose, opts.Purpose)}
	}
	if opts.Recipient != "" && opts.Recipient != t.Recipient {
		return nil, &sluice.Error{Code: sluice.EINVALID, Field: "recipient",
			Message: fmt.Sprintf("recipient: transfer %d is approved for recipient %q only.", t.ID, t.Recipient)}
	}
	if len(opts.Fields) == 0 {
		return slices.Clone(t.Fields), nil
	}
	seen := map[string]bool{}
	for _, name := range opts.Fields {
		if !slices.Contains(t.Fields, name) {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: "fields",
				Message: fmt.Sprintf("fields: %q is outside transfer %d's approval (%s).", name, t.ID, strings.Join(t.Fields, ", "))}
		} else if seen[name] {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: "fields", Message: fmt.Sprintf("fields: %q is named twice.", name)}
		}
		seen[name] = true
	}
	return slices.Clone(opts.Fields), nil
}

// consented returns those of keys (sorted) whose person gave separate
// consent to purpose in org's ledger, not withdrawn, now; sorted.
func (s *Service) consented(ctx context.Context, orgID int64, purpose string, keys []string) ([]string, error) {
	now := s.now()
	out := make([]string, 0, len(keys))
	for start := 0; start < len(keys); start += sluice.MaxConsentLookup {
		chunk := keys[start:min(start+sluice.MaxConsentLookup, len(keys))]
		states, err := s.Consents.FindConsentStates(ctx, orgID, purpose, chunk, now)
		if err != nil {
			return nil, fmt.Errorf("consent lookup: %w", err)
		}
		for _, k := range chunk {
			if st, ok := states[k]; ok && st.Active(sluice.ConsentSeparate) {
				out = append(out, k)
			}
		}
	}
	return out, nil
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// writeExport writes the records ids (sorted) of a dataset, up to
// through, with fields, to w.
func writeExport(ctx context.Context, store sluice.RecordStore, datasetID, through int64, ids []int64, fields []string, format string, w io.Writer) error {
	var (
		cw   *csv.Writer
		row  = make([]string, len(fields))
		sc   = recordio.NewFieldScanner(fields)
		line []byte
	)
	if format == FormatCSV {
		cw = csv.NewWriter(w)
		if err := cw.Write(fields); err != nil {
			return err
		}
	}
	var after int64
	j := 0
	for j < len(ids) {
		recs, err := store.FindRecords(ctx, sluice.RecordFilter{DatasetID: datasetID, After: after, Limit: scanPage})
		if err != nil {
			return err
		}
		for _, r := range recs {
			for j < len(ids) && ids[j] < r.ID {
				j++ // gone since it was counted
			}
			if j == len(ids) || r.ID > through {
				break
			}
			if ids[j] != r.ID {
				continue
			}
			j++
			if err := sc.Scan(r.Data); err != nil {
				return fmt.Errorf("record %d: %w", r.ID, err)
			}
			if cw != nil {
				for i, v := range sc.Values {
					row[i] = v.Text()
				}
				if err := cw.Write(row); err != nil {
					return err
				}
				continue
			}
			line = append(line[:0], '{')
			for i, name := range fields {
				if i > 0 {
					line = append(line, ',')
				}
				line = jsontext.AppendString(line, name)
				line = append(line, ':')
				line = sc.Values[i].AppendJSON(line)
			}
			line = append(line, '}', '\n')
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
		if len(recs) < scanPage || recs[len(recs)-1].ID >= through {
			break
		}
		after = recs[len(recs)-1].ID
	}
	if cw != nil {
		cw.Flush()
		return cw.Error()
	}
	return nil
}
