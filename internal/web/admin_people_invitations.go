package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/service"
	"atrium/internal/store"
)

// ---- inviting (manage_users)

type invitationRow struct {
	store.Invitation
	GroupNames []string
}

type adminInvitationsPage struct {
	Done        string
	Form        *form
	Roles       choiceSet
	Groups      choiceSet
	Invitations []invitationRow
	CanInvite   bool
}

const invitationsPath = "/ui/admin/invitations"

func (ui *UI) adminInvitationsPage(r *http.Request, rq *request, f *form, roles, groups []string) (adminInvitationsPage, error) {
	ctx := r.Context()
	cat, err := ui.svc.ListRoles(ctx, rq.actor)
	if err != nil {
		return adminInvitationsPage{}, err
	}
	byID, gs, err := ui.groupsByID(r, rq)
	if err != nil {
		return adminInvitationsPage{}, err
	}
	p := adminInvitationsPage{Form: f, CanInvite: ui.held(rq).Has(authz.ManageUsers)}
	p.Roles = choiceSet{Legend: "Account roles (optional)", Name: "roles", Choices: accountRoleChoices(cat, roles, false), Error: f.Err("roles"),
		Hint: "Workspace roles come from groups, tiers and workspaces."}
	gc := make([]choice, 0, len(gs))
	for _, g := range gs {
		gc = append(gc, choice{Value: g.ID, Label: g.Name, Hint: g.Description})
	}
	p.Groups = choiceSet{Legend: "Groups to join (optional)", Name: "groups", Choices: checkedFrom(gc, groups), Error: f.Err("groups"),
		Hint: "Every new user joins the Standard group as well."}
	invs, err := ui.svc.ListInvitations(ctx, rq.actor)
	if err != nil {
		return adminInvitationsPage{}, err
	}
	for _, inv := range invs {
		row := invitationRow{Invitation: inv}
		for _, id := range inv.Groups {
			if g, ok := byID[id]; ok {
				row.GroupNames = append(row.GroupNames, g.Name)
			}
		}
		p.Invitations = append(p.Invitations, row)
	}
	return p, nil
}

func newInviteForm() *form {
	f := newForm()
	f.Values["email"], f.Values["expires_in_days"] = "", "7"
	return f
}

func (ui *UI) adminInvitations(w http.ResponseWriter, r *http.Request, rq *request) error {
	p, err := ui.adminInvitationsPage(r, rq, newInviteForm(), nil, nil)
	if err != nil {
		return err
	}
	p.Done = doneNotice(r)
	ui.render(w, r, rq, http.StatusOK, "admin_invitations", "Invitations", p)
	return nil
}

func (ui *UI) adminInvite(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "email", "expires_in_days")
	roles, groups := postedAll(r, "roles"), postedAll(r, "groups")
	f.Values["roles"], f.Values["groups"] = "", ""
	days := 0
	if s := strings.TrimSpace(f.Get("expires_in_days")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			f.Errors["expires_in_days"] = "Give a number of days."
		}
		days = n
	}
	var err error
	if !f.Invalid() {
		_, err = ui.svc.CreateInvitation(r.Context(), rq.actor, service.InvitationInput{Email: f.Get("email"), Roles: roles, Groups: groups, ExpiresInDays: days})
		if err == nil {
			redirectDone(w, r, invitationsPath, "invited")
			return nil
		}
		if !ui.formFailure(f, err, nil) {
			return err
		}
	}
	p, perr := ui.adminInvitationsPage(r, rq, f, roles, groups)
	if perr != nil {
		return perr
	}
	status := http.StatusUnprocessableEntity
	if err != nil {
		status = statusOf(err)
	}
	ui.render(w, r, rq, status, "admin_invitations", "Invitations", p)
	return nil
}

// invitationConfirmPage asks before revoking an invitation, found among
// the pending ones (there is no reading one by id).
func (ui *UI) invitationConfirmPage(r *http.Request, rq *request, id string) (confirmPage, error) {
	invs, err := ui.svc.ListInvitations(r.Context(), rq.actor)
	if err != nil {
		return confirmPage{}, err
	}
	for _, inv := range invs {
		if inv.ID == id {
			return confirmPage{Title: "Revoke the invitation of " + inv.Email,
				Message: "The invitation mailed to " + inv.Email + " will no longer work. You may invite them again later.",
				Action:  invitationsPath + "/" + url.PathEscape(id) + "/revoke", Button: "Revoke the invitation", Cancel: invitationsPath}, nil
		}
	}
	return confirmPage{}, errPageNotFound
}

func (ui *UI) adminInvitationRevokeConfirm(w http.ResponseWriter, r *http.Request, rq *request) error {
	p, err := ui.invitationConfirmPage(r, rq, r.PathValue("id"))
	if err != nil {
		return err
	}
	ui.confirm(w, r, rq, http.StatusOK, p)
	return nil
}

func (ui *UI) adminInvitationRevoke(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	id := r.PathValue("id")
	p, err := ui.invitationConfirmPage(r, rq, id)
	if err != nil {
		return err
	}
	err = ui.svc.RevokeInvitation(r.Context(), rq.actor, id)
	if err == nil {
		redirectDone(w, r, invitationsPath, "revoked")
		return nil
	}
	if ui.refusedConfirm(w, r, rq, p, err) {
		return nil
	}
	return err
}

// ---- accepting an invitation (anyone holding its token)

var acceptInputs = []string{"token", "username", "display_name", "password"}

func (ui *UI) acceptInvitationForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := newForm()
	for _, n := range acceptInputs {
		f.Values[n] = ""
	}
	f.Values["token"] = strings.TrimSpace(r.URL.Query().Get("token"))
	ui.render(w, r, rq, http.StatusOK, "invitation_accept", "Accept your invitation", tokenPage{Form: f})
	return nil
}

func (ui *UI) acceptInvitation(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, acceptInputs...)
	f.Values["token"] = strings.TrimSpace(f.Get("token"))
	if f.Get("token") == "" {
		f.Errors["token"] = "Enter the invitation token from the message you received."
	}
	if strings.TrimSpace(f.Get("username")) == "" {
		f.Errors["username"] = "Choose a username."
	}
	if f.Get("password") == "" {
		f.Errors["password"] = "Choose a password."
	}
	if f.Invalid() {
		ui.render(w, r, rq, http.StatusUnprocessableEntity, "invitation_accept", "Accept your invitation", tokenPage{Form: f})
		return nil
	}
	u, err := ui.svc.AcceptInvitation(r.Context(), service.AcceptInput{Token: f.Get("token"), Username: strings.TrimSpace(f.Get("username")),
		DisplayName: f.Get("display_name"), Password: f.Get("password"), IP: rq.ip})
	if err == nil {
		ui.render(w, r, rq, http.StatusOK, "done", "Welcome to Atrium", donePage{Title: "Welcome to Atrium",
			Message: "Your user " + u.Username + " is ready. Sign in with it and the password you chose.",
			Link:    "/ui/signin", LinkText: "Sign in"})
		return nil
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	ui.render(w, r, rq, statusOf(err), "invitation_accept", "Accept your invitation", tokenPage{Form: f})
	return nil
}
