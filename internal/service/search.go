package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/textindex"
)

// SearchQuery is a record search as the API takes it. Every filter given
// must hold; workspaces and media types list alternatives.
type SearchQuery struct {
	Text          string // words that must all occur in title, description or keywords
	Workspaces    []string
	Collection    string
	MediaTypes    []string
	Fields        map[string]string // custom field = value, compared without case
	CreatedAfter  time.Time         // inclusive
	CreatedBefore time.Time         // exclusive
	UpdatedAfter  time.Time
	UpdatedBefore time.Time
	Sort          string // created, updated or title; a leading '-' for descending; default -created
	Permission    authz.Permission
	Limit         int
	Cursor        string
}

// Search limits: a query is for people, not a way to ship a document.
const (
	MaxSearchWords  = 32
	MaxSearchFilter = 50 // workspaces, media types and fields, each
)

var sortKeys = map[string]authz.SortKey{"created": authz.SortCreated, "updated": authz.SortUpdated, "title": authz.SortTitle}

// engineQuery validates q and turns it into the engine's query.
func (s *Service) engineQuery(a Actor, q SearchQuery) (authz.SearchQuery, error) {
	eq := authz.SearchQuery{Text: q.Text, Collection: q.Collection, Fields: q.Fields, Limit: q.Limit, Cursor: q.Cursor, Permission: q.Permission}
	if eq.Permission == 0 {
		eq.Permission = authz.CanView
	}
	if !authz.Supported(authz.Record, eq.Permission) {
		return eq, badQuery("permission", "%s is not a permission of records", eq.Permission)
	}
	if len(q.Text) > 1000 {
		return eq, badQuery("q", "the text is longer than 1000 characters")
	}
	words := len(textindex.Tokens(q.Text))
	if words > MaxSearchWords {
		return eq, badQuery("q", "the text has %d words; at most %d are searched together", words, MaxSearchWords)
	}
	if strings.TrimSpace(q.Text) != "" && words == 0 {
		return eq, badQuery("q", "the text has no words to search for (letters or digits)")
	}
	if len(q.Workspaces) > MaxSearchFilter || len(q.MediaTypes) > MaxSearchFilter || len(q.Fields) > MaxSearchFilter {
		return eq, badQuery("", "at most %d workspaces, media types and fields can be given", MaxSearchFilter)
	}
	e := s.Engine()
	for _, w := range q.Workspaces {
		if acct, ok := e.AccountOf(authz.ObjectRef{Type: authz.Workspace, ID: w}); !ok || acct != a.AccountID {
			return eq, notFound("workspace " + w)
		}
	}
	eq.Workspaces = q.Workspaces
	if q.Collection != "" {
		if err := s.visible(a, authz.ObjectRef{Type: authz.Collection, ID: q.Collection}); err != nil {
			return eq, err
		}
	}
	for _, m := range q.MediaTypes {
		if !slices.Contains(domain.MediaTypes, m) {
			return eq, badQuery("media_type", "unknown media type %q (want one of %s)", m, strings.Join(domain.MediaTypes, ", "))
		}
	}
	eq.MediaTypes = q.MediaTypes
	for k := range q.Fields {
		if k == "" || len(k) > 64 {
			return eq, badQuery("field", "a field name must have 1 to 64 characters")
		}
	}
	var err error
	if eq.Created, err = timeRange(q.CreatedAfter, q.CreatedBefore, "created_before"); err != nil {
		return eq, err
	}
	if eq.Updated, err = timeRange(q.UpdatedAfter, q.UpdatedBefore, "updated_before"); err != nil {
		return eq, err
	}
	sortName := q.Sort
	if sortName == "" {
		sortName = "-created"
	}
	key, ok := sortKeys[strings.TrimPrefix(sortName, "-")]
	if !ok {
		return eq, badQuery("sort", "unknown sort %q (want created, updated or title, with '-' in front for descending)", q.Sort)
	}
	eq.Sort, eq.Desc = key, strings.HasPrefix(sortName, "-")
	if eq.Limit <= 0 {
		eq.Limit = 100
	}
	if eq.Limit > MaxPage {
		return eq, badQuery("limit", "limit must be between 1 and %d", MaxPage)
	}
	return eq, nil
}

func timeRange(after, before time.Time, field string) (authz.TimeRange, error) {
	var r authz.TimeRange
	if !after.IsZero() {
		r.From = after.UnixMicro()
	}
	if !before.IsZero() {
		r.To = before.UnixMicro()
		if r.To <= r.From {
			return r, badQuery(field, "the range is empty: it must end after it starts")
		}
	}
	return r, nil
}

// SearchRecords finds the records the actor can view (or holds
// q.Permission on) that match q: one page in q's order, with the exact
// number of matches. The permission index does both the matching and the
// filtering, so counts and pages never include what the actor cannot see.
func (s *Service) SearchRecords(ctx context.Context, a Actor, q SearchQuery) (Listing[domain.Record], error) {
	if err := s.member(a); err != nil {
		return Listing[domain.Record]{}, err
	}
	eq, err := s.engineQuery(a, q)
	if err != nil {
		return Listing[domain.Record]{}, err
	}
	p, err := s.Engine().Search(a.UserID, eq)
	if errors.Is(err, authz.ErrBadCursor) {
		return Listing[domain.Record]{}, badQuery("cursor", "the cursor is not one this server returned for this sort, or it expired when the server restarted; start the search again")
	}
	if err != nil {
		return Listing[domain.Record]{}, err
	}
	recs, err := s.store.GetRecords(ctx, p.IDs)
	s.markHeld(recs)
	return Listing[domain.Record]{Items: recs, NextCursor: p.NextCursor, Total: p.Total}, err
}

// AwaitRevision makes this server reflect at least the revision a token
// names (the "revision" of an earlier response, from any server of the
// same data) before a read: read-your-writes across requests and servers.
func (s *Service) AwaitRevision(ctx context.Context, token string) error {
	rev, ok := s.revTokens.Decode(token)
	if !ok {
		return badQuery("at_least_revision", "not a revision token of this server's data: send the revision of an earlier response, or none")
	}
	if s.Engine().Revision() >= rev {
		return nil
	}
	if err := s.Sync(ctx); err != nil {
		return err
	}
	if s.Engine().Revision() < rev {
		// Tokens come from committed writes of this store, so Sync reaches
		// them; only a store restored from an older backup would not.
		return &Error{Kind: KindConflict, Code: "revision_unavailable", Field: "at_least_revision", Message: "this server's data is older than the revision asked for"}
	}
	return nil
}
