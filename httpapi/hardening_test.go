package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
)

// TestServer_DatasetVisible checks that decisions and grant requests
// about a dataset the consumer may not see answer exactly as for a
// dataset that does not exist.
func TestServer_DatasetVisible(t *testing.T) {
	ss := newSharingServer(t)
	owner := ss.key("cn-rides", "CN", "", sluice.RoleOwner)
	consumer := ss.key("cn-insure", "CN", "", sluice.RoleConsumer)
	var d sluice.Dataset
	want(t, ss.do("POST", "/v1/datasets", owner, map[string]string{"name": "trips", "purpose": "ride-hailing", "subject_field": "phone"}), 201).Decode(t, &d)
	want(t, ss.do("POST", "/v1/purposes", consumer, map[string]any{"name": "risk-model", "legal_basis": "consent", "retention_days": 180}), 201)
	ss.Sharing.DatasetVisible = func(context.Context, *sluice.Org, *sluice.Dataset) bool { return false }
	missing := d.ID + 1000
	same := func(path string, body func(id int64) map[string]any) {
		t.Helper()
		hidden, gone := ss.do("POST", path, consumer, body(d.ID)), ss.do("POST", path, consumer, body(missing))
		he, ge := hidden.Error(t), gone.Error(t)
		if hidden.Status != gone.Status || he.Code != ge.Code || strings.ReplaceAll(he.Message, fmt.Sprint(d.ID), "N") != strings.ReplaceAll(ge.Message, fmt.Sprint(missing), "N") {
			t.Fatalf("%s: hidden %d %+v, missing %d %+v", path, hidden.Status, he, gone.Status, ge)
		}
	}
	same("/v1/decisions", func(id int64) map[string]any {
		return map[string]any{"dataset": id, "purpose": "risk-model", "fields": []string{"phone"}}
	})
	same("/v1/grants", func(id int64) map[string]any {
		return map[string]any{"dataset": id, "fields": []string{"phone"}, "purpose": "risk-model", "legal_basis": "consent", "justification": "pricing", "duration_days": 30}
	})
	// Once visible, the dataset is found.
	ss.Sharing.DatasetVisible = func(context.Context, *sluice.Org, *sluice.Dataset) bool { return true }
	if r := ss.do("POST", "/v1/decisions", consumer, map[string]any{"dataset": d.ID, "purpose": "risk-model", "fields": []string{"phone"}}); r.Status == 404 {
		t.Fatalf("a visible dataset: %d %s", r.Status, r.Body)
	}
}

// TestServer_BodyDeadline checks that an upload that stalls fails with
// 408 once the body window passes, and keeps nothing.
func TestServer_BodyDeadline(t *testing.T) {
	ss := newSharingServer(t)
	ss.API.BodyWindow = 200 * time.Millisecond
	owner := ss.key("cn-rides", "CN", "", sluice.RoleOwner)
	var d sluice.Dataset
	want(t, ss.do("POST", "/v1/datasets", owner, map[string]string{"name": "trips", "purpose": "ride-hailing", "subject_field": "phone"}), 201).Decode(t, &d)

	c, err := net.Dial("tcp", strings.TrimPrefix(ss.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := "phone,name\n13900000001,a\n"
	fmt.Fprintf(c, "POST /v1/datasets/%d/records?format=csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s",
		d.ID, owner, len(body)+1000, body) // promises more than it sends
	resp, err := http.ReadResponse(bufioReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(b), "too slowly") {
		t.Fatalf("stalled upload: %d %s", resp.StatusCode, b)
	}
	var got sluice.Dataset
	want(t, ss.do("GET", fmt.Sprintf("/v1/datasets/%d", d.ID), owner, nil), 200).Decode(t, &got)
	if got.RecordCount != 0 {
		t.Fatalf("%d records kept", got.RecordCount)
	}
}

func bufioReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }
