package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/dsr"
)

// FileSubjectRequest files a data-subject request.
func (c *Client) FileSubjectRequest(ctx context.Context, req *dsr.FileRequest) (*sluice.SubjectRequest, error) {
	var out sluice.SubjectRequest
	return &out, c.doJSON(ctx, http.MethodPost, "/v1/subject-requests", req, &out)
}

// ListSubjectRequests lists the org's requests, overdue first; state ""
// for any.
func (c *Client) ListSubjectRequests(ctx context.Context, state string) (*SubjectRequestList, error) {
	path := "/v1/subject-requests"
	if state != "" {
		path += "?state=" + url.QueryEscape(state)
	}
	var out SubjectRequestList
	return &out, c.doJSON(ctx, http.MethodGet, path, nil, &out)
}

// FindSubjectRequest returns one request.
func (c *Client) FindSubjectRequest(ctx context.Context, id int64) (*sluice.SubjectRequest, error) {
	var out sluice.SubjectRequest
	return &out, c.doJSON(ctx, http.MethodGet, "/v1/subject-requests/"+strconv.FormatInt(id, 10), nil, &out)
}

// SubjectRequestAction verifies, fulfils, refuses or extends a request.
func (c *Client) SubjectRequestAction(ctx context.Context, id int64, action string, req SubjectRequestAction) (*sluice.SubjectRequest, error) {
	var out sluice.SubjectRequest
	return &out, c.doJSON(ctx, http.MethodPost, "/v1/subject-requests/"+strconv.FormatInt(id, 10)+"/"+action, req, &out)
}

// SubjectPackage downloads a fulfilled request's package as a zip
// archive, or as JSON with format "json", into w.
func (c *Client) SubjectPackage(ctx context.Context, id int64, format string, w io.Writer) error {
	path := "/v1/subject-requests/" + strconv.FormatInt(id, 10) + "/package"
	if format != "" {
		path += "?format=" + url.QueryEscape(format)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+path, nil)
	if err != nil {
		return err
	}
	return c.do(req, w)
}
