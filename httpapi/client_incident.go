package httpapi

import (
	"context"
	"fmt"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/automotive"
	"github.com/sluice-gateway/sluice/duties"
	"github.com/sluice-gateway/sluice/incident"
	"github.com/sluice-gateway/sluice/processing"
)

// OpenIncident records a security incident; the server computes its
// reporting clocks.
func (c *Client) OpenIncident(ctx context.Context, x *sluice.Incident) (*sluice.Incident, error) {
	var out sluice.Incident
	return &out, c.doJSON(ctx, "POST", "/v1/incidents", x, &out)
}

// UpdateIncident changes an open incident.
func (c *Client) UpdateIncident(ctx context.Context, id int64, u incident.Update) (*sluice.Incident, error) {
	var out sluice.Incident
	return &out, c.doJSON(ctx, "PATCH", fmt.Sprintf("/v1/incidents/%d", id), u, &out)
}

// CloseIncident closes an incident.
func (c *Client) CloseIncident(ctx context.Context, id int64) (*sluice.Incident, error) {
	var out sluice.Incident
	return &out, c.doJSON(ctx, "POST", fmt.Sprintf("/v1/incidents/%d/close", id), nil, &out)
}

// orgPath is the path of an org's resource: /v1/orgs/{id}/what, where id
// 0 is the org of the client's key ("me").
func orgPath(id int64, what string) string {
	if id == 0 {
		return "/v1/orgs/me/" + what
	}
	return fmt.Sprintf("/v1/orgs/%d/%s", id, what)
}

// OrgProcessing returns org id's record of processing (0: the key's org).
func (c *Client) OrgProcessing(ctx context.Context, id int64) (*processing.Record, error) {
	var out processing.Record
	return &out, c.doJSON(ctx, "GET", orgPath(id, "processing"), nil, &out)
}

// OrgDuties returns org id's volume duties (0: the key's org).
func (c *Client) OrgDuties(ctx context.Context, id int64) (*duties.Duties, error) {
	var out duties.Duties
	return &out, c.doJSON(ctx, "GET", orgPath(id, "duties"), nil, &out)
}

// OrgAutomotiveReport returns org id's annual report of automotive data
// security management for year (0: the current year); id 0 is the key's
// org.
func (c *Client) OrgAutomotiveReport(ctx context.Context, id int64, year int) (*automotive.Report, error) {
	var out automotive.Report
	path := orgPath(id, "automotive-report")
	if year != 0 {
		path += fmt.Sprintf("?year=%d", year)
	}
	return &out, c.doJSON(ctx, "GET", path, nil, &out)
}
