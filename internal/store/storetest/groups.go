package storetest

import (
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

var groupCases = []testCase{
	{"a created group reads back with its roles in canonical order and its user and group members", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"), user("acc", "u3"), group("acc", "sub", u("u2")))
		want := domain.Group{ID: "main", AccountID: "acc", Name: "Main", Description: "The main group",
			Roles: []string{"library_editor", "admin"}, Members: []authz.Subject{u("u3"), gr("sub"), u("u1")}}
		now := f.createAt(want)
		want.Roles = []string{"admin", "library_editor"}
		want.CreatedAt = now
		got, err := f.s.GetGroup(f.ctx, "main")
		f.must(err)
		diff(t, "group", want, got)
	}},
	{"GetBuiltinGroup and BuiltinGroupID find the built-in group of the asked account", func(t *testing.T, f *fixture) {
		std := func(acct, id string) domain.Group {
			g := group(acct, id)
			g.Name, g.Builtin = "Standard", domain.BuiltinStandard
			return g
		}
		admins := group("acc", "admins")
		admins.Builtin = domain.BuiltinAdministrators
		f.create(account("acc"), account("acc2"), std("acc", "std1"), std("acc2", "std2"), admins)
		for _, c := range []struct{ acct, builtin, want string }{
			{"acc", domain.BuiltinStandard, "std1"},
			{"acc2", domain.BuiltinStandard, "std2"},
			{"acc", domain.BuiltinAdministrators, "admins"},
		} {
			g, err := f.s.GetBuiltinGroup(f.ctx, c.acct, c.builtin)
			f.must(err)
			if g.ID != c.want || g.Builtin != c.builtin {
				t.Errorf("GetBuiltinGroup(%s, %s) = %s (builtin %q), want %s", c.acct, c.builtin, g.ID, g.Builtin, c.want)
			}
			id, err := f.s.BuiltinGroupID(f.ctx, c.acct, c.builtin)
			f.must(err)
			if id != c.want {
				t.Errorf("BuiltinGroupID(%s, %s) = %s, want %s", c.acct, c.builtin, id, c.want)
			}
		}
		_, err := f.s.GetBuiltinGroup(f.ctx, "acc2", domain.BuiltinAdministrators)
		wantNotFound(t, "GetBuiltinGroup of a built-in group the account lacks", err)
		_, err = f.s.BuiltinGroupID(f.ctx, "acc2", domain.BuiltinAdministrators)
		wantNotFound(t, "BuiltinGroupID of a built-in group the account lacks", err)
	}},
	{"a second built-in group of the same kind in an account is a conflict", func(t *testing.T, f *fixture) {
		a, b := group("acc", "g1"), group("acc", "g2")
		a.Builtin, b.Builtin = domain.BuiltinStandard, domain.BuiltinStandard
		f.create(account("acc"), a)
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateGroup(f.ctx, b) })
		wantConflict(t, "CreateGroup of a second standard group", err)
	}},
	{"a group name already used in the account is a conflict, but another account may reuse it", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("acc2"), group("acc", "g1"))
		dup := group("acc", "g2")
		dup.Name = "Group g1"
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateGroup(f.ctx, dup) })
		wantConflict(t, "CreateGroup with a taken name", err)
		dup.AccountID = "acc2"
		f.update(func(tx store.Tx) error { return tx.CreateGroup(f.ctx, dup) })
	}},
	{"ListGroups lists the account's groups only", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("acc2"), user("acc", "u1"),
			group("acc", "g1", u("u1")), group("acc", "g2"), group("acc2", "g3"))
		gs, err := f.s.ListGroups(f.ctx, "acc")
		f.must(err)
		var ids []string
		for _, g := range gs {
			ids = append(ids, g.ID)
			if g.ID == "g1" {
				diff(t, "members of g1 in the listing", []authz.Subject{u("u1")}, g.Members)
			}
		}
		diff(t, "group ids", []string{"g1", "g2"}, ids, sortStrings)
	}},
	{"UpdateGroup changes name, description and roles and keeps the members", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		g := group("acc", "g1", u("u1"))
		g.Roles = []string{"admin"}
		g.CreatedAt = f.createAt(g)
		g.Name, g.Description, g.Roles = "Renamed", "Now described", []string{"library_viewer", "finance"}
		f.update(func(tx store.Tx) error {
			upd := g
			upd.Members = nil
			return tx.UpdateGroup(f.ctx, upd)
		})
		g.Roles = []string{"finance", "library_viewer"}
		got, err := f.s.GetGroup(f.ctx, "g1")
		f.must(err)
		diff(t, "updated group", g, got)
	}},
	{"AddGroupMember and RemoveGroupMember change a group's members", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"), group("acc", "sub"), group("acc", "g1", u("u1")))
		f.update(func(tx store.Tx) error {
			if err := tx.AddGroupMember(f.ctx, "g1", u("u2")); err != nil {
				return err
			}
			return tx.AddGroupMember(f.ctx, "g1", gr("sub"))
		})
		members := func(want ...authz.Subject) {
			t.Helper()
			g, err := f.s.GetGroup(f.ctx, "g1")
			f.must(err)
			diff(t, "members", want, g.Members)
		}
		members(u("u1"), u("u2"), gr("sub"))
		f.update(func(tx store.Tx) error { return tx.RemoveGroupMember(f.ctx, "g1", u("u1")) })
		members(u("u2"), gr("sub"))
		f.update(func(tx store.Tx) error { return tx.RemoveGroupMember(f.ctx, "g1", gr("sub")) })
		members(u("u2"))
		if _, err := f.s.GetGroup(f.ctx, "sub"); err != nil {
			t.Errorf("removing a group member deleted the member group: %v", err)
		}
	}},
	{"adding a member twice is a conflict", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), group("acc", "sub"), group("acc", "g1", u("u1"), gr("sub")))
		for _, m := range []authz.Subject{u("u1"), gr("sub")} {
			_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.AddGroupMember(f.ctx, "g1", m) })
			wantConflict(t, "adding "+m.String()+" again", err)
		}
	}},
	{"removing a subject that is not a member is not found", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"), group("acc", "sub"), group("acc", "g1", u("u1")))
		for _, m := range []authz.Subject{u("u2"), gr("sub"), u("nobody")} {
			_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.RemoveGroupMember(f.ctx, "g1", m) })
			wantNotFound(t, "removing non-member "+m.String(), err)
		}
		g, err := f.s.GetGroup(f.ctx, "g1")
		f.must(err)
		diff(t, "members", []authz.Subject{u("u1")}, g.Members)
	}},
	{"DeleteGroup removes its memberships and every ACL entry naming it", testDeleteGroupCascades},
	{"deleting a group granted on a workspace or tier is a conflict", testDeleteGrantedGroup},
	{"GroupNesting lists the account's group-in-group edges only, without user members or other accounts", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("acc2"), user("acc", "u1"), user("acc2", "v1"),
			group("acc", "leaf", u("u1")), group("acc", "mid", gr("leaf"), u("u1")), group("acc", "top", gr("mid"), gr("leaf")),
			group("acc2", "other", u("v1")), group("acc2", "outer", gr("other")))
		got, err := f.s.GroupNesting(f.ctx, "acc")
		f.must(err)
		diff(t, "nesting of acc", map[string][]string{"mid": {"leaf"}, "top": {"leaf", "mid"}}, got)
		got, err = f.s.GroupNesting(f.ctx, "nobody")
		f.must(err)
		diff(t, "nesting of an unknown account", map[string][]string{}, got)
	}},
	{"GroupGrants lists the workspaces and tiers granting the group a role", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), group("acc", "g1"), group("acc", "g2"),
			tier("acc", "t1", grant(gr("g1"), "viewer")),
			tier("acc", "t2", grant(u("u1"), "owner")),
			workspace("acc", "w1", "", grant(gr("g1"), "editor"), grant(gr("g2"), "viewer")),
			workspace("acc", "w2", "t1", grant(gr("g1"), "owner")),
			workspace("acc", "w3", ""))
		for _, c := range []struct {
			group string
			want  []store.Ref
		}{
			{"g1", []store.Ref{ref(store.KindTier, "t1"), ref(store.KindWorkspace, "w1"), ref(store.KindWorkspace, "w2")}},
			{"g2", []store.Ref{ref(store.KindWorkspace, "w1")}},
			{"nobody", nil},
		} {
			got, err := f.s.GroupGrants(f.ctx, c.group)
			f.must(err)
			diff(t, "grants of "+c.group, c.want, sortRefs(got))
		}
	}},
}

