package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// Roles are bundles of account permissions. The built-in ones are fixed;
// an account defines custom ones from the same permissions (never
// manage_owners) and gives them to users and groups. The escalation rule:
// nobody gives, through a role, a permission they do not hold themselves.
// So defining, changing or deleting a custom role needs manage_roles and
// every permission the role carries, before and after the change; giving
// a role (built-in or custom) to a user or group, directly or by adding a
// member to a group that holds it or sits inside one that does, needs
// every permission it carries; and acting on another user's sign-in or
// email needs every permission that user holds.

// PermissionInfo is one account permission of the catalogue.
type PermissionInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// PermissionCatalogue lists every account permission (any member may
// read it).
func (s *Service) PermissionCatalogue(a Actor) ([]PermissionInfo, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	out := []PermissionInfo{}
	for _, p := range authz.AllAccountPermissions() {
		out = append(out, PermissionInfo{Name: p.String(), Description: p.Description()})
	}
	return out, nil
}

// RoleCatalogue is the built-in roles and the account's custom roles.
type RoleCatalogue struct {
	Builtin []authz.BuiltinRole `json:"builtin"`
	Custom  []domain.CustomRole `json:"custom"`
}

// ListRoles returns the built-in roles and the actor's account's custom
// roles (any member may read them).
func (s *Service) ListRoles(ctx context.Context, a Actor) (RoleCatalogue, error) {
	if err := s.member(a); err != nil {
		return RoleCatalogue{}, err
	}
	custom, err := s.store.ListCustomRoles(ctx, a.AccountID)
	if err != nil {
		return RoleCatalogue{}, err
	}
	return RoleCatalogue{Builtin: authz.BuiltinRoles(), Custom: custom}, nil
}

// CustomRoleDetail is a custom role with who holds it directly.
type CustomRoleDetail struct {
	domain.CustomRole
	Holders RoleHolders `json:"holders"`
}

// RoleHolders are the users and groups holding a custom role directly.
type RoleHolders struct {
	Users  []string `json:"users"`
	Groups []string `json:"groups"`
}

// roleInAccount loads a custom role of the actor's account; roles of other
// accounts do not exist for the actor.
func roleInAccount(ctx context.Context, r store.Reader, a Actor, id string) (domain.CustomRole, error) {
	if authz.ValidID(id) != nil {
		return domain.CustomRole{}, notFound("role")
	}
	cr, err := r.GetCustomRole(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && cr.AccountID != a.AccountID {
		return domain.CustomRole{}, notFound("role")
	}
	return cr, err
}

// GetRole returns a custom role of the actor's account with its holders.
func (s *Service) GetRole(ctx context.Context, a Actor, id string) (CustomRoleDetail, error) {
	if err := s.member(a); err != nil {
		return CustomRoleDetail{}, err
	}
	var out CustomRoleDetail
	err := s.store.Snapshot(ctx, func(r store.Reader) error {
		cr, err := roleInAccount(ctx, r, a, id)
		if err != nil {
			return err
		}
		users, groups, err := r.CustomRoleHolders(ctx, id)
		out = CustomRoleDetail{CustomRole: cr, Holders: RoleHolders{Users: users, Groups: groups}}
		return err
	})
	return out, err
}

// RoleInput describes a new custom role.
type RoleInput struct {
	Name        string
	Description string
	Permissions []string
}

// RoleUpdate changes a custom role; nil fields stay.
type RoleUpdate struct {
	Name        *string
	Description *string
	Permissions *[]string
}

// checkRolePermissions parses a custom role's permission names.
func checkRolePermissions(names []string) (authz.Permissions, error) {
	ps, err := authz.ParsePermissions(names)
	if err != nil {
		return 0, invalidErr("permissions", err)
	}
	if ps.Has(authz.ManageOwners) {
		return 0, invalid("permissions", "manage_owners comes with the built-in owner role only; a custom role cannot carry it")
	}
	return ps, nil
}

// rolePermissions returns a stored role's permissions. Names this binary
// does not know (written by a newer one) count as nothing it could give.
func rolePermissions(cr domain.CustomRole) authz.Permissions {
	var ps authz.Permissions
	for _, n := range cr.Permissions {
		if p, err := authz.ParseAccountPermission(n); err == nil {
			ps = ps.With(p)
		}
	}
	return ps & authz.CustomRoleMask
}

// checkHolds fails unless the actor holds every permission of ps: what
// one gives, through a role or by taking over another user's sign-in,
// one must hold.
func (s *Service) checkHolds(a Actor, ps authz.Permissions, what string) error {
	have := s.Engine().EffectivePermissions(a.UserID)
	if !a.HasScope(ScopeAdmin) {
		have = 0
	}
	if missing := ps &^ have; missing != 0 {
		return forbidden("%s needs permissions you do not hold: %s", what, strings.Join(missing.Names(), ", "))
	}
	return nil
}

// CreateRole defines a custom role in the actor's account (manage_roles,
// and only from permissions the actor holds).
func (s *Service) CreateRole(ctx context.Context, a Actor, in RoleInput) (CustomRoleDetail, error) {
	if err := s.member(a); err != nil {
		return CustomRoleDetail{}, err
	}
	ev := a.event(AuditRoleCreate, "")
	ev.Detail = map[string]string{"name": truncate(in.Name, 100)}
	cr := domain.CustomRole{ID: domain.NewID("role"), AccountID: a.AccountID, Name: strings.TrimSpace(in.Name), Description: in.Description}
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		if err := s.require(a, authz.ManageRoles); err != nil {
			return err
		}
		if err := domain.CheckRoleName(cr.Name); err != nil {
			return invalidErr("name", err)
		}
		if err := domain.CheckText("description", cr.Description, 2000); err != nil {
			return invalidErr("description", err)
		}
		ps, err := checkRolePermissions(in.Permissions)
		if err != nil {
			return err
		}
		if err := s.checkHolds(a, ps, "a role with these permissions"); err != nil {
			return err
		}
		cr.Permissions = ps.Names()
		ev.Target = "role:" + cr.ID
		ev.Detail["permissions"] = strings.Join(cr.Permissions, ",")
		return unique(tx.CreateCustomRole(ctx, cr), "a role named %q already exists in the account", cr.Name)
	})
	if err != nil {
		return CustomRoleDetail{}, err
	}
	return s.GetRole(ctx, a, cr.ID)
}

