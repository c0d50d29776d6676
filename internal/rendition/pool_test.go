package rendition

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// outcomes records what a pool did with jobs.
type outcomes struct {
	mu     sync.Mutex
	done   map[string][]string        // job → "kind status reason", in order
	stored map[string]map[Kind][]byte // job → kind → bytes
	types  map[string]map[Kind]string // job → kind → content type
	infos  map[string]Info
}

func newOutcomes() *outcomes {
	return &outcomes{done: map[string][]string{}, stored: map[string]map[Kind][]byte{},
		types: map[string]map[Kind]string{}, infos: map[string]Info{}}
}

// job renders data, storing into o.
func (o *outcomes) job(id string, data []byte) Job {
	return Job{
		ID: id,
		Open: func(ctx context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		},
		Store: func(ctx context.Context, kind Kind, r io.Reader, size int64, contentType string) error {
			b, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			if int64(len(b)) != size {
				return fmt.Errorf("read %d bytes, told %d", len(b), size)
			}
			o.mu.Lock()
			defer o.mu.Unlock()
			if o.stored[id] == nil {
				o.stored[id], o.types[id] = map[Kind][]byte{}, map[Kind]string{}
			}
			o.stored[id][kind], o.types[id][kind] = b, contentType
			return nil
		},
		Done: func(kind Kind, status Status, reason string) {
			o.mu.Lock()
			defer o.mu.Unlock()
			o.done[id] = append(o.done[id], strings.TrimSpace(fmt.Sprintf("%s %s %s", kind, status, reason)))
		},
		Info: func(i Info) {
			o.mu.Lock()
			defer o.mu.Unlock()
			o.infos[id] = i
		},
	}
}

func (o *outcomes) statuses(id string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.done[id], "; ")
}

const allReady = "thumbnail ready; preview ready; large ready"

