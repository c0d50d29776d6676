package web

import (
	"net/http"
	"net/url"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

// Tiers and workspaces: a tier gives its grants' roles on every workspace
// in it; a workspace's members hold their roles on it alone. Both lists of
// grants are shown by name, read in one go (users by id, groups from the
// account's list).

const (
	tiersPath      = "/ui/admin/tiers"
	workspacesPath = "/ui/admin/workspaces"
)

func tierPath(id string) string      { return tiersPath + "/" + url.PathEscape(id) }
func workspacePath(id string) string { return workspacesPath + "/" + url.PathEscape(id) }

// grantSubjects splits grants into subjects and roles, for subjectViews.
func grantSubjects(gs []domain.Grant) ([]authz.Subject, []string) {
	subs, roles := make([]authz.Subject, len(gs)), make([]string, len(gs))
	for i, g := range gs {
		subs[i], roles[i] = g.Subject, g.Role
	}
	return subs, roles
}

// grantRow is a grant with the form changing its role.
type grantRow struct {
	subjectView
	// N numbers the row, for its controls' ids.
	N int
}

func grantRows(vs []subjectView) []grantRow {
	out := make([]grantRow, len(vs))
	for i, v := range vs {
		out[i] = grantRow{subjectView: v, N: i + 1}
	}
	return out
}

// ---- tiers

type tierRow struct {
	domain.Tier
	Workspaces int
}

type adminTiersPage struct {
	Done      string
	Tiers     []tierRow
	Form      *form
	CanManage bool
}

func (ui *UI) adminTiersPage(r *http.Request, rq *request, f *form) (adminTiersPage, error) {
	ctx := r.Context()
	ts, err := ui.svc.ListTiers(ctx, rq.actor)
	if err != nil {
		return adminTiersPage{}, err
	}
	wss, err := ui.svc.ListWorkspaces(ctx, rq.actor)
	if err != nil {
		return adminTiersPage{}, err
	}
	count := map[string]int{}
	for _, w := range wss {
		count[w.TierID]++
	}
	p := adminTiersPage{Form: f, CanManage: ui.held(rq).Has(authz.ManageWorkspaces)}
	for _, t := range ts {
		p.Tiers = append(p.Tiers, tierRow{Tier: t, Workspaces: count[t.ID]})
	}
	return p, nil
}

var tiersView = listView[adminTiersPage]{name: "admin_tiers", title: "Tiers",
	load:  (*UI).adminTiersPage,
	blank: newNameForm,
	done:  func(p *adminTiersPage) *string { return &p.Done },
}

func (ui *UI) adminTierCreate(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "name", "description")
	t, err := ui.svc.CreateTier(r.Context(), rq.actor, service.TierInput{Name: f.Get("name"), Description: f.Get("description")})
	return tiersView.created(ui, w, r, rq, f, tierPath(t.ID), err)
}

type adminTierPage struct {
	Tier       domain.Tier
	Done       string
	CanManage  bool
	EditForm   *form
	Grants     []grantRow
	Roles      []option
	GrantForm  *form
	Picker     memberPicker
	Workspaces []domain.Workspace
}

func (ui *UI) adminTierPage(r *http.Request, rq *request, id string) (adminTierPage, error) {
	ctx := r.Context()
	t, err := ui.svc.GetTier(ctx, rq.actor, id)
	if err != nil {
		return adminTierPage{}, err
	}
	byID, groups, err := ui.groupsByID(r, rq)
	if err != nil {
		return adminTierPage{}, err
	}
	subs, roles := grantSubjects(t.Grants)
	views, err := ui.subjectViews(r, rq, subs, roles, byID)
	if err != nil {
		return adminTierPage{}, err
	}
	wss, err := ui.svc.ListWorkspaces(ctx, rq.actor)
	if err != nil {
		return adminTierPage{}, err
	}
	p := adminTierPage{Tier: t, CanManage: ui.held(rq).Has(authz.ManageWorkspaces), Grants: grantRows(views), Roles: workspaceRoles,
		EditForm: newNameForm(), GrantForm: newForm()}
	p.EditForm.Values["name"], p.EditForm.Values["description"] = t.Name, t.Description
	p.Picker = memberPicker{Form: newPickerForm(), Groups: groups, Roles: workspaceRoles, Button: "Give the role"}
	for _, w := range wss {
		if w.TierID == t.ID {
			p.Workspaces = append(p.Workspaces, w)
		}
	}
	return p, nil
}

// tierView is the tier page of the console.
var tierView = objectView[adminTierPage]{name: "admin_tier", load: (*UI).adminTierPage,
	title: func(p *adminTierPage) string { return p.Tier.Name }, done: func(p *adminTierPage) *string { return &p.Done }}

