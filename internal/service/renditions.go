package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"atrium/internal/domain"
	"atrium/internal/rendition"
	"atrium/internal/store"
)

// Renditions are made in the background, never in a request.
//
// An upload of an image records, in the transaction that records its
// file, its three renditions as pending; after the commit a job goes on
// the pool (package rendition). The job reads the original's blob (never
// writing it), stores each rendition as a new blob, and then records, in
// one transaction, each rendition ready or failed with the reason the
// API shows. A rendition is finished only while it is pending for the
// same file: if the file was replaced or deleted meanwhile (its rows go
// with it), the job's blobs are deleted instead. The rows are the truth:
// a job lost to a full queue, a shutdown or a crash leaves its rows
// pending, and pending rows are submitted again: when renditions start,
// as soon as the queue has room after an upload found it full, and every
// rescan interval (which also picks up uploads made through another
// process). A rescan waits for room in the queue rather than skipping.
// Two servers on one database may both render a file; the first to
// finish wins and the other discards its blobs.
//
// Blobs no row refers to (those of a job stopped by a crash or a
// shutdown) are removed by SweepBlobs, which knows rendition blobs.
//
// Renditions do not count toward the plan's max_storage_bytes: they are
// the server's work, bounded (a few MB per image), made after the upload
// was accepted, and deleted with their file; a job failing because the
// account is full would be a surprise to nobody's benefit.
//
// Video and audio are given to ffprobe (when it is on PATH), in the
// background too, for their duration and displayed size, recorded on the
// file; an image's displayed size comes from its decoding.

// DefaultRenditionRescan is how often pending renditions are looked for
// unless configured.
const DefaultRenditionRescan = 30 * time.Second

// finishTimeout bounds the transaction that records a job's outcome.
const finishTimeout = 30 * time.Second

// RenditionOptions configure the making of renditions.
type RenditionOptions struct {
	// Render are the pool's workers, queue and the limits of one image;
	// Render.Watermark.Text is unused (see WatermarkText). Workers 0
	// makes no renditions in this process: uploads still record them
	// pending, for another process to make.
	Render rendition.Options
	// WatermarkText is the preview's text; "" means the name of the
	// media object's account.
	WatermarkText string
	// Rescan is how often pending renditions are looked for; zero means
	// DefaultRenditionRescan.
	Rescan time.Duration
	// Logger receives the jobs' failures; nil means the service's.
	Logger *slog.Logger
}

// renderer is the running part: the pool, and the files it has in hand.
type renderer struct {
	s      *Service
	log    *slog.Logger
	pool   *rendition.Pool
	opts   RenditionOptions
	probe  bool // ffprobe is on PATH
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	busy    map[string]bool // files whose job is queued or running
	stopped bool            // no more background work starts

	// backlog is set when an upload found the queue full: a rescan
	// runs (again) to submit it when there is room.
	backlog  atomic.Bool
	scanning sync.Mutex    // held by the one rescan running
	probes   chan struct{} // bounds the probes running at once
	bg       sync.WaitGroup
}

// StartRenditions starts making renditions: it starts the pool,
// submits the pending renditions, probes the video and audio not yet
// probed, and rescans for pending renditions every o.Rescan until ctx
// ends or StopRenditions. Without a blob store, or with no workers, it
// does nothing.
func (s *Service) StartRenditions(ctx context.Context, o RenditionOptions) error {
	if o.Logger == nil {
		o.Logger = s.log
	}
	if s.blobs == nil || o.Render.Workers == 0 {
		o.Logger.Info("no renditions are made by this process", "workers", o.Render.Workers, "blob_store", s.blobs != nil)
		return nil
	}
	if o.Rescan <= 0 {
		o.Rescan = DefaultRenditionRescan
	}
	ro := o.Render
	ro.Watermark.Text = rendition.DefaultWatermarkText
	ro.Logger = o.Logger
	pool, err := rendition.NewPool(ro)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &renderer{s: s, log: o.Logger, pool: pool, opts: o, ctx: rctx, cancel: cancel, busy: map[string]bool{},
		probes: make(chan struct{}, ro.Workers)}
	if _, err := exec.LookPath("ffprobe"); err == nil {
		r.probe = true
	}
	if !s.rend.CompareAndSwap(nil, r) {
		cancel()
		_ = pool.Shutdown(context.Background())
		return errors.New("renditions are started already")
	}
	r.log.Info("renditions are made in the background", "workers", ro.Workers, "queue", ro.QueueSize, "ffprobe", r.probe)
	r.kick()
	if r.probe {
		r.background(r.probeUnprobed)
	}
	r.background(func() {
		t := time.NewTicker(o.Rescan)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-rctx.Done():
				return
			case <-t.C:
				r.kick()
			}
		}
	})
	return nil
}

