// Package web is Atrium's browser interface: pages rendered on the server
// with html/template under /ui/, one embedded style sheet and one small
// script, so that the binary serves the whole interface with nothing else
// installed.
//
// The contract:
//
//   - Every page acts through the same service functions as the JSON API,
//     as the signed-in user; authorization is the service's and the
//     permission engine's, never decided here.
//   - Signing in opens the very session POST /api/v1/auth/login opens
//     (the atrium_session cookie), so the browser fetches the API's media
//     routes (thumbnails, previews, downloads) with it.
//   - Every form carries a CSRF token. Signed in, it is the session's own
//     token (the one the API's login returns), kept in an HttpOnly cookie
//     beside the session and checked against the session's stored hash;
//     before sign-in, a double-submit token. Cross-origin writes are
//     refused besides (net/http's CrossOriginProtection).
//   - Pages carry a strict Content-Security-Policy: scripts, styles and
//     images from the server itself, nothing inline.
//   - A form with bad input is shown again with the error next to the
//     field the service named, and nothing changed.
//   - A page costs a fixed number of store reads, whatever it lists.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"atrium/internal/clientip"
	"atrium/internal/service"
)

// Prefix is where the interface lives; every other path is the API's.
const Prefix = "/ui/"

// Options configure the interface.
type Options struct {
	Logger *slog.Logger
	// SecureCookies marks the cookies Secure (serve over HTTPS).
	SecureCookies bool
	// AccessLog logs one line per request.
	AccessLog bool
	// ClientIP finds each request's client address (audit log, sign-in
	// throttle, geography rule), as the API does.
	ClientIP clientip.Resolver
}

// UI serves the pages.
type UI struct {
	svc       *service.Service
	log       *slog.Logger
	secure    bool
	accessLog bool
	clientIP  clientip.Resolver
	pages     *pages
	// pending holds sign-ins waiting for their second factor.
	pending *challenges
	handler http.Handler
}

// New returns the interface's handler, to be mounted at Prefix (Mount
// does it beside the API).
func New(svc *service.Service, opt Options) *UI {
	ui := &UI{svc: svc, log: opt.Logger, secure: opt.SecureCookies, accessLog: opt.AccessLog, clientIP: opt.ClientIP,
		pages: loadPages(), pending: newChallenges(challengeTTL, maxChallenges)}
	if ui.log == nil {
		ui.log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ui/static/{name}", http.HandlerFunc(serveStatic))

	mux.Handle("GET /ui/signin", ui.page(ui.signInForm))
	mux.Handle("POST /ui/signin", ui.page(ui.signIn))
	mux.Handle("POST /ui/signin/code", ui.page(ui.signInCode))
	mux.Handle("POST /ui/signout", ui.page(ui.signOut))
	mux.Handle("GET /ui/signup", ui.page(ui.signUpForm))
	mux.Handle("POST /ui/signup", ui.page(ui.signUp))
	mux.Handle("GET /ui/verify-email", ui.page(ui.verifyForm))
	mux.Handle("POST /ui/verify-email", ui.page(ui.verify))
	mux.Handle("GET /ui/password-reset", ui.page(ui.resetForm))
	mux.Handle("POST /ui/password-reset", ui.page(ui.reset))
	mux.Handle("GET /ui/password-reset/confirm", ui.page(ui.resetConfirmForm))
	mux.Handle("POST /ui/password-reset/confirm", ui.page(ui.resetConfirm))

	mux.Handle("GET /ui/{$}", ui.page(ui.signedIn(ui.library)))
	mux.Handle("GET /ui/workspaces", ui.page(ui.signedIn(ui.workspaces)))
	mux.Handle("GET /ui/records/{id}", ui.page(ui.signedIn(ui.record)))
	mux.Handle("POST /ui/records/{id}", ui.page(ui.signedIn(ui.editRecord)))
	ui.contentRoutes(mux)
	ui.adminSettingsRoutes(mux)
	ui.accountRoutes(mux)
	ui.sharingRoutes(mux)
	ui.adminPeopleRoutes(mux)
	mux.Handle(Prefix, ui.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		return errPageNotFound
	}))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ui.renderError(w, r, &request{}, http.StatusForbidden, "This request came from another site", "Atrium refuses changes sent from other web sites. Go back, reload the page and try again.")
	}))
	ui.handler = ui.observe(cop.Handler(mux))
	return ui
}

// ServeHTTP implements http.Handler.
func (ui *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ui.handler.ServeHTTP(w, r)
}

// Mount serves the interface under Prefix and everything else with api.
// A browser asking for the root (it accepts HTML) is sent to the
// interface; other clients get the API's index as before.
func Mount(api http.Handler, ui *UI) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(Prefix, ui)
	mux.Handle("/", api)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Accept"), "text/html") {
			http.Redirect(w, r, Prefix, http.StatusSeeOther)
			return
		}
		api.ServeHTTP(w, r)
	})
	return mux
}

type ctxKey int

const keyRequestID ctxKey = iota

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// statusWriter remembers the status, for the access log.
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

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// contentSecurityPolicy allows the server's own scripts, styles and
// images, and nothing inline: an injected <script> or style attribute
// does not run.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// observe gives each request an id, the security headers, panic recovery
// and, when asked, one log line (never headers, bodies or query strings,
// which may hold tokens).
func (ui *UI) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var b [8]byte
		rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		r = r.WithContext(ctx)
		h := w.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// Links to tokens (?token=) must not leak through Referer.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Cache-Control", "no-store")
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				ui.log.ErrorContext(ctx, "panic", "request_id", id, "panic", p)
				if sw.status == 0 {
					ui.renderError(sw, r, &request{}, http.StatusInternalServerError, "Something went wrong", "Quote request id "+id+" to the administrator.")
				}
			}
			if ui.accessLog {
				ui.log.InfoContext(ctx, "request", "request_id", id, "method", r.Method, "path", redactPath(r.URL.Path),
					"status", sw.status, "ms", time.Since(start).Milliseconds())
			}
		}()
		next.ServeHTTP(sw, r)
	})
}
