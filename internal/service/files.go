package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/blob"
	"atrium/internal/domain"
	"atrium/internal/filetype"
	"atrium/internal/store"
)

// Audit event types of files.
const (
	// AuditMediaUpload is a file received for a media object (a new one,
	// or a replacement); refused uploads are recorded too.
	AuditMediaUpload = "media.upload"
	// AuditMediaDownload is a download of a media object's file: recorded
	// before its first byte is sent, and when it is refused for want of a
	// permission.
	AuditMediaDownload = "media.download"
)

// DefaultMaxUploadBytes is the largest upload unless configured.
const DefaultMaxUploadBytes = 2 << 30

// RenditionOriginal names the uploaded file itself among a media object's
// renditions.
const RenditionOriginal = "original"

// Blobs is the store of the files' bytes (nil if none is configured).
func (s *Service) Blobs() blob.Store { return s.blobs }

// MaxUploadBytes is the largest file an upload may hold.
func (s *Service) MaxUploadBytes() int64 { return s.maxUpload }

// DuplicatePolicy says what an upload does when the account already holds
// the same bytes (the same SHA-256) as another media object's file.
type DuplicatePolicy string

const (
	// DuplicatesAccept stores the file and reports the media objects
	// that already hold it (the default).
	DuplicatesAccept DuplicatePolicy = "accept"
	// DuplicatesRefuse refuses it with 409 duplicate_file naming them.
	DuplicatesRefuse DuplicatePolicy = "refuse"
)

// ParseDuplicatePolicy reads a policy name; "" is DuplicatesAccept.
func ParseDuplicatePolicy(s string) (DuplicatePolicy, error) {
	switch DuplicatePolicy(s) {
	case "", DuplicatesAccept:
		return DuplicatesAccept, nil
	case DuplicatesRefuse:
		return DuplicatesRefuse, nil
	}
	return "", badQuery("duplicates", "duplicates must be accept or refuse")
}

// Upload is the body of an upload.
type Upload struct {
	// Body yields the file's bytes; it is read once, to its end, and
	// never held whole in memory.
	Body io.Reader
	// Size is the length the client declared, or -1: a declared length
	// over a limit is refused before anything is read.
	Size       int64
	Duplicates DuplicatePolicy
}

// UploadResult is a media object with its new file, and the media objects
// the caller can see that already held the same bytes.
type UploadResult struct {
	Media       domain.Media `json:"media"`
	DuplicateOf []string     `json:"duplicate_of"`
}

func tooLarge(limit int64) *Error {
	return &Error{Kind: KindTooLarge, Code: "too_large", Field: "file",
		Message: fmt.Sprintf("the file is larger than the %d bytes an upload may hold", limit)}
}

func storageLimitReached(limit, used int64) *Error {
	return conflict("limit_reached", "the account's plan allows %d bytes of storage (limit max_storage_bytes), %d of which are in use; this file does not fit", limit, used)
}

// errNoBlobs refuses uploads and downloads when no blob store is set up.
var errNoBlobs = errors.New("no blob store is configured")

// ---- uploads

// PutMediaFile stores the bytes of up as a media object's file, replacing
// the one it had (can_edit on the media object). The caller's right is
// checked before anything is read and again when the file is recorded;
// the file is recorded, with the account's storage usage, in one
// transaction; if anything fails, no record of the file and no blob is
// left. The replaced file's blob is deleted after the commit.
func (s *Service) PutMediaFile(ctx context.Context, a Actor, mediaID string, up Upload) (UploadResult, error) {
	if err := s.member(a); err != nil {
		return UploadResult{}, err
	}
	ref := authz.ObjectRef{Type: authz.Media, ID: mediaID}
	if err := s.visible(a, ref); err != nil {
		return UploadResult{}, err
	}
	ev := a.event(AuditMediaUpload, "media:"+mediaID)
	if err := s.allowed(a, authz.CanEdit, ref, "uploading a file"); err != nil {
		return UploadResult{}, s.refused(ctx, ev, err)
	}
	if err := s.refuseModeratedReplace(ctx, s.store, a, mediaID); err != nil {
		return UploadResult{}, s.refused(ctx, ev, err)
	}
	// A replaced file's space is freed by the same transaction: the new
	// one may use it.
	var freed int64
	if old, err := s.store.GetMediaFile(ctx, mediaID); err == nil {
		freed = old.Size
	} else if !errors.Is(err, store.ErrNotFound) {
		return UploadResult{}, err
	}
	f, err := s.receive(ctx, a, up, freed)
	if err != nil {
		return UploadResult{}, s.refused(context.WithoutCancel(ctx), ev, err)
	}
	f.MediaID = mediaID
	var res UploadResult
	var replaced []string // the old file's blob and its renditions'
	var mediaType string
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		replaced = nil
		if err := s.allowed(a, authz.CanEdit, ref, "uploading a file"); err != nil {
			return err
		}
		m, err := tx.GetMedia(ctx, mediaID)
		if err != nil {
			return storeErr(err, "media")
		}
		if err := s.refuseModeratedReplace(ctx, tx, a, mediaID); err != nil {
			return err
		}
		mediaType = m.MediaType
		old, err := tx.GetMediaFile(ctx, mediaID)
		switch {
		case err == nil:
			if replaced, err = renditionKeys(ctx, tx, mediaID); err != nil {
				return err
			}
			replaced = append(replaced, old.BlobKey)
			ev.Detail = map[string]string{"replaced": old.ID}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		res.DuplicateOf, err = s.recordFile(ctx, tx, a, m.MediaType, &f, old.Size, up.Duplicates, ev)
		return err
	})
	if err != nil {
		s.deleteBlobs(context.WithoutCancel(ctx), f.BlobKey)
		return UploadResult{}, err
	}
	s.deleteBlobs(context.WithoutCancel(ctx), replaced...)
	s.afterUpload(mediaType, f)
	res.Media, err = s.GetMedia(ctx, a, mediaID)
	return res, err
}

