package httpapi

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/identity"
	"atrium/internal/service"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyActor
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (to extend
// the deadlines of long transfers).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// The security headers every API response carries. The value slices are
// shared by every response: net/http only reads them, and a handler that
// changes one (Set, Add) gets a slice of its own.
var securityHeaders = []struct {
	key   string // canonical
	value []string
}{
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"X-Frame-Options", []string{"DENY"}},
	{"Referrer-Policy", []string{"no-referrer"}},
	{"Content-Security-Policy", []string{"default-src 'none'; frame-ancestors 'none'"}},
	{"Cache-Control", []string{"no-store"}},
}

// newRequestID returns 16 hex digits from the runtime's ChaCha8 generator:
// unpredictable, so ids reveal nothing of the server's traffic, and with no
// system call per request (which crypto/rand may make).
func newRequestID() string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], mrand.Uint64())
	return hex.EncodeToString(b[:])
}

// observe gives each request an id, security headers, panic recovery and
// one log line (method, path, status, duration; never headers or bodies).
func (api *API) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		r = r.WithContext(ctx)
		h := w.Header()
		h["X-Request-Id"] = []string{id}
		for _, sh := range securityHeaders {
			h[sh.key] = sh.value
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				api.log.ErrorContext(ctx, "panic", "request_id", id, "panic", p)
				if sw.status == 0 {
					writeJSON(sw, http.StatusInternalServerError, ErrorBody{ErrorDetail{Code: "internal", Message: "internal error; quote request id " + id}})
				}
			}
			if api.accessLog {
				api.log.InfoContext(ctx, "request", "request_id", id, "method", r.Method, "path", logPath(r.URL.Path),
					"status", sw.status, "ms", time.Since(start).Milliseconds())
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// SessionCookie is the name of the session cookie.
const SessionCookie = "atrium_session"

// CSRFHeader carries the CSRF token on cookie-authenticated writes.
const CSRFHeader = "X-CSRF-Token"

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// authenticate resolves the actor from a Bearer token or a session cookie.
// A session-authenticated write must also carry the session's CSRF token.
// Tokens are the connect application's credentials and sessions the
// portal's; on the capture application's routes (capture), those of users
// granted capture are accepted too.
func (api *API) authenticate(w http.ResponseWriter, r *http.Request, capture bool) (service.Actor, bool, error) {
	tokenApps, sessionApps := authz.AppConnect, authz.AppPortal
	if capture {
		tokenApps |= authz.AppCapture
		sessionApps |= authz.AppCapture
	}
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
			return service.Actor{}, false, service.ErrUnauthenticated
		}
		a, err := api.svc.AuthenticateTokenFor(ctx, strings.TrimSpace(tok), tokenApps)
		return a, err == nil, err
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return service.Actor{}, false, nil
	}
	a, csrfHash, err := api.svc.AuthenticateSessionFor(ctx, c.Value, sessionApps)
	if err != nil {
		return service.Actor{}, false, err
	}
	if !safeMethod(r.Method) {
		tok := r.Header.Get(CSRFHeader)
		if tok == "" || !identity.EqualHashes(identity.HashSecret(tok), csrfHash) {
			return service.Actor{}, false, &httpError{status: http.StatusForbidden, code: "csrf_failed",
				msg: "a write with a session cookie needs the X-CSRF-Token header from sign-in"}
		}
	}
	return a, true, nil
}
