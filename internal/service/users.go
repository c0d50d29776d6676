package service

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/store"
)

// UserInput describes a new user.
type UserInput struct {
	ID          string // optional (imports); generated when empty
	Username    string
	Email       string
	DisplayName string
	Password    string // optional: a user without one signs in by other means only
	Status      string // default active
	Roles       []string
	CustomRoles []string // ids of custom roles of the account
	Access      []string // default portal and connect
	Fields      map[string]string
}

// prepareUser validates a new user and hashes its password.
func (s *Service) prepareUser(accountID string, in UserInput) (domain.User, string, error) {
	u := domain.User{ID: in.ID, AccountID: accountID, Username: strings.TrimSpace(in.Username), DisplayName: strings.TrimSpace(in.DisplayName), Fields: in.Fields}
	if u.ID == "" {
		u.ID = domain.NewID("user")
	} else if err := authz.ValidID(u.ID); err != nil {
		return u, "", invalidErr("id", err)
	}
	if err := domain.CheckUsername(u.Username); err != nil {
		return u, "", invalidErr("username", err)
	}
	email, err := domain.NormalizeEmail(strings.TrimSpace(in.Email))
	if err != nil {
		return u, "", invalidErr("email", err)
	}
	u.Email = email
	if u.DisplayName == "" {
		u.DisplayName = u.Username
	}
	if err := domain.CheckName("display_name", u.DisplayName, true, 200); err != nil {
		return u, "", invalidErr("display_name", err)
	}
	status := in.Status
	if status == "" {
		status = string(domain.StatusActive)
	}
	if u.Status, err = domain.ParseStatus(status); err != nil {
		return u, "", invalidErr("status", err)
	}
	roles, err := authz.ParseRoles(in.Roles)
	if err != nil {
		return u, "", invalidErr("roles", err)
	}
	u.Roles = roles.Names()
	access := in.Access
	if access == nil {
		access = []string{domain.AppPortal, domain.AppConnect}
	}
	if u.Access, err = domain.ParseAccess(access); err != nil {
		return u, "", invalidErr("access", err)
	}
	if err := domain.CheckFields(u.Fields); err != nil {
		return u, "", invalidErr("fields", err)
	}
	var hash string
	if in.Password != "" {
		if err := identity.CheckPasswordFor(in.Password, u.Username, u.Email); err != nil {
			return u, "", invalidErr("password", err)
		}
		if hash, err = identity.HashPassword(in.Password, s.pw); err != nil {
			return u, "", err
		}
	}
	return u, hash, nil
}

// insertUser stores a prepared user, checks the plan's user limit and adds
// the user to the Standard group.
func (s *Service) insertUser(ctx context.Context, tx store.Tx, u domain.User, hash string) error {
	if u.Status == domain.StatusActive {
		if err := checkUserLimit(ctx, tx, u.AccountID); err != nil {
			return err
		}
	}
	if err := unique(tx.CreateUser(ctx, u, hash), "a user with this username or email already exists in the account"); err != nil {
		return err
	}
	std, err := tx.BuiltinGroupID(ctx, u.AccountID, domain.BuiltinStandard)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return tx.AddGroupMember(ctx, std, authz.User(u.ID))
}

// checkUserLimit fails when one more active user would exceed the plan.
func checkUserLimit(ctx context.Context, tx store.Tx, accountID string) error {
	acct, err := tx.GetAccount(ctx, accountID)
	if err != nil {
		return storeErr(err, "account")
	}
	if acct.Limits.MaxUsers == 0 {
		return nil
	}
	n, err := tx.CountUsers(ctx, accountID, domain.StatusActive)
	if err != nil {
		return err
	}
	if n >= acct.Limits.MaxUsers {
		return conflict("limit_reached", "the account's plan allows %d active users (limit max_users)", acct.Limits.MaxUsers)
	}
	return nil
}

// checkRoleChange authorises changing roles from old to new: the owner
// role, and taking the admin role away, need manage_owners; any other
// change manage_users.
func (s *Service) checkRoleChange(a Actor, old, new authz.Roles) error {
	changed := old ^ new
	if changed == 0 {
		return nil
	}
	removed := old &^ new
	if changed.Has(authz.RoleOwner) || removed.Has(authz.RoleAdmin) {
		return s.require(a, authz.ManageOwners)
	}
	return s.require(a, authz.ManageUsers)
}

