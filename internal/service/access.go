package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/mail"
	"atrium/internal/store"
)

// Access requests: request/approval relationships of the "approve access"
// type. Admins relate requester groups to an approver group; a member of a
// requester group asks for view or download of the account, a workspace, a
// collection, a record or a media object; a member of the approver group
// approves it, with a level and an optional end date, or rejects it with a
// reason. An approval's grant is a set of tuples the permission index
// reads as part of the objects' ACLs, the workspace's members or the
// user's roles (store.AccessGrant), so it never disturbs what was set by
// hand, and it ends by itself at its end date (RunAccessExpiry).

// Audit event types of access requests.
const (
	AuditApprovalCreate = "approval.create"
	AuditApprovalDelete = "approval.delete"
	AuditAccessRequest  = "access.request"
	AuditAccessApprove  = "access.approve"
	AuditAccessReject   = "access.reject"
	AuditAccessWithdraw = "access.withdraw"
	AuditAccessRevoke   = "access.revoke"
	AuditAccessExpire   = "access.expire"
)

// Bounds of access requests.
const (
	MaxRequestMessage = 2000
	// MaxGrantTuples bounds what one approval grants: a collection or
	// record with more objects than this cannot be granted in one piece.
	MaxGrantTuples = 10000
	maxNotified    = 100
)

// Target types of access requests.
var requestTargets = map[string]bool{"account": true, "workspace": true, "collection": true, "record": true, "media": true}

// grantLevels are the levels an approval may grant per target type,
// lowest first, and the default level for each kind of access asked.
var grantLevels = map[string]struct {
	levels             []string
	forView, forDownld string
}{
	"account":    {[]string{"viewer", "editor"}, "viewer", "editor"},
	"workspace":  {[]string{"viewer", "contributor", "editor"}, "viewer", "contributor"},
	"collection": {[]string{"view", "download", "edit"}, "view", "download"},
	"record":     {[]string{"view", "download", "edit"}, "view", "download"},
	"media":      {[]string{"preview", "view", "download", "edit"}, "view", "download"},
}

// ApprovalInput creates a request/approval relationship.
type ApprovalInput struct {
	// Kind is domain.RelationAccess (the default) or
	// domain.RelationModeration.
	Kind            string
	RequesterGroups []string
	ApproverGroup   string
}

// groupField fails with a field error unless id is a group of the
// actor's account.
func groupField(ctx context.Context, r store.Reader, a Actor, id, field string) error {
	_, err := groupInAccount(ctx, r, a, id)
	if e, ok := AsError(err); ok && e.Kind == KindNotFound {
		return invalid(field, "no group %s in the account", truncate(id, 100))
	}
	return err
}

// CreateApprovalRelation relates requester groups to an approver group
// (manage_groups).
func (s *Service) CreateApprovalRelation(ctx context.Context, a Actor, in ApprovalInput) (domain.ApprovalRelation, error) {
	if err := s.member(a); err != nil {
		return domain.ApprovalRelation{}, err
	}
	rel := domain.ApprovalRelation{ID: domain.NewID("apr"), AccountID: a.AccountID, Kind: in.Kind, ApproverGroup: in.ApproverGroup, CreatedBy: a.UserID}
	if rel.Kind == "" {
		rel.Kind = domain.RelationAccess
	}
	ev := a.event(AuditApprovalCreate, "approval:"+rel.ID)
	if err := s.require(a, authz.ManageGroups); err != nil {
		return rel, s.refused(ctx, ev, err)
	}
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		if rel.Kind != domain.RelationAccess && rel.Kind != domain.RelationModeration {
			return invalid("kind", "kind must be access or moderation")
		}
		if len(in.RequesterGroups) == 0 {
			return invalid("requester_groups", "name at least one requester group")
		}
		if len(in.RequesterGroups) > 100 {
			return invalid("requester_groups", "at most 100 requester groups")
		}
		if err := groupField(ctx, tx, a, in.ApproverGroup, "approver_group"); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, g := range in.RequesterGroups {
			if seen[g] {
				continue
			}
			seen[g] = true
			if err := groupField(ctx, tx, a, g, "requester_groups"); err != nil {
				return err
			}
			rel.RequesterGroups = append(rel.RequesterGroups, g)
		}
		slices.Sort(rel.RequesterGroups)
		rel.CreatedAt = tx.Now()
		ev.Detail = map[string]string{"kind": rel.Kind, "approver_group": rel.ApproverGroup, "requester_groups": strings.Join(rel.RequesterGroups, ",")}
		return tx.CreateApprovalRelation(ctx, rel)
	})
	return rel, err
}

