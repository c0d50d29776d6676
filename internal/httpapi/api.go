// Package httpapi is Atrium's JSON HTTP API under /api/v1. One route table
// declares every route with its request and response types; it drives both
// the http.ServeMux and the OpenAPI 3 document served at
// /api/v1/openapi.json, so the two cannot drift apart.
//
// Handlers decode and validate input, call the service, and return the
// response value; errors become responses in one place (fail), with the
// body {"error":{"code","message"}}.
package httpapi

import (
	"log/slog"
	"net/http"
	"sync"

	"atrium/internal/clientip"
	"atrium/internal/service"
)

// Options configure the API.
type Options struct {
	Logger *slog.Logger
	// SecureCookies marks the session cookie Secure (serve over HTTPS).
	SecureCookies bool
	// AccessLog logs one line per request.
	AccessLog bool
	// ClientIP finds each request's client address (for the audit log,
	// the sign-in throttle and the geography rule); the zero value
	// trusts no proxy header.
	ClientIP clientip.Resolver
}

// API serves the HTTP API.
type API struct {
	svc       *service.Service
	log       *slog.Logger
	secure    bool
	accessLog bool
	clientIP  clientip.Resolver
	routes    []route
	mux       *http.ServeMux
	// registered is every pattern given to mux, in order.
	registered []string
	handler    http.Handler
	openapi    struct {
		sync.Once
		doc map[string]any
	}
}

// handler is a route's logic: it returns the response value (nil for an
// empty response) or an error.
type handler func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error)

// param documents a query parameter.
type param struct {
	Name, Description string
	Required          bool
	Type              string // "string" or "integer"
}

type route struct {
	Method, Path string
	Summary      string
	Tag          string
	Public       bool    // no authentication needed
	Query        []param // query parameters
	Body         any     // request body type (a zero value), nil for none
	Resp         any     // response type (a zero value), nil for no body
	Status       int     // success status; default 200
	// Admin marks a route that needs an account permission (or changes
	// the caller's own credentials): API tokens need the admin scope.
	Admin bool
	// Capture marks a route the capture application (upload clients)
	// uses: its own, and the user's own account and credentials. It also
	// takes the sessions and tokens of users granted capture without
	// portal or connect, who may use no other route.
	Capture bool
	// BodyType is the media type of a request body that is not JSON (a
	// file: application/octet-stream or multipart/form-data), which the
	// handler streams itself; Body then describes a form's fields.
	BodyType string
	// RespType is the media type of a response that is not JSON (a
	// file), which the handler writes itself: it returns nil on success.
	RespType string
	Handle   handler
}

// scope is the API token scope a route needs: admin for Admin routes,
// read for safe methods, write for every other.
func (rt route) scope() string {
	switch {
	case rt.Admin:
		return service.ScopeAdmin
	case safeMethod(rt.Method):
		return service.ScopeRead
	}
	return service.ScopeWrite
}

// New returns the API's handler.
func New(svc *service.Service, opt Options) *API {
	api := &API{svc: svc, log: opt.Logger, secure: opt.SecureCookies, accessLog: opt.AccessLog, clientIP: opt.ClientIP, mux: http.NewServeMux()}
	if api.log == nil {
		api.log = slog.New(slog.DiscardHandler)
	}
	api.routes = append(api.table(), api.accessRoutes()...)
	api.routes = append(api.routes, api.profileRoutes()...)
	api.routes = append(api.routes, api.fileRoutes()...)
	api.routes = append(api.routes, api.shareRoutes()...)
	api.routes = append(api.routes, api.moderationRoutes()...)
	for _, rt := range api.routes {
		api.handle(rt.Method+" "+rt.Path, api.wrap(rt))
	}
	api.handle(catchAll, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, ErrorBody{ErrorDetail{Code: "route_not_found", Message: "no such route; the API is described at /api/v1/openapi.json"}})
	}))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, ErrorBody{ErrorDetail{Code: "cross_origin", Message: "cross-origin writes are not allowed"}})
	}))
	api.handler = api.observe(cop.Handler(api.mux))
	return api
}

// catchAll answers every request no route matches.
const catchAll = "/"

// handle registers a pattern; every registration goes through it so that
// Patterns sees them all.
func (api *API) handle(pattern string, h http.Handler) {
	api.mux.Handle(pattern, h)
	api.registered = append(api.registered, pattern)
}

// Patterns lists every "METHOD /path" pattern registered on the mux, but
// the catch-all.
func (api *API) Patterns() []string {
	out := make([]string, 0, len(api.registered))
	for _, p := range api.registered {
		if p != catchAll {
			out = append(out, p)
		}
	}
	return out
}

// ServeHTTP implements http.Handler.
func (api *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	api.handler.ServeHTTP(w, r)
}

func (api *API) wrap(rt route) http.Handler {
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	scope := rt.scope()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a service.Actor
		var ok bool
		var err error
		// Public routes never depend on a session, so a cookie is not even
		// looked at there: a stale one must not stand in the way of
		// signing in again. (A wrong Bearer token is still reported: its
		// client should know.)
		if !rt.Public || r.Header.Get("Authorization") != "" {
			a, ok, err = api.authenticate(w, r, rt.Capture)
		}
		if err != nil {
			api.fail(w, r, err)
			return
		}
		if !ok && !rt.Public {
			api.fail(w, r, service.ErrUnauthenticated)
			return
		}
		// The one check of token scopes: a scope only narrows what the
		// handler would allow the user.
		if ok && !rt.Public && !a.HasScope(scope) {
			api.fail(w, r, service.ErrInsufficientScope(scope))
			return
		}
		a.IP = api.clientIP.ClientIP(r)
		if tok := atLeastRevision(r); tok != "" && ok {
			if err := api.svc.AwaitRevision(r.Context(), tok); err != nil {
				api.fail(w, r, err)
				return
			}
		}
		out, err := rt.Handle(w, r, a)
		if err != nil {
			api.fail(w, r, err)
			return
		}
		if rt.RespType != "" {
			return // the handler wrote the response
		}
		if out == nil {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, out)
	})
}
