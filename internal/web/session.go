package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/httpapi"
	"atrium/internal/identity"
	"atrium/internal/service"
)

// Cookies of the interface besides the API's session cookie.
const (
	// csrfCookie holds the session's CSRF token (returned once at sign-in
	// and stored only hashed), so that pages can put it in their forms.
	csrfCookie = "atrium_csrf"
	// formCookie is the double-submit token of forms shown before sign-in.
	formCookie = "atrium_form"
	// challengeCookie names a sign-in waiting for its second factor.
	challengeCookie = "atrium_signin"
	// csrfField is the form field every form sends its token in.
	csrfField = "csrf_token"
)

// request is what a handler knows beyond the http.Request: who is signed
// in, and the token its forms must carry.
type request struct {
	actor    service.Actor
	signedIn bool
	// user is the signed-in user, for the page header.
	user domain.User
	// csrf is the token forms carry: the session's when signed in, the
	// double-submit cookie's otherwise.
	csrf string
	ip   string
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, rq *request) error

// page resolves the session and runs h, turning its error into a page.
func (ui *UI) page(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq, err := ui.session(w, r)
		if err == nil {
			err = h(w, r, rq)
		}
		if err != nil {
			ui.fail(w, r, rq, err)
		}
	})
}

// signedIn runs h for a signed-in user and sends anyone else to the
// sign-in page, which brings them back.
func (ui *UI) signedIn(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		if !rq.signedIn {
			http.Redirect(w, r, "/ui/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil
		}
		u, err := ui.svc.GetUser(r.Context(), rq.actor, rq.actor.UserID)
		if err != nil {
			return err
		}
		rq.user = u
		return h(w, r, rq)
	}
}

// session finds the signed-in user. A session counts only with its CSRF
// cookie: one opened through the API alone cannot send the interface's
// forms, so the interface treats it as signed out and signs in anew.
func (ui *UI) session(w http.ResponseWriter, r *http.Request) (*request, error) {
	rq := &request{ip: ui.clientIP.ClientIP(r)}
	if c, err := r.Cookie(httpapi.SessionCookie); err == nil && c.Value != "" {
		a, csrfHash, err := ui.svc.AuthenticateSessionFor(r.Context(), c.Value, authz.AppPortal)
		if se, ok := service.AsError(err); err != nil && (!ok || se.Kind == service.KindInternal) {
			return rq, err
		}
		if err == nil {
			if cc, cerr := r.Cookie(csrfCookie); cerr == nil && identity.EqualHashes(identity.HashSecret(cc.Value), csrfHash) {
				a.IP = rq.ip
				rq.actor, rq.signedIn, rq.csrf = a, true, cc.Value
				return rq, nil
			}
		}
	}
	if c, err := r.Cookie(formCookie); err == nil && len(c.Value) == formTokenLen {
		rq.csrf = c.Value
	} else {
		rq.csrf = newFormToken()
		http.SetCookie(w, &http.Cookie{Name: formCookie, Value: rq.csrf, Path: Prefix, HttpOnly: true,
			Secure: ui.secureFor(r), SameSite: http.SameSiteStrictMode})
	}
	return rq, nil
}

// formTokenLen is the length of a double-submit token: 32 random bytes,
// base64url without padding.
const formTokenLen = 43

func newFormToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (ui *UI) secureFor(r *http.Request) bool { return ui.secure || r.TLS != nil }

// errBadForm is a form that could not be read.
var errBadForm = &pageError{status: http.StatusBadRequest, title: "This form could not be read", msg: "Go back, reload the page and try again."}

// errCSRF is a form without the token of this browser's session.
var errCSRF = &pageError{status: http.StatusForbidden, title: "This form has expired",
	msg: "The form was not sent with this browser's current sign-in (it may be from an older page or another site). Go back, reload the page and try again."}

// maxFormBytes bounds a form's body: metadata, never files.
const maxFormBytes = 256 << 10

// parseForm reads a posted form and checks its CSRF token.
func parseForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return errBadForm
	}
	tok := r.PostForm.Get(csrfField)
	if tok == "" || rq.csrf == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(rq.csrf)) != 1 {
		return errCSRF
	}
	return nil
}

