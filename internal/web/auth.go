package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/service"
)

// ---- sign in and out

type signInPage struct {
	Form *form
}

func (ui *UI) signInForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if rq.signedIn {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	f := newForm()
	f.Values["login"], f.Values["next"] = "", next
	ui.render(w, r, rq, http.StatusOK, "signin", "Sign in", signInPage{Form: f})
	return nil
}

// wrongSignIn is what any refused sign-in says: the service does not tell
// a wrong password from an unknown login, a locked one or a refused
// location, and neither does the page.
const wrongSignIn = "The username or password is wrong, or this user may not sign in now."

func (ui *UI) signIn(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "login", "password", "next")
	f.Values["next"] = safeNext(f.Values["next"])
	if strings.TrimSpace(f.Get("login")) == "" {
		f.Errors["login"] = "Enter your username or email."
	}
	if f.Get("password") == "" {
		f.Errors["password"] = "Enter your password."
	}
	if f.Invalid() {
		ui.render(w, r, rq, http.StatusUnprocessableEntity, "signin", "Sign in", signInPage{Form: f})
		return nil
	}
	si, err := ui.svc.SignIn(r.Context(), service.Login{Login: f.Get("login"), Password: f.Get("password"), IP: rq.ip, UserAgent: r.UserAgent()})
	switch {
	case err == nil:
		return ui.open(w, r, rq, si, f.Get("next"), f)
	case errors.Is(err, service.ErrMFARequired):
		tok, err := ui.pending.put(challenge{login: f.Get("login"), password: f.Get("password"), next: f.Get("next")})
		if err != nil {
			return err
		}
		http.SetCookie(w, &http.Cookie{Name: challengeCookie, Value: tok, Path: "/ui/signin", MaxAge: int(challengeTTL.Seconds()),
			HttpOnly: true, Secure: ui.secureFor(r), SameSite: http.SameSiteStrictMode})
		ui.render(w, r, rq, http.StatusOK, "signin_code", "Sign in: second step", signInPage{Form: codeForm()})
		return nil
	}
	if se, ok := service.AsError(err); ok && se.Kind == service.KindUnauthenticated {
		f.Errors["password"] = wrongSignIn
		ui.render(w, r, rq, http.StatusUnauthorized, "signin", "Sign in", signInPage{Form: f})
		return nil
	}
	return err
}