func newTestPool(t *testing.T, change func(*Options)) *Pool {
	t.Helper()
	o := testOptions()
	if change != nil {
		change(&o)
	}
	p, err := NewPool(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

func TestPoolRendersAndReports(t *testing.T) {
	p := newTestPool(t, nil)
	out := newOutcomes()
	jpg := encodeJPEG(t, photo(600, 400))
	for i := range 3 {
		if err := p.Submit(out.job(fmt.Sprint("ok", i), jpg)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Submit(out.job("corrupt", jpg[:len(jpg)/3])); err != nil {
		t.Fatal(err)
	}
	if err := p.Submit(out.job("bomb", pngBomb(100000, 100000))); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		id := fmt.Sprint("ok", i)
		if got := out.statuses(id); got != allReady {
			t.Errorf("%s: %s", id, got)
		}
		if got := out.infos[id]; got != (Info{Format: "jpeg", Width: 600, Height: 400, Orientation: 1}) {
			t.Errorf("%s: info %+v", id, got)
		}
		for _, k := range Kinds() {
			if len(out.stored[id][k]) == 0 || out.types[id][k] != "image/jpeg" {
				t.Errorf("%s: %s stored %d bytes of %s", id, k, len(out.stored[id][k]), out.types[id][k])
			}
		}
	}
	if got, want := out.statuses("corrupt"), "thumbnail failed corrupt image: truncated file; preview failed corrupt image: truncated file; large failed corrupt image: truncated file"; got != want {
		t.Errorf("corrupt: %s", got)
	}
	if got := out.statuses("bomb"); !strings.Contains(got, "large failed image too large: 100000×100000 pixels exceeds the 50 MP limit") {
		t.Errorf("bomb: %s", got)
	}
	if len(out.stored["corrupt"])+len(out.stored["bomb"]) != 0 {
		t.Error("a failed job stored something")
	}
}

func TestPoolJobWatermark(t *testing.T) {
	p := newTestPool(t, nil)
	out := newOutcomes()
	grey := encodeJPEG(t, photo(800, 600))
	a, b := out.job("default", grey), out.job("account", grey)
	b.Watermark = "Northwind Press"
	for _, j := range []Job{a, b} {
		if err := p.Submit(j); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(out.stored["default"][Preview], out.stored["account"][Preview]) {
		t.Error("the job's watermark made no difference to the preview")
	}
	if !bytes.Equal(out.stored["default"][Thumbnail], out.stored["account"][Thumbnail]) {
		t.Error("the job's watermark changed the thumbnail")
	}
}

func TestPoolCallbackFailures(t *testing.T) {
	p := newTestPool(t, nil)
	out := newOutcomes()
	jpg := encodeJPEG(t, photo(300, 200))

	noOpen := out.job("no-open", jpg)
	noOpen.Open = func(context.Context) (io.ReadCloser, error) { return nil, errors.New("/secret/path: no such file") }
	noStore := out.job("no-store", jpg)
	store := noStore.Store
	noStore.Store = func(ctx context.Context, kind Kind, r io.Reader, size int64, ct string) error {
		if kind == Preview {
			return errors.New("disk full at /secret/path")
		}
		return store(ctx, kind, r, size, ct)
	}
	nothing := out.job("nothing", jpg)
	nothing.Open = func(context.Context) (io.ReadCloser, error) { return nil, nil }
	panicky := out.job("panicky", jpg)
	panicky.Store = func(context.Context, Kind, io.Reader, int64, string) error { panic("store bug") }
	after := out.job("after", jpg)

	for _, j := range []Job{noOpen, nothing, noStore, panicky, after} {
		if err := p.Submit(j); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Submit(Job{ID: "incomplete"}); err == nil {
		t.Error("a job without callbacks was accepted")
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ job, want string }{
		{"no-open", "thumbnail failed could not read the original; preview failed could not read the original; large failed could not read the original"},
		{"nothing", "thumbnail failed could not read the original; preview failed could not read the original; large failed could not read the original"},
		{"no-store", "thumbnail ready; preview failed could not store the rendition; large ready"},
		{"panicky", "thumbnail failed internal error; preview failed internal error; large failed internal error"},
		{"after", allReady},
	}
	for _, tt := range tests {
		if got := out.statuses(tt.job); got != tt.want {
			t.Errorf("%s: %s\nwant %s", tt.job, got, tt.want)
		}
	}
}

// blocker is a job whose Open waits until released (or its context ends).
type blocker struct {
	entered chan struct{}
	release chan struct{}
}

func newBlocker() *blocker {
	return &blocker{entered: make(chan struct{}, 1), release: make(chan struct{})}
}

func (b *blocker) wrap(j Job) Job {
	open := j.Open
	j.Open = func(ctx context.Context) (io.ReadCloser, error) {
		b.entered <- struct{}{}
		select {
		case <-b.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return open(ctx)
	}
	return j
}

func TestPoolQueueFull(t *testing.T) {
	p := newTestPool(t, func(o *Options) { o.Workers, o.QueueSize = 1, 2 })
	out := newOutcomes()
	jpg := encodeJPEG(t, photo(200, 100))
	b := newBlocker()
	if err := p.Submit(b.wrap(out.job("running", jpg))); err != nil {
		t.Fatal(err)
	}
	<-b.entered // the worker holds it: the queue is empty
	for _, id := range []string{"queued1", "queued2"} {
		if err := p.Submit(out.job(id, jpg)); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	if err := p.Submit(out.job("refused", jpg)); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("a third job in a queue of two: %v", err)
	}
	// SubmitWait waits for room.
	waited := make(chan error, 1)
	go func() { waited <- p.SubmitWait(context.Background(), out.job("waited", jpg)) }()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := p.SubmitWait(ctx, out.job("gave-up", jpg)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SubmitWait on a full queue: %v", err)
	}
	close(b.release)
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"running", "queued1", "queued2", "waited"} {
		if got := out.statuses(id); got != allReady {
			t.Errorf("%s: %s", id, got)
		}
	}
	for _, id := range []string{"refused", "gave-up"} {
		if got := out.statuses(id); got != "" {
			t.Errorf("%s was refused but reported %s", id, got)
		}
	}
	if err := p.Submit(out.job("late", jpg)); !errors.Is(err, ErrClosed) {
		t.Errorf("Submit after Shutdown: %v", err)
	}
	if err := p.SubmitWait(context.Background(), out.job("late", jpg)); !errors.Is(err, ErrClosed) {
		t.Errorf("SubmitWait after Shutdown: %v", err)
	}
}

func TestPoolShutdownCutShort(t *testing.T) {
	o := testOptions()
	o.Workers, o.QueueSize = 1, 10
	p, err := NewPool(o)
	if err != nil {
		t.Fatal(err)
	}
	out := newOutcomes()
	jpg := encodeJPEG(t, photo(200, 100))
	b := newBlocker()
	if err := p.Submit(b.wrap(out.job("running", jpg))); err != nil {
		t.Fatal(err)
	}
	<-b.entered
	for i := range 3 {
		if err := p.Submit(out.job(fmt.Sprint("queued", i), jpg)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err = p.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "3 queued jobs dropped") {
		t.Fatalf("Shutdown: %v", err)
	}
	// The cancelled job and the dropped ones stay pending: no Done.
	for _, id := range []string{"running", "queued0", "queued1", "queued2"} {
		if got := out.statuses(id); got != "" {
			t.Errorf("%s reported %s", id, got)
		}
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Errorf("a second Shutdown: %v", err)
	}
}

func TestSubmitWaitShutdown(t *testing.T) {
	p := newTestPool(t, func(o *Options) { o.Workers, o.QueueSize = 1, 0 })
	out := newOutcomes()
	jpg := encodeJPEG(t, photo(100, 100))
	b := newBlocker()
	if err := p.SubmitWait(context.Background(), b.wrap(out.job("running", jpg))); err != nil {
		t.Fatal(err)
	}
	<-b.entered
	waited := make(chan error, 1)
	go func() { waited <- p.SubmitWait(context.Background(), out.job("waiting", jpg)) }()
	time.Sleep(10 * time.Millisecond) // let it block
	shut := make(chan error, 1)
	go func() { shut <- p.Shutdown(context.Background()) }()
	if err := <-waited; !errors.Is(err, ErrClosed) {
		t.Errorf("SubmitWait during Shutdown: %v", err)
	}
	close(b.release)
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if got := out.statuses("running"); got != allReady {
		t.Errorf("running: %s", got)
	}
}

func TestPoolTimeout(t *testing.T) {
	p := newTestPool(t, func(o *Options) { o.Timeout = 20 * time.Millisecond })
	out := newOutcomes()
	j := out.job("slow", nil)
	j.Open = func(ctx context.Context) (io.ReadCloser, error) {
		return io.NopCloser(&stalled{ctx: ctx, data: encodeJPEG(t, photo(100, 100))[:500]}), nil
	}
	if err := p.Submit(j); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := out.statuses("slow"); got != "thumbnail failed timed out; preview failed timed out; large failed timed out" {
		t.Errorf("slow: %s", got)
	}
}

// stalled gives some bytes, then waits for its context.
type stalled struct {
	ctx  context.Context
	data []byte
}

func (s *stalled) Read(p []byte) (int, error) {
	if len(s.data) > 0 {
		n := copy(p, s.data)
		s.data = s.data[n:]
		return n, nil
	}
	<-s.ctx.Done()
	return 0, s.ctx.Err()
}

// TestPoolConcurrency submits from many goroutines to several workers;
// run with -race.
func TestPoolConcurrency(t *testing.T) {
	p := newTestPool(t, func(o *Options) { o.Workers, o.QueueSize = 4, 4 })
	out := newOutcomes()
	images := [][]byte{
		encodeJPEG(t, photo(600, 400)),
		encodePNG(t, photo(300, 500)),
		pngBomb(100000, 100000),
		[]byte("not an image"),
	}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for i := range 5 {
				id := fmt.Sprintf("g%d-%d", g, i)
				if err := p.SubmitWait(context.Background(), out.job(id, images[(g+i)%len(images)])); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for g := range 6 {
		for i := range 5 {
			id := fmt.Sprintf("g%d-%d", g, i)
			got := out.done[id]
			if len(got) != 3 {
				t.Errorf("%s: %d reports: %v", id, len(got), got)
				continue
			}
			wantReady := (g+i)%len(images) < 2
			for _, s := range got {
				if strings.Contains(s, " ready") != wantReady {
					t.Errorf("%s: %v", id, got)
				}
			}
		}
	}
}