// FileMediaInput describes the media object an upload creates.
type FileMediaInput struct {
	RecordID string
	// MediaType is image, video, audio or document; "" takes it from the
	// detected content type.
	MediaType string
	// Filename is the name the client gave; it is sanitised (see
	// domain.SanitizeFilename), never refused.
	Filename string
}

// UploadRecordFile creates a media object on a record with the bytes of
// up as its file, in one transaction (can_edit on the record, as for
// creating media). The media object gets the account's default ACL.
func (s *Service) UploadRecordFile(ctx context.Context, a Actor, in FileMediaInput, up Upload) (UploadResult, error) {
	if err := s.member(a); err != nil {
		return UploadResult{}, err
	}
	if s.captureOnly(a.UserID) {
		return UploadResult{}, errCaptureOnly
	}
	recRef := authz.ObjectRef{Type: authz.Record, ID: in.RecordID}
	if err := s.visible(a, recRef); err != nil {
		return UploadResult{}, err
	}
	m := domain.Media{ID: domain.NewID("med"), RecordID: in.RecordID, MediaType: in.MediaType, Filename: domain.SanitizeFilename(in.Filename)}
	ev := a.event(AuditMediaUpload, "media:"+m.ID)
	ev.Detail = map[string]string{"record": in.RecordID, "created": "true"}
	if err := s.allowed(a, authz.CanEdit, recRef, "adding media"); err != nil {
		return UploadResult{}, s.refused(ctx, ev, err)
	}
	if m.MediaType != "" {
		if err := domain.CheckMediaType(m.MediaType); err != nil {
			return UploadResult{}, invalidErr("media_type", err)
		}
	}
	return s.newMediaUpload(ctx, a, m, up, ev, func(tx store.Tx, m *domain.Media) error {
		if err := s.allowed(a, authz.CanEdit, recRef, "adding media"); err != nil {
			return err
		}
		ws, _ := s.Engine().WorkspaceOf(recRef)
		var err error
		m.ACL, err = s.initialACL(ctx, tx, a, authz.Media, ws, nil)
		return err
	})
}

// newMediaUpload stores up as the file of m, a new media object, once the
// caller has checked what it can before reading a byte: it receives the
// bytes (m's media type defaults to the detected one), then in one
// transaction runs inTx (the caller's checks again, and m's ACL), creates
// m, records the file and holds it when its uploader is moderated. The
// approvers' mail and the renditions follow the commit; a failure leaves
// neither a row nor a blob.
func (s *Service) newMediaUpload(ctx context.Context, a Actor, m domain.Media, up Upload, ev domain.AuditEvent, inTx func(tx store.Tx, m *domain.Media) error) (UploadResult, error) {
	f, err := s.receive(ctx, a, up, 0)
	if err != nil {
		return UploadResult{}, s.refused(context.WithoutCancel(ctx), ev, err)
	}
	if m.MediaType == "" {
		m.MediaType = filetype.MediaType(f.ContentType)
	}
	var res UploadResult
	var held *heldUpload
	_, err = s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		if err := inTx(tx, &m); err != nil {
			return err
		}
		if err := tx.CreateMedia(ctx, m); err != nil {
			return storeErr(err, "media")
		}
		f.MediaID = m.ID
		var err error
		if res.DuplicateOf, err = s.recordFile(ctx, tx, a, m.MediaType, &f, 0, up.Duplicates, ev); err != nil {
			return err
		}
		held, err = s.holdUpload(ctx, tx, a, authz.ObjectRef{Type: authz.Media, ID: m.ID}, m.RecordID, m.Filename)
		return err
	})
	if err != nil {
		s.deleteBlobs(context.WithoutCancel(ctx), f.BlobKey)
		return UploadResult{}, err
	}
	s.announceHeld(ctx, held)
	s.afterUpload(m.MediaType, f)
	res.Media, err = s.GetMedia(ctx, a, m.ID)
	return res, err
}

