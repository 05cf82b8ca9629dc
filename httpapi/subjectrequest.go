package httpapi

import (
	"net/http"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/dsr"
)

// subjectRequestRoutes adds the data-subject request and legal-hold
// routes: owners file and act, auditors read.
func (s *Server) subjectRequestRoutes(mux *http.ServeMux) {
	if s.SubjectRequests == nil {
		return
	}
	read := []sluice.Role{sluice.RoleOwner, sluice.RoleAuditor}
	mux.Handle("POST /v1/subject-requests", s.auth(s.handleFileSubjectRequest, sluice.RoleOwner))
	mux.Handle("GET /v1/subject-requests", s.auth(s.handleListSubjectRequests, read...))
	mux.Handle("GET /v1/subject-requests/{id}", s.auth(s.handleGetSubjectRequest, read...))
	mux.Handle("GET /v1/subject-requests/{id}/package", s.auth(s.handleSubjectPackage, sluice.RoleOwner))
	mux.Handle("GET /v1/subject-requests/policy", s.auth(s.handleGetDSRPolicy, read...))
	mux.Handle("PUT /v1/subject-requests/policy", s.auth(s.handlePutDSRPolicy, sluice.RoleOwner))
	// Each route written out whole, so that the OpenAPI test finds it.
	for route, action := range map[string]string{
		"POST /v1/subject-requests/{id}/verify": "verify",
		"POST /v1/subject-requests/{id}/fulfil": "fulfil",
		"POST /v1/subject-requests/{id}/refuse": "refuse",
		"POST /v1/subject-requests/{id}/extend": "extend",
		"POST /v1/subject-requests/{id}/lift":   "lift",
	} {
		mux.Handle(route, s.auth(s.handleSubjectRequestAction(action), sluice.RoleOwner))
	}
	mux.Handle("GET /v1/holds", s.auth(s.handleListHolds, read...))
	mux.Handle("POST /v1/datasets/{id}/hold", s.auth(s.handlePlaceHold, sluice.RoleOwner))
	mux.Handle("DELETE /v1/datasets/{id}/hold", s.auth(s.handleLiftHold, sluice.RoleOwner))
	mux.Handle("DELETE /v1/datasets/{id}", s.auth(s.handleDeleteDataset, sluice.RoleOwner))
}

// DeleteDatasetRequest is the optional body of DELETE /v1/datasets/{id}:
// force a deletion that a legal hold or an open grant or transfer stands
// in the way of, with the reason.
type DeleteDatasetRequest struct {
	Force  bool   `json:"force,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func (s *Server) handleDeleteDataset(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Dataset")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	var req DeleteDatasetRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
	}
	out, err := s.SubjectRequests.DeleteDataset(r.Context(), id, req.Force, req.Reason)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// SubjectRequestList is the body of GET /v1/subject-requests: overdue
// requests first.
type SubjectRequestList struct {
	Requests []*sluice.SubjectRequest `json:"requests"`
}

// SubjectRequestAction is the body of POST /v1/subject-requests/{id}/ACTION:
// the reason of a refusal or an extension, the evidence of a verification.
type SubjectRequestAction struct {
	Reason   string `json:"reason,omitempty"`
	Evidence string `json:"evidence,omitempty"`
}

// HoldRequest is the body of POST /v1/datasets/{id}/hold.
type HoldRequest struct {
	Reason string `json:"reason"`
}

// HoldList is the body of GET /v1/holds.
type HoldList struct {
	Holds []*sluice.DatasetHold `json:"holds"`
}

func (s *Server) handleFileSubjectRequest(w http.ResponseWriter, r *http.Request) {
	var req dsr.FileRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	sr, err := s.SubjectRequests.File(r.Context(), &req)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusCreated, sr)
}

func (s *Server) handleListSubjectRequests(w http.ResponseWriter, r *http.Request) {
	var state *sluice.SubjectRequestState
	if v := r.URL.Query().Get("state"); v != "" {
		st := sluice.SubjectRequestState(v)
		state = &st
	}
	rs, err := s.SubjectRequests.List(r.Context(), state)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if rs == nil {
		rs = []*sluice.SubjectRequest{}
	}
	writeJSON(w, http.StatusOK, SubjectRequestList{Requests: rs})
}

func (s *Server) handleGetSubjectRequest(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Subject request")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	sr, err := s.SubjectRequests.Find(r.Context(), id)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, sr)
}

func (s *Server) handleSubjectRequestAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "Subject request")
		if err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
		var req SubjectRequestAction
		if r.ContentLength != 0 {
			if err := decodeJSON(w, r, &req); err != nil {
				writeError(w, r, s.Logger, err)
				return
			}
		}
		ctx, svc := r.Context(), s.SubjectRequests
		var sr *sluice.SubjectRequest
		switch action {
		case "verify":
			sr, err = svc.Verify(ctx, id, req.Evidence)
		case "fulfil":
			sr, err = svc.Fulfil(ctx, id)
		case "refuse":
			sr, err = svc.Refuse(ctx, id, req.Reason)
		case "extend":
			sr, err = svc.Extend(ctx, id, req.Reason)
		case "lift":
			sr, err = svc.Lift(ctx, id)
		}
		if err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
		writeJSON(w, http.StatusOK, sr)
	}
}

// handleSubjectPackage serves GET /v1/subject-requests/{id}/package: a
// zip archive, or with ?format=json one JSON document.
func (s *Server) handleSubjectPackage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Subject request")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	p, err := s.SubjectRequests.Package(r.Context(), id)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if r.URL.Query().Get("format") == "json" {
		writeJSON(w, http.StatusOK, p)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="subject-request-`+r.PathValue("id")+`.zip"`)
	if err := p.WriteZip(w); err != nil {
		s.Logger.ErrorContext(r.Context(), "write subject package", "err", err)
	}
}

func (s *Server) handlePlaceHold(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Dataset")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	var req HoldRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	h, err := s.SubjectRequests.PlaceHold(r.Context(), id, req.Reason)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusCreated, h)
}

func (s *Server) handleLiftHold(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Dataset")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if err := s.SubjectRequests.LiftHold(r.Context(), id); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleListHolds(w http.ResponseWriter, r *http.Request) {
	hs, err := s.SubjectRequests.Holds(r.Context())
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, HoldList{Holds: hs})
}

// DSRPolicy is the body of GET and PUT /v1/subject-requests/policy: the
// org's deadline for CN requests, in working days (0 on PUT: the default).
type DSRPolicy struct {
	CNWorkingDays int `json:"cn_working_days"`
}

func (s *Server) handlePutDSRPolicy(w http.ResponseWriter, r *http.Request) {
	var req DSRPolicy
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if err := s.SubjectRequests.SetWorkingDays(r.Context(), req.CNWorkingDays); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	s.handleGetDSRPolicy(w, r)
}

func (s *Server) handleGetDSRPolicy(w http.ResponseWriter, r *http.Request) {
	n, err := s.SubjectRequests.WorkingDays(r.Context())
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, DSRPolicy{CNWorkingDays: n})
}
