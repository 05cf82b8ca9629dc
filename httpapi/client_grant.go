package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sluice-gateway/sluice"
)

// doJSON sends a JSON body (if in is not nil) and decodes the answer.
func (c *Client) doJSON(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.do(req, out)
}

// ListGrants lists the grants of the key's org: role "owner" (grants on
// its datasets), "consumer" (grants it asked for) or "" (the key's role's
// side); status "" for any.
func (c *Client) ListGrants(ctx context.Context, role, status string) (*GrantList, error) {
	q := url.Values{}
	if role != "" {
		q.Set("role", role)
	}
	if status != "" {
		q.Set("status", status)
	}
	path := "/v1/grants"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out GrantList
	return &out, c.doJSON(ctx, "GET", path, nil, &out)
}

// FindGrant returns a grant.
func (c *Client) FindGrant(ctx context.Context, id int64) (*sluice.Grant, error) {
	var g sluice.Grant
	return &g, c.doJSON(ctx, "GET", "/v1/grants/"+strconv.FormatInt(id, 10), nil, &g)
}

// RequestGrant files a grant request with a consumer key.
func (c *Client) RequestGrant(ctx context.Context, req CreateGrantRequest) (*sluice.Grant, error) {
	var g sluice.Grant
	return &g, c.doJSON(ctx, "POST", "/v1/grants", req, &g)
}

// ApproveGrant approves a pending grant with an owner key.
func (c *Client) ApproveGrant(ctx context.Context, id int64, req ApproveGrantRequest) (*sluice.Grant, error) {
	var g sluice.Grant
	return &g, c.doJSON(ctx, "POST", "/v1/grants/"+strconv.FormatInt(id, 10)+"/approve", req, &g)
}

// DenyGrant denies a pending grant with an owner key.
func (c *Client) DenyGrant(ctx context.Context, id int64, reason string) (*sluice.Grant, error) {
	var g sluice.Grant
	return &g, c.doJSON(ctx, "POST", "/v1/grants/"+strconv.FormatInt(id, 10)+"/deny", GrantReasonRequest{Reason: reason}, &g)
}

// RevokeGrant revokes a grant with the owner's or the consumer's key.
func (c *Client) RevokeGrant(ctx context.Context, id int64, reason string) (*sluice.Grant, error) {
	var g sluice.Grant
	return &g, c.doJSON(ctx, "POST", "/v1/grants/"+strconv.FormatInt(id, 10)+"/revoke", GrantReasonRequest{Reason: reason}, &g)
}
