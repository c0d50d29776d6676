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
	"atrium/internal/store"
)

// Upload moderation: request/approval relationships of the "approve new
// media uploaded" kind. When a member of a requester group of a
// moderation relation creates a record (directly, by capture) or a media
// object (directly, by upload, by capture), it is held. A held object is
// visible only to its uploader and to the members of the approver groups
// of the relations that held it (authz.Hold says exactly what that means
// in the reference model), until an approver publishes it (its stored ACL
// and its workspace's roles apply from then on) or rejects it with a
// reason (it is deleted, with its files). The media objects added to a
// held record are held as well, so that approvers may download their
// originals, and are decided with their record: the queue shows the
// record, publishing it publishes them, rejecting it deletes them. The
// uploader never decides their own upload. Holds and decisions are
// audited and mailed.

// Audit event types of moderation: in audit.go.

// HoldNoticeQuiet is how long after announcing an uploader's held upload
// the approvers are not mailed about further ones of the same uploader
// (while the first still waits): a burst of uploads is one mail, and the
// queue lists them all.
const HoldNoticeQuiet = 10 * time.Minute

// MaxRejectReason bounds a rejection's reason.
const MaxRejectReason = 2000

// heldUpload is what announcing a new hold after its commit needs.
type heldUpload struct {
	hold     domain.Hold
	what     string // "record" or "media object", with its title or file name
	announce bool
}

