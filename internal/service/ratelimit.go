package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// RateLimit bounds the public requests that send mail (sign-up, password
// reset) or take a one-time token (email verification, accepting an
// invitation, confirming a reset): per client address and, for the two
// that name an email or login, per that email or login, in a sliding
// window. It counts in the sign-in throttle's table under keys of its
// own, so every server shares the counts. Refused requests do not count;
// the token endpoints take a request back when it succeeds, so only
// failures count there, while every mail-sending request counts.
type RateLimit struct {
	// PerIP is the number of requests to one endpoint from one client
	// address (IPv6 by /64) in the window; zero means 20, a negative
	// number turns the limit off.
	PerIP int
	// PerEmail is the number of sign-up or password-reset requests
	// naming one email or login (any case or spacing, whether or not it
	// names anyone) in the window; zero means 5, negative turns it off.
	PerEmail int
	// Window is how long a request counts; zero means an hour.
	Window time.Duration
}

// Default rate limits of public requests.
const (
	DefaultRatePerIP    = 20
	DefaultRatePerEmail = 5
	DefaultRateWindow   = time.Hour
)

func (r RateLimit) withDefaults() RateLimit {
	if r.PerIP == 0 {
		r.PerIP = DefaultRatePerIP
	}
	if r.PerEmail == 0 {
		r.PerEmail = DefaultRatePerEmail
	}
	if r.Window <= 0 {
		r.Window = DefaultRateWindow
	}
	return r
}

// The public requests under the rate limit; each counts apart.
const (
	RateSignup           = "signup"
	RatePasswordReset    = "password_reset"
	RateResetConfirm     = "password_reset_confirm"
	RateVerifyEmail      = "verify_email"
	RateAcceptInvitation = "accept_invitation"
)

// ErrRateLimited answers a public request over its rate limit. It is the
// same whether or not the email or login names anyone: only the
// counters, which count requests and not people, decide it.
func ErrRateLimited(retry time.Duration) *Error {
	return &Error{Kind: KindRateLimited, Code: "rate_limited", RetryAfter: retry,
		Message: "too many requests of this kind from this address or for this email or login: try again later (see Retry-After)"}
}

// rateKey names a rate-limit counter: a hash, like the throttle's, under
// a purpose of its own so it never meets a sign-in counter.
func rateKey(action, kind, value string) string {
	h := sha256.Sum256([]byte("atrium rate limit\x00" + action + "\x00" + kind + "\x00" + value))
	return hex.EncodeToString(h[:])
}

// publicRequest is a request under the rate limit.
type publicRequest struct {
	action string // one of the Rate* names
	ip     string
	target string // the email or login it names; "" for none
	// attribute, if set, fills in the account (and user) whose audit log
	// a refusal goes to. It runs after the answer, so that what it reads
	// cannot change how long the answer takes.
	attribute func(ctx context.Context, ev *domain.AuditEvent)
}

// rateCounter is one counter of a public request.
type rateCounter struct {
	key  store.ThrottleKey
	what string // "client address" or "email or login", for the audit log
	// exact: Retry-After may tell when this counter frees up. Per-target
	// counters also count other clients' requests, whose timing is none
	// of the caller's business: they answer the whole window.
	exact bool
}

func (s *Service) rateCounters(r publicRequest) []rateCounter {
	var cs []rateCounter
	if s.rate.PerIP > 0 && r.ip != "" {
		cs = append(cs, rateCounter{store.ThrottleKey{Key: rateKey(r.action, "ip", ipBucket(r.ip)), Limit: s.rate.PerIP}, "client address", true})
	}
	if t := NormalizeLogin(r.target); s.rate.PerEmail > 0 && t != "" {
		cs = append(cs, rateCounter{store.ThrottleKey{Key: rateKey(r.action, "target", t), Limit: s.rate.PerEmail}, "email or login", false})
	}
	return cs
}

// admit counts a public request, or refuses it with ErrRateLimited when
// one of its counters holds its limit. The attempt it returns can be
// taken back with forgive.
func (s *Service) admit(ctx context.Context, r publicRequest) (attempt, error) {
	at := attempt{id: domain.NewID("att")}
	cs := s.rateCounters(r)
	if len(cs) == 0 {
		return at, nil
	}
	keys := make([]store.ThrottleKey, len(cs))
	for i, c := range cs {
		keys[i] = c.key
	}
	now := time.Now()
	since := now.Add(-s.rate.Window)
	counts, ok, err := s.store.ReserveLoginAttempt(ctx, at.id, keys, now, since)
	if err != nil {
		return at, err
	}
	if ok {
		return at, nil
	}
	// Refused: the answer comes when every full counter frees up.
	var retry time.Duration
	var full []rateCounter
	for i, c := range cs {
		if counts[i] < c.key.Limit {
			continue
		}
		full = append(full, c)
		wait := s.rate.Window
		if c.exact {
			oldest, err := s.store.LoginAttemptAt(ctx, c.key.Key, since, counts[i]-c.key.Limit)
			if err != nil {
				return at, err
			}
			wait = oldest.Add(s.rate.Window).Sub(now)
		}
		retry = max(retry, wait)
	}
	s.refuseRate(ctx, r, full)
	return at, ErrRateLimited(max(retry, time.Second))
}

// refuseRate logs a refused public request and audits it, once per full
// counter and window: a client that keeps knocking fills neither the
// audit log nor the database.
func (s *Service) refuseRate(ctx context.Context, r publicRequest, full []rateCounter) {
	now := time.Now()
	for _, c := range full {
		s.log.Warn("public request rate limited", "action", r.action, "counter", c.what, "ip", r.ip, "window", s.rate.Window)
		mark := store.ThrottleKey{Key: rateKey(r.action, "audited", c.key.Key), Limit: 1}
		_, first, err := s.store.ReserveLoginAttempt(ctx, domain.NewID("att"), []store.ThrottleKey{mark}, now, now.Add(-s.rate.Window))
		if err != nil {
			s.log.Error("rate limit refusal not audited", "err", err)
			continue
		}
		if !first {
			continue
		}
		ev := domain.AuditEvent{Type: AuditRateLimit, ClientIP: r.ip, Result: domain.AuditDenied, Detail: map[string]string{
			"action": r.action, "counter": c.what, "limit": strconv.Itoa(c.key.Limit), "window": s.rate.Window.String(),
			"reason": "too many requests; later ones in the window are refused without another entry"}}
		if r.target != "" {
			ev.Detail["login"] = truncate(r.target, 100)
		}
		s.background(ctx, func(ctx context.Context) {
			if r.attribute != nil {
				r.attribute(ctx, &ev)
			}
			s.auditAlone(ctx, ev)
		})
	}
}

// forgive takes an admitted request back: it succeeded, and only failures
// count.
func (s *Service) forgive(ctx context.Context, at attempt) {
	if err := s.store.ForgiveLoginAttempt(ctx, at.id, nil); err != nil {
		s.log.Error("rate limit attempt not taken back", "err", err)
	}
}

// background runs fn after the request, with the request's values but not
// its cancellation; WaitBackground waits for it.
func (s *Service) background(ctx context.Context, fn func(ctx context.Context)) {
	s.mailWG.Add(1)
	go func() {
		defer s.mailWG.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		fn(ctx)
	}()
}
