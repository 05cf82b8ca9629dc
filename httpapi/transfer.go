package httpapi

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// transferRoutes adds the cross-border transfer endpoints, when the server
// has a TransferService:
//
//	POST /v1/transfers                  owner: request a transfer; the server decides its route
//	GET  /v1/transfers                  owner, auditor: the org's transfers (?status=, ?dataset=)
//	GET  /v1/transfers/counters         owner, auditor: year-to-date counters against thresholds (?date=)
//	GET  /v1/transfers/{id}             owner, auditor: one transfer
//	POST /v1/transfers/{id}/evidence    owner: attach a filing, certificate, approval or safeguard
//	POST /v1/transfers/{id}/revoke      owner: withdraw it
//	GET  /v1/transfers/{id}/export      owner: the records, CSV or JSONL (?format=, ?fields=, ?purpose=, ?recipient=)
func (s *Server) transferRoutes(mux *http.ServeMux) {
	if s.Transfers == nil {
		return
	}
	mux.Handle("POST /v1/transfers", s.auth(s.handleCreateTransfer, sluice.RoleOwner))
	mux.Handle("GET /v1/transfers", s.auth(s.handleListTransfers, sluice.RoleOwner, sluice.RoleAuditor))
	mux.Handle("GET /v1/transfers/counters", s.auth(s.handleTransferCounters, sluice.RoleOwner, sluice.RoleAuditor))
	mux.Handle("GET /v1/transfers/{id}", s.auth(s.handleGetTransfer, sluice.RoleOwner, sluice.RoleAuditor))
	mux.Handle("POST /v1/transfers/{id}/evidence", s.auth(s.handleTransferEvidence, sluice.RoleOwner))
	mux.Handle("POST /v1/transfers/{id}/revoke", s.auth(s.handleRevokeTransfer, sluice.RoleOwner))
	mux.Handle("GET /v1/transfers/{id}/export", s.auth(s.handleExportTransfer, sluice.RoleOwner))
}

// TransferList is the body of GET /v1/transfers.
type TransferList struct {
	Transfers []*sluice.Transfer `json:"transfers"`
	Total     int                `json:"total"`
}

// RevokeTransferRequest is the body of POST /v1/transfers/{id}/revoke.
type RevokeTransferRequest struct {
	Reason string `json:"reason"`
}

// Headers of an export response (GET /v1/transfers/{id}/export). The
// export is counted and its audit entry durable before the first byte is
// sent, so what it releases travels as headers, beside HeaderWithheld
// (records held back: no separate consent for the export) and
// HeaderAuditEntry.
const (
	HeaderExportID    = "Sluice-Export-Id"
	HeaderRecords     = "Sluice-Records"      // records in the body
	HeaderSubjects    = "Sluice-Subjects"     // distinct people in the body
	HeaderSubjectRoot = "Sluice-Subject-Root" // the audit entry's commitment to the subject keys released
)

func (s *Server) handleCreateTransfer(w http.ResponseWriter, r *http.Request) {
	var req sluice.TransferRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	t, err := s.Transfers.CreateTransfer(r.Context(), &req)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) handleListTransfers(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := pageParams(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	filter := sluice.TransferFilter{Limit: limit, Offset: offset}
	q := r.URL.Query()
	if v := q.Get("status"); v != "" {
		st := sluice.TransferStatus(v)
		if err := st.Validate(); err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
		filter.Status = &st
	}
	if v := q.Get("dataset"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "dataset %q is not a dataset id.", v))
			return
		}
		filter.DatasetID = &id
	}
	ts, n, err := s.Transfers.FindTransfers(r.Context(), filter)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if ts == nil {
		ts = []*sluice.Transfer{}
	}
	writeJSON(w, http.StatusOK, TransferList{Transfers: ts, Total: n})
}

func (s *Server) handleTransferCounters(w http.ResponseWriter, r *http.Request) {
	v, err := s.Transfers.TransferCounters(r.Context(), r.URL.Query().Get("date"))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleGetTransfer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Transfer")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	t, err := s.Transfers.FindTransferByID(r.Context(), id)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) handleTransferEvidence(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Transfer")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	var ev sluice.TransferEvidence
	if err := decodeJSON(w, r, &ev); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	t, err := s.Transfers.AttachEvidence(r.Context(), id, &ev)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) handleRevokeTransfer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Transfer")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	var req RevokeTransferRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
	}
	t, err := s.Transfers.RevokeTransfer(r.Context(), id, req.Reason)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// exportContentTypes are the media types of the export formats.
var exportContentTypes = map[string]string{"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}

func (s *Server) handleExportTransfer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Transfer")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	q := r.URL.Query()
	opts := sluice.TransferExportOptions{Format: q.Get("format"), Purpose: q.Get("purpose"), Recipient: q.Get("recipient")}
	if opts.Format == "" {
		opts.Format = formatFromAccept(r.Header.Get("Accept"))
	}
	if v := q.Get("fields"); v != "" {
		opts.Fields = strings.Split(v, ",")
	}
	started := false
	_, err = s.Transfers.ExportTransfer(r.Context(), id, opts, func(x *sluice.TransferExport) (io.Writer, error) {
		h := w.Header()
		h.Set("Content-Type", exportContentTypes[x.Format])
		h.Set("Content-Disposition", `attachment; filename="transfer-`+strconv.FormatInt(x.TransferID, 10)+"-"+strconv.FormatInt(x.ID, 10)+"."+x.Format+`"`)
		h.Set(HeaderExportID, strconv.FormatInt(x.ID, 10))
		h.Set(HeaderRecords, strconv.FormatInt(x.Records, 10))
		h.Set(HeaderWithheld, strconv.FormatInt(x.Withheld, 10))
		h.Set(HeaderSubjects, strconv.FormatInt(x.Subjects, 10))
		h.Set(HeaderAuditEntry, strconv.FormatInt(x.EventIndex, 10))
		if x.SubjectSet != nil {
			h.Set(HeaderSubjectRoot, x.SubjectSet.Root)
		}
		w.WriteHeader(http.StatusOK)
		started = true
		return w, nil
	})
	if err != nil && !started {
		writeError(w, r, s.Logger, err)
	}
	// Once records flow, a failure can only cut the body short; the
	// service has logged it.
}

// formatFromAccept picks csv or jsonl from an Accept header; "" lets the
// service choose.
func formatFromAccept(accept string) string {
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/csv":
			return "csv"
		case "application/x-ndjson", "application/jsonl", "application/jsonlines":
			return "jsonl"
		}
	}
	return ""
}
