package transfer_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// TestTransfers_EndToEnd drives the transfer capability over real HTTP:
// a CN org exports 60,000 people's personal information (exempt), then
// 50,000 more of whom 10,000 overlap (the counter reaches 100,000
// distinct people: standard contract), files the contract and exports; a
// dataset with an important field needs an assessment; a core field is
// blocked; an EU org may send to an adequate country and needs SCCs for
// another.
func TestTransfers_EndToEnd(t *testing.T) {
	ts := newTransferServer(t)
	cn := &sluice.Org{Name: "cn-rides", Region: "CN", Sector: "transport"}
	cnKey := ts.key(cn, sluice.RoleOwner)
	eu := &sluice.Org{Name: "eu-shop", Region: "EU"}
	euKey := ts.key(eu, sluice.RoleOwner)

	a := ts.dataset(cnKey, "riders-a", 0, 60000, "phone", "name", "city")
	b := ts.dataset(cnKey, "riders-b", 50000, 100000, "phone", "name", "city")

	// 60,000 people, exempt.
	first := ts.transfer(cnKey, a, sluice.TransferRequest{
		Fields: []string{"phone", "name"}, DestinationCountry: "US", Recipient: "Acme Travel Inc.", LegalBasis: sluice.LegalBasisContract,
	})
	if first.Status != sluice.TransferReady || first.Decision.Route != "EXEMPT" || first.Decision.Reasons[0].Rule != "cn.o16.small" {
		t.Fatalf("first transfer: %s %s %+v", first.Status, first.Decision.Route, first.Decision.Reasons)
	}
	if f := first.Facts; f.Records != 60000 || f.Subjects != 60000 || f.PISubjects != 60000 || f.SPISubjects != 0 || f.YTD.PI != 60000 || f.WindowFrom != "2026-01-01" {
		t.Fatalf("first facts: %+v", f)
	}
	r := want(t, ts.export(cnKey, first.ID, "format=csv"), 200)
	header, rows := csvRows(t, r.Body)
	if !slices.Equal(header, []string{"phone", "name"}) || len(rows) != 60000 || rows[0][0] != "13900000000" || rows[59999][1] != "Person 59999" {
		t.Fatalf("first export: header %v, %d rows, first %v", header, len(rows), rows[0])
	}
	if r.Header.Get("Sluice-Records") != "60000" || r.Header.Get("Sluice-Withheld") != "0" || r.Header.Get("Sluice-Subjects") != "60000" {
		t.Fatalf("first export headers: %v", r.Header)
	}
	idx, _ := strconv.ParseInt(r.Header.Get("Sluice-Audit-Entry"), 10, 64)
	if e := ts.event(idx); e.Action != sluice.ActionTransferExport || e.SubjectSet == nil || e.SubjectSet.Count != 60000 ||
		e.SubjectSet.Root != r.Header.Get("Sluice-Subject-Root") || e.Decision != "EXEMPT" {
		t.Fatalf("export event %d: %+v", idx, e)
	}
	v := ts.counters(cnKey)
	if pi := v.Counters[0]; pi.Counter != "pi" || pi.Count != 60000 || pi.Headroom == nil || *pi.Headroom != 40000 || pi.NextRoute != "SCC_OR_CERT" {
		t.Fatalf("counters after the first export: %+v", v.Counters[0])
	}
	if spi := v.Counters[1]; spi.Count != 0 || spi.Headroom == nil || *spi.Headroom != 1 {
		t.Fatalf("spi counter: %+v", spi)
	}

	// 50,000 more, 10,000 of them exported already: 100,000 distinct.
	second := ts.transfer(cnKey, b, sluice.TransferRequest{
		Fields: []string{"phone", "city"}, DestinationCountry: "US", Recipient: "Acme Travel Inc.", LegalBasis: sluice.LegalBasisContract,
	})
	if second.Status != sluice.TransferAwaitingEvidence || second.Decision.Route != "SCC_OR_CERT" || second.Facts.YTD.PI != 100000 || second.Facts.Subjects != 50000 {
		t.Fatalf("second transfer: %s %s ytd %+v subjects %d", second.Status, second.Decision.Route, second.Facts.YTD, second.Facts.Subjects)
	}
	if !second.Decision.Needs("cn.scc.filing") {
		t.Fatalf("second transfer does not ask for the filing: %+v", second.Decision.Requires)
	}
	wantError(t, ts.export(cnKey, second.ID, ""), 409, "")
	var approved sluice.Transfer
	want(t, ts.do("POST", fmt.Sprintf("/v1/transfers/%d/evidence", second.ID), cnKey, sluice.TransferEvidence{
		Kind: sluice.EvidenceSCCFiling, Reference: "沪网信备〔2026〕0042", ValidFrom: "2026-02-23", FiledOn: "2026-03-02",
	}), 200).Decode(t, &approved)
	if approved.Status != sluice.TransferApproved || len(approved.Evidence) != 1 || approved.Evidence[0].FilingDue != "2026-03-06" || approved.Evidence[0].Late {
		t.Fatalf("after the filing: %s %+v", approved.Status, approved.Evidence)
	}
	r = want(t, ts.export(cnKey, second.ID, "format=jsonl&fields=phone"), 200)
	if n := slices.Index(r.Body, '\n'); n < 0 || string(r.Body[:n]) != `{"phone":"13900050000"}` || r.Header.Get("Sluice-Records") != "50000" {
		t.Fatalf("second export: %.80s… (%s records)", r.Body, r.Header.Get("Sluice-Records"))
	}
	v = ts.counters(cnKey)
	if pi := v.Counters[0]; pi.Count != 100000 || pi.Headroom == nil || *pi.Headroom != 900000 || pi.NextRoute != "SECURITY_ASSESSMENT" ||
		!pi.Limits[len(pi.Limits)-1].Reached {
		t.Fatalf("counters after the second export: %+v", pi)
	}
	if got, _ := ts.store.TransferCounts(t.Context(), cn.ID, 2026); got.PI != 100000 {
		t.Fatalf("stored counter %d, want 100000", got.PI)
	}

	// An important field needs an assessment; a core field is blocked.
	c := ts.dataset(cnKey, "routes", 0, 50, "phone", "route")
	imp := ts.transfer(cnKey, c, sluice.TransferRequest{Fields: []string{"phone", "route"}, DestinationCountry: "SG", Recipient: "Acme Logistics Pte", LegalBasis: sluice.LegalBasisContract})
	if imp.Status != sluice.TransferAwaitingEvidence || imp.Decision.Route != "SECURITY_ASSESSMENT" || imp.Decision.Reasons[0].Rule != "cn.o16.important" ||
		!slices.Equal(imp.Facts.ImportantFields, []string{"route"}) {
		t.Fatalf("important: %s %s %+v", imp.Status, imp.Decision.Route, imp.Decision.Reasons)
	}
	var assessed sluice.Transfer
	want(t, ts.do("POST", fmt.Sprintf("/v1/transfers/%d/evidence", imp.ID), cnKey, sluice.TransferEvidence{
		Kind: sluice.EvidenceAssessment, Reference: "CAC-SA-2026-7", ValidFrom: "2026-03-02",
	}), 200).Decode(t, &assessed)
	if ev := assessed.Evidence[0]; assessed.Status != sluice.TransferApproved || ev.ValidTo != "2029-03-01" || ev.RenewFrom == "" || assessed.ExpiresOn != "2029-03-01" {
		t.Fatalf("assessment: %s %+v", assessed.Status, ev)
	}
	d := ts.dataset(cnKey, "plant", 0, 5, "phone", "reactor")
	core := ts.transfer(cnKey, d, sluice.TransferRequest{Fields: []string{"reactor"}, DestinationCountry: "DE", Recipient: "Acme GmbH", LegalBasis: sluice.LegalBasisContract})
	if core.Status != sluice.TransferBlocked || core.Decision.Route != "BLOCK" || core.Decision.Reasons[0].Rule != "cn.core" {
		t.Fatalf("core: %s %s", core.Status, core.Decision.Route)
	}
	wantError(t, ts.export(cnKey, core.ID, ""), 409, "")
	wantError(t, ts.do("POST", fmt.Sprintf("/v1/transfers/%d/evidence", core.ID), cnKey, sluice.TransferEvidence{
		Kind: sluice.EvidenceAssessment, Reference: "x", ValidFrom: "2026-03-02"}), 409, "")

	// EU: adequacy allows, elsewhere SCCs.
	e := ts.dataset(euKey, "customers", 0, 20, "phone", "name")
	jp := ts.transfer(euKey, e, sluice.TransferRequest{Fields: []string{"name"}, DestinationCountry: "JP", Recipient: "Acme KK"})
	if jp.Status != sluice.TransferReady || jp.Decision.Route != "ADEQUACY" {
		t.Fatalf("EU to JP: %s %s", jp.Status, jp.Decision.Route)
	}
	if _, rows := csvRows(t, want(t, ts.export(euKey, jp.ID, ""), 200).Body); len(rows) != 20 {
		t.Fatalf("EU to JP exported %d rows", len(rows))
	}
	in := ts.transfer(euKey, e, sluice.TransferRequest{Fields: []string{"name"}, DestinationCountry: "IN", Recipient: "Acme Pvt Ltd"})
	if in.Status != sluice.TransferAwaitingEvidence || in.Decision.Route != "SCC_OR_BCR" {
		t.Fatalf("EU to IN: %s %s", in.Status, in.Decision.Route)
	}
	wantError(t, ts.export(euKey, in.ID, ""), 409, "")
	want(t, ts.do("POST", fmt.Sprintf("/v1/transfers/%d/evidence", in.ID), euKey, sluice.TransferEvidence{
		Kind: sluice.EvidenceSCC, Reference: "SCC module 1, signed", ValidFrom: "2026-02-01"}), 200)
	want(t, ts.export(euKey, in.ID, "format=jsonl"), 200)

	// Every transition is an audit entry.
	if n := len(ts.eventsOf(sluice.ActionTransferCreate)); n != 6 {
		t.Errorf("%d transfer.create events, want 6", n)
	}
	if n := len(ts.eventsOf(sluice.ActionTransferEvidence)); n != 3 {
		t.Errorf("%d transfer.evidence events, want 3", n)
	}
	if n := len(ts.eventsOf(sluice.ActionTransferExport)); n != 4 {
		t.Errorf("%d transfer.export events, want 4", n)
	}
}
