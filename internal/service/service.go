// Package service holds Atrium's domain rules. Every operation takes the
// acting user, asks the permission engine whether it is allowed, applies
// the rules of the product (tenancy, guards, limits, default ACLs) and
// writes through the store in one transaction, after which the engine is
// synced with the commit before the call returns, so the caller's next
// request sees its own write.
//
// Objects the actor may not see are reported as not found, never as
// forbidden, so that nobody learns what exists in another account or
// behind an ACL.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"atrium/internal/authz"
	"atrium/internal/blob"
	"atrium/internal/identity"
	"atrium/internal/mail"
	"atrium/internal/opaque"
	"atrium/internal/store"
)

// Actor is the authenticated user a request acts for.
type Actor struct {
	UserID    string
	AccountID string
	// TokenID is set when the request is authenticated by an API token,
	// Scopes to that token's scopes.
	TokenID string
	Scopes  []string
	// SessionHash is set when it is authenticated by a session cookie.
	SessionHash string
	// IP is the request's client address, for the audit log.
	IP string
}

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	// Password is the argon2id cost; zero means identity.DefaultParams.
	Password identity.Params
	// SessionTTL is how long a sign-in lasts; zero means 12 hours.
	SessionTTL time.Duration
	// Throttle limits failed sign-ins; see Throttle.
	Throttle Throttle
	// RateLimit bounds public requests that send mail or take one-time
	// tokens; see RateLimit.
	RateLimit RateLimit
	// Mail delivers verification and password-reset mail; nil means
	// none is sent (it is logged as undeliverable).
	Mail mail.Sender
	// Geo locates client addresses for the accounts' geography rules;
	// nil means no database: every location is unknown.
	Geo Locator
	// Blobs stores the bytes of uploaded files; nil refuses uploads and
	// downloads (and deletes leave blobs to a later sweep).
	Blobs blob.Store
	// MaxUploadBytes bounds one upload; zero means DefaultMaxUploadBytes.
	MaxUploadBytes int64
}

// Service is the domain layer. It is safe for concurrent use.
type Service struct {
	store  store.Store
	engine atomic.Pointer[authz.Engine]
	syncMu sync.Mutex
	log    *slog.Logger
	pw     identity.Params
	ttl    time.Duration
	thr    Throttle
	rate   RateLimit
	mail   mail.Sender
	geo    Locator
	// blobs holds the files' bytes, maxUpload bounds one upload.
	blobs     blob.Store
	maxUpload int64
	// mailWG tracks work finishing in the background: password-reset
	// requests, sign-ups, audits of rate-limited requests.
	mailWG sync.WaitGroup
	// dummyHash is verified when a sign-in names nobody, so that unknown
	// and known logins take the same time.
	dummyHash string

	creds *credCache

	revTokens *opaque.Codec
	// auditCursors hide audit event ids, which count every account's
	// events, from clients.
	auditCursors *opaque.Codec
	revMu        sync.Mutex
	acctRev      map[string]uint64 // account -> revision of its latest applied write

	// expiryNudge wakes RunAccessExpiry when an approval sets an end date.
	expiryNudge chan struct{}
	// shares holds the key of share links' password proofs.
	shares shareState

	// rend makes renditions, once StartRenditions has run.
	rend atomic.Pointer[renderer]
}

