package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// FS stores blobs as files under one directory, accessed only through an
// os.Root so that no name can resolve outside it (not even through a
// symbolic link planted inside). A blob is written to a temporary file in
// tmp/, synced, and renamed into its sharded place: readers and a crash
// see it whole or not at all.
type FS struct {
	root *os.Root
	dir  string
}

var _ Store = (*FS)(nil)

// tmpDir holds blobs being written; it is never listed.
const tmpDir = "tmp"

// StaleTemp is how old a temporary file must be for NewFS to remove it:
// a write in progress touches its file continually, so one this old was
// left by a process that stopped mid-write.
const StaleTemp = time.Hour

// NewFS opens (creating if needed, mode 0700) the store in dir and removes
// temporary files left by interrupted writes.
func NewFS(dir string) (*FS, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob store: create %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("blob store: open %s: %w", dir, err)
	}
	s := &FS{root: root, dir: dir}
	if err := root.MkdirAll(tmpDir, 0o700); err != nil {
		root.Close()
		return nil, fmt.Errorf("blob store: create %s/%s: %w", dir, tmpDir, err)
	}
	if err := s.removeStaleTemp(time.Now().Add(-StaleTemp)); err != nil {
		root.Close()
		return nil, err
	}
	return s, nil
}

// Dir is the store's directory.
func (s *FS) Dir() string { return s.dir }

// Path is the file holding a blob, for a tool that must read it by name
// (ffprobe seeks in it, which it cannot do in a stream). The key is
// checked as everywhere; the path may name no file.
func (s *FS) Path(key string) (string, error) {
	if err := ValidKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.dir, filepath.FromSlash(shardedPath(key))), nil
}

// Close releases the store's directory handle.
func (s *FS) Close() error { return s.root.Close() }

func (s *FS) removeStaleTemp(before time.Time) error {
	entries, err := fs.ReadDir(s.root.FS(), tmpDir)
	if err != nil {
		return fmt.Errorf("blob store: read %s: %w", tmpDir, err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || info.ModTime().After(before) {
			continue
		}
		if err := s.root.Remove(tmpDir + "/" + e.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob store: remove stale %s/%s: %w", tmpDir, e.Name(), err)
		}
	}
	return nil
}

// Put implements Store.
func (s *FS) Put(ctx context.Context, key string, r io.Reader) (n int64, err error) {
	if err := ValidKey(key); err != nil {
		return 0, err
	}
	var rnd [12]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return 0, err
	}
	tmp := tmpDir + "/" + hex.EncodeToString(rnd[:]) + ".part"
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("blob store: create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			s.root.Remove(tmp)
		}
	}()
	buf := make([]byte, 256<<10)
	if n, err = io.CopyBuffer(onlyWriter{f}, ctxReader{ctx, r}, buf); err != nil {
		return n, fmt.Errorf("blob store: write %s: %w", key, err)
	}
	// The data must be on disk before the name says it is there.
	if err = f.Sync(); err != nil {
		return n, fmt.Errorf("blob store: sync %s: %w", key, err)
	}
	if err = f.Close(); err != nil {
		return n, fmt.Errorf("blob store: close %s: %w", key, err)
	}
	final := shardedPath(key)
	dir := path.Dir(final)
	if err = s.root.MkdirAll(dir, 0o700); err != nil {
		return n, fmt.Errorf("blob store: create %s: %w", dir, err)
	}
	if err = s.root.Rename(tmp, final); err != nil {
		return n, fmt.Errorf("blob store: rename into %s: %w", final, err)
	}
	// The rename itself is durable once its directory is synced. Failing
	// here would leave a blob the caller believes absent, so the blob is
	// removed again.
	if err = s.syncDir(dir); err != nil {
		s.root.Remove(final)
		return n, err
	}
	return n, nil
}

// onlyWriter hides *os.File's ReadFrom, so that CopyBuffer uses the
// buffer and the context check on every read rather than a splice that
// could run without one.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

func (s *FS) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return fmt.Errorf("blob store: open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blob store: sync %s: %w", dir, err)
	}
	return nil
}

// Open implements Store.
func (s *FS) Open(ctx context.Context, key string) (io.ReadSeekCloser, Info, error) {
	if err := ValidKey(key); err != nil {
		return nil, Info{}, err
	}
	f, err := s.root.Open(shardedPath(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, fmt.Errorf("open %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("blob store: open %s: %w", key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Info{}, fmt.Errorf("blob store: stat %s: %w", key, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, Info{}, fmt.Errorf("blob store: %s is not a regular file", key)
	}
	return f, Info{Key: key, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// Delete implements Store.
func (s *FS) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := s.root.Remove(shardedPath(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob store: delete %s: %w", key, err)
	}
	return nil
}

// List implements Store. Files whose names are not keys in their right
// place (left there by hand) are skipped, not reported.
func (s *FS) List(ctx context.Context, fn func(Info) error) error {
	return fs.WalkDir(s.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("blob store: list %s: %w", p, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p == tmpDir {
				return fs.SkipDir
			}
			return nil
		}
		key := path.Base(p)
		if !d.Type().IsRegular() || ValidKey(key) != nil || shardedPath(key) != p || strings.Count(p, "/") != 2 {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted while listing
		}
		if err != nil {
			return fmt.Errorf("blob store: stat %s: %w", p, err)
		}
		return fn(Info{Key: key, Size: info.Size(), ModTime: info.ModTime()})
	})
}