// background runs fn in a goroutine StopRenditions waits for, unless the
// renderer is stopping.
func (r *renderer) background(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		fn()
	}()
}

// StopRenditions stops making renditions: no job is taken any more, the
// queued ones are finished until ctx ends, then the running ones are
// cancelled. What is not finished stays pending for the next start.
func (s *Service) StopRenditions(ctx context.Context) error {
	r := s.rend.Swap(nil)
	if r == nil {
		return nil
	}
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
	err := r.pool.Shutdown(ctx)
	r.cancel()
	r.bg.Wait()
	return err
}

// afterUpload hands a newly committed file to the background: an
// image's renditions (recorded pending by the upload), or a video's or
// audio's probe.
func (s *Service) afterUpload(mediaType string, f domain.File) {
	r := s.rend.Load()
	if r == nil {
		return
	}
	switch {
	case domain.WantsRenditions(mediaType, f.ContentType):
		r.submit(f, false)
	case r.probe && domain.WantsProbe(mediaType, f.ContentType):
		r.probeLater(f)
	}
}

// renditionKeys returns the blob keys of media objects' renditions, which
// a transaction about to remove them deletes after its commit.
func renditionKeys(ctx context.Context, r store.Reader, mediaIDs ...string) ([]string, error) {
	if len(mediaIDs) == 0 {
		return nil, nil
	}
	all, err := r.Renditions(ctx, mediaIDs)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, rs := range all {
		for _, rd := range rs {
			if rd.BlobKey != "" {
				keys = append(keys, rd.BlobKey)
			}
		}
	}
	return keys, nil
}

// withRenditions adds their renditions to media objects.
func (s *Service) withRenditions(ctx context.Context, ms []domain.Media) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	all, err := s.store.Renditions(ctx, ids)
	if err != nil {
		return err
	}
	for i := range ms {
		ms[i].Renditions = all[ms[i].ID]
	}
	return nil
}

// ---- the jobs

// kick starts a rescan in the background, unless one is running (which
// rescans again if backlog is set).
func (r *renderer) kick() { r.background(r.rescan) }

// rescan submits every pending rendition, waiting for room in the queue,
// and starts over while uploads found the queue full meanwhile; one
// rescan runs at a time.
func (r *renderer) rescan() {
	if !r.scanning.TryLock() {
		return
	}
	defer func() {
		r.scanning.Unlock()
		// An upload may have found the queue full after the last pass
		// and before the unlock, when its kick could not start a scan.
		if r.backlog.Load() {
			r.kick()
		}
	}()
	for {
		r.backlog.Store(false)
		if !r.scanPending() || !r.backlog.Load() {
			return
		}
	}
}

// scanPending submits the pending renditions, waiting for room; false
// if it had to stop (the renderer is stopping, or the store failed).
func (r *renderer) scanPending() bool {
	const page = 100
	after := ""
	for r.ctx.Err() == nil {
		fs, err := r.s.store.PendingRenditionFiles(r.ctx, after, page)
		if err != nil {
			if r.ctx.Err() == nil {
				r.log.Error("renditions: cannot list the pending ones", "err", err)
			}
			return false
		}
		for _, f := range fs {
			if !r.submit(f, true) {
				return false
			}
		}
		if len(fs) < page {
			return true
		}
		after = fs[len(fs)-1].ID
	}
	return false
}