// New loads the permission engine from the store and returns a Service.
func New(ctx context.Context, st store.Store, opt Options) (*Service, error) {
	s := &Service{store: st, log: opt.Logger, pw: opt.Password, ttl: opt.SessionTTL, thr: opt.Throttle.withDefaults(), rate: opt.RateLimit.withDefaults(), mail: opt.Mail, geo: opt.Geo,
		blobs: opt.Blobs, maxUpload: opt.MaxUploadBytes}
	if s.maxUpload <= 0 {
		s.maxUpload = DefaultMaxUploadBytes
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.pw == (identity.Params{}) {
		s.pw = identity.DefaultParams
	}
	if s.ttl == 0 {
		s.ttl = 12 * time.Hour
	}
	h, err := identity.HashPassword("dummy password for timing", s.pw)
	if err != nil {
		return nil, err
	}
	s.dummyHash = h
	key, err := st.InstanceSecret(ctx, "revision tokens")
	if err != nil {
		return nil, fmt.Errorf("revision token key: %w", err)
	}
	if s.revTokens, err = opaque.New(key[:16], "revision"); err != nil {
		return nil, err
	}
	// The same key serves another purpose: the codec's check keeps the
	// two kinds of token apart.
	if s.auditCursors, err = opaque.New(key[:16], "audit cursor"); err != nil {
		return nil, err
	}
	s.acctRev = map[string]uint64{}
	s.expiryNudge = make(chan struct{}, 1)
	s.creds = newCredCache()
	if err := s.reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Engine returns the current permission engine.
func (s *Service) Engine() *authz.Engine { return s.engine.Load() }

// Store returns the store.
func (s *Service) Store() store.Store { return s.store }

// Revision is the revision of the engine's state.
func (s *Service) Revision() uint64 { return s.Engine().Revision() }

// reload builds a fresh engine from a snapshot of the whole store. Reading
// the store and building the engine run side by side, in batches: the new
// engine is private until it is complete, so its intermediate states are
// never seen.
func (s *Service) reload(ctx context.Context) error {
	start := time.Now()
	e := authz.New()
	const batch = 8192
	batches := make(chan []authz.Op, 4)
	var rev uint64
	var n int
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- s.store.Snapshot(ctx, func(r store.Reader) error {
			var err error
			if rev, err = r.Revision(ctx); err != nil {
				return err
			}
			buf := make([]authz.Op, 0, batch)
			err = r.LoadAuth(ctx, nil, func(op authz.Op) error {
				buf = append(buf, op)
				if len(buf) == batch {
					select {
					case batches <- buf:
					case <-ctx.Done():
						return ctx.Err()
					}
					buf = make([]authz.Op, 0, batch)
				}
				return nil
			})
			if err == nil && len(buf) > 0 {
				batches <- buf
			}
			return err
		})
	}()
	var applyErr error
	for ops := range batches {
		n += len(ops)
		if applyErr == nil {
			applyErr = e.Apply(0, ops...)
		}
	}
	if err := <-readErr; err != nil {
		return fmt.Errorf("load permission index: %w", err)
	}
	if applyErr != nil {
		return fmt.Errorf("load permission index: %w", applyErr)
	}
	if err := e.Apply(rev); err != nil {
		return fmt.Errorf("load permission index: %w", err)
	}
	e.Pack()
	s.engine.Store(e)
	// The engine moved before the cache is cleared: see credCache.
	s.creds.clear()
	all := map[string]bool{}
	for _, a := range e.Accounts() {
		all[a] = true
	}
	s.noteAccounts(all, rev)
	s.log.Info("permission index loaded", "revision", rev, "entities", n, "took", time.Since(start).Round(time.Millisecond))
	// Serving starts now; the search sort orders follow in the background
	// (a sorted search arriving first builds them itself).
	go func() {
		start := time.Now()
		e.PrepareSearch()
		s.log.Info("search index ready", "took", time.Since(start).Round(time.Millisecond))
	}()
	return nil
}

// Sync brings the engine up to the store's latest revision. Writes by this
// service call it themselves; a server also calls it periodically to pick
// up writes by other processes (the CLI, other servers).
func (s *Service) Sync(ctx context.Context) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	e := s.Engine()
	cur := e.Revision()
	var ops []authz.Op
	var rev uint64
	var revokedTokens, endedSessions []string
	full := false
	err := s.store.Snapshot(ctx, func(r store.Reader) error {
		refs, latest, err := r.Changes(ctx, cur)
		if errors.Is(err, store.ErrChangesPruned) {
			full = true
			return nil
		}
		if err != nil {
			return err
		}
		rev = latest
		for _, ref := range refs {
			switch ref.Kind {
			case store.KindToken:
				revokedTokens = append(revokedTokens, ref.ID)
			case store.KindSession:
				endedSessions = append(endedSessions, ref.ID)
			}
		}
		if rev <= cur || len(refs) == 0 {
			return nil
		}
		return r.LoadAuth(ctx, refs, func(op authz.Op) error {
			ops = append(ops, op)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("sync permission index: %w", err)
	}
	if full {
		return s.reload(ctx)
	}
	if rev <= cur {
		return nil
	}
	touched := map[string]bool{}
	accountsDeleted(e, ops, touched)
	if err := e.Apply(rev, ops...); err != nil {
		// The store holds only consistent state, so this is a bug; a full
		// reload puts the engine right again.
		s.log.Error("permission index apply failed; reloading", "err", err)
		return s.reload(ctx)
	}
	accountsPut(e, ops, touched)
	s.noteAccounts(touched, rev)
	s.creds.drop(revokedTokens, endedSessions)
	return nil
}

// update runs fn in one store transaction and syncs the engine with it.
func (s *Service) update(ctx context.Context, fn func(tx store.Tx) error) (uint64, error) {
	rev, err := s.store.Update(ctx, fn)
	if err != nil {
		return 0, err
	}
	if err := s.Sync(ctx); err != nil {
		return rev, err
	}
	return rev, nil
}

// updateApplying is update for a transaction that knows its effect on the
// engine: fn returns the operations describing everything it changed. When
// the engine stood at the revision just before this commit, it applies them
// directly instead of re-reading the changed entities from the store, which
// for a batch of 100k objects is most of the cost; otherwise, or if they do
// not apply, it syncs as usual.
func (s *Service) updateApplying(ctx context.Context, fn func(tx store.Tx) ([]authz.Op, error)) (uint64, error) {
	var ops []authz.Op
	rev, err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		ops, err = fn(tx)
		return err
	})
	if err != nil {
		return 0, err
	}
	s.applyCommitted(ctx, rev, ops)
	// Whatever was committed after rev, by this process or another.
	return rev, s.Sync(ctx)
}

// applyCommitted applies ops, the whole effect of the commit of revision
// rev, if the engine is at rev-1; else Sync will read the commit back.
func (s *Service) applyCommitted(ctx context.Context, rev uint64, ops []authz.Op) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	e := s.Engine()
	if e.Revision()+1 != rev {
		return
	}
	touched := map[string]bool{}
	accountsDeleted(e, ops, touched)
	if err := e.Apply(rev, ops...); err != nil {
		// Apply stops half way; only a reload puts the engine right.
		s.log.Error("permission index apply failed; reloading", "err", err)
		if err := s.reload(ctx); err != nil {
			s.log.Error("permission index reload failed", "err", err)
		}
		return
	}
	accountsPut(e, ops, touched)
	s.noteAccounts(touched, rev)
}

