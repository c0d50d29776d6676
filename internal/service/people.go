package service

import (
	"context"
	"errors"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// What the admin console needs beyond the API's calls: the permissions
// the actor may use (to offer only what the service would allow; every
// action is still decided where it is done), a user list filtered by
// role and group, users by id (to name the members of a workspace, tier
// or role in one read), and another user's second-factor status.

// HeldPermissions returns the account permissions the actor may use now:
// those its built-in and custom roles give, directly and through groups,
// when its credentials carry the admin scope (a session always does; an
// API token may not). It reads no store.
func (s *Service) HeldPermissions(a Actor) (authz.Permissions, error) {
	if err := s.member(a); err != nil {
		return 0, err
	}
	if !a.HasScope(ScopeAdmin) {
		return 0, nil
	}
	return s.Engine().EffectivePermissions(a.UserID), nil
}

// UserQuery narrows FindUsers; zero fields do not filter.
type UserQuery struct {
	// Query is a substring of the username, email or display name. As in
	// ListUsers, only user managers search (the others would learn
	// emails); for anyone else it is ignored.
	Query  string
	Status string
	// Role is a built-in role's name or a custom role's id: its holders,
	// directly or through groups, whatever their status.
	Role string
	// Group is a group's id: its direct user members.
	Group string
	// After is the NextAfter of the previous page.
	After string
	// Limit is 1 to MaxUserPage; 0 means 100.
	Limit int
}

// MaxUserPage bounds a page of FindUsers.
const MaxUserPage = 1000

// UserPage is a page of users, in id order.
type UserPage struct {
	Users []domain.User
	// NextAfter is the After of the next page, "" after the last.
	NextAfter string
}

// FindUsers lists users of the actor's account with ListUsers' rules
// (any member; emails and fields shown to user managers only), filtered
// by role and group besides. An unknown role or group is refused on its
// field, those of other accounts like unknown ones.
func (s *Service) FindUsers(ctx context.Context, a Actor, q UserQuery) (UserPage, error) {
	page := UserPage{Users: []domain.User{}}
	if err := s.member(a); err != nil {
		return page, err
	}
	f := store.UserFilter{Query: strings.TrimSpace(q.Query), After: q.After}
	if q.Status != "" {
		st, err := domain.ParseStatus(q.Status)
		if err != nil {
			return page, invalidErr("status", err)
		}
		f.Status = st
	}
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > MaxUserPage {
		return page, invalid("limit", "limit must be from 1 to %d", MaxUserPage)
	}
	if !s.can(a, authz.ManageUsers) {
		f.Query = ""
	}
	if q.Role != "" {
		if _, err := authz.ParseRoles([]string{q.Role}); err == nil {
			f.Role = q.Role
		} else if _, err := roleInAccount(ctx, s.store, a, q.Role); err == nil {
			f.CustomRole = q.Role
		} else if e, ok := AsError(err); ok && e.Kind == KindNotFound {
			return page, invalid("role", "no role %s in this account", truncate(q.Role, 100))
		} else {
			return page, err
		}
	}
	if q.Group != "" {
		// The engine knows every group's account: no need to read the
		// group (and its members) to check it.
		if acct, ok := s.Engine().AccountOf(authz.ObjectRef{Type: authz.Group, ID: q.Group}); !ok || acct != a.AccountID {
			return page, invalid("group", "no group %s in this account", truncate(q.Group, 100))
		}
		f.Group = q.Group
	}
	// One more than asked tells whether a next page exists.
	f.Limit = limit + 1
	us, err := s.store.ListUsers(ctx, a.AccountID, f)
	if err != nil {
		return page, err
	}
	if len(us) > limit {
		us = us[:limit]
		page.NextAfter = us[limit-1].ID
	}
	for i := range us {
		us[i] = s.redact(a, us[i])
	}
	page.Users = us
	return page, nil
}

// UsersByID returns the users of the actor's account among ids (at most
// MaxUserPage), by id, redacted as GetUser does; ids of other accounts or
// of nobody are left out.
func (s *Service) UsersByID(ctx context.Context, a Actor, ids []string) (map[string]domain.User, error) {
	out := map[string]domain.User{}
	if err := s.member(a); err != nil {
		return out, err
	}
	if len(ids) > MaxUserPage {
		return out, invalid("ids", "at most %d users at once", MaxUserPage)
	}
	if len(ids) == 0 {
		return out, nil
	}
	us, err := s.store.ListUsers(ctx, a.AccountID, store.UserFilter{IDs: ids, Limit: len(ids)})
	if err != nil {
		return out, err
	}
	for _, u := range us {
		out[u.ID] = s.redact(a, u)
	}
	return out, nil
}

// UserMFA returns a user's second-factor status: the actor's own, or with
// manage_users any user's of the account.
func (s *Service) UserMFA(ctx context.Context, a Actor, userID string) (MFAStatus, error) {
	u, err := s.selfOr(ctx, a, userID, authz.ManageUsers)
	if err != nil {
		return MFAStatus{}, err
	}
	t, err := s.store.GetTOTP(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return MFAStatus{}, nil
	}
	if err != nil {
		return MFAStatus{}, err
	}
	return MFAStatus{TOTP: t.EnabledAt != nil, Pending: t.EnabledAt == nil, RecoveryCodesLeft: t.RecoveryCodesLeft}, nil
}

// UserByLogin finds a user of the actor's account by username (any
// member sees usernames), or by email for user managers (only they see
// emails). Anyone else, or nobody, is not found.
func (s *Service) UserByLogin(ctx context.Context, a Actor, login string) (domain.User, error) {
	if err := s.member(a); err != nil {
		return domain.User{}, err
	}
	login = strings.TrimSpace(login)
	if login == "" || len(login) > 254 {
		return domain.User{}, notFound("user")
	}
	u, err := s.store.GetUserByUsername(ctx, a.AccountID, strings.ToLower(login))
	if err == nil {
		return s.redact(a, u), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return domain.User{}, err
	}
	if strings.Contains(login, "@") && s.can(a, authz.ManageUsers) {
		byMail, err := s.userByEmail(ctx, a.AccountID, login)
		if err != nil {
			return domain.User{}, err
		}
		if byMail != nil {
			return *byMail, nil
		}
	}
	return domain.User{}, notFound("user")
}

// GroupSummaries lists the groups of the actor's account by name, with
// their roles and how many direct members they have, without reading the
// members (any member, as ListGroups).
func (s *Service) GroupSummaries(ctx context.Context, a Actor) ([]store.GroupSummary, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	return s.store.ListGroupSummaries(ctx, a.AccountID)
}

// GroupNesting returns, for each group of the actor's account containing
// groups, the ids of the groups it contains directly (any member).
func (s *Service) GroupNesting(ctx context.Context, a Actor) (map[string][]string, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	return s.store.GroupNesting(ctx, a.AccountID)
}

// UserGroups returns the ids of the groups a user of the actor's account
// is a direct member of (any member, as ListGroups shows members).
func (s *Service) UserGroups(ctx context.Context, a Actor, userID string) ([]string, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	if acct, ok := s.Engine().UserAccount(userID); !ok || acct != a.AccountID {
		return nil, notFound("user")
	}
	return s.store.MemberGroups(ctx, authz.User(userID))
}
