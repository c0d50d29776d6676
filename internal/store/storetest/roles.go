package storetest

import (
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

func customRole(acct, id string, perms ...string) domain.CustomRole {
	return domain.CustomRole{ID: id, AccountID: acct, Name: "role-" + id, Description: "Role " + id, Permissions: perms}
}

func withCustomRoles(u domain.User, ids ...string) domain.User { u.CustomRoles = ids; return u }

func groupWithCustomRoles(g domain.Group, ids ...string) domain.Group { g.CustomRoles = ids; return g }

var customRoleCases = []testCase{
	{"a created custom role reads back with its permissions and the transaction's time", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		want := customRole("acc", "r1", "manage_users", "view_audit")
		now := f.createAt(want)
		want.CreatedAt, want.UpdatedAt = now, now
		got, err := f.s.GetCustomRole(f.ctx, "r1")
		f.must(err)
		diff(t, "custom role", want, got)
	}},
	{"ListCustomRoles lists the account's roles only, by name", func(t *testing.T, f *fixture) {
		b, a := customRole("acc", "r1"), customRole("acc", "r2")
		b.Name, a.Name = "bravo", "alpha"
		f.create(account("acc"), account("acc2"), b, a, customRole("acc2", "r3"))
		rs, err := f.s.ListCustomRoles(f.ctx, "acc")
		f.must(err)
		var names []string
		for _, r := range rs {
			names = append(names, r.Name)
		}
		diff(t, "role names", []string{"alpha", "bravo"}, names)
		rs, err = f.s.ListCustomRoles(f.ctx, "nope")
		f.must(err)
		if rs == nil || len(rs) != 0 {
			t.Errorf("ListCustomRoles of an account without roles = %#v, want an empty list", rs)
		}
	}},
	{"a role name already used in the account is a conflict, but another account may reuse it", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("acc2"), customRole("acc", "r1"))
		dup := customRole("acc", "r2")
		dup.Name = "role-r1"
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateCustomRole(f.ctx, dup) })
		wantConflict(t, "CreateCustomRole with a taken name", err)
		f.create(customRole("acc", "r3"))
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error {
			r := customRole("acc", "r3")
			r.Name = "role-r1"
			return tx.UpdateCustomRole(f.ctx, r)
		})
		wantConflict(t, "UpdateCustomRole to a taken name", err)
		dup.AccountID = "acc2"
		f.create(dup)
	}},
	{"UpdateCustomRole changes name, description and permissions and moves updated_at", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		r := customRole("acc", "r1", "billing")
		created := f.createAt(r)
		r.Name, r.Description, r.Permissions = "renamed", "Now described", []string{"import", "manage_groups"}
		var updated = created
		f.update(func(tx store.Tx) error {
			updated = tx.Now()
			return tx.UpdateCustomRole(f.ctx, r)
		})
		r.CreatedAt, r.UpdatedAt = created, updated
		got, err := f.s.GetCustomRole(f.ctx, "r1")
		f.must(err)
		diff(t, "updated role", r, got)
	}},
	{"users and groups hold custom roles, read back sorted by id and replaced by updates", func(t *testing.T, f *fixture) {
		f.create(account("acc"), customRole("acc", "rb"), customRole("acc", "ra"), customRole("acc", "rc"),
			withCustomRoles(user("acc", "u1"), "rb", "ra"),
			groupWithCustomRoles(group("acc", "g1", u("u1")), "rc", "ra"))
		gotU, err := f.s.GetUser(f.ctx, "u1")
		f.must(err)
		diff(t, "user's custom roles", []string{"ra", "rb"}, gotU.CustomRoles)
		gotG, err := f.s.GetGroup(f.ctx, "g1")
		f.must(err)
		diff(t, "group's custom roles", []string{"ra", "rc"}, gotG.CustomRoles)
		us, err := f.s.ListUsers(f.ctx, "acc", store.UserFilter{})
		f.must(err)
		diff(t, "custom roles in the user listing", []string{"ra", "rb"}, us[0].CustomRoles)

		gotU.CustomRoles = []string{"rc"}
		gotG.CustomRoles = nil
		f.update(func(tx store.Tx) error {
			if err := tx.UpdateUser(f.ctx, gotU); err != nil {
				return err
			}
			return tx.UpdateGroup(f.ctx, gotG)
		})
		gotU, err = f.s.GetUser(f.ctx, "u1")
		f.must(err)
		diff(t, "user's custom roles after the update", []string{"rc"}, gotU.CustomRoles)
		gotG, err = f.s.GetGroup(f.ctx, "g1")
		f.must(err)
		if gotG.CustomRoles == nil || len(gotG.CustomRoles) != 0 {
			t.Errorf("group's custom roles after removing them all = %#v, want an empty list", gotG.CustomRoles)
		}
	}},
	{"holding a custom role that does not exist is a conflict", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), group("acc", "g1"))
		for name, write := range map[string]func(tx store.Tx) error{
			"CreateUser": func(tx store.Tx) error { return tx.CreateUser(f.ctx, withCustomRoles(user("acc", "u2"), "nope"), "") },
			"UpdateUser": func(tx store.Tx) error { return tx.UpdateUser(f.ctx, withCustomRoles(user("acc", "u1"), "nope")) },
			"CreateGroup": func(tx store.Tx) error {
				return tx.CreateGroup(f.ctx, groupWithCustomRoles(group("acc", "g2"), "nope"))
			},
			"UpdateGroup": func(tx store.Tx) error {
				return tx.UpdateGroup(f.ctx, groupWithCustomRoles(group("acc", "g1"), "nope"))
			},
		} {
			_, err := f.s.Update(f.ctx, write)
			wantConflict(t, name+" with an unknown custom role", err)
		}
	}},
	{"CustomRoleHolders lists the users and groups holding a role directly", func(t *testing.T, f *fixture) {
		f.create(account("acc"), customRole("acc", "r1"), customRole("acc", "r2"),
			withCustomRoles(user("acc", "u2"), "r1"), withCustomRoles(user("acc", "u1"), "r1", "r2"), user("acc", "u3"),
			groupWithCustomRoles(group("acc", "g1", u("u3")), "r1"))
		users, groups, err := f.s.CustomRoleHolders(f.ctx, "r1")
		f.must(err)
		diff(t, "users", []string{"u1", "u2"}, users)
		diff(t, "groups", []string{"g1"}, groups)
		users, groups, err = f.s.CustomRoleHolders(f.ctx, "nope")
		f.must(err)
		if users == nil || groups == nil || len(users)+len(groups) != 0 {
			t.Errorf("holders of an unknown role = %#v, %#v, want empty lists", users, groups)
		}
	}},
	{"a role still held cannot be deleted; once released, or its holders deleted, it can", func(t *testing.T, f *fixture) {
		f.create(account("acc"), customRole("acc", "r1"), customRole("acc", "r2"),
			withCustomRoles(withStatus(user("acc", "u1"), domain.StatusPending), "r1"),
			groupWithCustomRoles(group("acc", "g1"), "r2"))
		del := func(id string) error {
			_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.DeleteCustomRole(f.ctx, id) })
			return err
		}
		wantConflict(t, "deleting a role a user holds", del("r1"))
		wantConflict(t, "deleting a role a group holds", del("r2"))
		f.update(func(tx store.Tx) error {
			if err := tx.DeleteUser(f.ctx, "u1"); err != nil {
				return err
			}
			return tx.DeleteGroup(f.ctx, "g1")
		})
		f.must(del("r1"))
		f.must(del("r2"))
		_, err := f.s.GetCustomRole(f.ctx, "r1")
		wantNotFound(t, "a deleted role", err)
	}},
	{"reading, updating or deleting an unknown custom role is not found and leaves the revision", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		_, err := f.s.GetCustomRole(f.ctx, "nope")
		wantNotFound(t, "GetCustomRole", err)
		before := f.revision()
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.UpdateCustomRole(f.ctx, customRole("acc", "nope")) })
		wantNotFound(t, "UpdateCustomRole", err)
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.DeleteCustomRole(f.ctx, "nope") })
		wantNotFound(t, "DeleteCustomRole", err)
		if rev := f.revision(); rev != before {
			t.Errorf("the failed writes moved the revision from %d to %d", before, rev)
		}
	}},
	{"creating, changing and deleting a role touches the role; changing who holds it touches the holder", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), group("acc", "g1"), customRole("acc", "r1"))
		for _, c := range []struct {
			name  string
			write func(tx store.Tx) error
			want  []store.Ref
		}{
			{"create", func(tx store.Tx) error { return tx.CreateCustomRole(f.ctx, customRole("acc", "r2")) }, []store.Ref{ref(store.KindRole, "r2")}},
			{"update", func(tx store.Tx) error { return tx.UpdateCustomRole(f.ctx, customRole("acc", "r2", "import")) }, []store.Ref{ref(store.KindRole, "r2")}},
			{"delete", func(tx store.Tx) error { return tx.DeleteCustomRole(f.ctx, "r2") }, []store.Ref{ref(store.KindRole, "r2")}},
			{"user", func(tx store.Tx) error { return tx.UpdateUser(f.ctx, withCustomRoles(user("acc", "u1"), "r1")) }, []store.Ref{ref(store.KindUser, "u1")}},
			{"group", func(tx store.Tx) error { return tx.UpdateGroup(f.ctx, groupWithCustomRoles(group("acc", "g1"), "r1")) }, []store.Ref{ref(store.KindGroup, "g1")}},
		} {
			before := f.revision()
			f.update(c.write)
			diff(t, c.name+" changes", c.want, f.changes(before))
		}
	}},
	{"LoadAuth puts custom roles before their holders, with the roles each holds, and turns a deleted role into a delete", func(t *testing.T, f *fixture) {
		f.create(account("acc"), customRole("acc", "r1", "view_audit", "manage_users"), customRole("acc", "r2"),
			withCustomRoles(user("acc", "u1"), "r2", "r1"), groupWithCustomRoles(group("acc", "g1", u("u1")), "r1"))
		_, got := f.loadAuth(nil)
		want := map[string]authz.Op{
			"put account acc": authz.PutAccount{ID: "acc"},
			"put role r1":     authz.PutRole{ID: "r1", Account: "acc", Permissions: authz.PermissionsOf(authz.ManageUsers, authz.ViewAudit)},
			"put role r2":     authz.PutRole{ID: "r2", Account: "acc"},
			"put user u1":     authz.PutUser{ID: "u1", Account: "acc", Active: true, CustomRoles: []string{"r1", "r2"}},
			"put group g1":    authz.PutGroup{ID: "g1", Account: "acc", Members: []authz.Subject{u("u1")}, CustomRoles: []string{"r1"}},
		}
		diff(t, "full load", want, got)

		e := authz.New()
		full, _ := f.loadAuth(nil)
		f.must(e.Apply(f.revision(), full...))
		if !e.CanAccount("u1", "acc", authz.ViewAudit) {
			t.Errorf("after a full load u1 lacks view_audit (held through r1)")
		}

		before := f.revision()
		rev := f.update(func(tx store.Tx) error {
			if err := tx.UpdateUser(f.ctx, user("acc", "u1")); err != nil {
				return err
			}
			if err := tx.UpdateGroup(f.ctx, group("acc", "g1")); err != nil {
				return err
			}
			return tx.DeleteCustomRole(f.ctx, "r1")
		})
		ops, got := f.loadAuth(f.changes(before))
		want = map[string]authz.Op{
			"put user u1":    authz.PutUser{ID: "u1", Account: "acc", Active: true},
			"put group g1":   authz.PutGroup{ID: "g1", Account: "acc", Members: []authz.Subject{u("u1")}},
			"delete role r1": authz.DeleteRole{ID: "r1"},
		}
		diff(t, "load of the changes", want, got)
		f.must(e.Apply(rev, ops...))
		if e.CanAccount("u1", "acc", authz.ViewAudit) {
			t.Errorf("after the changes u1 still holds view_audit")
		}
	}},
}
