package web_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

func TestAdminGroupsCreateNestAndDelete(t *testing.T) {
	f := newAdminFixture(t)
	alice := f.signedIn(t, "alice")
	const groups = "/ui/admin/groups"

	t.Run("a group without a name is refused next to the name", func(t *testing.T) {
		p := alice.get(groups)
		p = alice.send(p, groups, url.Values{"name": {"  "}})
		if p.status != 422 || p.fieldError("name") == "" {
			t.Errorf("status %d, error %q", p.status, p.fieldError("name"))
		}
	})
	t.Run("a name taken is refused", func(t *testing.T) {
		p := alice.get(groups)
		p = alice.send(p, groups, url.Values{"name": {"Photographers"}})
		if p.status != 409 || !strings.Contains(p.formError()+p.fieldError("name"), "already exists") {
			t.Errorf("status %d, errors %q %q", p.status, p.formError(), p.fieldError("name"))
		}
	})

	var desk, deskPath string
	t.Run("a new group opens on its page", func(t *testing.T) {
		p := alice.get(groups)
		p = alice.send(p, groups, url.Values{"name": {"News desk"}, "description": {"Editors on shift"}})
		if p.status != 200 || p.h1() != "News desk" || p.notice() != "Created." {
			t.Fatalf("status %d, h1 %q, notice %q", p.status, p.h1(), p.notice())
		}
		deskPath = p.path()
		desk = strings.TrimPrefix(deskPath, groups+"/")
	})

	for _, c := range []struct {
		name   string
		set    url.Values
		field  string
		want   string
		status int
	}{
		{"an unknown user is refused next to the user", url.Values{"user": {"nobody"}}, "user", "no user", 422},
		{"naming nobody is refused next to the user", url.Values{}, "user", "username or email", 422},
		{"a user and a group at once are refused", url.Values{"user": {"erin"}, "group": {"x"}}, "user", "not both", 422},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := alice.get(deskPath)
			p = alice.send(p, deskPath+"/members", c.set)
			if p.status != c.status || !strings.Contains(strings.ToLower(p.fieldError(c.field)), c.want) {
				t.Errorf("status %d, error %q", p.status, p.fieldError(c.field))
			}
		})
	}

	t.Run("users are added by username or email, groups by choice", func(t *testing.T) {
		for _, set := range []url.Values{{"user": {"victor"}}, {"user": {"mia@alpha.example"}}, {"group": {f.photogs}}} {
			p := alice.get(deskPath)
			p = alice.send(p, deskPath+"/members", set)
			if p.notice() != "The member is added." {
				t.Fatalf("adding %v: status %d, notice %q, errors %q %q", set, p.status, p.notice(), p.fieldError("user"), p.formError())
			}
		}
		p := alice.get(deskPath)
		if got := p.textOf("group-users"); !strings.Contains(got, "victor") || !strings.Contains(got, "mia") {
			t.Errorf("users %q", got)
		}
		if got := p.textOf("group-groups"); !strings.Contains(got, "Photographers") {
			t.Errorf("groups %q", got)
		}
		if got := alice.get("/ui/admin/groups/" + f.photogs).body; !strings.Contains(got, "Member of") || !strings.Contains(got, deskPath) {
			t.Error("Photographers does not say it is in News desk")
		}
	})
	t.Run("a user already a member is refused next to the user", func(t *testing.T) {
		p := alice.get(deskPath)
		p = alice.send(p, deskPath+"/members", url.Values{"user": {"victor"}})
		if p.status != 409 || !strings.Contains(p.fieldError("user"), "already a member") {
			t.Errorf("status %d, error %q", p.status, p.fieldError("user"))
		}
	})
	t.Run("nesting that would make a cycle is refused next to the group", func(t *testing.T) {
		photogs := "/ui/admin/groups/" + f.photogs
		p := alice.get(photogs)
		if slices.Contains(formValuesOptions(p, "group"), desk) {
			// Offered: the service refuses it.
			p = alice.send(p, photogs+"/members", url.Values{"group": {desk}})
		} else {
			p = alice.postWith(p, photogs+"/members", url.Values{"group": {desk}})
		}
		if p.status != 409 || !strings.Contains(p.fieldError("group"), "cycle") {
			t.Errorf("status %d, error %q, form %q", p.status, p.fieldError("group"), p.formError())
		}
	})
	t.Run("a group's roles are saved; the owner role is not offered", func(t *testing.T) {
		p := alice.get(deskPath)
		for _, c := range p.findAll(func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "roles" }) {
			if attr(c, "value") == "owner" {
				t.Error("the owner role is offered to a group")
			}
		}
		p = alice.send(p, deskPath+"/roles", url.Values{"roles": {"library_editor"}, "custom_roles": {f.role}})
		if p.notice() != "The roles are saved." {
			t.Fatalf("status %d, notice %q, error %q", p.status, p.notice(), p.formError())
		}
		g, _ := f.svc.GetGroup(f.ctx, f.A.Owner, desk)
		if !slices.Equal(g.Roles, []string{"library_editor"}) || !slices.Equal(g.CustomRoles, []string{f.role}) {
			t.Errorf("roles %q %q", g.Roles, g.CustomRoles)
		}
	})
	t.Run("renaming", func(t *testing.T) {
		p := alice.get(deskPath)
		p = alice.send(p, deskPath, url.Values{"name": {"Night desk"}})
		if p.h1() != "Night desk" || p.notice() != "Your changes are saved." {
			t.Errorf("h1 %q, notice %q", p.h1(), p.notice())
		}
	})
	t.Run("a built-in group refuses a new name, saying so", func(t *testing.T) {
		std := ""
		gs, _ := f.svc.ListGroups(f.ctx, f.A.Owner)
		for _, g := range gs {
			if g.Builtin == domain.BuiltinStandard {
				std = "/ui/admin/groups/" + g.ID
			}
		}
		p := alice.get(std)
		if p.find(func(n *html.Node) bool { return strings.HasSuffix(attr(n, "href"), "/delete") }) != nil {
			t.Error("a built-in group offers deletion")
		}
		p = alice.send(p, std, url.Values{"name": {"Everybody"}})
		if p.status != 409 || !strings.Contains(p.formError(), "cannot be renamed") {
			t.Errorf("status %d, error %q", p.status, p.formError())
		}
	})
	t.Run("removing a member", func(t *testing.T) {
		p := alice.get(deskPath)
		p = alice.postWith(p, deskPath+"/members/remove", url.Values{"subject": {"user:" + f.A.Viewer.UserID}})
		if p.notice() != "The member is removed." || strings.Contains(p.textOf("group-users"), "victor") {
			t.Errorf("notice %q, users %q", p.notice(), p.textOf("group-users"))
		}
	})
	t.Run("a group granted on a workspace cannot be deleted: the guard's reason is shown", func(t *testing.T) {
		if err := f.svc.SetWorkspaceMember(f.ctx, f.A.Owner, f.A.Workspace, domain.Grant{Subject: authz.GroupOf(desk), Role: "viewer"}); err != nil {
			t.Fatal(err)
		}
		p := alice.get(deskPath + "/delete")
		if p.h1() != "Delete the group Night desk?" {
			t.Errorf("confirmation %q", p.h1())
		}
		p = alice.send(p, deskPath+"/delete", nil)
		if p.status != 409 || !strings.Contains(p.formError(), "granted a role on workspace") {
			t.Errorf("status %d, error %q", p.status, p.formError())
		}
		if err := f.svc.RemoveWorkspaceMember(f.ctx, f.A.Owner, f.A.Workspace, authz.GroupOf(desk)); err != nil {
			t.Fatal(err)
		}
		p = alice.get(deskPath + "/delete")
		p = alice.send(p, deskPath+"/delete", nil)
		if p.path() != groups || p.notice() != "Deleted." || strings.Contains(p.body, "Night desk") {
			t.Errorf("after deleting: %s, %q", p.path(), p.notice())
		}
	})
	t.Run("a user without manage_groups sees the groups without forms, and is refused", func(t *testing.T) {
		erin := f.signedIn(t, "erin")
		p := erin.get(groups)
		if p.status != 200 || p.find(func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == groups }) != nil {
			t.Errorf("status %d, or the new group form is offered", p.status)
		}
		p = erin.postWith(p, groups, url.Values{"name": {"Mine"}})
		if p.status != 403 {
			t.Errorf("status %d", p.status)
		}
	})
}