// ListApprovalRelations lists the account's relations (any member may
// read them: they say whom to ask).
func (s *Service) ListApprovalRelations(ctx context.Context, a Actor) ([]domain.ApprovalRelation, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	return s.store.ListApprovalRelations(ctx, a.AccountID)
}

// DeleteApprovalRelation removes a relation (manage_groups). Pending
// requests stay; only relations that still stand let anyone decide them.
func (s *Service) DeleteApprovalRelation(ctx context.Context, a Actor, id string) error {
	if err := s.member(a); err != nil {
		return err
	}
	ev := a.event(AuditApprovalDelete, "approval:"+id)
	if err := s.require(a, authz.ManageGroups); err != nil {
		return s.refused(ctx, ev, err)
	}
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		rel, err := tx.GetApprovalRelation(ctx, id)
		if authz.ValidID(id) != nil || errors.Is(err, store.ErrNotFound) || err == nil && rel.AccountID != a.AccountID {
			return notFound("approval relation")
		}
		if err != nil {
			return err
		}
		return tx.DeleteApprovalRelation(ctx, id)
	})
	return err
}

// AccessRequestInput asks for access.
type AccessRequestInput struct {
	TargetType string
	TargetID   string
	Access     string // view or download
	Message    string
}

// targetRef is the engine reference of a request target other than the
// account.
func targetRef(typ, id string) authz.ObjectRef {
	t, _ := authz.ParseObjectType(typ)
	return authz.ObjectRef{Type: t, ID: id}
}

// targetInAccount reports whether a request's target exists in account
// acct. The requester need not see it: one asks for what one cannot see.
func (s *Service) targetInAccount(acct, typ, id string) bool {
	if typ == "account" {
		return id == acct
	}
	if authz.ValidID(id) != nil {
		return false
	}
	got, ok := s.Engine().AccountOf(targetRef(typ, id))
	return ok && got == acct
}

// hasAccess reports whether user already has the access asked for.
func (s *Service) hasAccess(user, typ, id, access string) bool {
	e := s.Engine()
	switch typ {
	case "account":
		// What an account grant gives: a role on every workspace.
		need := authz.Viewer
		if access == domain.AccessDownload {
			need = authz.Editor
		}
		return e.EffectiveRoles(user).WorkspaceRole() >= need
	case "workspace":
		need := authz.Viewer
		if access == domain.AccessDownload {
			need = authz.Contributor
		}
		return e.WorkspaceRole(user, id) >= need
	case "media":
		p := authz.CanView
		if access == domain.AccessDownload {
			p = authz.CanDownload
		}
		return e.Check(user, p, authz.ObjectRef{Type: authz.Media, ID: id})
	}
	// Records and collections: viewing them is what view asks; download
	// asks for their media too, which the grant's tuples say.
	return access == domain.AccessView && e.Check(user, authz.CanView, targetRef(typ, id))
}

// holding returns the relations whose requester groups hold user.
func (s *Service) holding(rels []domain.ApprovalRelation, user string) []domain.ApprovalRelation {
	e := s.Engine()
	var out []domain.ApprovalRelation
	for _, rel := range rels {
		if slices.ContainsFunc(rel.RequesterGroups, func(g string) bool { return e.MemberOf(user, g) }) {
			out = append(out, rel)
		}
	}
	return out
}

