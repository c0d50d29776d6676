package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
	"atrium/internal/store"
)

// adminUsersPageSize is how many users a page of the list shows.
const adminUsersPageSize = 50

var userStatuses = []option{
	{"active", "Active"}, {"pending", "Pending"}, {"deactivated", "Deactivated"}, {"banned", "Banned"},
}

var statusLabels = map[domain.Status]string{
	domain.StatusActive: "Active", domain.StatusPending: "Pending", domain.StatusDeactivated: "Deactivated", domain.StatusBanned: "Banned",
}

// userRow is one user of the list.
type userRow struct {
	domain.User
	StatusLabel string
	// RoleNames are the built-in and custom roles held directly.
	RoleNames []string
}

type adminUsersPage struct {
	Form       *form
	Statuses   []option
	Roles      []option
	Users      []userRow
	NextURL    string
	FirstURL   string
	FiltersSet bool
	// CanManage: the user may manage users, and so search them by words
	// and see their emails (the service ignores others' words).
	CanManage bool
}

var adminUsersQuery = []string{"q", "status", "role"}

func (ui *UI) adminUsers(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := newForm()
	for _, n := range adminUsersQuery {
		f.Values[n] = strings.TrimSpace(q.Get(n))
	}
	cat, err := ui.svc.ListRoles(ctx, rq.actor)
	if err != nil {
		return err
	}
	held := ui.held(rq)
	page := adminUsersPage{Form: f, Statuses: userStatuses, CanManage: held.Has(authz.ManageUsers)}
	for _, br := range cat.Builtin {
		page.Roles = append(page.Roles, option{br.Name, br.Name})
	}
	for _, cr := range cat.Custom {
		page.Roles = append(page.Roles, option{cr.ID, cr.Name + " (custom)"})
	}
	after := q.Get("after")
	res, err := ui.svc.FindUsers(ctx, rq.actor, service.UserQuery{Query: f.Get("q"), Status: f.Get("status"), Role: f.Get("role"),
		After: after, Limit: adminUsersPageSize})
	status := http.StatusOK
	if err != nil {
		if !ui.formFailure(f, err, nil) {
			return err
		}
		status = statusOf(err)
	}
	names := customRoleNames(cat)
	for _, u := range res.Users {
		row := userRow{User: u, StatusLabel: statusLabels[u.Status], RoleNames: slices.Clone(u.Roles)}
		for _, id := range u.CustomRoles {
			row.RoleNames = append(row.RoleNames, names[id])
		}
		page.Users = append(page.Users, row)
	}
	v := url.Values{}
	for _, n := range adminUsersQuery {
		if s := f.Get(n); s != "" {
			v.Set(n, s)
			page.FiltersSet = true
		}
	}
	if res.NextAfter != "" {
		nv := url.Values{}
		for k, vs := range v {
			nv[k] = vs
		}
		nv.Set("after", res.NextAfter)
		page.NextURL = "/ui/admin/users?" + nv.Encode()
	}
	if after != "" {
		page.FirstURL = "/ui/admin/users"
		if len(v) > 0 {
			page.FirstURL += "?" + v.Encode()
		}
	}
	ui.render(w, r, rq, status, "admin_users", "Users", page)
	return nil
}

// ---- a user's page

type sessionRow struct {
	service.SessionInfo
	// Action is where its sign-out button posts.
	Action string
}

type groupRow struct {
	store.GroupSummary
	// Gives names the roles the group gives.
	Gives []string
}

type adminUserPage struct {
	User        domain.User
	StatusLabel string
	Done        string
	// Self: the page is the signed-in user's own.
	Self      bool
	CanManage bool

	RolesForm   *form
	Roles       choiceSet
	CustomRoles choiceSet
	Groups      []groupRow

	AccessForm *form
	Access     choiceSet

	// StatusForm carries the error of a reactivation.
	StatusForm *form
	Sessions   []sessionRow
	MFA        service.MFAStatus
	MFAKnown   bool
}

var accessChoices = []choice{
	{Value: domain.AppPortal, Label: "Portal", Hint: "The web interface"},
	{Value: domain.AppCapture, Label: "Capture", Hint: "Upload clients"},
	{Value: domain.AppConnect, Label: "Connect", Hint: "The API with tokens, batch tools"},
}

func userPath(id string) string { return "/ui/admin/users/" + url.PathEscape(id) }

