package httpapi_test

import (
	"strings"
	"testing"

	"atrium/internal/domain"
)

// refused sends a request that must fail with status and code, reading
// the given resources (as reader) before and after to show it changed
// nothing.
func refused(t *testing.T, as, reader *client, method, path string, body any, status int, code string, states ...string) errorBody {
	t.Helper()
	before := make([]string, len(states))
	for i, s := range states {
		before[i] = snapshot(t, reader, s)
	}
	e := as.do(t, method, path, body).fails(t, status, code, "")
	for i, s := range states {
		unchanged(t, reader, s, before[i])
	}
	return e
}

// builtinGroup finds a built-in group's id.
func builtinGroup(t *testing.T, c *client, builtin string) string {
	t.Helper()
	var l struct {
		Groups []domain.Group `json:"groups"`
	}
	c.get(t, "/api/v1/groups").ok(t, 200).decode(t, &l)
	for _, g := range l.Groups {
		if g.Builtin == builtin {
			return g.ID
		}
	}
	t.Fatalf("no built-in group %q", builtin)
	return ""
}

// TestGuards: the rules that keep an account consistent refuse with 409
// (or 403 where a permission is missing), say why, and change nothing.
func TestGuards(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture, a *client)
	}{
		{"deleting a group granted a role on a workspace is 409 group_in_use naming the workspace", func(t *testing.T, f *fixture, a *client) {
			g := mkGroup(t, a, "Photographers")
			ws := mkWorkspace(t, a, "Newsroom", grant{"group:" + g, "viewer"})
			e := refused(t, a, a, "DELETE", "/api/v1/groups/"+g, nil, 409, "group_in_use", "/api/v1/groups/"+g, "/api/v1/workspaces/"+ws)
			if !strings.Contains(e.Error.Message, ws) && !strings.Contains(e.Error.Message, "Newsroom") {
				t.Errorf("message %q does not say where the group is granted", e.Error.Message)
			}
			// Once the grant is gone, the group goes.
			a.do(t, "DELETE", "/api/v1/workspaces/"+ws+"/members/group:"+g, nil).ok(t, 204)
			a.do(t, "DELETE", "/api/v1/groups/"+g, nil).ok(t, 204)
			a.get(t, "/api/v1/groups/"+g).fails(t, 404, "not_found", "-")
		}},
		{"deleting a group granted a role on a tier is 409 group_in_use naming the tier", func(t *testing.T, f *fixture, a *client) {
			g := mkGroup(t, a, "Regional editors")
			tier := mkTier(t, a, "Europe")
			a.do(t, "PUT", "/api/v1/tiers/"+tier+"/grants/group:"+g, obj{"role": "editor"}).ok(t, 204)
			e := refused(t, a, a, "DELETE", "/api/v1/groups/"+g, nil, 409, "group_in_use", "/api/v1/groups/"+g, "/api/v1/tiers/"+tier)
			if !strings.Contains(e.Error.Message, tier) && !strings.Contains(e.Error.Message, "Europe") {
				t.Errorf("message %q does not say where the group is granted", e.Error.Message)
			}
		}},
		{"deleting the built-in Standard group is 409 builtin_group", func(t *testing.T, f *fixture, a *client) {
			g := builtinGroup(t, a, domain.BuiltinStandard)
			refused(t, a, a, "DELETE", "/api/v1/groups/"+g, nil, 409, "builtin_group", "/api/v1/groups")
		}},
		{"deleting the built-in Administrators group is 409 builtin_group", func(t *testing.T, f *fixture, a *client) {
			g := builtinGroup(t, a, domain.BuiltinAdministrators)
			refused(t, a, a, "DELETE", "/api/v1/groups/"+g, nil, 409, "builtin_group", "/api/v1/groups")
		}},
		{"renaming a built-in group is 409 builtin_group", func(t *testing.T, f *fixture, a *client) {
			g := builtinGroup(t, a, domain.BuiltinStandard)
			refused(t, a, a, "PATCH", "/api/v1/groups/"+g, obj{"name": "Everybody"}, 409, "builtin_group", "/api/v1/groups/"+g)
		}},
		{"adding a group to itself is 409 group_cycle", func(t *testing.T, f *fixture, a *client) {
			g := mkGroup(t, a, "Loop")
			refused(t, a, a, "PUT", "/api/v1/groups/"+g+"/members/group:"+g, nil, 409, "group_cycle", "/api/v1/groups")
		}},
		{"adding a group to a group it contains is 409 group_cycle", func(t *testing.T, f *fixture, a *client) {
			inner := mkGroup(t, a, "Inner")
			outer := mkGroup(t, a, "Outer", "group:"+inner)
			refused(t, a, a, "PUT", "/api/v1/groups/"+inner+"/members/group:"+outer, nil, 409, "group_cycle", "/api/v1/groups")
		}},
		{"closing a three-group ring is 409 group_cycle", func(t *testing.T, f *fixture, a *client) {
			c := mkGroup(t, a, "C")
			b := mkGroup(t, a, "B", "group:"+c)
			top := mkGroup(t, a, "A", "group:"+b)
			refused(t, a, a, "PUT", "/api/v1/groups/"+c+"/members/group:"+top, nil, 409, "group_cycle", "/api/v1/groups")
		}},
		{"nesting without a cycle is fine (a diamond)", func(t *testing.T, f *fixture, a *client) {
			leaf := mkGroup(t, a, "Leaf")
			left := mkGroup(t, a, "Left", "group:"+leaf)
			right := mkGroup(t, a, "Right", "group:"+leaf)
			top := mkGroup(t, a, "Top", "group:"+left)
			a.do(t, "PUT", "/api/v1/groups/"+top+"/members/group:"+right, nil).ok(t, 204)
		}},
		{"adding a member twice is 409 already_member", func(t *testing.T, f *fixture, a *client) {
			g := mkGroup(t, a, "Once", "user:"+f.A.Owner.ID)
			refused(t, a, a, "PUT", "/api/v1/groups/"+g+"/members/user:"+f.A.Owner.ID, nil, 409, "already_member", "/api/v1/groups/"+g)
		}},
		{"removing the owner role from the last owner is 409 last_owner", func(t *testing.T, f *fixture, a *client) {
			refused(t, a, a, "PATCH", "/api/v1/users/"+f.A.Owner.ID, obj{"roles": []string{"admin"}}, 409, "last_owner", "/api/v1/users/"+f.A.Owner.ID)
		}},
		{"deactivating the last active owner is 409 last_owner and their token keeps working", func(t *testing.T, f *fixture, a *client) {
			refused(t, a, a, "PATCH", "/api/v1/users/"+f.A.Owner.ID, obj{"status": "deactivated"}, 409, "last_owner", "/api/v1/users/"+f.A.Owner.ID)
			a.get(t, "/api/v1/me").ok(t, 200)
		}},
		{"banning the last active owner is 409 last_owner and their session survives", func(t *testing.T, f *fixture, a *client) {
			sess := f.login(t, "alice")
			refused(t, a, a, "PATCH", "/api/v1/users/"+f.A.Owner.ID, obj{"status": "banned"}, 409, "last_owner", "/api/v1/users/"+f.A.Owner.ID)
			sess.get(t, "/api/v1/me").ok(t, 200)
		}},
		{"removing the owner role while the only other owner is deactivated is 409 last_owner", func(t *testing.T, f *fixture, a *client) {
			carol := f.addUser(t, f.A, "carol", "owner")
			a.do(t, "PATCH", "/api/v1/users/"+carol.ID, obj{"status": "deactivated"}).ok(t, 200)
			refused(t, a, a, "PATCH", "/api/v1/users/"+f.A.Owner.ID, obj{"roles": []string{}}, 409, "last_owner", "/api/v1/users/"+f.A.Owner.ID)
		}},
		{"an owner may step down once another active owner exists", func(t *testing.T, f *fixture, a *client) {
			carol := f.addUser(t, f.A, "carol")
			a.do(t, "PATCH", "/api/v1/users/"+carol.ID, obj{"roles": []string{"owner"}}).ok(t, 200)
			a.do(t, "PATCH", "/api/v1/users/"+f.A.Owner.ID, obj{"roles": []string{}}).ok(t, 200)
			// and now carol is the last one
			refused(t, carol.client, carol.client, "PATCH", "/api/v1/users/"+carol.ID, obj{"status": "deactivated"}, 409, "last_owner", "/api/v1/users/"+carol.ID)
		}},
		{"deleting a workspace holding a record is 409 workspace_not_empty", func(t *testing.T, f *fixture, a *client) {
			ws := mkWorkspace(t, a, "Full")
			mkRecord(t, a, ws, "Keep", nil)
			refused(t, a, a, "DELETE", "/api/v1/workspaces/"+ws, nil, 409, "workspace_not_empty", "/api/v1/workspaces/"+ws, "/api/v1/records")
		}},
		{"deleting a workspace holding only a collection is 409 workspace_not_empty", func(t *testing.T, f *fixture, a *client) {
			ws := mkWorkspace(t, a, "Curated")
			mkCollection(t, a, ws, "Picks")
			refused(t, a, a, "DELETE", "/api/v1/workspaces/"+ws, nil, 409, "workspace_not_empty", "/api/v1/workspaces/"+ws, "/api/v1/collections")
		}},
		{"an empty workspace can be deleted", func(t *testing.T, f *fixture, a *client) {
			ws := mkWorkspace(t, a, "Empty")
			a.do(t, "DELETE", "/api/v1/workspaces/"+ws, nil).ok(t, 204)
			a.get(t, "/api/v1/workspaces/"+ws).fails(t, 404, "not_found", "-")
		}},
		{"deleting a tier holding a workspace is 409 tier_in_use", func(t *testing.T, f *fixture, a *client) {
			tier := mkTier(t, a, "Busy")
			var w domain.Workspace
			a.do(t, "POST", "/api/v1/workspaces", obj{"name": "In tier", "tier": tier}).ok(t, 201).decode(t, &w)
			refused(t, a, a, "DELETE", "/api/v1/tiers/"+tier, nil, 409, "tier_in_use", "/api/v1/tiers/"+tier, "/api/v1/workspaces/"+w.ID)
		}},
		{"creating an active user beyond max_users is 409 limit_reached and creates nobody", func(t *testing.T, f *fixture, a *client) {
			f.addUser(t, f.A, "carol")
			setLimits(t, f, domain.Limits{MaxUsers: 2})
			refused(t, a, a, "POST", "/api/v1/users", obj{"username": "dave", "email": "dave@alpha.example", "password": password}, 409, "limit_reached", "/api/v1/users")
		}},
		{"a pending user does not count against max_users", func(t *testing.T, f *fixture, a *client) {
			setLimits(t, f, domain.Limits{MaxUsers: 1})
			var u domain.User
			a.do(t, "POST", "/api/v1/users", obj{"username": "penny", "email": "penny@alpha.example", "status": "pending"}).ok(t, 201).decode(t, &u)
			// but activating her would exceed it
			refused(t, a, a, "PATCH", "/api/v1/users/"+u.ID, obj{"status": "active"}, 409, "limit_reached", "/api/v1/users/"+u.ID)
		}},
		{"reactivating a deactivated user beyond max_users is 409 limit_reached", func(t *testing.T, f *fixture, a *client) {
			carol := f.addUser(t, f.A, "carol")
			a.do(t, "PATCH", "/api/v1/users/"+carol.ID, obj{"status": "deactivated"}).ok(t, 200)
			f.addUser(t, f.A, "dave")
			setLimits(t, f, domain.Limits{MaxUsers: 2})
			refused(t, a, a, "PATCH", "/api/v1/users/"+carol.ID, obj{"status": "active"}, 409, "limit_reached", "/api/v1/users/"+carol.ID)
		}},
		{"creating a workspace beyond max_workspaces is 409 limit_reached", func(t *testing.T, f *fixture, a *client) {
			mkWorkspace(t, a, "One")
			setLimits(t, f, domain.Limits{MaxWorkspaces: 1})
			refused(t, a, a, "POST", "/api/v1/workspaces", obj{"name": "Two"}, 409, "limit_reached", "/api/v1/workspaces")
		}},
		{"a limit in one account does not bind another", func(t *testing.T, f *fixture, a *client) {
			setLimits(t, f, domain.Limits{MaxUsers: 1, MaxWorkspaces: 1})
			f.addUser(t, f.B, "bert")
			mkWorkspace(t, f.B.Owner.client, "Beta one")
			mkWorkspace(t, f.B.Owner.client, "Beta two")
		}},
		{"a second user with the same username is 409 already_exists", func(t *testing.T, f *fixture, a *client) {
			refused(t, a, a, "POST", "/api/v1/users", obj{"username": "alice", "email": "other@alpha.example"}, 409, "already_exists", "/api/v1/users")
		}},
		{"a second user with the same email in other casing is 409 already_exists", func(t *testing.T, f *fixture, a *client) {
			refused(t, a, a, "POST", "/api/v1/users", obj{"username": "alice2", "email": "ALICE@alpha.example"}, 409, "already_exists", "/api/v1/users")
		}},
		{"a second group with the same name is 409 already_exists", func(t *testing.T, f *fixture, a *client) {
			mkGroup(t, a, "Twins")
			refused(t, a, a, "POST", "/api/v1/groups", obj{"name": "Twins"}, 409, "already_exists", "/api/v1/groups")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			c.run(t, f, f.A.Owner.client)
		})
	}
}