// UpdateRole changes a custom role (manage_roles, and every permission the
// role carries before and after the change). Its holders' permissions
// change at once.
func (s *Service) UpdateRole(ctx context.Context, a Actor, id string, in RoleUpdate) (CustomRoleDetail, error) {
	if err := s.member(a); err != nil {
		return CustomRoleDetail{}, err
	}
	_, err := s.auditedUpdate(ctx, a.event(AuditRoleUpdate, "role:"+id), func(tx store.Tx, ev *domain.AuditEvent) error {
		cr, err := roleInAccount(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := s.require(a, authz.ManageRoles); err != nil {
			return err
		}
		before := cr
		old := rolePermissions(cr)
		if err := s.checkHolds(a, old, "changing this role"); err != nil {
			return err
		}
		if in.Name != nil {
			n := strings.TrimSpace(*in.Name)
			if err := domain.CheckRoleName(n); err != nil {
				return invalidErr("name", err)
			}
			cr.Name = n
		}
		if in.Description != nil {
			if err := domain.CheckText("description", *in.Description, 2000); err != nil {
				return invalidErr("description", err)
			}
			cr.Description = *in.Description
		}
		if in.Permissions != nil {
			ps, err := checkRolePermissions(*in.Permissions)
			if err != nil {
				return err
			}
			if err := s.checkHolds(a, ps, "a role with these permissions"); err != nil {
				return err
			}
			cr.Permissions = ps.Names()
		}
		ev.Detail = roleChanges(before, cr)
		return unique(tx.UpdateCustomRole(ctx, cr), "a role named %q already exists in the account", cr.Name)
	})
	if err != nil {
		return CustomRoleDetail{}, err
	}
	return s.GetRole(ctx, a, id)
}

// DeleteRole deletes a custom role (manage_roles, and every permission it
// carries). A role still held is not deleted: the conflict says by how
// many users and groups, so that taking a role away is always a visible
// change of each holder.
func (s *Service) DeleteRole(ctx context.Context, a Actor, id string) error {
	if err := s.member(a); err != nil {
		return err
	}
	_, err := s.auditedUpdate(ctx, a.event(AuditRoleDelete, "role:"+id), func(tx store.Tx, ev *domain.AuditEvent) error {
		cr, err := roleInAccount(ctx, tx, a, id)
		if err != nil {
			return err
		}
		ev.Detail = map[string]string{"name": cr.Name, "permissions": strings.Join(cr.Permissions, ",")}
		if err := s.require(a, authz.ManageRoles); err != nil {
			return err
		}
		if err := s.checkHolds(a, rolePermissions(cr), "deleting this role"); err != nil {
			return err
		}
		users, groups, err := tx.CustomRoleHolders(ctx, id)
		if err != nil {
			return err
		}
		if len(users)+len(groups) > 0 {
			return conflict("role_in_use", "role %q is held by %d users and %d groups; take it away from them first", cr.Name, len(users), len(groups))
		}
		return tx.DeleteCustomRole(ctx, id)
	})
	return err
}

// roleChanges describes, for the audit log, what changed in a role.
func roleChanges(before, after domain.CustomRole) map[string]string {
	d := map[string]string{}
	if before.Name != after.Name {
		d["name"] = before.Name + " -> " + after.Name
	}
	if before.Description != after.Description {
		d["description"] = "changed"
	}
	if !slices.Equal(before.Permissions, after.Permissions) {
		d["permissions"] = strings.Join(before.Permissions, ",") + " -> " + strings.Join(after.Permissions, ",")
	}
	return d
}

// resolveCustomRoles checks that ids name custom roles of the actor's
// account and returns them sorted without repeats, with their permissions
// by id. A role of another account is reported like one that does not
// exist.
func resolveCustomRoles(ctx context.Context, r store.Reader, a Actor, ids []string, field string) ([]string, map[string]authz.Permissions, error) {
	if len(ids) > 100 {
		return nil, nil, invalid(field, "at most 100 custom roles")
	}
	out := slices.Compact(slices.Sorted(slices.Values(ids)))
	if out == nil {
		out = []string{}
	}
	perms := map[string]authz.Permissions{}
	for _, id := range out {
		cr, err := roleInAccount(ctx, r, a, id)
		if e, ok := AsError(err); ok && e.Kind == KindNotFound {
			return nil, nil, invalid(field, "no custom role %s in this account", truncate(id, 100))
		}
		if err != nil {
			return nil, nil, err
		}
		perms[id] = rolePermissions(cr)
	}
	return out, perms, nil
}

// storedRolePermissions returns the permissions of stored custom roles by
// id (roles no longer there give nothing).
func storedRolePermissions(ctx context.Context, r store.Reader, ids []string) (authz.Permissions, error) {
	var ps authz.Permissions
	for _, id := range ids {
		cr, err := r.GetCustomRole(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		ps |= rolePermissions(cr)
	}
	return ps, nil
}

// roleGrant is a change of the roles a user or group holds.
type roleGrant struct {
	oldRoles, newRoles   authz.Roles
	oldCustom, newCustom []string
	perms                map[string]authz.Permissions // of the custom roles in newCustom
}

// checkRoleGrant authorises a change of held roles: built-in roles as
// checkRoleChange says, custom ones with manage_users, and whatever is
// given only by someone holding every permission it carries. Taking roles
// away gives nothing.
func (s *Service) checkRoleGrant(a Actor, g roleGrant) error {
	if err := s.checkRoleChange(a, g.oldRoles, g.newRoles); err != nil {
		return err
	}
	if slices.Equal(g.oldCustom, g.newCustom) {
		return s.checkHolds(a, (g.newRoles &^ g.oldRoles).Bundle(), "giving these roles")
	}
	if err := s.require(a, authz.ManageUsers); err != nil {
		return err
	}
	given := (g.newRoles &^ g.oldRoles).Bundle()
	for _, id := range g.newCustom {
		if !slices.Contains(g.oldCustom, id) {
			given |= g.perms[id]
		}
	}
	return s.checkHolds(a, given, "giving these roles")
}

// checkJoin authorises making a subject a member of group gid: the
// subject's users get the roles of the group and of every group it sits
// in, so the actor must be allowed to give all of them.
func (s *Service) checkJoin(ctx context.Context, r store.Reader, a Actor, gid string) error {
	roles, custom, err := rolesFromJoining(ctx, r, a.AccountID, gid)
	if err != nil {
		return err
	}
	if err := s.checkRoleChange(a, 0, roles); err != nil {
		return err
	}
	if custom != 0 {
		if err := s.require(a, authz.ManageUsers); err != nil {
			return err
		}
	}
	return s.checkHolds(a, roles.Bundle()|custom, "joining this group, which gives roles,")
}

// rolesFromJoining returns the built-in roles and the custom roles'
// permissions that a member of group gid gets from it and from the groups
// containing it, transitively. Groups never give the owner role.
func rolesFromJoining(ctx context.Context, r store.Reader, accountID, gid string) (authz.Roles, authz.Permissions, error) {
	nesting, err := r.GroupNesting(ctx, accountID)
	if err != nil {
		return 0, 0, err
	}
	parents := map[string][]string{}
	for parent, children := range nesting {
		for _, c := range children {
			parents[c] = append(parents[c], parent)
		}
	}
	var roles authz.Roles
	var custom []string
	seen := map[string]bool{}
	stack := []string{gid}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[id] {
			continue
		}
		seen[id] = true
		g, err := r.GetGroup(ctx, id)
		if err != nil {
			return 0, 0, fmt.Errorf("roles given by group %s: %w", id, err)
		}
		rs, _ := authz.ParseRoles(g.Roles)
		roles |= rs
		custom = append(custom, g.CustomRoles...)
		stack = append(stack, parents[id]...)
	}
	perms, err := storedRolePermissions(ctx, r, custom)
	if err != nil {
		return 0, 0, err
	}
	return roles &^ authz.Roles(0).With(authz.RoleOwner), perms, nil
}

// RoleRef names a custom role.
type RoleRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// MeInfo is the actor's own user with what it holds.
type MeInfo struct {
	User domain.User
	// EffectiveRoles are the built-in roles held directly and through
	// groups; CustomRoles the custom ones; Permissions every account
	// permission they give.
	EffectiveRoles []string
	CustomRoles    []RoleRef
	Permissions    []string
}

// customRoleRefs names the custom roles with these ids of an account.
func customRoleRefs(ctx context.Context, r store.Reader, accountID string, ids []string) ([]RoleRef, error) {
	out := []RoleRef{}
	if len(ids) == 0 {
		return out, nil
	}
	all, err := r.ListCustomRoles(ctx, accountID)
	if err != nil {
		return nil, err
	}
	for _, cr := range all {
		if slices.Contains(ids, cr.ID) {
			out = append(out, RoleRef{ID: cr.ID, Name: cr.Name})
		}
	}
	return out, nil
}
