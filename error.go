package sluice

import (
	"errors"
	"fmt"
)

// Error codes. They are part of the API: the HTTP layer maps each to a
// status, the CLI prints the message, and callers branch on the code with
// [ErrorCode].
const (
	ECONFLICT     = "conflict"          // the change clashes with existing state (409)
	EINTERNAL     = "internal"          // a bug or an outage; details are logged, not shown (500)
	EINVALID      = "invalid"           // malformed or unacceptable input (400)
	ENOTFOUND     = "not_found"         // unknown, or not visible to the caller (404)
	EUNAUTHORIZED = "unauthorized"      // no credentials, or wrong ones (401)
	EFORBIDDEN    = "forbidden"         // credentials fine, role not allowed (403)
	ETOOLARGE     = "too_large"         // a body, line or field over its limit (413)
	EUNSUPPORTED  = "unsupported_media" // a format or charset sluice does not read (415)
	EUNAVAILABLE  = "unavailable"       // try again later, e.g. the store is busy (503)
	ETOOMANY      = "too_many_requests" // too many failed attempts from one client; wait (429)
	ETIMEOUT      = "timeout"           // the client sent its request too slowly (408)
)

// An Error is a failure that sluice explains to its user. Code says what kind
// of failure it is; Message is written for the person who reads it. Line and
// Field, when set, point at the place in an uploaded file that caused it.
type Error struct {
	Code    string
	Message string
	Line    int    // 1-based line (or row) in the input, 0 if not applicable
	Field   string // field name in the input, "" if not applicable
}

// Error implements the error interface. It is not meant for end users; they
// see Message.
func (e *Error) Error() string {
	return fmt.Sprintf("sluice error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for a nil
// error, and EINTERNAL for any other error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, "" for
// a nil error, and "Internal error." for any other error, so that internal
// details never reach a user.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
