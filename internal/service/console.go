package service

import (
	"context"
	"errors"
	"slices"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// What the web console needs beyond the API's operations: names for the
// user ids its pages show (read at once, never one by one), the plan's
// usage, and which review queues the actor works, so that a page nobody
// may use there is not found rather than empty.

// MaxUserNames bounds one UserNames call: a page's worth of ids.
const MaxUserNames = 1000

// UserNames returns the users of the actor's account with these ids, by
// id, as GetUser shows them (emails and fields to user managers and the
// user only). Ids of other accounts, or of nobody, are absent.
func (s *Service) UserNames(ctx context.Context, a Actor, ids []string) (map[string]domain.User, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	if len(ids) > MaxUserNames {
		return nil, invalid("ids", "at most %d users at once", MaxUserNames)
	}
	ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return authz.ValidID(id) != nil })
	us, err := s.store.GetUsers(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]domain.User, len(us))
	for _, u := range us {
		if u.AccountID == a.AccountID {
			out[u.ID] = s.redact(a, u)
		}
	}
	return out, nil
}

// FindUser returns the user of the actor's account with this username,
// as GetUser shows it: every member may list the account's users, so a
// username is no secret among them. Another account's is not found.
func (s *Service) FindUser(ctx context.Context, a Actor, username string) (domain.User, error) {
	if err := s.member(a); err != nil {
		return domain.User{}, err
	}
	u, err := s.store.GetUserByUsername(ctx, a.AccountID, username)
	if errors.Is(err, store.ErrNotFound) {
		return domain.User{}, notFound("user")
	}
	if err != nil {
		return domain.User{}, err
	}
	return s.redact(a, u), nil
}

// GroupNames returns the account's groups by name, without their members
// and roles: what a page naming groups needs (any member may list the
// groups).
func (s *Service) GroupNames(ctx context.Context, a Actor) ([]domain.Group, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	return s.store.ListGroupNames(ctx, a.AccountID)
}

// Usage is what an account uses of its plan's limits (0: unlimited).
type Usage struct {
	Limits domain.Limits `json:"limits"`
	// ActiveUsers count against max_users, Workspaces against
	// max_workspaces, ShareLinks (neither revoked nor expired) against
	// max_share_links, Storage against max_storage_bytes: the same counts
	// the limits are enforced with.
	ActiveUsers int                 `json:"active_users"`
	Workspaces  int                 `json:"workspaces"`
	ShareLinks  int                 `json:"share_links"`
	Storage     domain.StorageUsage `json:"storage"`
}

// AccountUsage returns the actor's account's limits and usage, read at
// one moment, to those who look after the plan: billing or
// manage_settings.
func (s *Service) AccountUsage(ctx context.Context, a Actor) (Usage, error) {
	if err := s.member(a); err != nil {
		return Usage{}, err
	}
	if !s.can(a, authz.Billing) {
		if err := s.require(a, authz.ManageSettings); err != nil {
			return Usage{}, forbidden("this needs the billing or the manage_settings permission in the account")
		}
	}
	var u Usage
	err := s.store.Snapshot(ctx, func(r store.Reader) error {
		acct, err := r.GetAccount(ctx, a.AccountID)
		if err != nil {
			return storeErr(err, "account")
		}
		u.Limits = acct.Limits
		if u.ActiveUsers, err = r.CountUsers(ctx, a.AccountID, domain.StatusActive); err != nil {
			return err
		}
		if u.Workspaces, err = r.CountWorkspaces(ctx, a.AccountID); err != nil {
			return err
		}
		if u.ShareLinks, err = r.CountActiveShareLinks(ctx, a.AccountID, time.Now().UTC()); err != nil {
			return err
		}
		u.Storage, err = r.StorageUsage(ctx, a.AccountID)
		return err
	})
	return u, err
}

// Duties says which review queues the actor works.
type Duties struct {
	// ApprovesAccess: a member of the approver group of an access
	// relation, who decides the requests of its requester groups.
	ApprovesAccess bool `json:"approves_access"`
	// ReviewsAccess: holds review_access, and so reads every request.
	ReviewsAccess bool `json:"reviews_access"`
	// Moderates: a member of the approver group of a moderation relation,
	// or of a group some held upload waits for.
	Moderates bool `json:"moderates"`
}

// MyDuties returns the actor's duties under the account's current
// relations and holds.
func (s *Service) MyDuties(ctx context.Context, a Actor) (Duties, error) {
	if err := s.member(a); err != nil {
		return Duties{}, err
	}
	rels, err := s.store.ListApprovalRelations(ctx, a.AccountID)
	if err != nil {
		return Duties{}, err
	}
	e := s.Engine()
	d := Duties{ReviewsAccess: s.can(a, authz.ReviewAccess)}
	for _, rel := range rels {
		if !e.MemberOf(a.UserID, rel.ApproverGroup) {
			continue
		}
		if rel.Kind == domain.RelationModeration {
			d.Moderates = true
		} else {
			d.ApprovesAccess = true
		}
	}
	if !d.Moderates {
		// A hold keeps the approver groups it was made with, after its
		// relation is gone: their members still decide it.
		q, err := s.ListModeration(ctx, a, ModerationQuery{Limit: 1})
		if err != nil {
			return Duties{}, err
		}
		d.Moderates = len(q.Items) > 0
	}
	return d, nil
}

// GrantLevels returns the levels an approval may grant on a target type
// (account, workspace, collection, record, media), lowest first, and the
// one it grants by default for each kind of access asked (view,
// download); ok is false for any other type.
func GrantLevels(targetType string) (levels []string, forView, forDownload string, ok bool) {
	g, ok := grantLevels[targetType]
	return slices.Clone(g.levels), g.forView, g.forDownld, ok
}
