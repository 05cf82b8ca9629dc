package transfer_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy/route"
	"github.com/sluice-gateway/sluice/transfer"
)

func TestTransferService_CreateTransfer(t *testing.T) {
	ts := newTransferServer(t)
	cn := &sluice.Org{Name: "cn-rides", Region: "CN"}
	cnKey := ts.key(cn, sluice.RoleOwner)
	other := &sluice.Org{Name: "cn-bank", Region: "CN"}
	otherKey := ts.key(other, sluice.RoleOwner)
	consumerKey := ts.key(other, sluice.RoleConsumer)
	eu := &sluice.Org{Name: "eu-shop", Region: "EU"}
	euKey := ts.key(eu, sluice.RoleOwner)
	d := ts.dataset(cnKey, "trips", 0, 10, "phone", "name")
	e := ts.dataset(euKey, "customers", 0, 3, "phone", "name")
	ok := func(mod func(r *sluice.TransferRequest)) map[string]any {
		r := sluice.TransferRequest{Dataset: d.ID, Fields: []string{"phone"}, DestinationCountry: "US", Recipient: "Acme", LegalBasis: "contract"}
		mod(&r)
		return map[string]any{"dataset": r.Dataset, "fields": r.Fields, "destination_country": r.DestinationCountry, "recipient": r.Recipient,
			"exemption": r.Exemption, "justification": r.Justification, "legal_basis": r.LegalBasis, "date": r.Date}
	}

	t.Run("OKExemptFacts", func(t *testing.T) {
		tr := ts.transfer(cnKey, d, sluice.TransferRequest{Fields: []string{"phone", "name"}, DestinationCountry: "US", Recipient: "Acme", LegalBasis: "contract"})
		if tr.Status != sluice.TransferReady || tr.ThroughRecord == 0 || tr.Facts.Records != 10 || tr.Facts.Subjects != 10 || tr.Facts.YTD.PI != 10 ||
			tr.Purpose != "rides" || tr.Exemption != "none" || tr.RecipientKind != "company" || tr.Date != "2026-03-02" {
			t.Fatalf("got %+v", tr)
		}
		// The exporter's word about its flags counts for nothing: the
		// request has no place for them, and an unknown field is refused.
		wantError(t, ts.do("POST", "/v1/transfers", cnKey, `{"dataset":1,"fields":["phone"],"destination_country":"US","recipient":"Acme","ciio":false}`), 400, "")
	})
	t.Run("OKDateUnder2022Rules", func(t *testing.T) {
		tr := ts.transfer(cnKey, d, sluice.TransferRequest{Fields: []string{"phone"}, DestinationCountry: "US", Recipient: "Acme", LegalBasis: "contract", Date: "2023-06-01"})
		if tr.Decision.Route != "SCC_OR_CERT" || tr.Facts.WindowFrom != "2022-01-01" || tr.Facts.SincePrevYear == nil || tr.Facts.SincePrevYear.PI != 10 {
			t.Fatalf("2023 transfer: %s window %s prev %+v", tr.Decision.Route, tr.Facts.WindowFrom, tr.Facts.SincePrevYear)
		}
	})
	t.Run("OKCIIOFromTheStore", func(t *testing.T) {
		ciio := &sluice.Org{Name: "cn-grid", Region: "CN", CIIO: true}
		key := ts.key(ciio, sluice.RoleOwner)
		g := ts.dataset(key, "meters", 0, 3, "phone")
		tr := ts.transfer(key, g, sluice.TransferRequest{Fields: []string{"phone"}, DestinationCountry: "US", Recipient: "Acme", LegalBasis: "contract"})
		if tr.Decision.Route != "SECURITY_ASSESSMENT" || tr.Decision.Reasons[0].Rule != "cn.o16.ciio" || !tr.Facts.CIIO {
			t.Fatalf("CIIO: %s %+v", tr.Decision.Route, tr.Decision.Reasons)
		}
	})
	for _, tc := range []struct {
		name   string
		key    string
		body   any
		status int
		field  string
	}{
		{"ErrUnknownCountry", cnKey, ok(func(r *sluice.TransferRequest) { r.DestinationCountry = "ZZ" }), 400, "destination_country"},
		{"ErrLowerCaseCountry", cnKey, ok(func(r *sluice.TransferRequest) { r.DestinationCountry = "us" }), 400, "destination_country"},
		{"ErrDomesticCountry", cnKey, ok(func(r *sluice.TransferRequest) { r.DestinationCountry = "CN" }), 400, "destination_country"},
		{"ErrUnknownExemption", cnKey, ok(func(r *sluice.TransferRequest) { r.Exemption, r.Justification = "charity", "because" }), 400, "exemption"},
		{"ErrExemptionWithoutJustification", cnKey, ok(func(r *sluice.TransferRequest) { r.Exemption = "hr" }), 400, "justification"},
		{"ErrFutureDate", cnKey, ok(func(r *sluice.TransferRequest) { r.Date = "2026-03-05" }), 400, "date"},
		{"ErrBeforeTheLaw", cnKey, ok(func(r *sluice.TransferRequest) { r.Date = "2022-08-31" }), 400, "date"},
		{"ErrNotADate", cnKey, ok(func(r *sluice.TransferRequest) { r.Date = "2026-02-30" }), 400, "date"},
		{"ErrUnknownField", cnKey, ok(func(r *sluice.TransferRequest) { r.Fields = []string{"phone", "salary"} }), 400, "fields"},
		{"ErrNoFields", cnKey, ok(func(r *sluice.TransferRequest) { r.Fields = nil }), 400, "fields"},
		{"ErrUnknownLegalBasis", cnKey, ok(func(r *sluice.TransferRequest) { r.LegalBasis = "whim" }), 400, "legal_basis"},
		{"ErrEUHasNoExemptions", euKey, ok(func(r *sluice.TransferRequest) { r.Dataset, r.Exemption, r.Justification = e.ID, "trade", "x" }), 400, "exemption"},
		{"ErrOtherOrgsDataset", otherKey, ok(func(*sluice.TransferRequest) {}), 404, ""},
		{"ErrConsumerKey", consumerKey, ok(func(*sluice.TransferRequest) {}), 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, ts.do("POST", "/v1/transfers", tc.key, tc.body), tc.status, tc.field)
		})
	}
}

