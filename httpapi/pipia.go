package httpapi

import (
	"context"
	"net/http"

	"github.com/sluice-gateway/sluice/processing"
)

// handleOrgPIPIA serves GET /v1/orgs/{id}/pipia: the org's personal
// information protection impact assessments (PIPL Art. 55), one per export,
// provision of sensitive data and automated decision, drafted from
// sluice's own data with the contents of Art. 56 — purpose, method,
// necessity, risks, measures, the processing date and the day until which
// the report is kept (3 years) — and what sluice cannot know marked to be
// completed by the processor. Roles: it only reads; an org's owners and
// auditors read their own org's, supervisors those of the orgs of their
// regions (the view logged).
func (s *Server) handleOrgPIPIA(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	rep, err := s.Processing.OrgPIPIA(r.Context(), id)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// OrgPIPIA returns org id's impact assessments.
func (c *Client) OrgPIPIA(ctx context.Context, id int64) (*processing.PIPIAReport, error) {
	var out processing.PIPIAReport
	return &out, c.doJSON(ctx, "GET", orgPath(id, "pipia"), nil, &out)
}
