package authz_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"atrium/internal/authz"
)

// Custom roles: account permissions held through roles an account defines,
// by users directly and by groups for their members. Each case applies its
// transactions one by one and then compares every user's effective account
// permissions with the expected ones; the randomized comparison with the
// oracle is in differential_test.go.

func perms(ps ...authz.AccountPermission) authz.Permissions { return authz.PermissionsOf(ps...) }

type roleStep struct {
	ops []authz.Op
	// want: each user's effective account permissions after the step;
	// users not named hold none.
	want map[string]authz.Permissions
}

func TestCustomRoles(t *testing.T) {
	base := []authz.Op{
		authz.PutAccount{ID: "a1"}, authz.PutAccount{ID: "a2"},
		authz.PutUser{ID: "alice", Account: "a1", Active: true},
		authz.PutUser{ID: "bob", Account: "a1", Active: true},
		authz.PutUser{ID: "yan", Account: "a2", Active: true},
	}
	auditors := authz.PutRole{ID: "auditors", Account: "a1", Permissions: perms(authz.ViewAudit, authz.ReviewAccess)}
	cases := []struct {
		name  string
		steps []roleStep
	}{
		{"a user holding a custom role holds exactly its permissions", []roleStep{{
			ops:  []authz.Op{auditors, authz.PutUser{ID: "alice", Account: "a1", Active: true, CustomRoles: []string{"auditors"}}},
			want: map[string]authz.Permissions{"alice": perms(authz.ViewAudit, authz.ReviewAccess)},
		}}},
		{"custom roles add to the bundles of built-in roles", []roleStep{{
			ops: []authz.Op{
				authz.PutRole{ID: "pay", Account: "a1", Permissions: perms(authz.Billing)},
				authz.PutUser{ID: "alice", Account: "a1", Active: true, Roles: authz.Roles(0).With(authz.RoleDeveloper), CustomRoles: []string{"pay"}},
			},
			want: map[string]authz.Permissions{"alice": perms(authz.ManageSettings, authz.ManageAPITokens, authz.Import, authz.Billing)},
		}}},
		{"a group's custom role passes to the members of groups nested in it", []roleStep{{
			ops: []authz.Op{
				auditors,
				authz.PutGroup{ID: "outer", Account: "a1", Members: []authz.Subject{g("inner")}, CustomRoles: []string{"auditors"}},
				authz.PutGroup{ID: "inner", Account: "a1", Members: []authz.Subject{u("bob")}},
			},
			want: map[string]authz.Permissions{"bob": perms(authz.ViewAudit, authz.ReviewAccess)},
		}, {
			ops:  []authz.Op{authz.PutGroup{ID: "inner", Account: "a1"}},
			want: nil,
		}}},
		{"manage_owners named in a custom role is never given", []roleStep{{
			ops: []authz.Op{
				authz.PutRole{ID: "crown", Account: "a1", Permissions: perms(authz.ManageOwners, authz.ManageUsers)},
				authz.PutUser{ID: "alice", Account: "a1", Active: true, CustomRoles: []string{"crown"}},
				authz.PutGroup{ID: "g1", Account: "a1", Members: []authz.Subject{u("bob")}, CustomRoles: []string{"crown"}},
			},
			want: map[string]authz.Permissions{"alice": perms(authz.ManageUsers), "bob": perms(authz.ManageUsers)},
		}}},
		{"a role named by a holder before it is put gives nothing until it is put", []roleStep{{
			ops:  []authz.Op{authz.PutUser{ID: "alice", Account: "a1", Active: true, CustomRoles: []string{"auditors"}}},
			want: nil,
		}, {
			ops:  []authz.Op{auditors},
			want: map[string]authz.Permissions{"alice": perms(authz.ViewAudit, authz.ReviewAccess)},
		}}},
		{"changing a role's permissions changes every holder's, direct and through groups, at once", []roleStep{{
			ops: []authz.Op{
				auditors,
				authz.PutUser{ID: "alice", Account: "a1", Active: true, CustomRoles: []string{"auditors"}},
				authz.PutGroup{ID: "g1", Account: "a1", Members: []authz.Subject{u("bob")}, CustomRoles: []string{"auditors"}},
			},
			want: map[string]authz.Permissions{"alice": perms(authz.ViewAudit, authz.ReviewAccess), "bob": perms(authz.ViewAudit, authz.ReviewAccess)},
		}, {
			ops:  []authz.Op{authz.PutRole{ID: "auditors", Account: "a1", Permissions: perms(authz.ManageGroups)}},
			want: map[string]authz.Permissions{"alice": perms(authz.ManageGroups), "bob": perms(authz.ManageGroups)},
		}}},
		{"deleting a role takes its permissions from every holder", []roleStep{{
			ops: []authz.Op{
				auditors,
				authz.PutUser{ID: "alice", Account: "a1", Active: true, CustomRoles: []string{"auditors"}},
				authz.PutGroup{ID: "g1", Account: "a1", Members: []authz.Subject{u("bob")}, CustomRoles: []string{"auditors"}},
			},
			want: map[string]authz.Permissions{"alice": perms(authz.ViewAudit, authz.ReviewAccess), "bob": perms(authz.ViewAudit, authz.ReviewAccess)},
		}, {
			ops:  []authz.Op{authz.DeleteRole{ID: "auditors"}},
			want: nil,
		}, {
			// Put again under the same id, it is held by nobody.
			ops:  []authz.Op{auditors},
			want: nil,
		}}},
		{"leaving a group, or the group's deletion, takes its custom roles away", []roleStep{{
			ops: []authz.Op{
				auditors,
				authz.PutGroup{ID: "g1", Account: "a1", Members: []authz.Subject{u("alice"), u("bob")}, CustomRoles: []string{"auditors"}},
			},
			want: map[string]authz.Permissions{"alice": perms(authz.ViewAudit, authz.ReviewAccess), "bob": perms(authz.ViewAudit, authz.ReviewAccess)},
		}, {
			ops:  []authz.Op{authz.PutGroup{ID: "g1", Account: "a1", Members: []authz.Subject{u("bob")}, CustomRoles: []string{"auditors"}}},
			want: map[string]authz.Permissions{"bob": perms(authz.ViewAudit, authz.ReviewAccess)},
		}, {
			ops:  []authz.Op{authz.DeleteGroup{ID: "g1"}},
			want: nil,
		}}},
		{"an inactive holder holds nothing, and holds it again when reactivated", []roleStep{{
			ops:  []authz.Op{auditors, authz.PutUser{ID: "alice", Account: "a1", Active: false, CustomRoles: []string{"auditors"}}},
			want: nil,
		}, {
			ops:  []authz.Op{authz.PutUser{ID: "alice", Account: "a1", Active: true, CustomRoles: []string{"auditors"}}},
			want: map[string]authz.Permissions{"alice": perms(authz.ViewAudit, authz.ReviewAccess)},
		}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := authz.New()
			for i, st := range c.steps {
				ops := st.ops
				if i == 0 {
					ops = append(append([]authz.Op{}, base...), ops...)
				}
				if err := e.Apply(uint64(i+1), ops...); err != nil {
					t.Fatalf("step %d: %v", i+1, err)
				}
				for _, user := range []string{"alice", "bob", "yan"} {
					want := st.want[user]
					if got := e.EffectivePermissions(user); got != want {
						t.Errorf("step %d: %s holds %v, want %v", i+1, user, got.Names(), want.Names())
					}
					for _, p := range authz.AllAccountPermissions() {
						if got := e.CanAccount(user, "a1", p); got != (want.Has(p) && user != "yan") {
							t.Errorf("step %d: CanAccount(%s, a1, %s) = %v", i+1, user, p, got)
						}
					}
				}
			}
		})
	}
}