// open gives the browser a new session and goes on to next. A user who
// may sign in only to the capture application (upload clients) gets no
// session here: the interface is the portal application's.
func (ui *UI) open(w http.ResponseWriter, r *http.Request, rq *request, si service.SignedIn, next string, f *form) error {
	if _, _, err := ui.svc.AuthenticateSessionFor(r.Context(), si.Secret, authz.AppPortal); err != nil {
		if se, ok := service.AsError(err); !ok || se.Kind == service.KindInternal {
			return err
		}
		a := service.Actor{UserID: si.User.ID, AccountID: si.User.AccountID, SessionHash: identity.HashSecret(si.Secret), IP: rq.ip}
		if err := ui.svc.SignOut(r.Context(), a); err != nil {
			return err
		}
		f.Error = "Your user may not use the web interface (the portal application). Ask an administrator for it."
		ui.render(w, r, rq, http.StatusForbidden, "signin", "Sign in", signInPage{Form: f})
		return nil
	}
	ui.startSession(w, r, si)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func codeForm() *form {
	f := newForm()
	f.Values["code"], f.Values["recovery_code"] = "", ""
	return f
}

// signInCode completes a sign-in with the second factor.
func (ui *UI) signInCode(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	var tok string
	if c, err := r.Cookie(challengeCookie); err == nil {
		tok = c.Value
	}
	ch, ok := ui.pending.get(tok)
	if !ok {
		f := newForm()
		f.Values["login"], f.Values["next"] = "", Prefix
		f.Error = "Your sign-in has expired. Enter your password again."
		ui.render(w, r, rq, http.StatusUnauthorized, "signin", "Sign in", signInPage{Form: f})
		return nil
	}
	f := formFrom(r, "code", "recovery_code")
	code, recovery := strings.TrimSpace(f.Get("code")), strings.TrimSpace(f.Get("recovery_code"))
	if code == "" && recovery == "" {
		f.Errors["code"] = "Enter the code from your authenticator app, or one of your recovery codes below."
		ui.render(w, r, rq, http.StatusUnprocessableEntity, "signin_code", "Sign in: second step", signInPage{Form: f})
		return nil
	}
	si, err := ui.svc.SignIn(r.Context(), service.Login{Login: ch.login, Password: ch.password, TOTPCode: code, RecoveryCode: recovery,
		IP: rq.ip, UserAgent: r.UserAgent()})
	switch {
	case err == nil:
		ui.pending.drop(tok)
		http.SetCookie(w, &http.Cookie{Name: challengeCookie, Value: "", Path: "/ui/signin", MaxAge: -1, HttpOnly: true, Secure: ui.secureFor(r), SameSite: http.SameSiteStrictMode})
		f := newForm()
		f.Values["login"], f.Values["next"] = ch.login, ch.next
		return ui.open(w, r, rq, si, ch.next, f)
	case errors.Is(err, service.ErrMFARequired):
		field := "code"
		if code == "" {
			field = "recovery_code"
		}
		f.Errors[field] = "This code is wrong, already used or expired."
		f.Values["code"], f.Values["recovery_code"] = "", ""
		ui.render(w, r, rq, http.StatusUnauthorized, "signin_code", "Sign in: second step", signInPage{Form: f})
		return nil
	}
	if se, ok := service.AsError(err); ok && se.Kind == service.KindUnauthenticated {
		// Locked after too many wrong codes, or the password changed
		// meanwhile: start again.
		ui.pending.drop(tok)
		f := newForm()
		f.Values["login"], f.Values["next"] = ch.login, ch.next
		f.Error = wrongSignIn
		ui.render(w, r, rq, http.StatusUnauthorized, "signin", "Sign in", signInPage{Form: f})
		return nil
	}
	return err
}

func (ui *UI) signOut(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !rq.signedIn {
		ui.endSession(w, r)
		http.Redirect(w, r, "/ui/signin", http.StatusSeeOther)
		return nil
	}
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	if err := ui.svc.SignOut(r.Context(), rq.actor); err != nil {
		return err
	}
	ui.endSession(w, r)
	http.Redirect(w, r, "/ui/signin", http.StatusSeeOther)
	return nil
}

// ---- sign up

type signUpPage struct {
	Account string
	Rules   domain.SignupRules
	Form    *form
	Fields  []regField
}

// regField is one of the account's registration fields, as a control.
type regField struct {
	domain.RegistrationField
	// Input names the form field ("field.NAME"); Key the service's
	// ("fields.NAME"), which the form's errors use.
	Input, Key string
	Value      string
	Checked    bool
	Error      string
}

func regFields(rules domain.SignupRules, f *form) []regField {
	out := make([]regField, 0, len(rules.Fields))
	for _, d := range rules.Fields {
		key := "fields." + d.Name
		v := f.Get(key)
		out = append(out, regField{RegistrationField: d, Input: "field." + d.Name, Key: key, Value: v, Checked: v == "on", Error: f.Err(key)})
	}
	return out
}

var signUpInputs = []string{"username", "email", "display_name", "password"}

func (ui *UI) signUpForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	account := r.URL.Query().Get("account")
	rules, err := ui.svc.PublicSignupRules(r.Context(), account)
	if err != nil {
		return err
	}
	f := newForm()
	for _, n := range signUpInputs {
		f.Values[n] = ""
	}
	ui.render(w, r, rq, http.StatusOK, "signup", "Create your account", signUpPage{Account: account, Rules: rules, Form: f, Fields: regFields(rules, f)})
	return nil
}

func (ui *UI) signUp(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	account := r.PostForm.Get("account")
	rules, err := ui.svc.PublicSignupRules(r.Context(), account)
	if err != nil {
		return err
	}
	f := formFrom(r, signUpInputs...)
	values := map[string]any{}
	for _, d := range rules.Fields {
		key := "fields." + d.Name
		raw := strings.TrimSpace(r.PostForm.Get("field." + d.Name))
		f.Values[key] = raw
		switch {
		case d.Type == domain.FieldBoolean:
			values[d.Name] = raw == "on"
		case raw == "":
		case d.Type == domain.FieldNumber:
			// A number that does not parse goes on as text, for the
			// service to refuse with its own words.
			if n, err := strconv.ParseFloat(raw, 64); err == nil {
				values[d.Name] = n
			} else {
				values[d.Name] = raw
			}
		default:
			values[d.Name] = raw
		}
	}
	page := signUpPage{Account: account, Rules: rules, Form: f}
	err = ui.svc.SignUp(r.Context(), service.SignupInput{AccountID: account, Username: f.Get("username"), Email: f.Get("email"),
		DisplayName: f.Get("display_name"), Password: f.Get("password"), Fields: values, IP: rq.ip})
	if err == nil {
		ui.render(w, r, rq, http.StatusOK, "done", "Check your email", donePage{Title: "Check your email",
			Message: "A message with the next step is on its way to the address you gave. It holds a verification token: enter it on the verification page.",
			Link:    "/ui/verify-email", LinkText: "Enter the verification token"})
		return nil
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	page.Fields = regFields(rules, f)
	ui.render(w, r, rq, statusOf(err), "signup", "Create your account", page)
	return nil
}

// donePage tells that something worked and what comes next.
type donePage struct {
	Title, Message string
	Link, LinkText string
}

// ---- email verification

type tokenPage struct {
	Form *form
}

func (ui *UI) verifyForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := newForm()
	f.Values["token"] = r.URL.Query().Get("token")
	ui.render(w, r, rq, http.StatusOK, "verify", "Confirm your email address", tokenPage{Form: f})
	return nil
}

