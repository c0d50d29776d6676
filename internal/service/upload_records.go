package service

// Uploads that create their record: one file becomes one new record with
// one media object holding it, the way people drop photos into a library.
// The record, the media object and the file are recorded in one
// transaction after the bytes are stored, so that a refused, oversized or
// broken upload leaves no empty record behind (creating the record first
// and uploading second would).

import (
	"context"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/filetype"
	"atrium/internal/store"
)

// RecordUpload is a record created with its first media object and that
// object's file.
type RecordUpload struct {
	Record domain.Record `json:"record"`
	UploadResult
}

// UploadNewRecord creates a record in a workspace (contributor or more,
// as CreateRecord) with one media object whose file is the bytes of up
// (as UploadRecordFile: limits, duplicates, renditions, moderation). The
// record and the media object get the account's default ACLs, or the
// record in.ACL (owner role). The record's media type, when not given,
// is the file's. Everything is checked before a byte is read and again
// in the transaction that records the file. Audited as media.upload with
// the record.
func (s *Service) UploadNewRecord(ctx context.Context, a Actor, in RecordInput, file FileMediaInput, up Upload) (RecordUpload, error) {
	if err := s.member(a); err != nil {
		return RecordUpload{}, err
	}
	if s.captureOnly(a.UserID) {
		return RecordUpload{}, errCaptureOnly
	}
	rec, m, err := newRecordWithMedia(a, in.Title, in.Description, in.Keywords, in.MediaType, file)
	if err != nil {
		return RecordUpload{}, err
	}
	rec.WorkspaceID, rec.Fields = in.WorkspaceID, in.Fields
	if err := domain.CheckFields(rec.Fields); err != nil {
		return RecordUpload{}, invalidErr("fields", err)
	}
	ev := a.event(AuditMediaUpload, "media:"+m.ID)
	ev.Detail = map[string]string{"record": rec.ID, "created": "true", "record_created": "true"}
	check := func(r store.Reader) error {
		if _, err := s.visibleWorkspace(ctx, r, a, in.WorkspaceID); err != nil {
			return err
		}
		return s.requireWorkspace(a, in.WorkspaceID, authz.CanEdit, "creating records")
	}
	if err := check(s.store); err != nil {
		return RecordUpload{}, s.refused(ctx, ev, err)
	}
	return s.storeNewRecord(ctx, a, ev, rec, m, up, func(tx store.Tx, rec *domain.Record, m *domain.Media) error {
		if err := check(tx); err != nil {
			return err
		}
		var err error
		if rec.ACL, err = s.initialACL(ctx, tx, a, authz.Record, in.WorkspaceID, in.ACL); err != nil {
			return err
		}
		m.ACL, err = s.initialACL(ctx, tx, a, authz.Media, in.WorkspaceID, nil)
		return err
	})
}

// CaptureNewRecord is UploadNewRecord through a capture profile the actor
// holds, as CaptureRecord and CaptureFile together: the record goes to
// the profile's workspace with its fields checked against the profile (a
// missing required field is invalid, naming fields.NAME, before a byte
// is read) and the profile's record ACL, the media object gets the
// profile's media ACL, and the capturer keeps edit on both. Audited as
// capture.record and capture.media.
func (s *Service) CaptureNewRecord(ctx context.Context, a Actor, profileID string, in CaptureInput, file FileMediaInput, up Upload) (RecordUpload, error) {
	if err := s.member(a); err != nil {
		return RecordUpload{}, err
	}
	rec, m, err := newRecordWithMedia(a, in.Title, in.Description, in.Keywords, in.MediaType, file)
	if err != nil {
		return RecordUpload{}, err
	}
	ev := a.event(AuditCaptureMedia, "media:"+m.ID)
	ev.Detail = map[string]string{"profile": truncate(profileID, 100), "record": rec.ID, "created": "true"}
	// check loads the profile and fills in what it decides.
	check := func(r store.Reader, rec *domain.Record) (domain.CaptureProfile, error) {
		p, err := s.heldCaptureProfile(ctx, r, a, profileID)
		if err != nil {
			return p, err
		}
		if err := s.mayCapture(a, p); err != nil {
			return p, err
		}
		if rec.Fields, err = domain.CheckCaptureFields(p.Fields, in.Fields); err != nil {
			return p, fieldInvalid(err, "fields")
		}
		if err := domain.CheckFields(rec.Fields); err != nil {
			return p, invalidErr("fields", err)
		}
		rec.WorkspaceID = p.WorkspaceID
		return p, nil
	}
	p, err := check(s.store, &rec)
	if err != nil {
		return RecordUpload{}, s.refused(ctx, ev, err)
	}
	ev.Detail["profile_name"] = p.Name
	return s.storeNewRecord(ctx, a, ev, rec, m, up, func(tx store.Tx, rec *domain.Record, m *domain.Media) error {
		p, err := check(tx, rec)
		if err != nil {
			return err
		}
		rec.ACL = capturedACL(authz.Record, p.RecordACL, a.UserID)
		m.ACL = capturedACL(authz.Media, p.MediaACL, a.UserID)
		rev := a.event(AuditCaptureRecord, "record:"+rec.ID)
		rev.Detail = map[string]string{"profile": p.ID, "profile_name": p.Name, "workspace": p.WorkspaceID, "with_file": m.ID}
		return tx.Audit(ctx, rev)
	})
}

