package service

import (
	"context"
	"errors"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// ---- tiers

// TierInput describes a new tier.
type TierInput struct {
	Name        string
	Description string
	Grants      []domain.Grant
}

func tierInAccount(ctx context.Context, r store.Reader, a Actor, id string) (domain.Tier, error) {
	if authz.ValidID(id) != nil {
		return domain.Tier{}, notFound("tier")
	}
	t, err := r.GetTier(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && t.AccountID != a.AccountID {
		return domain.Tier{}, notFound("tier")
	}
	return t, err
}

// checkGrants validates role grants: users or groups of the account, each
// once, with a known role.
func checkGrants(ctx context.Context, r store.Reader, a Actor, gs []domain.Grant, field string) error {
	seen := map[authz.Subject]bool{}
	for _, g := range gs {
		if err := checkGrant(ctx, r, a, g, field, field); err != nil {
			return err
		}
		if seen[g.Subject] {
			return invalid(field, "%s is listed twice", g.Subject)
		}
		seen[g.Subject] = true
	}
	return nil
}

// checkGrant validates one grant; subjectField and roleField name the
// request fields holding its parts.
func checkGrant(ctx context.Context, r store.Reader, a Actor, g domain.Grant, subjectField, roleField string) error {
	if g.Subject.Kind == authz.Everyone || g.Subject.Kind == 0 {
		return invalid(subjectField, "roles are granted to users and groups, not everyone")
	}
	if _, err := authz.ParseRole(g.Role); err != nil {
		return invalidErr(roleField, err)
	}
	return checkSubject(ctx, r, a, g.Subject, subjectField)
}

// CreateTier creates a workspace tier (manage_workspaces).
func (s *Service) CreateTier(ctx context.Context, a Actor, in TierInput) (domain.Tier, error) {
	if err := s.member(a); err != nil {
		return domain.Tier{}, err
	}
	if err := s.require(a, authz.ManageWorkspaces); err != nil {
		return domain.Tier{}, err
	}
	t := domain.Tier{ID: domain.NewID("tier"), AccountID: a.AccountID, Name: strings.TrimSpace(in.Name), Description: in.Description, Grants: in.Grants}
	if err := domain.CheckName("name", t.Name, true, 200); err != nil {
		return t, invalidErr("name", err)
	}
	if err := domain.CheckText("description", t.Description, 2000); err != nil {
		return t, invalidErr("description", err)
	}
	_, err := s.update(ctx, func(tx store.Tx) error {
		if err := checkGrants(ctx, tx, a, t.Grants, "grants"); err != nil {
			return err
		}
		return unique(tx.CreateTier(ctx, t), "a tier named %q already exists", t.Name)
	})
	if err != nil {
		return domain.Tier{}, err
	}
	return s.GetTier(ctx, a, t.ID)
}

// GetTier returns a tier of the actor's account.
func (s *Service) GetTier(ctx context.Context, a Actor, id string) (domain.Tier, error) {
	if err := s.member(a); err != nil {
		return domain.Tier{}, err
	}
	return tierInAccount(ctx, s.store, a, id)
}

// ListTiers lists the tiers of the actor's account.
func (s *Service) ListTiers(ctx context.Context, a Actor) ([]domain.Tier, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	return s.store.ListTiers(ctx, a.AccountID)
}

// NameUpdate changes a name and a description; nil fields stay.
type NameUpdate struct {
	Name        *string
	Description *string
}

func applyNames(name, desc *string, n, d *string) error {
	if n != nil {
		v := strings.TrimSpace(*n)
		if err := domain.CheckName("name", v, true, 200); err != nil {
			return invalidErr("name", err)
		}
		*name = v
	}
	if d != nil {
		if err := domain.CheckText("description", *d, 2000); err != nil {
			return invalidErr("description", err)
		}
		*desc = *d
	}
	return nil
}

// UpdateTier renames a tier (manage_workspaces).
func (s *Service) UpdateTier(ctx context.Context, a Actor, id string, in NameUpdate) (domain.Tier, error) {
	err := s.editTier(ctx, a, id, func(tx store.Tx, t domain.Tier) error {
		if err := applyNames(&t.Name, &t.Description, in.Name, in.Description); err != nil {
			return err
		}
		return unique(tx.UpdateTier(ctx, t), "a tier named %q already exists", t.Name)
	})
	if err != nil {
		return domain.Tier{}, err
	}
	return s.GetTier(ctx, a, id)
}

// DeleteTier deletes a tier that holds no workspaces (manage_workspaces).
func (s *Service) DeleteTier(ctx context.Context, a Actor, id string) error {
	return s.editTier(ctx, a, id, func(tx store.Tx, t domain.Tier) error {
		wss, err := tx.ListWorkspaces(ctx, a.AccountID)
		if err != nil {
			return err
		}
		var in []string
		for _, w := range wss {
			if w.TierID == t.ID {
				in = append(in, w.Name)
			}
		}
		if len(in) > 0 {
			return conflict("tier_in_use", "tier %q still holds workspaces %s; move them out first", t.Name, strings.Join(in, ", "))
		}
		return tx.DeleteTier(ctx, t.ID)
	})
}

// editTier runs fn in one write transaction on a tier of the actor's
// account, for an actor holding manage_workspaces.
func (s *Service) editTier(ctx context.Context, a Actor, id string, fn func(tx store.Tx, t domain.Tier) error) error {
	if err := s.member(a); err != nil {
		return err
	}
	_, err := s.update(ctx, func(tx store.Tx) error {
		t, err := tierInAccount(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := s.require(a, authz.ManageWorkspaces); err != nil {
			return err
		}
		return fn(tx, t)
	})
	return err
}

// SetTierGrant gives a user or group a role on every workspace of a tier
// (manage_workspaces).
func (s *Service) SetTierGrant(ctx context.Context, a Actor, tierID string, g domain.Grant) error {
	return s.editTier(ctx, a, tierID, func(tx store.Tx, t domain.Tier) error {
		if err := checkGrant(ctx, tx, a, g, "subject", "role"); err != nil {
			return err
		}
		return tx.SetTierGrant(ctx, t.ID, g)
	})
}

// RemoveTierGrant removes a subject's role on a tier (manage_workspaces).
func (s *Service) RemoveTierGrant(ctx context.Context, a Actor, tierID string, subj authz.Subject) error {
	return s.editTier(ctx, a, tierID, func(tx store.Tx, t domain.Tier) error {
		return storeErr(tx.RemoveTierGrant(ctx, t.ID, subj), "grant to "+subj.String())
	})
}

// ---- workspaces

// WorkspaceInput describes a new workspace.
type WorkspaceInput struct {
	Name        string
	Description string
	TierID      string
	Members     []domain.Grant
}

// visibleWorkspace loads a workspace the actor holds a role on (viewer or
// more); others do not exist for the actor.
func (s *Service) visibleWorkspace(ctx context.Context, r store.Reader, a Actor, id string) (domain.Workspace, error) {
	if authz.ValidID(id) != nil || !s.Engine().Check(a.UserID, authz.CanView, authz.ObjectRef{Type: authz.Workspace, ID: id}) {
		return domain.Workspace{}, notFound("workspace")
	}
	w, err := r.GetWorkspace(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && w.AccountID != a.AccountID {
		return domain.Workspace{}, notFound("workspace")
	}
	return w, err
}

func (s *Service) requireWorkspace(a Actor, wsID string, p authz.Permission, doing string) error {
	if !s.Engine().Check(a.UserID, p, authz.ObjectRef{Type: authz.Workspace, ID: wsID}) {
		need := map[authz.Permission]string{authz.CanEdit: "contributor", authz.CanDelete: "editor", authz.CanManage: "owner"}[p]
		return forbidden("%s needs the %s role on the workspace", doing, need)
	}
	return nil
}

// CreateWorkspace creates a workspace (manage_workspaces), within the
// plan's workspace limit.
func (s *Service) CreateWorkspace(ctx context.Context, a Actor, in WorkspaceInput) (domain.Workspace, error) {
	if err := s.member(a); err != nil {
		return domain.Workspace{}, err
	}
	if err := s.require(a, authz.ManageWorkspaces); err != nil {
		return domain.Workspace{}, err
	}
	w := domain.Workspace{ID: domain.NewID("ws"), AccountID: a.AccountID, Name: strings.TrimSpace(in.Name), Description: in.Description, TierID: in.TierID, Members: in.Members}
	if err := domain.CheckName("name", w.Name, true, 200); err != nil {
		return w, invalidErr("name", err)
	}
	if err := domain.CheckText("description", w.Description, 2000); err != nil {
		return w, invalidErr("description", err)
	}
	_, err := s.update(ctx, func(tx store.Tx) error {
		if w.TierID != "" {
			if _, err := tierInAccount(ctx, tx, a, w.TierID); err != nil {
				return invalid("tier", "no tier %s in this account", w.TierID)
			}
		}
		if err := checkGrants(ctx, tx, a, w.Members, "members"); err != nil {
			return err
		}
		acct, err := tx.GetAccount(ctx, a.AccountID)
		if err != nil {
			return err
		}
		if acct.Limits.MaxWorkspaces > 0 {
			n, err := tx.CountWorkspaces(ctx, a.AccountID)
			if err != nil {
				return err
			}
			if n >= acct.Limits.MaxWorkspaces {
				return conflict("limit_reached", "the account's plan allows %d workspaces (limit max_workspaces)", acct.Limits.MaxWorkspaces)
			}
		}
		return unique(tx.CreateWorkspace(ctx, w), "a workspace named %q already exists", w.Name)
	})
	if err != nil {
		return domain.Workspace{}, err
	}
	return s.GetWorkspace(ctx, a, w.ID)
}

// GetWorkspace returns a workspace the actor holds a role on.
func (s *Service) GetWorkspace(ctx context.Context, a Actor, id string) (domain.Workspace, error) {
	if err := s.member(a); err != nil {
		return domain.Workspace{}, err
	}
	return s.visibleWorkspace(ctx, s.store, a, id)
}

// ListWorkspaces lists the workspaces the actor holds a role on.
func (s *Service) ListWorkspaces(ctx context.Context, a Actor) ([]domain.Workspace, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	all, err := s.store.ListWorkspaces(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	out := []domain.Workspace{}
	e := s.Engine()
	for _, w := range all {
		if e.Check(a.UserID, authz.CanView, authz.ObjectRef{Type: authz.Workspace, ID: w.ID}) {
			out = append(out, w)
		}
	}
	return out, nil
}

// WorkspaceUpdate changes a workspace; nil fields stay. Tier "" takes the
// workspace out of its tier.
type WorkspaceUpdate struct {
	Name        *string
	Description *string
	TierID      *string
}

// UpdateWorkspace renames a workspace (its owners) or moves it between
// tiers (manage_workspaces).
func (s *Service) UpdateWorkspace(ctx context.Context, a Actor, id string, in WorkspaceUpdate) (domain.Workspace, error) {
	err := s.editWorkspace(ctx, a, id, func(tx store.Tx, w domain.Workspace) error {
		if err := s.requireWorkspace(a, w.ID, authz.CanManage, "changing a workspace"); err != nil {
			return err
		}
		if err := applyNames(&w.Name, &w.Description, in.Name, in.Description); err != nil {
			return err
		}
		if in.TierID != nil && *in.TierID != w.TierID {
			if err := s.require(a, authz.ManageWorkspaces); err != nil {
				return err
			}
			if *in.TierID != "" {
				if _, err := tierInAccount(ctx, tx, a, *in.TierID); err != nil {
					return invalid("tier", "no tier %s in this account", *in.TierID)
				}
			}
			w.TierID = *in.TierID
		}
		return unique(tx.UpdateWorkspace(ctx, w), "a workspace named %q already exists", w.Name)
	})
	if err != nil {
		return domain.Workspace{}, err
	}
	return s.GetWorkspace(ctx, a, id)
}

// DeleteWorkspace deletes an empty workspace (manage_workspaces).
func (s *Service) DeleteWorkspace(ctx context.Context, a Actor, id string) error {
	return s.editWorkspace(ctx, a, id, func(tx store.Tx, w domain.Workspace) error {
		if err := s.require(a, authz.ManageWorkspaces); err != nil {
			return err
		}
		recs, colls, err := tx.WorkspaceContent(ctx, w.ID)
		if err != nil {
			return err
		}
		if recs+colls > 0 {
			return conflict("workspace_not_empty", "workspace %q still holds %d records and %d collections; delete or move them first", w.Name, recs, colls)
		}
		profiles, err := tx.ListCaptureProfiles(ctx, a.AccountID)
		if err != nil {
			return err
		}
		for _, p := range profiles {
			if p.WorkspaceID == w.ID {
				return conflict("workspace_in_use", "capture profile %q captures into workspace %q; point it elsewhere or delete it first", p.Name, w.Name)
			}
		}
		return tx.DeleteWorkspace(ctx, w.ID)
	})
}

// SetWorkspaceMember gives a user or group a role on a workspace (its
// owners).
func (s *Service) SetWorkspaceMember(ctx context.Context, a Actor, wsID string, g domain.Grant) error {
	return s.editWorkspace(ctx, a, wsID, func(tx store.Tx, w domain.Workspace) error {
		if err := s.requireWorkspace(a, w.ID, authz.CanManage, "managing members"); err != nil {
			return err
		}
		if err := checkGrant(ctx, tx, a, g, "subject", "role"); err != nil {
			return err
		}
		return tx.SetWorkspaceMember(ctx, w.ID, g)
	})
}

// editWorkspace runs fn in one write transaction on a workspace the actor
// can see; fn checks what the change needs.
func (s *Service) editWorkspace(ctx context.Context, a Actor, id string, fn func(tx store.Tx, w domain.Workspace) error) error {
	if err := s.member(a); err != nil {
		return err
	}
	_, err := s.update(ctx, func(tx store.Tx) error {
		w, err := s.visibleWorkspace(ctx, tx, a, id)
		if err != nil {
			return err
		}
		return fn(tx, w)
	})
	return err
}

// RemoveWorkspaceMember removes a subject's role on a workspace (its
// owners).
func (s *Service) RemoveWorkspaceMember(ctx context.Context, a Actor, wsID string, subj authz.Subject) error {
	return s.editWorkspace(ctx, a, wsID, func(tx store.Tx, w domain.Workspace) error {
		if err := s.requireWorkspace(a, w.ID, authz.CanManage, "managing members"); err != nil {
			return err
		}
		return storeErr(tx.RemoveWorkspaceMember(ctx, w.ID, subj), "member "+subj.String())
	})
}