// relationsFor returns the account's relations whose requester groups
// hold user.
func (s *Service) relationsFor(ctx context.Context, r store.Reader, accountID, user string) ([]domain.ApprovalRelation, error) {
	rels, err := accessRelations(ctx, r, accountID)
	if err != nil {
		return nil, err
	}
	return s.holding(rels, user), nil
}

// approvesIn reports whether the actor may decide requests of requester
// under the account's relations rels: it is in the approver group of a
// relation whose requester groups hold the requester. Nobody decides
// their own request.
func (s *Service) approvesIn(rels []domain.ApprovalRelation, a Actor, requester string) bool {
	if requester == a.UserID {
		return false
	}
	for _, rel := range s.holding(rels, requester) {
		if s.Engine().MemberOf(a.UserID, rel.ApproverGroup) {
			return true
		}
	}
	return false
}

// approves is approvesIn under the account's current relations.
func (s *Service) approves(ctx context.Context, r store.Reader, a Actor, requester string) (bool, error) {
	rels, err := accessRelations(ctx, r, a.AccountID)
	if err != nil {
		return false, err
	}
	return s.approvesIn(rels, a, requester), nil
}

// RequestAccess records a pending request of the actor and notifies the
// approvers. The actor must be in a requester group of some relation.
func (s *Service) RequestAccess(ctx context.Context, a Actor, in AccessRequestInput) (domain.AccessRequest, error) {
	if err := s.member(a); err != nil {
		return domain.AccessRequest{}, err
	}
	q := domain.AccessRequest{ID: domain.NewID("req"), AccountID: a.AccountID, Requester: a.UserID, TargetType: in.TargetType,
		TargetID: in.TargetID, Access: in.Access, Message: strings.TrimSpace(in.Message), Status: domain.RequestPending}
	if q.TargetType == "account" && q.TargetID == "" {
		q.TargetID = a.AccountID
	}
	ev := a.event(AuditAccessRequest, q.TargetType+":"+truncate(q.TargetID, 100))
	ev.Detail = map[string]string{"request": q.ID, "access": truncate(q.Access, 20)}
	var approvers []string
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		if !requestTargets[q.TargetType] {
			return invalid("target_type", "target_type must be account, workspace, collection, record or media")
		}
		if q.Access != domain.AccessView && q.Access != domain.AccessDownload {
			return invalid("access", "access must be view or download")
		}
		if utf8.RuneCountInString(q.Message) > MaxRequestMessage {
			return invalid("message", "the message has at most %d characters", MaxRequestMessage)
		}
		if !s.targetInAccount(a.AccountID, q.TargetType, q.TargetID) {
			return notFound(q.TargetType)
		}
		rels, err := s.relationsFor(ctx, tx, a.AccountID, a.UserID)
		if err != nil {
			return err
		}
		if len(rels) == 0 {
			return forbidden("you are in no requester group: ask an admin to set up an approval relationship")
		}
		if s.hasAccess(a.UserID, q.TargetType, q.TargetID, q.Access) {
			return conflict("already_granted", "you have %s access to this %s already", q.Access, q.TargetType)
		}
		mine, err := tx.ListAccessRequests(ctx, a.AccountID, store.AccessRequestFilter{Status: domain.RequestPending, Requester: a.UserID})
		if err != nil {
			return err
		}
		for _, p := range mine {
			if p.TargetType == q.TargetType && p.TargetID == q.TargetID {
				return conflict("request_pending", "you asked for this %s already (request %s is pending)", q.TargetType, p.ID)
			}
		}
		set := map[string]bool{}
		for _, rel := range rels {
			for _, u := range s.Engine().GroupUsers(rel.ApproverGroup) {
				if u != a.UserID {
					set[u] = true
				}
			}
		}
		for u := range set {
			approvers = append(approvers, u)
		}
		slices.Sort(approvers)
		q.CreatedAt = tx.Now()
		ev.Detail["approvers"] = strconv.Itoa(len(approvers))
		return tx.CreateAccessRequest(ctx, q)
	})
	if err != nil {
		return domain.AccessRequest{}, err
	}
	requester, _ := s.store.GetUser(ctx, a.UserID)
	if len(approvers) > maxNotified {
		approvers = approvers[:maxNotified]
	}
	for _, u := range approvers {
		s.notify(ctx, u, "Access request from "+requester.Username, fmt.Sprintf(
			"%s (%s) asks for %s access to %s %s.\n\nMessage: %s\n\nDecide it with\n\n    POST /api/v1/access-requests/%s/approve\n    POST /api/v1/access-requests/%s/reject\n",
			requester.DisplayName, requester.Username, q.Access, q.TargetType, q.TargetID, q.Message, q.ID, q.ID))
	}
	return q, nil
}