// recordFile is the transactional part of an upload: within the plan's
// storage (the media object's old file, of size freed, goes), duplicate
// detection, the file's row (f, of media object f.MediaID, is completed
// with its account and uploader) and, for an image, its pending
// renditions. Reading the usage and the duplicates in the transaction
// that writes the row is what keeps two concurrent uploads from both
// fitting in the last free bytes, or both missing each other as
// duplicates: write transactions run one at a time.
func (s *Service) recordFile(ctx context.Context, tx store.Tx, a Actor, mediaType string, f *domain.File, freed int64, policy DuplicatePolicy, ev *domain.AuditEvent) ([]string, error) {
	mediaID := f.MediaID
	acct, err := tx.GetAccount(ctx, a.AccountID)
	if err != nil {
		return nil, storeErr(err, "account")
	}
	if limit := acct.Limits.MaxStorageBytes; limit > 0 {
		used, err := tx.StorageUsage(ctx, a.AccountID)
		if err != nil {
			return nil, err
		}
		if used.Bytes-freed+f.Size > limit {
			return nil, storageLimitReached(limit, used.Bytes)
		}
	}
	same, err := tx.FilesBySHA256(ctx, a.AccountID, f.SHA256)
	if err != nil {
		return nil, err
	}
	// Only media objects the caller can see count: an upload must not
	// reveal that some hidden object holds the same bytes. The caller's
	// own uploads count too: they reveal nothing, and one committed by a
	// concurrent request a moment ago may not be in the engine yet.
	dups := []string{}
	for _, o := range same {
		if o.MediaID != mediaID && (o.UploadedBy == a.UserID || s.Engine().Check(a.UserID, authz.CanPreview, authz.ObjectRef{Type: authz.Media, ID: o.MediaID})) {
			dups = append(dups, o.MediaID)
		}
	}
	if len(dups) > 0 && policy == DuplicatesRefuse {
		return nil, conflict("duplicate_file", "the same bytes are already the file of media %s", strings.Join(dups, ", "))
	}
	f.AccountID = a.AccountID
	f.UploadedBy = a.UserID
	if err := tx.SetMediaFile(ctx, *f); err != nil {
		return nil, storeErr(err, "media")
	}
	if domain.WantsRenditions(mediaType, f.ContentType) {
		if err := tx.AddPendingRenditions(ctx, f.ID, domain.MadeRenditions); err != nil {
			return nil, err
		}
	}
	if ev.Detail == nil {
		ev.Detail = map[string]string{}
	}
	ev.Detail["file"] = f.ID
	ev.Detail["size"] = strconv.FormatInt(f.Size, 10)
	ev.Detail["sha256"] = f.SHA256
	ev.Detail["content_type"] = f.ContentType
	if len(dups) > 0 {
		ev.Detail["duplicate_of"] = strings.Join(dups, ",")
	}
	return dups, nil
}

