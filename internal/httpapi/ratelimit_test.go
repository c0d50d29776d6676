package httpapi_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// wantLimited fails unless r is a 429 rate_limited with a Retry-After of
// whole seconds from lo to hi, and returns it.
func wantLimited(t *testing.T, r *resp, lo, hi int) int {
	t.Helper()
	r.fails(t, http.StatusTooManyRequests, "rate_limited", "-")
	n, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || n < lo || n > hi {
		t.Errorf("%v: Retry-After %q, want whole seconds from %d to %d", r, r.header.Get("Retry-After"), lo, hi)
	}
	return n
}

// sameAnswer fails unless two answers are indistinguishable: status,
// body and every header but the request id and date.
func sameAnswer(t *testing.T, what string, a, b *resp) {
	t.Helper()
	if a.status != b.status || !bytes.Equal(a.body, b.body) {
		t.Errorf("%s: answers differ:\n%v\n%v", what, a, b)
	}
	ha, hb := a.header.Clone(), b.header.Clone()
	for _, h := range []http.Header{ha, hb} {
		h.Del("X-Request-Id")
		h.Del("Date")
	}
	if len(ha) != len(hb) {
		t.Errorf("%s: headers differ:\n%v\n%v", what, ha, hb)
	}
	for k := range ha {
		if ha.Get(k) != hb.Get(k) {
			t.Errorf("%s: header %s is %q and %q", what, k, ha.Get(k), hb.Get(k))
		}
	}
}

// TestRateLimitPerEmail: sign-up and password-reset requests naming one
// email or login are limited, in any case or spacing, with one answer
// whether or not the email or login names anyone.
func TestRateLimitPerEmail(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, service.Options{RateLimit: service.RateLimit{PerIP: -1, PerEmail: 2, Window: time.Hour}})
	setRules(t, f.A.Owner.client, obj{"mode": "open"})
	n := 0
	endpoints := []struct {
		name, path     string
		body           func(login string) obj
		known, unknown string
		variants       []string
		other          string
	}{
		{"sign-up", "/api/v1/auth/signup",
			func(email string) obj {
				n++
				return obj{"account": f.A.Account, "username": fmt.Sprintf("zed%d", n), "email": email, "password": password}
			},
			"alice@alpha.example", "nobody@alpha.example",
			[]string{"ALICE@Alpha.Example", "  alice@alpha.example\t", "alice\u200b@alpha.example", "\u2003alice@alpha.example\u00a0"},
			"carol@alpha.example"},
		{"password reset", "/api/v1/auth/password-reset",
			func(login string) obj { return obj{"login": login} },
			"alice", "nobody",
			[]string{"ALICE", " alice ", "a\u200blice", "\u2003Alice\u00a0"},
			"bob"},
	}
	for _, ep := range endpoints {
		t.Run(ep.name+": the third request for an email in the window is refused, the same for known and unknown ones", func(t *testing.T) {
			for range 2 {
				f.anon().do(t, "POST", ep.path, ep.body(ep.known)).ok(t, 202)
				f.anon().do(t, "POST", ep.path, ep.body(ep.unknown)).ok(t, 202)
			}
			known := f.anon().do(t, "POST", ep.path, ep.body(ep.known))
			unknown := f.anon().do(t, "POST", ep.path, ep.body(ep.unknown))
			wantLimited(t, known, 3600, 3600)
			sameAnswer(t, "known vs unknown email", known, unknown)
			for _, v := range ep.variants {
				sameAnswer(t, "variant "+strconv.Quote(v), known, f.anon().do(t, "POST", ep.path, ep.body(v)))
			}
			f.anon().do(t, "POST", ep.path, ep.body(ep.other)).ok(t, 202)
		})
	}
	t.Run("refused reset requests send no mail", func(t *testing.T) {
		resets := 0
		for _, body := range f.mailBodies(t, f.A.Owner.Email) {
			if tokenRE.MatchString(body) {
				resets++
			}
		}
		if resets != 2 {
			t.Errorf("alice got %d reset mails, want 2", resets)
		}
	})
}

