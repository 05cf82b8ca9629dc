package dsr

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluice-gateway/sluice"
)

// orgLocks serialises the fulfilment of one org's requests within a
// server, so that two erasures of one person count what each removed.
var orgLocks sync.Map // org id → *sync.Mutex

func lockOrg(id int64) func() {
	m, _ := orgLocks.LoadOrStore(id, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// orgDatasets returns every dataset of the acting org.
func (s *Service) orgDatasets(ctx context.Context, orgID int64) ([]*sluice.Dataset, error) {
	var out []*sluice.Dataset
	for {
		ds, n, err := s.Datasets.FindDatasets(ctx, sluice.DatasetFilter{OrgID: &orgID, Offset: len(out), Limit: 100})
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
		if len(ds) == 0 || len(out) >= n {
			return out, nil
		}
	}
}

// subjectStore returns the region's store with the subject operations.
func (s *Service) subjectStore(region sluice.Region) (sluice.SubjectRecordStore, error) {
	st, err := s.Stores.Store(region)
	if err != nil {
		return nil, err
	}
	ss, ok := st.(sluice.SubjectRecordStore)
	if !ok {
		return nil, sluice.Errorf(sluice.EUNAVAILABLE, "The record store of region %s cannot answer subject requests.", region)
	}
	return ss, nil
}

// locate finds the person's records in every dataset of the org, grouped
// by region.
func (s *Service) locate(ctx context.Context, r *sluice.SubjectRequest) (map[sluice.Region][]*match, []*sluice.Dataset, error) {
	datasets, err := s.orgDatasets(ctx, r.OrgID)
	if err != nil {
		return nil, nil, err
	}
	byRegion := map[sluice.Region][]*sluice.Dataset{}
	for _, d := range datasets {
		byRegion[d.Region] = append(byRegion[d.Region], d)
	}
	f := &finder{keyer: s.Keyer(r.OrgID), keys: r.SubjectKeys}
	out := map[sluice.Region][]*match{}
	for region, ds := range byRegion {
		st, err := s.subjectStore(region)
		if err != nil {
			return nil, nil, err
		}
		if out[region], err = f.find(ctx, st, ds); err != nil {
			return nil, nil, err
		}
	}
	return out, datasets, nil
}

// Fulfil carries out a verified request: it finds the person's records
// and, by type, corrects, erases or restricts them, or records what a
// package will hold. A person who is not found is not an error: the
// request is fulfilled with nothing found, and an empty package.
func (s *Service) Fulfil(ctx context.Context, id int64) (*sluice.SubjectRequest, error) {
	org, err := requireOwner(ctx)
	if err != nil {
		return nil, err
	}
	defer lockOrg(org.ID)()
	r, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	if !r.State.Open() {
		return nil, sluice.Errorf(sluice.ECONFLICT, "Subject request %d is already %s.", id, r.State)
	} else if r.VerifiedAt == nil {
		return nil, sluice.Errorf(sluice.ECONFLICT, "Subject request %d: verify the person's identity first (PIPL Art. 45 ¶3; GDPR Art. 12(6)).", id)
	}
	found, datasets, err := s.locate(ctx, r)
	if err != nil {
		return nil, err
	}
	holds, err := s.holds(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	out := &sluice.SubjectRequestOutcome{}
	byRegion := map[sluice.Region][]*sluice.Dataset{}
	for _, d := range datasets {
		byRegion[d.Region] = append(byRegion[d.Region], d)
	}
	for region, ds := range byRegion {
		if err := s.apply(ctx, r, region, ds, found[region], holds, out); err != nil {
			return nil, err
		}
	}
	if r.Type == sluice.RequestErasure {
		if out.Consents, err = s.closeConsents(ctx, r); err != nil {
			return nil, err
		}
	}
	if !out.Found {
		out.Note = "No record of the person was found in any dataset of the organisation."
	}
	from, now := r.State, s.now()
	r.State, r.ClosedAt, r.Outcome = sluice.RequestFulfilled, &now, out
	if r.Correction != nil {
		r.Correction.Value = "" // the new value is in the records now; the request keeps none
	}
	details := map[string]any{"found": out.Found, "records": out.Records, "datasets": len(out.Datasets)}
	for k, v := range map[string]int64{"erased": out.Erased, "corrected": out.Corrected, "restricted": out.Restricted, "elements": out.Elements, "consents_closed": int64(out.Consents)} {
		if v > 0 {
			details[k] = v
		}
	}
	if len(out.Held) > 0 {
		details["held_datasets"] = len(out.Held)
	}
	if err := s.Requests.UpdateSubjectRequest(ctx, r, from, s.event(sluice.ActionSubjectRequestFulfil, r, details)); err != nil {
		return nil, err
	}
	r.SetOverdue(now)
	return r, nil
}

func (s *Service) holds(ctx context.Context, orgID int64) (map[int64]*sluice.DatasetHold, error) {
	hs, err := s.Requests.FindHolds(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := map[int64]*sluice.DatasetHold{}
	for _, h := range hs {
		out[h.DatasetID] = h
	}
	return out, nil
}

// apply changes one region's records as the request asks, in one
// transaction of the region's store.
//
// An erasure recounts the records of every dataset of the region, even
// when it finds nothing: an erasure that was cut short after the region's
// store committed and is now fulfilled again brings the counts up to date.
func (s *Service) apply(ctx context.Context, r *sluice.SubjectRequest, region sluice.Region, datasets []*sluice.Dataset, ms []*match, holds map[int64]*sluice.DatasetHold, out *sluice.SubjectRequestOutcome) error {
	if len(ms) == 0 && r.Type != sluice.RequestErasure {
		return nil
	}
	c := &sluice.SubjectChange{RequestID: r.ID, Rewrite: map[int64][]byte{}, Restrict: map[int64]string{}}
	if r.Type == sluice.RequestErasure {
		for _, d := range datasets {
			c.Datasets = append(c.Datasets, d.ID)
		}
	}
	held := map[int64]*sluice.HeldData{}
	for _, m := range ms {
		out.Found = true
		out.Records++
		if !slices.Contains(out.Datasets, m.Dataset.ID) {
			out.Datasets = append(out.Datasets, m.Dataset.ID)
		}
		switch r.Type {
		case sluice.RequestErasure:
			if h := holds[m.Dataset.ID]; h != nil {
				if m.Whole {
					c.Restrict[m.Record.ID] = "legal hold: " + h.Reason
					hd := held[h.DatasetID]
					if hd == nil {
						hd = &sluice.HeldData{DatasetID: h.DatasetID, Reason: h.Reason}
						held[h.DatasetID] = hd
					}
					hd.Records++
					out.Restricted++
				}
				continue
			}
			if m.Whole {
				c.Delete = append(c.Delete, m.Record.ID)
				out.Erased++
				continue
			}
			data, n, err := eraseParts(m)
			if err != nil {
				return err
			}
			c.Rewrite[m.Record.ID] = data
			out.Elements += n
		case sluice.RequestCorrection:
			data, n, err := correct(m, r.Correction)
			if err != nil {
				return err
			}
			if data != nil {
				c.Rewrite[m.Record.ID] = data
				if m.Whole {
					out.Corrected++
				}
				out.Elements += n
			}
		case sluice.RequestRestriction:
			if m.Whole {
				c.Restrict[m.Record.ID] = "restriction requested by the person (subject request " + strconv.FormatInt(r.ID, 10) + ")"
				out.Restricted++
			}
		}
		if !slices.Contains(c.Datasets, m.Dataset.ID) {
			c.Datasets = append(c.Datasets, m.Dataset.ID)
		}
	}
	for _, hd := range held {
		out.Held = append(out.Held, *hd)
	}
	slices.SortFunc(out.Held, func(a, b sluice.HeldData) int { return int(a.DatasetID - b.DatasetID) })
	if r.Type == sluice.RequestCorrection && out.Corrected == 0 && out.Elements == 0 && out.Found {
		out.Note = "No record of the person holds the field " + strconv.Quote(r.Correction.Field) + "."
	}
	if len(c.Delete) == 0 && len(c.Rewrite) == 0 && len(c.Restrict) == 0 && r.Type != sluice.RequestErasure {
		return nil
	}
	st, err := s.subjectStore(region)
	if err != nil {
		return err
	}
	counts, err := st.ApplySubjectChange(ctx, c)
	if err != nil {
		return fmt.Errorf("apply subject request to region %s: %w", region, err)
	}
	for _, d := range datasets {
		if n, ok := counts[d.ID]; ok && n != d.RecordCount {
			if err := s.Requests.SetRecordCount(ctx, d.ID, n); err != nil {
				s.logger().ErrorContext(ctx, "set record count after erasure", slog.Int64("dataset", d.ID), slog.Any("err", err))
			}
		}
	}
	return nil
}

// eraseParts removes the elements about the person from the arrays of
// another person's record. It returns the new data and the number of
// elements removed.
func eraseParts(m *match) ([]byte, int64, error) {
	var n int64
	fields := slices.Clone(m.Fields)
	for i, f := range fields {
		if idx := m.Elements[f.Name]; len(idx) > 0 {
			els := elements(f.Raw)
			var keep []map[string]any
			for j, el := range els {
				if !slices.Contains(idx, j) {
					keep = append(keep, el)
				}
			}
			if keep == nil {
				keep = []map[string]any{}
			}
			raw, err := marshalArray(keep, f.Raw)
			if err != nil {
				return nil, 0, err
			}
			fields[i].Raw = raw
			n += int64(len(idx))
		}
	}
	return encodeRecord(fields), n, nil
}

// marshalArray encodes elements as the original value was held: as a
// string of JSON text, or as raw JSON.
func marshalArray(els []map[string]any, orig json.RawMessage) (json.RawMessage, error) {
	b, err := json.Marshal(els)
	if err != nil {
		return nil, err
	}
	if len(orig) > 0 && orig[0] == '"' {
		return quote(string(b)), nil
	}
	return b, nil
}

// correct sets the corrected field in the person's record, or in the
// person's elements of another's record ("guardians[].phone"). It
// returns nil data when nothing changed.
func correct(m *match, c *sluice.Correction) ([]byte, int64, error) {
	arr, member, isElem := strings.Cut(c.Field, "[].")
	changed := false
	var n int64
	fields := slices.Clone(m.Fields)
	for i, f := range fields {
		switch {
		case !isElem && f.Name == c.Field && m.Whole:
			fields[i].Raw = quote(c.Value)
			changed = true
		case isElem && f.Name == arr:
			idx := m.Elements[f.Name]
			els := elements(f.Raw)
			for j := range els {
				if m.Whole || slices.Contains(idx, j) {
					if _, ok := els[j][member]; ok {
						els[j][member] = c.Value
						n++
						changed = true
					}
				}
			}
			if n > 0 {
				raw, err := marshalArray(els, f.Raw)
				if err != nil {
					return nil, 0, err
				}
				fields[i].Raw = raw
			}
		}
	}
	if !changed {
		return nil, 0, nil
	}
	return encodeRecord(fields), n, nil
}

// closeConsents records a withdrawal of every consent the person has in
// force with the org (PIPL Art. 47(1)(3)) and returns how many.
func (s *Service) closeConsents(ctx context.Context, r *sluice.SubjectRequest) (int, error) {
	if s.Consents == nil {
		return 0, nil
	}
	n := 0
	for _, key := range r.SubjectKeys {
		k := key
		cs, _, err := s.Consents.FindConsents(ctx, sluice.ConsentFilter{OrgID: &r.OrgID, SubjectKey: &k})
		if err != nil {
			return n, err
		}
		byPurpose := map[string][]*sluice.Consent{}
		var purposes []string
		for _, c := range cs {
			if byPurpose[c.Purpose] == nil {
				purposes = append(purposes, c.Purpose)
			}
			byPurpose[c.Purpose] = append(byPurpose[c.Purpose], c)
		}
		for _, p := range purposes {
			if st := sluice.FoldConsents(byPurpose[p], endOfTime); st.Kind.Rank() == 0 || !st.WithdrawnAt.IsZero() {
				continue
			}
			w := &sluice.Consent{OrgID: r.OrgID, SubjectKey: key, Purpose: p, Kind: sluice.ConsentWithdrawal,
				Evidence: "erasure, subject request " + strconv.FormatInt(r.ID, 10)}
			if err := s.Consents.CreateConsent(ctx, w); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// endOfTime folds a ledger to its latest entry.
var endOfTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