// notify mails a user of the service's account; a failure is logged, not
// returned: the decision stands whether or not the mail goes out.
func (s *Service) notify(ctx context.Context, userID, subject, body string) {
	u, err := s.store.GetUser(ctx, userID)
	if err != nil || u.Email == "" {
		return
	}
	_ = s.send(ctx, mail.Message{To: u.Email, Subject: subject, Body: body})
}

// AccessRequestQuery lists access requests.
type AccessRequestQuery struct {
	Status string
	// Mine lists only the actor's own requests.
	Mine   bool
	Cursor string
	Limit  int
}

// AccessRequestPage is a page of access requests, newest first.
type AccessRequestPage struct {
	Requests   []domain.AccessRequest `json:"requests"`
	NextCursor string                 `json:"next_cursor"`
}

// mayReadIn reports whether the actor may see request q under the
// account's relations rels: its requester, the approvers of its
// requester, and review_access holders.
func (s *Service) mayReadIn(rels []domain.ApprovalRelation, a Actor, q domain.AccessRequest) bool {
	if q.AccountID != a.AccountID {
		return false
	}
	return q.Requester == a.UserID || s.can(a, authz.ReviewAccess) || s.approvesIn(rels, a, q.Requester)
}

// ListAccessRequests lists the requests the actor may see, newest first.
func (s *Service) ListAccessRequests(ctx context.Context, a Actor, in AccessRequestQuery) (AccessRequestPage, error) {
	page := AccessRequestPage{Requests: []domain.AccessRequest{}}
	if err := s.member(a); err != nil {
		return page, err
	}
	switch in.Status {
	case "", domain.RequestPending, domain.RequestApproved, domain.RequestRejected, domain.RequestWithdrawn, domain.RequestExpired, domain.RequestRevoked:
	default:
		return page, badQuery("status", "status must be pending, approved, rejected, withdrawn, expired or revoked")
	}
	if in.Limit == 0 {
		in.Limit = 100
	}
	if in.Limit < 1 || in.Limit > 1000 {
		return page, badQuery("limit", "limit must be between 1 and 1000")
	}
	f := store.AccessRequestFilter{Status: in.Status, Limit: 500}
	if in.Mine {
		f.Requester = a.UserID
	}
	if in.Cursor != "" {
		at, id, ok := strings.Cut(in.Cursor, ".")
		us, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil || us <= 0 || authz.ValidID(id) != nil {
			return page, badQuery("cursor", "the cursor is not one this server issued")
		}
		f.BeforeAt, f.BeforeID = time.UnixMicro(us).UTC(), id
	}
	// Requests the actor may not see are skipped: scan in batches until
	// the page is full or the account's requests run out, under one
	// reading of the relations.
	rels, err := accessRelations(ctx, s.store, a.AccountID)
	if err != nil {
		return page, err
	}
	for {
		batch, err := s.store.ListAccessRequests(ctx, a.AccountID, f)
		if err != nil {
			return page, err
		}
		for _, q := range batch {
			if !s.mayReadIn(rels, a, q) {
				continue
			}
			if len(page.Requests) == in.Limit {
				last := page.Requests[in.Limit-1]
				page.NextCursor = strconv.FormatInt(last.CreatedAt.UnixMicro(), 10) + "." + last.ID
				return page, nil
			}
			page.Requests = append(page.Requests, q)
		}
		if len(batch) < f.Limit {
			return page, nil
		}
		last := batch[len(batch)-1]
		f.BeforeAt, f.BeforeID = last.CreatedAt, last.ID
	}
}

