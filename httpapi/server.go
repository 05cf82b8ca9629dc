package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/automotive"
	"github.com/sluice-gateway/sluice/dsr"
	"github.com/sluice-gateway/sluice/duties"
	"github.com/sluice-gateway/sluice/incident"
	"github.com/sluice-gateway/sluice/processing"
	"github.com/sluice-gateway/sluice/sharing"
	"github.com/sluice-gateway/sluice/supervise"
)

// DefaultMaxBodyBytes bounds an upload. Uploads stream, so the limit is
// about disk, not memory.
const DefaultMaxBodyBytes = 16 << 30

// DefaultPageSize and MaxPageSize bound a page of records.
const (
	DefaultPageSize = 100
	MaxPageSize     = 10000
)

// Server is the HTTP API. Set the services, then use Handler.
type Server struct {
	Keys     sluice.KeyService
	Datasets sluice.DatasetService
	Records  sluice.RecordService

	// Catalog describes data categories, for corrections of a field's
	// categories.
	Catalog Catalog

	// Extra routes mounted beside the API, e.g. the audit log under /log/.
	Mounts map[string]http.Handler

	// MaxBodyBytes bounds an upload; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxFieldBytes and MaxRecordBytes bound one value and one record of
	// an upload, in every format; 0 means recordio's defaults (1 MiB,
	// 16 MiB).
	MaxFieldBytes, MaxRecordBytes int
	// TempDir holds Parquet uploads while they are read; "" is os.TempDir.
	TempDir string

	// Governed sharing (routes.go): served when Sharing is set.
	Sharing *sharing.Service

	// Cross-border transfers (transfer.go): served when set.
	Transfers sluice.TransferService
	// Notified important data (important.go): served when set.
	Important sluice.ImportantService

	// Volume duties of organisations (duties.go): served when set.
	Duties *duties.Service

	// Security incidents (incident.go): served when set.
	Incidents *incident.Service

	// Records of processing (duties.go): served when set.
	Processing *processing.Service
	Automotive *automotive.Service // the automotive annual report; nil: not served

	// Data-subject requests and legal holds (subjectrequest.go): served
	// when set.
	SubjectRequests *dsr.Service
	// AuthLimiter limits failed authentications per client address; nil
	// for no limit.
	AuthLimiter *AuthLimiter

	// BodyWindow and MinBodyRate bound slow uploads: a request body must
	// bring MinBodyRate bytes per second over each BodyWindow, or its read
	// fails (0: DefaultBodyWindow, DefaultMinBodyRate).
	BodyWindow  time.Duration
	MinBodyRate int64
	// Minimisation, retention and settings (rights.go): served when set.
	Settings     sluice.SettingsService
	AppTypes     AppTypeValidator
	RecordTypes  DatasetValidator
	Minimisation MinimisationReporter
	// The supervisor's reading across orgs (supervisor.go): served when set.
	Supervise *supervise.Service
	// Metrics, when set, count requests, ingests and category matches.
	Metrics *Metrics

	Logger *slog.Logger
}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	mux.HandleFunc("GET /v1/openapi.json", handleOpenAPI)
	mux.Handle("POST /v1/datasets", s.auth(s.handleCreateDataset, sluice.RoleOwner))
	mux.Handle("GET /v1/datasets", s.auth(s.handleListDatasets, sluice.RoleOwner, sluice.RoleAuditor, sluice.RoleConsumer))
	mux.Handle("GET /v1/datasets/{id}", s.auth(s.handleGetDataset, sluice.RoleOwner, sluice.RoleAuditor, sluice.RoleConsumer))
	mux.Handle("PATCH /v1/datasets/{id}/fields/{name}", s.auth(s.handleUpdateField, sluice.RoleOwner))
	mux.Handle("POST /v1/datasets/{id}/records", s.auth(s.handleIngest, sluice.RoleOwner))
	mux.Handle("GET /v1/datasets/{id}/records", s.auth(s.handleReadRecords, sluice.RoleOwner, sluice.RoleConsumer))
	if s.Sharing != nil {
		s.sharingRoutes(mux)
		s.catalogRoutes(mux)
	}
	s.transferRoutes(mux)
	if s.Important != nil {
		s.importantRoutes(mux)
	}
	s.dutyRoutes(mux)
	s.incidentRoutes(mux)
	s.subjectRequestRoutes(mux)
	s.rightsRoutes(mux)
	if s.Supervise != nil {
		s.supervisorRoutes(mux)
	}
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.Logger, sluice.Errorf(sluice.ENOTFOUND, "No such endpoint: %s %s.", r.Method, r.URL.Path))
	})
	for pattern, h := range s.Mounts {
		mux.Handle(pattern, h)
	}
	return secure(s.bodyDeadline(s.observe(mux)))
}