// TestRateLimitPerClientAddress: each public endpoint that mails or takes
// a token answers 429 after its limit of requests from one address, and
// counts apart from the others.
func TestRateLimitPerClientAddress(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, service.Options{RateLimit: service.RateLimit{PerIP: 3, PerEmail: -1, Window: time.Hour}})
	setRules(t, f.A.Owner.client, obj{"mode": "open"})
	endpoints := []struct {
		name, path string
		body       func(i int) obj
		status     int
	}{
		{"sign-up", "/api/v1/auth/signup", func(i int) obj {
			return obj{"account": f.A.Account, "username": fmt.Sprintf("p%d", i), "email": fmt.Sprintf("p%d@alpha.example", i), "password": password}
		}, 202},
		{"password reset", "/api/v1/auth/password-reset", func(i int) obj { return obj{"login": fmt.Sprintf("nobody%d", i)} }, 202},
		{"email verification", "/api/v1/auth/verify-email", func(i int) obj { return obj{"token": fmt.Sprintf("atv_bogus%d", i)} }, 400},
		{"reset confirmation", "/api/v1/auth/password-reset/confirm", func(i int) obj {
			return obj{"token": fmt.Sprintf("atp_bogus%d", i), "password": "a brand new passphrase"}
		}, 400},
		{"accepting an invitation", "/api/v1/auth/accept-invitation", func(i int) obj {
			return obj{"token": fmt.Sprintf("ati_bogus%d", i), "username": fmt.Sprintf("q%d", i), "password": password}
		}, 400},
	}
	for _, ep := range endpoints {
		t.Run(ep.name+" refuses the fourth request from one address, whatever it names", func(t *testing.T) {
			for i := range 3 {
				f.anon().do(t, "POST", ep.path, ep.body(i)).ok(t, ep.status)
			}
			wantLimited(t, f.anon().do(t, "POST", ep.path, ep.body(3)), 3590, 3600)
		})
	}
	t.Run("signing in is not counted by the public limits", func(t *testing.T) {
		f.login(t, "alice")
	})
}

// TestRateLimitTokenEndpointsCountOnlyFailures: a token used successfully
// is taken back from its address's count, so a busy office behind one
// address is not refused for succeeding.
func TestRateLimitTokenEndpointsCountOnlyFailures(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, service.Options{RateLimit: service.RateLimit{PerIP: 2, PerEmail: -1, Window: time.Hour}})
	alice := f.A.Owner
	cases := []struct {
		name, path string
		good       func(t *testing.T) obj
		bad        obj
		status     int
		badStatus  int
	}{
		{"email verification", "/api/v1/auth/verify-email", func(t *testing.T) obj {
			u := f.pendingUser(t, f.A, "erin")
			alice.do(t, "POST", "/api/v1/users/"+u.ID+"/verification", nil).ok(t, 202)
			return obj{"token": f.lastToken(t, u.Email)}
		}, obj{"token": "atv_bogus"}, 204, 400},
		{"reset confirmation", "/api/v1/auth/password-reset/confirm", func(t *testing.T) obj {
			dave := f.addUser(t, f.A, "dave")
			f.anon().do(t, "POST", "/api/v1/auth/password-reset", obj{"login": "dave"}).ok(t, 202)
			return obj{"token": f.lastToken(t, dave.Email), "password": "a brand new passphrase"}
		}, obj{"token": "atp_bogus", "password": "a brand new passphrase"}, 204, 400},
		{"accepting an invitation", "/api/v1/auth/accept-invitation", func(t *testing.T) obj {
			alice.do(t, "POST", "/api/v1/invitations", obj{"email": "ivy@alpha.example"}).ok(t, 201)
			return obj{"token": f.inviteToken(t, "ivy@alpha.example"), "username": "ivy", "password": password}
		}, obj{"token": "ati_bogus", "username": "ivo", "password": password}, 201, 400},
	}
	for _, c := range cases {
		t.Run(c.name+": a success does not count, two failures do", func(t *testing.T) {
			f.anon().do(t, "POST", c.path, c.good(t)).ok(t, c.status)
			f.anon().do(t, "POST", c.path, c.bad).ok(t, c.badStatus)
			f.anon().do(t, "POST", c.path, c.bad).ok(t, c.badStatus)
			wantLimited(t, f.anon().do(t, "POST", c.path, c.bad), 3590, 3600)
		})
	}
}

