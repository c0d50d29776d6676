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

// GroupInput describes a new group.
type GroupInput struct {
	Name        string
	Description string
	Roles       []string
	CustomRoles []string // ids of custom roles of the account
	Members     []authz.Subject
}

func groupInAccount(ctx context.Context, r store.Reader, a Actor, id string) (domain.Group, error) {
	if authz.ValidID(id) != nil {
		return domain.Group{}, notFound("group")
	}
	g, err := r.GetGroup(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && g.AccountID != a.AccountID {
		return domain.Group{}, notFound("group")
	}
	return g, err
}

// checkSubject checks that a user or group subject exists in the actor's
// account (everyone always does). A subject of another account is reported
// exactly like one that does not exist.
func checkSubject(ctx context.Context, r store.Reader, a Actor, s authz.Subject, field string) error {
	switch s.Kind {
	case authz.Everyone:
		return nil
	case authz.UserSubject:
		if _, err := userInAccount(ctx, r, a, s.ID); err != nil {
			if e, ok := AsError(err); ok && e.Kind == KindNotFound {
				return invalid(field, "no user %s in this account", s.ID)
			}
			return err
		}
		return nil
	case authz.GroupSubject:
		if _, err := groupInAccount(ctx, r, a, s.ID); err != nil {
			if e, ok := AsError(err); ok && e.Kind == KindNotFound {
				return invalid(field, "no group %s in this account", s.ID)
			}
			return err
		}
		return nil
	}
	return invalid(field, "invalid subject")
}

func checkGroupRoles(names []string) (authz.Roles, error) {
	roles, err := authz.ParseRoles(names)
	if err != nil {
		return 0, invalidErr("roles", err)
	}
	if roles.Has(authz.RoleOwner) {
		return 0, invalid("roles", "the owner role is held by users only, not groups")
	}
	return roles, nil
}

// CreateGroup creates a group (manage_groups; roles as for users).
func (s *Service) CreateGroup(ctx context.Context, a Actor, in GroupInput) (domain.Group, error) {
	if err := s.member(a); err != nil {
		return domain.Group{}, err
	}
	g := domain.Group{ID: domain.NewID("grp"), AccountID: a.AccountID, Name: strings.TrimSpace(in.Name), Description: in.Description}
	ev := a.event(AuditGroupCreate, "group:"+g.ID)
	ev.Detail = map[string]string{"name": truncate(g.Name, 200)}
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		if err := s.require(a, authz.ManageGroups); err != nil {
			return err
		}
		if err := domain.CheckName("name", g.Name, true, 200); err != nil {
			return invalidErr("name", err)
		}
		if err := domain.CheckText("description", g.Description, 2000); err != nil {
			return invalidErr("description", err)
		}
		roles, err := checkGroupRoles(in.Roles)
		if err != nil {
			return err
		}
		custom, perms, err := resolveCustomRoles(ctx, tx, a, in.CustomRoles, "custom_roles")
		if err != nil {
			return err
		}
		if err := s.checkRoleGrant(a, roleGrant{newRoles: roles, newCustom: custom, perms: perms}); err != nil {
			return err
		}
		g.Roles, g.CustomRoles = roles.Names(), custom
		ev.Detail["roles"], ev.Detail["custom_roles"] = strings.Join(g.Roles, ","), strings.Join(custom, ",")
		seen := map[authz.Subject]bool{}
		for _, m := range in.Members {
			if m.Kind == authz.Everyone {
				return invalid("members", "everyone cannot be a group member")
			}
			if seen[m] {
				return invalid("members", "%s is listed twice", m)
			}
			seen[m] = true
			if err := checkSubject(ctx, tx, a, m, "members"); err != nil {
				return err
			}
		}
		g.Members = in.Members
		// A new group has no parents, so its members cannot form a cycle.
		return unique(tx.CreateGroup(ctx, g), "a group named %q already exists", g.Name)
	})
	if err != nil {
		return domain.Group{}, err
	}
	return s.GetGroup(ctx, a, g.ID)
}

// GetGroup returns a group of the actor's account.
func (s *Service) GetGroup(ctx context.Context, a Actor, id string) (domain.Group, error) {
	if err := s.member(a); err != nil {
		return domain.Group{}, err
	}
	return groupInAccount(ctx, s.store, a, id)
}