func (ui *UI) verify(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "token")
	f.Values["token"] = strings.TrimSpace(f.Get("token"))
	if f.Get("token") == "" {
		f.Errors["token"] = "Enter the token from the message you received."
		ui.render(w, r, rq, http.StatusUnprocessableEntity, "verify", "Confirm your email address", tokenPage{Form: f})
		return nil
	}
	err := ui.svc.VerifyEmail(r.Context(), f.Get("token"), rq.ip)
	if err == nil {
		ui.render(w, r, rq, http.StatusOK, "done", "Email address confirmed", donePage{Title: "Email address confirmed",
			Message: "Thank you. You can sign in now, unless this account has an administrator approve new users: then you can sign in once they have.",
			Link:    "/ui/signin", LinkText: "Sign in"})
		return nil
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	ui.render(w, r, rq, statusOf(err), "verify", "Confirm your email address", tokenPage{Form: f})
	return nil
}

// formFailure shows a service error on the form: next to its field, or
// above the form when it names none. It reports false for errors that
// are not the user's to fix (internal ones).
func (ui *UI) formFailure(f *form, err error, rename map[string]string) bool {
	if fieldError(f, err, rename) {
		return true
	}
	se, ok := service.AsError(err)
	if !ok || se.Kind == service.KindInternal {
		return false
	}
	f.Error = sentence(se.Message)
	return true
}

// statusOf is the status of a page showing a refused form.
func statusOf(err error) int {
	se, ok := service.AsError(err)
	if !ok {
		return http.StatusInternalServerError
	}
	switch se.Kind {
	case service.KindRateLimited:
		return http.StatusTooManyRequests
	case service.KindForbidden:
		return http.StatusForbidden
	case service.KindConflict:
		return http.StatusConflict
	case service.KindBadToken, service.KindBadQuery, service.KindBadRequest:
		return http.StatusBadRequest
	}
	return http.StatusUnprocessableEntity
}

// ---- password reset

func (ui *UI) resetForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := newForm()
	f.Values["login"] = ""
	ui.render(w, r, rq, http.StatusOK, "reset", "Reset your password", tokenPage{Form: f})
	return nil
}

func (ui *UI) reset(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "login")
	if strings.TrimSpace(f.Get("login")) == "" {
		f.Errors["login"] = "Enter your username or email."
		ui.render(w, r, rq, http.StatusUnprocessableEntity, "reset", "Reset your password", tokenPage{Form: f})
		return nil
	}
	err := ui.svc.RequestPasswordReset(r.Context(), f.Get("login"), rq.ip)
	if err == nil {
		// The same answer whether or not anyone has this login.
		ui.render(w, r, rq, http.StatusOK, "done", "Check your email", donePage{Title: "Check your email",
			Message: "If an active user has this username or email, a message with a reset token is on its way to their email address. The token works once, for an hour.",
			Link:    "/ui/password-reset/confirm", LinkText: "Enter the reset token"})
		return nil
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	ui.render(w, r, rq, statusOf(err), "reset", "Reset your password", tokenPage{Form: f})
	return nil
}

func (ui *UI) resetConfirmForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := newForm()
	f.Values["token"], f.Values["password"] = r.URL.Query().Get("token"), ""
	ui.render(w, r, rq, http.StatusOK, "reset_confirm", "Choose a new password", tokenPage{Form: f})
	return nil
}

func (ui *UI) resetConfirm(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "token", "password")
	f.Values["token"] = strings.TrimSpace(f.Get("token"))
	if f.Get("token") == "" {
		f.Errors["token"] = "Enter the token from the message you received."
	}
	if f.Get("password") == "" {
		f.Errors["password"] = "Choose a new password."
	}
	if f.Invalid() {
		ui.render(w, r, rq, http.StatusUnprocessableEntity, "reset_confirm", "Choose a new password", tokenPage{Form: f})
		return nil
	}
	err := ui.svc.ResetPassword(r.Context(), f.Get("token"), f.Get("password"), rq.ip)
	if err == nil {
		ui.render(w, r, rq, http.StatusOK, "done", "Password changed", donePage{Title: "Password changed",
			Message: "Your new password works from now on, and every earlier sign-in has ended.",
			Link:    "/ui/signin", LinkText: "Sign in"})
		return nil
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	ui.render(w, r, rq, statusOf(err), "reset_confirm", "Choose a new password", tokenPage{Form: f})
	return nil
}
