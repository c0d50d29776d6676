package web

// The admin console's people and structure: its index (/ui/admin), users
// and invitations, groups, tiers, workspaces and custom roles. Every
// action is a service call as the signed-in user; the pages only ask the
// service which permissions the user holds (HeldPermissions, as GET
// /api/v1/me does) to leave out what would be refused anyway, and show
// what the service refuses next to the field at fault or above the form.
// Destructive actions (deactivate, ban, sign out everywhere, reset a
// second factor, delete) go through a confirmation page: a link to it,
// then a form button there, never a script's dialog.

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
	"atrium/internal/store"
)

func (ui *UI) adminPeopleRoutes(mux *http.ServeMux) {
	h := func(fn handlerFunc) http.Handler { return ui.page(ui.signedIn(fn)) }
	mux.Handle("GET /ui/admin", h(ui.adminIndex))
	mux.Handle("GET /ui/admin/{$}", h(ui.adminIndex))

	mux.Handle("GET /ui/admin/users", h(ui.adminUsers))
	mux.Handle("GET /ui/admin/users/{id}", h(userView.show(ui)))
	mux.Handle("POST /ui/admin/users/{id}/roles", h(ui.adminUserRoles))
	mux.Handle("POST /ui/admin/users/{id}/access", h(ui.adminUserAccess))
	mux.Handle("GET /ui/admin/users/{id}/status", h(ui.adminUserStatusConfirm))
	mux.Handle("POST /ui/admin/users/{id}/status", h(ui.adminUserStatus))
	mux.Handle("POST /ui/admin/users/{id}/sessions/{session}/revoke", h(ui.adminUserSessionRevoke))
	mux.Handle("GET /ui/admin/users/{id}/sessions/revoke", h(ui.adminUserSessionsConfirm))
	mux.Handle("POST /ui/admin/users/{id}/sessions/revoke", h(ui.adminUserSessionsRevoke))
	mux.Handle("GET /ui/admin/users/{id}/mfa/reset", h(ui.adminUserMFAConfirm))
	mux.Handle("POST /ui/admin/users/{id}/mfa/reset", h(ui.adminUserMFAReset))

	mux.Handle("GET /ui/admin/invitations", h(ui.adminInvitations))
	mux.Handle("POST /ui/admin/invitations", h(ui.adminInvite))
	mux.Handle("GET /ui/admin/invitations/{id}/revoke", h(ui.adminInvitationRevokeConfirm))
	mux.Handle("POST /ui/admin/invitations/{id}/revoke", h(ui.adminInvitationRevoke))
	mux.Handle("GET /ui/invitations/accept", ui.page(ui.acceptInvitationForm))
	mux.Handle("POST /ui/invitations/accept", ui.page(ui.acceptInvitation))

	mux.Handle("GET /ui/admin/groups", h(groupsView.show(ui)))
	mux.Handle("POST /ui/admin/groups", h(ui.adminGroupCreate))
	mux.Handle("GET /ui/admin/groups/{id}", h(groupView.show(ui)))
	mux.Handle("POST /ui/admin/groups/{id}", h(ui.adminGroupUpdate))
	mux.Handle("POST /ui/admin/groups/{id}/roles", h(ui.adminGroupRoles))
	mux.Handle("POST /ui/admin/groups/{id}/members", h(ui.adminGroupMemberAdd))
	mux.Handle("POST /ui/admin/groups/{id}/members/remove", h(ui.adminGroupMemberRemove))
	deletion[domain.Group]{get: ui.svc.GetGroup, remove: ui.svc.DeleteGroup, page: groupDeleteConfirmPage, back: groupsPath}.routes(ui, mux, h, "/ui/admin/groups/{id}/delete")

	mux.Handle("GET /ui/admin/tiers", h(tiersView.show(ui)))
	mux.Handle("POST /ui/admin/tiers", h(ui.adminTierCreate))
	mux.Handle("GET /ui/admin/tiers/{id}", h(tierView.show(ui)))
	mux.Handle("POST /ui/admin/tiers/{id}", h(ui.adminTierUpdate))
	mux.Handle("POST /ui/admin/tiers/{id}/grants", h(ui.adminTierGrant))
	mux.Handle("POST /ui/admin/tiers/{id}/grants/remove", h(ui.adminTierGrantRemove))
	deletion[domain.Tier]{get: ui.svc.GetTier, remove: ui.svc.DeleteTier, page: tierDeleteConfirmPage, back: tiersPath}.routes(ui, mux, h, "/ui/admin/tiers/{id}/delete")

	mux.Handle("GET /ui/admin/workspaces", h(workspacesView.show(ui)))
	mux.Handle("POST /ui/admin/workspaces", h(ui.adminWorkspaceCreate))
	mux.Handle("GET /ui/admin/workspaces/{id}", h(workspaceView.show(ui)))
	mux.Handle("POST /ui/admin/workspaces/{id}", h(ui.adminWorkspaceUpdate))
	mux.Handle("POST /ui/admin/workspaces/{id}/members", h(ui.adminWorkspaceMember))
	mux.Handle("POST /ui/admin/workspaces/{id}/members/remove", h(ui.adminWorkspaceMemberRemove))
	deletion[domain.Workspace]{get: ui.svc.GetWorkspace, remove: ui.svc.DeleteWorkspace, page: workspaceDeleteConfirmPage, back: workspacesPath}.routes(ui, mux, h, "/ui/admin/workspaces/{id}/delete")

	mux.Handle("GET /ui/admin/roles", h(ui.adminRoles))
	mux.Handle("POST /ui/admin/roles", h(ui.adminRoleCreate))
	mux.Handle("GET /ui/admin/roles/{id}", h(ui.adminRole))
	mux.Handle("POST /ui/admin/roles/{id}", h(ui.adminRoleUpdate))
	deletion[service.CustomRoleDetail]{get: ui.svc.GetRole, remove: ui.svc.DeleteRole, page: roleDeleteConfirmPage, back: rolesPath}.routes(ui, mux, h, "/ui/admin/roles/{id}/delete")
}

