package transfer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/httpapi"
	"github.com/sluice-gateway/sluice/internal/testenv"
	"github.com/sluice-gateway/sluice/storetest"
	"github.com/sluice-gateway/sluice/transfer"
)

// transferServer is the API over fresh stores (a control store, CN and
// EU record stores) with transfers, purposes and consents, on a settable
// clock; see package testenv.
type transferServer struct {
	*testenv.Env
	t         *testing.T
	clock     *testenv.Clock
	events    storetest.EventReader
	log       auditlog.Store
	store     sluice.TransferStore
	auditLog  *auditlog.Log
	purposes  sluice.PurposeService
	consents  sluice.ConsentService
	transfers *transfer.Service
	api       *httpapi.Server
	secret    []byte
}

func newTransferServer(t *testing.T) *transferServer {
	t.Helper()
	e := testenv.New(t, testenv.Options{})
	s := e.Stores
	return &transferServer{
		Env: e, t: t, clock: e.Clock, events: s.Events, log: s.Log, store: s.Transfers, auditLog: e.Log,
		purposes: s.Purposes, consents: s.Consents, transfers: e.Transfers, api: e.API, secret: e.Secret,
	}
}

// key creates the org if need be and returns a new key for it.
func (ts *transferServer) key(o *sluice.Org, role sluice.Role) string {
	ts.t.Helper()
	return ts.Key(o, role)
}

// response is an HTTP answer, read whole.
type response = testenv.Response

// do sends a request with key and header (name, value pairs); a string
// body is sent as JSON text, []byte as CSV, anything else encoded as JSON.
func (ts *transferServer) do(method, path, key string, body any, header ...string) *response {
	ts.t.Helper()
	return ts.Do(method, path, key, body, header...)
}

// want fails the test unless r has status.
func want(t *testing.T, r *response, status int) *response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// wantError fails the test unless r is an error with status and code,
// and, if field is set, names field.
func wantError(t *testing.T, r *response, status int, field string) httpapi.ErrorBody {
	t.Helper()
	want(t, r, status)
	e := r.Error(t)
	if e.Code != map[int]string{400: sluice.EINVALID, 404: sluice.ENOTFOUND, 409: sluice.ECONFLICT, 403: sluice.EFORBIDDEN, 503: sluice.EUNAVAILABLE}[status] || e.Message == "" {
		t.Fatalf("error %+v for status %d", e, status)
	}
	if field != "" && e.Field != field {
		t.Fatalf("error names field %q, want %q: %s", e.Field, field, e.Message)
	}
	return e
}

// people returns a CSV body of the people from to to-1, with fields.
// Values: phone 139 followed by the number, the others derived from it.
func people(from, to int, fields ...string) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(fields, ",") + "\n")
	for i := from; i < to; i++ {
		for j, f := range fields {
			if j > 0 {
				b.WriteByte(',')
			}
			switch f {
			case "phone":
				fmt.Fprintf(&b, "139%08d", i)
			case "name":
				fmt.Fprintf(&b, "Person %d", i)
			default:
				fmt.Fprintf(&b, "%s-%d", f, i)
			}
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// dataset creates a dataset with the people from to to-1 and returns it.
func (ts *transferServer) dataset(key, name string, from, to int, fields ...string) *sluice.Dataset {
	ts.t.Helper()
	var d sluice.Dataset
	want(ts.t, ts.do("POST", "/v1/datasets", key, map[string]string{"name": name, "purpose": "rides", "subject_field": "phone"}), 201).Decode(ts.t, &d)
	if to > from {
		want(ts.t, ts.do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), key, people(from, to, fields...)), 201)
	}
	return &d
}

// transfer requests a transfer and returns it; req's dataset is set.
func (ts *transferServer) transfer(key string, d *sluice.Dataset, req sluice.TransferRequest) *sluice.Transfer {
	ts.t.Helper()
	req.Dataset = d.ID
	var tr sluice.Transfer
	want(ts.t, ts.do("POST", "/v1/transfers", key, req), 201).Decode(ts.t, &tr)
	return &tr
}

// export runs an export and returns the response.
func (ts *transferServer) export(key string, id int64, query string) *response {
	ts.t.Helper()
	return ts.do("GET", fmt.Sprintf("/v1/transfers/%d/export?%s", id, query), key, nil)
}

// csvRows parses a CSV export: its header and rows.
func csvRows(t *testing.T, body []byte) ([]string, [][]string) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("export body is not CSV with a header: %v", err)
	}
	return rows[0], rows[1:]
}

func (ts *transferServer) counters(key string) *sluice.TransferCounterView {
	ts.t.Helper()
	var v sluice.TransferCounterView
	want(ts.t, ts.do("GET", "/v1/transfers/counters", key, nil), 200).Decode(ts.t, &v)
	return &v
}

// event returns the audit event at idx.
func (ts *transferServer) event(idx int64) *sluice.Event {
	ts.t.Helper()
	raw, err := ts.events.ReadEvents(context.Background(), idx, 1)
	if err != nil || len(raw) != 1 {
		ts.t.Fatalf("event %d: %v", idx, err)
	}
	var e sluice.Event
	if err := json.Unmarshal(raw[0], &e); err != nil {
		ts.t.Fatal(err)
	}
	return &e
}

// eventsOf returns the audit events with action, in log order.
func (ts *transferServer) eventsOf(action string) []*sluice.Event {
	ts.t.Helper()
	n, err := ts.events.CountEvents(context.Background())
	if err != nil {
		ts.t.Fatal(err)
	}
	var out []*sluice.Event
	for i := int64(0); i < n; i++ {
		if e := ts.event(i); e.Action == action {
			out = append(out, e)
		}
	}
	return out
}
