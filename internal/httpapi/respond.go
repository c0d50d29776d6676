package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"atrium/internal/service"
	"atrium/internal/store"
)

// ErrorBody is the one shape of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries a stable code, a message for people and, when one
// request field is at fault, its name.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// httpError is an error of the HTTP layer itself (bad JSON, bad query).
type httpError struct {
	status int
	code   string
	msg    string
	field  string
}

func (e *httpError) Error() string { return e.code + ": " + e.msg }

func badRequest(code, field, format string, args ...any) *httpError {
	return &httpError{status: http.StatusBadRequest, code: code, field: field, msg: fmt.Sprintf(format, args...)}
}

var kindStatus = map[service.Kind]int{
	service.KindInvalid:         http.StatusUnprocessableEntity,
	service.KindUnauthenticated: http.StatusUnauthorized,
	service.KindForbidden:       http.StatusForbidden,
	service.KindNotFound:        http.StatusNotFound,
	service.KindConflict:        http.StatusConflict,
	service.KindTooLarge:        http.StatusRequestEntityTooLarge,
	service.KindBadQuery:        http.StatusBadRequest,
	service.KindBadToken:        http.StatusBadRequest,
	service.KindRateLimited:     http.StatusTooManyRequests,
	service.KindBadRequest:      http.StatusBadRequest,
}

// fail writes err as an error response. It is the one place errors become
// HTTP: service errors by kind, store sentinels that reach it, and
// anything else as a 500 whose cause is logged, never shown.
func (api *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	if errors.As(err, &he) {
		writeJSON(w, he.status, ErrorBody{ErrorDetail{Code: he.code, Message: he.msg, Field: he.field}})
		return
	}
	if se, ok := service.AsError(err); ok && se.Kind != service.KindInternal {
		if se.Kind == service.KindUnauthenticated {
			w.Header().Set("WWW-Authenticate", `Bearer realm="atrium"`)
		}
		if se.RetryAfter > 0 {
			// Whole seconds, rounded up: a client that waits that long
			// is let through.
			w.Header().Set("Retry-After", strconv.FormatInt(int64((se.RetryAfter+time.Second-1)/time.Second), 10))
		}
		writeJSON(w, kindStatus[se.Kind], ErrorBody{ErrorDetail{Code: se.Code, Message: se.Message, Field: se.Field}})
		return
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusNotFound, ErrorBody{ErrorDetail{Code: "not_found", Message: "not found"}})
		return
	case errors.Is(err, store.ErrConflict):
		writeJSON(w, http.StatusConflict, ErrorBody{ErrorDetail{Code: "conflict", Message: "the request conflicts with the current state"}})
		return
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		return // the client went away
	}
	id := requestID(r.Context())
	api.log.ErrorContext(r.Context(), "request failed", "request_id", id, "method", r.Method, "path", logPath(r.URL.Path), "err", err)
	writeJSON(w, http.StatusInternalServerError, ErrorBody{ErrorDetail{Code: "internal", Message: "internal error; quote request id " + id + " to the administrator"}})
}

// jsonContentType is shared by every JSON response (see securityHeaders).
var jsonContentType = []string{"application/json; charset=utf-8"}

// jsonAppender is a response that writes its own JSON: a listing of many
// ids, where encoding/json's reflection and escaping were most of a
// complete listing's cost. AppendJSON must append exactly what
// encoding/json (escaping HTML) would write for the value.
type jsonAppender interface {
	AppendJSON(b []byte) []byte
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	if v == nil {
		return
	}
	if a, ok := v.(jsonAppender); ok {
		// An error here is the client going away mid-response.
		_, _ = w.Write(append(a.AppendJSON(nil), '\n'))
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	// An error here is the client going away mid-response: nothing to do.
	_ = enc.Encode(v)
}

// Body size limits.
const (
	maxBody      = 1 << 20  // ordinary requests
	maxBatchBody = 16 << 20 // batch ACL edits (up to 100k ids)
)

// decode reads one JSON object of at most limit bytes into v, rejecting
// unknown fields, trailing data and other content types.
func decode(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	// The exact type, as clients almost always send it, needs no parsing.
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return &httpError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type", msg: "send the body as application/json"}
		}
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, limit)
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err, limit)
		}
		return badRequest("invalid_json", "", "the body must hold exactly one JSON value")
	}
	return nil
}

func decodeError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return &httpError{status: http.StatusRequestEntityTooLarge, code: "too_large", msg: fmt.Sprintf("the body is larger than %d bytes", limit)}
	case errors.Is(err, io.EOF):
		return badRequest("invalid_json", "", "the body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("invalid_json", "", "the body ends in the middle of a JSON value")
	case errors.As(err, &se):
		return badRequest("invalid_json", "", "malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		field := te.Field
		return badRequest("invalid_json", field, "field %q must be %s, not %s", field, te.Type.String(), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest("unknown_field", name, "unknown field %q", name)
	}
	return badRequest("invalid_json", "", "cannot read the body: %v", err)
}

// queryInt reads an optional integer query parameter.
func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, &httpError{status: http.StatusUnprocessableEntity, code: "validation_failed", field: name, msg: fmt.Sprintf("%s must be a whole number from %d to %d", name, lo, hi)}
	}
	return n, nil
}

// appendJSONString appends s as a JSON string, as encoding/json with HTML
// escaping writes it. Ids and tokens are plain ASCII and are copied as
// they are; anything else goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s) // a string always marshals
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
