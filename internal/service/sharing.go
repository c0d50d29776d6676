package service

import (
	"context"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// What the sharing pages of the web interface need beyond the API's
// single calls: the what-if of an ACL change, names for the ids that
// explanations and listings return, and batch selections by search.

// PermissionChange is who would gain and who would lose one permission.
type PermissionChange struct {
	Permission string   `json:"permission"`
	Gain       []string `json:"gain"` // user ids, sorted
	Lose       []string `json:"lose"`
}

// ACLPreview is the effect of a proposed ACL: the permissions it would
// change, in the type's order, and the ACL as it would be saved.
type ACLPreview struct {
	Entries []domain.ACLEntry  `json:"entries"`
	Changes []PermissionChange `json:"changes"`
}

// PreviewACL computes, without changing anything, which active users
// would gain or lose each permission on an object if its ACL became
// entries: the what-if of SetACL. It takes what SetACL takes (the owner
// role on the object's workspace, entries of the account) and fails as
// SetACL would, so that a preview never shows a change that cannot be
// saved. Approved access requests' grants stay, as they would.
func (s *Service) PreviewACL(ctx context.Context, a Actor, ref authz.ObjectRef, entries []domain.ACLEntry) (ACLPreview, error) {
	if err := s.member(a); err != nil {
		return ACLPreview{}, err
	}
	if !ref.Type.IsContent() {
		return ACLPreview{}, notFound(ref.Type.String())
	}
	if err := s.canManage(a, ref); err != nil {
		return ACLPreview{}, err
	}
	norm, err := checkACL(ctx, s.store, a, ref.Type, entries, "entries")
	if err != nil {
		return ACLPreview{}, err
	}
	granted, err := s.store.AccessGrantsOn(ctx, ref.Type.String(), []string{ref.ID})
	if err != nil {
		return ACLPreview{}, err
	}
	acl, err := domain.WithGrantedACL(ref.Type, domain.EngineACL(ref.Type, norm), granted[ref.ID])
	if err != nil {
		return ACLPreview{}, err
	}
	effects, err := s.Engine().WhatIfACL(ref, acl)
	if err != nil {
		return ACLPreview{}, err
	}
	out := ACLPreview{Entries: norm, Changes: []PermissionChange{}}
	for _, ef := range effects {
		if len(ef.Gain) > 0 || len(ef.Lose) > 0 {
			out.Changes = append(out.Changes, PermissionChange{Permission: ef.Permission.String(), Gain: ef.Gain, Lose: ef.Lose})
		}
	}
	return out, nil
}

// MayEditACL reports whether the actor may change an object's ACL (as
// SetACL decides), so that a page offers the form only to those who may
// send it. An object the actor cannot see is not found.
func (s *Service) MayEditACL(ctx context.Context, a Actor, ref authz.ObjectRef) (bool, error) {
	if err := s.member(a); err != nil {
		return false, err
	}
	if !ref.Type.IsContent() {
		return false, notFound(ref.Type.String())
	}
	err := s.canManage(a, ref)
	if e, ok := AsError(err); ok && e.Kind == KindForbidden {
		return false, nil
	}
	return err == nil, err
}

// Labels names users, groups, tiers and workspaces of the actor's account
// for a page, in one read: users by display name and username, the
// others by name. Every member may read the names of users, groups and
// tiers (as GetUser and GetGroup allow); workspaces the actor holds no
// role on stay unnamed, as GetWorkspace hides them. Refs the actor may not
// name are absent.
func (s *Service) Labels(ctx context.Context, a Actor, refs []store.Ref) (map[store.Ref]store.Label, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	e := s.Engine()
	ask := make([]store.Ref, 0, len(refs))
	for _, r := range refs {
		if authz.ValidID(r.ID) != nil {
			continue
		}
		if r.Kind == store.KindWorkspace && !e.Check(a.UserID, authz.CanView, authz.ObjectRef{Type: authz.Workspace, ID: r.ID}) {
			continue
		}
		ask = append(ask, r)
	}
	if len(ask) == 0 {
		return map[store.Ref]store.Label{}, nil
	}
	return s.store.Labels(ctx, a.AccountID, ask)
}

// UserByUsername finds an active user of the actor's account by username
// (any member may: usernames are what people are known by in the
// account), for pages where people are named rather than picked from a
// list. A user of another account, or none, is not found.
func (s *Service) UserByUsername(ctx context.Context, a Actor, username string) (domain.User, error) {
	if err := s.member(a); err != nil {
		return domain.User{}, err
	}
	username = strings.ToLower(strings.TrimSpace(username))
	if domain.CheckUsername(username) != nil {
		return domain.User{}, notFound("user")
	}
	u, err := s.store.GetUserByUsername(ctx, a.AccountID, username)
	if err != nil {
		return domain.User{}, storeErr(err, "user")
	}
	return s.redact(a, u), nil
}

// MaxRecordsByID bounds RecordsByID: a page's worth.
const MaxRecordsByID = MaxPage

// RecordsByID returns the records among ids that the actor can view, in
// the order of ids, in one read; the others are left out, as if they did
// not exist.
func (s *Service) RecordsByID(ctx context.Context, a Actor, ids []string) ([]domain.Record, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	if len(ids) > MaxRecordsByID {
		return nil, invalid("ids", "at most %d records at once", MaxRecordsByID)
	}
	visible := make([]string, 0, len(ids))
	for _, id := range ids {
		if s.visible(a, authz.ObjectRef{Type: authz.Record, ID: id}) == nil {
			visible = append(visible, id)
		}
	}
	if len(visible) == 0 {
		return []domain.Record{}, nil
	}
	recs, err := s.store.GetRecords(ctx, visible)
	s.markHeld(recs)
	return recs, err
}

// Selection is the records a search selects for a batch ACL edit.
type Selection struct {
	// Matching is how many records the actor can view match the query;
	// IDs are those of them whose ACL the actor may change.
	Matching int
	IDs      []string
}

// SelectRecords resolves a search (its text and filters; order, page and
// permission are ignored) to the records whose ACL the actor may change,
// for a batch ACL edit "on every record matching the query". It also
// counts the matches the actor can only view, so that a page can say
// which were left out. More than MaxBatchObjects changeable records is
// too many for one batch.
func (s *Service) SelectRecords(ctx context.Context, a Actor, q SearchQuery) (Selection, error) {
	if err := s.member(a); err != nil {
		return Selection{}, err
	}
	q.Cursor, q.Sort, q.Limit = "", "", 1
	q.Permission = authz.CanView
	eq, err := s.engineQuery(a, q)
	if err != nil {
		return Selection{}, err
	}
	e := s.Engine()
	seen, err := e.Search(a.UserID, eq)
	if err != nil {
		return Selection{}, err
	}
	// The owner role on a record's workspace is what SetACL and EditACLs
	// take, and what can_manage on a record is.
	eq.Permission, eq.Limit = authz.CanManage, MaxBatchObjects+1
	p, err := e.Search(a.UserID, eq)
	if err != nil {
		return Selection{}, err
	}
	if len(p.IDs) > MaxBatchObjects {
		return Selection{}, &Error{Kind: KindTooLarge, Code: "too_many_objects", Field: "ids", Message: "a batch selects at most 100000 objects: narrow the search"}
	}
	return Selection{Matching: seen.Total, IDs: p.IDs}, nil
}

// SubjectChoices lists what a picker of ACL subjects offers: the
// account's groups and, unless it has more than maxUsers, its active
// users, each with its label, by name; more says the users were too many
// to list (name them by username, UserByUsername). Any member may: the
// same names GetGroup and ListUsers give them. Two light reads, without
// members or roles.
func (s *Service) SubjectChoices(ctx context.Context, a Actor, maxUsers int) (groups, users []store.Labeled, more bool, err error) {
	if err := s.member(a); err != nil {
		return nil, nil, false, err
	}
	if groups, err = s.store.ListLabels(ctx, a.AccountID, store.KindGroup, MaxPage); err != nil {
		return nil, nil, false, err
	}
	if users, err = s.store.ListLabels(ctx, a.AccountID, store.KindUser, maxUsers+1); err != nil {
		return nil, nil, false, err
	}
	if len(users) > maxUsers {
		return groups, nil, true, nil
	}
	return groups, users, false, nil
}