// startSession sets the cookies of a new session: the API's session
// cookie and the CSRF token beside it.
func (ui *UI) startSession(w http.ResponseWriter, r *http.Request, si service.SignedIn) {
	secure := ui.secureFor(r)
	http.SetCookie(w, &http.Cookie{Name: httpapi.SessionCookie, Value: si.Secret, Path: "/", Expires: si.ExpiresAt,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: si.CSRF, Path: "/", Expires: si.ExpiresAt,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// endSession clears the session's cookies.
func (ui *UI) endSession(w http.ResponseWriter, r *http.Request) {
	secure := ui.secureFor(r)
	for _, name := range []string{httpapi.SessionCookie, csrfCookie} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	}
}

// safeNext is where to go after signing in: a path of the interface
// given by the sign-in link, never another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "//") {
		return Prefix
	}
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.Host != "" {
		return Prefix
	}
	return next
}

// ---- sign-ins waiting for their second factor

// A sign-in whose password was right for a user with a second factor
// waits here for the code, so that the password is not sent back to the
// browser to be posted again. The browser holds only a random token;
// the server keeps what the service needs to sign in, for a few minutes.
// (Behind several servers without sticky sessions, the code must reach
// the server that asked for it; otherwise the user signs in again.)
const (
	challengeTTL  = 5 * time.Minute
	maxChallenges = 10000
)

type challenge struct {
	login, password, next string
	expires               time.Time
}

type challenges struct {
	mu  sync.Mutex
	m   map[string]challenge // by hash of the token
	ttl time.Duration
	max int
}

func newChallenges(ttl time.Duration, max int) *challenges {
	return &challenges{m: map[string]challenge{}, ttl: ttl, max: max}
}

// errTooManyChallenges refuses a new challenge when the table is full of
// live ones: only right passwords make them, so this is a burst of real
// sign-ins, which may try again shortly.
var errTooManyChallenges = &pageError{status: http.StatusServiceUnavailable, title: "Too many sign-ins at once", msg: "Please try again in a minute."}

// put stores ch and returns the token that names it.
func (c *challenges) put(ch challenge) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if len(c.m) >= c.max {
		for k, v := range c.m {
			if now.After(v.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			return "", errTooManyChallenges
		}
	}
	tok := newFormToken()
	ch.expires = now.Add(c.ttl)
	c.m[identity.HashSecret(tok)] = ch
	return tok, nil
}

// get returns the live challenge a token names.
func (c *challenges) get(tok string) (challenge, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := identity.HashSecret(tok)
	ch, ok := c.m[k]
	if ok && time.Now().After(ch.expires) {
		delete(c.m, k)
		return challenge{}, false
	}
	return ch, ok
}

func (c *challenges) drop(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, identity.HashSecret(tok))
}

// pageError is an error page's status and words.
type pageError struct {
	status     int
	title, msg string
}

func (e *pageError) Error() string { return e.title }

var errPageNotFound = &pageError{status: http.StatusNotFound, title: "Not found", msg: "There is nothing here, or nothing you may see."}

// fail shows err as a page: what the service says the user may know, and
// for anything else a request id to quote, the cause going to the log.
func (ui *UI) fail(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	var pe *pageError
	if errors.As(err, &pe) {
		ui.renderError(w, r, rq, pe.status, pe.title, pe.msg)
		return
	}
	if se, ok := service.AsError(err); ok && se.Kind != service.KindInternal {
		switch se.Kind {
		case service.KindNotFound:
			ui.renderError(w, r, rq, http.StatusNotFound, errPageNotFound.title, errPageNotFound.msg)
		case service.KindUnauthenticated:
			http.Redirect(w, r, "/ui/signin", http.StatusSeeOther)
		case service.KindForbidden:
			ui.renderError(w, r, rq, http.StatusForbidden, "Not allowed", se.Message)
		case service.KindRateLimited:
			ui.renderError(w, r, rq, http.StatusTooManyRequests, "Too many requests", se.Message)
		default:
			ui.renderError(w, r, rq, http.StatusBadRequest, "This request cannot be used", se.Message)
		}
		return
	}
	if r.Context().Err() != nil {
		return // the browser went away
	}
	id := requestID(r.Context())
	ui.log.ErrorContext(r.Context(), "page failed", "request_id", id, "method", r.Method, "path", redactPath(r.URL.Path), "err", err)
	ui.renderError(w, r, rq, http.StatusInternalServerError, "Something went wrong", "Quote request id "+id+" to the administrator.")
}