func testDeleteGroupCascades(t *testing.T, f *fixture) {
	f.create(account("acc"), user("acc", "u1"), user("acc", "u2"),
		group("acc", "child"),
		group("acc", "g", u("u1"), gr("child")),
		group("acc", "parent", gr("g"), u("u2")),
		workspace("acc", "ws", ""),
		record("ws", "r", entry(gr("g"), "edit"), entry(u("u2"), "view")),
		media("r", "m", entry(gr("g"), "download")),
		collection("ws", "c", "u1", entry(gr("g"), "view"), entry(authz.EveryoneSubject, "view")))
	f.update(func(tx store.Tx) error {
		return tx.SetDefaultACL(f.ctx, "acc", authz.Record, []domain.ACLEntry{entry(gr("g"), "view"), entry(u(store.DefaultCreator), "edit")})
	})

	f.update(func(tx store.Tx) error { return tx.DeleteGroup(f.ctx, "g") })

	_, err := f.s.GetGroup(f.ctx, "g")
	wantNotFound(t, "GetGroup of the deleted group", err)
	parent, err := f.s.GetGroup(f.ctx, "parent")
	f.must(err)
	diff(t, "members of the parent", []authz.Subject{u("u2")}, parent.Members)
	for _, id := range []string{"child"} {
		if _, err := f.s.GetGroup(f.ctx, id); err != nil {
			t.Errorf("member group %s went with the deleted group: %v", id, err)
		}
	}
	if _, err := f.s.GetUser(f.ctx, "u1"); err != nil {
		t.Errorf("member user went with the deleted group: %v", err)
	}
	rec, err := f.s.GetRecord(f.ctx, "r")
	f.must(err)
	diff(t, "record ACL", []domain.ACLEntry{entry(u("u2"), "view")}, rec.ACL)
	m, err := f.s.GetMedia(f.ctx, "m")
	f.must(err)
	diff(t, "media ACL", []domain.ACLEntry(nil), m.ACL)
	c, err := f.s.GetCollection(f.ctx, "c")
	f.must(err)
	diff(t, "collection ACL", []domain.ACLEntry{entry(authz.EveryoneSubject, "view")}, c.ACL)
	def, err := f.s.GetDefaultACL(f.ctx, "acc", authz.Record)
	f.must(err)
	diff(t, "default record ACL", []domain.ACLEntry{entry(u(store.DefaultCreator), "edit")}, def)

	// The id is free again, with nothing of the old group attached.
	f.create(group("acc", "g"))
	g, err := f.s.GetGroup(f.ctx, "g")
	f.must(err)
	diff(t, "members of a new group with the old id", []authz.Subject(nil), g.Members)
}