// accessRelations returns the account's relations of the access kind: the
// only ones access requests use.
func accessRelations(ctx context.Context, r store.Reader, accountID string) ([]domain.ApprovalRelation, error) {
	rels, err := r.ListApprovalRelations(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(rels, func(rel domain.ApprovalRelation) bool { return rel.Kind == domain.RelationModeration }), nil
}

// moderatorsOf returns the approver groups of the moderation relations
// whose requester groups hold user, sorted; none if the user's uploads
// are not moderated.
func (s *Service) moderatorsOf(ctx context.Context, r store.Reader, accountID, user string) ([]string, error) {
	rels, err := r.ListApprovalRelations(ctx, accountID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rel := range s.holding(rels, user) {
		if rel.Kind == domain.RelationModeration && !slices.Contains(out, rel.ApproverGroup) {
			out = append(out, rel.ApproverGroup)
		}
	}
	slices.Sort(out)
	return out, nil
}

// holdUpload holds ref, a record or media object the actor has just
// created in tx, if the actor's uploads are moderated. It records the
// hold's audit event in tx; the caller passes the result to announceHeld
// after the commit. nil means not held.
func (s *Service) holdUpload(ctx context.Context, tx store.Tx, a Actor, ref authz.ObjectRef, recordID, name string) (*heldUpload, error) {
	approvers, err := s.moderatorsOf(ctx, tx, a.AccountID, a.UserID)
	if err != nil || len(approvers) == 0 {
		return nil, err
	}
	// Media added to a held record go with it: their hold names the
	// record's approvers, and the record's announcement covers them.
	withRecord := false
	if ref.Type == authz.Media {
		switch rh, err := tx.GetHold(ctx, authz.Record, recordID); {
		case err == nil:
			withRecord, approvers = true, rh.ApproverGroups
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
	}
	// Announce only the first of a burst: when no earlier upload of the
	// actor held in the quiet period still waits.
	recent, err := tx.ListHolds(ctx, a.AccountID, store.HoldFilter{Uploader: a.UserID, Since: tx.Now().Add(-HoldNoticeQuiet), Limit: 1})
	if err != nil {
		return nil, err
	}
	h := domain.Hold{ObjectType: ref.Type.String(), ObjectID: ref.ID, AccountID: a.AccountID, RecordID: recordID, Uploader: a.UserID,
		ApproverGroups: approvers, HeldAt: tx.Now()}
	if err := tx.CreateHold(ctx, h); err != nil {
		return nil, storeErr(err, ref.Type.String())
	}
	ev := a.event(AuditModerationHold, ref.String())
	ev.Detail = map[string]string{"approver_groups": strings.Join(approvers, ","), "record": recordID}
	if err := tx.Audit(ctx, ev); err != nil {
		return nil, err
	}
	what := "the record " + strconv.Quote(name)
	if ref.Type == authz.Media {
		what = "the media object " + strconv.Quote(name) + " of record " + recordID
	}
	return &heldUpload{hold: h, what: what, announce: len(recent) == 0 && !withRecord}, nil
}

// announceHeld mails the approvers who can see a new hold, unless it is
// part of a burst already announced. Called after the commit.
func (s *Service) announceHeld(ctx context.Context, h *heldUpload) {
	if h == nil || !h.announce {
		return
	}
	ref := authz.ObjectRef{Type: mustType(h.hold.ObjectType), ID: h.hold.ObjectID}
	uploader, _ := s.store.GetUser(ctx, h.hold.Uploader)
	// Who may view a held object: its uploader and the approvers who
	// reach it (for media: who can view its record as well).
	n := 0
	for _, u := range s.Engine().Who(authz.CanView, ref) {
		if u == h.hold.Uploader || n == maxNotified {
			continue
		}
		n++
		s.notify(ctx, u, "Upload to moderate from "+uploader.Username, fmt.Sprintf(
			"%s (%s) uploaded %s (%s). Nobody else sees it until an approver publishes it.\n\n"+
				"Further uploads of theirs in the next %d minutes are not announced one by one: the queue lists them all.\n\n"+
				"    GET  /api/v1/moderation\n    POST /api/v1/moderation/%s/%s/publish\n    POST /api/v1/moderation/%s/%s/reject   {\"reason\": \"...\"}\n",
			uploader.DisplayName, uploader.Username, h.what, ref, int(HoldNoticeQuiet/time.Minute),
			h.hold.ObjectType, h.hold.ObjectID, h.hold.ObjectType, h.hold.ObjectID))
	}
}

// refuseModeratedReplace refuses, to a moderated actor, replacing the file
// of a media object others can see: the new bytes would be published
// unreviewed. A held media object, or one of a held record, may be
// replaced: nobody else sees it yet.
func (s *Service) refuseModeratedReplace(ctx context.Context, r store.Reader, a Actor, mediaID string) error {
	approvers, err := s.moderatorsOf(ctx, r, a.AccountID, a.UserID)
	if err != nil || len(approvers) == 0 {
		return err
	}
	m, err := r.GetMedia(ctx, mediaID)
	if err != nil {
		return storeErr(err, "media")
	}
	for _, ref := range []authz.ObjectRef{{Type: authz.Media, ID: mediaID}, {Type: authz.Record, ID: m.RecordID}} {
		switch _, err := r.GetHold(ctx, ref.Type, ref.ID); {
		case err == nil:
			return nil
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	return &Error{Kind: KindForbidden, Code: "moderation_required",
		Message: "your uploads are moderated: add the new file as a new media object, which waits for an approver, instead of replacing a published one"}
}

// groupApprovesHolds refuses deleting a group that approves held uploads.
func groupApprovesHolds(ctx context.Context, r store.Reader, accountID, groupID, name string) error {
	hs, err := r.ListHolds(ctx, accountID, store.HoldFilter{ApproverGroup: groupID, Limit: 1})
	if err != nil {
		return err
	}
	if len(hs) > 0 {
		return conflict("group_in_use", "group %q approves uploads held for moderation (%s %s, ...); decide them first", name, hs[0].ObjectType, hs[0].ObjectID)
	}
	return nil
}

func mustType(s string) authz.ObjectType {
	t, _ := authz.ParseObjectType(s)
	return t
}

// moderation returns the moderation status of ref for its JSON, if held.
func (s *Service) moderation(ref authz.ObjectRef) *domain.Moderation {
	h, ok := s.Engine().HoldOf(ref)
	if !ok {
		return nil
	}
	return &domain.Moderation{Status: domain.ModerationHeld, Uploader: h.Uploader, ApproverGroups: h.Approvers}
}

// markHeld sets the moderation status of records the actor can see.
func (s *Service) markHeld(recs []domain.Record) {
	for i := range recs {
		recs[i].Moderation = s.moderation(authz.ObjectRef{Type: authz.Record, ID: recs[i].ID})
	}
}

// markHeldMedia sets the moderation status of media objects.
func (s *Service) markHeldMedia(ms []domain.Media) {
	for i := range ms {
		ms[i].Moderation = s.moderation(authz.ObjectRef{Type: authz.Media, ID: ms[i].ID})
	}
}

// ---- the approvers' queue and their decisions

// HeldItem is a held upload in the moderation queue.
type HeldItem struct {
	domain.Hold
	// Title is the record's title; Filename, for a media object, its file
	// name.
	Title     string `json:"title"`
	Filename  string `json:"filename,omitempty"`
	Workspace string `json:"workspace"`
}

// ModerationQuery lists held uploads.
type ModerationQuery struct {
	// Mine lists the actor's own held uploads instead of those they may
	// decide.
	Mine   bool
	Cursor string
	Limit  int
}

// ModerationPage is a page of the queue, oldest first.
type ModerationPage struct {
	Items      []HeldItem `json:"items"`
	NextCursor string     `json:"next_cursor"`
}

// mayDecide reports whether the actor may publish or reject held object
// ref. The engine answers: a held object is viewable by its uploader and
// its approvers alone (for media, with its record), so "can view, held,
// and not the uploader" is "an approver who can see it".
func (s *Service) mayDecide(a Actor, h domain.Hold) bool {
	ref := authz.ObjectRef{Type: mustType(h.ObjectType), ID: h.ObjectID}
	if _, held := s.Engine().HoldOf(ref); !held {
		return false // not held yet in the engine: nothing to decide through it
	}
	return h.Uploader != a.UserID && s.Engine().Check(a.UserID, authz.CanView, ref)
}

// ListModeration lists, oldest first, the held uploads the actor may
// decide (none for anyone else), or with Mine the actor's own.
func (s *Service) ListModeration(ctx context.Context, a Actor, q ModerationQuery) (ModerationPage, error) {
	page := ModerationPage{Items: []HeldItem{}}
	if err := s.member(a); err != nil {
		return page, err
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	if q.Limit < 1 || q.Limit > 1000 {
		return page, badQuery("limit", "limit must be between 1 and 1000")
	}
	f := store.HoldFilter{Limit: 500}
	if q.Mine {
		f.Uploader = a.UserID
	}
	if q.Cursor != "" {
		var ok bool
		if f.AfterAt, f.AfterType, f.AfterID, ok = parseHoldCursor(q.Cursor); !ok {
			return page, badQuery("cursor", "the cursor is not one this server issued")
		}
	}
	var holds []domain.Hold
	for {
		batch, err := s.store.ListHolds(ctx, a.AccountID, f)
		if err != nil {
			return page, err
		}
		for _, h := range batch {
			if h.ObjectType == "media" {
				if _, withRecord := s.Engine().HoldOf(authz.ObjectRef{Type: authz.Record, ID: h.RecordID}); withRecord {
					continue // decided with its record
				}
			}
			ok := s.mayDecide(a, h)
			if q.Mine {
				ok = s.Engine().Check(a.UserID, authz.CanView, authz.ObjectRef{Type: mustType(h.ObjectType), ID: h.ObjectID})
			}
			if !ok {
				continue
			}
			if len(holds) == q.Limit {
				page.NextCursor = holdCursor(holds[q.Limit-1])
				break
			}
			holds = append(holds, h)
		}
		if page.NextCursor != "" || len(batch) < f.Limit {
			break
		}
		last := batch[len(batch)-1]
		f.AfterAt, f.AfterType, f.AfterID = last.HeldAt, last.ObjectType, last.ObjectID
	}
	items, err := s.heldItems(ctx, holds)
	page.Items = items
	return page, err
}

// holdCursor is the queue's position after h: its time, type and id.
// They are no secret (whoever gets the cursor saw the hold).
func holdCursor(h domain.Hold) string {
	return strconv.FormatInt(h.HeldAt.UnixMicro(), 10) + "." + h.ObjectType + "." + h.ObjectID
}

// parseHoldCursor reads a holdCursor; ok is false for anything else.
func parseHoldCursor(c string) (at time.Time, typ, id string, ok bool) {
	parts := strings.SplitN(c, ".", 3)
	if len(parts) != 3 || (parts[1] != "record" && parts[1] != "media") || authz.ValidID(parts[2]) != nil {
		return time.Time{}, "", "", false
	}
	us, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || us <= 0 || strconv.FormatInt(us, 10) != parts[0] {
		return time.Time{}, "", "", false
	}
	return time.UnixMicro(us).UTC(), parts[1], parts[2], true
}

// heldItems adds what an approver needs to recognise each upload.
func (s *Service) heldItems(ctx context.Context, holds []domain.Hold) ([]HeldItem, error) {
	var recIDs, medIDs []string
	for _, h := range holds {
		recIDs = append(recIDs, h.RecordID)
		if h.ObjectType == "media" {
			medIDs = append(medIDs, h.ObjectID)
		}
	}
	recs, err := s.store.GetRecords(ctx, nonNil(recIDs))
	if err != nil {
		return nil, err
	}
	ms, err := s.store.GetMediaMany(ctx, nonNil(medIDs))
	if err != nil {
		return nil, err
	}
	byRec := map[string]domain.Record{}
	for _, r := range recs {
		byRec[r.ID] = r
	}
	names := map[string]string{}
	for _, m := range ms {
		names[m.ID] = m.Filename
	}
	out := make([]HeldItem, 0, len(holds))
	for _, h := range holds {
		it := HeldItem{Hold: h, Title: byRec[h.RecordID].Title, Workspace: byRec[h.RecordID].WorkspaceID}
		if h.ObjectType == "media" {
			it.Filename = names[h.ObjectID]
		}
		out = append(out, it)
	}
	return out, nil
}

// Decision outcomes of moderation.
const (
	ModerationPublished = "published"
	ModerationRejected  = "rejected"
)

// ModerationDecision is what publishing or rejecting a held upload did.
type ModerationDecision struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	Record    string `json:"record"`
	Status    string `json:"status"` // published or rejected
	Uploader  string `json:"uploader"`
	DecidedBy string `json:"decided_by"`
	// Reason is a rejection's.
	Reason string `json:"reason,omitempty"`
}

// decidableHold loads, in tx, the hold of typ/id that the actor may
// decide: not found if it is not held, is of another account or the actor
// cannot see it; forbidden for its own uploader.
func (s *Service) decidableHold(ctx context.Context, tx store.Tx, a Actor, typ, id string) (domain.Hold, error) {
	t, err := authz.ParseObjectType(typ)
	if err != nil || (t != authz.Record && t != authz.Media) || authz.ValidID(id) != nil {
		return domain.Hold{}, notFound("held upload")
	}
	h, err := tx.GetHold(ctx, t, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && h.AccountID != a.AccountID {
		return domain.Hold{}, notFound("held upload")
	}
	if err != nil {
		return h, err
	}
	if h.Uploader == a.UserID {
		return h, forbidden("nobody decides their own upload: another approver publishes or rejects it")
	}
	if !s.mayDecide(a, h) {
		return h, notFound("held upload")
	}
	return h, nil
}

// describe names a held upload for its uploader's mail.
func describe(ctx context.Context, r store.Reader, h domain.Hold) string {
	rec, err := r.GetRecord(ctx, h.RecordID)
	if err != nil {
		return h.ObjectType + " " + h.ObjectID
	}
	if h.ObjectType == "media" {
		name := h.ObjectID
		if m, err := r.GetMedia(ctx, h.ObjectID); err == nil {
			name = m.Filename
		}
		return fmt.Sprintf("the file %q of record %q (media %s)", name, rec.Title, h.ObjectID)
	}
	return fmt.Sprintf("the record %q (%s)", rec.Title, h.ObjectID)
}

// PublishHeld publishes a held upload: from now on its stored ACL and its
// workspace's roles decide who sees it. Its uploader is notified.
func (s *Service) PublishHeld(ctx context.Context, a Actor, typ, id string) (ModerationDecision, error) {
	if err := s.member(a); err != nil {
		return ModerationDecision{}, err
	}
	ev := a.event(AuditModerationPublish, truncate(typ, 20)+":"+truncate(id, 100))
	var h domain.Hold
	var what string
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		var err error
		if h, err = s.decidableHold(ctx, tx, a, typ, id); err != nil {
			return err
		}
		what = describe(ctx, tx, h)
		ev.Detail = map[string]string{"uploader": h.Uploader, "record": h.RecordID, "held_at": h.HeldAt.Format(time.RFC3339)}
		if err := tx.DeleteHold(ctx, mustType(h.ObjectType), h.ObjectID); err != nil {
			return storeErr(err, "held upload")
		}
		if h.ObjectType != "record" {
			return nil
		}
		// The media added to the record while it was held go with it.
		media, err := tx.ListHolds(ctx, a.AccountID, store.HoldFilter{Record: h.ObjectID})
		if err != nil {
			return err
		}
		var ids []string
		for _, m := range media {
			if err := tx.DeleteHold(ctx, authz.Media, m.ObjectID); err != nil {
				return err
			}
			ids = append(ids, m.ObjectID)
		}
		if len(ids) > 0 {
			ev.Detail["media"] = truncate(strings.Join(ids, ","), 1000)
		}
		return nil
	})
	if err != nil {
		return ModerationDecision{}, err
	}
	s.notify(ctx, h.Uploader, "Upload published", fmt.Sprintf("Your upload, %s, was published by an approver: it is now visible as its ACL and its workspace say.\n", what))
	return ModerationDecision{Type: h.ObjectType, ID: h.ObjectID, Record: h.RecordID, Status: ModerationPublished, Uploader: h.Uploader, DecidedBy: a.UserID}, nil
}

// RejectHeld rejects a held upload with a reason: it is deleted with its
// files (a held record with its media), and its uploader is told why.
func (s *Service) RejectHeld(ctx context.Context, a Actor, typ, id, reason string) (ModerationDecision, error) {
	if err := s.member(a); err != nil {
		return ModerationDecision{}, err
	}
	ev := a.event(AuditModerationReject, truncate(typ, 20)+":"+truncate(id, 100))
	var h domain.Hold
	var what string
	var blobs []string
	reason = strings.TrimSpace(reason)
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		var err error
		if h, err = s.decidableHold(ctx, tx, a, typ, id); err != nil {
			return err
		}
		if reason == "" {
			return invalid("reason", "say why the upload is rejected: the uploader is told")
		}
		if utf8.RuneCountInString(reason) > MaxRejectReason {
			return invalid("reason", "the reason has at most %d characters", MaxRejectReason)
		}
		what = describe(ctx, tx, h)
		ev.Detail = map[string]string{"uploader": h.Uploader, "record": h.RecordID, "reason": truncate(reason, 200), "deleted": what}
		if h.ObjectType == "record" {
			files, err := tx.RecordFiles(ctx, h.ObjectID)
			if err != nil {
				return err
			}
			blobs = fileKeys(files)
			return storeErr(tx.DeleteRecord(ctx, h.ObjectID), "record")
		}
		switch f, err := tx.GetMediaFile(ctx, h.ObjectID); {
		case err == nil:
			blobs = []string{f.BlobKey}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		return storeErr(tx.DeleteMedia(ctx, h.ObjectID), "media")
	})
	if err != nil {
		return ModerationDecision{}, err
	}
	// After the commit, as every delete does.
	s.deleteBlobs(context.WithoutCancel(ctx), blobs...)
	s.notify(ctx, h.Uploader, "Upload rejected", fmt.Sprintf("Your upload, %s, was rejected by an approver and deleted.\n\nReason: %s\n", what, reason))
	return ModerationDecision{Type: h.ObjectType, ID: h.ObjectID, Record: h.RecordID, Status: ModerationRejected, Uploader: h.Uploader, DecidedBy: a.UserID, Reason: reason}, nil
}

// AccountHolds returns every hold of an account, oldest first: for the
// operator of the data directory (the CLI) only, who reads the database
// anyway.
func (s *Service) AccountHolds(ctx context.Context, accountID string) ([]domain.Hold, error) {
	return s.store.ListHolds(ctx, accountID, store.HoldFilter{})
}