// AccessRequestView is a request with what it grants while it stands.
type AccessRequestView struct {
	domain.AccessRequest
	Grants []domain.AccessGrant `json:"grants"`
}

// readableRequest loads a request the actor may see; any other is not
// found.
func (s *Service) readableRequest(ctx context.Context, r store.Reader, a Actor, id string) (domain.AccessRequest, error) {
	if authz.ValidID(id) != nil {
		return domain.AccessRequest{}, notFound("access request")
	}
	q, err := r.GetAccessRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return q, notFound("access request")
	}
	if err != nil {
		return q, err
	}
	if q.AccountID != a.AccountID {
		return domain.AccessRequest{}, notFound("access request")
	}
	rels, err := accessRelations(ctx, r, a.AccountID)
	if err != nil {
		return q, err
	}
	if !s.mayReadIn(rels, a, q) {
		return domain.AccessRequest{}, notFound("access request")
	}
	return q, nil
}

// GetAccessRequest returns a request the actor may see, with its grants.
func (s *Service) GetAccessRequest(ctx context.Context, a Actor, id string) (AccessRequestView, error) {
	if err := s.member(a); err != nil {
		return AccessRequestView{}, err
	}
	q, err := s.readableRequest(ctx, s.store, a, id)
	if err != nil {
		return AccessRequestView{}, err
	}
	gs, err := s.store.ListAccessGrants(ctx, id)
	return AccessRequestView{AccessRequest: q, Grants: gs}, err
}

// Decision approves or rejects a request.
type Decision struct {
	// Level is what an approval grants (see grantLevels); empty: what the
	// requester asked for.
	Level string
	// Until, if set, is when the grant lapses by itself.
	Until *time.Time
	// Reason explains a rejection (required) or a revocation.
	Reason string
}

// decidable loads a pending request the actor may decide.
func (s *Service) decidable(ctx context.Context, tx store.Tx, a Actor, id string) (domain.AccessRequest, error) {
	q, err := s.readableRequest(ctx, tx, a, id)
	if err != nil {
		return q, err
	}
	ok, err := s.approves(ctx, tx, a, q.Requester)
	if err != nil {
		return q, err
	}
	if !ok {
		return q, forbidden("only an approver of the requester's groups may decide this request")
	}
	if q.Status != domain.RequestPending {
		return q, conflict("request_decided", "the request is %s already", q.Status)
	}
	return q, nil
}

