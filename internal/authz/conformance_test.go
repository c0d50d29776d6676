package authz_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"atrium/internal/authz"
)

// The conformance table: one case per rule of spec/reference-model.fga and
// of the two rules outside it, each on a small fixture built with Apply.
// Expectations are written from the model text, not from the engine.

// expect is one check and its answer under the model.
type expect struct {
	user string
	perm authz.Permission
	obj  authz.ObjectRef
	want bool
}

// step is a later transaction and what must hold after it.
type step struct {
	ops  []authz.Op
	want []expect
	run  func(t *testing.T, e *authz.Engine)
}

type conformanceCase struct {
	name string
	ops  []authz.Op // applied together with the base fixture at revision 1
	want []expect
	run  func(t *testing.T, e *authz.Engine)
	then []step // applied one by one at revisions 2, 3, ...
}

// Object references of the base fixture.
func R(id string) authz.ObjectRef { return authz.ObjectRef{Type: authz.Record, ID: id} }
func M(id string) authz.ObjectRef { return authz.ObjectRef{Type: authz.Media, ID: id} }
func C(id string) authz.ObjectRef { return authz.ObjectRef{Type: authz.Collection, ID: id} }
func W(id string) authz.ObjectRef { return authz.ObjectRef{Type: authz.Workspace, ID: id} }

var (
	u = authz.User
	g = authz.GroupOf
)

// permsOfType are the permissions of each type, written from the model (and,
// for workspaces, the engine's documented mapping of can_* to roles).
var permsOfType = map[authz.ObjectType][]authz.Permission{
	authz.Record:     {authz.CanView, authz.CanEdit, authz.CanDelete, authz.CanManage},
	authz.Collection: {authz.CanView, authz.CanEdit, authz.CanDelete},
	authz.Media:      {authz.CanPreview, authz.CanView, authz.CanDownload, authz.CanEdit},
	authz.Workspace:  {authz.CanView, authz.CanEdit, authz.CanDelete, authz.CanManage},
}

// rolePerms: what a workspace role gives on the workspace's objects, read off
// the model (record: can_view ⊇ viewer, can_edit ⊇ contributor, can_delete =
// editor, can_manage = owner; collection: can_delete ⊇ editor; media:
// preview/view ⊇ viewer, download/edit ⊇ contributor).
var rolePerms = map[authz.ObjectType]map[authz.Role][]authz.Permission{
	authz.Record: {
		authz.Viewer:      {authz.CanView},
		authz.Contributor: {authz.CanView, authz.CanEdit},
		authz.Editor:      {authz.CanView, authz.CanEdit, authz.CanDelete},
		authz.Owner:       {authz.CanView, authz.CanEdit, authz.CanDelete, authz.CanManage},
	},
	authz.Collection: {
		authz.Viewer:      {authz.CanView},
		authz.Contributor: {authz.CanView, authz.CanEdit},
		authz.Editor:      {authz.CanView, authz.CanEdit, authz.CanDelete},
		authz.Owner:       {authz.CanView, authz.CanEdit, authz.CanDelete},
	},
	authz.Media: {
		authz.Viewer:      {authz.CanPreview, authz.CanView},
		authz.Contributor: {authz.CanPreview, authz.CanView, authz.CanDownload, authz.CanEdit},
		authz.Editor:      {authz.CanPreview, authz.CanView, authz.CanDownload, authz.CanEdit},
		authz.Owner:       {authz.CanPreview, authz.CanView, authz.CanDownload, authz.CanEdit},
	},
	authz.Workspace: {
		authz.Viewer:      {authz.CanView},
		authz.Contributor: {authz.CanView, authz.CanEdit},
		authz.Editor:      {authz.CanView, authz.CanEdit, authz.CanDelete},
		authz.Owner:       {authz.CanView, authz.CanEdit, authz.CanDelete, authz.CanManage},
	},
}

// only expects user to hold exactly perms on obj among the type's
// permissions.
func only(user string, obj authz.ObjectRef, perms ...authz.Permission) []expect {
	var out []expect
	for _, p := range permsOfType[obj.Type] {
		out = append(out, expect{user, p, obj, slices.Contains(perms, p)})
	}
	return out
}

// none expects user to hold nothing on any of objs.
func none(user string, objs ...authz.ObjectRef) []expect {
	var out []expect
	for _, o := range objs {
		out = append(out, only(user, o)...)
	}
	return out
}

// asRole expects user to hold exactly what role r gives on each obj (NoRole:
// nothing).
func asRole(user string, r authz.Role, objs ...authz.ObjectRef) []expect {
	var out []expect
	for _, o := range objs {
		out = append(out, only(user, o, rolePerms[o.Type][r]...)...)
	}
	return out
}