func setLimits(t *testing.T, f *fixture, l domain.Limits) {
	t.Helper()
	if err := f.svc.SetLimits(f.ctx, f.A.Account, l); err != nil {
		t.Fatal(err)
	}
}

// TestAccountRoleBoundaries: what admins and plain users may not do to
// roles, owners and users; each refusal is 403 forbidden and changes
// nothing, next to what they may do.
func TestAccountRoleBoundaries(t *testing.T) {
	t.Parallel()
	type actors struct {
		f                            *fixture
		owner, adam, ada, carol, dev *member
		admins                       string
	}
	cases := []struct {
		name string
		run  func(t *testing.T, x actors)
	}{
		{"an admin cannot give a user the owner role", func(t *testing.T, x actors) {
			refused(t, x.adam.client, x.owner.client, "PATCH", "/api/v1/users/"+x.carol.ID, obj{"roles": []string{"owner"}}, 403, "forbidden", "/api/v1/users/"+x.carol.ID)
		}},
		{"an admin cannot give themselves the owner role", func(t *testing.T, x actors) {
			refused(t, x.adam.client, x.owner.client, "PATCH", "/api/v1/users/"+x.adam.ID, obj{"roles": []string{"admin", "owner"}}, 403, "forbidden", "/api/v1/users/"+x.adam.ID)
		}},
		{"an admin cannot create a user holding the owner role", func(t *testing.T, x actors) {
			refused(t, x.adam.client, x.owner.client, "POST", "/api/v1/users", obj{"username": "olive", "email": "olive@alpha.example", "roles": []string{"owner"}}, 403, "forbidden", "/api/v1/users")
		}},
		{"an admin cannot take the owner role from an owner", func(t *testing.T, x actors) {
			refused(t, x.adam.client, x.owner.client, "PATCH", "/api/v1/users/"+x.owner.ID, obj{"roles": []string{}}, 403, "forbidden", "/api/v1/users/"+x.owner.ID)
		}},
		{"an admin cannot deactivate an owner", func(t *testing.T, x actors) {
			refused(t, x.adam.client, x.owner.client, "PATCH", "/api/v1/users/"+x.owner.ID, obj{"status": "deactivated"}, 403, "forbidden", "/api/v1/users/"+x.owner.ID)
			x.owner.get(t, "/api/v1/me").ok(t, 200)
		}},
		{"an admin cannot ban another admin", func(t *testing.T, x actors) {
			refused(t, x.adam.client, x.owner.client, "PATCH", "/api/v1/users/"+x.ada.ID, obj{"status": "banned"}, 403, "forbidden", "/api/v1/users/"+x.ada.ID)
		}},
		{"an admin cannot take the admin role from another admin", func(t *testing.T, x actors) {
			refused(t, x.adam.client, x.owner.client, "PATCH", "/api/v1/users/"+x.ada.ID, obj{"roles": []string{}}, 403, "forbidden", "/api/v1/users/"+x.ada.ID)
		}},
		{"an admin cannot set an owner's password", func(t *testing.T, x actors) {
			refused(t, x.adam.client, x.owner.client, "PUT", "/api/v1/users/"+x.owner.ID+"/password", obj{"password": "taken over by adam"}, 403, "forbidden")
			x.f.login(t, "alice")
		}},
		{"an admin cannot remove a member from the Administrators group", func(t *testing.T, x actors) {
			x.owner.do(t, "PUT", "/api/v1/groups/"+x.admins+"/members/user:"+x.carol.ID, nil).ok(t, 204)
			refused(t, x.adam.client, x.owner.client, "DELETE", "/api/v1/groups/"+x.admins+"/members/user:"+x.carol.ID, nil, 403, "forbidden", "/api/v1/groups/"+x.admins)
		}},
		{"an admin cannot delete a group that holds the admin role", func(t *testing.T, x actors) {
			g := mkGroup(t, x.owner.client, "Deputies")
			x.owner.do(t, "PATCH", "/api/v1/groups/"+g, obj{"roles": []string{"admin"}}).ok(t, 200)
			refused(t, x.adam.client, x.owner.client, "DELETE", "/api/v1/groups/"+g, nil, 403, "forbidden", "/api/v1/groups")
		}},
		{"an admin may give a user the admin role and set a plain user's password", func(t *testing.T, x actors) {
			x.adam.do(t, "PATCH", "/api/v1/users/"+x.carol.ID, obj{"roles": []string{"admin"}}).ok(t, 200)
			dave := x.f.addUser(t, x.f.A, "dave")
			x.adam.do(t, "PUT", "/api/v1/users/"+dave.ID+"/password", obj{"password": "set by an admin"}).ok(t, 204)
		}},
		{"a plain user cannot give themselves the admin role", func(t *testing.T, x actors) {
			refused(t, x.carol.client, x.owner.client, "PATCH", "/api/v1/users/"+x.carol.ID, obj{"roles": []string{"admin"}}, 403, "forbidden", "/api/v1/users/"+x.carol.ID)
		}},
		{"a plain user cannot join the Administrators group", func(t *testing.T, x actors) {
			refused(t, x.carol.client, x.owner.client, "PUT", "/api/v1/groups/"+x.admins+"/members/user:"+x.carol.ID, nil, 403, "forbidden", "/api/v1/groups/"+x.admins)
		}},
		{"a plain user cannot create users", func(t *testing.T, x actors) {
			refused(t, x.carol.client, x.owner.client, "POST", "/api/v1/users", obj{"username": "sock", "email": "sock@alpha.example"}, 403, "forbidden", "/api/v1/users")
		}},
		{"a plain user cannot change their own email (only the display name)", func(t *testing.T, x actors) {
			refused(t, x.carol.client, x.owner.client, "PATCH", "/api/v1/users/"+x.carol.ID, obj{"email": "carol@elsewhere.example"}, 403, "forbidden", "/api/v1/users/"+x.carol.ID)
			x.carol.do(t, "PATCH", "/api/v1/users/"+x.carol.ID, obj{"display_name": "Carol C."}).ok(t, 200)
		}},
		{"a plain user cannot create workspaces or groups", func(t *testing.T, x actors) {
			refused(t, x.carol.client, x.owner.client, "POST", "/api/v1/workspaces", obj{"name": "Mine"}, 403, "forbidden", "/api/v1/workspaces")
			refused(t, x.carol.client, x.owner.client, "POST", "/api/v1/groups", obj{"name": "Mine"}, 403, "forbidden", "/api/v1/groups")
		}},
		{"a plain user sees other users without their emails", func(t *testing.T, x actors) {
			var u domain.User
			x.carol.get(t, "/api/v1/users/"+x.owner.ID).ok(t, 200).decode(t, &u)
			if u.Email != "" {
				t.Errorf("carol sees alice's email %q", u.Email)
			}
		}},
		{"a developer may change default ACLs but not manage users", func(t *testing.T, x actors) {
			refused(t, x.dev.client, x.owner.client, "PATCH", "/api/v1/users/"+x.carol.ID, obj{"status": "deactivated"}, 403, "forbidden", "/api/v1/users/"+x.carol.ID)
			x.dev.do(t, "PUT", "/api/v1/default-acls/collection", obj{"entries": []entry{{"everyone", []string{"view"}}}}).ok(t, 200)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			x := actors{f: f, owner: f.A.Owner, adam: f.addUser(t, f.A, "adam", "admin"), ada: f.addUser(t, f.A, "ada", "admin"),
				carol: f.addUser(t, f.A, "carol"), dev: f.addUser(t, f.A, "devi", "developer")}
			x.admins = builtinGroup(t, f.A.Owner.client, domain.BuiltinAdministrators)
			c.run(t, x)
		})
	}
}