// formValuesOptions are the values a select offers.
func formValuesOptions(p *page, name string) []string {
	var out []string
	for _, s := range p.findAll(func(n *html.Node) bool { return n.Data == "select" && attr(n, "name") == name }) {
		walk(s, func(o *html.Node) {
			if o.Data == "option" {
				out = append(out, attr(o, "value"))
			}
		})
	}
	return out
}

func TestAdminTiersAndWorkspaces(t *testing.T) {
	f := newAdminFixture(t)
	alice := f.signedIn(t, "alice")

	var tier, tierPath string
	t.Run("a tier is created and a group given a role on it", func(t *testing.T) {
		p := alice.get("/ui/admin/tiers")
		p = alice.send(p, "/ui/admin/tiers", url.Values{"name": {"Archive"}})
		if p.h1() != "Archive" {
			t.Fatalf("status %d, h1 %q", p.status, p.h1())
		}
		tierPath = p.path()
		tier = strings.TrimPrefix(tierPath, "/ui/admin/tiers/")
		p = alice.send(p, tierPath+"/grants", url.Values{"group": {f.photogs}})
		if p.status != 422 || p.fieldError("role") == "" {
			t.Errorf("a grant without a role: status %d, error %q", p.status, p.fieldError("role"))
		}
		p = alice.send(p, tierPath+"/grants", url.Values{"group": {f.photogs}, "role": {"viewer"}})
		if p.notice() != "The role is given." || !strings.Contains(p.textOf("tier-grants"), "Photographers") {
			t.Fatalf("notice %q, grants %q", p.notice(), p.textOf("tier-grants"))
		}
	})

	var ws, wsPath string
	t.Run("a workspace is created in the tier; its tier's members may see it", func(t *testing.T) {
		p := alice.get("/ui/admin/workspaces")
		p = alice.send(p, "/ui/admin/workspaces", url.Values{"name": {"Old prints"}, "tier": {tier}})
		if p.h1() != "Old prints" || !strings.Contains(p.body, "In the tier") {
			t.Fatalf("status %d, h1 %q", p.status, p.h1())
		}
		wsPath = p.path()
		ws = strings.TrimPrefix(wsPath, "/ui/admin/workspaces/")
		if !slices.Contains(alice.get(tierPath).links("tier-workspaces"), wsPath) {
			t.Error("the tier does not list the workspace")
		}
		seen, err := f.svc.ListWorkspaces(f.ctx, f.A.Editor)
		if err != nil || !slices.ContainsFunc(seen, func(w domain.Workspace) bool { return w.ID == ws }) {
			t.Errorf("erin (a Photographer) does not see the workspace: %v", err)
		}
	})
	t.Run("a workspace name taken is refused next to the name", func(t *testing.T) {
		p := alice.get("/ui/admin/workspaces")
		p = alice.send(p, "/ui/admin/workspaces", url.Values{"name": {"Old prints"}})
		if p.status != 409 || !strings.Contains(p.formError()+p.fieldError("name"), "already exists") {
			t.Errorf("status %d, %q %q", p.status, p.formError(), p.fieldError("name"))
		}
	})
	t.Run("a user is given a role, changes role, and is removed", func(t *testing.T) {
		p := alice.get(wsPath)
		p = alice.send(p, wsPath+"/members", url.Values{"user": {"victor"}, "role": {"contributor"}})
		if p.notice() != "The role is given." {
			t.Fatalf("status %d, notice %q, %q", p.status, p.notice(), p.fieldError("user"))
		}
		if r := f.svc.Engine().WorkspaceRole(f.A.Viewer.UserID, ws); r.String() != "contributor" {
			t.Errorf("victor's role %s", r)
		}
		p = alice.postWith(p, wsPath+"/members", url.Values{"subject": {"user:" + f.A.Viewer.UserID}, "role": {"editor"}})
		if r := f.svc.Engine().WorkspaceRole(f.A.Viewer.UserID, ws); r.String() != "editor" {
			t.Errorf("victor's role after the change %s", r)
		}
		p = alice.postWith(p, wsPath+"/members/remove", url.Values{"subject": {"user:" + f.A.Viewer.UserID}})
		if p.notice() != "The member is removed." || strings.Contains(p.textOf("workspace-members"), "victor") {
			t.Errorf("notice %q, members %q", p.notice(), p.textOf("workspace-members"))
		}
	})
	t.Run("an unknown role is refused next to it", func(t *testing.T) {
		p := alice.get(wsPath)
		p = alice.send(p, wsPath+"/members", url.Values{"user": {"victor"}, "role": {"boss"}})
		if p.status != 422 || !strings.Contains(p.fieldError("role"), "nknown role") {
			t.Errorf("status %d, error %q", p.status, p.fieldError("role"))
		}
	})
	t.Run("renaming and taking it out of its tier", func(t *testing.T) {
		p := alice.get(wsPath)
		p = alice.send(p, wsPath, url.Values{"name": {"Prints"}, "tier": {""}})
		if p.h1() != "Prints" || !strings.Contains(p.body, "In no tier.") {
			t.Errorf("h1 %q", p.h1())
		}
	})
	t.Run("a tier holding workspaces cannot be deleted: the reason is shown", func(t *testing.T) {
		if _, err := f.svc.UpdateWorkspace(f.ctx, f.A.Owner, ws, service.WorkspaceUpdate{TierID: &tier}); err != nil {
			t.Fatal(err)
		}
		p := alice.get(tierPath + "/delete")
		p = alice.send(p, tierPath+"/delete", nil)
		if p.status != 409 || !strings.Contains(p.formError(), "still holds workspaces Prints") {
			t.Errorf("status %d, error %q", p.status, p.formError())
		}
	})
	t.Run("a workspace with records cannot be deleted; an empty one can", func(t *testing.T) {
		news := "/ui/admin/workspaces/" + f.A.Workspace
		p := alice.get(news + "/delete")
		p = alice.send(p, news+"/delete", nil)
		if p.status != 409 || !strings.Contains(p.formError(), "still holds 3 records") {
			t.Errorf("status %d, error %q", p.status, p.formError())
		}
		p = alice.get(wsPath + "/delete")
		p = alice.send(p, wsPath+"/delete", nil)
		if p.notice() != "Deleted." {
			t.Errorf("notice %q", p.notice())
		}
		p = alice.get(tierPath + "/delete")
		p = alice.send(p, tierPath+"/delete", nil)
		if p.notice() != "Deleted." {
			t.Errorf("deleting the emptied tier: %q", p.notice())
		}
	})
	t.Run("a workspace's owner who is no account admin manages its members, but not its tier", func(t *testing.T) {
		if err := f.svc.SetWorkspaceMember(f.ctx, f.A.Owner, f.A.Workspace, domain.Grant{Subject: authz.User(f.A.Editor.UserID), Role: "owner"}); err != nil {
			t.Fatal(err)
		}
		erin := f.signedIn(t, "erin")
		news := "/ui/admin/workspaces/" + f.A.Workspace
		p := erin.get(news)
		if p.byID("f-tier") != nil || strings.Contains(p.body, "/delete") {
			t.Error("erin is offered the tier or deletion")
		}
		p = erin.send(p, news+"/members", url.Values{"user": {"mia"}, "role": {"viewer"}})
		if p.notice() != "The role is given." {
			t.Errorf("status %d, notice %q, %q", p.status, p.notice(), p.formError())
		}
	})
}

