package httpapi_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"atrium/internal/domain"
)

// Roles as permission bundles, through the API: the catalogue, custom
// roles' life cycle and validation, what holding one (directly or through
// groups) allows at once, tenancy, and the escalation rule that nobody
// gives a permission they do not hold.

type customRoleResp struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
	Holders     struct {
		Users  []string `json:"users"`
		Groups []string `json:"groups"`
	} `json:"holders"`
}

type meInfo struct {
	User           domain.User `json:"user"`
	EffectiveRoles []string    `json:"effective_roles"`
	CustomRoles    []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"custom_roles"`
	Permissions []string `json:"permissions"`
}

// mkRole defines a custom role as c and returns its id.
func mkRole(t *testing.T, c *client, name string, perms ...string) string {
	t.Helper()
	if perms == nil {
		perms = []string{}
	}
	var r customRoleResp
	c.do(t, "POST", "/api/v1/roles", obj{"name": name, "permissions": perms}).ok(t, 201).decode(t, &r)
	return r.ID
}

func me(t *testing.T, c *client) meInfo {
	t.Helper()
	var m meInfo
	c.get(t, "/api/v1/me").ok(t, 200).decode(t, &m)
	return m
}

func TestPermissionAndRoleCatalogue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	carol := f.addUser(t, f.A, "carol")
	t.Run("every member reads the permissions with their descriptions", func(t *testing.T) {
		var l struct {
			Permissions []struct{ Name, Description string } `json:"permissions"`
		}
		carol.get(t, "/api/v1/permissions").ok(t, 200).decode(t, &l)
		var names []string
		for _, p := range l.Permissions {
			names = append(names, p.Name)
			if p.Description == "" {
				t.Errorf("permission %s has no description", p.Name)
			}
		}
		for _, want := range []string{"manage_users", "manage_groups", "manage_settings", "manage_roles", "manage_owners", "import", "view_analytics", "billing", "manage_api_tokens", "view_audit"} {
			if !slices.Contains(names, want) {
				t.Errorf("catalogue %v lacks %s", names, want)
			}
		}
		if slices.Contains(names, "webhooks") {
			t.Errorf("the catalogue lists webhooks, which nothing checks")
		}
	})
	t.Run("the built-in roles come with their bundles and workspace roles", func(t *testing.T) {
		var l struct {
			Builtin []struct {
				Name          string   `json:"name"`
				Permissions   []string `json:"permissions"`
				WorkspaceRole string   `json:"workspace_role"`
			} `json:"builtin"`
			Custom []customRoleResp `json:"custom"`
		}
		carol.get(t, "/api/v1/roles").ok(t, 200).decode(t, &l)
		byName := map[string][]string{}
		ws := map[string]string{}
		for _, r := range l.Builtin {
			byName[r.Name], ws[r.Name] = r.Permissions, r.WorkspaceRole
		}
		if len(byName) != 6 || l.Custom == nil || len(l.Custom) != 0 {
			t.Fatalf("catalogue %+v", l)
		}
		admin := byName["admin"]
		if !slices.Contains(admin, "manage_roles") || slices.Contains(admin, "billing") || slices.Contains(admin, "manage_owners") {
			t.Errorf("admin bundle %v", admin)
		}
		if !slices.Contains(byName["owner"], "manage_owners") || len(byName["library_viewer"]) != 0 {
			t.Errorf("owner %v, library_viewer %v", byName["owner"], byName["library_viewer"])
		}
		if ws["admin"] != "owner" || ws["developer"] != "editor" || ws["library_viewer"] != "viewer" || ws["finance"] != "" {
			t.Errorf("workspace roles %v", ws)
		}
	})
}

func TestCustomRoleLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner := f.A.Owner
	carol := f.addUser(t, f.A, "carol")
	dave := f.addUser(t, f.A, "dave")

	var created customRoleResp
	owner.do(t, "POST", "/api/v1/roles", obj{"name": "auditor", "description": "Reads the audit log", "permissions": []string{"view_audit", "review_access", "view_audit"}}).
		ok(t, 201).decode(t, &created)
	if created.Name != "auditor" || !slices.Equal(created.Permissions, []string{"review_access", "view_audit"}) || len(created.Holders.Users) != 0 {
		t.Fatalf("created %+v", created)
	}
	id := created.ID

	t.Run("a user given the role holds its permissions at once, and /me shows it", func(t *testing.T) {
		carol.get(t, "/api/v1/audit").fails(t, 403, "forbidden", "-")
		var u domain.User
		owner.do(t, "PATCH", "/api/v1/users/"+carol.ID, obj{"custom_roles": []string{id}}).ok(t, 200).decode(t, &u)
		if !slices.Equal(u.CustomRoles, []string{id}) {
			t.Errorf("user custom_roles %v", u.CustomRoles)
		}
		carol.get(t, "/api/v1/audit").ok(t, 200)
		m := me(t, carol.client)
		if len(m.CustomRoles) != 1 || m.CustomRoles[0].ID != id || m.CustomRoles[0].Name != "auditor" || !slices.Contains(m.Permissions, "view_audit") {
			t.Errorf("/me %+v", m)
		}
	})
	t.Run("a group's custom role reaches the members of groups nested in it", func(t *testing.T) {
		inner := mkGroup(t, owner.client, "Inner", "user:"+dave.ID)
		var g domain.Group
		owner.do(t, "POST", "/api/v1/groups", obj{"name": "Outer", "custom_roles": []string{id}, "members": []string{"group:" + inner}}).ok(t, 201).decode(t, &g)
		if !slices.Equal(g.CustomRoles, []string{id}) {
			t.Errorf("group custom_roles %v", g.CustomRoles)
		}
		dave.get(t, "/api/v1/audit").ok(t, 200)
		if m := me(t, dave.client); len(m.CustomRoles) != 1 || m.User.CustomRoles == nil || len(m.User.CustomRoles) != 0 {
			t.Errorf("/me of a holder through groups: %+v", m)
		}
		var r customRoleResp
		owner.get(t, "/api/v1/roles/"+id).ok(t, 200).decode(t, &r)
		if !slices.Equal(r.Holders.Users, []string{carol.ID}) || !slices.Equal(r.Holders.Groups, []string{g.ID}) {
			t.Errorf("holders %+v", r.Holders)
		}
		owner.do(t, "DELETE", "/api/v1/groups/"+inner+"/members/user:"+dave.ID, nil).ok(t, 204)
		dave.get(t, "/api/v1/audit").fails(t, 403, "forbidden", "-")
		owner.do(t, "PUT", "/api/v1/groups/"+inner+"/members/user:"+dave.ID, nil).ok(t, 204)
		dave.get(t, "/api/v1/audit").ok(t, 200)
	})
	t.Run("changing the role's permissions changes every holder's at once", func(t *testing.T) {
		var r customRoleResp
		owner.do(t, "PATCH", "/api/v1/roles/"+id, obj{"name": "reviewer", "permissions": []string{"review_access"}}).ok(t, 200).decode(t, &r)
		if r.Name != "reviewer" || !slices.Equal(r.Permissions, []string{"review_access"}) {
			t.Errorf("updated %+v", r)
		}
		carol.get(t, "/api/v1/audit").fails(t, 403, "forbidden", "-")
		dave.get(t, "/api/v1/audit").fails(t, 403, "forbidden", "-")
		if m := me(t, carol.client); !slices.Equal(m.Permissions, []string{"review_access"}) {
			t.Errorf("carol's permissions %v", m.Permissions)
		}
	})
	t.Run("a held role cannot be deleted; the conflict says by how many", func(t *testing.T) {
		e := refused(t, owner.client, owner.client, "DELETE", "/api/v1/roles/"+id, nil, 409, "role_in_use", "/api/v1/roles/"+id)
		if !strings.Contains(e.Error.Message, "1 users and 1 groups") {
			t.Errorf("message %q", e.Error.Message)
		}
	})
	t.Run("once nobody holds it, it is deleted and gone", func(t *testing.T) {
		owner.do(t, "PATCH", "/api/v1/users/"+carol.ID, obj{"custom_roles": []string{}}).ok(t, 200)
		var outer string
		for _, g := range listGroups(t, owner.client) {
			if g.Name == "Outer" {
				outer = g.ID
			}
		}
		owner.do(t, "PATCH", "/api/v1/groups/"+outer, obj{"custom_roles": []string{}}).ok(t, 200)
		owner.do(t, "DELETE", "/api/v1/roles/"+id, nil).ok(t, 204)
		owner.get(t, "/api/v1/roles/"+id).fails(t, 404, "not_found", "-")
		if m := me(t, dave.client); len(m.CustomRoles) != 0 || len(m.Permissions) != 0 {
			t.Errorf("dave after the deletion: %+v", m)
		}
	})
	t.Run("every change is in the audit log", func(t *testing.T) {
		p := audit(t, owner.client, url.Values{"target": {"role:" + id}})
		for _, typ := range []string{"role.create", "role.update", "role.delete"} {
			find(t, p, typ, "role:"+id)
		}
		if d := find(t, p, "role.update", "role:"+id).Detail; d["name"] != "auditor -> reviewer" || d["permissions"] != "review_access,view_audit -> review_access" {
			t.Errorf("role.update detail %v", d)
		}
		denied := false
		for _, ev := range p.Events {
			denied = denied || ev.Type == "role.delete" && ev.Result == "denied"
		}
		if !denied {
			t.Errorf("the refused deletion is not audited as denied: %+v", p.Events)
		}
		ev := find(t, audit(t, owner.client, url.Values{"target": {"user:" + carol.ID}, "type": {"user.update"}}), "user.update", "user:"+carol.ID)
		if ev.Detail["custom_roles"] != id+" -> " {
			t.Errorf("user.update detail %v", ev.Detail)
		}
		var outer string
		for _, ev := range audit(t, owner.client, url.Values{"type": {"group.update"}}).Events {
			if ev.Detail["custom_roles"] == id+" -> " {
				outer = ev.Target
			}
		}
		if outer == "" {
			t.Errorf("taking the role from the group is not audited as group.update")
		}
	})
}

func listGroups(t *testing.T, c *client) []domain.Group {
	t.Helper()
	var l struct {
		Groups []domain.Group `json:"groups"`
	}
	c.get(t, "/api/v1/groups").ok(t, 200).decode(t, &l)
	return l.Groups
}

func TestCustomRoleValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner := f.A.Owner
	existing := mkRole(t, owner.client, "taken", "import")
	cases := []struct {
		name         string
		method, path string
		body         any
		status       int
		code, field  string
	}{
		{"a missing name is reported on name", "POST", "/api/v1/roles", obj{"permissions": []string{}}, 422, "validation_failed", "name"},
		{"a built-in role's name, in any case, is reported on name", "POST", "/api/v1/roles", obj{"name": "admin"}, 422, "validation_failed", "name"},
		{"a name with upper case or spaces is reported on name", "POST", "/api/v1/roles", obj{"name": "Media Desk"}, 422, "validation_failed", "name"},
		{"a name over 64 characters is reported on name", "POST", "/api/v1/roles", obj{"name": strings.Repeat("a", 65)}, 422, "validation_failed", "name"},
		{"an unknown permission is reported on permissions", "POST", "/api/v1/roles", obj{"name": "x", "permissions": []string{"webhooks"}}, 422, "validation_failed", "permissions"},
		{"manage_owners is reported on permissions", "POST", "/api/v1/roles", obj{"name": "x", "permissions": []string{"manage_owners"}}, 422, "validation_failed", "permissions"},
		{"a description over 2000 characters is reported on description", "POST", "/api/v1/roles", obj{"name": "x", "description": strings.Repeat("d", 2001)}, 422, "validation_failed", "description"},
		{"permissions of the wrong JSON type are reported on permissions", "POST", "/api/v1/roles", obj{"name": "x", "permissions": "import"}, 400, "invalid_json", "permissions"},
		{"a name taken in the account is a conflict", "POST", "/api/v1/roles", obj{"name": "taken"}, 409, "already_exists", "-"},
		{"renaming to a built-in role's name is reported on name", "PATCH", "/api/v1/roles/" + existing, obj{"name": "OWNER"}, 422, "validation_failed", "name"},
		{"adding manage_owners by a change is reported on permissions", "PATCH", "/api/v1/roles/" + existing, obj{"permissions": []string{"import", "manage_owners"}}, 422, "validation_failed", "permissions"},
		{"a custom role id that does not exist, given to a user, is reported on custom_roles", "PATCH", "/api/v1/users/" + owner.ID, obj{"custom_roles": []string{"role_nobody"}}, 422, "validation_failed", "custom_roles"},
		{"a custom role id that does not exist, given to a new group, is reported on custom_roles", "POST", "/api/v1/groups", obj{"name": "G", "custom_roles": []string{"role_nobody"}}, 422, "validation_failed", "custom_roles"},
		{"an unknown role id is not found", "GET", "/api/v1/roles/role_nobody", nil, 404, "not_found", "-"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, owner.client, "/api/v1/roles")
			owner.do(t, c.method, c.path, c.body).fails(t, c.status, c.code, c.field)
			unchanged(t, owner.client, "/api/v1/roles", before)
		})
	}
}

// TestCustomRoleTenancy: another account's role ids are not found, in
// every route and as a role to give, exactly like ids that do not exist.
func TestCustomRoleTenancy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alpha := mkRole(t, f.A.Owner.client, "alpha-only", "view_audit")
	bob := f.B.Owner
	yan := f.addUser(t, f.B, "yan")
	for _, c := range []struct {
		name, method, path string
		body               any
	}{
		{"reading", "GET", "/api/v1/roles/%s", nil},
		{"changing", "PATCH", "/api/v1/roles/%s", obj{"description": "mine now"}},
		{"deleting", "DELETE", "/api/v1/roles/%s", nil},
	} {
		t.Run(c.name+" another account's role is the same 404 as an unknown id", func(t *testing.T) {
			theirs := bob.do(t, c.method, strings.Replace(c.path, "%s", alpha, 1), c.body).fails(t, 404, "not_found", "-")
			unknown := bob.do(t, c.method, strings.Replace(c.path, "%s", "role_unknownunknown", 1), c.body).fails(t, 404, "not_found", "-")
			if theirs != unknown {
				t.Errorf("another account's role %+v, an unknown one %+v", theirs, unknown)
			}
		})
	}
	t.Run("another account's role cannot be given, and the refusal reads as for an unknown id", func(t *testing.T) {
		e := bob.do(t, "PATCH", "/api/v1/users/"+yan.ID, obj{"custom_roles": []string{alpha}}).fails(t, 422, "validation_failed", "custom_roles")
		if !strings.Contains(e.Error.Message, "no custom role "+alpha+" in this account") {
			t.Errorf("message %q", e.Error.Message)
		}
		bob.do(t, "POST", "/api/v1/groups", obj{"name": "Thieves", "custom_roles": []string{alpha}}).fails(t, 422, "validation_failed", "custom_roles")
		yan.get(t, "/api/v1/audit").fails(t, 403, "forbidden", "-")
	})
	t.Run("each account lists its own custom roles only", func(t *testing.T) {
		mkRole(t, bob.client, "alpha-only", "import") // names are per account
		var l struct {
			Custom []customRoleResp `json:"custom"`
		}
		bob.get(t, "/api/v1/roles").ok(t, 200).decode(t, &l)
		if len(l.Custom) != 1 || l.Custom[0].ID == alpha {
			t.Errorf("Beta's custom roles %+v", l.Custom)
		}
	})
}

// TestRoleEscalation: whoever may manage roles or users gives nothing they
// do not hold, through any path; each refusal is 403 and changes nothing.
func TestRoleEscalation(t *testing.T) {
	t.Parallel()
	type actors struct {
		f       *fixture
		owner   *member
		mallory *member // holds the custom role "deputy": manage_roles, manage_users, manage_groups, view_audit
		adam    *member // admin
		carol   *member // plain
		fin     *member // finance
		deputy  string  // the role mallory holds
		money   string  // a custom role with billing, defined by the owner
		moneyG  string  // a group holding money
	}
	cases := []struct {
		name string
		run  func(t *testing.T, x actors)
	}{
		{"a holder of manage_roles cannot define a role with a permission they lack", func(t *testing.T, x actors) {
			refused(t, x.mallory.client, x.owner.client, "POST", "/api/v1/roles", obj{"name": "paymaster", "permissions": []string{"billing"}}, 403, "forbidden", "/api/v1/roles")
			mkRole(t, x.mallory.client, "auditor", "view_audit")
		}},
		{"a holder cannot add a permission they lack to the role they hold", func(t *testing.T, x actors) {
			refused(t, x.mallory.client, x.owner.client, "PATCH", "/api/v1/roles/"+x.deputy, obj{"permissions": []string{"manage_roles", "manage_users", "manage_groups", "view_audit", "billing"}}, 403, "forbidden", "/api/v1/roles/"+x.deputy)
			if slices.Contains(me(t, x.mallory.client).Permissions, "billing") {
				t.Errorf("mallory holds billing")
			}
		}},
		{"a holder cannot change or delete a role carrying a permission they lack", func(t *testing.T, x actors) {
			refused(t, x.mallory.client, x.owner.client, "PATCH", "/api/v1/roles/"+x.money, obj{"description": "renamed by mallory"}, 403, "forbidden", "/api/v1/roles/"+x.money)
			refused(t, x.mallory.client, x.owner.client, "PATCH", "/api/v1/roles/"+x.money, obj{"permissions": []string{}}, 403, "forbidden", "/api/v1/roles/"+x.money)
			x.owner.do(t, "PATCH", "/api/v1/groups/"+x.moneyG, obj{"custom_roles": []string{}}).ok(t, 200)
			refused(t, x.mallory.client, x.owner.client, "DELETE", "/api/v1/roles/"+x.money, nil, 403, "forbidden", "/api/v1/roles/"+x.money)
		}},
		{"a user manager cannot give a role carrying a permission they lack, to themselves or anyone", func(t *testing.T, x actors) {
			refused(t, x.mallory.client, x.owner.client, "PATCH", "/api/v1/users/"+x.mallory.ID, obj{"custom_roles": []string{x.deputy, x.money}}, 403, "forbidden", "/api/v1/users/"+x.mallory.ID)
			refused(t, x.mallory.client, x.owner.client, "PATCH", "/api/v1/users/"+x.carol.ID, obj{"custom_roles": []string{x.money}}, 403, "forbidden", "/api/v1/users/"+x.carol.ID)
			refused(t, x.mallory.client, x.owner.client, "POST", "/api/v1/users", obj{"username": "sock", "email": "sock@alpha.example", "custom_roles": []string{x.money}}, 403, "forbidden", "/api/v1/users")
			refused(t, x.mallory.client, x.owner.client, "POST", "/api/v1/users", obj{"username": "sock", "email": "sock@alpha.example", "roles": []string{"finance"}}, 403, "forbidden", "/api/v1/users")
			x.mallory.do(t, "PATCH", "/api/v1/users/"+x.carol.ID, obj{"custom_roles": []string{x.deputy}}).ok(t, 200)
		}},
		{"a group manager cannot join, or add anyone to, a group giving a permission they lack, even through a parent group", func(t *testing.T, x actors) {
			refused(t, x.mallory.client, x.owner.client, "PUT", "/api/v1/groups/"+x.moneyG+"/members/user:"+x.mallory.ID, nil, 403, "forbidden", "/api/v1/groups/"+x.moneyG)
			inner := mkGroup(t, x.owner.client, "Inner")
			x.owner.do(t, "PUT", "/api/v1/groups/"+x.moneyG+"/members/group:"+inner, nil).ok(t, 204)
			refused(t, x.mallory.client, x.owner.client, "PUT", "/api/v1/groups/"+inner+"/members/user:"+x.carol.ID, nil, 403, "forbidden", "/api/v1/groups/"+inner)
			plain := mkGroup(t, x.mallory.client, "Plain")
			refused(t, x.mallory.client, x.owner.client, "PUT", "/api/v1/groups/"+inner+"/members/group:"+plain, nil, 403, "forbidden", "/api/v1/groups/"+inner)
			refused(t, x.mallory.client, x.owner.client, "PATCH", "/api/v1/groups/"+plain, obj{"custom_roles": []string{x.money}}, 403, "forbidden", "/api/v1/groups/"+plain)
			refused(t, x.mallory.client, x.owner.client, "POST", "/api/v1/groups", obj{"name": "Rich", "custom_roles": []string{x.money}}, 403, "forbidden", "/api/v1/groups")
		}},
		{"a group manager cannot join a group given the finance role, which carries billing", func(t *testing.T, x actors) {
			g := mkGroup(t, x.owner.client, "Accounts")
			x.owner.do(t, "PATCH", "/api/v1/groups/"+g, obj{"roles": []string{"finance"}}).ok(t, 200)
			refused(t, x.mallory.client, x.owner.client, "PUT", "/api/v1/groups/"+g+"/members/user:"+x.mallory.ID, nil, 403, "forbidden", "/api/v1/groups/"+g)
		}},
		{"a group manager cannot invite someone into a group giving a permission they lack", func(t *testing.T, x actors) {
			refused(t, x.mallory.client, x.owner.client, "POST", "/api/v1/invitations", obj{"email": "friend@alpha.example", "groups": []string{x.moneyG}}, 403, "forbidden", "/api/v1/invitations")
		}},
		{"the Standard group's roles bind who may create users", func(t *testing.T, x actors) {
			// Every new user joins Standard: mallory, taken out of it, may
			// create users only while it gives nothing she lacks.
			std := builtinGroup(t, x.owner.client, domain.BuiltinStandard)
			x.owner.do(t, "DELETE", "/api/v1/groups/"+std+"/members/user:"+x.mallory.ID, nil).ok(t, 204)
			x.owner.do(t, "PATCH", "/api/v1/groups/"+std, obj{"custom_roles": []string{x.money}}).ok(t, 200)
			refused(t, x.mallory.client, x.owner.client, "POST", "/api/v1/users", obj{"username": "sock", "email": "sock@alpha.example"}, 403, "forbidden", "/api/v1/users")
		}},
		{"an admin cannot give the finance role, nor a custom role with billing; an owner can", func(t *testing.T, x actors) {
			refused(t, x.adam.client, x.owner.client, "PATCH", "/api/v1/users/"+x.adam.ID, obj{"roles": []string{"admin", "finance"}}, 403, "forbidden", "/api/v1/users/"+x.adam.ID)
			refused(t, x.adam.client, x.owner.client, "PATCH", "/api/v1/users/"+x.carol.ID, obj{"custom_roles": []string{x.money}}, 403, "forbidden", "/api/v1/users/"+x.carol.ID)
			x.owner.do(t, "PATCH", "/api/v1/users/"+x.carol.ID, obj{"roles": []string{"finance"}, "custom_roles": []string{x.money}}).ok(t, 200)
		}},
		{"nobody, not even an owner, defines a custom role carrying manage_owners", func(t *testing.T, x actors) {
			x.owner.do(t, "POST", "/api/v1/roles", obj{"name": "crown", "permissions": []string{"manage_owners"}}).fails(t, 422, "validation_failed", "permissions")
			x.adam.do(t, "POST", "/api/v1/roles", obj{"name": "crown", "permissions": []string{"manage_users", "manage_owners"}}).fails(t, 422, "validation_failed", "permissions")
			if slices.Contains(me(t, x.mallory.client).Permissions, "manage_owners") {
				t.Errorf("a custom role gave manage_owners")
			}
		}},
		{"a holder of manage_users cannot take over the sign-in of a user holding more", func(t *testing.T, x actors) {
			refused(t, x.mallory.client, x.owner.client, "PUT", "/api/v1/users/"+x.fin.ID+"/password", obj{"password": "taken over by mallory"}, 403, "forbidden")
			refused(t, x.mallory.client, x.owner.client, "PATCH", "/api/v1/users/"+x.fin.ID, obj{"email": "mallory+fin@alpha.example"}, 403, "forbidden", "/api/v1/users/"+x.fin.ID)
			refused(t, x.adam.client, x.owner.client, "PATCH", "/api/v1/users/"+x.owner.ID, obj{"email": "adam+owner@alpha.example"}, 403, "forbidden", "/api/v1/users/"+x.owner.ID)
			x.mallory.do(t, "PUT", "/api/v1/users/"+x.carol.ID+"/password", obj{"password": "reset by mallory"}).ok(t, 204)
			x.mallory.do(t, "PATCH", "/api/v1/users/"+x.carol.ID, obj{"email": "carol2@alpha.example"}).ok(t, 200)
		}},
		{"without manage_roles nobody defines, changes or deletes roles", func(t *testing.T, x actors) {
			refused(t, x.carol.client, x.owner.client, "POST", "/api/v1/roles", obj{"name": "mine", "permissions": []string{}}, 403, "forbidden", "/api/v1/roles")
			refused(t, x.fin.client, x.owner.client, "PATCH", "/api/v1/roles/"+x.money, obj{"description": "x"}, 403, "forbidden", "/api/v1/roles/"+x.money)
			refused(t, x.carol.client, x.owner.client, "DELETE", "/api/v1/roles/"+x.deputy, nil, 403, "forbidden", "/api/v1/roles/"+x.deputy)
		}},
		{"a token without the admin scope holds no permission to define roles", func(t *testing.T, x actors) {
			read := x.f.bearer(mkToken(t, x.owner.client, "rw", []string{"read", "write"}).Secret)
			refused(t, read, x.owner.client, "POST", "/api/v1/roles", obj{"name": "scoped", "permissions": []string{}}, 403, "insufficient_scope", "/api/v1/roles")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			x := actors{f: f, owner: f.A.Owner, adam: f.addUser(t, f.A, "adam", "admin"), carol: f.addUser(t, f.A, "carol"),
				fin: f.addUser(t, f.A, "fin", "finance")}
			x.deputy = mkRole(t, x.owner.client, "deputy", "manage_roles", "manage_users", "manage_groups", "view_audit")
			x.money = mkRole(t, x.owner.client, "money", "billing")
			x.moneyG = mkGroup(t, x.owner.client, "Money")
			x.owner.do(t, "PATCH", "/api/v1/groups/"+x.moneyG, obj{"custom_roles": []string{x.money}}).ok(t, 200)
			var u domain.User
			x.owner.do(t, "POST", "/api/v1/users", obj{"username": "mallory", "email": "mallory@alpha.example", "password": password,
				"custom_roles": []string{x.deputy}, "access": []string{"portal", "capture", "connect"}}).ok(t, 201).decode(t, &u)
			x.mallory = f.member(t, u)
			c.run(t, x)
		})
	}
}
