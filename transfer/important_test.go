package transfer_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
	"github.com/sluice-gateway/sluice/supervise"
)

// TestImportantNotice_O16Art2 checks notified important data on each
// engine: data that no authority notified or published as important need
// not be declared as important (O16 Art. 2; NDSR Art. 37), so a dataset of
// general fields leaves under the small-volume exemption; once an owner
// records the authority's notice, every transfer of it is one of
// important data (security assessment, O16 Art. 7) whose reasons cite the
// notice, an export of an earlier transfer is refused, and clearing the
// notice restores the exemption. Owners act; auditors read.
func TestImportantNotice_O16Art2(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) { testImportantNotice(t, engine) })
	}
}

func testImportantNotice(t *testing.T, engine testenv.Engine) {
	e := testenv.New(t, testenv.Options{Engine: engine})
	ts := &transferServer{Env: e, t: t, clock: e.Clock, events: e.Stores.Events, store: e.Stores.Transfers}
	org := &sluice.Org{Name: "cn-grid", Region: "CN", Sector: "energy"}
	owner := ts.key(org, sluice.RoleOwner)
	auditor := ts.key(org, sluice.RoleAuditor)
	d := ts.dataset(owner, "meters", 0, 50, "phone", "city")
	req := sluice.TransferRequest{Fields: []string{"phone", "city"}, DestinationCountry: "SG", Recipient: "Acme Pte", LegalBasis: sluice.LegalBasisContract}

	before := ts.transfer(owner, d, req)
	if before.Decision.Route != "EXEMPT" || before.Facts.ImportantNotice != nil {
		t.Fatalf("before the notice: %s %+v", before.Decision.Route, before.Decision.Reasons)
	}

	path := fmt.Sprintf("/v1/datasets/%d/important", d.ID)
	notice := map[string]string{"notice": "GD-CAC-2026-17", "authority": "Guangdong CAC", "date": "2026-03-01"}
	wantError(t, ts.do("PUT", path, auditor, notice), 403, "")
	wantError(t, ts.do("PUT", path, owner, map[string]string{"notice": "x", "authority": "y", "date": "1 March"}), 400, "date")
	wantError(t, ts.do("PUT", path, owner, map[string]string{"authority": "y", "date": "2026-03-01"}), 400, "notice")
	wantError(t, ts.do("GET", path, owner, nil), 404, "")
	var n sluice.ImportantNotice
	want(t, ts.do("PUT", path, owner, notice), 200).Decode(t, &n)
	if n.DatasetID != d.ID || n.Notice != "GD-CAC-2026-17" || n.UpdatedAt.IsZero() {
		t.Fatalf("notice: %+v", n)
	}
	var got sluice.Dataset
	want(t, ts.do("GET", fmt.Sprintf("/v1/datasets/%d", d.ID), auditor, nil), 200).Decode(t, &got)
	if got.ImportantNotice == nil || got.ImportantNotice.Authority != "Guangdong CAC" || got.ImportantNotice.Date != "2026-03-01" {
		t.Fatalf("dataset JSON: %+v", got.ImportantNotice)
	}
	want(t, ts.do("GET", path, auditor, nil), 200)
	// A supervisor of the region reads the notice on the dataset (as
	// GET /v1/supervisor/datasets/{id} does), and may not record one.
	sup, err := e.Stores.Keys.CreateKey(t.Context(), &sluice.APIKey{Role: sluice.RoleSupervisor, Regions: []sluice.Region{"CN"}})
	if err != nil {
		t.Fatal(err)
	}
	sv := &supervise.Service{Orgs: e.Stores.Orgs, Datasets: e.Stores.Datasets, Grants: e.Stores.Grants, Transfers: e.Transfers, Events: e.Stores.Events}
	supCtx := sluice.NewContextWithActor(t.Context(), &sluice.Actor{Role: sluice.RoleSupervisor, Regions: []sluice.Region{"CN"}, Key: "sup"})
	if seen, _, err := sv.Dataset(supCtx, d.ID); err != nil || seen.ImportantNotice == nil || seen.ImportantNotice.Notice != "GD-CAC-2026-17" {
		t.Fatalf("supervisor's view: %+v (%v)", seen, err)
	}
	wantError(t, ts.do("PUT", path, sup, notice), 403, "")
	if evs := ts.eventsOf(sluice.ActionImportantNotify); len(evs) != 1 || evs[0].Details["notice"] != "GD-CAC-2026-17" || evs[0].Reason != "O16 Art. 2; NDSR Art. 37" {
		t.Fatalf("notify events: %+v", evs)
	}

	after := ts.transfer(owner, d, req)
	if after.Decision.Route != "SECURITY_ASSESSMENT" || after.Decision.Reasons[0].Rule != "cn.o16.important" ||
		after.Facts.ImportantNotice == nil || after.Facts.Grade != sluice.GradeImportant {
		t.Fatalf("after the notice: %s %+v facts %+v", after.Decision.Route, after.Decision.Reasons, after.Facts)
	}
	cited := false
	for _, r := range after.Decision.Reasons {
		cited = cited || r.Rule == "cn.notified_important" && strings.Contains(r.Ref, "O16 Art. 2") && strings.Contains(r.Ref, "GD-CAC-2026-17")
	}
	if !cited {
		t.Fatalf("reasons do not cite the notice: %+v", after.Decision.Reasons)
	}
	// The transfer decided before the notice may not export now.
	wantError(t, ts.export(owner, before.ID, ""), 409, "")

	wantError(t, ts.do("DELETE", path, auditor, nil), 403, "")
	want(t, ts.do("DELETE", path, owner, nil), 204)
	wantError(t, ts.do("DELETE", path, owner, nil), 404, "")
	if evs := ts.eventsOf(sluice.ActionImportantClear); len(evs) != 1 {
		t.Fatalf("clear events: %+v", evs)
	}
	if again := ts.transfer(owner, d, req); again.Decision.Route != "EXEMPT" || again.Facts.ImportantNotice != nil {
		t.Fatalf("after clearing: %s", again.Decision.Route)
	}
}
