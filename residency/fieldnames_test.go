package residency_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// TestRecordService_IngestFieldNames checks over the API that a field
// named by an identifier, and a dataset with more fields than one audit
// entry can list, are refused before any record is stored, in messages
// that never repeat the identifier.
func TestRecordService_IngestFieldNames(t *testing.T) {
	ts := testenv.New(t, testenv.Options{})
	cn := &sluice.Org{Name: "cn-rides", Region: "CN"}
	key := ts.Key(cn, sluice.RoleOwner)
	var d sluice.Dataset
	ts.Do("POST", "/v1/datasets", key, map[string]string{"name": "riders", "purpose": "rides", "subject_field": "phone"}).Want(t, 201).Decode(t, &d)
	path := fmt.Sprintf("/v1/datasets/%d/records?format=jsonl", d.ID)

	t.Run("ErrIdentifierName", func(t *testing.T) {
		body := "{\"phone\":\"13900000001\",\"13800138000\":\"a friend\"}\n"
		e := ts.Do("POST", path, key, []byte(body)).Want(t, 400).Error(t)
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
		e := ts.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), key, b.Bytes()).Want(t, 400).Error(t)
		if !strings.Contains(e.Message, "65535 bytes") {
			t.Fatalf("message %q", e.Message)
		}
	})
	t.Run("ErrNoRecords", func(t *testing.T) {
		e := ts.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), key, []byte("phone,name\n")).Want(t, 400).Error(t)
		if !strings.Contains(e.Message, "no records") {
			t.Fatalf("message %q", e.Message)
		}
	})
	var got sluice.Dataset
	ts.Do("GET", fmt.Sprintf("/v1/datasets/%d", d.ID), key, nil).Want(t, 200).Decode(t, &got)
	if got.RecordCount != 0 || len(got.Fields) != 0 {
		t.Fatalf("dataset holds %d records, %d fields after refused ingests", got.RecordCount, len(got.Fields))
	}
}
