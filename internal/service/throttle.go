package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// Throttle limits failed sign-ins in a sliding window, per normalized
// login (whether or not it names anyone) and per client address. Once a
// counter holds its limit, further attempts on it are refused exactly as a
// wrong password is, until its oldest failures leave the window; attempts
// refused so do not count. A successful sign-in resets its login's
// counter. The counters live in the database, shared by every server.
type Throttle struct {
	// PerLogin is the number of failures that locks a login; zero means
	// 5, a negative number turns the limit off.
	PerLogin int
	// PerIP is the same for a client address (IPv6 by /64); zero means 50.
	PerIP int
	// Window is how long a failure counts; zero means 15 minutes.
	Window time.Duration
}

// Default throttle limits.
const (
	DefaultLoginFailures = 5
	DefaultIPFailures    = 50
	DefaultFailureWindow = 15 * time.Minute
)

func (t Throttle) withDefaults() Throttle {
	if t.PerLogin == 0 {
		t.PerLogin = DefaultLoginFailures
	}
	if t.PerIP == 0 {
		t.PerIP = DefaultIPFailures
	}
	if t.Window <= 0 {
		t.Window = DefaultFailureWindow
	}
	return t
}

// NormalizeLogin is the form of a login the throttle counts under:
// lowercased, format characters (zero-width spaces and joiners) removed,
// Unicode whitespace trimmed and collapsed to single spaces, so that
// changing case or spacing does not start a fresh counter.
func NormalizeLogin(login string) string {
	login = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, strings.ToLower(login))
	return strings.Join(strings.Fields(login), " ")
}

// throttleKey hashes a counter's name: the table never holds logins
// (people type passwords into the login field) or addresses in clear.
func throttleKey(kind, value string) string {
	h := sha256.Sum256([]byte("atrium sign-in throttle\x00" + kind + "\x00" + value))
	return hex.EncodeToString(h[:])
}

// ipBucket is the address a client is counted under: IPv6 clients by
// their /64, which one client usually holds whole.
func ipBucket(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// counter is one throttle counter of an attempt.
type counter struct {
	key  store.ThrottleKey
	what string // "login" or "client address", for the audit log
}

func (s *Service) counters(login, ip string) []counter {
	var cs []counter
	if s.thr.PerLogin > 0 {
		cs = append(cs, counter{store.ThrottleKey{Key: throttleKey("login", NormalizeLogin(login)), Limit: s.thr.PerLogin}, "login"})
	}
	if s.thr.PerIP > 0 && ip != "" {
		cs = append(cs, counter{store.ThrottleKey{Key: throttleKey("ip", ipBucket(ip)), Limit: s.thr.PerIP}, "client address"})
	}
	return cs
}

// attempt is a sign-in attempt the throttle let through.
type attempt struct {
	id       string
	counters []counter
	counts   []int // failures before this attempt
}

// reserve asks the throttle to let an attempt through; false means the
// login or the address is locked.
func (s *Service) reserve(ctx context.Context, login, ip string) (attempt, bool, error) {
	at := attempt{id: domain.NewID("att"), counters: s.counters(login, ip)}
	if len(at.counters) == 0 {
		return at, true, nil
	}
	keys := make([]store.ThrottleKey, len(at.counters))
	for i, c := range at.counters {
		keys[i] = c.key
	}
	now := time.Now()
	counts, ok, err := s.store.ReserveLoginAttempt(ctx, at.id, keys, now, now.Add(-s.thr.Window))
	at.counts = counts
	return at, ok, err
}

// succeeded takes a successful attempt back and resets its login's
// counter. A failure to do so is logged: the sign-in stands.
func (s *Service) succeeded(ctx context.Context, at attempt) {
	if len(at.counters) == 0 {
		return
	}
	var reset []string
	for _, c := range at.counters {
		if c.what == "login" {
			reset = append(reset, c.key.Key)
		}
	}
	if err := s.store.ForgiveLoginAttempt(ctx, at.id, reset); err != nil {
		s.log.Error("sign-in throttle not reset", "err", err)
	}
}

// failed records, for a failed attempt, the lockouts it starts: the
// counters it brought to their limit. base is the attempt's login event
// (account and target when the login names one user).
func (s *Service) failed(ctx context.Context, at attempt, base domain.AuditEvent) {
	for i, c := range at.counters {
		if i >= len(at.counts) || at.counts[i]+1 != c.key.Limit {
			continue
		}
		ev := base
		ev.Type, ev.Result = AuditLockout, domain.AuditDenied
		ev.Detail = map[string]string{"counter": c.what, "failures": strconv.Itoa(c.key.Limit), "window": s.thr.Window.String()}
		if l, ok := base.Detail["login"]; ok {
			ev.Detail["login"] = l
		}
		s.log.Warn("sign-in locked out", "counter", c.what, "ip", base.ClientIP, "window", s.thr.Window)
		s.auditAlone(ctx, ev)
	}
}
