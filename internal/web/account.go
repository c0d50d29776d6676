package web

// The signed-in user's own pages: profile, password, two-factor sign-in
// (TOTP) with its recovery codes, sessions and API tokens, all through
// the service functions behind /api/v1/me and /api/v1/tokens. Secrets the
// service shows once (a TOTP secret, recovery codes, a token) are shown
// once, on the page answering the form that made them, and never again.

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"atrium/internal/service"
	"atrium/internal/store"
)

func (ui *UI) accountRoutes(mux *http.ServeMux) {
	for pattern, h := range map[string]handlerFunc{
		"GET /ui/account":                        ui.accountPage,
		"POST /ui/account/profile":               ui.saveProfile,
		"POST /ui/account/password":              ui.changePassword,
		"POST /ui/account/totp":                  ui.startTOTP,
		"POST /ui/account/totp/confirm":          ui.confirmTOTP,
		"POST /ui/account/totp/disable":          ui.disableTOTP,
		"POST /ui/account/recovery-codes":        ui.replaceRecoveryCodes,
		"POST /ui/account/sessions/{id}/revoke":  ui.revokeSession,
		"POST /ui/account/tokens":                ui.createToken,
		"POST /ui/account/tokens/{id}/revoke":    ui.revokeToken,
		"GET /ui/access-requests":                ui.myRequestsPage,
		"POST /ui/access-requests":               ui.askForAccess,
		"POST /ui/access-requests/{id}/withdraw": ui.withdrawRequest,
	} {
		mux.Handle(pattern, ui.page(ui.signedIn(h)))
	}
}

type accountPage struct {
	Notice         string
	EffectiveRoles []string
	Profile        *form
	Password       *form
	MFA            service.MFAStatus
	MFAOff         *form
	Codes          *form
	Sessions       []service.SessionInfo
	Tokens         []tokenRow
	Token          *form
	Scopes         []option
}

type tokenRow struct {
	store.Token
	// State is active, expired or revoked.
	State string
}

var tokenScopes = []option{
	{service.ScopeRead, "read: look at what you may see"},
	{service.ScopeWrite, "write: change content you may change"},
	{service.ScopeAdmin, "admin: what needs an account permission you hold, and your own credentials"},
}

var accountNotices = map[string]string{
	"profile": "Your profile is saved.", "mfa-off": "Two-factor sign-in is off.", "mfa-cancelled": "The enrolment is cancelled.",
	"session": "That session is signed out.", "token-revoked": "The token is revoked: it no longer works.",
}

// accountView reads what the account page shows: four reads, whatever
// the user has.
func (ui *UI) accountView(r *http.Request, rq *request) (accountPage, error) {
	ctx := r.Context()
	me, err := ui.svc.Me(ctx, rq.actor)
	if err != nil {
		return accountPage{}, err
	}
	mfa, err := ui.svc.MFA(ctx, rq.actor)
	if err != nil {
		return accountPage{}, err
	}
	sessions, err := ui.svc.ListMySessions(ctx, rq.actor)
	if err != nil {
		return accountPage{}, err
	}
	toks, err := ui.svc.ListTokens(ctx, rq.actor)
	if err != nil {
		return accountPage{}, err
	}
	page := accountPage{EffectiveRoles: me.EffectiveRoles, MFA: mfa, Sessions: sessions, Scopes: tokenScopes}
	// The newest first: that is what one looks for.
	slices.SortStableFunc(sessions, func(a, b service.SessionInfo) int { return b.CreatedAt.Compare(a.CreatedAt) })
	now := time.Now()
	for i := len(toks) - 1; i >= 0; i-- {
		t := toks[i]
		row := tokenRow{Token: t, State: "active"}
		switch {
		case t.RevokedAt != nil:
			row.State = "revoked"
		case t.ExpiresAt != nil && now.After(*t.ExpiresAt):
			row.State = "expired"
		}
		page.Tokens = append(page.Tokens, row)
	}
	page.Profile = newForm()
	page.Profile.Values["display_name"] = me.User.DisplayName
	page.Password = newForm()
	page.Password.Values["current_password"], page.Password.Values["new_password"] = "", ""
	page.MFAOff = newForm()
	page.MFAOff.Values["off_code"], page.MFAOff.Values["off_recovery"] = "", ""
	page.Codes = newForm()
	page.Codes.Values["rc_password"], page.Codes.Values["rc_code"] = "", ""
	page.Token = newForm()
	page.Token.Values["token_name"], page.Token.Values["token_days"] = "", "90"
	for _, s := range service.Scopes {
		page.Token.Values["scope."+s] = "on"
	}
	return page, nil
}