// receive streams an upload into a new blob, measuring it on the way: its
// size against the upload limit and the account's free storage (freed
// bytes being released by the same write), its SHA-256, and its content
// type from the first bytes. On failure no blob is left.
func (s *Service) receive(ctx context.Context, a Actor, up Upload, freed int64) (domain.File, error) {
	if s.blobs == nil {
		return domain.File{}, errNoBlobs
	}
	if up.Size > s.maxUpload {
		return domain.File{}, tooLarge(s.maxUpload)
	}
	acct, err := s.store.GetAccount(ctx, a.AccountID)
	if err != nil {
		return domain.File{}, storeErr(err, "account")
	}
	room := int64(-1) // unlimited
	var used domain.StorageUsage
	if limit := acct.Limits.MaxStorageBytes; limit > 0 {
		if used, err = s.store.StorageUsage(ctx, a.AccountID); err != nil {
			return domain.File{}, err
		}
		room = max(0, limit-used.Bytes+freed)
		if up.Size > room {
			return domain.File{}, storageLimitReached(limit, used.Bytes)
		}
	}
	id := domain.NewID("fil")
	m := &measure{r: up.Body, limit: s.maxUpload, room: room, h: sha256.New()}
	n, err := s.blobs.Put(ctx, id, m)
	if err != nil {
		// The store promises to leave nothing; a delete costs little and
		// covers a store that broke the promise.
		s.deleteBlobs(context.WithoutCancel(ctx), id)
		switch {
		case errors.Is(err, errOverLimit):
			return domain.File{}, tooLarge(s.maxUpload)
		case errors.Is(err, errOverRoom):
			return domain.File{}, storageLimitReached(acct.Limits.MaxStorageBytes, used.Bytes)
		case m.err != nil:
			// The client's body failed: cut short (the client went
			// away, or the connection broke) or malformed.
			return domain.File{}, &Error{Kind: KindBadRequest, Code: "upload_incomplete", Field: "file",
				Message: "the file could not be read to its end: the upload was cut short or is malformed", Err: err}
		}
		return domain.File{}, fmt.Errorf("store upload: %w", err)
	}
	if n != m.n {
		s.deleteBlobs(context.WithoutCancel(ctx), id)
		return domain.File{}, fmt.Errorf("store upload: the blob store kept %d bytes of %d", n, m.n)
	}
	return domain.File{ID: id, BlobKey: id, Size: m.n, SHA256: hex.EncodeToString(m.h.Sum(nil)),
		ContentType: filetype.Detect(m.head)}, nil
}

var (
	errOverLimit = errors.New("the upload is over the size limit")
	errOverRoom  = errors.New("the upload is over the account's free storage")
)

// measure passes an upload's bytes through, counting and hashing them,
// keeping the first ones for content detection, and failing as soon as
// they pass the upload limit or the free room (-1: none), so that an
// oversized upload is never stored whole.
type measure struct {
	r           io.Reader
	n           int64
	limit, room int64
	h           hash.Hash
	head        []byte
	err         error // the source's own failure, if it failed
}

func (m *measure) Read(p []byte) (int, error) {
	bound := m.limit
	if m.room >= 0 && m.room < bound {
		bound = m.room
	}
	// Read at most one byte past the bound: enough to know it is passed.
	if left := bound + 1 - m.n; int64(len(p)) > left {
		p = p[:max(left, 0)]
	}
	if len(p) == 0 {
		return 0, m.over()
	}
	k, err := m.r.Read(p)
	m.n += int64(k)
	m.h.Write(p[:k])
	if len(m.head) < filetype.SniffLen {
		m.head = append(m.head, p[:min(k, filetype.SniffLen-len(m.head))]...)
	}
	if m.n > bound {
		return k, m.over()
	}
	if err != nil && err != io.EOF {
		m.err = err
	}
	return k, err
}

func (m *measure) over() error {
	if m.n > m.limit {
		return errOverLimit
	}
	return errOverRoom
}

// ---- downloads

// Download is a media object's file or one of its renditions, open for
// serving.
type Download struct {
	Media domain.Media
	// File is the original (of a rendition: the one it was made from).
	File      domain.File
	Rendition string
	// What is served: its content type, the SHA-256 of its bytes (the
	// ETag), when it was made, and the name a client saves it under.
	ContentType string
	SHA256      string
	ModTime     time.Time
	Filename    string
	// Inline is set for viewing in the browser, not saving: nothing is
	// recorded (see OpenRendition).
	Inline bool
	// Content is the bytes, seekable for range requests; the caller
	// closes it.
	Content io.ReadSeekCloser
}

// OpenOriginal opens a media object's original file for download, checked
// now: objects the caller cannot see are not found, seen ones without
// can_download (or whose download profile refuses the original) are
// forbidden, and refusals are audited. The caller records the download
// with RecordDownload before sending its first byte.
func (s *Service) OpenOriginal(ctx context.Context, a Actor, mediaID string) (*Download, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	ref := authz.ObjectRef{Type: authz.Media, ID: mediaID}
	if err := s.visible(a, ref); err != nil {
		return nil, err
	}
	ev := a.event(AuditMediaDownload, "media:"+mediaID)
	ev.Detail = map[string]string{"rendition": RenditionOriginal}
	if err := s.allowed(a, authz.CanDownload, ref, "downloading the file"); err != nil {
		return nil, s.refused(ctx, ev, err)
	}
	m, err := s.store.GetMedia(ctx, mediaID)
	if err != nil {
		return nil, storeErr(err, "media")
	}
	if err := s.profileAllows(ctx, a, m, RenditionOriginal); err != nil {
		return nil, s.refused(ctx, ev, err)
	}
	return s.openFile(ctx, m, RenditionOriginal)
}

