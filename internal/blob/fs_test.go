package blob_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"atrium/internal/blob"
	"atrium/internal/blob/blobtest"
)

func newFS(t *testing.T, dir string) *blob.FS {
	t.Helper()
	s, err := blob.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestFSConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return newFS(t, t.TempDir()) }, blobtest.Options{})
}

// files lists the regular files under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// brokenReader yields 10 bytes, then fails.
type brokenReader struct{ done bool }

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.done {
		return 0, errors.New("broken")
	}
	b.done = true
	return copy(p, "0123456789"), nil
}

func TestFSLayout(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, dir string, s *blob.FS)
	}{
		{"a blob lands in a two-level sharded path named by its key, readable by the owner only", func(t *testing.T, dir string, s *blob.FS) {
			if _, err := s.Put(t.Context(), "fil_abc", strings.NewReader("data")); err != nil {
				t.Fatal(err)
			}
			fs := files(t, dir)
			if len(fs) != 1 {
				t.Fatalf("files %v", fs)
			}
			parts := strings.Split(fs[0], "/")
			if len(parts) != 3 || len(parts[0]) != 2 || len(parts[1]) != 2 || parts[2] != "fil_abc" {
				t.Errorf("blob stored at %s", fs[0])
			}
			st, err := os.Stat(filepath.Join(dir, fs[0]))
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", st.Mode().Perm())
			}
		}},
		{"a blob's path is the file holding it, and a bad key has none", func(t *testing.T, dir string, s *blob.FS) {
			if _, err := s.Put(t.Context(), "fil_abc", strings.NewReader("data")); err != nil {
				t.Fatal(err)
			}
			p, err := s.Path("fil_abc")
			if err != nil {
				t.Fatal(err)
			}
			if b, err := os.ReadFile(p); err != nil || string(b) != "data" {
				t.Errorf("read %s: %q, %v", p, b, err)
			}
			if _, err := s.Path("../etc/passwd"); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("a bad key's path: %v", err)
			}
		}},
		{"a failed put leaves no temporary file behind", func(t *testing.T, dir string, s *blob.FS) {
			if _, err := s.Put(t.Context(), "fil_x", &brokenReader{}); err == nil {
				t.Fatal("put succeeded")
			}
			if fs := files(t, dir); len(fs) != 0 {
				t.Errorf("files left: %v", fs)
			}
		}},
		{"opening the store removes temporary files older than an hour and keeps recent ones", func(t *testing.T, dir string, s *blob.FS) {
			old := filepath.Join(dir, "tmp", "old.part")
			recent := filepath.Join(dir, "tmp", "recent.part")
			for _, p := range []string{old, recent} {
				if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			past := time.Now().Add(-2 * blob.StaleTemp)
			os.Chtimes(old, past, past)
			newFS(t, dir)
			if _, err := os.Stat(old); !os.IsNotExist(err) {
				t.Errorf("stale temporary file kept: %v", err)
			}
			if _, err := os.Stat(recent); err != nil {
				t.Errorf("recent temporary file removed: %v", err)
			}
		}},
		{"a symbolic link planted in the store cannot make it read outside", func(t *testing.T, dir string, s *blob.FS) {
			outside := t.TempDir()
			os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600)
			// Find where key "fil_link" would live and plant a link there.
			if _, err := s.Put(t.Context(), "fil_link", strings.NewReader("x")); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, files(t, dir)[0])
			os.Remove(p)
			if err := os.Symlink(filepath.Join(outside, "secret"), p); err != nil {
				t.Fatal(err)
			}
			rc, _, err := s.Open(t.Context(), "fil_link")
			if err == nil {
				var b bytes.Buffer
				b.ReadFrom(rc)
				rc.Close()
				t.Fatalf("read %q through a link out of the store", b.String())
			}
		}},
		{"files that are not blobs in their place are not listed", func(t *testing.T, dir string, s *blob.FS) {
			if _, err := s.Put(t.Context(), "fil_real", strings.NewReader("x")); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, "stray"), nil, 0o600)
			os.MkdirAll(filepath.Join(dir, "00", "00"), 0o700)
			os.WriteFile(filepath.Join(dir, "00", "00", "fil_misplaced"), nil, 0o600)
			os.WriteFile(filepath.Join(dir, "tmp", "fil_temp"), nil, 0o600)
			var got []string
			s.List(t.Context(), func(i blob.Info) error { got = append(got, i.Key); return nil })
			if len(got) != 1 || got[0] != "fil_real" {
				t.Errorf("listed %v", got)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.run(t, dir, newFS(t, dir))
		})
	}
}
