package storetest

import (
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/store"
)

var allKinds = []string{domain.RenditionThumbnail, domain.RenditionPreview, domain.RenditionLarge}

// pendRenditions records the three renditions of a file as pending and
// returns the transaction's time.
func (f *fixture) pendRenditions(fileID string) time.Time {
	f.t.Helper()
	var now time.Time
	f.update(func(tx store.Tx) error {
		now = tx.Now()
		return tx.AddPendingRenditions(f.ctx, fileID, allKinds)
	})
	return now
}

func readyRendition(fileID, kind string) domain.Rendition {
	return domain.Rendition{FileID: fileID, Kind: kind, Status: domain.RenditionReady, BlobKey: "ren_" + fileID + "_" + kind,
		Size: 100, SHA256: "s-" + kind, ContentType: "image/jpeg", Width: 20, Height: 10}
}

func (f *fixture) finish(rs ...domain.Rendition) time.Time {
	f.t.Helper()
	var now time.Time
	f.update(func(tx store.Tx) error {
		now = tx.Now()
		for _, r := range rs {
			if err := tx.FinishRendition(f.ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	return now
}

func (f *fixture) renditionsOf(mediaID string) []domain.Rendition {
	f.t.Helper()
	m, err := f.s.Renditions(f.ctx, []string{mediaID})
	f.must(err)
	return m[mediaID]
}

func kindsAndStatuses(rs []domain.Rendition) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Kind+":"+r.Status)
	}
	return out
}

func (f *fixture) blobInUse(key string) bool {
	f.t.Helper()
	in, err := f.s.BlobInUse(f.ctx, key)
	f.must(err)
	return in
}

var renditionCases = []testCase{
	{"a file's pending renditions read back smallest first, with the transaction's time and nothing made yet", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f1", "m1", 10, "aa"))
		now := f.pendRenditions("f1")
		got := f.renditionsOf("m1")
		var want []domain.Rendition
		for _, k := range allKinds {
			want = append(want, domain.Rendition{MediaID: "m1", FileID: "f1", Kind: k, Status: domain.RenditionPending, CreatedAt: now, UpdatedAt: now})
		}
		diff(t, "renditions of m1", want, got)
		one, err := f.s.GetRendition(f.ctx, "m1", domain.RenditionPreview)
		f.must(err)
		diff(t, "preview of m1", want[1], one)
	}},
	{"a media object without renditions has none, and an unknown kind or media object is ErrNotFound", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f1", "m1", 10, "aa"))
		all, err := f.s.Renditions(f.ctx, []string{"m1", "m2", "nope"})
		f.must(err)
		if len(all) != 0 {
			t.Errorf("renditions %v", all)
		}
		_, err = f.s.GetRendition(f.ctx, "m1", domain.RenditionThumbnail)
		wantNotFound(t, "thumbnail of m1", err)
		f.pendRenditions("f1")
		_, err = f.s.GetRendition(f.ctx, "m1", domain.RenditionOriginal)
		wantNotFound(t, "original as a rendition", err)
		_, err = f.s.GetRendition(f.ctx, "nope", domain.RenditionThumbnail)
		wantNotFound(t, "thumbnail of an unknown media object", err)
		none, err := f.s.Renditions(f.ctx, nil)
		f.must(err)
		if len(none) != 0 {
			t.Errorf("renditions of no media objects: %v", none)
		}
	}},
	{"a ready rendition keeps its blob, size, hash, type and pixels, a failed one its reason only, and each its finishing time", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f1", "m1", 10, "aa"))
		created := f.pendRenditions("f1")
		thumb := readyRendition("f1", domain.RenditionThumbnail)
		failed := domain.Rendition{FileID: "f1", Kind: domain.RenditionLarge, Status: domain.RenditionFailed, Reason: "timed out",
			BlobKey: "ignored", Size: 5, SHA256: "x", ContentType: "image/png", Width: 1, Height: 1}
		done := f.finish(thumb, failed)
		got := f.renditionsOf("m1")
		thumb.MediaID, thumb.CreatedAt, thumb.UpdatedAt = "m1", created, done
		want := []domain.Rendition{thumb,
			{MediaID: "m1", FileID: "f1", Kind: domain.RenditionPreview, Status: domain.RenditionPending, CreatedAt: created, UpdatedAt: created},
			{MediaID: "m1", FileID: "f1", Kind: domain.RenditionLarge, Status: domain.RenditionFailed, Reason: "timed out", CreatedAt: created, UpdatedAt: done}}
		diff(t, "renditions of m1", want, got)
		if !f.blobInUse(thumb.BlobKey) {
			t.Error("the ready rendition's blob is not in use")
		}
		if f.blobInUse("ignored") {
			t.Error("a failed rendition holds a blob")
		}
		f.wantUsage(t, "acc", 10, 1) // renditions are not counted
	}},
	{"a rendition is finished once: again, or for another file, or an unknown kind, is ErrNotFound", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f1", "m1", 10, "aa"))
		f.setFile(file("f2", "m2", 10, "bb"))
		f.pendRenditions("f1")
		f.finish(readyRendition("f1", domain.RenditionThumbnail))
		for name, r := range map[string]domain.Rendition{
			"again":           readyRendition("f1", domain.RenditionThumbnail),
			"failing it then": {FileID: "f1", Kind: domain.RenditionThumbnail, Status: domain.RenditionFailed, Reason: "x"},
			"a file without":  readyRendition("f2", domain.RenditionThumbnail),
			"an unknown file": readyRendition("nope", domain.RenditionThumbnail),
			"an unknown kind": readyRendition("f1", "huge"),
		} {
			rev := f.revision()
			_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.FinishRendition(f.ctx, r) })
			wantNotFound(t, name, err)
			if f.revision() != rev {
				t.Errorf("%s: the failed write moved the revision", name)
			}
		}
		if got := f.renditionsOf("m1")[0]; got.BlobKey != "ren_f1_thumbnail" {
			t.Errorf("the thumbnail changed: %+v", got)
		}
	}},
	{"a finish without an outcome, or ready without a blob, is refused", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f1", "m1", 10, "aa"))
		f.pendRenditions("f1")
		for _, r := range []domain.Rendition{
			{FileID: "f1", Kind: domain.RenditionThumbnail, Status: domain.RenditionPending},
			{FileID: "f1", Kind: domain.RenditionThumbnail, Status: domain.RenditionReady},
		} {
			if _, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.FinishRendition(f.ctx, r) }); err == nil {
				t.Errorf("finishing %+v succeeded", r)
			}
		}
		diff(t, "renditions", []string{"thumbnail:pending", "preview:pending", "large:pending"}, kindsAndStatuses(f.renditionsOf("m1")))
	}},
	{"a blob key already taken by another rendition is ErrConflict", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f1", "m1", 10, "aa"))
		f.pendRenditions("f1")
		f.finish(readyRendition("f1", domain.RenditionThumbnail))
		dup := readyRendition("f1", domain.RenditionPreview)
		dup.BlobKey = "ren_f1_thumbnail"
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.FinishRendition(f.ctx, dup) })
		wantConflict(t, "same blob key", err)
	}},
	{"adding renditions to an unknown file is ErrNotFound; twice, or of an unknown kind, ErrConflict; and nothing is written", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f1", "m1", 10, "aa"))
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.AddPendingRenditions(f.ctx, "nope", allKinds) })
		wantNotFound(t, "renditions of an unknown file", err)
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error {
			return tx.AddPendingRenditions(f.ctx, "f1", []string{domain.RenditionThumbnail, domain.RenditionOriginal})
		})
		wantConflict(t, "the original as a made rendition", err)
		if rs := f.renditionsOf("m1"); len(rs) != 0 {
			t.Errorf("a failed write left %v", kindsAndStatuses(rs))
		}
		f.pendRenditions("f1")
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.AddPendingRenditions(f.ctx, "f1", allKinds) })
		wantConflict(t, "renditions added twice", err)
	}},
	{"replacing a file takes its renditions with it: the old file's finish is ErrNotFound, its blob is free, the new file's are its own", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f1", "m1", 10, "aa"))
		f.pendRenditions("f1")
		f.finish(readyRendition("f1", domain.RenditionThumbnail))
		f.setFile(file("f2", "m1", 20, "bb"))
		if rs := f.renditionsOf("m1"); len(rs) != 0 {
			t.Errorf("renditions of the replaced file stayed: %v", kindsAndStatuses(rs))
		}
		if f.blobInUse("ren_f1_thumbnail") {
			t.Error("the replaced file's rendition blob is still in use")
		}
		f.pendRenditions("f2")
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error {
			return tx.FinishRendition(f.ctx, readyRendition("f1", domain.RenditionPreview))
		})
		wantNotFound(t, "finishing for the replaced file", err)
		f.finish(readyRendition("f2", domain.RenditionPreview))
		diff(t, "renditions of m1", []string{"thumbnail:pending", "preview:ready", "large:pending"}, kindsAndStatuses(f.renditionsOf("m1")))
	}},
	{"deleting a media object or a record removes their renditions, and no other", func(t *testing.T, f *fixture) {
		fileWorld(f)
		for _, fl := range []domain.File{file("f1", "m1", 1, "a"), file("f2", "m2", 1, "b"), file("f3", "m3", 1, "c"), file("f9", "m9", 1, "d")} {
			f.setFile(fl)
			f.pendRenditions(fl.ID)
			f.finish(readyRendition(fl.ID, domain.RenditionLarge))
		}
		f.update(func(tx store.Tx) error { return tx.DeleteMedia(f.ctx, "m1") })
		f.update(func(tx store.Tx) error { return tx.DeleteRecord(f.ctx, "r2") })
		all, err := f.s.Renditions(f.ctx, []string{"m1", "m2", "m3", "m9"})
		f.must(err)
		got := map[string][]string{}
		for m, rs := range all {
			got[m] = kindsAndStatuses(rs)
		}
		want := []string{"thumbnail:pending", "preview:pending", "large:ready"}
		diff(t, "renditions left", map[string][]string{"m2": want, "m9": want}, got)
		for key, in := range map[string]bool{"ren_f1_large": false, "ren_f2_large": true, "ren_f3_large": false, "ren_f9_large": true} {
			if f.blobInUse(key) != in {
				t.Errorf("blob %s in use: %t, want %t", key, !in, in)
			}
		}
	}},
	{"files with pending renditions are listed in id order, of every account, in pages, until none is pending", func(t *testing.T, f *fixture) {
		fileWorld(f)
		for _, fl := range []domain.File{file("f3", "m3", 1, "c"), file("f1", "m1", 1, "a"), file("f9", "m9", 1, "d"), file("f2", "m2", 1, "b")} {
			f.setFile(fl)
		}
		for _, id := range []string{"f1", "f2", "f9"} {
			f.pendRenditions(id)
		}
		page, err := f.s.PendingRenditionFiles(f.ctx, "", 2)
		f.must(err)
		diff(t, "first page", []string{"f1", "f2"}, fileIDs(page))
		page, err = f.s.PendingRenditionFiles(f.ctx, "f2", 2)
		f.must(err)
		diff(t, "second page", []string{"f9"}, fileIDs(page))
		f.finish(readyRendition("f1", domain.RenditionThumbnail), readyRendition("f1", domain.RenditionPreview))
		page, err = f.s.PendingRenditionFiles(f.ctx, "", 10)
		f.must(err)
		diff(t, "with f1 half done", []string{"f1", "f2", "f9"}, fileIDs(page))
		f.finish(readyRendition("f1", domain.RenditionLarge))
		page, err = f.s.PendingRenditionFiles(f.ctx, "", 10)
		f.must(err)
		diff(t, "with f1 done", []string{"f2", "f9"}, fileIDs(page))
	}},
	{"what a file holds reads back with it; video and audio files are unprobed until then, images never", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.create(media("r1", "mv"), media("r1", "ma"), media("r1", "md"))
		f.update(func(tx store.Tx) error {
			for id, typ := range map[string]string{"mv": "video", "ma": "audio", "md": "document"} {
				m := media("r1", id)
				m.MediaType = typ
				if err := tx.UpdateMedia(f.ctx, m); err != nil {
					return err
				}
			}
			return nil
		})
		video := file("fv", "mv", 1, "v")
		video.ContentType = "application/octet-stream" // a video by its media type
		audio := file("fa", "ma", 1, "a")
		audio.ContentType = "audio/mpeg"
		doc := file("fd", "md", 1, "d")
		doc.ContentType = "video/mp4" // a video by its content type
		for _, fl := range []domain.File{file("f1", "m1", 1, "i"), video, audio, doc} {
			f.setFile(fl)
		}
		un, err := f.s.UnprobedFiles(f.ctx, "", 10)
		f.must(err)
		diff(t, "unprobed", []string{"fa", "fd", "fv"}, fileIDs(un))
		un, err = f.s.UnprobedFiles(f.ctx, "fa", 1)
		f.must(err)
		diff(t, "unprobed after fa", []string{"fd"}, fileIDs(un))
		f.update(func(tx store.Tx) error { return tx.SetFileInfo(f.ctx, "fv", 1920, 1080, 12500) })
		f.update(func(tx store.Tx) error { return tx.SetFileInfo(f.ctx, "fa", 0, 0, 0) })
		un, err = f.s.UnprobedFiles(f.ctx, "", 10)
		f.must(err)
		diff(t, "unprobed after probing", []string{"fd"}, fileIDs(un))
		got, err := f.s.GetMediaFile(f.ctx, "mv")
		f.must(err)
		if got.Width != 1920 || got.Height != 1080 || got.DurationMS != 12500 {
			t.Errorf("probed file %+v", got)
		}
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.SetFileInfo(f.ctx, "nope", 1, 1, 1) })
		wantNotFound(t, "info of an unknown file", err)
	}},
	{"a transaction that fails after adding and finishing renditions leaves them as they were", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f1", "m1", 10, "aa"))
		f.setFile(file("f2", "m2", 10, "bb"))
		f.pendRenditions("f1")
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error {
			if err := tx.AddPendingRenditions(f.ctx, "f2", allKinds); err != nil {
				return err
			}
			if err := tx.FinishRendition(f.ctx, readyRendition("f1", domain.RenditionLarge)); err != nil {
				return err
			}
			if err := tx.SetFileInfo(f.ctx, "f1", 5, 5, 0); err != nil {
				return err
			}
			return store.ErrConflict
		})
		wantConflict(t, "failing transaction", err)
		if rs := f.renditionsOf("m2"); len(rs) != 0 {
			t.Errorf("renditions of m2: %v", kindsAndStatuses(rs))
		}
		diff(t, "renditions of m1", []string{"thumbnail:pending", "preview:pending", "large:pending"}, kindsAndStatuses(f.renditionsOf("m1")))
		if f.blobInUse("ren_f1_large") {
			t.Error("the rolled-back rendition's blob is in use")
		}
		got, err := f.s.GetMediaFile(f.ctx, "m1")
		f.must(err)
		if got.Width != 0 {
			t.Errorf("the rolled-back info stayed: %+v", got)
		}
	}},
}