// openFile opens a media object's original for a download already
// decided: not found if it has no file yet.
func (s *Service) openFile(ctx context.Context, m domain.Media, rendition string) (*Download, error) {
	f, err := s.store.GetMediaFile(ctx, m.ID)
	if errors.Is(err, store.ErrNotFound) {
		e := notFound("file")
		e.Message = "media " + m.ID + " has no file yet"
		return nil, e
	}
	if err != nil {
		return nil, err
	}
	if s.blobs == nil {
		return nil, errNoBlobs
	}
	rc, info, err := s.blobs.Open(ctx, f.BlobKey)
	if err != nil {
		return nil, fmt.Errorf("open the file of media %s: %w", m.ID, err)
	}
	if info.Size != f.Size {
		rc.Close()
		return nil, fmt.Errorf("the file of media %s holds %d bytes in the blob store, %d recorded", m.ID, info.Size, f.Size)
	}
	m.File = &f
	return &Download{Media: m, File: f, Rendition: rendition, ContentType: f.ContentType, SHA256: f.SHA256,
		ModTime: f.UploadedAt, Filename: m.Filename, Content: rc}, nil
}

// profileAllows checks the caller's download profiles (the union of the
// profiles it holds, directly, through groups and as everyone) for this
// rendition of this media type: the rule of DownloadAllowed.
func (s *Service) profileAllows(ctx context.Context, a Actor, m domain.Media, rendition string) error {
	return s.DownloadAllowed(ctx, a, m.ID, rendition)
}

// RecordDownload audits a download about to be sent; detail adds to the
// event (the byte range, the length). A download that cannot be recorded
// must not be sent.
func (s *Service) RecordDownload(ctx context.Context, a Actor, d *Download, detail map[string]string) error {
	ev := a.event(AuditMediaDownload, "media:"+d.Media.ID)
	ev.Detail = map[string]string{"rendition": d.Rendition, "file": d.File.ID, "sha256": d.SHA256}
	for k, v := range detail {
		ev.Detail[k] = v
	}
	if err := s.store.Audit(ctx, ev); err != nil {
		return fmt.Errorf("record the download of media %s: %w", d.Media.ID, err)
	}
	return nil
}

// ---- blobs after deletes

// fileKeys returns the blob keys of the files a delete will remove.
func fileKeys(fs []domain.File) []string {
	keys := make([]string, len(fs))
	for i, f := range fs {
		keys[i] = f.BlobKey
	}
	return keys
}

// deleteBlobs removes blobs no file refers to any more. A failure is
// logged, not returned: the row is gone, and SweepBlobs removes the blob
// later.
func (s *Service) deleteBlobs(ctx context.Context, keys ...string) {
	if s.blobs == nil {
		return
	}
	for _, k := range keys {
		if err := s.blobs.Delete(ctx, k); err != nil {
			s.log.Error("blob not deleted; a later sweep removes it", "key", k, "err", err)
		}
	}
}

// SweepAge is how old a blob without a file must be for SweepBlobs to
// remove it: an upload stores its blob a moment before it records the
// file, and must not lose it in between.
const SweepAge = time.Hour

// SweepBlobs removes blobs that no file refers to and that are older than
// olderThan: those of uploads that stopped between storing the blob and
// recording the file (a crash), and of deletes whose blob delete failed.
// It returns how many it removed.
func (s *Service) SweepBlobs(ctx context.Context, olderThan time.Duration) (int, error) {
	if s.blobs == nil {
		return 0, nil
	}
	before := time.Now().Add(-olderThan)
	var orphans []string
	err := s.blobs.List(ctx, func(i blob.Info) error {
		if !i.ModTime.Before(before) {
			return nil
		}
		used, err := s.store.BlobInUse(ctx, i.Key)
		if err != nil {
			return err
		}
		if !used {
			orphans = append(orphans, i.Key)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sweep blobs: %w", err)
	}
	removed := 0
	for _, k := range orphans {
		// Checked again just before: a file may have been recorded
		// since the listing.
		if used, err := s.store.BlobInUse(ctx, k); err != nil || used {
			continue
		}
		if err := s.blobs.Delete(ctx, k); err != nil {
			s.log.Error("orphan blob not deleted", "key", k, "err", err)
			continue
		}
		removed++
	}
	if removed > 0 {
		s.log.Info("removed blobs without a file", "count", removed)
	}
	return removed, nil
}