// submit queues the job of a file with pending renditions, unless it is
// in hand already; wait says whether to wait for room in the queue. It
// returns false when the pool takes no more jobs: the renderer is
// stopping, or the queue is full (the renditions stay pending, and a
// rescan submits them when there is room).
func (r *renderer) submit(f domain.File, wait bool) bool {
	r.mu.Lock()
	if r.busy[f.ID] {
		r.mu.Unlock()
		return true
	}
	r.busy[f.ID] = true
	r.mu.Unlock()
	j, err := r.newJob(f)
	if err == nil {
		if wait {
			err = r.pool.SubmitWait(r.ctx, j)
		} else {
			err = r.pool.Submit(j)
		}
	}
	if err == nil {
		return true
	}
	r.release(f.ID)
	switch {
	case errors.Is(err, rendition.ErrQueueFull):
		r.log.Info("renditions: the queue is full; they stay pending until there is room", "media", f.MediaID)
		r.backlog.Store(true)
		r.kick()
	case errors.Is(err, rendition.ErrClosed), r.ctx.Err() != nil:
	default:
		r.log.Error("renditions: cannot submit", "media", f.MediaID, "err", err)
	}
	return false
}

func (r *renderer) release(fileID string) {
	r.mu.Lock()
	delete(r.busy, fileID)
	r.mu.Unlock()
}

// renderJob is one file's job. The pool calls its callbacks one after
// the other, from one worker.
type renderJob struct {
	r    *renderer
	file domain.File
	info rendition.Info
	// stored are the blobs made, outcome what each kind came to.
	stored  map[rendition.Kind]domain.Rendition
	outcome map[rendition.Kind]domain.Rendition
}

func (r *renderer) newJob(f domain.File) (rendition.Job, error) {
	text := r.opts.WatermarkText
	if text == "" {
		acct, err := r.s.store.GetAccount(r.ctx, f.AccountID)
		if err != nil {
			return rendition.Job{}, fmt.Errorf("the account of media %s: %w", f.MediaID, err)
		}
		text = acct.Name
	}
	j := &renderJob{r: r, file: f, stored: map[rendition.Kind]domain.Rendition{}, outcome: map[rendition.Kind]domain.Rendition{}}
	return rendition.Job{ID: f.MediaID, Watermark: text, Open: j.open, Info: j.setInfo, Store: j.store, Done: j.done}, nil
}

func (j *renderJob) open(ctx context.Context) (io.ReadCloser, error) {
	rc, _, err := j.r.s.blobs.Open(ctx, j.file.BlobKey)
	return rc, err
}

func (j *renderJob) setInfo(i rendition.Info) { j.info = i }

func (j *renderJob) store(ctx context.Context, k rendition.Kind, rd io.Reader, size int64, contentType string) error {
	s := j.r.s
	key := domain.NewID("ren")
	h := sha256.New()
	n, err := s.blobs.Put(ctx, key, io.TeeReader(rd, h))
	if err == nil && n != size {
		err = fmt.Errorf("the blob store kept %d bytes of %d", n, size)
	}
	if err != nil {
		s.deleteBlobs(context.WithoutCancel(ctx), key)
		return err
	}
	w, ht := k.Fit(j.info.Width, j.info.Height)
	j.stored[k] = domain.Rendition{MediaID: j.file.MediaID, FileID: j.file.ID, Kind: string(k), Status: domain.RenditionReady,
		BlobKey: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: contentType, Width: w, Height: ht}
	return nil
}

func (j *renderJob) done(k rendition.Kind, st rendition.Status, reason string) {
	out, ok := j.stored[k]
	if st != rendition.Ready || !ok {
		out = domain.Rendition{MediaID: j.file.MediaID, FileID: j.file.ID, Kind: string(k), Status: domain.RenditionFailed, Reason: reason}
		if out.Reason == "" {
			out.Reason = "internal error"
		}
	}
	j.outcome[k] = out
	if len(j.outcome) == len(rendition.Kinds()) {
		j.finish()
	}
}

