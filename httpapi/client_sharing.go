package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// CreateDataset creates a dataset with an owner key.
func (c *Client) CreateDataset(ctx context.Context, req CreateDatasetRequest) (*sluice.Dataset, error) {
	var d sluice.Dataset
	return &d, c.doJSON(ctx, "POST", "/v1/datasets", req, &d)
}

// ListDatasets lists the datasets the key may see.
func (c *Client) ListDatasets(ctx context.Context) (*DatasetList, error) {
	var out DatasetList
	return &out, c.doJSON(ctx, "GET", "/v1/datasets", nil, &out)
}

// UpdateField sets (or, given the field's current keys, confirms) the
// categories of a field.
func (c *Client) UpdateField(ctx context.Context, dataset int64, name string, categories []string) (*sluice.Dataset, error) {
	if categories == nil {
		categories = []string{}
	}
	var d sluice.Dataset
	path := "/v1/datasets/" + strconv.FormatInt(dataset, 10) + "/fields/" + url.PathEscape(name)
	return &d, c.doJSON(ctx, "PATCH", path, UpdateFieldRequest{Categories: &categories}, &d)
}

// CreatePurpose declares a purpose of the key's org.
func (c *Client) CreatePurpose(ctx context.Context, req CreatePurposeRequest) (*sluice.Purpose, error) {
	var p sluice.Purpose
	return &p, c.doJSON(ctx, "POST", "/v1/purposes", req, &p)
}

// ListPurposes lists the key's org's purposes.
func (c *Client) ListPurposes(ctx context.Context) (*PurposeList, error) {
	var out PurposeList
	return &out, c.doJSON(ctx, "GET", "/v1/purposes", nil, &out)
}

// RecordConsent records a consent or its withdrawal with an owner key.
func (c *Client) RecordConsent(ctx context.Context, req CreateConsentRequest) (*sluice.Consent, error) {
	var out sluice.Consent
	return &out, c.doJSON(ctx, "POST", "/v1/consents", req, &out)
}

// ListConsents lists consent records; q filters (subject, subject_key,
// purpose, grant).
func (c *Client) ListConsents(ctx context.Context, q url.Values) (*ConsentList, error) {
	path := "/v1/consents"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out ConsentList
	return &out, c.doJSON(ctx, "GET", path, nil, &out)
}

// GetPolicy returns the org's installed policies.
func (c *Client) GetPolicy(ctx context.Context) (*PolicyResponse, error) {
	var out PolicyResponse
	return &out, c.doJSON(ctx, "GET", "/v1/policies", nil, &out)
}

// PutPolicy installs Cedar text as the org's policies.
func (c *Client) PutPolicy(ctx context.Context, text []byte) (*PolicyResponse, error) {
	req, err := http.NewRequestWithContext(ctx, "PUT", c.URL+"/v1/policies", bytes.NewReader(text))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/plain")
	var out PolicyResponse
	return &out, c.do(req, &out)
}

// Decide asks what a read would be served, reading nothing. The answer is
// the JSON of a DecisionResponse.
func (c *Client) Decide(ctx context.Context, req DecisionRequest) (json.RawMessage, error) {
	var out json.RawMessage
	return out, c.doJSON(ctx, "POST", "/v1/decisions", req, &out)
}

// A ReadPage is one page of a consumer read, as served: the body (JSON
// lines, or CSV) and what its headers say.
type ReadPage struct {
	Body       []byte
	CSV        bool
	Served     int
	Withheld   int
	Fields     string // served fields with their operators
	Denied     string // the grant's fields refused, with the rule
	NextCursor string
	AuditEntry int64
}

// Read reads a page of a dataset through a grant with a consumer key; q
// holds fields, limit, cursor and format.
func (c *Client) Read(ctx context.Context, dataset, grant int64, q url.Values) (*ReadPage, error) {
	q.Set("grant", strconv.FormatInt(grant, 10))
	req, err := http.NewRequestWithContext(ctx, "GET", c.URL+"/v1/datasets/"+strconv.FormatInt(dataset, 10)+"/records?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	var page ReadPage
	err = c.doRaw(req, func(resp *http.Response) error {
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		h := resp.Header
		page.Body, page.CSV = b, strings.HasPrefix(h.Get("Content-Type"), "text/csv")
		page.Served, _ = strconv.Atoi(h.Get(HeaderServed))
		page.Withheld, _ = strconv.Atoi(h.Get(HeaderWithheld))
		page.AuditEntry, _ = strconv.ParseInt(h.Get(HeaderAuditEntry), 10, 64)
		page.Fields, page.Denied, page.NextCursor = h.Get(HeaderFields), h.Get(HeaderDeniedFields), h.Get(HeaderNextCursor)
		return nil
	})
	return &page, err
}

// ReadOwn reads a page of the key's own dataset (owner key).
func (c *Client) ReadOwn(ctx context.Context, dataset int64, q url.Values) (*RecordPage, error) {
	var out RecordPage
	return &out, c.doJSON(ctx, "GET", "/v1/datasets/"+strconv.FormatInt(dataset, 10)+"/records?"+q.Encode(), nil, &out)
}

// PutCatalogEntry sets a dataset's sharing and opening classes in the
// sharing catalogue, with an owner key.
func (c *Client) PutCatalogEntry(ctx context.Context, dataset int64, req CatalogEntryRequest) (*sluice.CatalogEntry, error) {
	var e sluice.CatalogEntry
	return &e, c.doJSON(ctx, "PUT", "/v1/datasets/"+strconv.FormatInt(dataset, 10)+"/catalog", req, &e)
}

// UpdateDataset changes what the owner declares of a dataset.
func (c *Client) UpdateDataset(ctx context.Context, id int64, req UpdateDatasetRequest) (*sluice.Dataset, error) {
	var d sluice.Dataset
	return &d, c.doJSON(ctx, "PATCH", "/v1/datasets/"+strconv.FormatInt(id, 10), req, &d)
}