func all(lists ...[]expect) []expect {
	var out []expect
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Fixture builders. Everything named in a case belongs to account a1 unless
// its id says b (a2).

func user(id string, active bool, roles ...authz.AccountRole) authz.Op {
	var rs authz.Roles
	for _, r := range roles {
		rs = rs.With(r)
	}
	acct := "a1"
	if id == "zed" || id == "yan" {
		acct = "a2"
	}
	return authz.PutUser{ID: id, Account: acct, Active: active, Roles: rs}
}

func group(id string, roles authz.Roles, members ...authz.Subject) authz.Op {
	return authz.PutGroup{ID: id, Account: "a1", Members: members, Roles: roles}
}

func roles(rs ...authz.AccountRole) authz.Roles {
	var out authz.Roles
	for _, r := range rs {
		out = out.With(r)
	}
	return out
}

func grant(s authz.Subject, r authz.Role) authz.RoleGrant {
	return authz.RoleGrant{Subject: s, Role: r}
}

func tierOp(id string, grants ...authz.RoleGrant) authz.Op {
	return authz.PutTier{ID: id, Account: "a1", Grants: grants}
}

// baseTier maps the base fixture's workspaces to their tiers.
var baseTier = map[string]string{"w1": "", "w2": "t1", "w3": "t1", "w4": "t2"}

// wsOp replaces a base workspace of a1, keeping its tier.
func wsOp(id string, grants ...authz.RoleGrant) authz.Op {
	return authz.PutWorkspace{ID: id, Account: "a1", Tier: baseTier[id], Members: grants}
}

// acl builds an ACL entry from permission names as the store does: an entry
// listing several permissions is worth its highest one.
func acl(typ authz.ObjectType, s authz.Subject, perms ...string) authz.ACLEntry {
	var l authz.Level
	for _, p := range perms {
		v, err := authz.ParseACLPermission(typ, p)
		if err != nil {
			panic(err)
		}
		l = max(l, v)
	}
	return authz.ACLEntry{Subject: s, Level: l}
}

func recOp(id, ws string, entries ...authz.ACLEntry) authz.Op {
	return authz.PutRecord{ID: id, Workspace: ws, ACL: entries}
}

func mediaOp(id, rec string, entries ...authz.ACLEntry) authz.Op {
	return authz.PutMedia{ID: id, Record: rec, ACL: entries}
}

func collOp(id, ws, creator string, entries ...authz.ACLEntry) authz.Op {
	return authz.PutCollection{ID: id, Workspace: ws, Creator: creator, ACL: entries}
}

func rACL(s authz.Subject, perms ...string) authz.ACLEntry { return acl(authz.Record, s, perms...) }
func mACL(s authz.Subject, perms ...string) authz.ACLEntry { return acl(authz.Media, s, perms...) }
func cACL(s authz.Subject, perms ...string) authz.ACLEntry { return acl(authz.Collection, s, perms...) }

// base is the fixture every case starts from: two accounts, no grants.
//
//	a1: active alice bob carol dave erin; inactive banned deact pending
//	    tiers t1 {w2, w3}, t2 {w4}; workspace w1 has no tier
//	    records r1∈w1 (media m1, m1b), r2∈w2 (m2), r3∈w3 (m3), r4∈w4 (m4)
//	    collections c1∈w1 created by carol, c2∈w2 by dave, c4∈w4 by nobody
//	a2: active zed yan; tier tb {wb}; record rb∈wb (mb); collection cb by zed
func base() []authz.Op {
	ops := []authz.Op{authz.PutAccount{ID: "a1"}, authz.PutAccount{ID: "a2"}}
	for _, id := range []string{"alice", "bob", "carol", "dave", "erin", "zed", "yan"} {
		ops = append(ops, user(id, true))
	}
	for _, id := range []string{"banned", "deact", "pending"} {
		ops = append(ops, user(id, false))
	}
	ops = append(ops,
		tierOp("t1"), tierOp("t2"),
		authz.PutTier{ID: "tb", Account: "a2"},
		wsOp("w1"), wsOp("w2"), wsOp("w3"), wsOp("w4"),
		authz.PutWorkspace{ID: "wb", Account: "a2", Tier: "tb"},
		recOp("r1", "w1"), recOp("r2", "w2"), recOp("r3", "w3"), recOp("r4", "w4"), recOp("rb", "wb"),
		mediaOp("m1", "r1"), mediaOp("m1b", "r1"), mediaOp("m2", "r2"), mediaOp("m3", "r3"), mediaOp("m4", "r4"), mediaOp("mb", "rb"),
		collOp("c1", "w1", "carol"), collOp("c2", "w2", "dave"), collOp("c4", "w4", ""), collOp("cb", "wb", "zed"),
	)
	return ops
}

// everything in a1 a case may look at.
var a1Objects = []authz.ObjectRef{
	R("r1"), R("r2"), R("r3"), R("r4"), M("m1"), M("m1b"), M("m2"), M("m3"), M("m4"),
	C("c1"), C("c2"), C("c4"), W("w1"), W("w2"), W("w3"), W("w4"),
}

// roleCases generates the per-role cases: workspace roles granted directly,
// through a group and through nested groups; tier grants; account roles held
// directly and through nested groups.
func roleCases() []conformanceCase {
	var out []conformanceCase
	roleList := []authz.Role{authz.Viewer, authz.Contributor, authz.Editor, authz.Owner}
	for _, r := range roleList {
		objs := []authz.ObjectRef{R("r1"), C("c1"), M("m1"), M("m1b"), W("w1")}
		out = append(out,
			conformanceCase{
				name: fmt.Sprintf("a user granted %s on a workspace directly holds exactly the %s permissions on its records, collections and media", r, r),
				ops:  []authz.Op{wsOp("w1", grant(u("alice"), r))},
				want: all(asRole("alice", r, objs...), none("bob", objs...), none("alice", R("r2"), M("m2"), C("c2"), W("w2"))),
			},
			conformanceCase{
				name: fmt.Sprintf("a member of a group granted %s on a workspace holds exactly the %s permissions on its records, collections and media", r, r),
				ops:  []authz.Op{group("g1", 0, u("alice")), wsOp("w1", grant(g("g1"), r))},
				want: all(asRole("alice", r, objs...), none("bob", objs...)),
			},
			conformanceCase{
				name: fmt.Sprintf("a member three groups deep holds the outermost group's workspace %s role", r),
				ops: []authz.Op{
					group("g1", 0, g("g2")), group("g2", 0, g("g3")), group("g3", 0, u("alice")),
					wsOp("w1", grant(g("g1"), r)),
				},
				want: all(asRole("alice", r, objs...), none("bob", objs...)),
			},
			conformanceCase{
				name: fmt.Sprintf("a tier %s grant reaches every workspace of the tier and no other", r),
				ops:  []authz.Op{tierOp("t1", grant(u("alice"), r))},
				want: all(
					asRole("alice", r, R("r2"), M("m2"), C("c2"), W("w2"), R("r3"), M("m3"), W("w3")),
					none("alice", R("r1"), M("m1"), C("c1"), W("w1"), R("r4"), M("m4"), C("c4"), W("w4")),
					none("bob", R("r2"), R("r3")),
				),
			},
			conformanceCase{
				name: fmt.Sprintf("a tier %s grant to a nested group reaches the inner group's members on the tier's workspaces", r),
				ops: []authz.Op{
					group("g1", 0, g("g2")), group("g2", 0, g("g3")), group("g3", 0, u("alice")),
					tierOp("t2", grant(g("g1"), r)),
				},
				want: all(asRole("alice", r, R("r4"), M("m4"), C("c4"), W("w4")), none("alice", R("r2"), R("r1"))),
			},
		)
	}
	// Account roles.
	type accountRole struct {
		role authz.AccountRole
		ws   authz.Role
	}
	accountRoles := []accountRole{
		{authz.RoleOwner, authz.Owner}, {authz.RoleAdmin, authz.Owner},
		{authz.RoleDeveloper, authz.Editor}, {authz.RoleLibraryEditor, authz.Editor},
		{authz.RoleLibraryViewer, authz.Viewer}, {authz.RoleFinance, authz.NoRole},
	}
	for _, ar := range accountRoles {
		what := "the workspace " + ar.ws.String() + " role on every workspace of the account"
		if ar.ws == authz.NoRole {
			what = "no permission on any workspace"
		}
		out = append(out, conformanceCase{
			name: fmt.Sprintf("the %s account role held directly gives %s", ar.role, what),
			ops:  []authz.Op{user("alice", true, ar.role)},
			want: all(
				asRole("alice", ar.ws, R("r1"), R("r2"), R("r3"), R("r4"), M("m1"), M("m4"), C("c1"), C("c4"), W("w1"), W("w4")),
				none("alice", R("rb"), M("mb"), C("cb"), W("wb")),
			),
		})
		if ar.role == authz.RoleOwner {
			continue
		}
		out = append(out, conformanceCase{
			name: fmt.Sprintf("the %s account role held by the outer of three nested groups gives its members %s", ar.role, what),
			ops: []authz.Op{
				group("g1", roles(ar.role), g("g2")), group("g2", 0, g("g3")), group("g3", 0, u("alice")),
			},
			want: all(
				asRole("alice", ar.ws, R("r1"), R("r4"), M("m1"), C("c1"), C("c4"), W("w2")),
				none("alice", R("rb")), none("bob", R("r1")),
			),
		})
	}
	return out
}

func conformanceCases() []conformanceCase {
	cases := roleCases()
	cases = append(cases, []conformanceCase{
		// Roles and grants.
		{
			name: "a role on one workspace gives nothing on another workspace of the same account",
			ops:  []authz.Op{wsOp("w1", grant(u("alice"), authz.Owner))},
			want: none("alice", R("r2"), R("r3"), R("r4"), M("m2"), C("c2"), W("w2")),
		},
		{
			name: "a user holding two roles on a workspace gets the higher through either path",
			ops: []authz.Op{
				group("g1", 0, u("alice")),
				wsOp("w2", grant(g("g1"), authz.Viewer), grant(u("alice"), authz.Contributor)),
				tierOp("t1", grant(u("alice"), authz.Editor)),
			},
			want: all(asRole("alice", authz.Editor, R("r2"), M("m2"), C("c2")), asRole("alice", authz.Editor, R("r3"))),
		},
		{
			name: "membership flows one way: a member of the outer group does not get the inner group's grant",
			ops: []authz.Op{
				group("g1", 0, u("bob"), g("g2")), group("g2", 0, u("alice")),
				wsOp("w1", grant(g("g2"), authz.Editor)),
			},
			want: all(asRole("alice", authz.Editor, R("r1")), none("bob", R("r1"), C("c1"), M("m1"))),
		},
		{
			name: "a group named as a member before it is defined still passes its members the outer group's grant",
			ops: []authz.Op{
				group("g1", 0, g("g2")), wsOp("w1", grant(g("g1"), authz.Viewer)),
				group("g2", 0, g("g3")), group("g3", 0, u("alice")),
			},
			want: asRole("alice", authz.Viewer, R("r1"), M("m1"), C("c1")),
		},
		{
			name: "a group inside two parent groups passes both parents' grants on to its members",
			ops: []authz.Op{
				group("g1", 0, g("g3")), group("g2", 0, g("g3")), group("g3", 0, u("alice")),
				wsOp("w1", grant(g("g1"), authz.Viewer)), wsOp("w2", grant(g("g2"), authz.Contributor)),
			},
			want: all(asRole("alice", authz.Viewer, R("r1")), asRole("alice", authz.Contributor, R("r2"), M("m2"))),
		},
		{
			name: "a group can never confer the owner account role, so its members get nothing from it",
			ops:  []authz.Op{group("g1", roles(authz.RoleOwner), u("alice"))},
			want: none("alice", a1Objects...),
			run: func(t *testing.T, e *authz.Engine) {
				if e.EffectiveRoles("alice").Has(authz.RoleOwner) || e.CanAccount("alice", "a1", authz.ManageOwners) {
					t.Errorf("alice holds the owner role through a group: roles %v", e.EffectiveRoles("alice").Names())
				}
			},
		},
		{
			name: "a group holding owner and library_viewer confers only library_viewer",
			ops:  []authz.Op{group("g1", roles(authz.RoleOwner, authz.RoleLibraryViewer), u("alice"))},
			want: asRole("alice", authz.Viewer, R("r1"), R("r4"), M("m1"), C("c1")),
		},
		{
			name: "an account owner is owner of every workspace through the model's admin relation",
			ops:  []authz.Op{user("alice", true, authz.RoleOwner)},
			run: func(t *testing.T, e *authz.Engine) {
				if !e.EffectiveRoles("alice").Has(authz.RoleOwner) {
					t.Errorf("alice lacks the owner role")
				}
			},
			want: asRole("alice", authz.Owner, R("r2"), C("c2"), M("m2")),
		},
		{
			name: "account roles of account B give nothing on account A's objects",
			ops:  []authz.Op{user("yan", true, authz.RoleOwner), user("zed", true, authz.RoleAdmin)},
			want: all(none("yan", a1Objects...), none("zed", a1Objects...),
				asRole("yan", authz.Owner, R("rb"), M("mb"), C("cb"), W("wb"))),
		},

		// Record ACLs.
		{
			name: "a record ACL view entry grants can_view on the record only",
			ops:  []authz.Op{recOp("r1", "w1", rACL(u("alice"), "view"))},
			want: all(only("alice", R("r1"), authz.CanView), none("bob", R("r1"))),
		},
		{
			name: "a record ACL edit entry grants view and edit but not delete or manage",
			ops:  []authz.Op{recOp("r1", "w1", rACL(u("alice"), "edit"))},
			want: only("alice", R("r1"), authz.CanView, authz.CanEdit),
		},
		{
			name: "a record ACL entry alone gives nothing on the record's media",
			ops:  []authz.Op{recOp("r1", "w1", rACL(u("alice"), "view", "edit"))},
			want: none("alice", M("m1"), M("m1b"), C("c1"), W("w1")),
		},
		{
			name: "a record ACL entry for the outer of three nested groups reaches the innermost members",
			ops: []authz.Op{
				group("g1", 0, g("g2")), group("g2", 0, g("g3")), group("g3", 0, u("alice")),
				recOp("r1", "w1", rACL(g("g1"), "edit")),
			},
			want: all(only("alice", R("r1"), authz.CanView, authz.CanEdit), none("bob", R("r1"))),
		},
		{
			name: "a subject listed twice on a record ACL keeps its higher level",
			ops:  []authz.Op{recOp("r1", "w1", rACL(u("alice"), "view"), rACL(u("alice"), "edit"))},
			want: only("alice", R("r1"), authz.CanView, authz.CanEdit),
		},
		{
			name: "everyone with view on a record reaches every active user of the account",
			ops:  []authz.Op{recOp("r1", "w1", rACL(authz.EveryoneSubject, "view"))},
			want: all(only("alice", R("r1"), authz.CanView), only("erin", R("r1"), authz.CanView),
				none("banned", R("r1")), none("pending", R("r1")), none("zed", R("r1"))),
		},
		{
			name: "everyone on a record of account A does not reach a user of account B",
			ops:  []authz.Op{recOp("r1", "w1", rACL(authz.EveryoneSubject, "edit"))},
			want: all(none("zed", R("r1")), none("yan", R("r1")), only("bob", R("r1"), authz.CanView, authz.CanEdit)),
		},
		{
			name: "everyone on a record of account B does not reach a user of account A",
			ops:  []authz.Op{recOp("rb", "wb", rACL(authz.EveryoneSubject, "edit"))},
			want: all(none("alice", R("rb")), only("zed", R("rb"), authz.CanView, authz.CanEdit)),
		},

		// Collections.
		{
			name: "a collection's creator can view, edit and delete it without any workspace role",
			want: all(only("carol", C("c1"), authz.CanView, authz.CanEdit, authz.CanDelete), none("carol", R("r1"), C("c2"))),
		},
		{
			name: "a deactivated creator holds nothing on the collection",
			ops:  []authz.Op{collOp("c1", "w1", "deact")},
			want: all(none("deact", C("c1")), none("carol", C("c1"))),
		},
		{
			name: "a collection ACL view entry grants view only",
			ops:  []authz.Op{collOp("c1", "w1", "carol", cACL(u("alice"), "view"))},
			want: only("alice", C("c1"), authz.CanView),
		},
		{
			name: "a collection ACL edit entry grants view and edit but not delete",
			ops:  []authz.Op{group("g1", 0, u("alice")), collOp("c1", "w1", "carol", cACL(g("g1"), "edit"))},
			want: only("alice", C("c1"), authz.CanView, authz.CanEdit),
		},
		{
			name: "everyone with edit on a collection lets every active user of the account view and edit it",
			ops:  []authz.Op{collOp("c4", "w4", "", cACL(authz.EveryoneSubject, "edit"))},
			want: all(only("bob", C("c4"), authz.CanView, authz.CanEdit), none("deact", C("c4")), none("zed", C("c4"))),
		},
		{
			name: "a collection without a creator is deletable only by workspace editors and up",
			ops:  []authz.Op{wsOp("w4", grant(u("alice"), authz.Contributor), grant(u("bob"), authz.Editor))},
			want: all(only("alice", C("c4"), authz.CanView, authz.CanEdit), only("bob", C("c4"), authz.CanView, authz.CanEdit, authz.CanDelete)),
		},

		// Media.
		{
			name: "a media ACL preview entry, with the record viewable, grants preview only",
			ops:  []authz.Op{recOp("r1", "w1", rACL(u("alice"), "view")), mediaOp("m1", "r1", mACL(u("alice"), "preview"))},
			want: all(only("alice", M("m1"), authz.CanPreview), none("alice", M("m1b"))),
		},
		{
			name: "a media ACL view entry, with the record viewable, grants preview and view",
			ops:  []authz.Op{recOp("r1", "w1", rACL(u("alice"), "view")), mediaOp("m1", "r1", mACL(u("alice"), "view"))},
			want: only("alice", M("m1"), authz.CanPreview, authz.CanView),
		},
		{
			name: "a media ACL download entry, with the record viewable, grants preview, view and download",
			ops:  []authz.Op{recOp("r1", "w1", rACL(u("alice"), "view")), mediaOp("m1", "r1", mACL(u("alice"), "download"))},
			want: only("alice", M("m1"), authz.CanPreview, authz.CanView, authz.CanDownload),
		},
		{
			name: "a media ACL edit entry, with the record viewable, grants all four media permissions",
			ops:  []authz.Op{recOp("r1", "w1", rACL(u("alice"), "view")), mediaOp("m1", "r1", mACL(u("alice"), "edit"))},
			want: all(only("alice", M("m1"), authz.CanPreview, authz.CanView, authz.CanDownload, authz.CanEdit), none("alice", M("m1b"))),
		},
		{
			name: "a media ACL entry listing preview and download is worth download",
			ops:  []authz.Op{recOp("r1", "w1", rACL(u("alice"), "view")), mediaOp("m1", "r1", mACL(u("alice"), "preview", "download"))},
			want: only("alice", M("m1"), authz.CanPreview, authz.CanView, authz.CanDownload),
		},
		{
			name: "a media ACL download entry is worthless when the user cannot view the record",
			ops:  []authz.Op{mediaOp("m1", "r1", mACL(u("alice"), "download")), mediaOp("m2", "r2", mACL(u("alice"), "edit"))},
			want: none("alice", M("m1"), M("m2"), R("r1")),
		},
		{
			name: "a media ACL entry for a group needs its members to view the record too",
			ops: []authz.Op{
				group("g1", 0, u("alice"), u("bob")),
				recOp("r1", "w1", rACL(u("alice"), "view")),
				mediaOp("m1", "r1", mACL(g("g1"), "download")),
			},
			want: all(only("alice", M("m1"), authz.CanPreview, authz.CanView, authz.CanDownload), none("bob", M("m1"))),
		},
		{
			name: "a workspace viewer gets media view and preview, and a media download entry adds download",
			ops: []authz.Op{
				wsOp("w1", grant(u("alice"), authz.Viewer), grant(u("bob"), authz.Viewer)),
				mediaOp("m1", "r1", mACL(u("alice"), "download")),
			},
			want: all(only("alice", M("m1"), authz.CanPreview, authz.CanView, authz.CanDownload),
				only("bob", M("m1"), authz.CanPreview, authz.CanView), only("alice", M("m1b"), authz.CanPreview, authz.CanView)),
		},
		{
			name: "a workspace contributor gets media edit and download on every media object of the workspace",
			ops:  []authz.Op{wsOp("w1", grant(u("alice"), authz.Contributor))},
			want: all(only("alice", M("m1"), authz.CanPreview, authz.CanView, authz.CanDownload, authz.CanEdit),
				only("alice", M("m1b"), authz.CanPreview, authz.CanView, authz.CanDownload, authz.CanEdit)),
		},
		{
			name: "a record viewable through a workspace tier grant makes a media ACL entry count",
			ops:  []authz.Op{tierOp("t1", grant(u("alice"), authz.Viewer)), mediaOp("m2", "r2", mACL(u("alice"), "edit"))},
			want: only("alice", M("m2"), authz.CanPreview, authz.CanView, authz.CanDownload, authz.CanEdit),
		},
		{
			name: "everyone with download on a media object of an everyone-viewable record reaches every active user of the account",
			ops: []authz.Op{
				recOp("r1", "w1", rACL(authz.EveryoneSubject, "view")),
				mediaOp("m1", "r1", mACL(authz.EveryoneSubject, "download")),
				mediaOp("m2", "r2", mACL(authz.EveryoneSubject, "download")),
			},
			want: all(only("bob", M("m1"), authz.CanPreview, authz.CanView, authz.CanDownload),
				none("bob", M("m2"), M("m1b")), none("banned", M("m1")), none("zed", M("m1"))),
		},

		// Inactive users.
		{
			name: "a banned user holds nothing even as account owner",
			ops:  []authz.Op{user("banned", false, authz.RoleOwner, authz.RoleAdmin)},
			want: none("banned", a1Objects...),
			run: func(t *testing.T, e *authz.Engine) {
				expectList(t, e, "banned", authz.CanView, authz.Record, nil)
				if r := e.EffectiveRoles("banned"); r != 0 {
					t.Errorf("banned has effective roles %v", r.Names())
				}
			},
		},
		{
			name: "a deactivated user named directly on a workspace, a tier, a record, a media object and a collection holds nothing",
			ops: []authz.Op{
				wsOp("w1", grant(u("deact"), authz.Owner)), tierOp("t1", grant(u("deact"), authz.Owner)),
				recOp("r1", "w1", rACL(u("deact"), "edit")), mediaOp("m1", "r1", mACL(u("deact"), "edit")),
				collOp("c1", "w1", "deact", cACL(u("deact"), "edit")),
			},
			want: none("deact", a1Objects...),
		},
		{
			name: "a pending user holds nothing even through everyone",
			ops:  []authz.Op{recOp("r1", "w1", rACL(authz.EveryoneSubject, "edit")), collOp("c1", "w1", "carol", cACL(authz.EveryoneSubject, "view"))},
			want: all(none("pending", R("r1"), C("c1")), only("alice", R("r1"), authz.CanView, authz.CanEdit)),
		},
		{
			name: "inactive members of a group change nothing for its active members",
			ops: []authz.Op{
				group("g1", roles(authz.RoleLibraryViewer), u("banned"), u("alice"), g("g2")),
				group("g2", 0, u("deact"), u("bob")),
				wsOp("w2", grant(g("g1"), authz.Editor)),
			},
			want: all(asRole("alice", authz.Editor, R("r2"), M("m2")), asRole("bob", authz.Editor, R("r2")),
				asRole("bob", authz.Viewer, R("r1")), none("banned", R("r2"), R("r1")), none("deact", R("r2"), R("r1"))),
		},
		{
			name: "an inactive user's account roles through a group give them nothing",
			ops:  []authz.Op{group("g1", roles(authz.RoleAdmin), u("pending"), u("alice"))},
			want: all(none("pending", a1Objects...), asRole("alice", authz.Owner, R("r1"))),
		},

		// Tenants.
		{
			name: "a user of account B holds nothing on account A's objects even as B's owner",
			ops:  []authz.Op{user("zed", true, authz.RoleOwner)},
			want: all(none("zed", a1Objects...), asRole("zed", authz.Owner, R("rb"), M("mb"), C("cb"))),
		},
		{
			name: "a media object belongs to its record's account",
			ops:  []authz.Op{authz.PutWorkspace{ID: "wb", Account: "a2", Tier: "tb", Members: []authz.RoleGrant{grant(u("zed"), authz.Viewer)}}},
			want: all(only("zed", M("mb"), authz.CanPreview, authz.CanView), none("alice", M("mb"))),
		},
		{
			name: "a listing holds only objects of the user's own account",
			ops: []authz.Op{
				recOp("r1", "w1", rACL(authz.EveryoneSubject, "view")),
				recOp("rb", "wb", rACL(authz.EveryoneSubject, "view")),
				collOp("cb", "wb", "zed", cACL(authz.EveryoneSubject, "view")),
			},
			run: func(t *testing.T, e *authz.Engine) {
				expectList(t, e, "alice", authz.CanView, authz.Record, []string{"r1"})
				expectList(t, e, "zed", authz.CanView, authz.Record, []string{"rb"})
				expectList(t, e, "alice", authz.CanView, authz.Collection, nil)
				expectList(t, e, "yan", authz.CanView, authz.Collection, []string{"cb"})
			},
		},
		{
			name: "a grant naming a user of another account is rejected",
			run: func(t *testing.T, e *authz.Engine) {
				if err := e.Apply(2, wsOp("w1", grant(u("zed"), authz.Viewer))); err == nil {
					t.Errorf("Apply accepted a workspace grant to a user of another account")
				}
			},
		},

		// Listings.
		{
			name: "listing pages of every size add up to the total with no repeats",
			ops: []authz.Op{
				wsOp("w1", grant(u("alice"), authz.Viewer)),
				recOp("r5", "w1"), recOp("r6", "w1"), recOp("r7", "w1"), recOp("r8", "w1"),
				recOp("r9", "w4"), recOp("r10", "w4", rACL(u("alice"), "view")),
				recOp("r2", "w2", rACL(authz.EveryoneSubject, "view")),
			},
			run: func(t *testing.T, e *authz.Engine) {
				want := []string{"r1", "r10", "r2", "r5", "r6", "r7", "r8"}
				for limit := 1; limit <= len(want)+1; limit++ {
					var got []string
					cursor := ""
					for pages := 0; ; pages++ {
						if pages > len(want)+1 {
							t.Fatalf("limit %d: cursors never end", limit)
						}
						p, err := e.List("alice", authz.CanView, authz.Record, authz.ListOptions{Limit: limit, Cursor: cursor})
						if err != nil {
							t.Fatal(err)
						}
						if p.Total != len(want) {
							t.Errorf("limit %d: total %d, want %d", limit, p.Total, len(want))
						}
						if len(p.IDs) > limit || len(p.IDs) == 0 {
							t.Errorf("limit %d: page of %d", limit, len(p.IDs))
						}
						got = append(got, p.IDs...)
						if p.NextCursor == "" {
							break
						}
						cursor = p.NextCursor
					}
					if len(got) != len(want) {
						t.Errorf("limit %d: pages hold %d ids %v, want %d", limit, len(got), got, len(want))
					}
					slices.Sort(got)
					if d := cmp.Diff(want, got); d != "" {
						t.Errorf("limit %d: ids (-want +got):\n%s", limit, d)
					}
				}
			},
		},
		{
			name: "a cursor the engine did not produce is rejected with ErrBadCursor",
			run: func(t *testing.T, e *authz.Engine) {
				for _, c := range []string{"not a cursor", "-1", "zzzzzzzzzzzzz", "1.5"} {
					if _, err := e.List("alice", authz.CanView, authz.Record, authz.ListOptions{Limit: 5, Cursor: c}); !errors.Is(err, authz.ErrBadCursor) {
						t.Errorf("cursor %q: err %v, want ErrBadCursor", c, err)
					}
				}
			},
		},
		{
			name: "a listing for a permission the type does not define is an error",
			run: func(t *testing.T, e *authz.Engine) {
				if _, err := e.List("alice", authz.CanManage, authz.Collection, authz.ListOptions{Limit: 5}); !errors.Is(err, authz.ErrUnsupported) {
					t.Errorf("can_manage on collections: err %v, want ErrUnsupported", err)
				}
				if _, err := e.List("alice", authz.CanView, authz.Record, authz.ListOptions{Limit: 0}); err == nil {
					t.Errorf("limit 0 accepted")
				}
			},
		},
		{
			name: "a media listing keeps only media whose record the user can view",
			ops: []authz.Op{
				recOp("r2", "w2", rACL(u("alice"), "view")),
				mediaOp("m2", "r2", mACL(u("alice"), "download")),
				mediaOp("m3", "r3", mACL(u("alice"), "edit")),
				wsOp("w1", grant(u("alice"), authz.Viewer)),
			},
			run: func(t *testing.T, e *authz.Engine) {
				expectList(t, e, "alice", authz.CanView, authz.Media, []string{"m1", "m1b", "m2"})
				expectList(t, e, "alice", authz.CanDownload, authz.Media, []string{"m2"})
				expectList(t, e, "alice", authz.CanEdit, authz.Media, nil)
				expectList(t, e, "alice", authz.CanPreview, authz.Media, []string{"m1", "m1b", "m2"})
			},
		},
		{
			name: "a collection listing includes the collections a user created",
			ops:  []authz.Op{collOp("c4", "w4", "carol")},
			run: func(t *testing.T, e *authz.Engine) {
				expectList(t, e, "carol", authz.CanView, authz.Collection, []string{"c1", "c4"})
				expectList(t, e, "carol", authz.CanDelete, authz.Collection, []string{"c1", "c4"})
				expectList(t, e, "dave", authz.CanEdit, authz.Collection, []string{"c2"})
			},
		},

		// Explain.
		{
			name: "Explain of a direct workspace grant names workspace_member",
			ops:  []authz.Op{wsOp("w1", grant(u("alice"), authz.Editor))},
			run: func(t *testing.T, e *authz.Engine) {
				expectPath(t, e, "alice", authz.CanEdit, R("r1"), authz.Path{Via: "workspace_member", Steps: []authz.Step{
					{Subject: "user:alice", Relation: "editor", Object: "workspace:w1"},
					{Subject: "workspace:w1", Relation: "workspace", Object: "record:r1"},
				}})
			},
		},
		{
			name: "Explain of a tier grant through a group names tier_grant and the membership",
			ops:  []authz.Op{group("g1", 0, u("alice")), tierOp("t1", grant(g("g1"), authz.Viewer))},
			run: func(t *testing.T, e *authz.Engine) {
				expectPath(t, e, "alice", authz.CanView, R("r3"), authz.Path{Via: "tier_grant", Steps: []authz.Step{
					{Subject: "user:alice", Relation: "member", Object: "group:g1"},
					{Subject: "group:g1", Relation: "viewer", Object: "tier:t1"},
					{Subject: "tier:t1", Relation: "tier", Object: "workspace:w3"},
					{Subject: "workspace:w3", Relation: "workspace", Object: "record:r3"},
				}})
			},
		},
		{
			name: "Explain of an account role names account_role",
			ops:  []authz.Op{user("alice", true, authz.RoleAdmin)},
			run: func(t *testing.T, e *authz.Engine) {
				expectPath(t, e, "alice", authz.CanManage, R("r4"), authz.Path{Via: "account_role", Steps: []authz.Step{
					{Subject: "user:alice", Relation: "admin", Object: "account:a1"},
					{Subject: "account:a1", Relation: "account", Object: "workspace:w4"},
					{Subject: "workspace:w4", Relation: "workspace", Object: "record:r4"},
				}})
			},
		},
		{
			name: "Explain of an ACL entry for a nested group names acl and the membership chain",
			ops: []authz.Op{
				group("g1", 0, g("g2")), group("g2", 0, u("alice")),
				recOp("r1", "w1", rACL(g("g1"), "view")),
			},
			run: func(t *testing.T, e *authz.Engine) {
				expectPath(t, e, "alice", authz.CanView, R("r1"), authz.Path{Via: "acl", Steps: []authz.Step{
					{Subject: "user:alice", Relation: "member", Object: "group:g2"},
					{Subject: "group:g2", Relation: "member", Object: "group:g1"},
					{Subject: "group:g1", Relation: "acl_view", Object: "record:r1"},
				}})
			},
		},
		{
			name: "Explain of an everyone entry names acl through everyone",
			ops:  []authz.Op{recOp("r1", "w1", rACL(authz.EveryoneSubject, "edit"))},
			run: func(t *testing.T, e *authz.Engine) {
				expectPath(t, e, "bob", authz.CanView, R("r1"), authz.Path{Via: "acl", Steps: []authz.Step{
					{Subject: "user:bob", Relation: "member", Object: "everyone"},
					{Subject: "everyone", Relation: "acl_edit", Object: "record:r1"},
				}})
			},
		},
		{
			name: "Explain of a creator names creator",
			run: func(t *testing.T, e *authz.Engine) {
				expectPath(t, e, "carol", authz.CanDelete, C("c1"), authz.Path{Via: "creator", Steps: []authz.Step{
					{Subject: "user:carol", Relation: "creator", Object: "collection:c1"},
				}})
			},
		},
		{
			name: "Explain gives subject_inactive for an inactive user even with a grant",
			ops:  []authz.Op{wsOp("w1", grant(u("banned"), authz.Owner))},
			run: func(t *testing.T, e *authz.Engine) {
				expectDenied(t, e, "banned", authz.CanView, R("r1"), authz.DeniedInactive)
				expectDenied(t, e, "deact", authz.CanView, R("r1"), authz.DeniedInactive)
			},
		},
		{
			name: "Explain gives object_not_found for another account's object and for a missing one",
			ops:  []authz.Op{recOp("rb", "wb", rACL(authz.EveryoneSubject, "view"))},
			run: func(t *testing.T, e *authz.Engine) {
				expectDenied(t, e, "alice", authz.CanView, R("rb"), authz.DeniedNotFound)
				expectDenied(t, e, "alice", authz.CanView, M("mb"), authz.DeniedNotFound)
				expectDenied(t, e, "alice", authz.CanView, R("nope"), authz.DeniedNotFound)
			},
		},
		{
			name: "Explain gives no_grant when nothing grants the permission",
			ops:  []authz.Op{wsOp("w1", grant(u("alice"), authz.Viewer))},
			run: func(t *testing.T, e *authz.Engine) {
				expectDenied(t, e, "alice", authz.CanEdit, R("r1"), authz.DeniedNoGrant)
				expectDenied(t, e, "bob", authz.CanView, R("r1"), authz.DeniedNoGrant)
			},
		},
		{
			name: "Explain gives record_not_viewable for a media grant on a record the user cannot view",
			ops:  []authz.Op{mediaOp("m1", "r1", mACL(u("alice"), "download"))},
			run: func(t *testing.T, e *authz.Engine) {
				ex := expectDenied(t, e, "alice", authz.CanDownload, M("m1"), authz.DeniedRecord)
				if len(ex.Paths) == 0 || ex.Paths[0].Via != "acl" {
					t.Errorf("media grant path missing: %+v", ex.Paths)
				}
				if ex.Record == nil || ex.Record.Allowed || ex.Record.Reason != authz.DeniedNoGrant {
					t.Errorf("record explanation %+v, want a no_grant denial", ex.Record)
				}
			},
		},

		// Who.
		{
			name: "Who lists exactly the active users allowed",
			ops: []authz.Op{
				user("olga", true, authz.RoleOwner), user("pending", false, authz.RoleAdmin),
				group("g1", 0, u("alice"), u("banned"), g("g2")), group("g2", 0, u("bob"), u("deact")),
				wsOp("w1", grant(g("g1"), authz.Viewer)),
				mediaOp("m1", "r1", mACL(u("carol"), "download"), mACL(u("alice"), "download")),
				authz.PutWorkspace{ID: "wb", Account: "a2", Tier: "tb", Members: []authz.RoleGrant{grant(u("zed"), authz.Viewer)}},
			},
			run: func(t *testing.T, e *authz.Engine) {
				expectWho(t, e, authz.CanView, R("r1"), "alice", "bob", "olga")
				expectWho(t, e, authz.CanEdit, R("r1"), "olga")
				expectWho(t, e, authz.CanDelete, C("c1"), "carol", "olga")
				expectWho(t, e, authz.CanDownload, M("m1"), "alice", "olga")
				expectWho(t, e, authz.CanView, R("rb"), "zed")
				expectWho(t, e, authz.CanView, R("missing"))
			},
		},

		// Later changes.
		{
			name: "removing a member from a group takes the group's grant away from them only",
			ops:  []authz.Op{group("g1", 0, u("alice"), u("bob")), wsOp("w1", grant(g("g1"), authz.Contributor))},
			want: all(asRole("alice", authz.Contributor, R("r1")), asRole("bob", authz.Contributor, R("r1"))),
			then: []step{{
				ops:  []authz.Op{group("g1", 0, u("bob"))},
				want: all(none("alice", R("r1"), M("m1"), C("c1")), asRole("bob", authz.Contributor, R("r1"), M("m1"))),
			}},
		},
		{
			name: "adding a user to a group later gives them the group's grants and account roles",
			ops:  []authz.Op{group("g1", roles(authz.RoleLibraryViewer), u("bob")), wsOp("w1", grant(g("g1"), authz.Editor))},
			want: none("alice", R("r1"), R("r2")),
			then: []step{{
				ops:  []authz.Op{group("g1", roles(authz.RoleLibraryViewer), u("bob"), u("alice"))},
				want: all(asRole("alice", authz.Editor, R("r1"), M("m1"), C("c1")), asRole("alice", authz.Viewer, R("r2"))),
			}},
		},
		{
			name: "nesting a group inside another later gives the inner members the outer group's grants",
			ops: []authz.Op{
				group("g1", 0), group("g2", 0, g("g3")), group("g3", 0, u("alice")),
				recOp("r1", "w1", rACL(g("g1"), "edit")),
			},
			want: none("alice", R("r1")),
			then: []step{{
				ops:  []authz.Op{group("g1", 0, g("g2"))},
				want: only("alice", R("r1"), authz.CanView, authz.CanEdit),
			}},
		},
		{
			name: "emptying the middle group of a nesting chain cuts off the inner members",
			ops: []authz.Op{
				group("g1", 0, g("g2")), group("g2", 0, g("g3")), group("g3", 0, u("alice")),
				recOp("r1", "w1", rACL(g("g1"), "edit")),
			},
			want: only("alice", R("r1"), authz.CanView, authz.CanEdit),
			then: []step{{
				ops:  []authz.Op{group("g2", 0)},
				want: none("alice", R("r1")),
			}},
		},
		{
			name: "deleting a group removes its grants, ACL entries, account roles and memberships from its members",
			ops: []authz.Op{
				group("g1", 0, g("g2")), group("g2", roles(authz.RoleLibraryViewer), u("alice")),
				wsOp("w2", grant(g("g2"), authz.Owner)), tierOp("t2", grant(g("g2"), authz.Editor)),
				recOp("r1", "w1", rACL(g("g2"), "edit")), collOp("c1", "w1", "carol", cACL(g("g2"), "edit")),
				wsOp("w3", grant(g("g1"), authz.Contributor)),
			},
			want: all(asRole("alice", authz.Owner, R("r2")), asRole("alice", authz.Contributor, R("r3")),
				asRole("alice", authz.Editor, R("r4"))),
			then: []step{{
				ops:  []authz.Op{authz.DeleteGroup{ID: "g2"}},
				want: none("alice", a1Objects...),
				run: func(t *testing.T, e *authz.Engine) {
					if r := e.EffectiveRoles("alice"); r != 0 {
						t.Errorf("alice keeps roles %v", r.Names())
					}
				},
			}},
		},
		{
			name: "a group deleted and re-created with the same id starts without the old grants",
			ops:  []authz.Op{group("g1", 0, u("alice")), wsOp("w1", grant(g("g1"), authz.Editor))},
			want: asRole("alice", authz.Editor, R("r1")),
			then: []step{
				{ops: []authz.Op{authz.DeleteGroup{ID: "g1"}}, want: none("alice", R("r1"))},
				{ops: []authz.Op{group("g1", 0, u("alice"), u("bob"))}, want: all(none("alice", R("r1")), none("bob", R("r1")))},
			},
		},
		{
			name: "deleting a record with two media deletes both and leaves other records' media alone",
			ops: []authz.Op{
				mediaOp("m2b", "r2"),
				wsOp("w1", grant(u("alice"), authz.Viewer)), wsOp("w2", grant(u("alice"), authz.Viewer)),
			},
			want: asRole("alice", authz.Viewer, M("m1"), M("m1b"), M("m2"), M("m2b")),
			then: []step{{
				ops: []authz.Op{authz.DeleteObject{Ref: R("r2")}},
				want: all(none("alice", R("r2"), M("m2"), M("m2b")), asRole("alice", authz.Viewer, R("r1"), M("m1"), M("m1b")),
					none("erin", M("m2"), M("m2b"))),
				run: func(t *testing.T, e *authz.Engine) {
					expectList(t, e, "alice", authz.CanView, authz.Media, []string{"m1", "m1b"})
					expectList(t, e, "alice", authz.CanView, authz.Record, []string{"r1"})
					expectWho(t, e, authz.CanView, M("m2b"))
					expectWho(t, e, authz.CanView, M("m1"), "alice")
				},
			}},
		},
		{
			name: "deleting a media object or a collection leaves its record and siblings alone",
			ops:  []authz.Op{wsOp("w1", grant(u("alice"), authz.Editor))},
			then: []step{{
				ops:  []authz.Op{authz.DeleteObject{Ref: M("m1")}, authz.DeleteObject{Ref: C("c1")}},
				want: all(none("alice", M("m1"), C("c1")), none("carol", C("c1")), asRole("alice", authz.Editor, R("r1"), M("m1b"))),
				run: func(t *testing.T, e *authz.Engine) {
					expectList(t, e, "alice", authz.CanView, authz.Media, []string{"m1b"})
					expectList(t, e, "carol", authz.CanView, authz.Collection, nil)
				},
			}},
		},
		{
			name: "moving a workspace out of a tier drops the tier's grants on it, and into another picks that tier's up",
			ops:  []authz.Op{tierOp("t1", grant(u("alice"), authz.Editor)), tierOp("t2", grant(u("alice"), authz.Viewer))},
			want: all(asRole("alice", authz.Editor, R("r2"), R("r3")), asRole("alice", authz.Viewer, R("r4"))),
			then: []step{
				{
					ops:  []authz.Op{authz.PutWorkspace{ID: "w2", Account: "a1"}},
					want: all(none("alice", R("r2"), M("m2"), C("c2"), W("w2")), asRole("alice", authz.Editor, R("r3"))),
				},
				{
					ops:  []authz.Op{authz.PutWorkspace{ID: "w2", Account: "a1", Tier: "t2"}},
					want: all(asRole("alice", authz.Viewer, R("r2"), M("m2"), C("c2")), asRole("alice", authz.Editor, R("r3"))),
				},
				{
					ops:  []authz.Op{authz.PutWorkspace{ID: "w3", Account: "a1", Tier: "t2"}, authz.DeleteTier{ID: "t1"}},
					want: asRole("alice", authz.Viewer, R("r2"), R("r3"), R("r4")),
				},
			},
		},
		{
			name: "deactivating a user takes everything away and reactivating gives it back",
			ops: []authz.Op{
				user("alice", true, authz.RoleLibraryViewer), group("g1", 0, u("alice")),
				wsOp("w2", grant(g("g1"), authz.Editor)), collOp("c4", "w4", "alice"),
			},
			want: all(asRole("alice", authz.Editor, R("r2")), asRole("alice", authz.Viewer, R("r1")), only("alice", C("c4"), authz.CanView, authz.CanEdit, authz.CanDelete)),
			then: []step{
				{
					ops:  []authz.Op{user("alice", false, authz.RoleLibraryViewer)},
					want: none("alice", a1Objects...),
					run: func(t *testing.T, e *authz.Engine) {
						expectList(t, e, "alice", authz.CanView, authz.Record, nil)
					},
				},
				{
					ops:  []authz.Op{user("alice", true, authz.RoleLibraryViewer)},
					want: all(asRole("alice", authz.Editor, R("r2")), asRole("alice", authz.Viewer, R("r1")), only("alice", C("c4"), authz.CanView, authz.CanEdit, authz.CanDelete)),
				},
			},
		},
		{
			name: "banning one member of a group leaves the other members' access intact",
			ops:  []authz.Op{group("g1", 0, u("alice"), u("bob")), wsOp("w1", grant(g("g1"), authz.Viewer))},
			then: []step{{
				ops:  []authz.Op{user("bob", false)},
				want: all(asRole("alice", authz.Viewer, R("r1")), none("bob", R("r1"))),
			}},
		},
		{
			name: "changing a user's and a group's account roles takes effect",
			ops: []authz.Op{
				user("alice", true, authz.RoleAdmin),
				group("g1", roles(authz.RoleDeveloper), g("g2")), group("g2", 0, u("bob")),
			},
			want: all(asRole("alice", authz.Owner, R("r1")), asRole("bob", authz.Editor, R("r1"))),
			then: []step{{
				ops:  []authz.Op{user("alice", true, authz.RoleFinance), group("g1", roles(authz.RoleLibraryViewer), g("g2"))},
				want: all(none("alice", R("r1"), R("r4")), asRole("bob", authz.Viewer, R("r1"), R("r4"))),
			}},
		},
		{
			name: "replacing an ACL drops the old entries",
			ops: []authz.Op{
				recOp("r1", "w1", rACL(u("alice"), "edit")), mediaOp("m1", "r1", mACL(u("alice"), "edit")),
				collOp("c1", "w1", "carol", cACL(u("alice"), "edit")),
			},
			want: all(only("alice", M("m1"), authz.CanPreview, authz.CanView, authz.CanDownload, authz.CanEdit)),
			then: []step{{
				ops: []authz.Op{
					recOp("r1", "w1", rACL(u("bob"), "view")), mediaOp("m1", "r1", mACL(u("bob"), "preview")),
					collOp("c1", "w1", "bob"),
				},
				want: all(none("alice", R("r1"), M("m1"), C("c1")), only("bob", M("m1"), authz.CanPreview),
					only("bob", C("c1"), authz.CanView, authz.CanEdit, authz.CanDelete), none("carol", C("c1"))),
			}},
		},
		{
			name: "a record moved to another workspace takes its media along, and media deleted afterwards leave no trace",
			ops:  []authz.Op{wsOp("w2", grant(u("alice"), authz.Viewer))},
			want: none("alice", R("r1"), M("m1"), M("m1b")),
			then: []step{
				{
					ops:  []authz.Op{recOp("r1", "w2")},
					want: asRole("alice", authz.Viewer, R("r1"), M("m1"), M("m1b")),
					run: func(t *testing.T, e *authz.Engine) {
						expectList(t, e, "alice", authz.CanView, authz.Media, []string{"m1", "m1b", "m2"})
					},
				},
				{
					ops:  []authz.Op{authz.DeleteObject{Ref: M("m1")}},
					want: all(none("alice", M("m1")), asRole("alice", authz.Viewer, M("m1b"))),
					run: func(t *testing.T, e *authz.Engine) {
						expectList(t, e, "alice", authz.CanView, authz.Media, []string{"m1b", "m2"})
					},
				},
			},
		},
		{
			name: "an emptied workspace can be deleted and then grants nothing",
			ops:  []authz.Op{wsOp("w4", grant(u("alice"), authz.Owner))},
			then: []step{{
				ops: []authz.Op{
					authz.DeleteObject{Ref: R("r4")}, authz.DeleteObject{Ref: C("c4")}, authz.DeleteWorkspace{ID: "w4"},
				},
				want: none("alice", W("w4"), R("r4"), M("m4")),
			}},
		},
		{
			name: "a deleted pending user re-created with the same id inherits none of the old grants",
			ops: []authz.Op{
				group("g1", 0, u("pending")), wsOp("w1", grant(u("pending"), authz.Owner)),
				recOp("r2", "w2", rACL(u("pending"), "edit")), collOp("c4", "w4", "pending"),
			},
			then: []step{
				{ops: []authz.Op{authz.DeleteUser{ID: "pending"}}, want: none("pending", a1Objects...)},
				{
					ops:  []authz.Op{user("pending", true), wsOp("w2", grant(g("g1"), authz.Viewer))},
					want: none("pending", a1Objects...),
				},
			},
		},
	}...)
	return cases
}

// guard runs f, turning an engine panic into a test failure.
func guard(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: engine panicked: %v", what, r)
		}
	}()
	f()
}

