// Package httpapi serves sluice's JSON API under /v1/ and provides a Client
// for it.
//
// # Errors
//
// Every error is a JSON object {"error": {"code", "message", "request_id"}},
// with "line" and "field" added when the error points into an uploaded file,
// and the
// HTTP status that fits the code (see [ErrorStatus]).
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"

	"github.com/sluice-gateway/sluice"
)

// codes maps sluice error codes to HTTP statuses.
var codes = map[string]int{
	sluice.EINVALID:      http.StatusBadRequest,
	sluice.EUNAUTHORIZED: http.StatusUnauthorized,
	sluice.EFORBIDDEN:    http.StatusForbidden,
	sluice.ENOTFOUND:     http.StatusNotFound,
	sluice.ECONFLICT:     http.StatusConflict,
	sluice.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	sluice.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	sluice.EUNAVAILABLE:  http.StatusServiceUnavailable,
	sluice.ETOOMANY:      http.StatusTooManyRequests,
	sluice.ETIMEOUT:      http.StatusRequestTimeout,
	sluice.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status for a sluice error code.
func ErrorStatus(code string) int {
	if s, ok := codes[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorCode returns the HTTP status's sluice code, for a client reading a
// response without a JSON error.
func errorCode(status int) string {
	for code, s := range codes {
		if s == status {
			return code
		}
	}
	return sluice.EINTERNAL
}

// ErrorResponse is the JSON body of every error response.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody describes an error.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"`
	// RequestID is the request's Request-Id, to quote when reporting it.
	RequestID string `json:"request_id,omitempty"`
}

// writeError writes err as JSON with its status. Internal errors are
// logged with their details and shown as "Internal error.".
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = sluice.Errorf(sluice.ETOOLARGE, "The request body is over the %d-byte limit.", mbe.Limit)
	} else if errors.Is(err, os.ErrDeadlineExceeded) {
		err = sluice.Errorf(sluice.ETIMEOUT, "The request body came too slowly; nothing of it was kept.")
	} else if textRefused(err) {
		err = sluice.Errorf(sluice.EINVALID, "A text value holds a NUL character or bytes that are not UTF-8, which the store cannot keep.")
	} else if errors.Is(context.Cause(r.Context()), ErrShuttingDown) {
		err = sluice.Errorf(sluice.EUNAVAILABLE, "The server is shutting down; nothing of this request was kept. Send it again.")
	}
	code, body := sluice.ErrorCode(err), ErrorBody{}
	var e *sluice.Error
	if errors.As(err, &e) {
		body = ErrorBody{Code: e.Code, Message: e.Message, Line: e.Line, Field: e.Field}
	} else {
		body = ErrorBody{Code: code, Message: sluice.ErrorMessage(err)}
	}
	body.RequestID = w.Header().Get(RequestIDHeader)
	if code == sluice.EINTERNAL {
		// The route pattern, never the path: a path may hold a subject key.
		logger.ErrorContext(r.Context(), "internal error", slog.String("request_id", body.RequestID), slog.String("method", r.Method), slog.String("route", r.Pattern), slog.Any("err", err))
	}
	writeJSON(w, ErrorStatus(code), ErrorResponse{Error: body})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
