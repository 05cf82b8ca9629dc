package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/minimisation"
)

// MinimisationReport returns the over-collection report.
func (c *Client) MinimisationReport(ctx context.Context) (*minimisation.Report, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.URL+"/v1/reports/minimisation", nil)
	if err != nil {
		return nil, err
	}
	var out minimisation.Report
	return &out, c.do(req, &out)
}

// MinimisationReportHTML returns the over-collection report as an HTML
// page.
func (c *Client) MinimisationReportHTML(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.URL+"/v1/reports/minimisation?format=html", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Key)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e ErrorResponse
		if json.NewDecoder(resp.Body).Decode(&e) == nil && e.Error.Code != "" {
			return nil, &sluice.Error{Code: e.Error.Code, Message: e.Error.Message}
		}
		return nil, sluice.Errorf(errorCode(resp.StatusCode), "Server answered %s.", resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// PutSettings replaces the key's org's settings.
func (c *Client) PutSettings(ctx context.Context, st SettingsRequest) (*sluice.OrgSettings, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, "PUT", c.URL+"/v1/settings", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	var out sluice.OrgSettings
	if err := c.do(req, &out); err != nil {
		return nil, fmt.Errorf("put settings: %w", err)
	}
	return &out, nil
}

// Settings returns the key's org's settings.
func (c *Client) Settings(ctx context.Context) (*sluice.OrgSettings, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.URL+"/v1/settings", nil)
	if err != nil {
		return nil, err
	}
	var out sluice.OrgSettings
	return &out, c.do(req, &out)
}