// listView is a console list page with its create form: its template and
// title, how to read it around a form (a blank one on a GET, the refused
// one after a failed create) and where its notice of what was just done
// goes.
type listView[P any] struct {
	name, title string
	load        func(ui *UI, r *http.Request, rq *request, f *form) (P, error)
	blank       func() *form
	done        func(*P) *string
}

// show serves the list with a blank create form.
func (v listView[P]) show(ui *UI) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		p, err := v.load(ui, r, rq, v.blank())
		if err != nil {
			return err
		}
		*v.done(&p) = doneNotice(r)
		ui.render(w, r, rq, http.StatusOK, v.name, v.title, p)
		return nil
	}
}

// created answers a create form: on success, to the new object's page at
// path; after a refusal, the list again with the form and its errors,
// under the refusal's status.
func (v listView[P]) created(ui *UI, w http.ResponseWriter, r *http.Request, rq *request, f *form, path string, err error) error {
	if err == nil {
		redirectDone(w, r, path, "created")
		return nil
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	p, perr := v.load(ui, r, rq, f)
	if perr != nil {
		return perr
	}
	ui.render(w, r, rq, statusOf(err), v.name, v.title, p)
	return nil
}

// objectView is a console object's page: its template, how to read it
// (load, as a GET does), its title and where its notice of what was just
// done goes.
type objectView[P any] struct {
	name  string
	load  func(ui *UI, r *http.Request, rq *request, id string) (P, error)
	title func(*P) string
	done  func(*P) *string
}

// show serves the page of the object {id} names.
func (v objectView[P]) show(ui *UI) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		p, err := v.load(ui, r, rq, r.PathValue("id"))
		if err != nil {
			return err
		}
		*v.done(&p) = doneNotice(r)
		ui.render(w, r, rq, http.StatusOK, v.name, v.title(&p), p)
		return nil
	}
}

// again shows the page of object id again after a refused form, under
// the refusal's status: fill puts the form and its errors back.
func (v objectView[P]) again(ui *UI, w http.ResponseWriter, r *http.Request, rq *request, id string, err error, fill func(*P)) error {
	p, perr := v.load(ui, r, rq, id)
	if perr != nil {
		return perr
	}
	fill(&p)
	ui.render(w, r, rq, statusOf(err), v.name, v.title(&p), p)
	return nil
}