// adminUserPage reads what a user's page shows: the user, the roles and
// groups of the account, their sessions and second factor. The last two
// need manage_users over the user; without it they are left out.
func (ui *UI) adminUserPage(r *http.Request, rq *request, id string) (adminUserPage, error) {
	ctx := r.Context()
	u, err := ui.svc.GetUser(ctx, rq.actor, id)
	if err != nil {
		return adminUserPage{}, err
	}
	cat, err := ui.svc.ListRoles(ctx, rq.actor)
	if err != nil {
		return adminUserPage{}, err
	}
	byID, _, err := ui.groupsByID(r, rq)
	if err != nil {
		return adminUserPage{}, err
	}
	mine, err := ui.svc.UserGroups(ctx, rq.actor, u.ID)
	if err != nil {
		return adminUserPage{}, err
	}
	p := adminUserPage{User: u, StatusLabel: statusLabels[u.Status], Self: u.ID == rq.actor.UserID, CanManage: ui.held(rq).Has(authz.ManageUsers),
		RolesForm: newForm(), AccessForm: newForm(), StatusForm: newForm()}
	p.Roles = choiceSet{Legend: "Account roles", Name: "roles", Choices: accountRoleChoices(cat, u.Roles, false)}
	p.CustomRoles = choiceSet{Legend: "Custom roles", Name: "custom_roles", Choices: customRoleChoices(cat, u.CustomRoles),
		Empty: "The account has no custom roles yet."}
	p.Access = choiceSet{Legend: "Applications this user may sign in to", Name: "access", Choices: checkedFrom(slices.Clone(accessChoices), u.Access)}
	names := customRoleNames(cat)
	for _, id := range mine {
		g, ok := byID[id]
		if !ok {
			continue
		}
		row := groupRow{GroupSummary: g, Gives: slices.Clone(g.Roles)}
		for _, id := range g.CustomRoles {
			row.Gives = append(row.Gives, names[id])
		}
		p.Groups = append(p.Groups, row)
	}
	if p.CanManage {
		ss, err := ui.svc.ListUserSessions(ctx, rq.actor, u.ID)
		if err != nil {
			return adminUserPage{}, err
		}
		for _, s := range ss {
			p.Sessions = append(p.Sessions, sessionRow{SessionInfo: s, Action: userPath(u.ID) + "/sessions/" + url.PathEscape(s.ID) + "/revoke"})
		}
		if p.MFA, err = ui.svc.UserMFA(ctx, rq.actor, u.ID); err != nil {
			return adminUserPage{}, err
		}
		p.MFAKnown = true
	}
	return p, nil
}

// userView is the user page of the console.
var userView = objectView[adminUserPage]{name: "admin_user", load: (*UI).adminUserPage,
	title: func(p *adminUserPage) string { return p.User.DisplayName }, done: func(p *adminUserPage) *string { return &p.Done }}

func (ui *UI) adminUserRoles(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	roles, custom := postedAll(r, "roles"), postedAll(r, "custom_roles")
	_, err := ui.svc.UpdateUser(r.Context(), rq.actor, id, service.UserUpdate{Roles: &roles, CustomRoles: &custom})
	if err == nil {
		redirectDone(w, r, userPath(id), "roles")
		return nil
	}
	f := newForm()
	f.Values["roles"], f.Values["custom_roles"] = "", ""
	if !ui.formFailure(f, err, nil) {
		return err
	}
	return userView.again(ui, w, r, rq, id, err, func(p *adminUserPage) {
		p.RolesForm = f
		p.Roles.Choices, p.Roles.Error = checkedFrom(p.Roles.Choices, roles), f.Err("roles")
		p.CustomRoles.Choices, p.CustomRoles.Error = checkedFrom(p.CustomRoles.Choices, custom), f.Err("custom_roles")
	})
}

func (ui *UI) adminUserAccess(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	access := postedAll(r, "access")
	_, err := ui.svc.UpdateUser(r.Context(), rq.actor, id, service.UserUpdate{Access: &access})
	if err == nil {
		redirectDone(w, r, userPath(id), "access")
		return nil
	}
	f := newForm()
	f.Values["access"] = ""
	if !ui.formFailure(f, err, nil) {
		return err
	}
	return userView.again(ui, w, r, rq, id, err, func(p *adminUserPage) {
		p.AccessForm = f
		p.Access.Choices, p.Access.Error = checkedFrom(p.Access.Choices, access), f.Err("access")
	})
}

// statusChange is what changing a user to a status means, for its
// confirmation.
type statusChange struct {
	Title, Message, Button string
	// Reason: the change asks for a reason (kept in the audit log);
	// ReasonRequired: it must be given.
	Reason, ReasonRequired bool
}

var statusChanges = map[string]statusChange{
	"deactivated": {Title: "Deactivate", Button: "Deactivate",
		Message: "%s will be signed out everywhere, their API tokens revoked, and they will not be able to sign in until reactivated. Their content stays.",
		Reason:  true},
	"banned": {Title: "Ban", Button: "Ban",
		Message: "%s will be signed out everywhere, their API tokens revoked, and they will not be able to sign in. The reason is kept in the audit log.",
		Reason:  true, ReasonRequired: true},
	"active": {Title: "Reactivate", Button: "Reactivate",
		Message: "%s will be able to sign in again (within the plan's user limit)."},
}

func statusConfirmPage(u domain.User, to string) (confirmPage, bool) {
	c, ok := statusChanges[to]
	if !ok || string(u.Status) == to {
		return confirmPage{}, false
	}
	title := c.Title + " " + u.DisplayName
	if to == "active" && u.Status == domain.StatusPending {
		title, c.Button = "Activate "+u.DisplayName, "Activate"
	}
	p := confirmPage{Title: title, Message: strings.Replace(c.Message, "%s", u.DisplayName+" ("+u.Username+")", 1),
		Action: userPath(u.ID) + "/status", Hidden: []hiddenField{{"status", to}}, Button: c.Button, Cancel: userPath(u.ID),
		Reason: c.Reason, ReasonLabel: "Reason (kept in the audit log)"}
	if !c.ReasonRequired && c.Reason {
		p.ReasonLabel = "Reason (optional, kept in the audit log)"
	}
	return p, true
}

