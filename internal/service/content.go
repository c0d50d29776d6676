package service

import (
	"context"
	"errors"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// viewPermission is the weakest permission that makes an object visible:
// can_preview for media, can_view otherwise.
func viewPermission(t authz.ObjectType) authz.Permission {
	if t == authz.Media {
		return authz.CanPreview
	}
	return authz.CanView
}

// visible fails with not found unless the actor may see the object.
func (s *Service) visible(a Actor, ref authz.ObjectRef) error {
	if authz.ValidID(ref.ID) != nil || !s.Engine().Check(a.UserID, viewPermission(ref.Type), ref) {
		return notFound(ref.Type.String())
	}
	return nil
}

// allowed fails with not found if the actor cannot see the object and
// with forbidden if it can but lacks p.
func (s *Service) allowed(a Actor, p authz.Permission, ref authz.ObjectRef, doing string) error {
	if err := s.visible(a, ref); err != nil {
		return err
	}
	if !s.Engine().Check(a.UserID, p, ref) {
		return forbidden("%s needs %s on %s %s", doing, p, ref.Type, ref.ID)
	}
	return nil
}

// canManage fails unless the actor owns the object's workspace, which is
// what changing an object's ACL takes.
func (s *Service) canManage(a Actor, ref authz.ObjectRef) error {
	if err := s.visible(a, ref); err != nil {
		return err
	}
	ws, ok := s.Engine().WorkspaceOf(ref)
	if !ok || !s.Engine().Check(a.UserID, authz.CanManage, authz.ObjectRef{Type: authz.Workspace, ID: ws}) {
		return forbidden("changing the ACL of %s %s needs the owner role on its workspace", ref.Type, ref.ID)
	}
	return nil
}

// checkACL validates ACL entries for type t against the actor's account.
func checkACL(ctx context.Context, r store.Reader, a Actor, t authz.ObjectType, entries []domain.ACLEntry, field string) ([]domain.ACLEntry, error) {
	norm, err := domain.NormalizeACL(t, entries)
	if err != nil {
		return nil, invalidErr(field, err)
	}
	for _, en := range norm {
		if err := checkSubject(ctx, r, a, en.Subject, field); err != nil {
			return nil, err
		}
	}
	return norm, nil
}

// initialACL is the ACL of a new object: the explicit one (which needs
// the owner role on the workspace) or the account's default for the type,
// with the creator template resolved to the actor.
func (s *Service) initialACL(ctx context.Context, r store.Reader, a Actor, t authz.ObjectType, wsID string, explicit *[]domain.ACLEntry) ([]domain.ACLEntry, error) {
	if explicit != nil {
		if !s.Engine().Check(a.UserID, authz.CanManage, authz.ObjectRef{Type: authz.Workspace, ID: wsID}) {
			return nil, forbidden("setting an ACL other than the default at creation needs the owner role on the workspace")
		}
		return checkACL(ctx, r, a, t, *explicit, "acl")
	}
	def, err := r.GetDefaultACL(ctx, a.AccountID, t)
	if err != nil {
		return nil, err
	}
	return resolveCreator(t, def, a.UserID), nil
}

// resolveCreator replaces the creator template with the user, merging it
// with an entry the user already has.
func resolveCreator(t authz.ObjectType, entries []domain.ACLEntry, userID string) []domain.ACLEntry {
	creator := authz.User(store.DefaultCreator)
	me := authz.User(userID)
	var extra []string
	out := make([]domain.ACLEntry, 0, len(entries))
	for _, en := range entries {
		if en.Subject == creator {
			extra = append(extra, en.Permissions...)
			continue
		}
		out = append(out, en)
	}
	if extra == nil {
		return out
	}
	for i := range out {
		if out[i].Subject == me {
			out[i].Permissions, _ = domain.NormalizePermissions(t, append(out[i].Permissions, extra...))
			return out
		}
	}
	perms, _ := domain.NormalizePermissions(t, extra)
	return append(out, domain.ACLEntry{Subject: me, Permissions: perms})
}

// ---- records

// RecordInput describes a new record.
type RecordInput struct {
	WorkspaceID string
	Title       string
	Description string
	Keywords    []string
	Fields      map[string]string
	MediaType   string
	ACL         *[]domain.ACLEntry // nil: the account's default
}

func checkRecordFields(title, desc string, mediaType string) error {
	if err := domain.CheckName("title", title, true, 500); err != nil {
		return invalidErr("title", err)
	}
	if err := domain.CheckText("description", desc, 20000); err != nil {
		return invalidErr("description", err)
	}
	if mediaType != "" {
		if err := domain.CheckMediaType(mediaType); err != nil {
			return invalidErr("media_type", err)
		}
	}
	return nil
}

// CreateRecord creates a record in a workspace (contributor or more). A
// user whose only application is capture creates records through a
// capture profile only (CaptureRecord).
func (s *Service) CreateRecord(ctx context.Context, a Actor, in RecordInput) (domain.Record, error) {
	if err := s.member(a); err != nil {
		return domain.Record{}, err
	}
	if s.captureOnly(a.UserID) {
		return domain.Record{}, errCaptureOnly
	}
	rec := domain.Record{ID: domain.NewID("rec"), WorkspaceID: in.WorkspaceID, Title: strings.TrimSpace(in.Title), Description: in.Description,
		Fields: in.Fields, MediaType: in.MediaType, CreatedBy: a.UserID}
	if err := checkRecordFields(rec.Title, rec.Description, rec.MediaType); err != nil {
		return rec, err
	}
	var err error
	if rec.Keywords, err = domain.CheckKeywords(in.Keywords); err != nil {
		return rec, invalidErr("keywords", err)
	}
	if err := domain.CheckFields(rec.Fields); err != nil {
		return rec, invalidErr("fields", err)
	}
	var held *heldUpload
	_, err = s.update(ctx, func(tx store.Tx) error {
		if _, err := s.visibleWorkspace(ctx, tx, a, in.WorkspaceID); err != nil {
			return err
		}
		if err := s.requireWorkspace(a, in.WorkspaceID, authz.CanEdit, "creating records"); err != nil {
			return err
		}
		if rec.ACL, err = s.initialACL(ctx, tx, a, authz.Record, in.WorkspaceID, in.ACL); err != nil {
			return err
		}
		if err := tx.CreateRecord(ctx, rec); err != nil {
			return err
		}
		held, err = s.holdUpload(ctx, tx, a, authz.ObjectRef{Type: authz.Record, ID: rec.ID}, rec.ID, rec.Title)
		return err
	})
	if err != nil {
		return domain.Record{}, err
	}
	s.announceHeld(ctx, held)
	return s.GetRecord(ctx, a, rec.ID)
}

// GetRecord returns a record the actor can view.
func (s *Service) GetRecord(ctx context.Context, a Actor, id string) (domain.Record, error) {
	if err := s.member(a); err != nil {
		return domain.Record{}, err
	}
	ref := authz.ObjectRef{Type: authz.Record, ID: id}
	if err := s.visible(a, ref); err != nil {
		return domain.Record{}, err
	}
	rec, err := s.store.GetRecord(ctx, id)
	rec.Moderation = s.moderation(ref)
	return rec, storeErr(err, "record")
}

// ListQuery pages through objects the actor has a permission on.
type ListQuery struct {
	Permission authz.Permission // default: the type's view permission
	Workspace  string
	Limit      int
	Cursor     string
}

// Listing is one page of objects with the listing's total.
type Listing[T any] struct {
	Items      []T
	NextCursor string
	Total      int
}

// Page sizes: listings with metadata stop at MaxPage; id-only listings
// (ListObjects) at MaxIDPage, so that long listings take few requests.
const (
	MaxPage   = 1000
	MaxIDPage = 100_000
)

func (s *Service) page(a Actor, t authz.ObjectType, q ListQuery) (authz.Page, error) {
	return s.pageUpTo(a, t, q, MaxPage)
}

func (s *Service) pageUpTo(a Actor, t authz.ObjectType, q ListQuery, maxLimit int) (authz.Page, error) {
	if q.Permission == 0 {
		q.Permission = viewPermission(t)
	}
	if !authz.Supported(t, q.Permission) {
		return authz.Page{}, invalid("permission", "%s is not a permission of %s", q.Permission, t)
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	if q.Limit > maxLimit {
		return authz.Page{}, invalid("limit", "limit must be between 1 and %d", maxLimit)
	}
	p, err := s.Engine().List(a.UserID, q.Permission, t, authz.ListOptions{Limit: q.Limit, Cursor: q.Cursor, Workspace: q.Workspace})
	if errors.Is(err, authz.ErrBadCursor) {
		return p, invalid("cursor", "the cursor is not one this server returned, or it expired when the server restarted; start the listing again")
	}
	return p, err
}

// ListRecords lists the records the actor has a permission on (can_view by
// default), optionally in one workspace.
func (s *Service) ListRecords(ctx context.Context, a Actor, q ListQuery) (Listing[domain.Record], error) {
	if err := s.member(a); err != nil {
		return Listing[domain.Record]{}, err
	}
	p, err := s.page(a, authz.Record, q)
	if err != nil {
		return Listing[domain.Record]{}, err
	}
	recs, err := s.store.GetRecords(ctx, p.IDs)
	s.markHeld(recs)
	return Listing[domain.Record]{Items: recs, NextCursor: p.NextCursor, Total: p.Total}, err
}

// RecordUpdate changes a record; nil fields stay.
type RecordUpdate struct {
	Title       *string
	Description *string
	Keywords    *[]string
	Fields      *map[string]string
	MediaType   *string
}

// UpdateRecord changes a record's metadata (can_edit).
func (s *Service) UpdateRecord(ctx context.Context, a Actor, id string, in RecordUpdate) (domain.Record, error) {
	if err := s.member(a); err != nil {
		return domain.Record{}, err
	}
	ref := authz.ObjectRef{Type: authz.Record, ID: id}
	_, err := s.update(ctx, func(tx store.Tx) error {
		if err := s.allowed(a, authz.CanEdit, ref, "editing a record"); err != nil {
			return err
		}
		rec, err := tx.GetRecord(ctx, id)
		if err != nil {
			return storeErr(err, "record")
		}
		if in.Title != nil {
			rec.Title = strings.TrimSpace(*in.Title)
		}
		if in.Description != nil {
			rec.Description = *in.Description
		}
		if in.MediaType != nil {
			rec.MediaType = *in.MediaType
		}
		if err := checkRecordFields(rec.Title, rec.Description, rec.MediaType); err != nil {
			return err
		}
		if in.Keywords != nil {
			if rec.Keywords, err = domain.CheckKeywords(*in.Keywords); err != nil {
				return invalidErr("keywords", err)
			}
		}
		if in.Fields != nil {
			if err := domain.CheckFields(*in.Fields); err != nil {
				return invalidErr("fields", err)
			}
			rec.Fields = *in.Fields
		}
		return tx.UpdateRecord(ctx, rec)
	})
	if err != nil {
		return domain.Record{}, err
	}
	return s.GetRecord(ctx, a, id)
}

// DeleteRecord deletes a record and its media (can_delete: editor).
func (s *Service) DeleteRecord(ctx context.Context, a Actor, id string) error {
	if err := s.member(a); err != nil {
		return err
	}
	ref := authz.ObjectRef{Type: authz.Record, ID: id}
	var blobs []string
	_, err := s.update(ctx, func(tx store.Tx) error {
		if err := s.allowed(a, authz.CanDelete, ref, "deleting a record"); err != nil {
			return err
		}
		files, err := tx.RecordFiles(ctx, id)
		if err != nil {
			return err
		}
		blobs = fileKeys(files)
		media := make([]string, len(files))
		for i, f := range files {
			media[i] = f.MediaID
		}
		keys, err := renditionKeys(ctx, tx, media...)
		if err != nil {
			return err
		}
		blobs = append(blobs, keys...)
		return storeErr(tx.DeleteRecord(ctx, id), "record")
	})
	if err == nil {
		// After the commit: a blob deleted before it could be missed by
		// a transaction that then failed.
		s.deleteBlobs(context.WithoutCancel(ctx), blobs...)
	}
	return err
}

// ---- media

// MediaInput describes a new media object (metadata).
type MediaInput struct {
	RecordID  string
	MediaType string
	Filename  string
	ACL       *[]domain.ACLEntry
}

func checkFilename(name string) error {
	if err := domain.CheckName("filename", name, false, 255); err != nil {
		return invalidErr("filename", err)
	}
	if strings.ContainsAny(name, `/\`) {
		return invalid("filename", "filename cannot contain / or \\")
	}
	return nil
}

// CreateMedia attaches a media object to a record (can_edit on the
// record). A user whose only application is capture uploads through a
// capture profile only (CaptureMedia).
func (s *Service) CreateMedia(ctx context.Context, a Actor, in MediaInput) (domain.Media, error) {
	if err := s.member(a); err != nil {
		return domain.Media{}, err
	}
	if s.captureOnly(a.UserID) {
		return domain.Media{}, errCaptureOnly
	}
	m := domain.Media{ID: domain.NewID("med"), RecordID: in.RecordID, MediaType: in.MediaType, Filename: strings.TrimSpace(in.Filename)}
	if err := domain.CheckMediaType(m.MediaType); err != nil {
		return m, invalidErr("media_type", err)
	}
	if err := checkFilename(m.Filename); err != nil {
		return m, err
	}
	recRef := authz.ObjectRef{Type: authz.Record, ID: in.RecordID}
	var held *heldUpload
	_, err := s.update(ctx, func(tx store.Tx) error {
		if err := s.allowed(a, authz.CanEdit, recRef, "adding media"); err != nil {
			return err
		}
		ws, _ := s.Engine().WorkspaceOf(recRef)
		var err error
		if m.ACL, err = s.initialACL(ctx, tx, a, authz.Media, ws, in.ACL); err != nil {
			return err
		}
		if err := tx.CreateMedia(ctx, m); err != nil {
			return err
		}
		held, err = s.holdUpload(ctx, tx, a, authz.ObjectRef{Type: authz.Media, ID: m.ID}, m.RecordID, m.Filename)
		return err
	})
	if err != nil {
		return domain.Media{}, err
	}
	s.announceHeld(ctx, held)
	return s.GetMedia(ctx, a, m.ID)
}

// GetMedia returns a media object the actor can at least preview.
func (s *Service) GetMedia(ctx context.Context, a Actor, id string) (domain.Media, error) {
	if err := s.member(a); err != nil {
		return domain.Media{}, err
	}
	if err := s.visible(a, authz.ObjectRef{Type: authz.Media, ID: id}); err != nil {
		return domain.Media{}, err
	}
	// One snapshot, so that the file and its renditions agree.
	var m domain.Media
	err := s.store.Snapshot(ctx, func(r store.Reader) error {
		var err error
		if m, err = r.GetMedia(ctx, id); err != nil {
			return storeErr(err, "media")
		}
		switch f, err := r.GetMediaFile(ctx, id); {
		case err == nil:
			m.File = &f
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		rs, err := r.Renditions(ctx, []string{id})
		m.Renditions = rs[id]
		return err
	})
	if err != nil {
		return domain.Media{}, err
	}
	m.Moderation = s.moderation(authz.ObjectRef{Type: authz.Media, ID: id})
	return m, nil
}

// ListRecordMedia lists the media of a record that the actor can preview.
func (s *Service) ListRecordMedia(ctx context.Context, a Actor, recordID string) ([]domain.Media, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	if err := s.visible(a, authz.ObjectRef{Type: authz.Record, ID: recordID}); err != nil {
		return nil, err
	}
	all, err := s.store.ListRecordMedia(ctx, recordID)
	if err != nil {
		return nil, err
	}
	out := []domain.Media{}
	for _, m := range all {
		if s.Engine().Check(a.UserID, authz.CanPreview, authz.ObjectRef{Type: authz.Media, ID: m.ID}) {
			out = append(out, m)
		}
	}
	s.markHeldMedia(out)
	return out, s.withRenditions(ctx, out)
}

// ListMedia lists media objects the actor has a permission on
// (can_preview by default).
func (s *Service) ListMedia(ctx context.Context, a Actor, q ListQuery) (Listing[domain.Media], error) {
	if err := s.member(a); err != nil {
		return Listing[domain.Media]{}, err
	}
	p, err := s.page(a, authz.Media, q)
	if err != nil {
		return Listing[domain.Media]{}, err
	}
	ms, err := s.store.GetMediaMany(ctx, p.IDs)
	if err == nil {
		s.markHeldMedia(ms)
		err = s.withRenditions(ctx, ms)
	}
	return Listing[domain.Media]{Items: ms, NextCursor: p.NextCursor, Total: p.Total}, err
}

// MediaUpdate changes a media object's metadata; nil fields stay.
type MediaUpdate struct {
	MediaType *string
	Filename  *string
}

// UpdateMedia changes a media object's metadata (can_edit).
func (s *Service) UpdateMedia(ctx context.Context, a Actor, id string, in MediaUpdate) (domain.Media, error) {
	if err := s.member(a); err != nil {
		return domain.Media{}, err
	}
	ref := authz.ObjectRef{Type: authz.Media, ID: id}
	_, err := s.update(ctx, func(tx store.Tx) error {
		if err := s.allowed(a, authz.CanEdit, ref, "editing media"); err != nil {
			return err
		}
		m, err := tx.GetMedia(ctx, id)
		if err != nil {
			return storeErr(err, "media")
		}
		if in.MediaType != nil {
			if err := domain.CheckMediaType(*in.MediaType); err != nil {
				return invalidErr("media_type", err)
			}
			m.MediaType = *in.MediaType
		}
		if in.Filename != nil {
			name := strings.TrimSpace(*in.Filename)
			if err := checkFilename(name); err != nil {
				return err
			}
			m.Filename = name
		}
		return tx.UpdateMedia(ctx, m)
	})
	if err != nil {
		return domain.Media{}, err
	}
	return s.GetMedia(ctx, a, id)
}

// DeleteMedia deletes a media object: deleting content is the editor's, so
// it takes can_delete on the record.
func (s *Service) DeleteMedia(ctx context.Context, a Actor, id string) error {
	if err := s.member(a); err != nil {
		return err
	}
	ref := authz.ObjectRef{Type: authz.Media, ID: id}
	var blobs []string // the file's and its renditions', deleted after the commit
	_, err := s.update(ctx, func(tx store.Tx) error {
		blobs = nil
		if err := s.visible(a, ref); err != nil {
			return err
		}
		m, err := tx.GetMedia(ctx, id)
		if err != nil {
			return storeErr(err, "media")
		}
		if !s.Engine().Check(a.UserID, authz.CanDelete, authz.ObjectRef{Type: authz.Record, ID: m.RecordID}) {
			return forbidden("deleting media needs can_delete on record %s", m.RecordID)
		}
		switch f, err := tx.GetMediaFile(ctx, id); {
		case err == nil:
			blobs = append(blobs, f.BlobKey)
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		keys, err := renditionKeys(ctx, tx, id)
		if err != nil {
			return err
		}
		blobs = append(blobs, keys...)
		return storeErr(tx.DeleteMedia(ctx, id), "media")
	})
	if err == nil {
		s.deleteBlobs(context.WithoutCancel(ctx), blobs...)
	}
	return err
}

// ---- collections

// CollectionInput describes a new collection.
type CollectionInput struct {
	WorkspaceID string
	Name        string
	Description string
	ACL         *[]domain.ACLEntry
}

// CreateCollection creates a collection in a workspace (contributor or
// more); the actor is its creator.
func (s *Service) CreateCollection(ctx context.Context, a Actor, in CollectionInput) (domain.Collection, error) {
	if err := s.member(a); err != nil {
		return domain.Collection{}, err
	}
	c := domain.Collection{ID: domain.NewID("col"), WorkspaceID: in.WorkspaceID, Name: strings.TrimSpace(in.Name), Description: in.Description, CreatorID: a.UserID}
	if err := applyNames(&c.Name, &c.Description, &c.Name, &c.Description); err != nil {
		return c, err
	}
	_, err := s.update(ctx, func(tx store.Tx) error {
		if _, err := s.visibleWorkspace(ctx, tx, a, in.WorkspaceID); err != nil {
			return err
		}
		if err := s.requireWorkspace(a, in.WorkspaceID, authz.CanEdit, "creating collections"); err != nil {
			return err
		}
		var err error
		if c.ACL, err = s.initialACL(ctx, tx, a, authz.Collection, in.WorkspaceID, in.ACL); err != nil {
			return err
		}
		return tx.CreateCollection(ctx, c)
	})
	if err != nil {
		return domain.Collection{}, err
	}
	return s.GetCollection(ctx, a, c.ID)
}

// GetCollection returns a collection the actor can view.
func (s *Service) GetCollection(ctx context.Context, a Actor, id string) (domain.Collection, error) {
	if err := s.member(a); err != nil {
		return domain.Collection{}, err
	}
	if err := s.visible(a, authz.ObjectRef{Type: authz.Collection, ID: id}); err != nil {
		return domain.Collection{}, err
	}
	c, err := s.store.GetCollection(ctx, id)
	return c, storeErr(err, "collection")
}

// ListCollections lists collections the actor has a permission on.
func (s *Service) ListCollections(ctx context.Context, a Actor, q ListQuery) (Listing[domain.Collection], error) {
	if err := s.member(a); err != nil {
		return Listing[domain.Collection]{}, err
	}
	p, err := s.page(a, authz.Collection, q)
	if err != nil {
		return Listing[domain.Collection]{}, err
	}
	cs, err := s.store.GetCollections(ctx, p.IDs)
	return Listing[domain.Collection]{Items: cs, NextCursor: p.NextCursor, Total: p.Total}, err
}

// UpdateCollection renames a collection (can_edit).
func (s *Service) UpdateCollection(ctx context.Context, a Actor, id string, in NameUpdate) (domain.Collection, error) {
	if err := s.member(a); err != nil {
		return domain.Collection{}, err
	}
	ref := authz.ObjectRef{Type: authz.Collection, ID: id}
	_, err := s.update(ctx, func(tx store.Tx) error {
		if err := s.allowed(a, authz.CanEdit, ref, "editing a collection"); err != nil {
			return err
		}
		c, err := tx.GetCollection(ctx, id)
		if err != nil {
			return storeErr(err, "collection")
		}
		if err := applyNames(&c.Name, &c.Description, in.Name, in.Description); err != nil {
			return err
		}
		return tx.UpdateCollection(ctx, c)
	})
	if err != nil {
		return domain.Collection{}, err
	}
	return s.GetCollection(ctx, a, id)
}

// DeleteCollection deletes a collection (can_delete: its creator or an
// editor); its records stay.
func (s *Service) DeleteCollection(ctx context.Context, a Actor, id string) error {
	if err := s.member(a); err != nil {
		return err
	}
	ref := authz.ObjectRef{Type: authz.Collection, ID: id}
	_, err := s.update(ctx, func(tx store.Tx) error {
		if err := s.allowed(a, authz.CanDelete, ref, "deleting a collection"); err != nil {
			return err
		}
		return storeErr(tx.DeleteCollection(ctx, id), "collection")
	})
	return err
}

// CollectionRecords lists the records of a collection that the actor can
// view.
func (s *Service) CollectionRecords(ctx context.Context, a Actor, id string) ([]domain.Record, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	if err := s.visible(a, authz.ObjectRef{Type: authz.Collection, ID: id}); err != nil {
		return nil, err
	}
	ids, err := s.store.CollectionRecords(ctx, id)
	if err != nil {
		return nil, err
	}
	var vis []string
	for _, rid := range ids {
		if s.Engine().Check(a.UserID, authz.CanView, authz.ObjectRef{Type: authz.Record, ID: rid}) {
			vis = append(vis, rid)
		}
	}
	recs, err := s.store.GetRecords(ctx, nonNil(vis))
	s.markHeld(recs)
	return recs, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AddCollectionRecord adds a record the actor can view to a collection it
// can edit.
func (s *Service) AddCollectionRecord(ctx context.Context, a Actor, collID, recID string) error {
	if err := s.member(a); err != nil {
		return err
	}
	_, err := s.update(ctx, func(tx store.Tx) error {
		if err := s.allowed(a, authz.CanEdit, authz.ObjectRef{Type: authz.Collection, ID: collID}, "adding to a collection"); err != nil {
			return err
		}
		if err := s.visible(a, authz.ObjectRef{Type: authz.Record, ID: recID}); err != nil {
			return err
		}
		if err := tx.AddCollectionRecord(ctx, collID, recID); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return conflict("already_member", "record %s is already in the collection", recID)
			}
			return err
		}
		return nil
	})
	return err
}

// RemoveCollectionRecord removes a record from a collection it can edit.
func (s *Service) RemoveCollectionRecord(ctx context.Context, a Actor, collID, recID string) error {
	if err := s.member(a); err != nil {
		return err
	}
	_, err := s.update(ctx, func(tx store.Tx) error {
		if err := s.allowed(a, authz.CanEdit, authz.ObjectRef{Type: authz.Collection, ID: collID}, "removing from a collection"); err != nil {
			return err
		}
		// A record the caller cannot see does not exist for it, in the
		// collection or anywhere.
		if err := s.visible(a, authz.ObjectRef{Type: authz.Record, ID: recID}); err != nil {
			return err
		}
		return storeErr(tx.RemoveCollectionRecord(ctx, collID, recID), "record in the collection")
	})
	return err
}
