package authz_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"atrium/internal/authz"
)

// whatIfFixture: account a1 with users in and out of a group, a workspace
// viewer, an owner, an inactive user; record r1 whose ACL gives the group
// view, its media m1 (everyone preview), and a held record r2.
func whatIfFixture(t *testing.T) *authz.Engine {
	t.Helper()
	e := authz.New()
	err := e.Apply(1,
		authz.PutAccount{ID: "a1"}, authz.PutAccount{ID: "a2"},
		authz.PutUser{ID: "boss", Account: "a1", Active: true, Roles: authz.Roles(0).With(authz.RoleOwner)},
		authz.PutUser{ID: "gail", Account: "a1", Active: true},
		authz.PutUser{ID: "gus", Account: "a1", Active: true},
		authz.PutUser{ID: "viv", Account: "a1", Active: true},
		authz.PutUser{ID: "out", Account: "a1", Active: true},
		authz.PutUser{ID: "gone", Account: "a1", Active: false},
		authz.PutUser{ID: "x", Account: "a2", Active: true},
		authz.PutGroup{ID: "desk", Account: "a1", Members: []authz.Subject{authz.User("gail"), authz.User("gus"), authz.User("gone")}},
		authz.PutGroup{ID: "other", Account: "a2", Members: []authz.Subject{authz.User("x")}},
		authz.PutWorkspace{ID: "w1", Account: "a1", Members: []authz.RoleGrant{{Subject: authz.User("viv"), Role: authz.Viewer}}},
		authz.PutRecord{ID: "r1", Workspace: "w1", ACL: []authz.ACLEntry{{Subject: authz.GroupOf("desk"), Level: 1}}},
		authz.PutMedia{ID: "m1", Record: "r1", ACL: []authz.ACLEntry{{Subject: authz.EveryoneSubject, Level: 1}}},
		authz.PutRecord{ID: "r2", Workspace: "w1", Hold: &authz.Hold{Uploader: "viv"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func effectsOf(t *testing.T, e *authz.Engine, obj authz.ObjectRef, acl []authz.ACLEntry) map[string]string {
	t.Helper()
	effs, err := e.WhatIfACL(obj, acl)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, ef := range effs {
		if len(ef.Gain) > 0 {
			out["gain "+ef.Permission.String()] = fmt.Sprint(ef.Gain)
		}
		if len(ef.Lose) > 0 {
			out["lose "+ef.Permission.String()] = fmt.Sprint(ef.Lose)
		}
	}
	return out
}

func TestWhatIfACLTellsWhoGainsAndLosesEachPermission(t *testing.T) {
	e := whatIfFixture(t)
	group, user, everyone := authz.GroupOf("desk"), authz.User("out"), authz.EveryoneSubject
	for _, c := range []struct {
		name string
		obj  authz.ObjectRef
		acl  []authz.ACLEntry
		want map[string]string
	}{
		{"the same ACL changes nothing", rec("r1"), []authz.ACLEntry{{Subject: group, Level: 1}}, map[string]string{}},
		{"adding a user with view gives that user view, and nobody else anything", rec("r1"),
			[]authz.ACLEntry{{Subject: group, Level: 1}, {Subject: user, Level: 1}}, map[string]string{"gain can_view": "[out]"}},
		{"raising the group to edit gives its active members edit", rec("r1"),
			[]authz.ACLEntry{{Subject: group, Level: 2}}, map[string]string{"gain can_edit": "[gail gus]"}},
		{"emptying the ACL takes view from the group's members, not from the workspace's viewer or the owner", rec("r1"),
			nil, map[string]string{"lose can_view": "[gail gus]"}},
		{"everyone with view reaches every active user of the account, no other account's", rec("r1"),
			[]authz.ACLEntry{{Subject: everyone, Level: 1}}, map[string]string{"gain can_view": "[out]"}},
		{"a media object's ACL: download for the group, its members lose nothing and gain download and what it implies", med("m1"),
			[]authz.ACLEntry{{Subject: everyone, Level: 1}, {Subject: group, Level: 3}}, map[string]string{"gain can_download": "[gail gus]", "gain can_view": "[gail gus]"}},
		{"media stay out of reach of those who cannot view the record (out), and a viewer already views them", med("m1"),
			[]authz.ACLEntry{{Subject: everyone, Level: 4}}, map[string]string{"gain can_download": "[gail gus viv]", "gain can_edit": "[gail gus viv]", "gain can_view": "[gail gus]"}},
		{"a group never defined holds nothing", rec("r1"),
			[]authz.ACLEntry{{Subject: group, Level: 1}, {Subject: authz.GroupOf("nobody"), Level: 2}}, map[string]string{}},
		{"a held record's ACL does not count until it is published", rec("r2"),
			[]authz.ACLEntry{{Subject: everyone, Level: 2}}, map[string]string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := effectsOf(t, e, c.obj, c.acl)
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("effects %v, want %v", got, c.want)
			}
		})
	}
}

func TestWhatIfACLRefusesWhatCannotBeAnACL(t *testing.T) {
	e := whatIfFixture(t)
	for _, c := range []struct {
		name string
		obj  authz.ObjectRef
		acl  []authz.ACLEntry
	}{
		{"an unknown object", rec("nope"), nil},
		{"a level beyond the type's", rec("r1"), []authz.ACLEntry{{Subject: authz.EveryoneSubject, Level: 3}}},
		{"a subject of another account", rec("r1"), []authz.ACLEntry{{Subject: authz.GroupOf("other"), Level: 1}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := e.WhatIfACL(c.obj, c.acl); err == nil {
				t.Error("no error")
			}
		})
	}
}

// Applying the proposed ACL must change exactly what the what-if said,
// for random ACLs: the what-if and the engine cannot disagree.
func TestWhatIfACLForetellsWhatApplyingTheACLDoes(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 5))
	subjects := []authz.Subject{authz.GroupOf("desk"), authz.User("out"), authz.User("viv"), authz.User("gone"), authz.EveryoneSubject}
	users := []string{"boss", "gail", "gus", "viv", "out", "gone", "x"}
	for step := range 50 {
		e := whatIfFixture(t)
		obj, levels := rec("r1"), 2
		if step%2 == 1 {
			obj, levels = med("m1"), 4
		}
		var acl []authz.ACLEntry
		for _, s := range subjects {
			if rnd.IntN(2) == 0 {
				acl = append(acl, authz.ACLEntry{Subject: s, Level: authz.Level(1 + rnd.IntN(levels))})
			}
		}
		effs, err := e.WhatIfACL(obj, acl)
		if err != nil {
			t.Fatal(err)
		}
		before := map[string]bool{}
		for _, p := range authz.SupportedPermissions(obj.Type) {
			for _, u := range users {
				before[u+" "+p.String()] = e.Check(u, p, obj)
			}
		}
		if err := e.Apply(2, authz.SetACL{Ref: obj, ACL: acl}); err != nil {
			t.Fatal(err)
		}
		for _, ef := range effs {
			for _, u := range users {
				now := e.Check(u, ef.Permission, obj)
				was := before[u+" "+ef.Permission.String()]
				gain, lose := slices.Contains(ef.Gain, u), slices.Contains(ef.Lose, u)
				if now && !was != gain || was && !now != lose {
					t.Errorf("step %d, %v on %s: %s was %v, is %v; the what-if said gain %v, lose %v", step, acl, obj, u, was, now, gain, lose)
				}
			}
		}
	}
}