// TestRateLimitEndsWithItsWindow: Retry-After tells when the client's own
// oldest request leaves the window, and then it is let through.
func TestRateLimitEndsWithItsWindow(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, service.Options{RateLimit: service.RateLimit{PerIP: 1, PerEmail: -1, Window: 800 * time.Millisecond}})
	f.anon().do(t, "POST", "/api/v1/auth/verify-email", obj{"token": "atv_bogus"}).ok(t, 400)
	wantLimited(t, f.anon().do(t, "POST", "/api/v1/auth/verify-email", obj{"token": "atv_bogus"}), 1, 1)
	time.Sleep(900 * time.Millisecond)
	f.anon().do(t, "POST", "/api/v1/auth/verify-email", obj{"token": "atv_bogus"}).ok(t, 400)
}

// TestRateLimitRefusalsAreAudited: a refusal is logged once per counter
// and window, in the account the request names when it names one, and
// nowhere else.
func TestRateLimitRefusalsAreAudited(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, service.Options{RateLimit: service.RateLimit{PerIP: -1, PerEmail: 1, Window: time.Hour}})
	alice := f.A.Owner
	setRules(t, alice.client, obj{"mode": "open"})
	f.anon().do(t, "POST", "/api/v1/auth/password-reset", obj{"login": "alice"}).ok(t, 202)
	for range 3 {
		wantLimited(t, f.anon().do(t, "POST", "/api/v1/auth/password-reset", obj{"login": "ALICE"}), 3600, 3600)
	}
	signup := obj{"account": f.A.Account, "username": "mallory", "email": "mallory@alpha.example", "password": password}
	f.anon().do(t, "POST", "/api/v1/auth/signup", signup).ok(t, 202)
	for range 2 {
		wantLimited(t, f.anon().do(t, "POST", "/api/v1/auth/signup", signup), 3600, 3600)
	}
	f.svc.WaitBackground()

	evs := audit(t, alice.client, url.Values{"type": {service.AuditRateLimit}}).Events
	byAction := map[string][]auditEvent{}
	for _, ev := range evs {
		byAction[ev.Detail["action"]] = append(byAction[ev.Detail["action"]], ev)
	}
	t.Run("three refused resets for alice are one entry against her", func(t *testing.T) {
		got := byAction[service.RatePasswordReset]
		if len(got) != 1 {
			t.Fatalf("reset refusals %+v, want one", got)
		}
		ev := got[0]
		if ev.Target != "user:"+alice.ID || ev.Result != domain.AuditDenied || ev.ClientIP != "127.0.0.1" ||
			ev.Detail["counter"] != "email or login" || ev.Detail["limit"] != "1" || ev.Detail["window"] != "1h0m0s" {
			t.Errorf("reset refusal %+v", ev)
		}
	})
	t.Run("two refused sign-ups into the account are one entry in its log", func(t *testing.T) {
		if got := byAction[service.RateSignup]; len(got) != 1 || got[0].Detail["login"] != "mallory@alpha.example" {
			t.Errorf("sign-up refusals %+v, want one naming the email", got)
		}
	})
	t.Run("the other account sees none of it", func(t *testing.T) {
		if evs := audit(t, f.B.Owner.client, url.Values{"type": {service.AuditRateLimit}}).Events; len(evs) != 0 {
			t.Errorf("account B sees %+v", evs)
		}
	})
}