// ListGroups lists the groups of the actor's account.
func (s *Service) ListGroups(ctx context.Context, a Actor) ([]domain.Group, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	return s.store.ListGroups(ctx, a.AccountID)
}

// GroupUpdate changes a group; nil fields stay.
type GroupUpdate struct {
	Name        *string
	Description *string
	Roles       *[]string
	CustomRoles *[]string
}

// UpdateGroup renames a group or changes its roles (manage_groups, and
// role changes as for users). Built-in groups keep their names.
func (s *Service) UpdateGroup(ctx context.Context, a Actor, id string, in GroupUpdate) (domain.Group, error) {
	err := s.editGroup(ctx, a, id, AuditGroupUpdate, func(tx store.Tx, g domain.Group, ev *domain.AuditEvent) error {
		before := g
		defer func() { ev.Detail = groupChanges(before, g) }()
		if in.Name != nil {
			n := strings.TrimSpace(*in.Name)
			if g.Builtin != "" && n != g.Name {
				return conflict("builtin_group", "the built-in group %q cannot be renamed", g.Name)
			}
			if err := domain.CheckName("name", n, true, 200); err != nil {
				return invalidErr("name", err)
			}
			g.Name = n
		}
		if in.Description != nil {
			if err := domain.CheckText("description", *in.Description, 2000); err != nil {
				return invalidErr("description", err)
			}
			g.Description = *in.Description
		}
		old, _ := authz.ParseRoles(g.Roles)
		grant := roleGrant{oldRoles: old, newRoles: old, oldCustom: g.CustomRoles, newCustom: g.CustomRoles}
		if in.Roles != nil {
			roles, err := checkGroupRoles(*in.Roles)
			if err != nil {
				return err
			}
			grant.newRoles = roles
			g.Roles = roles.Names()
		}
		if in.CustomRoles != nil {
			var err error
			if grant.newCustom, grant.perms, err = resolveCustomRoles(ctx, tx, a, *in.CustomRoles, "custom_roles"); err != nil {
				return err
			}
			g.CustomRoles = grant.newCustom
		}
		if err := s.checkRoleGrant(a, grant); err != nil {
			return err
		}
		return unique(tx.UpdateGroup(ctx, g), "a group with this name already exists")
	})
	if err != nil {
		return domain.Group{}, err
	}
	return s.GetGroup(ctx, a, id)
}

// DeleteGroup deletes a group (manage_groups). Built-in groups and groups
// granted a role on a workspace or tier cannot be deleted; the error names
// where the group is granted. ACL entries naming the group go with it.
func (s *Service) DeleteGroup(ctx context.Context, a Actor, id string) error {
	err := s.editGroup(ctx, a, id, AuditGroupDelete, func(tx store.Tx, g domain.Group, ev *domain.AuditEvent) error {
		ev.Detail = map[string]string{"name": g.Name}
		if g.Builtin != "" {
			return conflict("builtin_group", "the built-in group %q cannot be deleted", g.Name)
		}
		roles, _ := authz.ParseRoles(g.Roles)
		if err := s.checkRoleGrant(a, roleGrant{oldRoles: roles, oldCustom: g.CustomRoles, newCustom: []string{}}); err != nil {
			return err
		}
		grants, err := tx.GroupGrants(ctx, id)
		if err != nil {
			return err
		}
		if len(grants) > 0 {
			where := make([]string, 0, len(grants))
			for _, ref := range grants {
				where = append(where, fmt.Sprintf("%s %s", ref.Kind, ref.ID))
			}
			return conflict("group_in_use", "group %q is granted a role on %s; remove those grants first", g.Name, strings.Join(where, ", "))
		}
		rels, err := tx.ListApprovalRelations(ctx, a.AccountID)
		if err != nil {
			return err
		}
		for _, rel := range rels {
			if rel.ApproverGroup == id || slices.Contains(rel.RequesterGroups, id) {
				return conflict("group_in_use", "group %q is part of approval relationship %s; remove it first", g.Name, rel.ID)
			}
		}
		if err := groupApprovesHolds(ctx, tx, a.AccountID, id, g.Name); err != nil {
			return err
		}
		return tx.DeleteGroup(ctx, id)
	})
	return err
}

