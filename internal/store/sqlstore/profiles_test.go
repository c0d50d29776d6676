package sqlstore_test

import (
	"context"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// TestProfilesMigrationKeepsExistingAccountsDownloading: a download needs
// a download profile, so migration 00013 gives every account that exists
// when it runs the profile new accounts start with.
func TestProfilesMigrationKeepsExistingAccountsDownloading(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openSQLite(t, dir, true)
	if _, err := s.Update(ctx, func(tx store.Tx) error {
		for _, id := range []string{"acc1", "acc2"} {
			if err := tx.CreateAccount(ctx, domain.Account{ID: id, Name: id}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Back to the schema before 00013, with the accounts in it.
	migrateDownTo(t, dir, 12)

	s = openSQLite(t, dir, true)
	for _, acct := range []string{"acc1", "acc2"} {
		ps, err := s.ListDownloadProfiles(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 {
			t.Fatalf("account %s has %d download profiles after the migration, want 1", acct, len(ps))
		}
		p := ps[0]
		if p.Name != "All renditions" || authz.ValidID(p.ID) != nil || p.CreatedAt.IsZero() ||
			len(p.Holders) != 1 || p.Holders[0] != authz.EveryoneSubject ||
			!p.Allows("video", domain.RenditionOriginal) || !p.Allows("image", domain.RenditionThumbnail) {
			t.Errorf("account %s: %+v, want All renditions, every rendition of every type, held by everyone", acct, p)
		}
	}
}