// checkOwnersRemain fails if the account would have no active owner.
func checkOwnersRemain(ctx context.Context, tx store.Tx, accountID string) error {
	n, err := tx.CountActiveOwners(ctx, accountID)
	if err != nil {
		return err
	}
	if n == 0 {
		return conflict("last_owner", "the account must keep at least one active owner")
	}
	return nil
}

// CreateUser creates a user in the actor's account (manage_users; roles as
// checkRoleGrant says, and joining the Standard group as checkJoin says).
func (s *Service) CreateUser(ctx context.Context, a Actor, in UserInput) (domain.User, error) {
	if err := s.member(a); err != nil {
		return domain.User{}, err
	}
	ev := a.event(AuditUserCreate, "")
	ev.Detail = map[string]string{"username": truncate(in.Username, 100)}
	if err := s.require(a, authz.ManageUsers); err != nil {
		return domain.User{}, s.refused(ctx, ev, err)
	}
	in.ID = ""
	u, hash, err := s.prepareUser(a.AccountID, in)
	if err != nil {
		return domain.User{}, s.refused(ctx, ev, err)
	}
	roles, _ := authz.ParseRoles(u.Roles)
	if err := s.checkRoleChange(a, 0, roles); err != nil {
		return domain.User{}, s.refused(ctx, ev, err)
	}
	ev.Target = "user:" + u.ID
	ev.Detail["status"], ev.Detail["roles"] = string(u.Status), strings.Join(u.Roles, ",")
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		custom, perms, err := resolveCustomRoles(ctx, tx, a, in.CustomRoles, "custom_roles")
		if err != nil {
			return err
		}
		u.CustomRoles = custom
		if len(custom) > 0 {
			ev.Detail["custom_roles"] = strings.Join(custom, ",")
		}
		if err := s.checkRoleGrant(a, roleGrant{newRoles: roles, newCustom: custom, perms: perms}); err != nil {
			return err
		}
		// The new user joins the Standard group, and with it whatever
		// roles that group gives.
		std, err := tx.BuiltinGroupID(ctx, u.AccountID, domain.BuiltinStandard)
		if err == nil {
			err = s.checkJoin(ctx, tx, a, std)
		} else if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		if err != nil {
			return err
		}
		return s.insertUser(ctx, tx, u, hash)
	})
	if err != nil {
		return domain.User{}, err
	}
	return s.GetUser(ctx, a, u.ID)
}

// userInAccount loads a user of the actor's account; users of other
// accounts do not exist for the actor.
func userInAccount(ctx context.Context, r store.Reader, a Actor, id string) (domain.User, error) {
	if authz.ValidID(id) != nil {
		return domain.User{}, notFound("user")
	}
	u, err := r.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && u.AccountID != a.AccountID {
		return domain.User{}, notFound("user")
	}
	return u, err
}

// redact hides what only user managers and the user may see.
func (s *Service) redact(a Actor, u domain.User) domain.User {
	if u.ID == a.UserID || s.can(a, authz.ManageUsers) {
		return u
	}
	u.Email, u.Fields = "", map[string]string{}
	return u
}

// GetUser returns a user of the actor's account. Emails and custom fields
// are shown to user managers and to the user only.
func (s *Service) GetUser(ctx context.Context, a Actor, id string) (domain.User, error) {
	if err := s.member(a); err != nil {
		return domain.User{}, err
	}
	u, err := userInAccount(ctx, s.store, a, id)
	if err != nil {
		return domain.User{}, err
	}
	return s.redact(a, u), nil
}