func TestCustomRolesGiveNoContentAccess(t *testing.T) {
	e := authz.New()
	all := authz.Permissions(0)
	for _, p := range authz.AllAccountPermissions() {
		all = all.With(p)
	}
	err := e.Apply(1,
		authz.PutAccount{ID: "a1"},
		authz.PutRole{ID: "everything", Account: "a1", Permissions: all},
		authz.PutUser{ID: "alice", Account: "a1", Active: true, CustomRoles: []string{"everything"}},
		authz.PutWorkspace{ID: "w1", Account: "a1"},
		authz.PutRecord{ID: "r1", Workspace: "w1"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if e.Check("alice", authz.CanView, R("r1")) || e.WorkspaceRole("alice", "w1") != authz.NoRole {
		t.Errorf("a custom role gave content access: can_view %v, workspace role %v", e.Check("alice", authz.CanView, R("r1")), e.WorkspaceRole("alice", "w1"))
	}
	if !e.CanAccount("alice", "a1", authz.ManageUsers) || e.CanAccount("alice", "a1", authz.ManageOwners) {
		t.Errorf("alice holds %v", e.EffectivePermissions("alice").Names())
	}
	if d := cmp.Diff([]string{"everything"}, e.EffectiveCustomRoles("alice")); d != "" {
		t.Errorf("custom roles (-want +got):\n%s", d)
	}
}

func TestCustomRolesStayInTheirAccount(t *testing.T) {
	base := []authz.Op{
		authz.PutAccount{ID: "a1"}, authz.PutAccount{ID: "a2"},
		authz.PutRole{ID: "r1", Account: "a1", Permissions: perms(authz.ManageUsers)},
		authz.PutUser{ID: "yan", Account: "a2", Active: true},
	}
	cases := []struct {
		name, wantErr string
		op            authz.Op
	}{
		{"a user of another account cannot hold the role", "belongs to account a1",
			authz.PutUser{ID: "yan", Account: "a2", Active: true, CustomRoles: []string{"r1"}}},
		{"a group of another account cannot hold the role", "belongs to account a1",
			authz.PutGroup{ID: "g2", Account: "a2", CustomRoles: []string{"r1"}}},
		{"the role cannot move to another account", "cannot move",
			authz.PutRole{ID: "r1", Account: "a2", Permissions: perms(authz.ManageUsers)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := authz.New()
			if err := e.Apply(1, base...); err != nil {
				t.Fatal(err)
			}
			err := e.Apply(2, c.op)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("Apply = %v, want an error saying %q", err, c.wantErr)
			}
		})
	}
	t.Run("a role put for an account whose holders named it from another is refused", func(t *testing.T) {
		e := authz.New()
		err := e.Apply(1, authz.PutAccount{ID: "a1"}, authz.PutAccount{ID: "a2"},
			authz.PutUser{ID: "yan", Account: "a2", Active: true, CustomRoles: []string{"r9"}},
			authz.PutRole{ID: "r9", Account: "a1", Permissions: perms(authz.ManageUsers)})
		if err == nil || !strings.Contains(err.Error(), "is held by") {
			t.Fatalf("Apply = %v, want a refusal", err)
		}
	})
}

func TestPermissionCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range authz.AllAccountPermissions() {
		if seen[p.String()] || p.Description() == "" || strings.HasPrefix(p.String(), "AccountPermission(") {
			t.Errorf("permission %d: name %q, description %q", p, p.String(), p.Description())
		}
		seen[p.String()] = true
		if q, err := authz.ParseAccountPermission(p.String()); err != nil || q != p {
			t.Errorf("ParseAccountPermission(%q) = %v, %v", p, q, err)
		}
	}
	if _, err := authz.ParseAccountPermission("webhooks"); err == nil {
		t.Errorf("a permission nothing defines parsed")
	}
	if authz.CustomRoleMask.Has(authz.ManageOwners) {
		t.Errorf("custom roles may carry manage_owners")
	}
	for _, br := range authz.BuiltinRoles() {
		r, err := authz.ParseRoles([]string{br.Name})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(authz.AccountPermissionsOf(r), br.Permissions); d != "" {
			t.Errorf("%s: catalogue permissions differ from the bundle (-bundle +catalogue):\n%s", br.Name, d)
		}
		if !authz.IsBuiltinRoleName(strings.ToUpper(br.Name)) {
			t.Errorf("IsBuiltinRoleName(%q) = false", strings.ToUpper(br.Name))
		}
	}
}
