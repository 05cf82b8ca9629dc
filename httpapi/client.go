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

// A Client calls a sluice server's API with one API key.
type Client struct {
	URL  string // base URL, e.g. http://127.0.0.1:8080
	Key  string // API key token
	HTTP *http.Client
}

// NewClient returns a client of the server at baseURL.
func NewClient(baseURL, key string) *Client {
	return &Client{URL: strings.TrimRight(baseURL, "/"), Key: key, HTTP: http.DefaultClient}
}

// IngestOptions describe an upload.
type IngestOptions struct {
	Format  string // csv, tsv, jsonl or parquet
	Charset string // "" lets the server detect it
	// Delimiter of CSV fields (comma, semicolon, tab, pipe); "" lets the
	// server sniff it.
	Delimiter string
	Size      int64 // body size if known, -1 otherwise
	// BatchID is sent as the Idempotency-Key: a retry with the same one
	// stores nothing twice and gets the first answer.
	BatchID string
}

// Ingest uploads body into a dataset.
func (c *Client) Ingest(ctx context.Context, datasetID int64, body io.Reader, opts IngestOptions) (*IngestResponse, error) {
	q := url.Values{"format": {opts.Format}}
	if opts.Charset != "" {
		q.Set("charset", opts.Charset)
	}
	if opts.Delimiter != "" {
		q.Set("delimiter", opts.Delimiter)
	}
	req, err := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/v1/datasets/%d/records?%s", c.URL, datasetID, q.Encode()), body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = opts.Size
	req.Header.Set("Content-Type", "application/octet-stream")
	if opts.BatchID != "" {
		req.Header.Set("Idempotency-Key", opts.BatchID)
	}
	var out IngestResponse
	return &out, c.do(req, &out)
}

// FindDataset returns a dataset.
func (c *Client) FindDataset(ctx context.Context, id int64) (*sluice.Dataset, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.URL+"/v1/datasets/"+strconv.FormatInt(id, 10), nil)
	if err != nil {
		return nil, err
	}
	var d sluice.Dataset
	return &d, c.do(req, &d)
}

// do sends req with the key and decodes a JSON answer into out, or the
// JSON error into a *sluice.Error.
func (c *Client) do(req *http.Request, out any) error {
	req.Header.Set("Accept", "application/json")
	return c.doRaw(req, func(resp *http.Response) error {
		if w, ok := out.(io.Writer); ok { // a download: the body as it is
			_, err := io.Copy(w, resp.Body)
			return err
		}
		return json.NewDecoder(resp.Body).Decode(out)
	})
}

// doRaw sends req with the key and hands a successful response to ok; an
// error response becomes a *sluice.Error.
func (c *Client) doRaw(req *http.Request, ok func(*http.Response) error) error {
	req.Header.Set("Authorization", "Bearer "+c.Key)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e ErrorResponse
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error.Code == "" {
			return sluice.Errorf(errorCode(resp.StatusCode), "Server answered %s.", resp.Status)
		}
		return &sluice.Error{Code: e.Error.Code, Message: e.Error.Message, Line: e.Error.Line, Field: e.Error.Field}
	}
	return ok(resp)
}
