package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
)

// MaxLogEntries is how many of the latest log entries the log page reads.
const MaxLogEntries = 500

// entryRow is a log entry the viewer may see.
type entryRow struct {
	Index int64
	Event *sluice.Event
	Leaf  []byte // the public entry: a commitment to the event, or the event itself
	Raw   []byte // the event's canonical JSON, as committed to
	Salt  []byte // nil for an entry written before commitments
}

// visibility returns the rule of which events the viewer may see, as the
// API's subject-events endpoint has it: those its org acted in and those
// about its datasets.
func (s *Server) visibility(v *view) (func(idx int64, e *sluice.Event) bool, error) {
	if v.supervisor() {
		return s.svVisibility(v)
	}
	owned := map[int64]bool{}
	return func(_ int64, e *sluice.Event) bool {
		if v.key.Org == nil {
			return false
		}
		if e.Actor.Org == v.key.Org.Name {
			return true
		}
		id, ok := eventDataset(e)
		if !ok {
			return false
		}
		if seen, ok := owned[id]; ok {
			return seen
		}
		_, err := s.Datasets.FindDatasetByID(v.ctx(), id)
		owned[id] = err == nil
		return owned[id]
	}, nil
}

func eventDataset(e *sluice.Event) (int64, bool) {
	switch x := e.Object["dataset"].(type) {
	case float64:
		return int64(x), x == float64(int64(x))
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	}
	return 0, false
}

// visibleEntries integrates pending events and returns the latest
// checkpoint and the visible entries among the latest MaxLogEntries,
// newest first, kept by keep.
func (s *Server) visibleEntries(v *view, keep func(e *sluice.Event) bool) (*auditlog.Checkpoint, []entryRow, error) {
	if s.Log == nil {
		return nil, nil, errNoService
	}
	cp, err := s.Log.Integrate(v.ctx())
	if err != nil || cp == nil {
		return cp, nil, err
	}
	start := max(0, cp.Size-MaxLogEntries)
	leaves, err := s.Log.Store.ReadEntries(v.ctx(), start, cp.Size-start)
	if err != nil {
		return nil, nil, err
	}
	visible, err := s.visibility(v)
	if err != nil {
		return nil, nil, err
	}
	var rows []entryRow
	for i := len(leaves) - 1; i >= 0; i-- {
		idx := start + int64(i)
		row, err := s.fullEntry(v.ctx(), idx, leaves[i])
		if err != nil {
			return nil, nil, err
		}
		if row == nil {
			continue
		}
		if visible(idx, row.Event) && (keep == nil || keep(row.Event)) {
			rows = append(rows, *row)
		}
	}
	return cp, rows, nil
}

// fullEntry returns entry idx, whose public entry is leaf, with its event:
// the leaf itself for an entry written before commitments, else the event
// and salt the control store keeps behind the commitment. It returns nil
// for an entry that is not an event.
func (s *Server) fullEntry(ctx context.Context, idx int64, leaf []byte) (*entryRow, error) {
	row := &entryRow{Index: idx, Leaf: leaf, Raw: leaf}
	if auditlog.IsCommitment(leaf) {
		er, ok := s.Log.Store.(auditlog.EntryReader)
		if !ok {
			return nil, errors.New("console: the log store does not keep the events behind its entries")
		}
		full, err := er.ReadEntry(ctx, idx)
		if err != nil {
			return nil, err
		}
		if err := auditlog.CheckEntry(leaf, full.Event, full.Salt); err != nil {
			return nil, fmt.Errorf("console: log entry %d: %w", idx, err)
		}
		row.Raw, row.Salt = full.Event, full.Salt
	}
	e := &sluice.Event{}
	if json.Unmarshal(row.Raw, e) != nil {
		return nil, nil
	}
	row.Event = e
	return row, nil
}

func (s *Server) handleLog(v *view) { s.renderLog(v, nil) }