// grantTuples computes what approving q at level grants, and checks that
// the approver holds all of it: an approval never gives more than its
// approver has.
func (s *Service) grantTuples(ctx context.Context, r store.Reader, a Actor, q domain.AccessRequest, level string) ([]domain.AccessGrant, error) {
	e := s.Engine()
	var out []domain.AccessGrant
	add := func(typ, id, lvl string) error {
		if len(out) == MaxGrantTuples {
			return &Error{Kind: KindTooLarge, Code: "grant_too_large", Message: fmt.Sprintf("the grant would cover more than %d objects; ask for smaller parts", MaxGrantTuples)}
		}
		out = append(out, domain.AccessGrant{RequestID: q.ID, UserID: q.Requester, ObjectType: typ, ObjectID: id, Level: lvl})
		return nil
	}
	lacks := func(what string) error {
		return forbidden("you can only grant access you hold yourself: you lack %s", what)
	}
	// holds checks the approver against an ACL level on an object.
	holds := func(t authz.ObjectType, id, lvl string) error {
		p := map[string]authz.Permission{"preview": authz.CanPreview, "view": authz.CanView, "download": authz.CanDownload, "edit": authz.CanEdit}[lvl]
		if !e.Check(a.UserID, p, authz.ObjectRef{Type: t, ID: id}) {
			return lacks(fmt.Sprintf("%s on %s %s", p, t, id))
		}
		return nil
	}
	// media grants a record's media at level (view, download or edit).
	media := func(recordID, lvl string) error {
		ms, err := r.ListRecordMedia(ctx, recordID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if err := holds(authz.Media, m.ID, lvl); err != nil {
				return err
			}
			if err := add("media", m.ID, lvl); err != nil {
				return err
			}
		}
		return nil
	}
	// record grants a record (view or edit) and its media.
	record := func(id, lvl string) error {
		recLvl := "view"
		if lvl == "edit" {
			recLvl = "edit"
		}
		if err := holds(authz.Record, id, recLvl); err != nil {
			return err
		}
		if err := add("record", id, recLvl); err != nil {
			return err
		}
		return media(id, lvl)
	}
	switch q.TargetType {
	case "account":
		if !s.can(a, authz.ManageUsers) {
			return nil, lacks("the manage_users permission, which granting an account role takes")
		}
		return out, add("account", q.TargetID, "library_"+level)
	case "workspace":
		role, _ := authz.ParseRole(level)
		if e.WorkspaceRole(a.UserID, q.TargetID) < role {
			return nil, lacks("the " + level + " role on workspace " + q.TargetID)
		}
		return out, add("workspace", q.TargetID, level)
	case "media":
		if err := holds(authz.Media, q.TargetID, level); err != nil {
			return nil, err
		}
		m, err := r.GetMedia(ctx, q.TargetID)
		if err != nil {
			return nil, storeErr(err, "media")
		}
		// A media object is reachable only through its record.
		if err := holds(authz.Record, m.RecordID, "view"); err != nil {
			return nil, err
		}
		if err := add("record", m.RecordID, "view"); err != nil {
			return nil, err
		}
		return out, add("media", q.TargetID, level)
	case "record":
		return out, record(q.TargetID, level)
	case "collection":
		colLvl := "view"
		if level == "edit" {
			colLvl = "edit"
		}
		if err := holds(authz.Collection, q.TargetID, colLvl); err != nil {
			return nil, err
		}
		if err := add("collection", q.TargetID, colLvl); err != nil {
			return nil, err
		}
		recs, err := r.CollectionRecords(ctx, q.TargetID)
		if err != nil {
			return nil, err
		}
		// The collection's records, at view (or download), never edit:
		// editing a collection is arranging it.
		recLvl := level
		if recLvl == "edit" {
			recLvl = "view"
		}
		for _, id := range recs {
			if err := record(id, recLvl); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, invalid("target_type", "unknown target type %q", q.TargetType)
}

// ApproveAccessRequest approves a pending request: the requester gains
// the level's access until d.Until, if given, and is notified.
func (s *Service) ApproveAccessRequest(ctx context.Context, a Actor, id string, d Decision) (AccessRequestView, error) {
	if err := s.member(a); err != nil {
		return AccessRequestView{}, err
	}
	ev := a.event(AuditAccessApprove, "access_request:"+truncate(id, 100))
	var q domain.AccessRequest
	var gs []domain.AccessGrant
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		var err error
		if q, err = s.decidable(ctx, tx, a, id); err != nil {
			return err
		}
		lv := grantLevels[q.TargetType]
		level := d.Level
		if level == "" {
			level = lv.forView
			if q.Access == domain.AccessDownload {
				level = lv.forDownld
			}
		}
		if !slices.Contains(lv.levels, level) {
			return invalid("level", "a %s grant's level is one of %s", q.TargetType, strings.Join(lv.levels, ", "))
		}
		if d.Until != nil && !d.Until.After(tx.Now()) {
			return invalid("until", "the end date must be in the future")
		}
		if !s.Engine().UserActive(q.Requester) {
			return conflict("requester_inactive", "the requester is no longer an active user")
		}
		if gs, err = s.grantTuples(ctx, tx, a, q, level); err != nil {
			return err
		}
		now := tx.Now()
		q.Status, q.DecidedBy, q.DecidedAt, q.Level, q.ExpiresAt = domain.RequestApproved, a.UserID, &now, level, d.Until
		if d.Until != nil {
			until := d.Until.UTC().Truncate(time.Microsecond)
			q.ExpiresAt = &until
		}
		ev.Detail = map[string]string{"requester": q.Requester, "target": q.TargetType + ":" + q.TargetID, "level": level, "tuples": strconv.Itoa(len(gs))}
		if q.ExpiresAt != nil {
			ev.Detail["until"] = q.ExpiresAt.Format(time.RFC3339)
		}
		if err := tx.UpdateAccessRequest(ctx, q, domain.RequestPending); err != nil {
			return storeErr(err, "access request")
		}
		return tx.AddAccessGrants(ctx, gs)
	})
	if err != nil {
		return AccessRequestView{}, err
	}
	if q.ExpiresAt != nil {
		s.nudgeExpiry()
	}
	until := "with no end date"
	if q.ExpiresAt != nil {
		until = "until " + q.ExpiresAt.Format(time.RFC1123)
	}
	s.notify(ctx, q.Requester, "Access granted", fmt.Sprintf("Your request for %s access to %s %s was approved: you have %s access %s.\n",
		q.Access, q.TargetType, q.TargetID, q.Level, until))
	return AccessRequestView{AccessRequest: q, Grants: gs}, nil
}

