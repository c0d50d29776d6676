package authz

import (
	"fmt"
	"sort"
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

// Account-level permissions.
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
)

var accountPermissionNames = map[AccountPermission]string{
	ManageUsers: "manage_users", ManageGroups: "manage_groups", ManageWorkspaces: "manage_workspaces",
	ManageSettings: "manage_settings", ReviewAccess: "review_access", ManageOwners: "manage_owners",
	Billing: "billing", ViewAnalytics: "view_analytics", ManageAPITokens: "manage_api_tokens", Import: "import",
	ViewAudit: "view_audit",
}

func (p AccountPermission) String() string { return accountPermissionNames[p] }

// roleBundles are the built-in roles as bundles of account permissions.
var roleBundles = map[AccountRole][]AccountPermission{
	RoleOwner: {ManageUsers, ManageGroups, ManageWorkspaces, ManageSettings, ReviewAccess, ManageOwners,
		Billing, ViewAnalytics, ManageAPITokens, Import, ViewAudit},
	RoleAdmin: {ManageUsers, ManageGroups, ManageWorkspaces, ManageSettings, ReviewAccess,
		ViewAnalytics, ManageAPITokens, Import, ViewAudit},
	RoleDeveloper:     {ManageSettings, ManageAPITokens, Import},
	RoleFinance:       {Billing, ViewAnalytics},
	RoleLibraryEditor: nil,
	RoleLibraryViewer: nil,
}

// AccountPermissionsOf returns the account permissions held through roles r,
// sorted by name.
func AccountPermissionsOf(r Roles) []string {
	set := map[string]bool{}
	for role, perms := range roleBundles {
		if r.Has(role) {
			for _, p := range perms {
				set[p.String()] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func rolesGrant(r Roles, p AccountPermission) bool {
	for role, perms := range roleBundles {
		if !r.Has(role) {
			continue
		}
		for _, q := range perms {
			if q == p {
				return true
			}
		}
	}
	return false
}