func TestTransferService_AttachEvidence(t *testing.T) {
	ts := newTransferServer(t)
	cn := &sluice.Org{Name: "cn-clinic", Region: "CN"}
	key := ts.key(cn, sluice.RoleOwner)
	d := ts.dataset(key, "patients", 0, 5, "phone", "diagnosis", "route")
	scc := ts.transfer(key, d, sluice.TransferRequest{Fields: []string{"phone", "diagnosis"}, DestinationCountry: "US", Recipient: "Acme", LegalBasis: "contract"})
	sa := ts.transfer(key, d, sluice.TransferRequest{Fields: []string{"route"}, DestinationCountry: "US", Recipient: "Acme", LegalBasis: "contract"})
	exempt := ts.dataset(key, "staff", 0, 3, "phone")
	ready := ts.transfer(key, exempt, sluice.TransferRequest{Fields: []string{"phone"}, DestinationCountry: "US", Recipient: "Acme", LegalBasis: "contract"})
	if scc.Decision.Route != "SCC_OR_CERT" || sa.Decision.Route != "SECURITY_ASSESSMENT" || ready.Status != sluice.TransferReady {
		t.Fatalf("routes %s %s %s", scc.Decision.Route, sa.Decision.Route, ready.Status)
	}
	attach := func(id int64, ev sluice.TransferEvidence) *response {
		return ts.do("POST", fmt.Sprintf("/v1/transfers/%d/evidence", id), key, ev)
	}
	certScope := &sluice.EvidenceScope{Countries: []string{"US"}, Categories: []string{"user.contact.phone_number", "user.health_and_medical"}}
	for _, tc := range []struct {
		name   string
		id     int64
		ev     sluice.TransferEvidence
		status int
		field  string
	}{
		{"ErrEndBeforeStart", scc.ID, sluice.TransferEvidence{Kind: "certification", Reference: "C-1", ValidFrom: "2026-03-01", ValidTo: "2026-02-01", Scope: certScope}, 400, "valid_to"},
		{"ErrKindNotForRoute", scc.ID, sluice.TransferEvidence{Kind: "assessment", Reference: "A-1", ValidFrom: "2026-03-01"}, 400, "kind"},
		{"ErrUnknownKind", scc.ID, sluice.TransferEvidence{Kind: "handshake", Reference: "H", ValidFrom: "2026-03-01"}, 400, "kind"},
		{"ErrNoReference", scc.ID, sluice.TransferEvidence{Kind: "certification", ValidFrom: "2026-03-01", ValidTo: "2027-03-01"}, 400, "reference"},
		{"ErrCertificateWithoutScope", scc.ID, sluice.TransferEvidence{Kind: "certification", Reference: "C-1", ValidFrom: "2026-03-01"}, 400, "scope"},
		{"ErrFilingWithoutDate", scc.ID, sluice.TransferEvidence{Kind: "scc_filing", Reference: "F-1", ValidFrom: "2026-03-01"}, 400, "filed_on"},
		{"ErrAlreadyExpired", scc.ID, sluice.TransferEvidence{Kind: "certification", Reference: "C-1", ValidFrom: "2025-01-01", ValidTo: "2026-01-01", Scope: certScope}, 400, "valid_to"},
		{"ErrAssessmentLongerThanTheLaw", sa.ID, sluice.TransferEvidence{Kind: "assessment", Reference: "A-1", ValidFrom: "2026-03-02", ValidTo: "2029-03-02"}, 400, "valid_to"},
		{"ErrReadyTransfer", ready.ID, sluice.TransferEvidence{Kind: "scc_filing", Reference: "F-1", ValidFrom: "2026-03-01", FiledOn: "2026-03-02"}, 409, ""},
		{"ErrUnknownTransfer", 9999, sluice.TransferEvidence{Kind: "scc_filing", Reference: "F-1", ValidFrom: "2026-03-01", FiledOn: "2026-03-02"}, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, attach(tc.id, tc.ev), tc.status, tc.field)
		})
	}
	t.Run("OKLateFiling", func(t *testing.T) {
		var tr sluice.Transfer
		want(t, attach(scc.ID, sluice.TransferEvidence{Kind: "scc_filing", Reference: "F-9", ValidFrom: "2026-02-02", FiledOn: "2026-03-02"}), 200).Decode(t, &tr)
		if ev := tr.Evidence[0]; tr.Status != sluice.TransferApproved || ev.FilingDue != "2026-02-14" || !ev.Late || tr.ExpiresOn != "" {
			t.Fatalf("late filing: %s %+v", tr.Status, ev)
		}
	})
	t.Run("OKRenewalThenExpiry", func(t *testing.T) {
		var tr sluice.Transfer
		want(t, attach(sa.ID, sluice.TransferEvidence{Kind: "assessment", Reference: "CAC-1", ValidFrom: "2024-06-03"}), 200).Decode(t, &tr)
		if tr.ExpiresOn != "2027-06-02" || tr.Evidence[0].RenewFrom != "2027-03-11" || tr.RenewalDue {
			t.Fatalf("assessment: expires %s, renew from %s, due %v", tr.ExpiresOn, tr.Evidence[0].RenewFrom, tr.RenewalDue)
		}
		ts.clock.Set(time.Date(2027, 3, 11, 9, 0, 0, 0, time.UTC))
		want(t, ts.do("GET", fmt.Sprintf("/v1/transfers/%d", sa.ID), key, nil), 200).Decode(t, &tr)
		if !tr.RenewalDue || tr.Status != sluice.TransferApproved || tr.Evidence[0].Status != "renewal_due" {
			t.Fatalf("in the renewal window: %s due %v %+v", tr.Status, tr.RenewalDue, tr.Evidence[0])
		}
		ts.clock.Set(time.Date(2027, 6, 3, 9, 0, 0, 0, time.UTC))
		want(t, ts.do("GET", fmt.Sprintf("/v1/transfers/%d", sa.ID), key, nil), 200).Decode(t, &tr)
		if tr.Status != sluice.TransferExpired {
			t.Fatalf("after the last valid day: %s", tr.Status)
		}
		wantError(t, ts.export(key, sa.ID, ""), 409, "")
		wantError(t, attach(sa.ID, sluice.TransferEvidence{Kind: "assessment", Reference: "CAC-2", ValidFrom: "2027-06-03"}), 409, "")
		if evs := ts.eventsOf(sluice.ActionTransferExpire); len(evs) != 1 || evs[0].Object["transfer"] != float64(sa.ID) {
			t.Fatalf("expiry events: %+v", evs)
		}
	})
}

