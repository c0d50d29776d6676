package httpapi_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"atrium/internal/service"
)

// signIn posts a sign-in attempt without a cookie jar.
func signIn(t *testing.T, f *fixture, login, pw string) *resp {
	t.Helper()
	return f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": login, "password": pw})
}

// sameRefusal fails unless two refused sign-ins are indistinguishable:
// status, body and every header but the request id.
func sameRefusal(t *testing.T, what string, a, b *resp) {
	t.Helper()
	wantUnauthenticated(t, a)
	wantUnauthenticated(t, b)
	if !bytes.Equal(a.body, b.body) {
		t.Errorf("%s: bodies differ:\n%s\n%s", what, a.body, b.body)
	}
	for _, h := range []http.Header{a.header, b.header} {
		h.Del("X-Request-Id")
		h.Del("Date")
	}
	if len(a.header) != len(b.header) {
		t.Errorf("%s: headers differ:\n%v\n%v", what, a.header, b.header)
	}
	for k := range a.header {
		if a.header.Get(k) != b.header.Get(k) {
			t.Errorf("%s: header %s is %q and %q", what, k, a.header.Get(k), b.header.Get(k))
		}
	}
}

const wrong = "not the password at all"

// TestLoginLockout: after three failures a login is refused, even with
// the right password, in any case or spacing, with exactly the answer a
// wrong password gets, whether or not the login names anyone.
func TestLoginLockout(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, service.Options{Throttle: service.Throttle{PerLogin: 3, PerIP: -1}})
	alice := f.A.Owner
	carol := f.addUser(t, f.A, "carol")

	var firstWrong *resp
	for range 3 {
		firstWrong = signIn(t, f, "alice", wrong)
		wantUnauthenticated(t, firstWrong)
	}
	locked := signIn(t, f, "alice", password)

	t.Run("the right password after three failures is refused like a wrong one", func(t *testing.T) {
		sameRefusal(t, "locked vs wrong password", firstWrong, locked)
	})
	for _, variant := range []string{"ALICE", "  alice  ", "Alice\t", "\u2003alice\u00a0", "a\u200blice"} {
		t.Run("the variant "+strconv.Quote(variant)+" does not bypass the lockout", func(t *testing.T) {
			sameRefusal(t, "variant", firstWrong, signIn(t, f, variant, password))
		})
	}
	t.Run("an unknown login locks after as many failures, with the same answers", func(t *testing.T) {
		var unknownWrong *resp
		for range 3 {
			unknownWrong = signIn(t, f, "nobody-at-all", wrong)
		}
		sameRefusal(t, "wrong password, known vs unknown login", firstWrong, unknownWrong)
		sameRefusal(t, "locked, known vs unknown login", locked, signIn(t, f, "nobody-at-all", wrong))
	})
	t.Run("other logins are not affected", func(t *testing.T) {
		f.login(t, "carol")
		f.login(t, "bob")
	})
	t.Run("the lockout is audited once, against alice, with the counter that locked", func(t *testing.T) {
		evs := audit(t, alice.client, url.Values{"type": {"auth.lockout"}}).Events
		if len(evs) != 1 {
			t.Fatalf("lockout events %+v, want one", evs)
		}
		ev := evs[0]
		if ev.Target != "user:"+alice.ID || ev.Result != "denied" || ev.Detail["counter"] != "login" || ev.Detail["failures"] != "3" || ev.ClientIP != "127.0.0.1" {
			t.Errorf("lockout event %+v", ev)
		}
		for _, ev := range audit(t, f.B.Owner.client, url.Values{"type": {"auth.lockout"}}).Events {
			t.Errorf("account B sees %+v", ev)
		}
	})
	t.Run("a successful sign-in resets the login's counter", func(t *testing.T) {
		for range 2 {
			wantUnauthenticated(t, signIn(t, f, carol.Username, wrong))
		}
		f.login(t, carol.Username)
		for range 2 {
			wantUnauthenticated(t, signIn(t, f, carol.Username, wrong))
		}
		f.login(t, carol.Username) // four failures in the window, but never three in a row
	})
}

// TestLoginLockoutEndsWithItsWindow: failures older than the window no
// longer count.
func TestLoginLockoutEndsWithItsWindow(t *testing.T) {
	t.Parallel()
	window := 700 * time.Millisecond
	f := newFixtureWith(t, service.Options{Throttle: service.Throttle{PerLogin: 2, PerIP: -1, Window: window}})
	for range 2 {
		wantUnauthenticated(t, signIn(t, f, "alice", wrong))
	}
	wantUnauthenticated(t, signIn(t, f, "alice", password))
	time.Sleep(window + 100*time.Millisecond)
	f.login(t, "alice")
}

// TestLoginLockoutPerClientAddress: many logins tried from one address
// lock the address, for every login, and that is audited too.
func TestLoginLockoutPerClientAddress(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, service.Options{Throttle: service.Throttle{PerLogin: 100, PerIP: 4}})
	first := signIn(t, f, "bob", wrong)
	for _, login := range []string{"carol", "nobody", "alice"} {
		wantUnauthenticated(t, signIn(t, f, login, wrong))
	}
	sameRefusal(t, "address locked vs wrong password", first, signIn(t, f, "alice", password))
	sameRefusal(t, "address locked, another user", first, signIn(t, f, "bob", password))
	// The fourth failure named alice: the lockout is logged in her account.
	evs := audit(t, f.A.Owner.client, url.Values{"type": {"auth.lockout"}}).Events
	if len(evs) != 1 || evs[0].Detail["counter"] != "client address" || evs[0].Target != "user:"+f.A.Owner.ID {
		t.Errorf("lockout events %+v, want one of the client address against alice", evs)
	}
}