// finish records the job's outcome in one transaction. Renditions no
// longer pending for this file (it was replaced or deleted) are not
// recorded, and their blobs deleted; if the transaction fails, every
// blob is, and the renditions stay pending, to be made again.
func (j *renderJob) finish() {
	r, s := j.r, j.r.s
	defer r.release(j.file.ID)
	ctx, cancel := context.WithTimeout(context.Background(), finishTimeout)
	defer cancel()
	var discard []string
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		discard = discard[:0]
		for _, k := range rendition.Kinds() {
			out := j.outcome[k]
			err := tx.FinishRendition(ctx, out)
			if errors.Is(err, store.ErrNotFound) {
				if out.BlobKey != "" {
					discard = append(discard, out.BlobKey)
				}
				continue
			}
			if err != nil {
				return err
			}
		}
		if j.info.Width > 0 {
			if err := tx.SetFileInfo(ctx, j.file.ID, j.info.Width, j.info.Height, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		r.log.Error("renditions: cannot record them; they stay pending", "media", j.file.MediaID, "err", err)
		discard = discard[:0]
		for _, out := range j.stored {
			discard = append(discard, out.BlobKey)
		}
	}
	s.deleteBlobs(ctx, discard...)
}

// ---- probes of video and audio

// probeLater probes a file in the background, a few at a time.
func (r *renderer) probeLater(f domain.File) {
	r.background(func() {
		select {
		case r.probes <- struct{}{}:
		case <-r.ctx.Done():
			return
		}
		defer func() { <-r.probes }()
		r.probeFile(f)
	})
}

// probeUnprobed probes, one at a time, the video and audio files never
// probed (uploaded while ffprobe was missing, or before a restart).
func (r *renderer) probeUnprobed() {
	after := ""
	for r.ctx.Err() == nil {
		fs, err := r.s.store.UnprobedFiles(r.ctx, after, 100)
		if err != nil {
			if r.ctx.Err() == nil {
				r.log.Error("probes: cannot list the files to probe", "err", err)
			}
			return
		}
		for _, f := range fs {
			select {
			case r.probes <- struct{}{}:
			case <-r.ctx.Done():
				return
			}
			r.probeFile(f)
			<-r.probes
		}
		if len(fs) < 100 {
			return
		}
		after = fs[len(fs)-1].ID
	}
}

// probeFile reads a file's duration and size with ffprobe and records
// them. A file ffprobe cannot read is recorded as probed, with nothing;
// one whose probe was cut short (a shutdown, a storage error) is probed
// again at the next start.
func (r *renderer) probeFile(f domain.File) {
	s := r.s
	var mi rendition.MediaInfo
	var err error
	if p, ok := s.blobs.(interface{ Path(string) (string, error) }); ok {
		var file string
		if file, err = p.Path(f.BlobKey); err == nil {
			mi, err = rendition.Probe(r.ctx, file)
		}
	} else {
		var rc io.ReadCloser
		if rc, _, err = s.blobs.Open(r.ctx, f.BlobKey); err == nil {
			mi, err = rendition.ProbeReader(r.ctx, rc)
			rc.Close()
		}
	}
	switch {
	case err == nil:
	case errors.Is(err, rendition.ErrNotMedia):
		r.log.Info("probe: ffprobe cannot read the file", "media", f.MediaID, "err", err)
	default:
		if r.ctx.Err() == nil {
			r.log.Warn("probe failed; tried again at the next start", "media", f.MediaID, "err", err)
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), finishTimeout)
	defer cancel()
	_, err = s.store.Update(ctx, func(tx store.Tx) error {
		err := tx.SetFileInfo(ctx, f.ID, mi.Width, mi.Height, mi.Duration.Milliseconds())
		if errors.Is(err, store.ErrNotFound) {
			return nil // replaced or deleted meanwhile
		}
		return err
	})
	if err != nil {
		r.log.Error("probe: cannot record what the file holds", "media", f.MediaID, "err", err)
	}
}

// ---- serving renditions

func unknownRendition(kind string) *Error {
	return &Error{Kind: KindNotFound, Code: "unknown_rendition", Field: "kind",
		Message: fmt.Sprintf("there is no rendition %q: the renditions are thumbnail, preview and large (the original is GET /media/{id}/file)", truncate(kind, 40))}
}

// renditionUnavailable says why a rendition the caller may have cannot be
// served: it does not exist, is not made yet, or failed.
func renditionUnavailable(mediaID string, rd domain.Rendition, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Kind: KindNotFound, Code: "rendition_not_found",
			Message: fmt.Sprintf("media %s has no renditions: they are made of images, once their file is uploaded", mediaID), Err: err}
	case err != nil:
		return err
	case rd.Status == domain.RenditionPending:
		return &Error{Kind: KindConflict, Code: "rendition_not_ready", Field: "status", RetryAfter: 2 * time.Second,
			Message: fmt.Sprintf("the %s of media %s is pending: it is being made, try again shortly", rd.Kind, mediaID)}
	case rd.Status == domain.RenditionFailed:
		return &Error{Kind: KindConflict, Code: "rendition_failed", Field: "status",
			Message: fmt.Sprintf("the %s of media %s could not be made: %s", rd.Kind, mediaID, rd.Reason)}
	}
	return nil
}