func TestTransferService_ExportTransfer(t *testing.T) {
	ts := newTransferServer(t)
	cn := &sluice.Org{Name: "cn-rides", Region: "CN"}
	key := ts.key(cn, sluice.RoleOwner)
	other := &sluice.Org{Name: "cn-bank", Region: "CN"}
	otherKey := ts.key(other, sluice.RoleOwner)
	d := ts.dataset(key, "trips", 0, 4, "phone", "name", "fare")
	tr := ts.transfer(key, d, sluice.TransferRequest{Fields: []string{"phone", "fare"}, DestinationCountry: "US", Recipient: "Acme", LegalBasis: "contract"})
	// Records written after the decision are not covered.
	want(t, ts.do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), key, people(4, 6, "phone", "name", "fare")), 201)

	for _, tc := range []struct {
		name, key, query string
		status           int
		field            string
	}{
		{"ErrFieldOutsideApproval", key, "fields=phone,name", 400, "fields"},
		{"ErrOtherPurpose", key, "purpose=marketing", 400, "purpose"},
		{"ErrOtherRecipient", key, "recipient=Evil+Corp", 400, "recipient"},
		{"ErrUnknownFormat", key, "format=xml", 400, "format"},
		{"ErrOtherOrg", otherKey, "", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, ts.export(tc.key, tr.ID, tc.query), tc.status, tc.field)
		})
	}
	t.Run("OK", func(t *testing.T) {
		r := want(t, ts.export(key, tr.ID, "fields=fare&purpose=rides&recipient=Acme"), 200)
		header, rows := csvRows(t, r.Body)
		if !slices.Equal(header, []string{"fare"}) || len(rows) != 4 || rows[3][0] != "fare-3" {
			t.Fatalf("export: %v %v", header, rows)
		}
	})
	t.Run("OKAcceptJSONL", func(t *testing.T) {
		r := ts.doAccept("GET", fmt.Sprintf("/v1/transfers/%d/export", tr.ID), key, "application/x-ndjson")
		want(t, r, 200)
		if lines := strings.Split(strings.TrimSpace(string(r.Body)), "\n"); len(lines) != 4 || lines[0] != `{"phone":"13900000000","fare":"fare-0"}` ||
			r.Header.Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("jsonl: %q (%s)", lines, r.Header.Get("Content-Type"))
		}
	})
	t.Run("ErrRevoked", func(t *testing.T) {
		var got sluice.Transfer
		want(t, ts.do("POST", fmt.Sprintf("/v1/transfers/%d/revoke", tr.ID), key, map[string]string{"reason": "contract ended"}), 200).Decode(t, &got)
		if got.Status != sluice.TransferRevoked {
			t.Fatalf("revoke: %s", got.Status)
		}
		wantError(t, ts.export(key, tr.ID, ""), 409, "")
		wantError(t, ts.do("POST", fmt.Sprintf("/v1/transfers/%d/revoke", tr.ID), key, nil), 409, "")
		if evs := ts.eventsOf(sluice.ActionTransferRevoke); len(evs) != 1 || strings.Contains(fmt.Sprint(evs[0].Details), "contract ended") {
			t.Fatalf("revoke event (the reason only as a hash): %+v", evs)
		}
	})
	if got, _ := ts.store.TransferCounts(context.Background(), cn.ID, 2026); got.PI != 4 {
		t.Fatalf("counter %+v after exporting 4 people twice", got)
	}
}

