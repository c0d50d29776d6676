package authz

import (
	"fmt"
	"sort"
	"strings"
)

// AccountRole is a built-in account role.
type AccountRole uint8

// Account roles.
const (
	RoleOwner AccountRole = iota
	RoleAdmin
	RoleDeveloper
	RoleFinance
	RoleLibraryEditor
	RoleLibraryViewer
	numAccountRoles
)

var accountRoleNames = [...]string{"owner", "admin", "developer", "finance", "library_editor", "library_viewer"}

func (r AccountRole) String() string {
	if int(r) < len(accountRoleNames) {
		return accountRoleNames[r]
	}
	return fmt.Sprintf("AccountRole(%d)", r)
}

// Roles is a set of account roles.
type Roles uint8

// Has reports whether r holds role.
func (r Roles) Has(role AccountRole) bool { return r&(1<<role) != 0 }

// With returns r plus role.
func (r Roles) With(role AccountRole) Roles { return r | 1<<role }

// Names returns the role names in canonical order.
func (r Roles) Names() []string {
	out := []string{}
	for i := AccountRole(0); i < numAccountRoles; i++ {
		if r.Has(i) {
			out = append(out, i.String())
		}
	}
	return out
}

// ParseRoles parses a list of account role names.
func ParseRoles(names []string) (Roles, error) {
	var r Roles
	for _, n := range names {
		found := false
		for i, rn := range accountRoleNames {
			if rn == n {
				r = r.With(AccountRole(i))
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown account role %q (want one of owner, admin, developer, finance, library_editor, library_viewer)", n)
		}
	}
	return r, nil
}

// WorkspaceRole is the role roles r give on every workspace of the
// account.
func (r Roles) WorkspaceRole() Role { return workspaceRoleFromAccount(r) }

// workspaceRoleFromAccount is the workspace role that account roles give on
// every workspace of the account: owner and admin are owners, developer and
// library_editor editors, library_viewer viewer.
func workspaceRoleFromAccount(r Roles) Role {
	switch {
	case r.Has(RoleOwner) || r.Has(RoleAdmin):
		return Owner
	case r.Has(RoleDeveloper) || r.Has(RoleLibraryEditor):
		return Editor
	case r.Has(RoleLibraryViewer):
		return Viewer
	}
	return NoRole
}

// Apps is a set of applications a user may sign in to.
type Apps uint8

// Applications.
const (
	AppPortal  Apps = 1 << iota // the web UI (session sign-in)
	AppCapture                  // upload clients
	AppConnect                  // the API with tokens, batch tools
)

// ParseApps parses application names; unknown names are an error.
func ParseApps(names []string) (Apps, error) {
	var a Apps
	for _, n := range names {
		switch n {
		case "portal":
			a |= AppPortal
		case "capture":
			a |= AppCapture
		case "connect":
			a |= AppConnect
		default:
			return 0, fmt.Errorf("unknown application %q", n)
		}
	}
	return a, nil
}

// AccountPermission is an account-level administrative permission. Roles
// are bundles of them; every administrative action checks a permission,
// never a role name.
type AccountPermission uint8

// Account-level permissions. The values are stored nowhere (the store keeps
// names), so new ones may be added anywhere before numAccountPermissions.
const (
	ManageUsers      AccountPermission = iota + 1 // create users, change their status, roles and access
	ManageGroups                                  // create, change and delete groups and their members
	ManageWorkspaces                              // create workspaces and tiers, grant roles on them
	ManageSettings                                // account settings and default ACLs
	ReviewAccess                                  // ask the engine about any subject of the account
	ManageOwners                                  // grant or remove the owner and admin roles
	Billing                                       // plan, billing and usage
	ViewAnalytics                                 // usage analytics
	ManageAPITokens                               // revoke other users' API tokens
	Import                                        // bulk import and export
	ViewAudit                                     // read the account's audit log
	ManageRoles                                   // define, change and delete custom roles
	numAccountPermissions
)

// accountPermissionInfo names and describes each permission: the
// catalogue GET /api/v1/permissions serves.
var accountPermissionInfo = [numAccountPermissions]struct{ name, description string }{
	ManageUsers:      {"manage_users", "Create users, change their status, roles, access and fields, invite people, end other users' sessions"},
	ManageGroups:     {"manage_groups", "Create, rename and delete groups and change their members"},
	ManageWorkspaces: {"manage_workspaces", "Create and delete workspaces and tiers, move workspaces between tiers, grant roles on tiers"},
	ManageSettings:   {"manage_settings", "Change the account's name, sign-up rules and default ACLs"},
	ReviewAccess:     {"review_access", "Ask the permission engine (check, list, explain, who) about any user of the account"},
	ManageOwners:     {"manage_owners", "Grant or take away the owner role, take away the admin role, act on owners' and admins' sign-ins; held through the owner role only"},
	Billing:          {"billing", "Read the plan's limits and the account's usage (the web console's usage page); no billing feature yet"},
	ViewAnalytics:    {"view_analytics", "Usage analytics (no analytics feature checks it yet)"},
	ManageAPITokens:  {"manage_api_tokens", "See and revoke other users' API tokens"},
	Import:           {"import", "Bulk import and export (imports run from the CLI as the owner; nothing over the API checks it yet)"},
	ViewAudit:        {"view_audit", "Read the account's audit log"},
	ManageRoles:      {"manage_roles", "Define, change and delete custom roles (only from permissions one holds)"},
}

func (p AccountPermission) String() string {
	if p > 0 && p < numAccountPermissions {
		return accountPermissionInfo[p].name
	}
	return fmt.Sprintf("AccountPermission(%d)", p)
}

// Description says what the permission allows.
func (p AccountPermission) Description() string {
	if p > 0 && p < numAccountPermissions {
		return accountPermissionInfo[p].description
	}
	return ""
}

// AllAccountPermissions lists every account permission in catalogue order.
func AllAccountPermissions() []AccountPermission {
	out := make([]AccountPermission, 0, numAccountPermissions-1)
	for p := AccountPermission(1); p < numAccountPermissions; p++ {
		out = append(out, p)
	}
	return out
}

// ParseAccountPermission parses a permission name such as "manage_users".
func ParseAccountPermission(name string) (AccountPermission, error) {
	for p := AccountPermission(1); p < numAccountPermissions; p++ {
		if accountPermissionInfo[p].name == name {
			return p, nil
		}
	}
	return 0, fmt.Errorf("unknown account permission %q (GET /api/v1/permissions lists them)", name)
}

// Permissions is a set of account permissions.
type Permissions uint32

// PermissionsOf returns the set holding ps.
func PermissionsOf(ps ...AccountPermission) Permissions {
	var s Permissions
	for _, p := range ps {
		s = s.With(p)
	}
	return s
}

// Has reports whether s holds p.
func (s Permissions) Has(p AccountPermission) bool { return s&(1<<p) != 0 }

// With returns s plus p.
func (s Permissions) With(p AccountPermission) Permissions { return s | 1<<p }

// Without returns s minus p.
func (s Permissions) Without(p AccountPermission) Permissions { return s &^ (1 << p) }

// Covers reports whether s holds every permission of o.
func (s Permissions) Covers(o Permissions) bool { return o&^s == 0 }

// List returns the permissions of s in catalogue order.
func (s Permissions) List() []AccountPermission {
	out := []AccountPermission{}
	for p := AccountPermission(1); p < numAccountPermissions; p++ {
		if s.Has(p) {
			out = append(out, p)
		}
	}
	return out
}

// Names returns the names of the permissions of s, sorted.
func (s Permissions) Names() []string {
	out := []string{}
	for _, p := range s.List() {
		out = append(out, p.String())
	}
	sort.Strings(out)
	return out
}

// ParsePermissions parses permission names; unknown names are an error.
func ParsePermissions(names []string) (Permissions, error) {
	var s Permissions
	for _, n := range names {
		p, err := ParseAccountPermission(n)
		if err != nil {
			return 0, err
		}
		s = s.With(p)
	}
	return s, nil
}

// CustomRoleMask is what a custom role may carry: every permission but
// manage_owners, which only the built-in owner role gives, so that no
// custom role ever makes an owner of anyone.
const CustomRoleMask = Permissions(1<<numAccountPermissions-1) &^ (1 << ManageOwners) &^ 1

// roleBundles are the built-in roles as bundles of account permissions.
var roleBundles = [numAccountRoles]Permissions{
	RoleOwner: PermissionsOf(ManageUsers, ManageGroups, ManageWorkspaces, ManageSettings, ReviewAccess, ManageOwners,
		Billing, ViewAnalytics, ManageAPITokens, Import, ViewAudit, ManageRoles),
	RoleAdmin: PermissionsOf(ManageUsers, ManageGroups, ManageWorkspaces, ManageSettings, ReviewAccess,
		ViewAnalytics, ManageAPITokens, Import, ViewAudit, ManageRoles),
	RoleDeveloper:     PermissionsOf(ManageSettings, ManageAPITokens, Import),
	RoleFinance:       PermissionsOf(Billing, ViewAnalytics),
	RoleLibraryEditor: 0,
	RoleLibraryViewer: 0,
}

// Bundle returns the account permissions held through built-in roles r.
func (r Roles) Bundle() Permissions {
	var s Permissions
	for role := AccountRole(0); role < numAccountRoles; role++ {
		if r.Has(role) {
			s |= roleBundles[role]
		}
	}
	return s
}

// AccountPermissionsOf returns the names of the account permissions held
// through roles r, sorted.
func AccountPermissionsOf(r Roles) []string { return r.Bundle().Names() }

// BuiltinRole describes a built-in account role: the account permissions
// it bundles and the workspace role it gives on every workspace.
type BuiltinRole struct {
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	Permissions   []string `json:"permissions"`
	WorkspaceRole string   `json:"workspace_role,omitempty"`
	// UsersOnly: groups cannot hold it (the owner role).
	UsersOnly bool `json:"users_only,omitempty"`
}

var builtinRoleDescriptions = [numAccountRoles]string{
	RoleOwner:         "Everything, billing and ownership included; owner of every workspace. At least one active owner always remains",
	RoleAdmin:         "Manages users, groups, roles, workspaces, tiers and settings; owner of every workspace; no billing, cannot make owners",
	RoleDeveloper:     "API tokens, settings and import; editor of every workspace",
	RoleFinance:       "Billing and analytics; no content",
	RoleLibraryEditor: "Media library full access: editor of every workspace",
	RoleLibraryViewer: "Media library view-only: viewer of every workspace",
}

// BuiltinRoles lists the built-in account roles in canonical order.
func BuiltinRoles() []BuiltinRole {
	out := make([]BuiltinRole, 0, numAccountRoles)
	for r := AccountRole(0); r < numAccountRoles; r++ {
		ws := workspaceRoleFromAccount(Roles(0).With(r))
		br := BuiltinRole{Name: r.String(), Description: builtinRoleDescriptions[r], Permissions: roleBundles[r].Names(), UsersOnly: r == RoleOwner}
		if ws != NoRole {
			br.WorkspaceRole = ws.String()
		}
		out = append(out, br)
	}
	return out
}

// IsBuiltinRoleName reports whether name is a built-in role's name, in any
// case: custom roles may not take one.
func IsBuiltinRoleName(name string) bool {
	for _, n := range accountRoleNames {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}
