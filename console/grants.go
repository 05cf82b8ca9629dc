package console

import (
	"context"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/workday"
)

// grantRow is a grant with its parties' names.
type grantRow struct {
	*sluice.Grant
	Owner, Consumer string
	Status          sluice.GrantStatus
	CanDecide       bool // the viewer owns the dataset and the grant is pending
	CanRevoke       bool
	Due             string // a pending request's answer deadline (owner's working days)
	Overdue         bool
	Class           string // the dataset's sharing class, when the catalogue shows it
	Conditions      string // the conditions the catalogue attaches to the sharing
}

func (s *Server) orgName(ctx context.Context, id int64, cache map[int64]string) string {
	if n, ok := cache[id]; ok {
		return n
	}
	n := "#" + strconv.FormatInt(id, 10)
	if s.Orgs != nil {
		if o, err := s.Orgs.FindOrgByID(ctx, id); err == nil {
			n = o.Name
		}
	}
	cache[id] = n
	return n
}

func (s *Server) handleGrants(v *view) {
	if v.supervisor() {
		s.svGrants(v)
		return
	}
	s.renderGrants(v, nil, nil)
}

// renderGrants shows the grants the viewer may see, and the request form
// for a consumer; errs are the request form's errors by field.
func (s *Server) renderGrants(v *view, errs map[string]string, form map[string]string) {
	if s.Sharing == nil {
		s.fail(v, errNoService)
		return
	}
	gs, err := s.allGrants(v, sluice.GrantFilter{})
	if err != nil {
		s.fail(v, err)
		return
	}
	names := map[int64]string{}
	now := s.now()
	entries := map[int64]*sluice.CatalogEntry{}
	if s.catalogue() {
		items, err := s.Sharing.Catalogue(v.ctx())
		if err != nil {
			s.fail(v, err)
			return
		}
		for _, it := range items {
			entries[it.Dataset] = it.Entry
		}
	}
	rows := make([]grantRow, len(gs))
	for i, g := range gs {
		st := g.EffectiveStatus(now)
		mine := v.key.Org != nil && v.key.Org.ID == g.OwnerOrgID
		rows[i] = grantRow{Grant: g, Owner: s.orgName(v.ctx(), g.OwnerOrgID, names), Consumer: s.orgName(v.ctx(), g.ConsumerOrgID, names), Status: st,
			CanDecide: mine && v.key.Role == sluice.RoleOwner && st == sluice.GrantPending,
			CanRevoke: v.key.Role != sluice.RoleAuditor && (st == sluice.GrantApproved || st == sluice.GrantPending)}
		if e := entries[g.DatasetID]; e != nil {
			rows[i].Class, rows[i].Conditions = e.Sharing, e.Conditions
		}
		if st == sluice.GrantPending && s.Orgs != nil {
			owner, _ := s.Orgs.FindOrgByID(v.ctx(), g.OwnerOrgID)
			due, _ := workday.AddWorkingDays(g.CreatedAt, owner.AnswerDeadline())
			rows[i].Due, rows[i].Overdue = due.Format("2006-01-02"), now.After(due)
		}
	}
	status := 200
	if len(errs) > 0 {
		status = 400
	}
	if form == nil && v.r.URL.Query().Get("dataset") != "" {
		form = map[string]string{"dataset": v.r.URL.Query().Get("dataset")}
	}
	s.renderStatus(v.w, v.r, v, status, "grants", map[string]any{
		"Grants": rows, "Errors": errs, "Form": form, "CanRequest": v.key.Role == sluice.RoleConsumer,
	})
}

