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

const groupsPath = "/ui/admin/groups"

func groupPath(id string) string { return groupsPath + "/" + url.PathEscape(id) }

// adminGroupMembersPageSize is how many user members a group's page
// lists at once (the Standard group holds every user).
const adminGroupMembersPageSize = 50

type groupListRow struct {
	store.GroupSummary
	Gives []string
}

type adminGroupsPage struct {
	Done      string
	Groups    []groupListRow
	Form      *form
	CanManage bool
}

func (ui *UI) adminGroupsPage(r *http.Request, rq *request, f *form) (adminGroupsPage, error) {
	ctx := r.Context()
	gs, err := ui.svc.GroupSummaries(ctx, rq.actor)
	if err != nil {
		return adminGroupsPage{}, err
	}
	cat, err := ui.svc.ListRoles(ctx, rq.actor)
	if err != nil {
		return adminGroupsPage{}, err
	}
	names := customRoleNames(cat)
	p := adminGroupsPage{Form: f, CanManage: ui.held(rq).Has(authz.ManageGroups)}
	for _, g := range gs {
		row := groupListRow{GroupSummary: g, Gives: slices.Clone(g.Roles)}
		for _, id := range g.CustomRoles {
			row.Gives = append(row.Gives, names[id])
		}
		p.Groups = append(p.Groups, row)
	}
	return p, nil
}

func newNameForm() *form {
	f := newForm()
	f.Values["name"], f.Values["description"] = "", ""
	return f
}

var groupsView = listView[adminGroupsPage]{name: "admin_groups", title: "Groups",
	load:  (*UI).adminGroupsPage,
	blank: newNameForm,
	done:  func(p *adminGroupsPage) *string { return &p.Done },
}

func (ui *UI) adminGroupCreate(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "name", "description")
	g, err := ui.svc.CreateGroup(r.Context(), rq.actor, service.GroupInput{Name: f.Get("name"), Description: f.Get("description")})
	return groupsView.created(ui, w, r, rq, f, groupPath(g.ID), err)
}

// ---- a group's page

type adminGroupPage struct {
	Group     store.GroupSummary
	Done      string
	CanManage bool

	EditForm *form

	RolesForm   *form
	Roles       choiceSet
	CustomRoles choiceSet

	// Users are a page of the user members; Nested the member groups.
	Users    []domain.User
	NextURL  string
	FirstURL string
	Nested   []subjectView
	// Parents are the groups this one is a member of.
	Parents []store.GroupSummary
	Picker  memberPicker
}

func (ui *UI) adminGroupPage(r *http.Request, rq *request, id string) (adminGroupPage, error) {
	ctx := r.Context()
	// The group from the account's summaries, not read with its members
	// (the Standard group holds every user): those are paged below.
	byID, all, err := ui.groupsByID(r, rq)
	if err != nil {
		return adminGroupPage{}, err
	}
	g, ok := byID[id]
	if !ok {
		return adminGroupPage{}, errPageNotFound
	}
	cat, err := ui.svc.ListRoles(ctx, rq.actor)
	if err != nil {
		return adminGroupPage{}, err
	}
	nesting, err := ui.svc.GroupNesting(ctx, rq.actor)
	if err != nil {
		return adminGroupPage{}, err
	}
	after := r.URL.Query().Get("after")
	users, err := ui.svc.FindUsers(ctx, rq.actor, service.UserQuery{Group: g.ID, After: after, Limit: adminGroupMembersPageSize})
	if err != nil {
		return adminGroupPage{}, err
	}
	p := adminGroupPage{Group: g, CanManage: ui.held(rq).Has(authz.ManageGroups), Users: users.Users, RolesForm: newForm()}
	p.EditForm = newNameForm()
	p.EditForm.Values["name"], p.EditForm.Values["description"] = g.Name, g.Description
	p.Roles = choiceSet{Legend: "Account roles its members get", Name: "roles", Choices: accountRoleChoices(cat, g.Roles, true)}
	p.CustomRoles = choiceSet{Legend: "Custom roles its members get", Name: "custom_roles", Choices: customRoleChoices(cat, g.CustomRoles),
		Empty: "The account has no custom roles yet."}
	if users.NextAfter != "" {
		p.NextURL = groupPath(g.ID) + "?after=" + url.QueryEscape(users.NextAfter) + "#members-h"
	}
	if after != "" {
		p.FirstURL = groupPath(g.ID) + "#members-h"
	}
	var nested []authz.Subject
	for _, c := range nesting[g.ID] {
		nested = append(nested, authz.GroupOf(c))
	}
	if p.Nested, err = ui.subjectViews(r, rq, nested, nil, byID); err != nil {
		return adminGroupPage{}, err
	}
	var choices []store.GroupSummary
	for _, other := range all {
		if slices.Contains(nesting[other.ID], g.ID) {
			p.Parents = append(p.Parents, other)
		}
		if other.ID != g.ID && !slices.Contains(nesting[g.ID], other.ID) {
			choices = append(choices, other)
		}
	}
	p.Picker = memberPicker{Form: newPickerForm(), Groups: choices, Button: "Add the member"}
	return p, nil
}

