package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/minimisation"
	"github.com/sluice-gateway/sluice/recordio"
)

// An AppTypeValidator knows the app types of the Necessary PI Provisions.
type AppTypeValidator interface {
	ValidateAppType(key string) error
}

// A DatasetValidator checks what a dataset declares against rules kept as
// data (record types and their retention floors).
type DatasetValidator interface {
	ValidateDataset(d *sluice.Dataset) error
}

// A MinimisationReporter builds the over-collection report.
type MinimisationReporter interface {
	Report(ctx context.Context) (*minimisation.Report, error)
}

// rightsRoutes adds the settings and report routes.
func (s *Server) rightsRoutes(mux *http.ServeMux) {
	if s.Settings != nil {
		mux.Handle("GET /v1/settings", s.auth(s.handleGetSettings, sluice.RoleOwner, sluice.RoleAuditor))
		mux.Handle("PUT /v1/settings", s.auth(s.handlePutSettings, sluice.RoleOwner))
	}
	if s.Minimisation != nil {
		mux.Handle("GET /v1/reports/minimisation", s.auth(s.handleMinimisationReport, sluice.RoleOwner, sluice.RoleAuditor))
	}
}

// validateDataset checks a new dataset's app type and record type.
func (s *Server) validateDataset(d *sluice.Dataset) error {
	if d.AppType != "" {
		if s.AppTypes == nil {
			return &sluice.Error{Code: sluice.EUNSUPPORTED, Field: "app_type", Message: "This server has no app types to check app_type against."}
		}
		if err := s.AppTypes.ValidateAppType(d.AppType); err != nil {
			return &sluice.Error{Code: sluice.EINVALID, Field: "app_type", Message: sluice.ErrorMessage(err)}
		}
	}
	if d.RecordType != "" && s.RecordTypes == nil {
		return &sluice.Error{Code: sluice.EUNSUPPORTED, Field: "record_type", Message: "This server has no record types to check record_type against."}
	}
	if s.RecordTypes != nil {
		return s.RecordTypes.ValidateDataset(d)
	}
	return nil
}

// answerIngest answers an upload: a retry of a batch with the answer its
// first upload got, marked Idempotent-Replayed; a first upload with its
// answer, kept for retries when it has a batch id.
func (s *Server) answerIngest(w http.ResponseWriter, r *http.Request, in *sluice.Ingest, rd recordio.Reader) {
	ctx := r.Context()
	if in.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
		if len(in.Answer) > 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			w.Write(in.Answer)
			return
		}
	}
	d, err := s.Datasets.FindDatasetByID(ctx, in.DatasetID)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	res := IngestResponse{Ingest: in, Dataset: d}
	if !in.Replayed {
		res.Charset, res.Format = string(rd.Charset()), string(rd.Format())
	}
	body, err := json.Marshal(res)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if in.BatchID != "" && !in.Replayed {
		if err := s.Records.SaveIngestAnswer(context.WithoutCancel(ctx), in.ID, body); err != nil {
			s.Logger.ErrorContext(ctx, "keep the answer of an upload for retries", "ingest", in.ID, "err", err)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(append(body, '\n'))
}

// SettingsRequest is the body of PUT /v1/settings.
type SettingsRequest struct {
	Minimisation     sluice.MinimisationMode `json:"minimisation"`
	ConsentGraceDays int                     `json:"consent_grace_days"`
}

func (s *Server) handleGetSettings(w http.ResponseWriter, r *http.Request) {
	st, err := s.Settings.FindSettings(r.Context(), sluice.ActorFromContext(r.Context()).Org.ID)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handlePutSettings(w http.ResponseWriter, r *http.Request) {
	var req SettingsRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if req.Minimisation == "" {
		req.Minimisation = sluice.DefaultMinimisationMode
	}
	st := &sluice.OrgSettings{Minimisation: req.Minimisation, ConsentGraceDays: req.ConsentGraceDays}
	if err := s.Settings.PutSettings(r.Context(), st); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleMinimisationReport(w http.ResponseWriter, r *http.Request) {
	rep, err := s.Minimisation.Report(r.Context())
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, rep)
	case "html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		if err := rep.WriteHTML(w); err != nil {
			s.Logger.ErrorContext(r.Context(), "write report page", "err", err)
		}
	default:
		writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "format must be json or html."))
	}
}