// TestErrorFieldNamesTheRequestField: when one request field is at fault,
// the error's field is that field's name as the client sent it.
func TestErrorFieldNamesTheRequestField(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.A.Owner.client
	ws := mkWorkspace(t, a, "Desk")
	tier := mkTier(t, a, "Tier")
	cases := []struct {
		name, method, path string
		body               any
		field              string
	}{
		{"a workspace member that does not exist, named in the path, is reported on subject", "PUT", "/api/v1/workspaces/" + ws + "/members/user:user_nobody", obj{"role": "viewer"}, "subject"},
		{"everyone as a workspace member is reported on subject", "PUT", "/api/v1/workspaces/" + ws + "/members/everyone", obj{"role": "viewer"}, "subject"},
		{"a tier grant to a user that does not exist is reported on subject", "PUT", "/api/v1/tiers/" + tier + "/grants/user:user_nobody", obj{"role": "viewer"}, "subject"},
		{"a bad role for a workspace member is reported on role", "PUT", "/api/v1/workspaces/" + ws + "/members/user:" + f.A.Owner.ID, obj{"role": "chief"}, "role"},
		{"a short new password is reported on new_password", "PUT", "/api/v1/me/password", obj{"current_password": password, "new_password": "short"}, "new_password"},
		{"a short password set by an admin is reported on password", "PUT", "/api/v1/users/" + f.addUser(t, f.A, "carol").ID + "/password", obj{"password": "short"}, "password"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a.do(t, c.method, c.path, c.body).fails(t, 422, "validation_failed", c.field)
		})
	}
}
