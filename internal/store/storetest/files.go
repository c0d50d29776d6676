package storetest

import (
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// fileWorld creates accounts "acc" (user u1, workspace ws, records r1 and
// r2, media m1 and m2 on r1, m3 on r2) and "acc2" (workspace ws2, record
// r9, media m9).
func fileWorld(f *fixture) {
	f.t.Helper()
	f.create(account("acc"), user("acc", "u1"), workspace("acc", "ws", ""),
		record("ws", "r1"), record("ws", "r2"), media("r1", "m1"), media("r1", "m2"), media("r2", "m3"),
		account("acc2"), workspace("acc2", "ws2", ""), record("ws2", "r9"), media("r9", "m9"))
}

func file(id, mediaID string, size int64, sha string) domain.File {
	return domain.File{ID: id, MediaID: mediaID, BlobKey: "blob_" + id, Size: size, SHA256: sha, ContentType: "image/png", UploadedBy: "u1"}
}

func (f *fixture) setFile(fl domain.File) time.Time {
	f.t.Helper()
	var now time.Time
	f.update(func(tx store.Tx) error {
		now = tx.Now()
		return tx.SetMediaFile(f.ctx, fl)
	})
	return now
}

func (f *fixture) usage(acct string) domain.StorageUsage {
	f.t.Helper()
	u, err := f.s.StorageUsage(f.ctx, acct)
	f.must(err)
	return u
}

func (f *fixture) wantUsage(t *testing.T, acct string, bytes, files int64) {
	t.Helper()
	if u := f.usage(acct); u != (domain.StorageUsage{Bytes: bytes, Files: files}) {
		t.Errorf("usage of %s = %+v, want %d bytes in %d files", acct, u, bytes, files)
	}
}

func fileIDs(fs []domain.File) []string {
	ids := []string{}
	for _, fl := range fs {
		ids = append(ids, fl.ID)
	}
	return ids
}

var fileCases = []testCase{
	{"a media object without a file has none, and an account without files uses nothing", func(t *testing.T, f *fixture) {
		fileWorld(f)
		_, err := f.s.GetMediaFile(f.ctx, "m1")
		wantNotFound(t, "file of m1", err)
		f.wantUsage(t, "acc", 0, 0)
		f.wantUsage(t, "nope", 0, 0)
	}},
	{"a file reads back with its fields, its media object's account and the transaction's time, and counts in the usage", func(t *testing.T, f *fixture) {
		fileWorld(f)
		want := file("f1", "m1", 1234, "aa")
		want.AccountID = "acc2" // ignored: the media object's account wins
		now := f.setFile(want)
		want.AccountID, want.UploadedAt = "acc", now
		got, err := f.s.GetMediaFile(f.ctx, "m1")
		f.must(err)
		diff(t, "file", want, got)
		f.wantUsage(t, "acc", 1234, 1)
		f.wantUsage(t, "acc2", 0, 0)
	}},
	{"a file without an uploader reads back without one", func(t *testing.T, f *fixture) {
		fileWorld(f)
		fl := file("f1", "m1", 1, "aa")
		fl.UploadedBy = ""
		f.setFile(fl)
		got, err := f.s.GetMediaFile(f.ctx, "m1")
		f.must(err)
		if got.UploadedBy != "" {
			t.Errorf("uploaded by %q", got.UploadedBy)
		}
	}},
	{"a new file replaces the media object's previous one and moves the usage by the difference", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f1", "m1", 1000, "aa"))
		f.setFile(file("f2", "m2", 50, "bb"))
		f.setFile(file("f3", "m1", 300, "cc"))
		got, err := f.s.GetMediaFile(f.ctx, "m1")
		f.must(err)
		if got.ID != "f3" || got.Size != 300 {
			t.Errorf("file of m1 is %+v", got)
		}
		f.wantUsage(t, "acc", 350, 2)
		if in, _ := f.s.BlobInUse(f.ctx, "blob_f1"); in {
			t.Error("the replaced file's blob is still in use")
		}
	}},
	{"a file for an unknown media object is ErrNotFound and changes nothing", func(t *testing.T, f *fixture) {
		fileWorld(f)
		rev := f.revision()
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.SetMediaFile(f.ctx, file("f1", "nope", 10, "aa")) })
		wantNotFound(t, "set file of unknown media", err)
		if f.revision() != rev {
			t.Error("the failed write moved the revision")
		}
		f.wantUsage(t, "acc", 0, 0)
	}},
	{"a file id or blob key already taken is ErrConflict, and the usage stays", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f1", "m1", 10, "aa"))
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.SetMediaFile(f.ctx, file("f1", "m2", 10, "aa")) })
		wantConflict(t, "same file id", err)
		dup := file("f2", "m2", 10, "aa")
		dup.BlobKey = "blob_f1"
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.SetMediaFile(f.ctx, dup) })
		wantConflict(t, "same blob key", err)
		f.wantUsage(t, "acc", 10, 1)
	}},
	{"deleting a media object removes its file and takes it off the usage", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f1", "m1", 100, "aa"))
		f.setFile(file("f2", "m2", 20, "bb"))
		f.update(func(tx store.Tx) error { return tx.DeleteMedia(f.ctx, "m1") })
		_, err := f.s.GetMediaFile(f.ctx, "m1")
		wantNotFound(t, "file of deleted m1", err)
		f.wantUsage(t, "acc", 20, 1)
		if in, _ := f.s.BlobInUse(f.ctx, "blob_f1"); in {
			t.Error("the deleted file's blob is still in use")
		}
	}},
	{"deleting a record removes the files of its media and their usage, and no other", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f1", "m1", 100, "aa"))
		f.setFile(file("f2", "m2", 20, "bb"))
		f.setFile(file("f3", "m3", 3, "cc"))
		f.setFile(file("f9", "m9", 9, "dd"))
		fs, err := f.s.RecordFiles(f.ctx, "r1")
		f.must(err)
		diff(t, "files of r1", []string{"f1", "f2"}, fileIDs(fs))
		f.update(func(tx store.Tx) error { return tx.DeleteRecord(f.ctx, "r1") })
		fs, err = f.s.RecordFiles(f.ctx, "r1")
		f.must(err)
		diff(t, "files of deleted r1", []string{}, fileIDs(fs))
		f.wantUsage(t, "acc", 3, 1)
		f.wantUsage(t, "acc2", 9, 1)
	}},
	{"files by content hash are the account's own, oldest first", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.setFile(file("f2", "m2", 1, "same"))
		f.setFile(file("f1", "m1", 1, "same"))
		f.setFile(file("f3", "m3", 1, "other"))
		f.setFile(file("f9", "m9", 1, "same"))
		fs, err := f.s.FilesBySHA256(f.ctx, "acc", "same")
		f.must(err)
		diff(t, "files with hash same", []string{"f2", "f1"}, fileIDs(fs))
		fs, err = f.s.FilesBySHA256(f.ctx, "acc", "none")
		f.must(err)
		diff(t, "files with an unknown hash", []string{}, fileIDs(fs))
	}},
	{"a file outlives the deletion of the user who uploaded it, without an uploader", func(t *testing.T, f *fixture) {
		fileWorld(f)
		f.create(withStatus(user("acc", "u2"), domain.StatusPending))
		fl := file("f1", "m1", 5, "aa")
		fl.UploadedBy = "u2"
		f.setFile(fl)
		f.update(func(tx store.Tx) error { return tx.DeleteUser(f.ctx, "u2") })
		got, err := f.s.GetMediaFile(f.ctx, "m1")
		f.must(err)
		if got.UploadedBy != "" {
			t.Errorf("uploaded by %q after the user was deleted", got.UploadedBy)
		}
		f.wantUsage(t, "acc", 5, 1)
	}},
	{"a transaction that fails after setting a file leaves neither the file nor its usage", func(t *testing.T, f *fixture) {
		fileWorld(f)
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error {
			if err := tx.SetMediaFile(f.ctx, file("f1", "m1", 77, "aa")); err != nil {
				return err
			}
			return store.ErrConflict
		})
		wantConflict(t, "failing transaction", err)
		_, err = f.s.GetMediaFile(f.ctx, "m1")
		wantNotFound(t, "file of m1", err)
		f.wantUsage(t, "acc", 0, 0)
	}},
}