// deletion is a console object's delete behind its confirmation page:
// get reads the object (not found as anywhere), page words the
// confirmation, remove deletes it, and back is where a done delete goes.
// A refusal (a group still granted, a tier still holding workspaces)
// shows the confirmation again with the service's reason.
type deletion[T any] struct {
	get    func(ctx context.Context, a service.Actor, id string) (T, error)
	remove func(ctx context.Context, a service.Actor, id string) error
	page   func(T) confirmPage
	back   string
}

// routes serves the confirmation (GET) and the delete (POST) at path,
// whose {id} names the object.
func (d deletion[T]) routes(ui *UI, mux *http.ServeMux, h func(handlerFunc) http.Handler, path string) {
	mux.Handle("GET "+path, h(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		v, err := d.get(r.Context(), rq.actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		ui.confirm(w, r, rq, http.StatusOK, d.page(v))
		return nil
	}))
	mux.Handle("POST "+path, h(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		if err := parseForm(w, r, rq); err != nil {
			return err
		}
		id := r.PathValue("id")
		v, err := d.get(r.Context(), rq.actor, id)
		if err != nil {
			return err
		}
		err = d.remove(r.Context(), rq.actor, id)
		if err == nil {
			return redirectDone(w, r, d.back, "deleted")
		}
		if ui.refusedConfirm(w, r, rq, d.page(v), err) {
			return nil
		}
		return err
	}))
}

// ---- the console's index

// adminSection is one part of the console, offered to holders of any of
// its permissions (what the service asks of the calls the section makes).
type adminSection struct {
	Path, Title, About string
	anyOf              []authz.AccountPermission
}

// adminSections lists the console's parts, this file's and the settings
// half's (admin_settings*), in the order the index shows them.
var adminSections = []adminSection{
	{"/ui/admin/users", "Users", "Search and filter users; change their status, roles and application access; sign them out; reset a lost second factor.", []authz.AccountPermission{authz.ManageUsers}},
	{"/ui/admin/invitations", "Invitations", "Invite people by email with roles and groups; revoke invitations not yet accepted.", []authz.AccountPermission{authz.ManageUsers}},
	{"/ui/admin/groups", "Groups", "Create groups, nest them, change their members and the roles they give.", []authz.AccountPermission{authz.ManageGroups}},
	{"/ui/admin/workspaces", "Workspaces", "Create workspaces, put them in tiers, give users and groups roles on them.", []authz.AccountPermission{authz.ManageWorkspaces}},
	{"/ui/admin/tiers", "Tiers", "Group workspaces in tiers and give roles on every workspace of a tier.", []authz.AccountPermission{authz.ManageWorkspaces}},
	{"/ui/admin/roles", "Custom roles", "Define roles from the account's permissions; give them on the user and group pages.", []authz.AccountPermission{authz.ManageRoles}},
	{"/ui/admin/profiles", "Download and capture profiles", "What each group may download, and where uploads go.", []authz.AccountPermission{authz.ManageSettings}},
	{"/ui/admin/acl-defaults", "Default ACLs", "Who may see and change new records, media and collections.", []authz.AccountPermission{authz.ManageSettings}},
	{"/ui/admin/signup", "Sign-up rules", "Who may sign up, with which fields, and whether an administrator approves.", []authz.AccountPermission{authz.ManageSettings}},
	{"/ui/admin/requests", "Access requests", "Requests for access waiting for a decision, and the grants made.", []authz.AccountPermission{authz.ReviewAccess, authz.ManageGroups}},
	{"/ui/admin/moderation", "Moderation queue", "Uploads waiting for an approver.", []authz.AccountPermission{authz.ManageSettings}},
	{"/ui/admin/usage", "Limits and usage", "The plan's limits and what the account uses of them.", []authz.AccountPermission{authz.Billing, authz.ViewAnalytics, authz.ManageSettings}},
	{"/ui/admin/audit", "Audit log", "Who did what, when, filtered by actor, target, type and time.", []authz.AccountPermission{authz.ViewAudit}},
}

