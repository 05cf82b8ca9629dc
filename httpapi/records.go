package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/recordio"
)

// RecordPage is the body of GET /v1/datasets/{id}/records.
type RecordPage struct {
	Records    []RecordView `json:"records"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

// RecordView is one record as the API shows it.
type RecordView struct {
	ID         int64           `json:"id"`
	SubjectKey string          `json:"subject_key"`
	Data       json.RawMessage `json:"data"`
}

// handleReadRecords serves GET /v1/datasets/{id}/records: with ?grant=G
// a consumer's governed read (read.go); otherwise the owner's read of its
// own records, which is written to the audit log before the page is sent
// (its index in HeaderAuditEntry). Owners act; consumers read through a
// grant; auditors and supervisors never read records.
func (s *Server) handleReadRecords(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if s.Sharing == nil {
		writeError(w, r, s.Logger, sluice.Errorf(sluice.ENOTFOUND, "Reading records needs governed sharing, which this server does not run."))
		return
	} else if r.URL.Query().Has("grant") {
		s.handleConsumerRead(w, r) // read.go
		return
	} else if sluice.ActorFromContext(ctx).Role != sluice.RoleOwner {
		writeError(w, r, s.Logger, sluice.Errorf(sluice.EFORBIDDEN, "A consumer reads another org's dataset through a grant: add ?grant=ID."))
		return
	}
	d, err := s.dataset(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	limit, after, fields, err := ownerReadParams(r, d)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	read, err := s.Sharing.ReadOwn(ctx, d, after, limit, fields)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	page, err := recordPage(read.Records, limit, fields)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	w.Header().Set(HeaderAuditEntry, strconv.FormatInt(read.AuditEntry, 10))
	writeJSON(w, http.StatusOK, page)
}

// ownerReadParams parses the limit, cursor and fields of an owner's read
// of d.
func ownerReadParams(r *http.Request, d *sluice.Dataset) (limit int, after int64, fields []string, err error) {
	q := r.URL.Query()
	limit = DefaultPageSize
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > MaxPageSize {
			return 0, 0, nil, sluice.Errorf(sluice.EINVALID, "limit must be a number from 1 to %d.", MaxPageSize)
		}
	}
	if v := q.Get("cursor"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return 0, 0, nil, sluice.Errorf(sluice.EINVALID, "cursor %q is not a cursor from a previous page.", v)
		}
	}
	if v := q.Get("fields"); v != "" {
		for _, name := range strings.Split(v, ",") {
			if d.Field(name) == nil {
				return 0, 0, nil, &sluice.Error{Code: sluice.EINVALID, Field: name, Message: fmt.Sprintf("Dataset %d has no field %q.", d.ID, name)}
			}
			fields = append(fields, name)
		}
	}
	return limit, after, fields, nil
}

// recordPage returns the first limit of recs, with only fields if any
// are named, and the cursor of the next page if there is one.
func recordPage(recs []*sluice.Record, limit int, fields []string) (RecordPage, error) {
	page := RecordPage{Records: make([]RecordView, 0, min(len(recs), limit))}
	for i, rec := range recs {
		if i == limit {
			page.NextCursor = strconv.FormatInt(recs[i-1].ID, 10)
			break
		}
		data := json.RawMessage(rec.Data)
		if fields != nil {
			var err error
			if data, err = recordio.ProjectStored(rec.Data, fields); err != nil {
				return page, err
			}
		}
		page.Records = append(page.Records, RecordView{ID: rec.ID, SubjectKey: rec.SubjectKey, Data: data})
	}
	return page, nil
}