// ListUsers lists users of the actor's account.
func (s *Service) ListUsers(ctx context.Context, a Actor, f store.UserFilter) ([]domain.User, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	if f.Status != "" {
		if _, err := domain.ParseStatus(string(f.Status)); err != nil {
			return nil, invalidErr("status", err)
		}
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	if !s.can(a, authz.ManageUsers) {
		f.Query = "" // others may not search by email
	}
	us, err := s.store.ListUsers(ctx, a.AccountID, f)
	if err != nil {
		return nil, err
	}
	for i := range us {
		us[i] = s.redact(a, us[i])
	}
	return us, nil
}

// UserUpdate changes a user; nil fields stay as they are.
type UserUpdate struct {
	Email       *string
	DisplayName *string
	Status      *string
	Roles       *[]string
	CustomRoles *[]string
	Access      *[]string
	Fields      *map[string]string
	// Reason says why the status changes (a ban, say); it goes into the
	// audit log's entry of the change.
	Reason string
}

// MaxStatusReason bounds a status change's reason.
const MaxStatusReason = 500

// UpdateUser changes a user. Users may change their own display name;
// everything else needs manage_users, and changing the status of an owner
// or admin, or the owner role, needs manage_owners. Deactivating or banning
// ends the user's sessions and tokens in the same transaction, and the
// account always keeps an active owner.
func (s *Service) UpdateUser(ctx context.Context, a Actor, id string, in UserUpdate) (domain.User, error) {
	if err := s.member(a); err != nil {
		return domain.User{}, err
	}
	_, err := s.auditedUpdate(ctx, a.event(AuditUserUpdate, "user:"+id), func(tx store.Tx, ev *domain.AuditEvent) error {
		u, err := userInAccount(ctx, tx, a, id)
		if err != nil {
			return err
		}
		before := u
		defer func() {
			ev.Detail = userChanges(before, u)
			if in.Reason != "" {
				ev.Detail["status_reason"] = truncate(strings.TrimSpace(in.Reason), MaxStatusReason)
			}
		}()
		self := u.ID == a.UserID
		onlyName := in.Email == nil && in.Status == nil && in.Roles == nil && in.CustomRoles == nil && in.Access == nil && in.Fields == nil
		if !(self && onlyName) {
			if err := s.require(a, authz.ManageUsers); err != nil {
				return err
			}
		}
		oldRoles, _ := authz.ParseRoles(u.Roles)
		oldStatus, oldEmail := u.Status, u.Email
		if in.Email != nil {
			e, err := domain.NormalizeEmail(strings.TrimSpace(*in.Email))
			if err != nil {
				return invalidErr("email", err)
			}
			u.Email = e
		}
		if in.DisplayName != nil {
			n := strings.TrimSpace(*in.DisplayName)
			if err := domain.CheckName("display_name", n, true, 200); err != nil {
				return invalidErr("display_name", err)
			}
			u.DisplayName = n
		}
		if in.Reason != "" && (in.Status == nil || len(in.Reason) > MaxStatusReason) {
			return invalid("reason", "a reason goes with a status change, in at most %d bytes", MaxStatusReason)
		}
		if in.Status != nil {
			st, err := domain.ParseStatus(*in.Status)
			if err != nil {
				return invalidErr("status", err)
			}
			u.Status = st
		}
		newRoles := oldRoles
		if in.Roles != nil {
			if newRoles, err = authz.ParseRoles(*in.Roles); err != nil {
				return invalidErr("roles", err)
			}
			u.Roles = newRoles.Names()
		}
		oldCustom, perms := u.CustomRoles, map[string]authz.Permissions{}
		if in.CustomRoles != nil {
			if u.CustomRoles, perms, err = resolveCustomRoles(ctx, tx, a, *in.CustomRoles, "custom_roles"); err != nil {
				return err
			}
		}
		if in.Access != nil {
			if u.Access, err = domain.ParseAccess(*in.Access); err != nil {
				return invalidErr("access", err)
			}
		}
		if in.Fields != nil {
			if err := domain.CheckFields(*in.Fields); err != nil {
				return invalidErr("fields", err)
			}
			u.Fields = *in.Fields
		}
		grant := roleGrant{oldRoles: oldRoles, newRoles: newRoles, oldCustom: oldCustom, newCustom: u.CustomRoles, perms: perms}
		if err := s.checkRoleGrant(a, grant); err != nil {
			return err
		}
		if !self && !strings.EqualFold(u.Email, oldEmail) {
			// A new address receives the user's password-reset mail:
			// changing it is taking over the user's sign-in.
			if err := s.requireTakeover(a, before); err != nil {
				return err
			}
		}
		if u.Status != oldStatus {
			if oldRoles.Has(authz.RoleOwner) || oldRoles.Has(authz.RoleAdmin) {
				if err := s.require(a, authz.ManageOwners); err != nil {
					return err
				}
			}
			if u.Status == domain.StatusPending {
				return invalid("status", "a user cannot go back to pending")
			}
			if u.Status == domain.StatusActive {
				if err := checkUserLimit(ctx, tx, u.AccountID); err != nil {
					return err
				}
			}
		}
		if !strings.EqualFold(u.Email, oldEmail) {
			// A new address is unproven: earlier verification mail no
			// longer applies.
			u.EmailVerified = false
			if err := tx.ExpireUserTokens(ctx, u.ID, store.PurposeVerifyEmail); err != nil {
				return err
			}
		}
		if err := unique(tx.UpdateUser(ctx, u), "another user of the account has this email"); err != nil {
			return err
		}
		if u.Status != domain.StatusActive && oldStatus == domain.StatusActive {
			if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
				return err
			}
			if err := tx.RevokeUserTokens(ctx, u.ID); err != nil {
				return err
			}
		}
		return checkOwnersRemain(ctx, tx, u.AccountID)
	})
	if err != nil {
		return domain.User{}, err
	}
	return s.GetUser(ctx, a, id)
}

