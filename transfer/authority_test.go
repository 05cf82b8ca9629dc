package transfer_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// TestTransferService_ForeignAuthorityDSLArt36 checks a transfer to a
// foreign court: blocked until the competent PRC authority's approval is
// on file (DSL Art. 36, PIPL Art. 41); the approval is recorded as
// evidence (authority, reference, date, scope), refused when its scope
// does not cover the transfer or when it is of the EU kind (GDPR Art. 48's
// international agreement), and once on file the transfer takes the route
// its other facts call for.
func TestTransferService_ForeignAuthorityDSLArt36(t *testing.T) {
	ts := newTransferServer(t)
	key := ts.key(&sluice.Org{Name: "cn-bank", Region: "CN"}, sluice.RoleOwner)
	d := ts.dataset(key, "accounts", 0, 5, "phone")
	tr := ts.transfer(key, d, sluice.TransferRequest{Fields: []string{"phone"}, DestinationCountry: "US", Recipient: "US District Court",
		RecipientKind: "foreign_judicial", LegalBasis: "other_law"})
	if tr.Status != sluice.TransferBlocked || tr.Decision.Reasons[0].Rule != "cn.foreign_authority" {
		t.Fatalf("without approval: %s by %s", tr.Status, tr.Decision.Reasons[0].Rule)
	}
	attach := func(ev sluice.TransferEvidence) *response {
		return ts.do("POST", fmt.Sprintf("/v1/transfers/%d/evidence", tr.ID), key, ev)
	}
	scope := &sluice.EvidenceScope{Countries: []string{"US"}, Categories: []string{"user.contact.phone_number"}}
	e := want(t, attach(sluice.TransferEvidence{Kind: "authority_approval", Authority: "Ministry of Justice", Reference: "MOJ-2026-7", ValidFrom: "2026-02-20",
		Scope: &sluice.EvidenceScope{Countries: []string{"GB"}, Categories: scope.Categories}}), 400).Error(t)
	if e.Field != "scope.countries" {
		t.Errorf("approval for another country: %+v", e)
	}
	want(t, attach(sluice.TransferEvidence{Kind: "international_agreement", Authority: "US-PRC MLAA", Reference: "A-1", ValidFrom: "2026-02-20", Scope: scope}), 400)
	want(t, attach(sluice.TransferEvidence{Kind: "authority_approval", Reference: "MOJ-2026-7", ValidFrom: "2026-02-20", Scope: scope}), 400)

	var got sluice.Transfer
	want(t, attach(sluice.TransferEvidence{Kind: "authority_approval", Authority: "Ministry of Justice", Reference: "MOJ-2026-7", ValidFrom: "2026-02-20", Scope: scope}), 200).Decode(t, &got)
	if got.Status == sluice.TransferBlocked || got.Decision.Reasons[0].Rule == "cn.foreign_authority" {
		t.Fatalf("with approval: %s by %s", got.Status, got.Decision.Reasons[0].Rule)
	}
	if ev := got.Evidence[len(got.Evidence)-1]; ev.Authority != "Ministry of Justice" || ev.Kind != "authority_approval" {
		t.Errorf("approval not kept as evidence: %+v", ev)
	}
	if strings.Contains(got.Decision.Route, "BLOCK") {
		t.Errorf("route %s", got.Decision.Route)
	}
}
