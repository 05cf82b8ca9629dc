package transfer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy/route"
)

// approvalOnFile reports whether t carries the approval its foreign
// authority recipient needs: the PRC authority's approval for data of a
// PRC region (DSL Art. 36, PIPL Art. 41), the international agreement for
// EU data (GDPR Art. 48).
func approvalOnFile(t *sluice.Transfer) bool {
	want := approvalKind(t.Region)
	return slices.ContainsFunc(t.Evidence, func(ev *sluice.TransferEvidence) bool { return ev.Kind == want })
}

func approvalKind(region sluice.Region) string {
	if region == "EU" {
		return sluice.EvidenceInternationalAgreement
	}
	return sluice.EvidenceAuthorityApproval
}

// attachApproval records the approval of a foreign court's or
// authority's request to transfer cur, as evidence (authority, reference,
// date, scope), and decides its route again with the approval on file: a
// transfer blocked for want of it then takes the route its other facts
// call for. The approval must be of the kind the data's region asks for
// and its scope must cover the transfer's country and personal-information
// categories and, where it names them, its recipient and purpose: the
// request proceeds only within its scope.
func (s *Service) attachApproval(ctx context.Context, cur *sluice.Transfer, ev *sluice.TransferEvidence) (*sluice.Transfer, error) {
	switch {
	case cur.RecipientKind != "foreign_judicial" && cur.RecipientKind != "foreign_law_enforcement":
		return nil, &sluice.Error{Code: sluice.EINVALID, Field: "kind", Message: fmt.Sprintf("kind: %s is for a transfer to a foreign court or authority; this one goes to a %s.", ev.Kind, orDefault(cur.RecipientKind, "company"))}
	case ev.Kind != approvalKind(cur.Region):
		return nil, &sluice.Error{Code: sluice.EINVALID, Field: "kind", Message: fmt.Sprintf("kind: data of region %s needs %s, not %s.", cur.Region, approvalKind(cur.Region), ev.Kind)}
	case ev.Scope == nil:
		return nil, &sluice.Error{Code: sluice.EINVALID, Field: "scope", Message: "scope: required: the countries and categories of personal information the approval covers."}
	case cur.Status != sluice.TransferBlocked && cur.Status != sluice.TransferAwaitingEvidence && cur.Status != sluice.TransferReady && cur.Status != sluice.TransferApproved:
		return nil, sluice.Errorf(sluice.ECONFLICT, "Transfer %d is %s.", cur.ID, cur.Status)
	}
	if ev.ValidTo != "" && ev.ValidTo < s.today().String() {
		return nil, &sluice.Error{Code: sluice.EINVALID, Field: "valid_to", Message: fmt.Sprintf("valid_to: the approval ran out on %s.", ev.ValidTo)}
	}
	cats, err := s.exportCategories(ctx, cur)
	if err != nil {
		return nil, err
	}
	if field, why := outsideScope(ev.Scope, cur, cats); field != "" {
		return nil, &sluice.Error{Code: sluice.EINVALID, Field: field, Message: "The approval " + why + "; the request proceeds only within its scope."}
	}
	date, err := route.ParseDate(cur.Date)
	if err != nil {
		return nil, err
	}
	ev.AttachedAt = s.now()
	today := s.today().String()
	t, err := s.Transfers.TransitionTransfer(ctx, cur.ID, func(t *sluice.Transfer) (*sluice.Event, error) {
		from := t.Status
		t.Evidence = append(t.Evidence, ev)
		dec, err := s.rules().Decide(s.input(t, &t.Facts, date), s.now())
		if err != nil {
			return nil, err
		}
		t.Decision = decisionOf(dec, s.rules(), &t.Facts)
		switch {
		case dec.Route.Blocked():
			t.Status = sluice.TransferBlocked
		case dec.Route.Ready():
			t.Status = sluice.TransferReady
		case from == sluice.TransferApproved:
			t.Status = sluice.TransferApproved
		default:
			t.Status = sluice.TransferAwaitingEvidence
		}
		t.ExpiresOn = evidenceEnd(t.Evidence)
		return &sluice.Event{
			Action:   sluice.ActionTransferEvidence,
			Decision: string(t.Status),
			Reason:   dec.Reasons[0].Rule + " (" + dec.Reasons[0].Ref + ")",
			Object:   map[string]any{"dataset": t.DatasetID},
			Details: map[string]any{"from": string(from), "kind": ev.Kind, "reference_sha256": sluice.TextHash(ev.Reference),
				"authority_sha256": sluice.TextHash(ev.Authority), "valid_from": ev.ValidFrom, "date": today, "route": string(dec.Route)},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	s.present(t)
	return t, nil
}

// outsideScope returns the first field of the transfer that scope does
// not cover, and why in words; "" when it covers it.
func outsideScope(sc *sluice.EvidenceScope, t *sluice.Transfer, cats []string) (field, why string) {
	if !slices.Contains(sc.Countries, t.DestinationCountry) {
		return "scope.countries", fmt.Sprintf("does not cover recipient country %s", t.DestinationCountry)
	}
	var missing []string
	for _, c := range cats {
		if !slices.Contains(sc.Categories, c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return "scope.categories", "does not cover the categories " + strings.Join(missing, ", ")
	}
	if len(sc.Recipients) > 0 && !slices.Contains(sc.Recipients, t.Recipient) {
		return "scope.recipients", "does not cover this recipient"
	}
	if len(sc.Purposes) > 0 && !slices.Contains(sc.Purposes, t.Purpose) {
		return "scope.purposes", "does not cover this purpose"
	}
	return "", ""
}