// can asks the engine about an account-level permission of the actor.
// can reports whether the actor holds an account permission. An API token
// without the admin scope holds none, whatever its user may do.
func (s *Service) can(a Actor, p authz.AccountPermission) bool {
	return a.HasScope(ScopeAdmin) && s.Engine().CanAccount(a.UserID, a.AccountID, p)
}

func (s *Service) require(a Actor, p authz.AccountPermission) error {
	if !s.Engine().CanAccount(a.UserID, a.AccountID, p) {
		return forbidden("this needs the %s permission in the account", p)
	}
	if !a.HasScope(ScopeAdmin) {
		return ErrInsufficientScope(ScopeAdmin)
	}
	return nil
}

// member checks that the actor is an active user of its account; every
// operation starts with it.
func (s *Service) member(a Actor) error {
	if acct, ok := s.Engine().UserAccount(a.UserID); !ok || acct != a.AccountID || !s.Engine().UserActive(a.UserID) {
		return ErrUnauthenticated
	}
	return nil
}

// storeErr turns store sentinels into service errors with the given
// wording; anything else stays an internal error.
func storeErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		e := notFound(what)
		e.Err = err
		return e
	case errors.Is(err, store.ErrConflict):
		e := conflict("conflict", "%s conflicts with an existing one", what)
		e.Err = err
		return e
	}
	return err
}