func (ui *UI) adminUserStatusConfirm(w http.ResponseWriter, r *http.Request, rq *request) error {
	u, err := ui.svc.GetUser(r.Context(), rq.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	p, ok := statusConfirmPage(u, r.URL.Query().Get("to"))
	if !ok {
		http.Redirect(w, r, userPath(u.ID), http.StatusSeeOther)
		return nil
	}
	ui.confirm(w, r, rq, http.StatusOK, p)
	return nil
}

func (ui *UI) adminUserStatus(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	u, err := ui.svc.GetUser(r.Context(), rq.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	to, reason := r.PostForm.Get("status"), strings.TrimSpace(r.PostForm.Get("reason"))
	p, ok := statusConfirmPage(u, to)
	if !ok {
		http.Redirect(w, r, userPath(u.ID), http.StatusSeeOther)
		return nil
	}
	if statusChanges[to].ReasonRequired && reason == "" {
		p.Form = newForm()
		p.Form.Values["reason"] = ""
		p.Form.Errors["reason"] = "Say why: the reason is kept in the audit log."
		ui.confirm(w, r, rq, http.StatusUnprocessableEntity, p)
		return nil
	}
	_, err = ui.svc.UpdateUser(r.Context(), rq.actor, u.ID, service.UserUpdate{Status: &to, Reason: reason})
	if err == nil {
		redirectDone(w, r, userPath(u.ID), "status")
		return nil
	}
	if ui.refusedConfirm(w, r, rq, p, err) {
		return nil
	}
	return err
}

func (ui *UI) adminUserSessionRevoke(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	err := ui.svc.RevokeUserSession(r.Context(), rq.actor, id, r.PathValue("session"))
	if err != nil {
		return err
	}
	// Signing out one's own current session leads to the sign-in page
	// from there.
	redirectDone(w, r, userPath(id), "session")
	return nil
}

func sessionsConfirmPage(u domain.User) confirmPage {
	return confirmPage{Title: "Sign " + u.DisplayName + " out everywhere",
		Message: u.DisplayName + " (" + u.Username + ") will be signed out of every browser and app at once, and will have to sign in again.",
		Action:  userPath(u.ID) + "/sessions/revoke", Button: "Sign out everywhere", Cancel: userPath(u.ID)}
}

func (ui *UI) adminUserSessionsConfirm(w http.ResponseWriter, r *http.Request, rq *request) error {
	u, err := ui.svc.GetUser(r.Context(), rq.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	ui.confirm(w, r, rq, http.StatusOK, sessionsConfirmPage(u))
	return nil
}

func (ui *UI) adminUserSessionsRevoke(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	u, err := ui.svc.GetUser(r.Context(), rq.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	err = ui.svc.RevokeUserSessions(r.Context(), rq.actor, u.ID)
	if err == nil {
		if u.ID == rq.actor.UserID {
			// One's own sessions, this one included: signed out.
			ui.endSession(w, r)
			http.Redirect(w, r, "/ui/signin", http.StatusSeeOther)
			return nil
		}
		redirectDone(w, r, userPath(u.ID), "sessions")
		return nil
	}
	if ui.refusedConfirm(w, r, rq, sessionsConfirmPage(u), err) {
		return nil
	}
	return err
}

func mfaConfirmPage(u domain.User) confirmPage {
	return confirmPage{Title: "Reset " + u.DisplayName + "'s two-factor sign-in",
		Message: "For a user who lost their authenticator and their recovery codes. " + u.DisplayName + " (" + u.Username +
			") will be signed out everywhere, then sign in with their password alone, and may set up two-factor sign-in again.",
		Action: userPath(u.ID) + "/mfa/reset", Button: "Reset two-factor sign-in", Cancel: userPath(u.ID)}
}

func (ui *UI) adminUserMFAConfirm(w http.ResponseWriter, r *http.Request, rq *request) error {
	u, err := ui.svc.GetUser(r.Context(), rq.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	ui.confirm(w, r, rq, http.StatusOK, mfaConfirmPage(u))
	return nil
}

func (ui *UI) adminUserMFAReset(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	u, err := ui.svc.GetUser(r.Context(), rq.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	err = ui.svc.ResetUserMFA(r.Context(), rq.actor, u.ID)
	if err == nil {
		redirectDone(w, r, userPath(u.ID), "mfa")
		return nil
	}
	if se, ok := service.AsError(err); ok && se.Kind == service.KindNotFound {
		// The user is there (read above): it is the factor that is not.
		err = &service.Error{Kind: service.KindConflict, Message: "this user has no two-factor sign-in to reset"}
	}
	if ui.refusedConfirm(w, r, rq, mfaConfirmPage(u), err) {
		return nil
	}
	return err
}
