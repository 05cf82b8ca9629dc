package residency_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"sluice"
)

// TestRecordService_IngestFieldNames checks over the API that a field
// named by an identifier, and a dataset with more fields than one audit
// entry can list, are refused before any record is stored, in messages
// that never repeat the identifier.
func TestRecordService_IngestFieldNames(t *testing.T) {
	ts := newTransferServer(t)
	cn := &sluice.Org{Name: "cn-rides", Region: "CN"}
	key := ts.key(cn, sluice.RoleOwner)
	d := ts.dataset(key, "riders", 0, 0)
	path := fmt.Sprintf("/v1/datasets/%d/records?format=jsonl", d.ID)

	t.Run("ErrIdentifierName", func(t *testing.T) {
		body := "{\"phone\":\"13900000001\",\"13800138000\":\"a friend\"}\n"
		e := wantError(t, ts.do("POST", path, key, []byte(body)), 400, "")
		if strings.Contains(e.Message, "13800138000") || !strings.Contains(e.Message, "field 2") || !strings.Contains(e.Message, "a mobile number") {
			t.Fatalf("message %q", e.Message)
		}
	})
	t.Run("ErrTooManyFields", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString("phone")
		for i := range 2000 {
			fmt.Fprintf(&b, ",column_%d", i)
		}
		b.WriteString("\n13900000001" + strings.Repeat(",x", 2000) + "\n")
		e := wantError(t, ts.do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), key, b.Bytes()), 400, "")
		if !strings.Contains(e.Message, "65535 bytes") {
			t.Fatalf("message %q", e.Message)
		}
	})
	t.Run("ErrNoRecords", func(t *testing.T) {
		e := wantError(t, ts.do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), key, []byte("phone,name\n")), 400, "")
		if !strings.Contains(e.Message, "no records") {
			t.Fatalf("message %q", e.Message)
		}
	})
	var got sluice.Dataset
	want(t, ts.do("GET", fmt.Sprintf("/v1/datasets/%d", d.ID), key, nil), 200).decode(t, &got)
	if got.RecordCount != 0 || len(got.Fields) != 0 {
		t.Fatalf("dataset holds %d records, %d fields after refused ingests", got.RecordCount, len(got.Fields))
	}
}