func (ui *UI) adminTierUpdate(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	f := formFrom(r, "name", "description")
	name, desc := f.Get("name"), strings.ReplaceAll(f.Get("description"), "\r\n", "\n")
	_, err := ui.svc.UpdateTier(r.Context(), rq.actor, id, service.NameUpdate{Name: &name, Description: &desc})
	if err == nil {
		redirectDone(w, r, tierPath(id), "saved")
		return nil
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	return tierView.again(ui, w, r, rq, id, err, func(p *adminTierPage) { p.EditForm = f })
}

// grantFrom reads a grant from a picker's form (a new one) or from a
// row's (subject and role posted as they are).
func (ui *UI) grantFrom(r *http.Request, rq *request, f *form) (domain.Grant, bool, error) {
	role := f.Get("role")
	if s := r.PostForm.Get("subject"); s != "" {
		subj, err := authz.ParseSubject(s)
		if err != nil {
			return domain.Grant{}, false, errBadForm
		}
		return domain.Grant{Subject: subj, Role: role}, true, nil
	}
	if role == "" {
		f.Errors["role"] = "Choose a role."
	}
	subj, ok, err := ui.pickSubject(r, rq, f)
	return domain.Grant{Subject: subj, Role: role}, ok && role != "", err
}

// invalidForm is the error of a form refused before the service saw it.
var invalidForm = &service.Error{Kind: service.KindInvalid}

func (ui *UI) adminTierGrant(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := ui.svc.GetTier(r.Context(), rq.actor, id); err != nil {
		return err
	}
	f := formFrom(r, "user", "group", "role")
	g, ok, err := ui.grantFrom(r, rq, f)
	if err != nil {
		return err
	}
	err = invalidForm
	if ok {
		if err = ui.svc.SetTierGrant(r.Context(), rq.actor, id, g); err == nil {
			redirectDone(w, r, tierPath(id)+"#grants-h", "granted")
			return nil
		}
		if !ui.formFailure(f, err, map[string]string{"subject": subjectField(f)}) {
			return err
		}
	}
	return tierView.again(ui, w, r, rq, id, err, func(p *adminTierPage) { p.Picker.Form = f })
}

func (ui *UI) adminTierGrantRemove(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	subj, perr := authz.ParseSubject(r.PostForm.Get("subject"))
	if perr != nil {
		return errBadForm
	}
	err := ui.svc.RemoveTierGrant(r.Context(), rq.actor, id, subj)
	if err == nil {
		redirectDone(w, r, tierPath(id)+"#grants-h", "grant-removed")
		return nil
	}
	f := newForm()
	if !ui.formFailure(f, err, nil) {
		return err
	}
	return tierView.again(ui, w, r, rq, id, err, func(p *adminTierPage) { p.GrantForm = f })
}

func tierDeleteConfirmPage(t domain.Tier) confirmPage {
	return confirmPage{Title: "Delete the tier " + t.Name,
		Message: "Its grants go with it. A tier still holding workspaces cannot be deleted: move them out first.",
		Action:  tierPath(t.ID) + "/delete", Button: "Delete the tier", Cancel: tierPath(t.ID)}
}

// ---- workspaces

type workspaceRow struct {
	domain.Workspace
	TierName string
}

type adminWorkspacesPage struct {
	Done       string
	Workspaces []workspaceRow
	Tiers      []domain.Tier
	Form       *form
	CanCreate  bool
}

func (ui *UI) adminWorkspacesPage(r *http.Request, rq *request, f *form) (adminWorkspacesPage, error) {
	ctx := r.Context()
	wss, err := ui.svc.ListWorkspaces(ctx, rq.actor)
	if err != nil {
		return adminWorkspacesPage{}, err
	}
	ts, err := ui.svc.ListTiers(ctx, rq.actor)
	if err != nil {
		return adminWorkspacesPage{}, err
	}
	names := map[string]string{}
	for _, t := range ts {
		names[t.ID] = t.Name
	}
	p := adminWorkspacesPage{Form: f, Tiers: ts, CanCreate: ui.held(rq).Has(authz.ManageWorkspaces)}
	for _, w := range wss {
		p.Workspaces = append(p.Workspaces, workspaceRow{Workspace: w, TierName: names[w.TierID]})
	}
	return p, nil
}

func newWorkspaceForm() *form {
	f := newNameForm()
	f.Values["tier"] = ""
	return f
}

var workspacesView = listView[adminWorkspacesPage]{name: "admin_workspaces", title: "Workspaces",
	load:  (*UI).adminWorkspacesPage,
	blank: newWorkspaceForm,
	done:  func(p *adminWorkspacesPage) *string { return &p.Done },
}

func (ui *UI) adminWorkspaceCreate(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "name", "description", "tier")
	ws, err := ui.svc.CreateWorkspace(r.Context(), rq.actor, service.WorkspaceInput{Name: f.Get("name"), Description: f.Get("description"), TierID: f.Get("tier")})
	return workspacesView.created(ui, w, r, rq, f, workspacePath(ws.ID), err)
}

type adminWorkspacePage struct {
	Workspace  domain.Workspace
	TierName   string
	Done       string
	EditForm   *form
	Tiers      []domain.Tier
	Members    []grantRow
	Roles      []option
	MemberForm *form
	Picker     memberPicker
	// CanManage: the user may rename it and change its members (its
	// owners); CanMoveTiers: move it between tiers and delete it
	// (manage_workspaces).
	CanManage, CanMoveTiers bool
}