func (ui *UI) accountPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	page, err := ui.accountView(r, rq)
	if err != nil {
		return err
	}
	page.Notice = notice(r, accountNotices)
	ui.render(w, r, rq, http.StatusOK, "account", "Your account", page)
	return nil
}

// accountFailed shows the account page again with one form as posted.
func (ui *UI) accountFailed(w http.ResponseWriter, r *http.Request, rq *request, err error, set func(*accountPage)) error {
	page, perr := ui.accountView(r, rq)
	if perr != nil {
		return perr
	}
	set(&page)
	ui.render(w, r, rq, failStatus(err), "account", "Your account", page)
	return nil
}

func (ui *UI) saveProfile(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "display_name")
	name := f.Get("display_name")
	_, err := ui.svc.UpdateUser(r.Context(), rq.actor, rq.actor.UserID, service.UserUpdate{DisplayName: &name})
	if err == nil {
		return redirectDone(w, r, "/ui/account", "profile")
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	return ui.accountFailed(w, r, rq, err, func(p *accountPage) { p.Profile = f })
}

func (ui *UI) changePassword(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "current_password", "new_password")
	if f.Get("current_password") == "" {
		f.Errors["current_password"] = "Enter your current password."
	}
	if f.Get("new_password") == "" {
		f.Errors["new_password"] = "Choose a new password."
	}
	var err error
	if !f.Invalid() {
		err = ui.svc.SetPassword(r.Context(), rq.actor, rq.actor.UserID, f.Get("current_password"), f.Get("new_password"))
		if err == nil {
			// Every session of the user ended, this one too.
			ui.endSession(w, r)
			ui.render(w, r, &request{csrf: rq.csrf}, http.StatusOK, "done", "Password changed", donePage{Title: "Password changed",
				Message: "Your new password works from now on, and every sign-in of yours has ended, this one too.",
				Link:    "/ui/signin", LinkText: "Sign in again"})
			return nil
		}
		if se, ok := service.AsError(err); ok && se.Kind == service.KindForbidden && se.Field == "" {
			f.Errors["current_password"] = "Your current password is wrong."
		} else if !ui.formFailure(f, err, map[string]string{"password": "new_password"}) {
			return err
		}
	}
	return ui.accountFailed(w, r, rq, err, func(p *accountPage) { p.Password = f })
}

// ---- two-factor sign-in

type totpPage struct {
	// Secret and URL are the enrolment's, shown this once (and again
	// after a wrong code, from the form: the user's own secret, which
	// they have in their app already).
	Secret, URL string
	Form        *form
}

func (ui *UI) startTOTP(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	en, err := ui.svc.StartTOTP(r.Context(), rq.actor)
	if err != nil {
		f := newForm()
		if !ui.formFailure(f, err, nil) {
			return err
		}
		return ui.accountFailed(w, r, rq, err, func(p *accountPage) { p.MFAOff.Error = f.Error })
	}
	f := newForm()
	f.Values["code"] = ""
	ui.render(w, r, rq, http.StatusOK, "account_totp", "Turn on two-factor sign-in", totpPage{Secret: en.Secret, URL: en.URL, Form: f})
	return nil
}

type codesPage struct {
	Title, Message string
	Codes          []string
}

func (ui *UI) confirmTOTP(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "code")
	page := totpPage{Secret: r.PostForm.Get("secret"), URL: r.PostForm.Get("otpauth_url"), Form: f}
	code := strings.ReplaceAll(strings.TrimSpace(f.Get("code")), " ", "")
	var err error
	if code == "" {
		f.Errors["code"] = "Enter the 6-digit code your app shows now."
	} else {
		var rc service.RecoveryCodes
		rc, err = ui.svc.ConfirmTOTP(r.Context(), rq.actor, code)
		if err == nil {
			ui.render(w, r, rq, http.StatusOK, "account_codes", "Two-factor sign-in is on", codesPage{Title: "Two-factor sign-in is on",
				Message: "From now on, signing in asks for a code from your app after your password. If you lose the app, each of these recovery codes signs you in once. Keep them somewhere safe: they are shown only now.",
				Codes:   rc.Codes})
			return nil
		}
		if !ui.formFailure(f, err, nil) {
			return err
		}
	}
	f.Values["code"] = ""
	ui.render(w, r, rq, failStatus(err), "account_totp", "Turn on two-factor sign-in", page)
	return nil
}