// held is what the service says the signed-in user may use; nothing when
// it cannot say.
func (ui *UI) held(rq *request) authz.Permissions {
	if !rq.signedIn {
		return 0
	}
	ps, err := ui.svc.HeldPermissions(rq.actor)
	if err != nil {
		return 0
	}
	return ps
}

// visibleSections are the sections a holder of ps is offered.
func visibleSections(ps authz.Permissions) []adminSection {
	var out []adminSection
	for _, s := range adminSections {
		if slices.ContainsFunc(s.anyOf, ps.Has) {
			out = append(out, s)
		}
	}
	return out
}

// showsAdmin tells the layout whether to link the console: to those
// offered any of its sections.
func (ui *UI) showsAdmin(rq *request) bool {
	return len(visibleSections(ui.held(rq))) > 0
}

type adminIndexPage struct {
	Sections []adminSection
}

func (ui *UI) adminIndex(w http.ResponseWriter, r *http.Request, rq *request) error {
	secs := visibleSections(ui.held(rq))
	if len(secs) == 0 {
		return &pageError{status: http.StatusForbidden, title: "Not allowed",
			msg: "The admin console is for users holding an administrative permission of the account (managing users, groups, workspaces, roles or settings, or reading the audit log)."}
	}
	ui.render(w, r, rq, http.StatusOK, "admin_index", "Admin", adminIndexPage{Sections: secs})
	return nil
}

// ---- shared pieces

// adminDone are the notices a page shows after a change (?done=KEY): a
// fixed list, so that a link cannot make a page say anything else.
var adminDone = map[string]string{
	"saved":          "Your changes are saved.",
	"created":        "Created.",
	"deleted":        "Deleted.",
	"roles":          "The roles are saved.",
	"access":         "The application access is saved.",
	"status":         "The status is changed.",
	"session":        "The session is signed out.",
	"sessions":       "Every session of this user is signed out.",
	"mfa":            "Two-factor sign-in is reset: the user signs in with their password alone, and may set it up again.",
	"invited":        "The invitation is on its way.",
	"revoked":        "The invitation is revoked.",
	"member-added":   "The member is added.",
	"member-removed": "The member is removed.",
	"granted":        "The role is given.",
	"grant-removed":  "The role is taken away.",
}

func doneNotice(r *http.Request) string { return adminDone[r.URL.Query().Get("done")] }

// choice is one checkbox or option.
type choice struct {
	Value, Label, Hint string
	Checked            bool
}

// choiceSet is a fieldset of checkboxes posting Name once per checked
// box; the control's id is f-Name, for its error.
type choiceSet struct {
	Legend, Name, Hint, Error, Empty string
	Choices                          []choice
}

// accountRoleChoices are the built-in account roles as checkboxes, those
// in held checked; groups cannot hold the owner role.
func accountRoleChoices(cat service.RoleCatalogue, held []string, forGroup bool) []choice {
	out := []choice{}
	for _, br := range cat.Builtin {
		if forGroup && br.UsersOnly {
			continue
		}
		out = append(out, choice{Value: br.Name, Label: br.Name, Hint: br.Description, Checked: slices.Contains(held, br.Name)})
	}
	return out
}

// customRoleChoices are the account's custom roles as checkboxes.
func customRoleChoices(cat service.RoleCatalogue, held []string) []choice {
	out := []choice{}
	for _, cr := range cat.Custom {
		hint := "Gives " + strings.Join(cr.Permissions, ", ")
		if len(cr.Permissions) == 0 {
			hint = "Gives no permission"
		}
		out = append(out, choice{Value: cr.ID, Label: cr.Name, Hint: hint, Checked: slices.Contains(held, cr.ID)})
	}
	return out
}

// customRoleNames names custom role ids.
func customRoleNames(cat service.RoleCatalogue) map[string]string {
	m := make(map[string]string, len(cat.Custom))
	for _, cr := range cat.Custom {
		m[cr.ID] = cr.Name
	}
	return m
}