func (s *Server) renderLog(v *view, verified map[string]any) {
	q := v.r.URL.Query()
	action, org, dataset := strings.TrimSpace(q.Get("action")), strings.TrimSpace(q.Get("org")), strings.TrimSpace(q.Get("dataset"))
	errs := map[string]string{}
	var from, to time.Time
	var err error
	if f := q.Get("from"); f != "" {
		if from, err = time.Parse("2006-01-02", f); err != nil {
			errs["from"] = "err.date"
		}
	}
	if t := q.Get("to"); t != "" {
		if to, err = time.Parse("2006-01-02", t); err != nil {
			errs["to"] = "err.date"
		}
	}
	var dsID int64 = -1
	if dataset != "" {
		if dsID, err = strconv.ParseInt(dataset, 10, 64); err != nil {
			errs["dataset"] = "err.number"
		}
	}
	keep := func(e *sluice.Event) bool {
		if action != "" && !strings.HasPrefix(e.Action, action) || org != "" && e.Actor.Org != org {
			return false
		}
		if dsID >= 0 {
			if id, ok := eventDataset(e); !ok || id != dsID {
				return false
			}
		}
		return (from.IsZero() || !e.Time.Before(from)) && (to.IsZero() || e.Time.Before(to.AddDate(0, 0, 1)))
	}
	cp, rows, err := s.visibleEntries(v, keep)
	if err != nil {
		s.fail(v, err)
		return
	}
	data := map[string]any{"Entries": rows, "Errors": errs, "Q": map[string]string{"action": action, "org": org, "dataset": dataset, "from": q.Get("from"), "to": q.Get("to")}}
	if cp != nil {
		data["Checkpoint"] = string(cp.Note)
		data["Size"] = cp.Size
	}
	if s.Log != nil {
		data["VerifierKey"] = s.Log.Key.VerifierKey
	}
	for k, x := range verified {
		data[k] = x
	}
	status := 200
	if len(errs) > 0 {
		status = 400
	}
	s.renderStatus(v.w, v.r, v, status, "log", data)
}

func (s *Server) handleProof(v *view) {
	idx, err := pathInt(v, "index")
	if err != nil {
		s.fail(v, err)
		return
	}
	cp, rows, err := s.visibleEntries(v, nil)
	if err != nil {
		s.fail(v, err)
		return
	}
	for _, row := range rows {
		if row.Index != idx {
			continue
		}
		p, err := s.Log.ProveInclusion(v.ctx(), cp, idx)
		if err != nil {
			s.fail(v, err)
			return
		}
		v.w.Header().Set("Content-Type", "application/json")
		v.w.Header().Set("Content-Disposition", `attachment; filename="sluice-entry-`+strconv.FormatInt(idx, 10)+`.json"`)
		// The same answer as GET /v1/log/entries/{index}, which
		// auditlog.VerifyEntryProof checks offline.
		_ = json.NewEncoder(v.w).Encode(auditlog.EntryProof{Index: idx, Entry: row.Raw, Salt: row.Salt, Proof: p, Checkpoint: string(cp.Note)})
		return
	}
	s.fail(v, sluice.Errorf(sluice.ENOTFOUND, "not found"))
}

// handleVerify checks, on the server, the signature of the latest
// checkpoint and the inclusion of every visible entry in its tree.
func (s *Server) handleVerify(v *view) {
	cp, rows, err := s.visibleEntries(v, nil)
	if err != nil {
		s.fail(v, err)
		return
	}
	res := map[string]any{"Verified": true, "VerifiedCount": len(rows)}
	for _, row := range rows {
		if err := s.checkEntry(v.ctx(), cp, row); err != nil {
			res["Verified"], res["VerifyError"] = false, err.Error()
			s.logger().ErrorContext(v.ctx(), "console log verification failed", "index", row.Index, "err", err)
			break
		}
	}
	if cp == nil {
		res["Verified"] = false
	}
	s.renderLog(v, res)
}