func TestAdminCustomRoles(t *testing.T) {
	f := newAdminFixture(t)
	alice := f.signedIn(t, "alice")
	const roles = "/ui/admin/roles"

	t.Run("manage_owners is not offered", func(t *testing.T) {
		p := alice.get(roles)
		for _, c := range p.findAll(func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "permissions" }) {
			if attr(c, "value") == "manage_owners" {
				t.Error("manage_owners is offered")
			}
		}
	})
	t.Run("a built-in role's name is refused next to the name", func(t *testing.T) {
		p := alice.get(roles)
		p = alice.send(p, roles, url.Values{"name": {"admin"}, "permissions": {"view_audit"}})
		if p.status != 422 || p.fieldError("name") == "" {
			t.Errorf("status %d, error %q", p.status, p.fieldError("name"))
		}
		if v := formValues(t, p, roles); !slices.Equal(v["permissions"], []string{"view_audit"}) {
			t.Errorf("the permissions ticked are lost: %q", v["permissions"])
		}
	})
	t.Run("an admin may not define a role with billing, which admins lack", func(t *testing.T) {
		carol := f.signedIn(t, "carol")
		p := carol.get(roles)
		p = carol.send(p, roles, url.Values{"name": {"payers"}, "permissions": {"billing"}})
		if p.status != 403 || !strings.Contains(p.formError(), "billing") {
			t.Errorf("status %d, error %q", p.status, p.formError())
		}
	})

	var path string
	t.Run("a role is defined, given on a user's page, listed with its holders and changed", func(t *testing.T) {
		p := alice.get(roles)
		p = alice.send(p, roles, url.Values{"name": {"auditors"}, "description": {"Read the log"}, "permissions": {"view_audit"}})
		if p.h1() != "auditors" {
			t.Fatalf("status %d, h1 %q, %q", p.status, p.h1(), p.formError())
		}
		path = p.path()
		id := strings.TrimPrefix(path, roles+"/")
		victor := "/ui/admin/users/" + f.A.Viewer.UserID
		up := alice.get(victor)
		up = alice.send(up, victor+"/roles", url.Values{"custom_roles": {id}})
		if up.notice() != "The roles are saved." {
			t.Fatalf("giving the role: %q %q", up.notice(), up.formError())
		}
		if !f.svc.Engine().EffectivePermissions(f.A.Viewer.UserID).Has(authz.ViewAudit) {
			t.Error("victor lacks view_audit")
		}
		p = alice.get(path)
		if !strings.Contains(p.textOf("role-holders"), "victor") {
			t.Errorf("holders %q", p.textOf("role-holders"))
		}
		p = alice.send(p, path, url.Values{"permissions": {"view_audit", "review_access"}})
		if p.notice() != "Your changes are saved." || !f.svc.Engine().EffectivePermissions(f.A.Viewer.UserID).Has(authz.ReviewAccess) {
			t.Errorf("notice %q", p.notice())
		}
	})
	t.Run("a role still held cannot be deleted: the reason is shown; once taken away it can", func(t *testing.T) {
		p := alice.get(path + "/delete")
		p = alice.send(p, path+"/delete", nil)
		if p.status != 409 || !strings.Contains(p.formError(), "held by 1 users") {
			t.Errorf("status %d, error %q", p.status, p.formError())
		}
		if _, err := f.svc.UpdateUser(f.ctx, f.A.Owner, f.A.Viewer.UserID, service.UserUpdate{CustomRoles: &[]string{}}); err != nil {
			t.Fatal(err)
		}
		p = alice.get(path + "/delete")
		p = alice.send(p, path+"/delete", nil)
		if p.path() != roles || p.notice() != "Deleted." {
			t.Errorf("%s, %q", p.path(), p.notice())
		}
	})
}