func (ui *UI) adminWorkspacePage(r *http.Request, rq *request, id string) (adminWorkspacePage, error) {
	ctx := r.Context()
	ws, err := ui.svc.GetWorkspace(ctx, rq.actor, id)
	if err != nil {
		return adminWorkspacePage{}, err
	}
	ts, err := ui.svc.ListTiers(ctx, rq.actor)
	if err != nil {
		return adminWorkspacePage{}, err
	}
	byID, groups, err := ui.groupsByID(r, rq)
	if err != nil {
		return adminWorkspacePage{}, err
	}
	subs, roles := grantSubjects(ws.Members)
	views, err := ui.subjectViews(r, rq, subs, roles, byID)
	if err != nil {
		return adminWorkspacePage{}, err
	}
	p := adminWorkspacePage{Workspace: ws, Tiers: ts, Members: grantRows(views), Roles: workspaceRoles, EditForm: newWorkspaceForm(), MemberForm: newForm(),
		CanMoveTiers: ui.held(rq).Has(authz.ManageWorkspaces)}
	p.EditForm.Values["name"], p.EditForm.Values["description"], p.EditForm.Values["tier"] = ws.Name, ws.Description, ws.TierID
	if p.CanManage, err = ui.svc.Check(ctx, rq.actor, "user:"+rq.actor.UserID, "can_manage", "workspace:"+ws.ID); err != nil {
		return adminWorkspacePage{}, err
	}
	for _, t := range ts {
		if t.ID == ws.TierID {
			p.TierName = t.Name
		}
	}
	p.Picker = memberPicker{Form: newPickerForm(), Groups: groups, Roles: workspaceRoles, Button: "Give the role"}
	return p, nil
}

// workspaceView is the workspace page of the console.
var workspaceView = objectView[adminWorkspacePage]{name: "admin_workspace", load: (*UI).adminWorkspacePage,
	title: func(p *adminWorkspacePage) string { return p.Workspace.Name }, done: func(p *adminWorkspacePage) *string { return &p.Done }}

func (ui *UI) adminWorkspaceUpdate(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	f := formFrom(r, "name", "description", "tier")
	name, desc := f.Get("name"), strings.ReplaceAll(f.Get("description"), "\r\n", "\n")
	in := service.WorkspaceUpdate{Name: &name, Description: &desc}
	if _, sent := r.PostForm["tier"]; sent {
		tier := f.Get("tier")
		in.TierID = &tier
	}
	_, err := ui.svc.UpdateWorkspace(r.Context(), rq.actor, id, in)
	if err == nil {
		redirectDone(w, r, workspacePath(id), "saved")
		return nil
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	return workspaceView.again(ui, w, r, rq, id, err, func(p *adminWorkspacePage) { p.EditForm = f })
}

func (ui *UI) adminWorkspaceMember(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := ui.svc.GetWorkspace(r.Context(), rq.actor, id); err != nil {
		return err
	}
	f := formFrom(r, "user", "group", "role")
	g, ok, err := ui.grantFrom(r, rq, f)
	if err != nil {
		return err
	}
	row := r.PostForm.Get("subject") != ""
	err = invalidForm
	if ok {
		if err = ui.svc.SetWorkspaceMember(r.Context(), rq.actor, id, g); err == nil {
			redirectDone(w, r, workspacePath(id)+"#members-h", "granted")
			return nil
		}
		rename := map[string]string{"subject": subjectField(f)}
		if row {
			rename = nil
		}
		if !ui.formFailure(f, err, rename) {
			return err
		}
	}
	return workspaceView.again(ui, w, r, rq, id, err, func(p *adminWorkspacePage) {
		if row {
			p.MemberForm = f
		} else {
			p.Picker.Form = f
		}
	})
}

func (ui *UI) adminWorkspaceMemberRemove(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	subj, perr := authz.ParseSubject(r.PostForm.Get("subject"))
	if perr != nil {
		return errBadForm
	}
	err := ui.svc.RemoveWorkspaceMember(r.Context(), rq.actor, id, subj)
	if err == nil {
		redirectDone(w, r, workspacePath(id)+"#members-h", "member-removed")
		return nil
	}
	f := newForm()
	if !ui.formFailure(f, err, nil) {
		return err
	}
	return workspaceView.again(ui, w, r, rq, id, err, func(p *adminWorkspacePage) { p.MemberForm = f })
}

func workspaceDeleteConfirmPage(ws domain.Workspace) confirmPage {
	return confirmPage{Title: "Delete the workspace " + ws.Name,
		Message: "Its members' roles go with it. A workspace still holding records or collections, or receiving a capture profile's uploads, cannot be deleted.",
		Action:  workspacePath(ws.ID) + "/delete", Button: "Delete the workspace", Cancel: workspacePath(ws.ID)}
}