func verify(t *testing.T, e *authz.Engine, want []expect) {
	t.Helper()
	for _, x := range want {
		q := fmt.Sprintf("check %s %s %s", x.user, x.perm, x.obj)
		guard(t, q, func() {
			got := e.Check(x.user, x.perm, x.obj)
			ex := e.Explain(x.user, x.perm, x.obj)
			if got != x.want {
				t.Errorf("%s = %v, want %v\nexplain: %+v", q, got, x.want, ex)
			} else if ex.Allowed != got {
				t.Errorf("%s: Explain says %v, Check says %v\nexplain: %+v", q, ex.Allowed, got, ex)
			}
		})
	}
}

// expectList lists everything (following cursors, page size 2) and
// compares with want as a set.
func expectList(t *testing.T, e *authz.Engine, user string, p authz.Permission, typ authz.ObjectType, want []string) {
	t.Helper()
	guard(t, fmt.Sprintf("list %s %s %s", user, p, typ), func() {
		got := []string{}
		cursor := ""
		for i := 0; ; i++ {
			page, err := e.List(user, p, typ, authz.ListOptions{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Errorf("list %s %s %s: %v", user, p, typ, err)
				return
			}
			got = append(got, page.IDs...)
			if page.NextCursor == "" || i > 1000 {
				if page.Total != len(got) {
					t.Errorf("list %s %s %s: total %d, pages hold %d", user, p, typ, page.Total, len(got))
				}
				break
			}
			cursor = page.NextCursor
		}
		slices.Sort(got)
		if want == nil {
			want = []string{}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("list %s %s %s (-want +got):\n%s", user, p, typ, d)
		}
	})
}

func expectWho(t *testing.T, e *authz.Engine, p authz.Permission, obj authz.ObjectRef, want ...string) {
	t.Helper()
	guard(t, fmt.Sprintf("who %s %s", p, obj), func() {
		if want == nil {
			want = []string{}
		}
		if d := cmp.Diff(want, e.Who(p, obj)); d != "" {
			t.Errorf("who %s %s (-want +got):\n%s", p, obj, d)
		}
	})
}

func expectPath(t *testing.T, e *authz.Engine, user string, p authz.Permission, obj authz.ObjectRef, want authz.Path) {
	t.Helper()
	guard(t, fmt.Sprintf("explain %s %s %s", user, p, obj), func() {
		ex := e.Explain(user, p, obj)
		if !ex.Allowed || ex.Reason != "" {
			t.Errorf("explain %s %s %s: not allowed: %+v", user, p, obj, ex)
			return
		}
		for _, path := range ex.Paths {
			if cmp.Equal(path, want) {
				return
			}
		}
		var b strings.Builder
		for _, path := range ex.Paths {
			fmt.Fprintf(&b, "\n  %+v", path)
		}
		t.Errorf("explain %s %s %s: no path\n  %+v\namong%s", user, p, obj, want, b.String())
	})
}

func expectDenied(t *testing.T, e *authz.Engine, user string, p authz.Permission, obj authz.ObjectRef, reason string) authz.Explanation {
	t.Helper()
	var ex authz.Explanation
	guard(t, fmt.Sprintf("explain %s %s %s", user, p, obj), func() {
		ex = e.Explain(user, p, obj)
		if ex.Allowed || ex.Reason != reason {
			t.Errorf("explain %s %s %s: allowed %v reason %q, want denied with %q\n%+v", user, p, obj, ex.Allowed, ex.Reason, reason, ex)
		}
	})
	return ex
}

func TestConformance(t *testing.T) {
	names := map[string]bool{}
	for _, c := range conformanceCases() {
		if names[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		names[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			e := authz.New()
			if err := e.Apply(1, append(base(), c.ops...)...); err != nil {
				t.Fatalf("fixture: %v", err)
			}
			verify(t, e, c.want)
			if c.run != nil {
				guard(t, "assertions", func() { c.run(t, e) })
			}
			for i, s := range c.then {
				if err := e.Apply(uint64(i+2), s.ops...); err != nil {
					t.Fatalf("step %d: %v", i+1, err)
				}
				verify(t, e, s.want)
				if s.run != nil {
					guard(t, fmt.Sprintf("step %d assertions", i+1), func() { s.run(t, e) })
				}
			}
		})
	}
}
