package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// CreateTransfer requests a transfer; the server decides its route.
func (c *Client) CreateTransfer(ctx context.Context, req *sluice.TransferRequest) (*sluice.Transfer, error) {
	var t sluice.Transfer
	return &t, c.doJSON(ctx, "POST", "/v1/transfers", req, &t)
}

// ListTransfers lists the key's org's transfers, newest first; status ""
// for any.
func (c *Client) ListTransfers(ctx context.Context, status string) (*TransferList, error) {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	var l TransferList
	return &l, c.doJSON(ctx, "GET", "/v1/transfers?"+q.Encode(), nil, &l)
}

// FindTransfer returns a transfer.
func (c *Client) FindTransfer(ctx context.Context, id int64) (*sluice.Transfer, error) {
	var t sluice.Transfer
	return &t, c.doJSON(ctx, "GET", "/v1/transfers/"+strconv.FormatInt(id, 10), nil, &t)
}

// AttachEvidence attaches a filing, certificate, approval or safeguard.
func (c *Client) AttachEvidence(ctx context.Context, id int64, ev *sluice.TransferEvidence) (*sluice.Transfer, error) {
	var t sluice.Transfer
	return &t, c.doJSON(ctx, "POST", fmt.Sprintf("/v1/transfers/%d/evidence", id), ev, &t)
}

// RevokeTransfer withdraws a transfer.
func (c *Client) RevokeTransfer(ctx context.Context, id int64, reason string) (*sluice.Transfer, error) {
	var t sluice.Transfer
	return &t, c.doJSON(ctx, "POST", fmt.Sprintf("/v1/transfers/%d/revoke", id), RevokeTransferRequest{Reason: reason}, &t)
}

// TransferCounters returns the key's org's year-to-date counters on date
// ("" for today).
func (c *Client) TransferCounters(ctx context.Context, date string) (*sluice.TransferCounterView, error) {
	q := url.Values{}
	if date != "" {
		q.Set("date", date)
	}
	var v sluice.TransferCounterView
	return &v, c.doJSON(ctx, "GET", "/v1/transfers/counters?"+q.Encode(), nil, &v)
}

// ExportInfo is what the headers of an export say about it.
type ExportInfo struct {
	ExportID    int64
	Records     int64
	Withheld    int64
	Subjects    int64
	AuditEntry  int64
	SubjectRoot string
}

// ExportTransfer runs an export and copies its records (CSV or JSONL, as
// opts.Format says) to w.
func (c *Client) ExportTransfer(ctx context.Context, id int64, opts sluice.TransferExportOptions, w io.Writer) (*ExportInfo, error) {
	q := url.Values{}
	for k, v := range map[string]string{"format": opts.Format, "purpose": opts.Purpose, "recipient": opts.Recipient, "fields": strings.Join(opts.Fields, ",")} {
		if v != "" {
			q.Set(k, v)
		}
	}
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/v1/transfers/%d/export?%s", c.URL, id, q.Encode()), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Key)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e ErrorResponse
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error.Code == "" {
			return nil, sluice.Errorf(errorCode(resp.StatusCode), "Server answered %s.", resp.Status)
		}
		return nil, &sluice.Error{Code: e.Error.Code, Message: e.Error.Message, Field: e.Error.Field}
	}
	num := func(h string) int64 {
		n, _ := strconv.ParseInt(resp.Header.Get(h), 10, 64)
		return n
	}
	info := &ExportInfo{ExportID: num(HeaderExportID), Records: num(HeaderRecords), Withheld: num(HeaderWithheld),
		Subjects: num(HeaderSubjects), AuditEntry: num(HeaderAuditEntry), SubjectRoot: resp.Header.Get(HeaderSubjectRoot)}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return info, fmt.Errorf("export %d cut short: %w", info.ExportID, err)
	}
	return info, nil
}
