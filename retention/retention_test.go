package retention_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/httpapi"
	"github.com/sluice-gateway/sluice/internal/testenv"
	"github.com/sluice-gateway/sluice/retention"
)

var fields = map[string]testenv.FieldFacts{
	"phone":       {Categories: []string{"user.contact.phone_number"}, Personal: true},
	"resident_id": {Categories: []string{"user.government_id.national_identification_number"}, Personal: true, Sensitive: true},
}

type env struct {
	*testenv.Env
	owner string
}

func newEnv(t *testing.T, engine testenv.Engine) *env {
	t.Helper()
	e := testenv.New(t, testenv.Options{Engine: engine, Classifier: testenv.Classifier{Fields: fields}})
	return &env{Env: e, owner: e.Key(&sluice.Org{Name: "cn-rides", Region: "CN"}, sluice.RoleOwner)}
}

func (e *env) purpose(t *testing.T, name, basis string, days int) {
	t.Helper()
	e.Do("POST", "/v1/purposes", e.owner, httpapi.CreatePurposeRequest{Name: name, LegalBasis: basis, Categories: []string{"user"}, RetentionDays: days}).Want(t, 201)
}

func (e *env) dataset(t *testing.T, body map[string]any) *sluice.Dataset {
	t.Helper()
	var d sluice.Dataset
	e.Do("POST", "/v1/datasets", e.owner, body).Want(t, 201).Decode(t, &d)
	return &d
}

func (e *env) ingest(t *testing.T, id int64, csv string) {
	t.Helper()
	e.Do("POST", fmt.Sprintf("/v1/datasets/%d/records", id), e.owner, []byte(csv)).Want(t, 201)
}

func (e *env) records(t *testing.T, id int64) (int64, string) {
	t.Helper()
	var d sluice.Dataset
	e.Do("GET", fmt.Sprintf("/v1/datasets/%d", id), e.owner, nil).Want(t, 200).Decode(t, &d)
	page := e.Do("GET", fmt.Sprintf("/v1/datasets/%d/records", id), e.owner, nil).Want(t, 200)
	return d.RecordCount, string(page.Body)
}

func TestRetention_Run(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, engine)
			e.purpose(t, "rides", "contract", 30)
			d := e.dataset(t, map[string]any{"name": "trips", "purpose": "rides", "subject_field": "phone"})
			long := e.dataset(t, map[string]any{"name": "logs", "purpose": "rides", "subject_field": "phone", "record_type": "network_log", "retention_days": 200})

			t0 := e.Clock.Now()
			e.ingest(t, d.ID, "phone,resident_id\n13800138000,11010519491231002X\n13900139000,440308199901010012\n")
			e.ingest(t, long.ID, "phone,resident_id\n13800138000,11010519491231002X\n")
			e.Clock.Set(t0.AddDate(0, 0, 5))
			e.ingest(t, d.ID, "phone,resident_id\n13700137000,110101200001010015\n")

			// Day 31: the first upload is past the purpose's 30 days, the
			// second comes due within the week.
			e.Clock.Set(t0.AddDate(0, 0, 31))
			before := e.EventCount()
			dry, err := e.Retention.Run(ctx, true)
			if err != nil {
				t.Fatal(err)
			}
			if dry.Records != 2 || dry.Ingests != 1 || dry.NextWeek.Records != 1 || dry.NextWeek.Ingests != 1 {
				t.Fatalf("dry run %+v, want 2 records due and 1 next week", dry)
			}
			// (Counted before the records are read: an owner's read is
			// itself logged.)
			if logged := e.EventCount() - before; logged != 0 {
				t.Fatalf("a dry run logged %d events", logged)
			}
			if n, _ := e.records(t, d.ID); n != 3 {
				t.Fatalf("a dry run deleted records: %d left", n)
			}

			run, err := e.Retention.Run(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			if run.Records != 2 || run.Datasets != 1 {
				t.Fatalf("run %+v, want 2 records of 1 dataset deleted", run)
			}
			n, page := e.records(t, d.ID)
			if n != 1 || strings.Contains(page, "11010519491231002X") || !strings.Contains(page, "110101200001010015") {
				t.Fatalf("after the run: %d records, %s", n, page)
			}
			// The network log is kept: 200 days declared, above its 6-month floor.
			if n, _ := e.records(t, long.ID); n != 1 {
				t.Fatalf("network log holds %d records, want 1", n)
			}
			// One event with counts, no identifier (besides the owner's
			// reads, each logged as dataset.read).
			var evs []*sluice.Event
			for _, ev := range e.EventsFrom(before) {
				if ev.Action != sluice.ActionDatasetRead {
					evs = append(evs, ev)
				}
			}
			if len(evs) != 1 || evs[0].Action != retention.ActionRun {
				t.Fatalf("events %+v, want one retention run", evs)
			}
			b, _ := json.Marshal(evs[0])
			if !bytes.Contains(b, []byte(`"records":2`)) || bytes.Contains(b, []byte("1380013")) {
				t.Fatalf("run event %s", b)
			}
			// On SQLite the deleted values are gone from the database file
			// and its write-ahead log.
			if files := e.Stores.RegionFiles; files != nil {
				for _, f := range files("CN") {
					raw, err := os.ReadFile(f)
					if err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
					if bytes.Contains(raw, []byte("440308199901010012")) {
						t.Errorf("%s still holds a deleted resident ID", f)
					}
				}
			}

			// Day 240: the 200-day network log has run out.
			e.Clock.Set(t0.AddDate(0, 0, 240))
			if run, err = e.Retention.Run(ctx, false); err != nil {
				t.Fatal(err)
			} else if n, _ := e.records(t, long.ID); n != 0 || run.Records != 2 {
				t.Fatalf("day 240: run %+v, network log holds %d", run, n)
			}
		})
	}
}

func TestRetention_ConsentWithdrawn(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, engine)
			e.purpose(t, "marketing", "consent", 3650)
			d := e.dataset(t, map[string]any{"name": "leads", "purpose": "marketing", "subject_field": "phone"})
			e.ingest(t, d.ID, "phone\n13800138000\n13900139000\n13800138000\n")
			for _, phone := range []string{"13800138000", "13900139000"} {
				e.Do("POST", "/v1/consents", e.owner, httpapi.CreateConsentRequest{Subject: phone, Purpose: "marketing", Kind: sluice.ConsentGiven, Evidence: "form 1"}).Want(t, 201)
			}
			e.Do("PUT", "/v1/settings", e.owner, httpapi.SettingsRequest{Minimisation: "warn", ConsentGraceDays: 3}).Want(t, 200)
			e.Clock.Add(time.Hour)
			e.Do("POST", "/v1/consents", e.owner, httpapi.CreateConsentRequest{Subject: "13800138000", Purpose: "marketing", Kind: sluice.ConsentWithdrawal}).Want(t, 201)

			// Within the grace period nothing goes.
			e.Clock.Add(2 * 24 * time.Hour)
			if run, err := e.Retention.Run(ctx, false); err != nil || run.Withdrawn != 0 {
				t.Fatalf("in grace: %+v %v", run, err)
			}
			e.Clock.Add(2 * 24 * time.Hour)
			dry, err := e.Retention.Run(ctx, true)
			if err != nil || dry.Withdrawn != 2 {
				t.Fatalf("dry run after grace: %+v %v", dry, err)
			}
			run, err := e.Retention.Run(ctx, false)
			if err != nil || run.Withdrawn != 2 {
				t.Fatalf("after grace: %+v %v", run, err)
			}
			n, page := e.records(t, d.ID)
			key := sluice.NewSubjectKeyer(e.Secret).Key("13800138000")
			if n != 1 || strings.Contains(page, key) || !strings.Contains(page, "13900139000") {
				t.Fatalf("after withdrawal: %d records: %s", n, page)
			}
		})
	}
}

func TestRetention_DatasetRules(t *testing.T) {
	e := newEnv(t, testenv.SQLite)
	for _, tc := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"BelowFloor", map[string]any{"record_type": "network_log", "retention_days": 30}, "Cybersecurity Law Art. 21(3)"},
		{"PIABelowFloor", map[string]any{"record_type": "pia_report", "retention_days": 365}, "PIPL Art. 56"},
		{"AboveMax", map[string]any{"record_type": "negative_credit", "retention_days": 2000}, "5 years"},
		{"UnknownType", map[string]any{"record_type": "diary"}, "network_log"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]any{"name": tc.name, "purpose": "x", "subject_field": "phone"}
			for k, v := range tc.body {
				body[k] = v
			}
			b := e.Do("POST", "/v1/datasets", e.owner, body).Want(t, 400).Error(t)
			if !strings.Contains(b.Message, tc.want) {
				t.Fatalf("error %q lacks %q", b.Message, tc.want)
			}
		})
	}
	// Business data with no record type is bound by no floor.
	e.Do("POST", "/v1/datasets", e.owner, map[string]any{"name": "short", "purpose": "x", "subject_field": "phone", "retention_days": 1}).Want(t, 201)
}

func TestRules_Cutoff(t *testing.T) {
	r := retention.MustLoad()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name        string
		d           sluice.Dataset
		purposeDays int
		want        string // "" for none
	}{
		{"PurposeDays", sluice.Dataset{}, 30, "2026-05-02"},
		{"DatasetDays", sluice.Dataset{RetentionDays: 10}, 30, "2026-05-22"},
		{"Nothing", sluice.Dataset{}, 0, ""},
		{"FloorRaises", sluice.Dataset{RecordType: "processing_record"}, 30, "2023-06-01"},
		{"FloorBelowDeclared", sluice.Dataset{RecordType: "network_log", RetentionDays: 365}, 0, "2025-06-01"},
		{"MaxAlone", sluice.Dataset{RecordType: "negative_credit"}, 0, "2021-06-01"},
		{"MaxLowers", sluice.Dataset{RecordType: "negative_credit"}, 3650, "2021-06-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := r.Cutoff(&tc.d, tc.purposeDays, now)
			got := ""
			if ok {
				got = c.Format(time.DateOnly)
			}
			if got != tc.want {
				t.Fatalf("cutoff %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParse_Errors(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"BothBounds", `{"schema":1,"version":"v","record_types":[{"key":"a","name":"A","ref":"r","confidence":"verified","floor":{"years":1},"max":{"years":2}}]}`, `x.json:1: record type "a": give a floor or a max`},
		{"Twice", "{\"schema\":1,\"version\":\"v\",\"record_types\":[\n{\"key\":\"a\",\"name\":\"A\",\"ref\":\"r\",\"confidence\":\"verified\",\"floor\":{\"years\":1}},\n{\"key\":\"a\",\"name\":\"B\",\"ref\":\"r\",\"confidence\":\"verified\",\"floor\":{\"years\":1}}]}", `x.json:3: record type "a": listed twice`},
		{"NoRef", `{"schema":1,"version":"v","record_types":[{"key":"a","name":"A","confidence":"verified","floor":{"days":1}}]}`, "name and ref required"},
		{"UnknownField", `{"schema":1,"version":"v","record_types":[{"key":"a","nom":"A"}]}`, `unknown field "nom"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := retention.Parse("x.json", []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