// auth authenticates the bearer key and checks its role.
func (s *Server) auth(h http.HandlerFunc, roles ...sluice.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authBlocked(w, r) {
			return
		}
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sluice"`)
			writeError(w, r, s.Logger, sluice.Errorf(sluice.EUNAUTHORIZED, "Send an API key: Authorization: Bearer <key>."))
			return
		}
		err := checkToken(token)
		var key *sluice.APIKey
		if err == nil {
			key, err = s.Keys.Authenticate(r.Context(), token)
		}
		if err != nil {
			if sluice.ErrorCode(err) == sluice.EUNAUTHORIZED {
				s.authFailed(r, authFailure(err))
				w.Header().Set("WWW-Authenticate", `Bearer realm="sluice", error="invalid_token"`)
			}
			writeError(w, r, s.Logger, err)
			return
		}
		allowed := false
		for _, role := range roles {
			allowed = allowed || key.Role == role
		}
		if !allowed {
			writeError(w, r, s.Logger, sluice.Errorf(sluice.EFORBIDDEN, "A %s key cannot do this.", key.Role))
			return
		}
		ctx := sluice.NewContextWithActor(r.Context(), &sluice.Actor{Org: key.Org, Role: key.Role, Key: key.ID, Regions: key.Regions})
		h(w, r.WithContext(ctx))
	})
}

// CreateDatasetRequest is the body of POST /v1/datasets.
type CreateDatasetRequest struct {
	Name string `json:"name"`
	// Purposes names purposes the org declared (POST /v1/purposes);
	// Purpose is the older free-text label, still accepted.
	Purposes      []string `json:"purposes,omitempty"`
	Purpose       string   `json:"purpose"`
	SubjectField  string   `json:"subject_field"`
	AppType       string   `json:"app_type,omitempty"`
	RetentionDays int      `json:"retention_days,omitempty"`
	RecordType    string   `json:"record_type,omitempty"`
	KeyField      string   `json:"key_field,omitempty"`
	// EventField: for a negative_credit dataset, the field with the day
	// the conduct or event ended (Credit Reporting Industry Regulations
	// Art. 16).
	EventField string `json:"event_field,omitempty"`
	// Minors: the dataset holds personal information of children under 14.
	Minors     bool                    `json:"minors,omitempty"`
	Automotive *sluice.AutoDeclaration `json:"automotive,omitempty"` // see PATCH /v1/datasets/{id}
}

func (s *Server) handleCreateDataset(w http.ResponseWriter, r *http.Request) {
	var req CreateDatasetRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	d := &sluice.Dataset{Name: req.Name, Purposes: req.Purposes, Purpose: req.Purpose, SubjectField: req.SubjectField, Minors: req.Minors,
		AppType: req.AppType, RetentionDays: req.RetentionDays, RecordType: req.RecordType, KeyField: req.KeyField,
		EventField: req.EventField}
	s.declare(r, d, req.Automotive)
	if err := s.validateDataset(d); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if err := s.Datasets.CreateDataset(r.Context(), d); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

// DatasetList is the body of GET /v1/datasets.
type DatasetList struct {
	Datasets []*sluice.Dataset `json:"datasets"`
	Total    int               `json:"total"`
}

func (s *Server) handleListDatasets(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := pageParams(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	ds, n, err := s.Datasets.FindDatasets(r.Context(), sluice.DatasetFilter{Limit: limit, Offset: offset})
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if ds == nil {
		ds = []*sluice.Dataset{}
	}
	writeJSON(w, http.StatusOK, DatasetList{Datasets: ds, Total: n})
}

func (s *Server) handleGetDataset(w http.ResponseWriter, r *http.Request) {
	d, err := s.dataset(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) dataset(r *http.Request) (*sluice.Dataset, error) {
	id, err := pathID(r, "Dataset")
	if err != nil {
		return nil, err
	}
	return s.Datasets.FindDatasetByID(r.Context(), id)
}

// pathID parses the {id} of a path naming one object of a kind ("Grant"):
// anything but a positive number is an object that does not exist.
func pathID(r *http.Request, kind string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, sluice.Errorf(sluice.ENOTFOUND, "%s %q not found.", kind, r.PathValue("id"))
	}
	return id, nil
}

// orgPathID returns the org id of a /v1/orgs/{id}/… path, where "me" is
// the org of the caller's key; EINVALID if it is neither "me" nor a
// positive number.
func orgPathID(r *http.Request) (int64, error) {
	if r.PathValue("id") == "me" {
		if a := sluice.ActorFromContext(r.Context()); a != nil && a.Org != nil {
			return a.Org.ID, nil
		}
		return 0, sluice.Errorf(sluice.EINVALID, "A supervisor's key belongs to no org: name the org by its id.")
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, sluice.Errorf(sluice.EINVALID, "Org id %q is not a number.", r.PathValue("id"))
	}
	return id, nil
}

// decodeJSON reads a JSON request body of at most 1 MiB into v, refusing
// unknown fields, repeated keys, NUL characters and data after the value
// (see checkJSON).
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		return err
	}
	if err := checkJSON(b); err != nil {
		return sluice.Errorf(sluice.EINVALID, "Invalid JSON body: %s.", strings.TrimPrefix(err.Error(), "json: "))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return sluice.Errorf(sluice.EINVALID, "Invalid JSON body: %s.", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

func pageParams(r *http.Request) (limit, offset int, err error) {
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return 0, 0, sluice.Errorf(sluice.EINVALID, "limit must be a positive number.")
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, sluice.Errorf(sluice.EINVALID, "offset must be a number ≥ 0.")
		}
	}
	return limit, offset, nil
}
