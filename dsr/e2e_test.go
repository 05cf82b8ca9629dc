package dsr_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/dsr"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// residentID returns a valid resident identity card number from its
// first 17 digits.
func residentID(first17 string) string { return first17 + string(classify.ResidentIDCheck(first17)) }

// The person the tests ask about, and another who names her as guardian.
var (
	aliceID    = residentID("11010519880512002")
	alicePhone = "13800138000"
	aliceEmail = "alice.wang@example.cn"
	bobID      = residentID("11010520150101003")
)

var fields = map[string]testenv.FieldFacts{
	"resident_id": {Categories: []string{"user.government_id.national_identification_number"}, Sensitive: true},
	"phone":       {Categories: []string{"user.contact.phone_number"}},
	"email":       {Categories: []string{"user.contact.email"}},
	"name":        {Categories: []string{"user.name"}},
	"guardians":   {},
	"visit":       {},
	"invoice_no":  {},
	"amount":      {},
}

type fixture struct {
	*testenv.Env
	owner, auditor            string
	patients, visit, invoices *sluice.Dataset
}

func newFixture(t *testing.T, engine testenv.Engine) *fixture {
	env := testenv.New(t, testenv.Options{Engine: engine, Classifier: testenv.Classifier{Fields: fields}})
	org := &sluice.Org{Name: "clinic", Region: "CN"}
	f := &fixture{Env: env, owner: env.Key(org, sluice.RoleOwner), auditor: env.Key(org, sluice.RoleAuditor)}
	f.patients = f.dataset("patients", "resident_id", fmt.Sprintf(
		`{"resident_id":%q,"name":"Wang Li","phone":%q,"email":%q,"guardians":[]}`+"\n"+
			`{"resident_id":%q,"name":"Wang Xiao","phone":"13900139000","email":"","guardians":[{"name":"Wang Li","phone":"+86 138 0013 8000"},{"name":"Wang Gang","phone":"13700137000"}]}`+"\n",
		aliceID, alicePhone, aliceEmail, bobID))
	f.visit = f.dataset("visits", "phone", fmt.Sprintf(`{"phone":%q,"visit":"2026-03-01 dental"}`+"\n"+`{"phone":"13900139000","visit":"2026-03-02 eye"}`+"\n", alicePhone))
	// Keyed by invoice number: the person is found by the e-mail field.
	f.invoices = f.dataset("invoices", "invoice_no", fmt.Sprintf(`{"invoice_no":"INV-1","email":%q,"amount":"120.00"}`+"\n"+`{"invoice_no":"INV-2","email":"other@example.cn","amount":"80.00"}`+"\n", aliceEmail))
	return f
}

func (f *fixture) dataset(name, subject, jsonl string) *sluice.Dataset {
	t := f.TB
	var d sluice.Dataset
	f.Do("POST", "/v1/datasets", f.owner, map[string]string{"name": name, "purpose": "care", "subject_field": subject}).Want(t, 201).Decode(t, &d)
	f.Do("POST", fmt.Sprintf("/v1/datasets/%d/records", d.ID), f.owner, []byte(jsonl), "Content-Type", "application/x-ndjson").Want(t, 201)
	f.Do("GET", fmt.Sprintf("/v1/datasets/%d", d.ID), f.owner, nil).Want(t, 200).Decode(t, &d)
	return &d
}

func (f *fixture) file(body any) *sluice.SubjectRequest {
	var r sluice.SubjectRequest
	f.Do("POST", "/v1/subject-requests", f.owner, body).Want(f.TB, 201).Decode(f.TB, &r)
	return &r
}

func (f *fixture) act(id int64, action string, body any, status int) *sluice.SubjectRequest {
	var r sluice.SubjectRequest
	resp := f.Do("POST", fmt.Sprintf("/v1/subject-requests/%d/%s", id, action), f.owner, body).Want(f.TB, status)
	if status == 200 {
		resp.Decode(f.TB, &r)
	}
	return &r
}

