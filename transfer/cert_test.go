package transfer_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// TestTransferService_CertificationPIPLArt38 checks a personal-information
// protection certification used as the route of a transfer (PIPL Art.
// 38(1)(2)): it holds 3 years from issue unless it states less, so an
// older one is refused with the date it expired; its scope must cover the
// recipient country and each category of personal information exported,
// and a mismatch is refused naming the scope field.
func TestTransferService_CertificationPIPLArt38(t *testing.T) {
	ts := newTransferServer(t) // today is 2026-03-01
	key := ts.key(&sluice.Org{Name: "cn-clinic", Region: "CN"}, sluice.RoleOwner)
	d := ts.dataset(key, "patients", 0, 5, "phone", "diagnosis")
	tr := ts.transfer(key, d, sluice.TransferRequest{Fields: []string{"phone", "diagnosis"}, DestinationCountry: "US", Recipient: "Acme", LegalBasis: "contract"})
	if tr.Decision.Route != "SCC_OR_CERT" {
		t.Fatalf("route %s", tr.Decision.Route)
	}
	attach := func(ev sluice.TransferEvidence) *response {
		return ts.do("POST", fmt.Sprintf("/v1/transfers/%d/evidence", tr.ID), key, ev)
	}
	scope := func(countries ...string) *sluice.EvidenceScope {
		return &sluice.EvidenceScope{Countries: countries, Categories: []string{"user.contact.phone_number", "user.health_and_medical"}}
	}

	// Issued 2023-01-02: valid to 2026-01-01, expired on 2026-01-02.
	e := want(t, attach(sluice.TransferEvidence{Kind: "certification", Reference: "C-1", ValidFrom: "2023-01-02", Scope: scope("US")}), 400).Error(t)
	if e.Field != "valid_to" || !strings.Contains(e.Message, "2026-01-01") || !strings.Contains(e.Message, "expired on 2026-01-02") {
		t.Errorf("expired certificate: %+v", e)
	}
	// In date, but for Japan only.
	e = want(t, attach(sluice.TransferEvidence{Kind: "certification", Reference: "C-2", ValidFrom: "2025-06-01", Scope: scope("JP")}), 400).Error(t)
	if e.Field != "scope.countries" || !strings.Contains(e.Message, "US") {
		t.Errorf("country outside scope: %+v", e)
	}
	// In date, but not for health data.
	e = want(t, attach(sluice.TransferEvidence{Kind: "certification", Reference: "C-3", ValidFrom: "2025-06-01",
		Scope: &sluice.EvidenceScope{Countries: []string{"US"}, Categories: []string{"user.contact.phone_number"}}}), 400).Error(t)
	if e.Field != "scope.categories" || !strings.Contains(e.Message, "user.health_and_medical") {
		t.Errorf("category outside scope: %+v", e)
	}
	// Longer than the law allows.
	want(t, attach(sluice.TransferEvidence{Kind: "certification", Reference: "C-4", ValidFrom: "2025-06-01", ValidTo: "2029-01-01", Scope: scope("US")}), 400)

	// Within validity and scope: approved until the last valid day.
	var got sluice.Transfer
	want(t, attach(sluice.TransferEvidence{Kind: "certification", Reference: "C-5", ValidFrom: "2025-06-01", Scope: scope("US", "JP")}), 200).Decode(t, &got)
	if got.Status != sluice.TransferApproved || got.ExpiresOn != "2028-05-31" {
		t.Errorf("certificate in scope: %s, expires %s", got.Status, got.ExpiresOn)
	}
}