// newRecordWithMedia checks a new record's own fields and names the
// record and its media object.
func newRecordWithMedia(a Actor, title, desc string, keywords []string, mediaType string, file FileMediaInput) (domain.Record, domain.Media, error) {
	rec := domain.Record{ID: domain.NewID("rec"), Title: strings.TrimSpace(title), Description: desc, MediaType: mediaType, CreatedBy: a.UserID}
	m := domain.Media{ID: domain.NewID("med"), RecordID: rec.ID, MediaType: file.MediaType, Filename: domain.SanitizeFilename(file.Filename)}
	if err := checkRecordFields(rec.Title, rec.Description, rec.MediaType); err != nil {
		return rec, m, err
	}
	var err error
	if rec.Keywords, err = domain.CheckKeywords(keywords); err != nil {
		return rec, m, invalidErr("keywords", err)
	}
	if m.MediaType != "" {
		if err := domain.CheckMediaType(m.MediaType); err != nil {
			return rec, m, invalidErr("media_type", err)
		}
	}
	return rec, m, nil
}

// storeNewRecord receives the bytes, then records the record, its media
// object and the file in one transaction, where decide checks the
// actor's right again and sets the ACLs. On failure no record, media
// object, file or blob is left.
func (s *Service) storeNewRecord(ctx context.Context, a Actor, ev domain.AuditEvent, rec domain.Record, m domain.Media, up Upload,
	decide func(tx store.Tx, rec *domain.Record, m *domain.Media) error) (RecordUpload, error) {
	f, err := s.receive(ctx, a, up, 0)
	if err != nil {
		return RecordUpload{}, s.refused(context.WithoutCancel(ctx), ev, err)
	}
	if m.MediaType == "" {
		m.MediaType = filetype.MediaType(f.ContentType)
	}
	if rec.MediaType == "" {
		rec.MediaType = m.MediaType
	}
	var res RecordUpload
	var heldRec, heldMedia *heldUpload
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		if err := decide(tx, &rec, &m); err != nil {
			return err
		}
		if err := tx.CreateRecord(ctx, rec); err != nil {
			return err
		}
		var err error
		if heldRec, err = s.holdUpload(ctx, tx, a, authz.ObjectRef{Type: authz.Record, ID: rec.ID}, rec.ID, rec.Title); err != nil {
			return err
		}
		if err := tx.CreateMedia(ctx, m); err != nil {
			return storeErr(err, "media")
		}
		f.MediaID = m.ID
		if res.DuplicateOf, err = s.recordFile(ctx, tx, a, m.MediaType, &f, 0, up.Duplicates, ev); err != nil {
			return err
		}
		heldMedia, err = s.holdUpload(ctx, tx, a, authz.ObjectRef{Type: authz.Media, ID: m.ID}, rec.ID, m.Filename)
		return err
	})
	if err != nil {
		s.deleteBlobs(context.WithoutCancel(ctx), f.BlobKey)
		return RecordUpload{}, err
	}
	s.announceHeld(ctx, heldRec)
	s.announceHeld(ctx, heldMedia)
	s.afterUpload(m.MediaType, f)
	if res.Record, err = s.GetRecord(ctx, a, rec.ID); err != nil {
		return res, err
	}
	res.Media, err = s.GetMedia(ctx, a, m.ID)
	return res, err
}