// RejectAccessRequest rejects a pending request with a reason, and
// notifies the requester.
func (s *Service) RejectAccessRequest(ctx context.Context, a Actor, id string, d Decision) (domain.AccessRequest, error) {
	if err := s.member(a); err != nil {
		return domain.AccessRequest{}, err
	}
	ev := a.event(AuditAccessReject, "access_request:"+truncate(id, 100))
	var q domain.AccessRequest
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		var err error
		if q, err = s.decidable(ctx, tx, a, id); err != nil {
			return err
		}
		reason := strings.TrimSpace(d.Reason)
		if reason == "" {
			return invalid("reason", "say why the request is rejected")
		}
		if utf8.RuneCountInString(reason) > MaxRequestMessage {
			return invalid("reason", "the reason has at most %d characters", MaxRequestMessage)
		}
		now := tx.Now()
		q.Status, q.DecidedBy, q.DecidedAt, q.Reason = domain.RequestRejected, a.UserID, &now, reason
		ev.Detail = map[string]string{"requester": q.Requester, "target": q.TargetType + ":" + q.TargetID, "reason": truncate(reason, 200)}
		return storeErr(tx.UpdateAccessRequest(ctx, q, domain.RequestPending), "access request")
	})
	if err != nil {
		return domain.AccessRequest{}, err
	}
	s.notify(ctx, q.Requester, "Access request rejected", fmt.Sprintf("Your request for %s access to %s %s was rejected.\n\nReason: %s\n",
		q.Access, q.TargetType, q.TargetID, q.Reason))
	return q, nil
}

// WithdrawAccessRequest lets a requester withdraw their pending request.
func (s *Service) WithdrawAccessRequest(ctx context.Context, a Actor, id string) (domain.AccessRequest, error) {
	if err := s.member(a); err != nil {
		return domain.AccessRequest{}, err
	}
	ev := a.event(AuditAccessWithdraw, "access_request:"+truncate(id, 100))
	var q domain.AccessRequest
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		var err error
		if q, err = s.readableRequest(ctx, tx, a, id); err != nil {
			return err
		}
		if q.Requester != a.UserID {
			return forbidden("only the requester may withdraw a request")
		}
		if q.Status != domain.RequestPending {
			return conflict("request_decided", "the request is %s already", q.Status)
		}
		now := tx.Now()
		q.Status, q.EndedAt = domain.RequestWithdrawn, &now
		return storeErr(tx.UpdateAccessRequest(ctx, q, domain.RequestPending), "access request")
	})
	return q, err
}

