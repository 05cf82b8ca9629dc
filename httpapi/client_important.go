package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/sluice-gateway/sluice"
)

func importantPath(dataset int64) string {
	return "/v1/datasets/" + strconv.FormatInt(dataset, 10) + "/important"
}

// SetImportantNotice records that an authority notified the dataset as
// important data, with an owner key.
func (c *Client) SetImportantNotice(ctx context.Context, dataset int64, req ImportantRequest) (*sluice.ImportantNotice, error) {
	var n sluice.ImportantNotice
	return &n, c.doJSON(ctx, "PUT", importantPath(dataset), req, &n)
}

// ClearImportantNotice clears the dataset's notice, with an owner key.
func (c *Client) ClearImportantNotice(ctx context.Context, dataset int64) error {
	req, err := http.NewRequestWithContext(ctx, "DELETE", c.URL+importantPath(dataset), nil)
	if err != nil {
		return err
	}
	return c.doRaw(req, func(*http.Response) error { return nil })
}

// ImportantNotice returns the dataset's notice.
func (c *Client) ImportantNotice(ctx context.Context, dataset int64) (*sluice.ImportantNotice, error) {
	var n sluice.ImportantNotice
	return &n, c.doJSON(ctx, "GET", importantPath(dataset), nil, &n)
}
