package service

import (
	"context"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// captureTarget checks, against r, that the actor may capture a file
// onto a record through a capture profile: it holds the profile, may
// capture through it (see mayCapture), can edit the record (its
// capturer keeps edit), and the record is in the profile's workspace.
func (s *Service) captureTarget(ctx context.Context, r store.Reader, a Actor, profileID, recordID string) (domain.CaptureProfile, error) {
	p, err := s.heldCaptureProfile(ctx, r, a, profileID)
	if err != nil {
		return p, err
	}
	if err := s.mayCapture(a, p); err != nil {
		return p, err
	}
	recRef := authz.ObjectRef{Type: authz.Record, ID: recordID}
	if err := s.allowed(a, authz.CanEdit, recRef, "adding media"); err != nil {
		return p, err
	}
	if ws, _ := s.Engine().WorkspaceOf(recRef); ws != p.WorkspaceID {
		return p, forbidden("record %s is not in the workspace of capture profile %q", recordID, p.Name)
	}
	return p, nil
}

// CaptureFile is the capture application's upload: it creates a media
// object on a record in a capture profile's workspace with the bytes of
// up as its file, with the profile's media ACL, as CaptureMedia does for
// metadata. Everything is checked before a byte is read and again in the
// transaction that records the file; the upload then follows
// UploadRecordFile (limits, duplicates, renditions). Audited as
// capture.media, with the file.
func (s *Service) CaptureFile(ctx context.Context, a Actor, profileID, recordID string, in FileMediaInput, up Upload) (UploadResult, error) {
	if err := s.member(a); err != nil {
		return UploadResult{}, err
	}
	m := domain.Media{ID: domain.NewID("med"), RecordID: recordID, MediaType: in.MediaType, Filename: domain.SanitizeFilename(in.Filename)}
	ev := a.event(AuditCaptureMedia, "media:"+m.ID)
	ev.Detail = map[string]string{"profile": truncate(profileID, 100), "record": truncate(recordID, 100), "created": "true"}
	p, err := s.captureTarget(ctx, s.store, a, profileID, recordID)
	if err != nil {
		return UploadResult{}, s.refused(ctx, ev, err)
	}
	ev.Detail["profile_name"] = p.Name
	if m.MediaType != "" {
		if err := domain.CheckMediaType(m.MediaType); err != nil {
			return UploadResult{}, invalidErr("media_type", err)
		}
	}
	return s.newMediaUpload(ctx, a, m, up, ev, func(tx store.Tx, m *domain.Media) error {
		p, err := s.captureTarget(ctx, tx, a, profileID, recordID)
		if err != nil {
			return err
		}
		m.ACL = capturedACL(authz.Media, p.MediaACL, a.UserID)
		return nil
	})
}