func (ui *UI) disableTOTP(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "off_code", "off_recovery")
	st, err := ui.svc.MFA(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	code, recovery := strings.TrimSpace(f.Get("off_code")), strings.TrimSpace(f.Get("off_recovery"))
	if st.TOTP && code == "" && recovery == "" {
		f.Errors["off_code"] = "Enter a code from your app, or a recovery code below."
		return ui.accountFailed(w, r, rq, nil, func(p *accountPage) { p.MFAOff = f })
	}
	err = ui.svc.DisableTOTP(r.Context(), rq.actor, code, recovery)
	if err == nil {
		if st.TOTP {
			return redirectDone(w, r, "/ui/account", "mfa-off")
		}
		return redirectDone(w, r, "/ui/account", "mfa-cancelled")
	}
	field := "off_code"
	if code == "" {
		field = "off_recovery"
	}
	if !ui.formFailure(f, err, map[string]string{"code": field}) {
		return err
	}
	f.Values["off_code"], f.Values["off_recovery"] = "", ""
	return ui.accountFailed(w, r, rq, err, func(p *accountPage) { p.MFAOff = f })
}

func (ui *UI) replaceRecoveryCodes(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "rc_password", "rc_code")
	rc, err := ui.svc.RegenerateRecoveryCodes(r.Context(), rq.actor, f.Get("rc_password"), strings.TrimSpace(f.Get("rc_code")))
	if err == nil {
		ui.render(w, r, rq, http.StatusOK, "account_codes", "New recovery codes", codesPage{Title: "New recovery codes",
			Message: "Your earlier recovery codes no longer work. Each of these signs you in once if you lose your app. Keep them somewhere safe: they are shown only now.",
			Codes:   rc.Codes})
		return nil
	}
	if !ui.formFailure(f, err, map[string]string{"current_password": "rc_password", "code": "rc_code"}) {
		return err
	}
	f.Values["rc_password"], f.Values["rc_code"] = "", ""
	return ui.accountFailed(w, r, rq, err, func(p *accountPage) { p.Codes = f })
}

// ---- sessions and tokens

func (ui *UI) revokeSession(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	current, err := ui.svc.RevokeMySession(r.Context(), rq.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if current {
		ui.endSession(w, r)
		http.Redirect(w, r, "/ui/signin", http.StatusSeeOther)
		return nil
	}
	return redirectDone(w, r, "/ui/account", "session")
}

// maxTokenDays is the longest a token may live, as the API allows.
const maxTokenDays = 3650

type newTokenPage struct {
	Token service.NewToken
}

func (ui *UI) createToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "token_name", "token_days")
	f.Values["scopes"] = ""
	scopes := []string{}
	for _, s := range service.Scopes {
		if r.PostForm.Get("scope."+s) == "on" {
			f.Values["scope."+s] = "on"
			scopes = append(scopes, s)
		}
	}
	days, derr := strconv.Atoi(strings.TrimSpace(f.Get("token_days")))
	if derr != nil || days < 0 || days > maxTokenDays {
		f.Errors["token_days"] = "Give a number of days from 0 (never expires) to 3650."
	}
	var err error
	if !f.Invalid() {
		var tok service.NewToken
		tok, err = ui.svc.CreateToken(r.Context(), rq.actor, f.Get("token_name"), time.Duration(days)*24*time.Hour, scopes)
		if err == nil {
			ui.render(w, r, rq, http.StatusCreated, "account_token", "Your new API token", newTokenPage{Token: tok})
			return nil
		}
		if !ui.formFailure(f, err, map[string]string{"name": "token_name", "expires_in": "token_days"}) {
			return err
		}
	}
	return ui.accountFailed(w, r, rq, err, func(p *accountPage) { p.Token = f })
}

func (ui *UI) revokeToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	// Only one's own tokens here: another's (which a token manager may
	// revoke through the API) is not found on this page.
	toks, err := ui.svc.ListTokens(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if !slices.ContainsFunc(toks, func(t store.Token) bool { return t.ID == id }) {
		return errPageNotFound
	}
	if err := ui.svc.RevokeToken(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return redirectDone(w, r, "/ui/account", "token-revoked")
}
