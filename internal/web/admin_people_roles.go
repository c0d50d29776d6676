package web

import (
	"net/http"
	"net/url"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
	"atrium/internal/store"
)

// Custom roles: named bundles of account permissions, defined here and
// given on the user and group pages.

const rolesPath = "/ui/admin/roles"

func rolePath(id string) string { return rolesPath + "/" + url.PathEscape(id) }

type adminRolesPage struct {
	Done        string
	Builtin     []authz.BuiltinRole
	Custom      []domain.CustomRole
	Form        *form
	Permissions choiceSet
	CanManage   bool
}

// permissionChoices are the catalogue's permissions a custom role may
// carry (never manage_owners, which comes with the owner role alone).
func (ui *UI) permissionChoices(rq *request, checked []string, errMsg string) (choiceSet, error) {
	cat, err := ui.svc.PermissionCatalogue(rq.actor)
	if err != nil {
		return choiceSet{}, err
	}
	cs := []choice{}
	for _, p := range cat {
		if p.Name == authz.ManageOwners.String() {
			continue
		}
		cs = append(cs, choice{Value: p.Name, Label: p.Name, Hint: p.Description})
	}
	return choiceSet{Legend: "Permissions", Name: "permissions", Choices: checkedFrom(cs, checked), Error: errMsg,
		Hint: "You may give only permissions you hold yourself."}, nil
}

func (ui *UI) adminRolesPage(r *http.Request, rq *request, f *form, perms []string) (adminRolesPage, error) {
	cat, err := ui.svc.ListRoles(r.Context(), rq.actor)
	if err != nil {
		return adminRolesPage{}, err
	}
	ps, err := ui.permissionChoices(rq, perms, f.Err("permissions"))
	if err != nil {
		return adminRolesPage{}, err
	}
	return adminRolesPage{Builtin: cat.Builtin, Custom: cat.Custom, Form: f, Permissions: ps, CanManage: ui.held(rq).Has(authz.ManageRoles)}, nil
}

func newRoleForm() *form {
	f := newNameForm()
	f.Values["permissions"] = ""
	return f
}

func (ui *UI) adminRoles(w http.ResponseWriter, r *http.Request, rq *request) error {
	p, err := ui.adminRolesPage(r, rq, newRoleForm(), nil)
	if err != nil {
		return err
	}
	p.Done = doneNotice(r)
	ui.render(w, r, rq, http.StatusOK, "admin_roles", "Roles", p)
	return nil
}

func (ui *UI) adminRoleCreate(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "name", "description")
	f.Values["permissions"] = ""
	perms := postedAll(r, "permissions")
	cr, err := ui.svc.CreateRole(r.Context(), rq.actor, service.RoleInput{Name: f.Get("name"), Description: f.Get("description"), Permissions: perms})
	if err == nil {
		redirectDone(w, r, rolePath(cr.ID), "created")
		return nil
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	p, perr := ui.adminRolesPage(r, rq, f, perms)
	if perr != nil {
		return perr
	}
	ui.render(w, r, rq, statusOf(err), "admin_roles", "Roles", p)
	return nil
}

type adminRolePage struct {
	Role        domain.CustomRole
	Done        string
	Form        *form
	Permissions choiceSet
	Holders     []subjectView
	CanManage   bool
}

func (ui *UI) adminRolePage(r *http.Request, rq *request, id string, f *form, perms []string) (adminRolePage, error) {
	ctx := r.Context()
	cr, err := ui.svc.GetRole(ctx, rq.actor, id)
	if err != nil {
		return adminRolePage{}, err
	}
	if f == nil {
		f = newRoleForm()
		f.Values["name"], f.Values["description"] = cr.Name, cr.Description
		perms = cr.Permissions
	}
	ps, err := ui.permissionChoices(rq, perms, f.Err("permissions"))
	if err != nil {
		return adminRolePage{}, err
	}
	var subs []authz.Subject
	for _, u := range cr.Holders.Users {
		subs = append(subs, authz.User(u))
	}
	var byID map[string]store.GroupSummary
	if len(cr.Holders.Groups) > 0 {
		if byID, _, err = ui.groupsByID(r, rq); err != nil {
			return adminRolePage{}, err
		}
		for _, g := range cr.Holders.Groups {
			subs = append(subs, authz.GroupOf(g))
		}
	}
	holders, err := ui.subjectViews(r, rq, subs, nil, byID)
	if err != nil {
		return adminRolePage{}, err
	}
	return adminRolePage{Role: cr.CustomRole, Form: f, Permissions: ps, Holders: holders, CanManage: ui.held(rq).Has(authz.ManageRoles)}, nil
}

func (ui *UI) adminRole(w http.ResponseWriter, r *http.Request, rq *request) error {
	p, err := ui.adminRolePage(r, rq, r.PathValue("id"), nil, nil)
	if err != nil {
		return err
	}
	p.Done = doneNotice(r)
	ui.render(w, r, rq, http.StatusOK, "admin_role", p.Role.Name, p)
	return nil
}

func (ui *UI) adminRoleUpdate(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	f := formFrom(r, "name", "description")
	f.Values["permissions"] = ""
	perms := postedAll(r, "permissions")
	name, desc := f.Get("name"), strings.ReplaceAll(f.Get("description"), "\r\n", "\n")
	_, err := ui.svc.UpdateRole(r.Context(), rq.actor, id, service.RoleUpdate{Name: &name, Description: &desc, Permissions: &perms})
	if err == nil {
		redirectDone(w, r, rolePath(id), "saved")
		return nil
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	p, perr := ui.adminRolePage(r, rq, id, f, perms)
	if perr != nil {
		return perr
	}
	ui.render(w, r, rq, statusOf(err), "admin_role", p.Role.Name, p)
	return nil
}

func roleDeleteConfirmPage(cr service.CustomRoleDetail) confirmPage {
	return confirmPage{Title: "Delete the role " + cr.Name,
		Message: "A role still held by users or groups cannot be deleted: take it away from them first, on their pages.",
		Action:  rolePath(cr.ID) + "/delete", Button: "Delete the role", Cancel: rolePath(cr.ID)}
}