// handleGrantRequest files a grant request from the form, or shows the
// form again with the errors next to its fields.
func (s *Server) handleGrantRequest(v *view) {
	if !s.allowed(v, sluice.RoleConsumer) {
		return
	}
	f := v.r.PostForm
	form := map[string]string{}
	for _, k := range []string{"dataset", "fields", "purpose", "legal_basis", "justification", "duration_days"} {
		form[k] = f.Get(k)
	}
	errs := map[string]string{}
	ds, err := strconv.ParseInt(strings.TrimSpace(form["dataset"]), 10, 64)
	if err != nil || ds <= 0 {
		errs["dataset"] = "err.number"
	}
	days, err := strconv.Atoi(strings.TrimSpace(form["duration_days"]))
	if err != nil || days < 1 || days > sluice.MaxGrantDays {
		errs["duration_days"] = "err.days"
	}
	fields := strings.FieldsFunc(form["fields"], func(r rune) bool { return r == ',' || r == ' ' })
	if len(fields) == 0 {
		errs["fields"] = "err.required"
	}
	if strings.TrimSpace(form["purpose"]) == "" {
		errs["purpose"] = "err.required"
	}
	if strings.TrimSpace(form["justification"]) == "" {
		errs["justification"] = "err.required"
	}
	if len(errs) > 0 {
		s.renderGrants(v, errs, form)
		return
	}
	g := &sluice.Grant{DatasetID: ds, RequestedFields: fields, Purpose: strings.TrimSpace(form["purpose"]), LegalBasis: strings.TrimSpace(form["legal_basis"]),
		Justification: strings.TrimSpace(form["justification"]), DurationDays: days}
	if err := s.Sharing.CreateGrant(v.ctx(), g); err != nil {
		switch sluice.ErrorCode(err) {
		case sluice.EINVALID, sluice.ENOTFOUND, sluice.EFORBIDDEN, sluice.ECONFLICT:
			field := "dataset"
			var e *sluice.Error
			if ee, ok := err.(*sluice.Error); ok {
				e = ee
			}
			if e != nil && e.Field != "" {
				field = "fields"
			}
			errs[field] = sluice.ErrorMessage(err)
			s.renderGrants(v, errs, form)
		default:
			s.fail(v, err)
		}
		return
	}
	seeOther(v, "/ui/grants")
}

// handleGrantAction approves, denies or revokes a grant.
func (s *Server) handleGrantAction(v *view) {
	if s.Sharing == nil {
		s.fail(v, errNoService)
		return
	}
	id, err := pathInt(v, "id")
	if err != nil {
		s.fail(v, err)
		return
	}
	reason := strings.TrimSpace(v.r.PostForm.Get("reason"))
	switch v.r.PathValue("action") {
	case "approve":
		if !s.allowed(v, sluice.RoleOwner) {
			return
		}
		a := sluice.GrantApproval{RiskAssessmentRef: strings.TrimSpace(v.r.PostForm.Get("risk_assessment_ref"))}
		_, err = s.Sharing.ApproveGrant(v.ctx(), id, a, 0)
	case "deny":
		if !s.allowed(v, sluice.RoleOwner) {
			return
		}
		_, err = s.Sharing.DenyGrant(v.ctx(), id, reason)
	case "revoke":
		if !s.allowed(v, sluice.RoleOwner, sluice.RoleConsumer) {
			return
		}
		_, err = s.Sharing.RevokeGrant(v.ctx(), id, reason)
	default:
		s.fail(v, sluice.Errorf(sluice.ENOTFOUND, "not found"))
		return
	}
	if err != nil {
		s.fail(v, err)
		return
	}
	seeOther(v, "/ui/grants")
}

func (s *Server) handleTransfers(v *view) {
	if v.supervisor() {
		s.svTransfers(v)
		return
	}
	if !s.allowed(v, sluice.RoleOwner, sluice.RoleAuditor) {
		return
	}
	if s.Transfers == nil {
		s.fail(v, errNoService)
		return
	}
	ts, _, err := s.Transfers.FindTransfers(v.ctx(), sluice.TransferFilter{Limit: 1000})
	if err != nil {
		s.fail(v, err)
		return
	}
	s.render(v, "transfers", map[string]any{"Transfers": ts})
}