// groupView is the group page of the console.
var groupView = objectView[adminGroupPage]{name: "admin_group", load: (*UI).adminGroupPage,
	title: func(p *adminGroupPage) string { return p.Group.Name }, done: func(p *adminGroupPage) *string { return &p.Done }}

func (ui *UI) adminGroupUpdate(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	f := formFrom(r, "name", "description")
	name, desc := f.Get("name"), strings.ReplaceAll(f.Get("description"), "\r\n", "\n")
	_, err := ui.svc.UpdateGroup(r.Context(), rq.actor, id, service.GroupUpdate{Name: &name, Description: &desc})
	if err == nil {
		redirectDone(w, r, groupPath(id), "saved")
		return nil
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	return groupView.again(ui, w, r, rq, id, err, func(p *adminGroupPage) { p.EditForm = f })
}

func (ui *UI) adminGroupRoles(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	roles, custom := postedAll(r, "roles"), postedAll(r, "custom_roles")
	_, err := ui.svc.UpdateGroup(r.Context(), rq.actor, id, service.GroupUpdate{Roles: &roles, CustomRoles: &custom})
	if err == nil {
		redirectDone(w, r, groupPath(id), "roles")
		return nil
	}
	f := newForm()
	f.Values["roles"], f.Values["custom_roles"] = "", ""
	if !ui.formFailure(f, err, nil) {
		return err
	}
	return groupView.again(ui, w, r, rq, id, err, func(p *adminGroupPage) {
		p.RolesForm = f
		p.Roles.Choices, p.Roles.Error = checkedFrom(p.Roles.Choices, roles), f.Err("roles")
		p.CustomRoles.Choices, p.CustomRoles.Error = checkedFrom(p.CustomRoles.Choices, custom), f.Err("custom_roles")
	})
}

func (ui *UI) adminGroupMemberAdd(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	// The group first: a group one may not see is not found, whatever
	// the form says.
	if _, err := ui.svc.GetGroup(r.Context(), rq.actor, id); err != nil {
		return err
	}
	f := formFrom(r, "user", "group")
	f.Values["role"] = ""
	subj, ok, err := ui.pickSubject(r, rq, f)
	if err != nil {
		return err
	}
	if ok {
		err = ui.svc.AddGroupMember(r.Context(), rq.actor, id, subj)
		if err == nil {
			redirectDone(w, r, groupPath(id)+"#members-h", "member-added")
			return nil
		}
		if !ui.formFailure(f, err, map[string]string{"subject": subjectField(f)}) {
			return err
		}
		if se, _ := service.AsError(err); se.Kind == service.KindConflict && f.Error != "" {
			// A cycle, or a member already there: about the member named.
			f.Errors[subjectField(f)], f.Error = f.Error, ""
		}
	} else {
		err = invalidForm
	}
	return groupView.again(ui, w, r, rq, id, err, func(p *adminGroupPage) { p.Picker.Form = f })
}

func (ui *UI) adminGroupMemberRemove(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	subj, perr := authz.ParseSubject(r.PostForm.Get("subject"))
	if perr != nil {
		return errBadForm
	}
	err := ui.svc.RemoveGroupMember(r.Context(), rq.actor, id, subj)
	if err == nil {
		redirectDone(w, r, groupPath(id)+"#members-h", "member-removed")
		return nil
	}
	f := newPickerForm()
	if !ui.formFailure(f, err, nil) {
		return err
	}
	return groupView.again(ui, w, r, rq, id, err, func(p *adminGroupPage) { p.Picker.Form = f })
}

func groupDeleteConfirmPage(g domain.Group) confirmPage {
	return confirmPage{Title: "Delete the group " + g.Name,
		Message: "Its members leave it and lose the roles it gives; entries naming it in access lists go with it. A group granted a role on a workspace or tier cannot be deleted: take those grants away first.",
		Action:  groupPath(g.ID) + "/delete", Button: "Delete the group", Cancel: groupPath(g.ID)}
}