// fulfilled files a request about alice, verifies and fulfils it.
func (f *fixture) fulfilled(typ string, extra map[string]any) *sluice.SubjectRequest {
	body := map[string]any{"type": typ, "jurisdiction": "CN", "evidence": "ID card seen at the front desk",
		"identifiers": map[string]string{"resident_id": aliceID, "phone": alicePhone, "email": aliceEmail}}
	for k, v := range extra {
		body[k] = v
	}
	r := f.file(body)
	f.act(r.ID, "verify", nil, 200)
	return f.act(r.ID, "fulfil", nil, 200)
}

func (f *fixture) records(d *sluice.Dataset) []string {
	var page struct {
		Records []struct {
			Data json.RawMessage `json:"data"`
		} `json:"records"`
	}
	f.Do("GET", fmt.Sprintf("/v1/datasets/%d/records", d.ID), f.owner, nil).Want(f.TB, 200).Decode(f.TB, &page)
	var out []string
	for _, r := range page.Records {
		var s string
		if json.Unmarshal(r.Data, &s) != nil {
			s = string(r.Data)
		}
		out = append(out, s)
	}
	return out
}

func TestSubjectRequests(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) { testSubjectRequests(t, engine) })
	}
}

func testSubjectRequests(t *testing.T, engine testenv.Engine) {
	t.Run("Access", func(t *testing.T) {
		f := newFixture(t, engine)
		r := f.fulfilled("access", nil)
		if r.State != sluice.RequestFulfilled || !r.Outcome.Found || r.Outcome.Records != 4 || len(r.Outcome.Datasets) != 3 {
			t.Fatalf("access: %+v %+v", r, r.Outcome)
		}
		if len(r.SubjectKeys) != 3 || strings.Join(r.Identifiers, ",") != "phone,resident_id,email" {
			t.Fatalf("keys %v identifiers %v", r.SubjectKeys, r.Identifiers)
		}
		var p dsr.Package
		f.Do("GET", fmt.Sprintf("/v1/subject-requests/%d/package?format=json", r.ID), f.owner, nil).Want(t, 200).Decode(t, &p)
		if !p.Found || len(p.Datasets) != 3 || len(p.Datasets[0].Records) != 2 || len(p.Datasets[1].Records) != 1 ||
			len(p.Datasets[2].Records) != 1 || !strings.Contains(string(p.Datasets[2].Records[0].Data), "INV-1") {
			t.Fatalf("package: %+v", p)
		}
		own, guardian := p.Datasets[0].Records[0], p.Datasets[0].Records[1]
		if !own.Whole || !strings.Contains(string(own.Data), aliceID) || guardian.Whole ||
			string(guardian.Data) != `{"guardians":"[{\"name\":\"Wang Li\",\"phone\":\"+86 138 0013 8000\"}]"}` {
			t.Fatalf("records: %s / %s", own.Data, guardian.Data)
		}
		if len(p.AccessHistory) != 3 || len(p.AccessHistory[0].Events) == 0 {
			t.Fatalf("access history: %+v", p.AccessHistory)
		}
		zip := f.Do("GET", fmt.Sprintf("/v1/subject-requests/%d/package", r.ID), f.owner, nil).Want(t, 200)
		if zip.Header.Get("Content-Type") != "application/zip" || !bytes.HasPrefix(zip.Body, []byte("PK")) {
			t.Fatalf("zip: %s %.20q", zip.Header.Get("Content-Type"), zip.Body)
		}
		var csv bytes.Buffer
		if err := p.Datasets[0].CSV(&csv); err != nil {
			t.Fatal(err)
		}
		want := "record_id,resident_id,name,phone,email,guardians\n" +
			"1," + aliceID + ",Wang Li,13800138000,alice.wang@example.cn,[]\n" +
			"2,,,,,\"[{\"\"name\"\":\"\"Wang Li\"\",\"\"phone\"\":\"\"+86 138 0013 8000\"\"}]\"\n"
		if csv.String() != want {
			t.Fatalf("csv:\n%s\nwant:\n%s", csv.String(), want)
		}
		if readme := p.README(); !strings.Contains(readme, "Purpose: care") || !strings.Contains(readme, "user.contact.phone_number") {
			t.Fatalf("readme:\n%s", readme)
		}
		// Auditors read requests, never file them.
		f.Do("GET", fmt.Sprintf("/v1/subject-requests/%d", r.ID), f.auditor, nil).Want(t, 200)
		f.Do("POST", "/v1/subject-requests", f.auditor, map[string]any{"type": "access"}).Want(t, 403)
	})

	t.Run("NotFound", func(t *testing.T) {
		f := newFixture(t, engine)
		r := f.file(map[string]any{"type": "copy", "jurisdiction": "EU", "identifiers": map[string]string{"email": "nobody@example.org"}})
		f.act(r.ID, "verify", nil, 200)
		r = f.act(r.ID, "fulfil", nil, 200)
		if r.State != sluice.RequestFulfilled || r.Outcome.Found || r.Outcome.Note == "" {
			t.Fatalf("not found: %+v", r.Outcome)
		}
		var p dsr.Package
		f.Do("GET", fmt.Sprintf("/v1/subject-requests/%d/package?format=json", r.ID), f.owner, nil).Want(t, 200).Decode(t, &p)
		if p.Found || len(p.Datasets) != 0 {
			t.Fatalf("empty package: %+v", p)
		}
	})

	t.Run("BadInput", func(t *testing.T) {
		f := newFixture(t, engine)
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"type": "access", "jurisdiction": "CN", "identifiers": map[string]string{"resident_id": "110105198805120021"}}, "identifiers.resident_id"},
			{map[string]any{"type": "access", "jurisdiction": "CN", "identifiers": map[string]string{"phone": "12345"}}, "identifiers.phone"},
			{map[string]any{"type": "access", "jurisdiction": "CN", "identifiers": map[string]string{"email": "not-an-address"}}, "identifiers.email"},
			{map[string]any{"type": "access", "jurisdiction": "CN", "identifiers": map[string]string{}}, "identifiers"},
			{map[string]any{"type": "forget", "jurisdiction": "CN", "identifiers": map[string]string{"phone": alicePhone}}, "type"},
			{map[string]any{"type": "access", "jurisdiction": "US", "identifiers": map[string]string{"phone": alicePhone}}, "jurisdiction"},
			{map[string]any{"type": "correction", "jurisdiction": "CN", "identifiers": map[string]string{"phone": alicePhone}}, "correction.field"},
		} {
			resp := f.Do("POST", "/v1/subject-requests", f.owner, c.body).Want(t, 400)
			if e := resp.Error(t); e.Field != c.field || strings.Contains(e.Message, "12345") || strings.Contains(e.Message, "110105") {
				t.Errorf("%v: %+v", c.body, e)
			}
		}
		r := f.file(map[string]any{"type": "erasure", "jurisdiction": "CN", "identifiers": map[string]string{"phone": alicePhone}})
		f.act(r.ID, "fulfil", nil, 409) // not verified
		if e := f.Do("POST", fmt.Sprintf("/v1/subject-requests/%d/refuse", r.ID), f.owner, map[string]string{}).Want(t, 400).Error(t); e.Field != "reason" || !strings.Contains(e.Message, "PIPL Art. 50") {
			t.Fatalf("refusal without reason: %+v", e)
		}
		r = f.act(r.ID, "refuse", map[string]string{"reason": "The account is under a court order to preserve it."}, 200)
		if r.State != sluice.RequestRefused || r.Reason == "" || r.ClosedAt == nil {
			t.Fatalf("refused: %+v", r)
		}
		f.act(r.ID, "verify", nil, 409)
	})

	t.Run("Correction", func(t *testing.T) {
		f := newFixture(t, engine)
		start := f.EventCount()
		r := f.fulfilled("correction", map[string]any{"correction": map[string]string{"field": "name", "value": "Wang Lili"}})
		if r.Outcome.Corrected != 1 || r.Correction == nil || r.Correction.Value != "" {
			t.Fatalf("correction: %+v %+v", r.Outcome, r.Correction)
		}
		recs := f.records(f.patients)
		if !strings.Contains(recs[0], `"name":"Wang Lili"`) || strings.Contains(recs[0], `"Wang Li"`) {
			t.Fatalf("corrected record: %s", recs[0])
		}
		r = f.fulfilled("correction", map[string]any{"correction": map[string]string{"field": "guardians[].name", "value": "Wang Lili"}})
		recs = f.records(f.patients)
		if r.Outcome.Elements != 1 || !strings.Contains(recs[1], `\"name\":\"Wang Lili\"`) || !strings.Contains(recs[1], "Wang Gang") {
			t.Fatalf("corrected element: %+v %s", r.Outcome, recs[1])
		}
		for _, e := range f.EventsFrom(start) {
			b, _ := json.Marshal(e)
			if bytes.Contains(b, []byte("Wang Li")) || bytes.Contains(b, []byte(alicePhone)) || bytes.Contains(b, []byte(aliceID)) {
				t.Fatalf("event holds a value: %s", b)
			}
		}
	})

	t.Run("Restriction", func(t *testing.T) {
		f := newFixture(t, engine)
		// A consumer reads the visits through a grant; the owner exports
		// them under a transfer. Both count the records they got.
		consumer := f.Key(&sluice.Org{Name: "insurer", Region: "CN"}, sluice.RoleConsumer)
		f.Do("POST", "/v1/purposes", consumer, map[string]any{"name": "claims", "legal_basis": "contract", "retention_days": 30}).Want(t, 201)
		var g sluice.Grant
		f.Do("POST", "/v1/grants", consumer, map[string]any{"dataset": f.visit.ID, "fields": []string{"visit"},
			"purpose": "claims", "justification": "claim checks", "duration_days": 30}).Want(t, 201).Decode(t, &g)
		f.Do("POST", fmt.Sprintf("/v1/grants/%d/approve", g.ID), f.owner, map[string]any{}).Want(t, 200)
		consumerRead := func() int {
			body := f.Do("GET", fmt.Sprintf("/v1/datasets/%d/records?grant=%d", f.visit.ID, g.ID), consumer, nil).Want(t, 200).Body
			return bytes.Count(body, []byte("\n")) // one JSON line a record
		}
		var tr sluice.Transfer
		f.Do("POST", "/v1/transfers", f.owner, sluice.TransferRequest{Dataset: f.visit.ID, Fields: []string{"visit"},
			DestinationCountry: "SG", Recipient: "Clinic SG Pte. Ltd.", LegalBasis: sluice.LegalBasisContract}).Want(t, 201).Decode(t, &tr)
		exported := func() string {
			return f.Do("GET", fmt.Sprintf("/v1/transfers/%d/export?format=csv", tr.ID), f.owner, nil).Want(t, 200).Header.Get("Sluice-Records")
		}
		if n := consumerRead(); n != 2 {
			t.Fatalf("consumer read %d records before the restriction", n)
		}
		r := f.fulfilled("restriction", nil)
		if n := consumerRead(); n != 1 {
			t.Fatalf("consumer read %d records after the restriction, want 1", n)
		}
		if n := exported(); n != "1" {
			t.Fatalf("transfer exported %s records after the restriction, want 1", n)
		}
		if r.Outcome.Restricted != 3 {
			t.Fatalf("restriction: %+v", r.Outcome)
		}
		if recs := f.records(f.visit); len(recs) != 1 || strings.Contains(recs[0], alicePhone) {
			t.Fatalf("restricted records still served: %v", recs)
		}
		// Still in her own package, marked.
		a := f.fulfilled("access", nil)
		var p dsr.Package
		f.Do("GET", fmt.Sprintf("/v1/subject-requests/%d/package?format=json", a.ID), f.owner, nil).Want(t, 200).Decode(t, &p)
		if len(p.Datasets) != 3 || !p.Datasets[1].Records[0].Restricted {
			t.Fatalf("package after restriction: %+v", p.Datasets)
		}
		f.act(a.ID, "lift", nil, 409) // not a restriction
		lifted := f.act(r.ID, "lift", nil, 200)
		if lifted.LiftedAt == nil {
			t.Fatalf("lifted: %+v", lifted)
		}
		if recs := f.records(f.visit); len(recs) != 2 {
			t.Fatalf("records after the lift: %v", recs)
		}
		f.act(r.ID, "lift", nil, 409)
	})

	t.Run("ErasureUnderHold", func(t *testing.T) {
		f := newFixture(t, engine)
		f.Do("POST", fmt.Sprintf("/v1/datasets/%d/hold", f.visit.ID), f.owner, map[string]string{}).Want(t, 400)
		f.Do("POST", fmt.Sprintf("/v1/datasets/%d/hold", f.visit.ID), f.owner, map[string]string{"reason": "Medical records kept 15 years (Medical Records Regulation Art. 29)"}).Want(t, 201)
		r := f.fulfilled("erasure", nil)
		o := r.Outcome
		if o.Erased != 2 || o.Elements != 1 || o.Restricted != 1 || len(o.Held) != 1 || o.Held[0].DatasetID != f.visit.ID || !strings.Contains(o.Held[0].Reason, "15 years") {
			t.Fatalf("erasure: %+v", o)
		}
		recs := f.records(f.patients)
		if len(recs) != 1 || strings.Contains(recs[0], "138 0013 8000") || !strings.Contains(recs[0], "Wang Gang") {
			t.Fatalf("patients after erasure: %v", recs)
		}
		if recs := f.records(f.visit); len(recs) != 1 {
			t.Fatalf("held records served: %v", recs)
		}
		var d sluice.Dataset
		f.Do("GET", fmt.Sprintf("/v1/datasets/%d", f.patients.ID), f.owner, nil).Want(t, 200).Decode(t, &d)
		if d.RecordCount != 1 {
			t.Fatalf("record count %d", d.RecordCount)
		}
		f.Do("DELETE", fmt.Sprintf("/v1/datasets/%d/hold", f.visit.ID), f.owner, nil).Want(t, 204)
		r = f.fulfilled("erasure", nil)
		if r.Outcome.Erased != 1 || len(r.Outcome.Held) != 0 {
			t.Fatalf("erasure after the hold: %+v", r.Outcome)
		}
	})

	t.Run("ConcurrentErasures", func(t *testing.T) {
		f := newFixture(t, engine)
		var ids []int64
		for range 2 {
			r := f.file(map[string]any{"type": "erasure", "jurisdiction": "CN", "identifiers": map[string]string{"phone": alicePhone, "resident_id": aliceID}})
			f.act(r.ID, "verify", nil, 200)
			ids = append(ids, r.ID)
		}
		var wg sync.WaitGroup
		erased := make([]int64, 2)
		for i, id := range ids {
			wg.Go(func() { erased[i] = f.act(id, "fulfil", nil, 200).Outcome.Erased })
		}
		wg.Wait()
		if erased[0]+erased[1] != 2 {
			t.Fatalf("erased %v, want 2 in all", erased)
		}
		if recs := f.records(f.visit); len(recs) != 1 {
			t.Fatalf("visits after erasure: %v", recs)
		}
	})

	t.Run("Deadlines", func(t *testing.T) {
		f := newFixture(t, engine)
		beijing := time.FixedZone("CST", 8*3600)
		// Received on Tuesday 29 September 2026: National Day week off,
		// Saturday 10 October worked; the 15th working day is 26 October.
		f.Clock.Set(time.Date(2026, 9, 29, 10, 0, 0, 0, beijing))
		cn := f.file(map[string]any{"type": "access", "jurisdiction": "CN", "identifiers": map[string]string{"phone": alicePhone}})
		if due := cn.Deadline.Due.In(beijing).Format(time.DateOnly); due != "2026-10-26" || cn.Deadline.Basis != "policy" || !strings.Contains(cn.Deadline.Reference, "PIPL Art. 50") {
			t.Fatalf("CN deadline: %s %+v", due, cn.Deadline)
		}
		f.act(cn.ID, "extend", map[string]string{"reason": "many records"}, 409)
		// The organisation's own value: 10 working days.
		f.Do("PUT", "/v1/subject-requests/policy", f.owner, map[string]int{"cn_working_days": 61}).Want(t, 400)
		var pol struct {
			CNWorkingDays int `json:"cn_working_days"`
		}
		f.Do("PUT", "/v1/subject-requests/policy", f.owner, map[string]int{"cn_working_days": 10}).Want(t, 200).Decode(t, &pol)
		if pol.CNWorkingDays != 10 {
			t.Fatalf("policy: %+v", pol)
		}
		cn10 := f.file(map[string]any{"type": "access", "jurisdiction": "CN", "identifiers": map[string]string{"phone": alicePhone}})
		if due := cn10.Deadline.Due.In(beijing).Format(time.DateOnly); due != "2026-10-19" || cn10.Deadline.Rule != "10 working days (PRC calendar)" {
			t.Fatalf("CN deadline under the org's policy: %s %+v", due, cn10.Deadline)
		}
		f.Clock.Set(time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC))
		eu := f.file(map[string]any{"type": "portability", "jurisdiction": "EU", "identifiers": map[string]string{"email": aliceEmail}})
		if due := eu.Deadline.Due.Format(time.DateOnly); due != "2026-02-28" || eu.Deadline.Reference != "GDPR Art. 12(3): information on action taken without undue delay and in any event within one month of receipt of the request." {
			t.Fatalf("EU deadline: %+v", eu.Deadline)
		}
		f.act(eu.ID, "extend", map[string]string{}, 400)
		f.Clock.Set(time.Date(2026, 2, 20, 9, 0, 0, 0, time.UTC))
		ext := f.act(eu.ID, "extend", map[string]string{"reason": "The person's records span twelve systems."}, 200)
		if ext.State != sluice.RequestExtended || ext.Deadline.Due.Format(time.DateOnly) != "2026-04-30" || !strings.Contains(ext.Deadline.Reference, "two further months") {
			t.Fatalf("extended: %s %+v", ext.State, ext.Deadline)
		}
		f.act(eu.ID, "extend", map[string]string{"reason": "again"}, 409)
		late := f.file(map[string]any{"type": "access", "jurisdiction": "EU", "identifiers": map[string]string{"email": aliceEmail}})
		f.Clock.Set(time.Date(2026, 3, 21, 9, 0, 0, 0, time.UTC))
		f.act(late.ID, "extend", map[string]string{"reason": "too late"}, 409)
		// Overdue first: the CN request (due 26 October) is not; the late
		// EU one (due 20 March) is.
		f.Clock.Set(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
		var list struct{ Requests []*sluice.SubjectRequest }
		f.Do("GET", "/v1/subject-requests", f.auditor, nil).Want(t, 200).Decode(t, &list)
		if len(list.Requests) != 4 || list.Requests[0].ID != late.ID || !list.Requests[0].Overdue || list.Requests[1].ID != eu.ID || list.Requests[1].Overdue {
			for _, r := range list.Requests {
				t.Logf("%d %s overdue=%t due %s", r.ID, r.State, r.Overdue, r.Deadline.Due)
			}
			t.Fatal("listing is not overdue first")
		}
	})
}

// TestErasure_OnDisk erases a person on SQLite and searches every file of
// the data directory, WAL included, for her resident ID, phone and
// e-mail.
func TestErasure_OnDisk(t *testing.T) {
	f := newFixture(t, testenv.SQLite)
	needles := []string{aliceID, alicePhone, aliceEmail, "138 0013 8000"}
	found := func() map[string][]string {
		out := map[string][]string{}
		files, _ := filepath.Glob(filepath.Join(f.Stores.Dir, "*"))
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range needles {
				if bytes.Contains(b, []byte(n)) {
					out[n] = append(out[n], filepath.Base(name))
				}
			}
		}
		return out
	}
	if before := found(); len(before[aliceID]) == 0 || len(before[alicePhone]) == 0 || len(before[aliceEmail]) == 0 {
		t.Fatalf("the person is not on disk before erasure: %v", before)
	}
	r := f.fulfilled("erasure", nil)
	if r.Outcome.Erased != 3 || r.Outcome.Elements != 1 {
		t.Fatalf("erasure: %+v", r.Outcome)
	}
	if after := found(); len(after) > 0 {
		t.Fatalf("after erasure the person is still on disk: %v", after)
	}
}