// workspaceRoles are the roles on a workspace or tier, strongest first.
var workspaceRoles = []option{
	{"owner", "Owner: manages the workspace and its members"},
	{"editor", "Editor: changes and deletes content"},
	{"contributor", "Contributor: adds and changes content"},
	{"viewer", "Viewer: sees content"},
}

// subjectView is a user or group named on a page.
type subjectView struct {
	Subject, Kind, ID, Name, Detail, Link string
	// Role is its role, for grants.
	Role string
	// Gone: the user or group is no longer there (or not visible).
	Gone bool
}

// subjectViews names subjects: users with one read of them all, groups
// from the account's groups.
func (ui *UI) subjectViews(r *http.Request, rq *request, subjects []authz.Subject, roles []string, groups map[string]store.GroupSummary) ([]subjectView, error) {
	var ids []string
	for _, s := range subjects {
		if s.Kind == authz.UserSubject {
			ids = append(ids, s.ID)
		}
	}
	users, err := ui.svc.UsersByID(r.Context(), rq.actor, ids)
	if err != nil {
		return nil, err
	}
	out := make([]subjectView, 0, len(subjects))
	for i, s := range subjects {
		v := subjectView{Subject: s.String(), ID: s.ID}
		if roles != nil {
			v.Role = roles[i]
		}
		switch s.Kind {
		case authz.UserSubject:
			v.Kind = "user"
			if u, ok := users[s.ID]; ok {
				v.Name, v.Detail, v.Link = u.DisplayName, u.Username, "/ui/admin/users/"+url.PathEscape(s.ID)
			} else {
				v.Name, v.Gone = s.ID, true
			}
		case authz.GroupSubject:
			v.Kind = "group"
			if g, ok := groups[s.ID]; ok {
				v.Name, v.Link = g.Name, "/ui/admin/groups/"+url.PathEscape(s.ID)
			} else {
				v.Name, v.Gone = s.ID, true
			}
		default:
			v.Kind, v.Name = "everyone", "Everyone"
		}
		out = append(out, v)
	}
	slices.SortStableFunc(out, func(a, b subjectView) int {
		if a.Kind != b.Kind {
			return strings.Compare(b.Kind, a.Kind) // users, then groups
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out, nil
}

// groupsByID is the account's groups by id, and sorted by name, without
// their members (the Standard group holds every user).
func (ui *UI) groupsByID(r *http.Request, rq *request) (map[string]store.GroupSummary, []store.GroupSummary, error) {
	gs, err := ui.svc.GroupSummaries(r.Context(), rq.actor)
	if err != nil {
		return nil, nil, err
	}
	m := make(map[string]store.GroupSummary, len(gs))
	for _, g := range gs {
		m[g.ID] = g
	}
	return m, gs, nil
}

// memberPicker is the form naming one user (by username or email) or one
// group, with a role when Roles is set.
type memberPicker struct {
	Form   *form
	Groups []store.GroupSummary
	Roles  []option
	// Button is the submit button's label.
	Button string
}

func newPickerForm() *form {
	f := newForm()
	f.Values["user"], f.Values["group"], f.Values["role"] = "", "", ""
	return f
}

// pickSubject reads the user or group a picker's form names and finds it
// through the service. It reports false, with the error next to the field
// at fault, when the form does not name exactly one that exists.
func (ui *UI) pickSubject(r *http.Request, rq *request, f *form) (authz.Subject, bool, error) {
	login, group := strings.TrimSpace(f.Get("user")), f.Get("group")
	switch {
	case login == "" && group == "":
		f.Errors["user"] = "Give a username or email, or choose a group."
		return authz.Subject{}, false, nil
	case login != "" && group != "":
		f.Errors["user"] = "Give a user or a group, not both."
		return authz.Subject{}, false, nil
	case group != "":
		return authz.GroupOf(group), true, nil
	}
	u, err := ui.svc.UserByLogin(r.Context(), rq.actor, login)
	if err != nil {
		if se, ok := service.AsError(err); ok && se.Kind == service.KindNotFound {
			f.Errors["user"] = "There is no user with this username or email in the account."
			return authz.Subject{}, false, nil
		}
		return authz.Subject{}, false, err
	}
	return authz.User(u.ID), true, nil
}

// subjectField is the picker's field a service error about the subject
// belongs next to.
func subjectField(f *form) string {
	if f.Get("group") != "" {
		return "group"
	}
	return "user"
}

// hiddenField is a hidden input of a form.
type hiddenField struct{ Name, Value string }

// confirmPage asks before a destructive change.
type confirmPage struct {
	Title, Message string
	// Action is where the form posts; Hidden the fields it carries.
	Action string
	Hidden []hiddenField
	Button string
	Cancel string
	// Reason shows a reason field; ReasonLabel labels it.
	Reason      bool
	ReasonLabel string
	Form        *form
}

func (ui *UI) confirm(w http.ResponseWriter, r *http.Request, rq *request, status int, p confirmPage) {
	if p.Form == nil {
		p.Form = newForm()
	}
	if p.Reason {
		if _, ok := p.Form.Values["reason"]; !ok {
			p.Form.Values["reason"] = ""
		}
	}
	ui.render(w, r, rq, status, "admin_people_confirm", p.Title, p)
}

// refused shows a refused confirmation again with the service's reason.
// It reports false for errors that are not the user's to see (internal
// ones), which the caller returns.
func (ui *UI) refusedConfirm(w http.ResponseWriter, r *http.Request, rq *request, p confirmPage, err error) bool {
	if p.Form == nil {
		p.Form = newForm()
	}
	if p.Reason {
		p.Form.Values["reason"] = r.PostForm.Get("reason")
	}
	if se, ok := service.AsError(err); ok && se.Kind == service.KindNotFound {
		return false
	}
	if !ui.formFailure(p.Form, err, nil) {
		return false
	}
	ui.confirm(w, r, rq, statusOf(err), p)
	return true
}

// postedAll is every value a form posted for name, trimmed, empty ones
// left out.
func postedAll(r *http.Request, name string) []string {
	out := []string{}
	for _, v := range r.PostForm[name] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// checkedFrom marks the choices whose values are in vals.
func checkedFrom(cs []choice, vals []string) []choice {
	for i := range cs {
		cs[i].Checked = slices.Contains(vals, cs[i].Value)
	}
	return cs
}

// selectView is one labelled select, for the "adm_select" template.
type selectView struct {
	Name, Label, Blank, Value, Error string
	Options                          []option
}

// The console's template functions, added to the shared ones before any
// page is parsed (New parses them, after every init).
func init() {
	funcs["admSelect"] = func(f *form, name, label, blank string, opts []option) selectView {
		return selectView{Name: name, Label: label, Blank: blank, Value: f.Get(name), Error: f.Err(name), Options: opts}
	}
	funcs["admTextarea"] = func(f *form, name, label string) textareaView {
		return textareaView{Name: name, Label: label, Value: f.Get(name), Error: f.Err(name)}
	}
	funcs["admGroupOptions"] = func(gs []store.GroupSummary) []option {
		out := make([]option, len(gs))
		for i, g := range gs {
			out[i] = option{g.ID, g.Name}
		}
		return out
	}
	funcs["admTierOptions"] = func(ts []domain.Tier) []option {
		out := make([]option, len(ts))
		for i, t := range ts {
			out[i] = option{t.ID, t.Name}
		}
		return out
	}
	funcs["admCrumb"] = func(path, label string) []option { return []option{{path, label}} }
	funcs["admGrants"] = func(root view, id, action, empty string, rows []grantRow, roles []option, canManage bool) grantsView {
		return grantsView{Root: root, ID: id, Action: action, Empty: empty, Rows: rows, Roles: roles, CanManage: canManage}
	}
}

// grantsView lists role grants (workspace members, tier grants), each
// with forms changing its role and taking it away, for "adm_grants".
type grantsView struct {
	// Root is the page's view, for the forms' CSRF token.
	Root       view
	ID, Action string
	Empty      string
	Rows       []grantRow
	Roles      []option
	CanManage  bool
}
