package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/store"
	"atrium/internal/store/sqlstore"
	"atrium/internal/store/sqlstore/sqltest"
	"atrium/internal/store/storetest"
)

func openSQLite(t *testing.T, dir string, migrate bool) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.OpenSQLite(context.Background(), dir, migrate)
	if err != nil {
		t.Fatalf("OpenSQLite(%s, migrate=%v): %v", dir, migrate, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openSQLite(t, sqltest.Dir(t), true)
	})
}

// rawDB opens the database file directly, bypassing the store.
func rawDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlstore.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSQLiteReopenWithoutMigratingKeepsData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlstore.OpenSQLite(ctx, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	rev, err := s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateAccount(ctx, domain.Account{ID: "acc", Name: "Acme"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	for _, migrate := range []bool{false, true} {
		s := openSQLite(t, dir, migrate)
		a, err := s.GetAccount(ctx, "acc")
		if err != nil || a.Name != "Acme" {
			t.Errorf("migrate=%v: GetAccount = %+v, %v", migrate, a, err)
		}
		if got, err := s.Revision(ctx); err != nil || got != rev {
			t.Errorf("migrate=%v: Revision = %d, %v; want %d", migrate, got, err, rev)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSQLiteRefusesAnUnexpectedSchema(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		prepare func(t *testing.T, dir string)
		migrate bool
	}{
		{"a fresh, empty directory opened without migrating", func(*testing.T, string) {}, false},
		{"a database with no schema opened without migrating", func(t *testing.T, dir string) {
			if _, err := rawDB(t, dir).Exec(`CREATE TABLE unrelated (x INTEGER)`); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"a database at an older version opened without migrating", func(t *testing.T, dir string) {
			openSQLite(t, dir, true).Close()
			if _, err := rawDB(t, dir).Exec(`DELETE FROM goose_db_version WHERE version_id > 0`); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"a database at a newer version opened without migrating", func(t *testing.T, dir string) {
			openSQLite(t, dir, true).Close()
			if _, err := rawDB(t, dir).Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, 1)`); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"a database at a newer version opened with migrating", func(t *testing.T, dir string) {
			openSQLite(t, dir, true).Close()
			if _, err := rawDB(t, dir).Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, 1)`); err != nil {
				t.Fatal(err)
			}
		}, true},
	} {
		t.Run(c.name+" fails with ErrSchema", func(t *testing.T) {
			dir := t.TempDir()
			c.prepare(t, dir)
			s, err := sqlstore.OpenSQLite(ctx, dir, c.migrate)
			if err == nil {
				s.Close()
			}
			if !errors.Is(err, store.ErrSchema) {
				t.Fatalf("OpenSQLite = %v, want an error wrapping ErrSchema", err)
			}
			if testing.Verbose() {
				t.Log(err)
			}
		})
	}
}

func TestSQLiteFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	check := func(t *testing.T, path string, want os.FileMode) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %v, want %v", filepath.Base(path), got, want)
		}
	}
	t.Run("a new database and its data directory are readable by the owner only", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data", "nested")
		s := openSQLite(t, dir, true)
		if _, err := s.Update(ctx, func(tx store.Tx) error {
			return tx.CreateAccount(ctx, domain.Account{ID: "acc", Name: "Acme"})
		}); err != nil {
			t.Fatal(err)
		}
		check(t, dir, 0o700)
		check(t, filepath.Join(dir, sqlstore.DBFile), 0o600)
		for _, side := range []string{"-wal", "-shm"} {
			if _, err := os.Stat(filepath.Join(dir, sqlstore.DBFile+side)); err == nil {
				check(t, filepath.Join(dir, sqlstore.DBFile+side), 0o600)
			}
		}
	})
	t.Run("reopening a database readable by others makes it private", func(t *testing.T) {
		dir := t.TempDir()
		openSQLite(t, dir, true).Close()
		path := filepath.Join(dir, sqlstore.DBFile)
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		openSQLite(t, dir, false)
		check(t, path, 0o600)
	})
}