// SetPassword sets a user's password: users their own (giving the current
// one), user managers anyone's but an owner's or admin's, which needs
// manage_owners. All of the user's sessions end (sign in again).
func (s *Service) SetPassword(ctx context.Context, a Actor, id, current, next string) error {
	if err := s.member(a); err != nil {
		return err
	}
	// The policy needs the user's username and email; the user is read
	// again inside the transaction, which decides.
	target, err := userInAccount(ctx, s.store, a, id)
	if err != nil {
		return s.refused(ctx, a.event(AuditUserPassword, "user:"+id), err)
	}
	if err := identity.CheckPasswordFor(next, target.Username, target.Email); err != nil {
		return invalidErr("password", err)
	}
	hash, err := identity.HashPassword(next, s.pw)
	if err != nil {
		return err
	}
	_, err = s.auditedUpdate(ctx, a.event(AuditUserPassword, "user:"+id), func(tx store.Tx, _ *domain.AuditEvent) error {
		u, err := userInAccount(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if u.ID == a.UserID {
			creds, err := tx.FindLogin(ctx, u.Username)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(creds, func(c store.Credentials) bool { return c.UserID == u.ID })
			ok := false
			if i >= 0 && creds[i].PasswordHash != "" {
				ok, _ = identity.VerifyPassword(creds[i].PasswordHash, current)
			}
			if !ok {
				return forbidden("the current password is wrong")
			}
		} else {
			if err := s.requireTakeover(a, u); err != nil {
				return err
			}
		}
		if err := tx.SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		return tx.DeleteUserSessions(ctx, u.ID)
	})
	return err
}

// userChanges describes, for the audit log, what changed between two
// versions of a user.
func userChanges(before, after domain.User) map[string]string {
	d := map[string]string{}
	if before.Email != after.Email {
		d["email"] = after.Email
	}
	if before.DisplayName != after.DisplayName {
		d["display_name"] = after.DisplayName
	}
	if before.Status != after.Status {
		d["status"] = string(before.Status) + " -> " + string(after.Status)
	}
	if !slices.Equal(before.Roles, after.Roles) {
		d["roles"] = strings.Join(before.Roles, ",") + " -> " + strings.Join(after.Roles, ",")
	}
	if !slices.Equal(before.CustomRoles, after.CustomRoles) {
		d["custom_roles"] = strings.Join(before.CustomRoles, ",") + " -> " + strings.Join(after.CustomRoles, ",")
	}
	if !slices.Equal(before.Access, after.Access) {
		d["access"] = strings.Join(before.Access, ",") + " -> " + strings.Join(after.Access, ",")
	}
	if !maps.Equal(before.Fields, after.Fields) {
		d["fields"] = "changed"
	}
	return d
}

// requireOver checks that the actor may act on another user's sign-in
// (password, sessions, second factor): manage_users, and manage_owners
// when that user is an owner or admin, directly or through a group.
func (s *Service) requireOver(a Actor, u domain.User) error {
	if err := s.require(a, authz.ManageUsers); err != nil {
		return err
	}
	roles, _ := authz.ParseRoles(u.Roles)
	roles |= s.Engine().EffectiveRoles(u.ID)
	if roles.Has(authz.RoleOwner) || roles.Has(authz.RoleAdmin) {
		return s.require(a, authz.ManageOwners)
	}
	return nil
}

// requireTakeover checks that the actor may take over another user's
// sign-in (set the password, change the email that password resets go
// to): as requireOver, and holding every account permission the user
// holds, so that nobody gains a permission by signing in as someone else.
func (s *Service) requireTakeover(a Actor, u domain.User) error {
	if err := s.requireOver(a, u); err != nil {
		return err
	}
	return s.checkHolds(a, s.Engine().EffectivePermissions(u.ID), "taking over this user's sign-in")
}