// doAccept sends a request with an Accept header.
func (ts *transferServer) doAccept(method, path, key, accept string) *response {
	ts.t.Helper()
	return ts.do(method, path, key, nil, "Accept", accept)
}

// TestTransferService_ExportConsent checks the separate-consent filter of
// PIPL Art. 39: where consent is the legal basis, only the records of
// people who gave separate consent to the export's purpose, not
// withdrawn, go; the others are counted as withheld.
func TestTransferService_ExportConsent(t *testing.T) {
	ts := newTransferServer(t)
	cn := &sluice.Org{Name: "cn-shop", Region: "CN"}
	key := ts.key(cn, sluice.RoleOwner)
	ctx := sluice.NewContextWithActor(context.Background(), &sluice.Actor{Org: cn, Role: sluice.RoleOwner, Key: "k"})
	if err := ts.purposes.CreatePurpose(ctx, &sluice.Purpose{Name: "overseas-fulfilment", LegalBasis: "consent", RetentionDays: 30}); err != nil {
		t.Fatal(err)
	}
	d := ts.dataset(key, "orders", 0, 10, "phone", "name")
	keyer := sluice.NewOrgSubjectKeyer(ts.secret, cn.ID)
	consent := func(i int, kind sluice.ConsentKind) {
		t.Helper()
		c := &sluice.Consent{SubjectKey: keyer.Key(fmt.Sprintf("139%08d", i)), Purpose: "overseas-fulfilment", Kind: kind, Evidence: "form"}
		if err := ts.consents.CreateConsent(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 6 {
		consent(i, sluice.ConsentSeparate)
	}
	consent(6, sluice.ConsentGiven) // plain consent is not separate consent
	consent(7, sluice.ConsentSeparate)
	consent(7, sluice.ConsentWithdrawal)

	tr := ts.transfer(key, d, sluice.TransferRequest{Fields: []string{"name"}, DestinationCountry: "US", Recipient: "Acme", Purpose: "overseas-fulfilment"})
	if tr.LegalBasis != "consent" || !tr.Decision.Needs("cn.pipl39.consent") {
		t.Fatalf("basis %s, requires %+v", tr.LegalBasis, tr.Decision.Requires)
	}
	r := want(t, ts.export(key, tr.ID, ""), 200)
	_, rows := csvRows(t, r.Body)
	if len(rows) != 6 || r.Header.Get("Sluice-Withheld") != "4" || r.Header.Get("Sluice-Records") != "6" {
		t.Fatalf("%d rows, headers %v", len(rows), r.Header)
	}
	for i, row := range rows {
		if row[0] != fmt.Sprintf("Person %d", i) {
			t.Fatalf("row %d: %v", i, row)
		}
	}
	evs := ts.eventsOf(sluice.ActionTransferExport)
	if len(evs) != 1 || len(evs[0].Subjects) != 6 || evs[0].Details["withheld"] != float64(4) || evs[0].Details["consent_checked"] != true {
		t.Fatalf("export event: %+v", evs)
	}
	var want6 []string
	for i := range 6 {
		want6 = append(want6, keyer.Key(fmt.Sprintf("139%08d", i)))
	}
	slices.Sort(want6)
	if !slices.Equal(evs[0].Subjects, want6) {
		t.Fatalf("the event names other people than those exported")
	}
	if got, _ := ts.store.TransferCounts(ctx, cn.ID, 2026); got.PI != 6 {
		t.Fatalf("counted %d people, want the 6 exported", got.PI)
	}
}

// TestTransferService_ExportRace runs two exports at once whose people,
// together, cross the sensitive-PI assessment threshold (10,000): each
// transfer alone holds the standard contract, so exactly one export goes
// and the other is refused with nothing counted.
func TestTransferService_ExportRace(t *testing.T) {
	ts := newTransferServer(t)
	cn := &sluice.Org{Name: "cn-clinic", Region: "CN"}
	key := ts.key(cn, sluice.RoleOwner)
	var trs []*sluice.Transfer
	for i := range 2 {
		d := ts.dataset(key, fmt.Sprintf("patients-%d", i), 6000*i, 6000*(i+1), "phone", "diagnosis")
		tr := ts.transfer(key, d, sluice.TransferRequest{Fields: []string{"phone", "diagnosis"}, DestinationCountry: "US", Recipient: "Acme", LegalBasis: "contract"})
		if tr.Decision.Route != "SCC_OR_CERT" || tr.Facts.YTD.SPI != 6000 {
			t.Fatalf("transfer %d: %s %+v", i, tr.Decision.Route, tr.Facts.YTD)
		}
		want(t, ts.do("POST", fmt.Sprintf("/v1/transfers/%d/evidence", tr.ID), key, sluice.TransferEvidence{
			Kind: "scc_filing", Reference: fmt.Sprint("F-", i), ValidFrom: "2026-02-27", FiledOn: "2026-03-02"}), 200)
		trs = append(trs, tr)
	}
	var wg sync.WaitGroup
	res := make([]*response, 2)
	for i, tr := range trs {
		wg.Go(func() { res[i] = ts.export(key, tr.ID, "") })
	}
	wg.Wait()
	statuses := []int{res[0].Status, res[1].Status}
	slices.Sort(statuses)
	if !slices.Equal(statuses, []int{200, 409}) {
		t.Fatalf("statuses %v, want one 200 and one 409", statuses)
	}
	for _, r := range res {
		if r.Status == 409 && !strings.Contains(r.Error(t).Message, "SECURITY_ASSESSMENT") {
			t.Fatalf("refusal does not name the route: %s", r.Body)
		}
	}
	got, _ := ts.store.TransferCounts(context.Background(), cn.ID, 2026)
	if got.SPI != 6000 || got.PI != 6000 {
		t.Fatalf("counters %+v, want 6000 each", got)
	}
	if n := len(ts.eventsOf(sluice.ActionTransferExport)); n != 1 {
		t.Fatalf("%d export events, want 1", n)
	}
	wantRecount(t, ts)
}

// wantRecount fails the test unless the counters recomputed from the
// audit log equal the stored ones.
func wantRecount(t *testing.T, ts *transferServer) {
	t.Helper()
	counts, err := transfer.Recount(context.Background(), &sqliteEvents{ts})
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) == 0 {
		t.Fatal("nothing recounted")
	}
	for k, n := range counts {
		stored, err := ts.store.TransferCounts(context.Background(), k.OrgID, k.Year)
		if err != nil {
			t.Fatal(err)
		}
		s := stored.PI
		if k.Counter == sluice.CounterSPI {
			s = stored.SPI
		}
		if s != n {
			t.Errorf("%+v: recounted %d, stored %d", k, n, s)
		}
	}
}

// sqliteEvents reads the test server's log for the recount.
type sqliteEvents struct{ ts *transferServer }

func (e *sqliteEvents) CountEvents(ctx context.Context) (int64, error) {
	return e.ts.events.CountEvents(ctx)
}

func (e *sqliteEvents) ReadEvents(ctx context.Context, start, n int64) ([][]byte, error) {
	return e.ts.events.ReadEvents(ctx, start, n)
}

func (e *sqliteEvents) ReadSubjectSet(ctx context.Context, idx int64) ([]string, error) {
	return e.ts.log.ReadSubjectSet(ctx, idx)
}

// TestTransferService_Counters checks that the counters restart on 1
// January and can be recomputed from the audit log.
func TestTransferService_Counters(t *testing.T) {
	ts := newTransferServer(t)
	cn := &sluice.Org{Name: "cn-rides", Region: "CN"}
	key := ts.key(cn, sluice.RoleOwner)
	auditor := ts.key(cn, sluice.RoleAuditor)
	d := ts.dataset(key, "trips", 0, 30, "phone", "diagnosis")
	tr := ts.transfer(key, d, sluice.TransferRequest{Fields: []string{"phone"}, DestinationCountry: "US", Recipient: "Acme", LegalBasis: "contract"})
	want(t, ts.export(key, tr.ID, ""), 200)
	want(t, ts.export(key, tr.ID, ""), 200) // the same people again: counted once
	v := ts.counters(auditor)
	if v.Year != 2026 || v.WindowFrom != "2026-01-01" || v.Counters[0].Count != 30 || v.Counters[1].Count != 0 {
		t.Fatalf("2026 counters: %+v", v)
	}
	// Year end is a fair question; a later year is not.
	var end sluice.TransferCounterView
	want(t, ts.do("GET", "/v1/transfers/counters?date=2026-12-31", key, nil), 200).Decode(t, &end)
	if end.Date != "2026-12-31" || end.Counters[0].Count != 30 {
		t.Fatalf("counters as of year end: %+v", end)
	}
	wantError(t, ts.do("GET", "/v1/transfers/counters?date=2027-01-01", key, nil), 400, "date")

	ts.clock.Set(time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC))
	if v := ts.counters(key); v.Year != 2027 || v.Counters[0].Count != 0 || *v.Counters[0].Headroom != 100000 {
		t.Fatalf("1 January 2027: %+v", v.Counters[0])
	}
	want(t, ts.export(key, tr.ID, ""), 200)
	if v := ts.counters(key); v.Counters[0].Count != 30 {
		t.Fatalf("2027 after an export: %+v", v.Counters[0])
	}
	var past sluice.TransferCounterView
	want(t, ts.do("GET", "/v1/transfers/counters?date=2026-12-31", key, nil), 200).Decode(t, &past)
	if past.Counters[0].Count != 30 || past.Year != 2026 {
		t.Fatalf("2026 seen from 2027: %+v", past)
	}
	wantRecount(t, ts)
}