func (s *Server) checkEntry(ctx context.Context, cp *auditlog.Checkpoint, row entryRow) error {
	p, err := s.Log.ProveInclusion(ctx, cp, row.Index)
	if err != nil {
		return err
	}
	return tlog.CheckRecord(p, cp.Size, cp.Root, row.Index, tlog.RecordHash(row.Leaf))
}

func (s *Server) handleSubjects(v *view) {
	if !s.allowed(v, sluice.RoleOwner, sluice.RoleAuditor) {
		return
	}
	s.render(v, "subjects", nil)
}

// handleSubjectLookup keys the identifier typed in (never stored or
// logged) and shows the logged events about that person the viewer may
// see, or sends them with their proofs for sluice verify --proof.
func (s *Server) handleSubjectLookup(v *view) {
	if !s.allowed(v, sluice.RoleOwner, sluice.RoleAuditor) {
		return
	}
	if s.Log == nil || s.Sharing == nil {
		s.fail(v, errNoService)
		return
	}
	key, err := s.Sharing.SubjectKey(v.key.OrgID, v.r.PostForm.Get("identifier"), "")
	if err != nil || key == "" {
		s.renderStatus(v.w, v.r, v, http.StatusBadRequest, "subjects", map[string]any{"Errors": map[string]string{"identifier": "err.identifier"}})
		return
	}
	visible, err := s.visibility(v)
	if err != nil {
		s.fail(v, err)
		return
	}
	p, err := s.Log.ProveSubjectEvents(v.ctx(), key, visible)
	if err != nil {
		s.fail(v, err)
		return
	}
	if v.r.PostForm.Get("download") != "" {
		v.w.Header().Set("Content-Type", "application/json")
		v.w.Header().Set("Content-Disposition", `attachment; filename="sluice-subject-proofs.json"`)
		_ = json.NewEncoder(v.w).Encode(p)
		return
	}
	type row struct {
		Index int64
		Event *sluice.Event
	}
	var rows []row
	for _, ep := range p.Events {
		e := &sluice.Event{}
		if json.Unmarshal(ep.Event, e) == nil {
			rows = append(rows, row{ep.Index, e})
		}
	}
	s.render(v, "subjects", map[string]any{"Looked": true, "Events": rows})
}

func (s *Server) handleReport(v *view) {
	if !s.allowed(v, sluice.RoleOwner, sluice.RoleAuditor) {
		return
	}
	ds, err := s.allDatasets(v)
	if err != nil {
		s.fail(v, err)
		return
	}
	gs, err := s.allGrants(v, sluice.GrantFilter{})
	if err != nil {
		s.fail(v, err)
		return
	}
	var ts []*sluice.Transfer
	if s.Transfers != nil {
		if ts, _, err = s.Transfers.FindTransfers(v.ctx(), sluice.TransferFilter{Limit: 1000}); err != nil {
			s.fail(v, err)
			return
		}
	}
	type sensitiveField struct{ Dataset, Field string }
	var sens []sensitiveField
	for _, d := range ds {
		for _, f := range d.Fields {
			if f.Sensitive {
				sens = append(sens, sensitiveField{d.Name, f.Name})
			}
		}
	}
	s.render(v, "report", map[string]any{"Datasets": ds, "Grants": gs, "Transfers": ts, "Sensitive": sens, "Date": s.now().Format("2006-01-02")})
}

func (s *Server) handleCatalog(v *view) {
	if v.supervisor() {
		s.svDatasets(v, "catalog")
		return
	}
	if s.catalogue() {
		items, err := s.Sharing.Catalogue(v.ctx())
		if err != nil {
			s.fail(v, err)
			return
		}
		s.render(v, "catalog", map[string]any{"Items": items, "CanRequest": v.key.Role == sluice.RoleConsumer})
		return
	}
	ds, err := s.allDatasets(v)
	if err != nil {
		s.fail(v, err)
		return
	}
	s.render(v, "catalog", map[string]any{"Datasets": ds})
}