// RevokeAccessGrant ends an approved request's grant before its end
// date: an approver of the requester or a review_access holder may.
func (s *Service) RevokeAccessGrant(ctx context.Context, a Actor, id, reason string) (domain.AccessRequest, error) {
	if err := s.member(a); err != nil {
		return domain.AccessRequest{}, err
	}
	ev := a.event(AuditAccessRevoke, "access_request:"+truncate(id, 100))
	var q domain.AccessRequest
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		var err error
		if q, err = s.readableRequest(ctx, tx, a, id); err != nil {
			return err
		}
		ok, err := s.approves(ctx, tx, a, q.Requester)
		if err != nil {
			return err
		}
		if !ok && !s.can(a, authz.ReviewAccess) {
			return forbidden("only an approver of the requester's groups or a review_access holder may revoke a grant")
		}
		if q.Status != domain.RequestApproved {
			return conflict("request_not_granted", "the request is %s, not a standing grant", q.Status)
		}
		if utf8.RuneCountInString(reason) > MaxRequestMessage {
			return invalid("reason", "the reason has at most %d characters", MaxRequestMessage)
		}
		now := tx.Now()
		q.Status, q.EndedAt, q.Reason = domain.RequestRevoked, &now, strings.TrimSpace(reason)
		ev.Detail = map[string]string{"requester": q.Requester, "target": q.TargetType + ":" + q.TargetID}
		if err := tx.UpdateAccessRequest(ctx, q, domain.RequestApproved); err != nil {
			return storeErr(err, "access request")
		}
		return tx.EndAccessGrants(ctx, q.ID)
	})
	if err != nil {
		return domain.AccessRequest{}, err
	}
	s.notify(ctx, q.Requester, "Access ended", fmt.Sprintf("Your %s access to %s %s was revoked.\n", q.Level, q.TargetType, q.TargetID))
	return q, nil
}

// ExpireAccessGrants ends every approved grant whose end date is at or
// before now, each in its own transaction with its audit event, and
// notifies the requesters. It returns how many ended.
func (s *Service) ExpireAccessGrants(ctx context.Context, now time.Time) (int, error) {
	n := 0
	for {
		due, err := s.store.DueAccessRequests(ctx, now, 100)
		if err != nil || len(due) == 0 {
			return n, err
		}
		for _, q := range due {
			ev := domain.AuditEvent{Account: q.AccountID, Actor: "", Type: AuditAccessExpire, Target: "access_request:" + q.ID, Result: domain.AuditOK,
				Detail: map[string]string{"requester": q.Requester, "target": q.TargetType + ":" + q.TargetID}}
			_, err := s.update(ctx, func(tx store.Tx) error {
				t := tx.Now()
				q.Status, q.EndedAt = domain.RequestExpired, &t
				if err := tx.UpdateAccessRequest(ctx, q, domain.RequestApproved); err != nil {
					return err
				}
				if err := tx.EndAccessGrants(ctx, q.ID); err != nil {
					return err
				}
				return tx.Audit(ctx, ev)
			})
			if errors.Is(err, store.ErrNotFound) {
				continue // revoked or expired meanwhile, by another process
			}
			if err != nil {
				return n, err
			}
			n++
			s.notify(ctx, q.Requester, "Access ended", fmt.Sprintf("Your %s access to %s %s reached its end date.\n", q.Level, q.TargetType, q.TargetID))
		}
	}
}

// nudgeExpiry wakes RunAccessExpiry to look at a new end date.
func (s *Service) nudgeExpiry() {
	select {
	case s.expiryNudge <- struct{}{}:
	default:
	}
}

// RunAccessExpiry ends grants at their end dates until ctx ends. It
// sleeps until the soonest end date it knows of, or poll at most, so that
// grants approved by other processes lapse on time as well.
func (s *Service) RunAccessExpiry(ctx context.Context, poll time.Duration) {
	for {
		if _, err := s.ExpireAccessGrants(ctx, time.Now()); err != nil && ctx.Err() == nil {
			s.log.Error("ending expired access grants", "err", err)
		}
		wait := poll
		if at, ok, err := s.store.NextAccessExpiry(ctx); err == nil && ok {
			wait = min(wait, max(time.Until(at), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.expiryNudge:
			t.Stop()
		case <-t.C:
		}
	}
}