// AddGroupMember adds a user or group to a group (manage_groups). Nesting
// that would make a cycle is rejected.
func (s *Service) AddGroupMember(ctx context.Context, a Actor, groupID string, m authz.Subject) error {
	err := s.editGroup(ctx, a, groupID, AuditGroupMemberAdd, func(tx store.Tx, g domain.Group, ev *domain.AuditEvent) error {
		ev.Detail = map[string]string{"member": m.String()}
		if m.Kind == authz.Everyone {
			return invalid("subject", "everyone cannot be a group member")
		}
		if err := checkSubject(ctx, tx, a, m, "subject"); err != nil {
			return err
		}
		// Joining a group grants the roles it and the groups it sits in
		// hold.
		if err := s.checkJoin(ctx, tx, a, g.ID); err != nil {
			return err
		}
		for _, have := range g.Members {
			if have == m {
				return conflict("already_member", "%s is already a member of %q", m, g.Name)
			}
		}
		if m.Kind == authz.GroupSubject {
			if err := checkNoCycle(ctx, tx, a.AccountID, g.ID, m.ID); err != nil {
				return err
			}
		}
		return tx.AddGroupMember(ctx, g.ID, m)
	})
	return err
}

// checkNoCycle fails if group child contains (transitively) group parent,
// or is it.
func checkNoCycle(ctx context.Context, r store.Reader, accountID, parent, child string) error {
	if parent == child {
		return conflict("group_cycle", "a group cannot contain itself")
	}
	members, err := r.GroupNesting(ctx, accountID)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	stack := []string{child}
	for len(stack) > 0 {
		g := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if g == parent {
			return conflict("group_cycle", "adding this group would make a cycle: it already contains the group it would join")
		}
		if !seen[g] {
			seen[g] = true
			stack = append(stack, members[g]...)
		}
	}
	return nil
}

// RemoveGroupMember removes a user or group from a group (manage_groups).
func (s *Service) RemoveGroupMember(ctx context.Context, a Actor, groupID string, m authz.Subject) error {
	err := s.editGroup(ctx, a, groupID, AuditGroupMemberRemove, func(tx store.Tx, g domain.Group, ev *domain.AuditEvent) error {
		ev.Detail = map[string]string{"member": m.String()}
		// Leaving a group takes away the roles it and the groups it sits
		// in hold.
		roles, custom, err := rolesFromJoining(ctx, tx, a.AccountID, g.ID)
		if err != nil {
			return err
		}
		if err := s.checkRoleChange(a, roles, 0); err != nil {
			return err
		}
		if custom != 0 {
			if err := s.require(a, authz.ManageUsers); err != nil {
				return err
			}
		}
		if err := tx.RemoveGroupMember(ctx, g.ID, m); err != nil {
			return storeErr(err, "member "+m.String())
		}
		return nil
	})
	return err
}

// editGroup runs fn in one write transaction on a group of the actor's
// account, for an actor holding manage_groups, audited as evType.
func (s *Service) editGroup(ctx context.Context, a Actor, id, evType string, fn func(tx store.Tx, g domain.Group, ev *domain.AuditEvent) error) error {
	if err := s.member(a); err != nil {
		return err
	}
	_, err := s.auditedUpdate(ctx, a.event(evType, "group:"+id), func(tx store.Tx, ev *domain.AuditEvent) error {
		g, err := groupInAccount(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := s.require(a, authz.ManageGroups); err != nil {
			return err
		}
		return fn(tx, g, ev)
	})
	return err
}

// groupChanges describes, for the audit log, what changed in a group.
func groupChanges(before, after domain.Group) map[string]string {
	d := map[string]string{}
	if before.Name != after.Name {
		d["name"] = before.Name + " -> " + after.Name
	}
	if before.Description != after.Description {
		d["description"] = "changed"
	}
	if !slices.Equal(before.Roles, after.Roles) {
		d["roles"] = strings.Join(before.Roles, ",") + " -> " + strings.Join(after.Roles, ",")
	}
	if !slices.Equal(before.CustomRoles, after.CustomRoles) {
		d["custom_roles"] = strings.Join(before.CustomRoles, ",") + " -> " + strings.Join(after.CustomRoles, ",")
	}
	return d
}
