package rendition

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Job asks for the renditions of one original.
type Job struct {
	// ID names the job in the log (the media object's id, say).
	ID string
	// Open opens the original for reading; it is called once, by the
	// worker, and the reader closed after decoding.
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Store keeps one rendition: size bytes of contentType read from r.
	// It is called for each kind in turn, after the original is decoded.
	Store func(ctx context.Context, kind Kind, r io.Reader, size int64, contentType string) error
	// Done reports each kind's outcome, once per kind: Ready after Store
	// succeeded, or Failed with the reason the API shows.
	Done func(kind Kind, status Status, reason string)
	// Info, if set, receives the original's format and displayed size
	// once it is decoded.
	Info func(Info)
	// Watermark is the preview's text; "" means Options.Watermark.Text.
	Watermark string
}

// The errors of Submit.
var (
	ErrQueueFull = errors.New("rendition: queue full")
	ErrClosed    = errors.New("rendition: pool shut down")
)

// Pool renders jobs on a fixed number of workers, from a bounded queue.
type Pool struct {
	opts  Options
	log   *slog.Logger
	queue chan Job

	closing  chan struct{} // closed when Shutdown starts: no new jobs
	quit     chan struct{} // closed once no Submit is under way: drain, then stop
	mu       sync.RWMutex  // held by Submit to send, by Shutdown to close quit
	closed   bool
	shutOnce sync.Once

	ctx     context.Context // cancelled when Shutdown gives up waiting
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	dropped atomic.Int64 // jobs taken off the queue after that
}

// NewPool starts o.Workers workers.
func NewPool(o Options) (*Pool, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{
		opts:    o,
		log:     o.Logger,
		queue:   make(chan Job, o.QueueSize),
		closing: make(chan struct{}),
		quit:    make(chan struct{}),
		ctx:     ctx,
		cancel:  cancel,
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	p.wg.Add(o.Workers)
	for range o.Workers {
		go p.work()
	}
	return p, nil
}

func (j Job) check() error {
	if j.Open == nil || j.Store == nil || j.Done == nil {
		return errors.New("rendition: a job needs Open, Store and Done")
	}
	return nil
}

// Submit queues j without waiting: ErrQueueFull when the queue is full
// (the caller marks the renditions failed, or tries again later),
// ErrClosed after Shutdown.
func (p *Pool) Submit(j Job) error {
	if err := j.check(); err != nil {
		return err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrClosed
	}
	select {
	case p.queue <- j:
		return nil
	default:
		return ErrQueueFull
	}
}

// SubmitWait queues j, waiting for room until ctx is done (its error is
// returned) or Shutdown starts (ErrClosed).
func (p *Pool) SubmitWait(ctx context.Context, j Job) error {
	if err := j.check(); err != nil {
		return err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrClosed
	}
	select {
	case p.queue <- j:
		return nil
	case <-p.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown stops taking jobs and lets the workers finish the queued ones.
// If ctx ends first, the running jobs are cancelled, the queued ones are
// dropped, and Shutdown waits for the workers to return (so callbacks
// must heed their context) before returning an error. A dropped or
// cancelled job gets no further Done call: its renditions stay pending in
// the caller's records, to be submitted again at the next start. No
// callback runs after Shutdown returns.
func (p *Pool) Shutdown(ctx context.Context) error {
	p.shutOnce.Do(func() {
		close(p.closing)
		p.mu.Lock()
		p.closed = true
		close(p.quit)
		p.mu.Unlock()
	})
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	p.cancel()
	<-done
	for len(p.queue) > 0 {
		<-p.queue
		p.dropped.Add(1)
	}
	return fmt.Errorf("rendition: shutdown cut short, %d queued jobs dropped: %w", p.dropped.Load(), ctx.Err())
}

func (p *Pool) work() {
	defer p.wg.Done()
	for {
		select {
		case j := <-p.queue:
			p.run(j)
		case <-p.quit:
			// No job comes in any more: finish the queue, unless told to
			// stop.
			for p.ctx.Err() == nil {
				select {
				case j := <-p.queue:
					p.run(j)
				default:
					return
				}
			}
			return
		}
	}
}

// run renders one job; a panic (in a callback, say) is logged and fails
// the kinds not yet reported.
func (p *Pool) run(j Job) {
	reported := map[Kind]bool{}
	done := func(k Kind, s Status, reason string) {
		reported[k] = true
		j.Done(k, s, reason)
	}
	failAll := func(reason string) {
		for _, k := range Kinds() {
			if !reported[k] {
				done(k, Failed, reason)
			}
		}
	}
	defer func() {
		if v := recover(); v != nil {
			p.log.Error("rendition job panicked", "job", j.ID, "panic", v, "stack", string(debug.Stack()))
			if p.ctx.Err() == nil {
				func() {
					defer func() { _ = recover() }() // Done itself may be what panicked
					failAll("internal error")
				}()
			}
		}
	}()
	if p.ctx.Err() != nil {
		p.dropped.Add(1)
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, p.opts.Timeout)
	defer cancel()

	rc, err := j.Open(ctx)
	if err == nil && rc == nil {
		err = errors.New("the job's Open returned no reader")
	}
	if err != nil {
		if p.ctx.Err() != nil {
			return
		}
		p.log.Error("rendition: cannot open the original", "job", j.ID, "err", err)
		failAll("could not read the original")
		return
	}
	o := p.opts
	if j.Watermark != "" {
		o.Watermark.Text = j.Watermark
	}
	res, err := Generate(ctx, rc, o)
	if cerr := rc.Close(); cerr != nil && err == nil {
		p.log.Warn("rendition: closing the original", "job", j.ID, "err", cerr)
	}
	if err != nil {
		if p.ctx.Err() != nil {
			return
		}
		reason := Reason(err)
		var e *Error
		if !errors.As(err, &e) {
			p.log.Error("rendition failed", "job", j.ID, "err", err)
		}
		failAll(reason)
		return
	}
	if j.Info != nil {
		j.Info(res.Info)
	}
	for _, r := range res.Renditions {
		if p.ctx.Err() != nil {
			return
		}
		if ctx.Err() != nil {
			done(r.Kind, Failed, Reason(ctx.Err()))
			continue
		}
		err := j.Store(ctx, r.Kind, bytes.NewReader(r.Data), int64(len(r.Data)), r.ContentType)
		switch {
		case err == nil:
			done(r.Kind, Ready, "")
		case p.ctx.Err() != nil:
			return
		default:
			p.log.Error("rendition: cannot store", "job", j.ID, "kind", r.Kind, "err", err)
			done(r.Kind, Failed, "could not store the rendition")
		}
	}
}
