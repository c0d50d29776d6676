// Package blobtest is the conformance suite of blob.Store: every
// implementation's test calls Run with a function returning a fresh,
// empty store.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"atrium/internal/blob"
)

type testCase struct {
	name string
	run  func(t *testing.T, s blob.Store)
}

// Options adapt the suite to a backend.
type Options struct {
	// Large is the size of the largest blob written: big enough to take
	// the backend's long path (a multipart upload for S3).
	Large int
}

// Run runs the suite; open must return a fresh, empty store each time.
func Run(t *testing.T, open func(t *testing.T) blob.Store, opt Options) {
	if opt.Large == 0 {
		opt.Large = 3 << 20
	}
	for _, c := range cases(opt) {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

// random returns n random bytes.
func random(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func put(t *testing.T, s blob.Store, key string, data []byte) {
	t.Helper()
	n, err := s.Put(t.Context(), key, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	if n != int64(len(data)) {
		t.Fatalf("put %s stored %d bytes, want %d", key, n, len(data))
	}
}

// read opens a blob and returns its content and description.
func read(t *testing.T, s blob.Store, key string) ([]byte, blob.Info) {
	t.Helper()
	rc, info, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b, info
}

func wantAbsent(t *testing.T, s blob.Store, key string) {
	t.Helper()
	rc, _, err := s.Open(t.Context(), key)
	if err == nil {
		rc.Close()
		t.Fatalf("open %s: found a blob that should not exist", key)
	}
	if !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("open %s: %v, want ErrNotFound", key, err)
	}
}

// keys lists the store's keys, sorted.
func keys(t *testing.T, s blob.Store) []string {
	t.Helper()
	var out []string
	if err := s.List(t.Context(), func(i blob.Info) error { out = append(out, i.Key); return nil }); err != nil {
		t.Fatalf("list: %v", err)
	}
	sort.Strings(out)
	return out
}

// failingReader yields n bytes, then fails.
type failingReader struct {
	n   int
	err error
}

var errSource = errors.New("the source broke")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	f.n -= k
	return k, nil
}

func cases(opt Options) []testCase {
	return []testCase{
		{"a blob reads back with its bytes, size and the time it was stored", func(t *testing.T, s blob.Store) {
			data := random(t, 100_000)
			before := time.Now().Add(-2 * time.Second)
			put(t, s, "fil_one", data)
			got, info := read(t, s, "fil_one")
			if !bytes.Equal(got, data) {
				t.Error("content differs")
			}
			if info.Key != "fil_one" || info.Size != int64(len(data)) {
				t.Errorf("info %+v", info)
			}
			if info.ModTime.Before(before) || info.ModTime.After(time.Now().Add(2*time.Second)) {
				t.Errorf("modification time %v is not about now", info.ModTime)
			}
		}},
		{"an empty blob is stored and reads back empty", func(t *testing.T, s blob.Store) {
			put(t, s, "empty", nil)
			got, info := read(t, s, "empty")
			if len(got) != 0 || info.Size != 0 {
				t.Errorf("read %d bytes, size %d", len(got), info.Size)
			}
		}},
		{"a large blob, sent from a reader that gives a few bytes at a time, reads back whole", func(t *testing.T, s blob.Store) {
			data := random(t, opt.Large)
			n, err := s.Put(t.Context(), "large", io.LimitReader(&trickle{r: bytes.NewReader(data)}, int64(len(data))))
			if err != nil || n != int64(len(data)) {
				t.Fatalf("put: %d, %v", n, err)
			}
			got, info := read(t, s, "large")
			if !bytes.Equal(got, data) || info.Size != int64(len(data)) {
				t.Errorf("read %d bytes (size %d), want %d", len(got), info.Size, len(data))
			}
		}},
		{"an opened blob seeks to any offset, as range requests need", func(t *testing.T, s blob.Store) {
			data := random(t, 10_000)
			put(t, s, "seek", data)
			rc, _, err := s.Open(t.Context(), "seek")
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			end, err := rc.Seek(0, io.SeekEnd)
			if err != nil || end != int64(len(data)) {
				t.Fatalf("seek to end: %d, %v", end, err)
			}
			if _, err := rc.Seek(9000, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			part := make([]byte, 500)
			if _, err := io.ReadFull(rc, part); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(part, data[9000:9500]) {
				t.Error("bytes after a seek differ")
			}
			if _, err := rc.Seek(10, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(rc, part[:10]); err != nil || !bytes.Equal(part[:10], data[10:20]) {
				t.Errorf("seek back: %v", err)
			}
		}},
		{"a reader that fails half way leaves no blob and nothing in the listing", func(t *testing.T, s blob.Store) {
			for _, size := range []int{0, 1000, opt.Large} {
				_, err := s.Put(t.Context(), "broken", &failingReader{n: size, err: errSource})
				if !errors.Is(err, errSource) {
					t.Fatalf("after %d bytes: put returned %v, want the reader's error", size, err)
				}
				wantAbsent(t, s, "broken")
			}
			if ks := keys(t, s); len(ks) != 0 {
				t.Errorf("listing holds %v", ks)
			}
		}},
		{"a put whose context ends leaves no blob", func(t *testing.T, s blob.Store) {
			ctx, cancel := context.WithCancel(t.Context())
			r := &cancelling{n: 200_000, cancel: cancel}
			if _, err := s.Put(ctx, "cancelled", r); err == nil {
				t.Fatal("put succeeded after its context ended")
			}
			wantAbsent(t, s, "cancelled")
			if ks := keys(t, s); len(ks) != 0 {
				t.Errorf("listing holds %v", ks)
			}
		}},
		{"putting a key again replaces its blob", func(t *testing.T, s blob.Store) {
			put(t, s, "again", []byte("first version"))
			put(t, s, "again", []byte("second"))
			if got, _ := read(t, s, "again"); string(got) != "second" {
				t.Errorf("read %q", got)
			}
		}},
		{"opening an unknown key is ErrNotFound", func(t *testing.T, s blob.Store) {
			wantAbsent(t, s, "never-stored")
		}},
		{"a deleted blob is gone, and deleting it again is no error", func(t *testing.T, s blob.Store) {
			put(t, s, "gone", []byte("bye"))
			put(t, s, "kept", []byte("hi"))
			for range 2 {
				if err := s.Delete(t.Context(), "gone"); err != nil {
					t.Fatalf("delete: %v", err)
				}
			}
			wantAbsent(t, s, "gone")
			if got, _ := read(t, s, "kept"); string(got) != "hi" {
				t.Error("deleting one blob touched another")
			}
			if err := s.Delete(t.Context(), "never-stored"); err != nil {
				t.Errorf("delete of an unknown key: %v", err)
			}
		}},
		{"the listing holds exactly the stored blobs with their sizes", func(t *testing.T, s blob.Store) {
			want := map[string]int64{}
			for i := range 20 {
				key := fmt.Sprintf("fil_%02d", i)
				put(t, s, key, random(t, i*10))
				want[key] = int64(i * 10)
			}
			s.Delete(t.Context(), "fil_07")
			delete(want, "fil_07")
			got := map[string]int64{}
			err := s.List(t.Context(), func(i blob.Info) error {
				if _, dup := got[i.Key]; dup {
					t.Errorf("%s listed twice", i.Key)
				}
				got[i.Key] = i.Size
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("listing %v, want %v", got, want)
			}
		}},
		{"a listing stops at the first error its callback returns", func(t *testing.T, s blob.Store) {
			for i := range 5 {
				put(t, s, fmt.Sprintf("k%d", i), nil)
			}
			stop := errors.New("stop")
			calls := 0
			err := s.List(t.Context(), func(blob.Info) error { calls++; return stop })
			if !errors.Is(err, stop) || calls != 1 {
				t.Errorf("list returned %v after %d calls", err, calls)
			}
		}},
		{"keys that could name a path, or hold other characters, are refused by every operation", func(t *testing.T, s blob.Store) {
			bad := []string{"", "../escape", "a/b", `a\b`, ".hidden", "-dash", "_under", "UPPER", "sp ace", "nul\x00", "dot.dot",
				"é", strings.Repeat("k", blob.MaxKeyLen+1), "..", "."}
			for _, k := range bad {
				if _, err := s.Put(t.Context(), k, strings.NewReader("x")); !errors.Is(err, blob.ErrBadKey) {
					t.Errorf("put %q: %v, want ErrBadKey", k, err)
				}
				if _, _, err := s.Open(t.Context(), k); !errors.Is(err, blob.ErrBadKey) {
					t.Errorf("open %q: %v, want ErrBadKey", k, err)
				}
				if err := s.Delete(t.Context(), k); !errors.Is(err, blob.ErrBadKey) {
					t.Errorf("delete %q: %v, want ErrBadKey", k, err)
				}
			}
			if ks := keys(t, s); len(ks) != 0 {
				t.Errorf("listing holds %v", ks)
			}
			put(t, s, strings.Repeat("k", blob.MaxKeyLen), []byte("longest"))
		}},
		{"concurrent puts of different keys all land", func(t *testing.T, s blob.Store) {
			var wg sync.WaitGroup
			data := random(t, 50_000)
			errs := make(chan error, 8)
			for i := range 8 {
				wg.Go(func() {
					_, err := s.Put(t.Context(), fmt.Sprintf("c%d", i), bytes.NewReader(data))
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if ks := keys(t, s); len(ks) != 8 {
				t.Errorf("listing %v", ks)
			}
			for i := range 8 {
				if got, _ := read(t, s, fmt.Sprintf("c%d", i)); !bytes.Equal(got, data) {
					t.Errorf("c%d differs", i)
				}
			}
		}},
	}
}

// trickle reads at most 1000 bytes at a time.
type trickle struct{ r io.Reader }

func (t *trickle) Read(p []byte) (int, error) {
	if len(p) > 1000 {
		p = p[:1000]
	}
	return t.r.Read(p)
}

// cancelling yields n bytes, then cancels its context and goes on
// yielding bytes without end: only the store's attention to its context
// stops the put.
type cancelling struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelling) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	c.n -= len(p)
	return len(p), nil
}