// renditionFilename is the name a rendition is saved under: the
// original's, with the kind and the rendition's own extension.
func renditionFilename(name, kind, contentType string) string {
	ext := ".jpg"
	if contentType == "image/png" {
		ext = ".png"
	}
	suffix := "-" + kind + ext
	clean := domain.SanitizeFilename(name)
	stem := []rune(strings.TrimSuffix(clean, path.Ext(clean)))
	// The stem gives way, so that the kind and the extension stay.
	stem = stem[:min(len(stem), domain.MaxFilenameLen-len(suffix))]
	if len(stem) == 0 {
		stem = []rune("media")
	}
	return domain.SanitizeFilename(string(stem) + suffix)
}

// OpenRendition opens a ready rendition (thumbnail, preview or large) of
// a media object, checked now: for viewing in the browser, the rule of
// ViewAllowed (thumbnail and preview need can_preview, large can_view);
// with download, as a download, the rule of DownloadAllowed (the ACL
// permission and a download profile allowing the rendition). Objects the
// caller cannot see are not found; refusals are audited as
// media.download with the rendition (and inline for a view). A download
// is recorded by the caller with RecordDownload before its first byte; a
// view is not recorded: a page of thumbnails would flood the log.
func (s *Service) OpenRendition(ctx context.Context, a Actor, mediaID, kind string, download bool) (*Download, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	if !domain.IsMadeRendition(kind) {
		return nil, unknownRendition(kind)
	}
	m, err := s.visibleMedia(ctx, a, mediaID)
	if err != nil {
		return nil, err
	}
	ev := a.event(AuditMediaDownload, "media:"+mediaID)
	ev.Detail = map[string]string{"rendition": kind}
	if download {
		held, err := s.heldDownloadProfiles(ctx, a)
		if err != nil {
			return nil, err
		}
		if _, e := s.decideDownload(a, m, kind, held); e != nil {
			return nil, s.refused(ctx, ev, e)
		}
	} else {
		ev.Detail["inline"] = "true"
		if e := s.decideView(a, m, kind, nil); e != nil {
			return nil, s.refused(ctx, ev, e)
		}
	}
	return s.openRendition(ctx, m, kind, !download)
}

// openRendition opens a rendition of m already decided: it must be
// ready, and its bytes must be the size recorded.
func (s *Service) openRendition(ctx context.Context, m domain.Media, kind string, inline bool) (*Download, error) {
	rd, err := s.store.GetRendition(ctx, m.ID, kind)
	if err := renditionUnavailable(m.ID, rd, err); err != nil {
		return nil, err
	}
	if s.blobs == nil {
		return nil, errNoBlobs
	}
	rc, info, err := s.blobs.Open(ctx, rd.BlobKey)
	if err != nil {
		return nil, fmt.Errorf("open the %s of media %s: %w", kind, m.ID, err)
	}
	if info.Size != rd.Size {
		rc.Close()
		return nil, fmt.Errorf("the %s of media %s holds %d bytes in the blob store, %d recorded", kind, m.ID, info.Size, rd.Size)
	}
	return &Download{Media: m, File: domain.File{ID: rd.FileID, MediaID: m.ID}, Rendition: kind, ContentType: rd.ContentType,
		SHA256: rd.SHA256, ModTime: rd.UpdatedAt, Filename: renditionFilename(m.Filename, kind, rd.ContentType), Inline: inline, Content: rc}, nil
}

// renditionStatus is what MediaDownloads shows of a rendition's state:
// pending, ready or failed (with the reason), or none when the media
// object has no such rendition (no file yet, or not an image).
func renditionStatus(m domain.Media, rendition string) (status, reason string) {
	if rendition == domain.RenditionOriginal {
		if m.File != nil {
			return domain.RenditionReady, ""
		}
		return "none", ""
	}
	for _, rd := range m.Renditions {
		if rd.Kind == rendition {
			return rd.Status, rd.Reason
		}
	}
	return "none", ""
}
