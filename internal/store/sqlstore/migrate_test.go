package sqlstore_test

import (
	"context"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/store"
	"atrium/internal/store/sqlstore"
)

// migrateDownTo takes the database in dir back to a schema version,
// running the Down of every later migration, newest first; the next
// OpenSQLite with migrate runs their Up again.
func migrateDownTo(t *testing.T, dir string, version int64) {
	t.Helper()
	if err := sqlstore.MigrateDownTo(context.Background(), rawDB(t, dir), version); err != nil {
		t.Fatalf("migrate down to %d: %v", version, err)
	}
}

// TestRenditionsMigrationKeepsFiles: migration 00014 adds renditions and
// what a file holds to a database that has files, and its Down takes
// them away again, keeping the files.
func TestRenditionsMigrationKeepsFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openSQLite(t, dir, true)
	f := domain.File{ID: "f1", MediaID: "m1", BlobKey: "fil_1", Size: 3, SHA256: "aa", ContentType: "image/jpeg"}
	if _, err := s.Update(ctx, func(tx store.Tx) error {
		for _, err := range []error{
			tx.CreateAccount(ctx, domain.Account{ID: "acc", Name: "Acc"}),
			tx.CreateWorkspace(ctx, domain.Workspace{ID: "ws", AccountID: "acc", Name: "WS"}),
			tx.CreateRecord(ctx, domain.Record{ID: "r1", WorkspaceID: "ws", Title: "R"}),
			tx.CreateMedia(ctx, domain.Media{ID: "m1", RecordID: "r1", MediaType: "image", Filename: "a.jpg"}),
			tx.SetMediaFile(ctx, f),
			tx.AddPendingRenditions(ctx, "f1", domain.MadeRenditions),
			tx.SetFileInfo(ctx, "f1", 10, 20, 0),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	migrateDownTo(t, dir, 13)
	db := rawDB(t, dir)
	if _, err := db.Exec(`SELECT count(*) FROM renditions`); err == nil {
		t.Error("the renditions table outlived the migration's Down")
	}
	if _, err := db.Exec(`SELECT width FROM files`); err == nil {
		t.Error("the files' width outlived the migration's Down")
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM files WHERE id = 'f1'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the file did not outlive the Down: %d, %v", n, err)
	}

	s = openSQLite(t, dir, true)
	got, err := s.GetMediaFile(ctx, "m1")
	if err != nil || got.ID != "f1" || got.Width != 0 || got.DurationMS != 0 {
		t.Errorf("the file after the migration ran again: %+v, %v", got, err)
	}
	rs, err := s.Renditions(ctx, []string{"m1"})
	if err != nil || len(rs) != 0 {
		t.Errorf("renditions after the migration ran again: %v, %v", rs, err)
	}
	un, err := s.UnprobedFiles(ctx, "", 10)
	if err != nil || len(un) != 0 {
		t.Errorf("an image is to be probed: %v, %v", un, err)
	}
}