// sectorRules are the default rules with the automotive volume threshold
// lowered from 100,000 to 100 people, so that both sides of it can be
// tried on small datasets; the rule's own number is tested in package
// route.
func sectorRules(t *testing.T) *route.Rules {
	t.Helper()
	dir := os.DirFS("../policy/route/rules")
	names, err := fs.Glob(dir, "*.json")
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for _, name := range names {
		b, err := fs.ReadFile(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		if name == "thresholds.json" {
			old := `"id": "cn.auto.limit.important_pi", "value": 100000`
			if !strings.Contains(string(b), old) {
				t.Fatal("thresholds.json: automotive threshold not found")
			}
			b = []byte(strings.Replace(string(b), old, `"id": "cn.auto.limit.important_pi", "value": 100`, 1))
		}
		m[name] = &fstest.MapFile{Data: b}
	}
	r, err := route.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestTransferService_SectorRules checks the automotive volume rule and
// the credit rules, with facts the server establishes from the org's
// sector and the fields' categories.
func TestTransferService_SectorRules(t *testing.T) {
	ts := newTransferServer(t)
	ts.transfers.Rules = sectorRules(t)
	auto := &sluice.Org{Name: "cn-cars", Region: "CN", Sector: sluice.SectorAutomotive}
	autoKey := ts.key(auto, sluice.RoleOwner)
	rides := &sluice.Org{Name: "cn-rides", Region: "CN", Sector: "transport"}
	ridesKey := ts.key(rides, sluice.RoleOwner)
	credit := &sluice.Org{Name: "cn-credit", Region: "CN", Sector: sluice.SectorCredit}
	creditKey := ts.key(credit, sluice.RoleOwner)
	req := func(fields ...string) sluice.TransferRequest {
		return sluice.TransferRequest{Fields: fields, DestinationCountry: "DE", Recipient: "Acme GmbH", LegalBasis: "contract"}
	}
	for _, tc := range []struct {
		name    string
		key     string
		people  int
		fields  []string
		route   string
		rule    string
		blocked bool
	}{
		{"AutomotiveAtThreshold", autoKey, 100, []string{"phone", "gps"}, "SCC_OR_CERT", "cn.o16.scc.spi", false},
		{"AutomotiveOverThreshold", autoKey, 101, []string{"phone", "gps"}, "SECURITY_ASSESSMENT", "cn.auto.important", false},
		// Any personal information counts, not only location (Automotive
		// Provisions Art. 3(5)); and the count is per processor.
		{"AutomotiveOtherFields", autoKey, 101, []string{"phone", "name"}, "SECURITY_ASSESSMENT", "cn.auto.important", false},
		{"OtherSectorOverThreshold", ridesKey, 101, []string{"phone", "gps"}, "SCC_OR_CERT", "cn.o16.scc.spi", false},
		{"CreditAgencyHolds", creditKey, 5, []string{"phone", "name"}, "HOLD", "cn.credit.hold", true},
		// Credit information held by a non-agency: the ordinary route and a
		// financial-sector requirement, not a block.
		{"CreditInfoByNonAgency", ridesKey, 5, []string{"phone", "score"}, "EXEMPT", "cn.o16.small", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := ts.dataset(tc.key, strings.ToLower(tc.name), 0, tc.people, "phone", "gps", "name", "score")
			tr := ts.transfer(tc.key, d, req(tc.fields...))
			if tr.Decision.Route != tc.route || tr.Decision.Reasons[0].Rule != tc.rule || (tr.Status == sluice.TransferBlocked) != tc.blocked {
				t.Fatalf("got %s by %s (%s), want %s by %s", tr.Decision.Route, tr.Decision.Reasons[0].Rule, tr.Status, tc.route, tc.rule)
			}
			financial := slices.ContainsFunc(tr.Decision.Requires, func(q sluice.TransferRequirement) bool { return q.ID == "cn.credit.financial" })
			if financial != (tc.name == "CreditInfoByNonAgency") {
				t.Errorf("cn.credit.financial required: %v", financial)
			}
		})
	}
}

// TestTransferService_FactsInChunks checks that a transfer's people are
// counted against the year's counter exactly when their keys come a chunk
// at a time: |S ∪ K| summed chunk by chunk, with people on both sides of
// chunk boundaries and in both sets.
func TestTransferService_FactsInChunks(t *testing.T) {
	transfer.SetKeyChunk(t, 7)
	ts := newTransferServer(t)
	key := ts.key(&sluice.Org{Name: "cn-rides", Region: "CN"}, sluice.RoleOwner)
	first := ts.dataset(key, "trips", 0, 30, "phone")
	tr := ts.transfer(key, first, sluice.TransferRequest{Fields: []string{"phone"}, DestinationCountry: "US", Recipient: "Acme", LegalBasis: "contract"})
	want(t, ts.export(key, tr.ID, ""), 200)

	second := ts.dataset(key, "orders", 20, 60, "phone") // people 20–29 left with the first export
	tr = ts.transfer(key, second, sluice.TransferRequest{Fields: []string{"phone"}, DestinationCountry: "US", Recipient: "Acme", LegalBasis: "contract"})
	if tr.Facts.Records != 40 || tr.Facts.Subjects != 40 || tr.Facts.YTD.PI != 60 {
		t.Fatalf("facts: records %d, subjects %d, pi %d; want 40, 40, 60", tr.Facts.Records, tr.Facts.Subjects, tr.Facts.YTD.PI)
	}
}

// TestTransferService_AutomotivePerProcessor checks the Automotive
// Provisions Art. 3(5) count: personal information of more than the
// threshold of people (lowered to 100 here) is important data counted per
// processor, across all its datasets, a person in two of them counted
// once.
func TestTransferService_AutomotivePerProcessor(t *testing.T) {
	ts := newTransferServer(t)
	ts.transfers.Rules = sectorRules(t)
	req := sluice.TransferRequest{Fields: []string{"phone"}, DestinationCountry: "DE", Recipient: "Acme GmbH", LegalBasis: "contract"}

	// Art. 3(5): 60 + 60 different people in two datasets: 120 > 100.
	apart := ts.key(&sluice.Org{Name: "cn-cars-a", Region: "CN", Sector: sluice.SectorAutomotive}, sluice.RoleOwner)
	ts.dataset(apart, "owners", 0, 60, "phone")
	d := ts.dataset(apart, "drivers", 60, 120, "phone")
	tr := ts.transfer(apart, d, req)
	if tr.Decision.Route != "SECURITY_ASSESSMENT" || tr.Decision.Reasons[0].Rule != "cn.auto.important" || tr.Facts.AutoSubjects != 120 || tr.Facts.Subjects != 60 {
		t.Fatalf("60 + 60 people: %s by %s, auto_subjects %d, subjects %d", tr.Decision.Route, tr.Decision.Reasons[0].Rule, tr.Facts.AutoSubjects, tr.Facts.Subjects)
	}
	if tr.Decision.Reasons[0].Ref != "AUTO Art. 3(5)" {
		t.Errorf("reason %+v does not cite Art. 3(5)", tr.Decision.Reasons[0])
	}

	// Art. 3(5): the same 60 people in both datasets count once: 60.
	same := ts.key(&sluice.Org{Name: "cn-cars-b", Region: "CN", Sector: sluice.SectorAutomotive}, sluice.RoleOwner)
	ts.dataset(same, "owners", 0, 60, "phone")
	d = ts.dataset(same, "drivers", 0, 60, "phone")
	tr = ts.transfer(same, d, req)
	if tr.Decision.Route == "SECURITY_ASSESSMENT" || tr.Facts.AutoSubjects != 60 || len(tr.Facts.AutoClasses) != 0 {
		t.Fatalf("the same 60 people twice: %s, auto_subjects %d, classes %+v", tr.Decision.Route, tr.Facts.AutoSubjects, tr.Facts.AutoClasses)
	}

	// Not per dataset elsewhere: another sector's 120 people are no
	// automotive count.
	other := ts.key(&sluice.Org{Name: "cn-shop", Region: "CN", Sector: "retail"}, sluice.RoleOwner)
	ts.dataset(other, "owners", 0, 60, "phone")
	d = ts.dataset(other, "buyers", 60, 120, "phone")
	if tr = ts.transfer(other, d, req); tr.Facts.AutoSubjects != 0 || tr.Decision.Route == "SECURITY_ASSESSMENT" {
		t.Fatalf("retail org: %s, auto_subjects %d", tr.Decision.Route, tr.Facts.AutoSubjects)
	}
}

// TestTransferService_AutomotiveDeclared checks that a dataset declared
// to hold a class of Automotive Provisions Art. 3(1)-(4) is important
// data for a transfer, whatever exemption is claimed, with the class and
// its article among the reasons; anonymised exterior images are not.
func TestTransferService_AutomotiveDeclared(t *testing.T) {
	ts := newTransferServer(t)
	key := ts.key(&sluice.Org{Name: "cn-chargers", Region: "CN", Sector: "energy"}, sluice.RoleOwner)
	req := sluice.TransferRequest{Fields: []string{"phone"}, DestinationCountry: "DE", Recipient: "Acme GmbH", LegalBasis: "contract"}
	for _, tc := range []struct {
		name  string
		decl  map[string]any
		class string
	}{
		{"Art3_1_SensitiveArea", map[string]any{"sensitive_area": true}, "cn.auto.sensitive_area"},
		{"Art3_2_EconomicOperation", map[string]any{"economic_operation": true}, "cn.auto.economic_operation"},
		{"Art3_3_ChargingNetwork", map[string]any{"charging_network": true}, "cn.auto.charging_network"},
		{"Art3_4_ExteriorPlates", map[string]any{"exterior_images": "plates"}, "cn.auto.exterior_images"},
		{"Art3_4_ExteriorAnonymised", map[string]any{"exterior_images": "anonymised"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := ts.dataset(key, strings.ToLower(tc.name), 0, 5, "phone")
			want(t, ts.do("PATCH", fmt.Sprintf("/v1/datasets/%d", d.ID), key, map[string]any{"automotive": tc.decl}), 200)
			tr := ts.transfer(key, d, req)
			if tc.class == "" {
				if tr.Decision.Route == "SECURITY_ASSESSMENT" || len(tr.Facts.AutoClasses) != 0 {
					t.Fatalf("anonymised images: %s, classes %+v", tr.Decision.Route, tr.Facts.AutoClasses)
				}
				return
			}
			if tr.Decision.Route != "SECURITY_ASSESSMENT" || !tr.Facts.AutoDeclared || tr.Decision.Reasons[0].Rule != "cn.o16.important" {
				t.Fatalf("declared %v: %s by %s", tc.decl, tr.Decision.Route, tr.Decision.Reasons[0].Rule)
			}
			if !slices.ContainsFunc(tr.Decision.Reasons, func(r sluice.TransferReason) bool {
				return r.Rule == tc.class && strings.HasPrefix(r.Ref, "AUTO Art. 3(")
			}) {
				t.Errorf("reasons %+v do not name %s", tr.Decision.Reasons, tc.class)
			}
			// The export re-establishes the same facts: the route holds.
			want(t, ts.do("POST", fmt.Sprintf("/v1/transfers/%d/evidence", tr.ID), key,
				sluice.TransferEvidence{Kind: "assessment", Reference: "CAC-2026-1", ValidFrom: "2026-03-01"}), 200)
			want(t, ts.export(key, tr.ID, ""), 200)
		})
	}
}