func testDeleteGrantedGroup(t *testing.T, f *fixture) {
	f.create(account("acc"), user("acc", "u1"))
	onWorkspace := func(tx store.Tx, g, w, _ string) error {
		return tx.SetWorkspaceMember(f.ctx, w, grant(gr(g), "editor"))
	}
	offWorkspace := func(tx store.Tx, g, w, _ string) error { return tx.RemoveWorkspaceMember(f.ctx, w, gr(g)) }
	onTier := func(tx store.Tx, g, _, tr string) error { return tx.SetTierGrant(f.ctx, tr, grant(gr(g), "viewer")) }
	offTier := func(tx store.Tx, g, _, tr string) error { return tx.RemoveTierGrant(f.ctx, tr, gr(g)) }
	type step = func(tx store.Tx, g, w, tr string) error
	both := func(a, b step) step {
		return func(tx store.Tx, g, w, tr string) error {
			if err := a(tx, g, w, tr); err != nil {
				return err
			}
			return b(tx, g, w, tr)
		}
	}
	for _, c := range []struct {
		name        string
		sfx         string
		grant, free step
		want        func(w, tr string) []store.Ref
	}{
		{"a group granted on a workspace", "1", onWorkspace, offWorkspace,
			func(w, _ string) []store.Ref { return []store.Ref{ref(store.KindWorkspace, w)} }},
		{"a group granted on a tier", "2", onTier, offTier,
			func(_, tr string) []store.Ref { return []store.Ref{ref(store.KindTier, tr)} }},
		{"a group granted on a workspace and a tier", "3", both(onWorkspace, onTier), both(offWorkspace, offTier),
			func(w, tr string) []store.Ref {
				return []store.Ref{ref(store.KindTier, tr), ref(store.KindWorkspace, w)}
			}},
	} {
		t.Run(c.name+" cannot be deleted until the grant is removed", func(t *testing.T) {
			f := f.at(t)
			g, w, tr := "g"+c.sfx, "w"+c.sfx, "t"+c.sfx
			f.create(group("acc", g, u("u1")), tier("acc", tr), workspace("acc", w, ""))
			f.update(func(tx store.Tx) error { return c.grant(tx, g, w, tr) })
			grants, err := f.s.GroupGrants(f.ctx, g)
			f.must(err)
			diff(t, "GroupGrants", c.want(w, tr), sortRefs(grants))

			before := f.revision()
			_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.DeleteGroup(f.ctx, g) })
			wantConflict(t, "DeleteGroup of a granted group", err)
			if rev := f.revision(); rev != before {
				t.Errorf("the failed delete moved the revision from %d to %d", before, rev)
			}
			got, err := f.s.GetGroup(f.ctx, g)
			f.must(err)
			diff(t, "members after the failed delete", []authz.Subject{u("u1")}, got.Members)

			f.update(func(tx store.Tx) error { return c.free(tx, g, w, tr) })
			f.update(func(tx store.Tx) error { return tx.DeleteGroup(f.ctx, g) })
			_, err = f.s.GetGroup(f.ctx, g)
			wantNotFound(t, "GetGroup after the delete", err)
		})
	}
}
