package httpapi_test

import (
	"net/url"
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// mfaOn reports whether a user has two-factor sign-in on, as the user
// sees it.
func mfaOn(t *testing.T, c *client) bool {
	t.Helper()
	return c.get(t, "/api/v1/me/mfa").ok(t, 200).m(t)["totp"] == true
}

// TestAdminMFAReset: a user manager removes the second factor of a user
// who lost it, within the account and the owner rule, and the user's
// sessions end; everything else is refused and the factor stays.
func TestAdminMFAReset(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.A.Owner
	adam := f.addUser(t, f.A, "adam", "admin")
	carol := f.addUser(t, f.A, "carol")
	oscar := f.addUser(t, f.A, "oscar", "owner")
	gil := f.addUser(t, f.A, "gil")
	alice.do(t, "PUT", "/api/v1/groups/"+builtinGroup(t, alice.client, domain.BuiltinAdministrators)+"/members/user:"+gil.ID, nil).ok(t, 204)
	gina := f.addUser(t, f.A, "gina")
	ginaSession := f.login(t, "gina")
	for _, m := range []*member{gina, oscar, gil} {
		enableTOTP(t, m.client)
	}
	reset := func(as *member, target string) *resp {
		return as.do(t, "DELETE", "/api/v1/users/"+target+"/mfa", nil)
	}

	refusals := []struct {
		name   string
		as     *member
		target *member
		status int
		code   string
	}{
		{"a user without manage_users is forbidden", carol, gina, 403, "forbidden"},
		{"the owner of another account does not find the user", f.B.Owner, gina, 404, "not_found"},
		{"an admin may not reset an owner's factor", adam, oscar, 403, "forbidden"},
		{"an admin may not reset the factor of an admin through the Administrators group", adam, gil, 403, "forbidden"},
		{"nobody resets their own factor this way", gina, gina, 403, "forbidden"},
		{"an owner does not reset their own either", oscar, oscar, 403, "forbidden"},
	}
	for _, c := range refusals {
		t.Run(c.name+", and the factor stays", func(t *testing.T) {
			reset(c.as, c.target.ID).fails(t, c.status, c.code, "-")
			if !mfaOn(t, c.target.client) {
				t.Errorf("%s's factor is gone", c.target.Username)
			}
		})
	}
	t.Run("an unknown or malformed user id is not found", func(t *testing.T) {
		for _, id := range []string{"usr_nope", "a%20b", "%2e%2e"} {
			reset(alice, id).fails(t, 404, "not_found", "-")
		}
	})
	t.Run("before the reset gina's password alone opens no session", func(t *testing.T) {
		r, opened := mfaSignIn(t, f, obj{"login": "gina", "password": password})
		if opened {
			t.Fatalf("%v opened a session", r)
		}
		r.fails(t, 401, "mfa_required", "-")
	})
	t.Run("an admin resets a user's factor: it is gone, her sessions end, her password alone signs her in", func(t *testing.T) {
		reset(adam, gina.ID).ok(t, 204)
		if mfaOn(t, gina.client) {
			t.Error("the factor is still on")
		}
		wantUnauthenticated(t, ginaSession.get(t, "/api/v1/me"))
		if r, opened := mfaSignIn(t, f, obj{"login": "gina", "password": password}); r.status != 200 || !opened {
			t.Errorf("%v; want a session", r)
		}
	})
	t.Run("a user without a factor has none to reset", func(t *testing.T) {
		reset(adam, gina.ID).fails(t, 404, "not_found", "-")
	})
	t.Run("a token without the admin scope may not reset", func(t *testing.T) {
		read := f.bearer(mkToken(t, alice.client, "rw", []string{"read", "write"}).Secret)
		read.do(t, "DELETE", "/api/v1/users/"+oscar.ID+"/mfa", nil).fails(t, 403, "insufficient_scope", "-")
	})
	t.Run("an owner resets another owner's factor", func(t *testing.T) {
		reset(alice, oscar.ID).ok(t, 204)
		if mfaOn(t, oscar.client) {
			t.Error("oscar's factor is still on")
		}
	})
	t.Run("resets and refusals are audited against the user", func(t *testing.T) {
		evs := audit(t, alice.client, url.Values{"type": {service.AuditMFAReset}}).Events
		var ok, denied int
		for _, ev := range evs {
			switch ev.Result {
			case domain.AuditOK:
				ok++
				if ev.Target == "user:"+gina.ID && (ev.Actor != adam.ID || ev.Detail["mfa"] != "totp" || ev.Detail["sessions"] != "1") {
					t.Errorf("gina's reset %+v", ev)
				}
			case domain.AuditDenied:
				denied++
			}
		}
		if ok != 2 || denied < 5 {
			t.Errorf("%d resets and %d refusals audited, want 2 and at least 5: %+v", ok, denied, evs)
		}
	})
}

// TestAdminRevokesOneSession: a user manager ends one session of a user
// by its id; the user's other sessions go on.
func TestAdminRevokesOneSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.A.Owner
	adam := f.addUser(t, f.A, "adam", "admin")
	dave := f.addUser(t, f.A, "dave")
	first, second := f.login(t, "dave"), f.login(t, "dave")
	ss := sessions(t, alice.client, "/api/v1/users/"+dave.ID+"/sessions")
	if len(ss) != 2 {
		t.Fatalf("dave's sessions %+v", ss)
	}
	firstID := current(t, sessions(t, first, "/api/v1/me/sessions")).ID
	path := "/api/v1/users/" + dave.ID + "/sessions/" + firstID

	t.Run("another account's owner does not find it", func(t *testing.T) {
		f.B.Owner.do(t, "DELETE", path, nil).fails(t, 404, "not_found", "-")
	})
	t.Run("an admin may not end an owner's session", func(t *testing.T) {
		aliceSession := f.login(t, "alice")
		id := current(t, sessions(t, aliceSession, "/api/v1/me/sessions")).ID
		adam.do(t, "DELETE", "/api/v1/users/"+alice.ID+"/sessions/"+id, nil).fails(t, 403, "forbidden", "-")
		aliceSession.get(t, "/api/v1/me").ok(t, 200)
	})
	t.Run("a session id of another user is not found", func(t *testing.T) {
		adam.do(t, "DELETE", "/api/v1/users/"+adam.ID+"/sessions/"+firstID, nil).fails(t, 404, "not_found", "-")
		first.get(t, "/api/v1/me").ok(t, 200)
	})
	t.Run("an admin ends one session, and only that one", func(t *testing.T) {
		adam.do(t, "DELETE", path, nil).ok(t, 204)
		wantUnauthenticated(t, first.get(t, "/api/v1/me"))
		second.get(t, "/api/v1/me").ok(t, 200)
		adam.do(t, "DELETE", path, nil).fails(t, 404, "not_found", "-")
	})
}

// TestRecoveryCodeRegeneration: a user with a factor replaces their
// recovery codes, confirming with their password or a current code; the
// old codes stop working at once.
func TestRecoveryCodeRegeneration(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, service.Options{Throttle: service.Throttle{PerLogin: 4, PerIP: -1}})
	alice := f.login(t, "alice")
	carol := f.addUser(t, f.A, "carol")
	secret, old := enableTOTP(t, alice)
	const path = "/api/v1/me/mfa/recovery-codes"
	var codes []string
	regenerate := func(t *testing.T, body obj) {
		t.Helper()
		var rc struct {
			Codes []string `json:"recovery_codes"`
		}
		alice.do(t, "POST", path, body).ok(t, 200).decode(t, &rc)
		if len(rc.Codes) != 10 {
			t.Fatalf("new codes %v", rc.Codes)
		}
		codes = rc.Codes
	}

	t.Run("a user without a factor has no codes to replace", func(t *testing.T) {
		carol.do(t, "POST", path, obj{"current_password": password}).fails(t, 409, "mfa_not_enabled", "-")
	})
	t.Run("neither password nor code is a validation error", func(t *testing.T) {
		alice.do(t, "POST", path, obj{}).fails(t, 422, "validation_failed", "current_password")
	})
	t.Run("a wrong password or code is refused and the codes stay", func(t *testing.T) {
		alice.do(t, "POST", path, obj{"current_password": "not my password at all"}).fails(t, 422, "invalid_password", "current_password")
		alice.do(t, "POST", path, obj{"code": codeAt(t, secret, time.Now().Add(-10*time.Minute))}).fails(t, 422, "invalid_code", "code")
		if m := alice.get(t, "/api/v1/me/mfa").ok(t, 200).m(t); m["recovery_codes_left"] != float64(10) {
			t.Errorf("status %v", m)
		}
	})
	t.Run("a token without the admin scope may not", func(t *testing.T) {
		rw := f.bearer(mkToken(t, alice, "rw", []string{"read", "write"}).Secret)
		rw.do(t, "POST", path, obj{"current_password": password}).fails(t, 403, "insufficient_scope", "-")
	})
	t.Run("the current password gives ten new codes; the old ones no longer sign in, the new ones do", func(t *testing.T) {
		regenerate(t, obj{"current_password": password})
		r, opened := mfaSignIn(t, f, obj{"login": "alice", "password": password, "recovery_code": old[0]})
		if opened {
			t.Fatalf("an old recovery code opened a session: %v", r)
		}
		r.fails(t, 401, "mfa_required", "-")
		if r, opened := mfaSignIn(t, f, obj{"login": "alice", "password": password, "recovery_code": codes[0]}); !opened {
			t.Errorf("a new recovery code: %v", r)
		}
	})
	t.Run("a current code gives new codes too, and is spent", func(t *testing.T) {
		before := codes
		code := codeAt(t, secret, time.Now().Add(30*time.Second))
		regenerate(t, obj{"code": code})
		if codes[0] == before[0] {
			t.Error("the codes did not change")
		}
		alice.do(t, "POST", path, obj{"code": code}).fails(t, 422, "invalid_code", "code")
	})
	t.Run("wrong passwords count toward the sign-in throttle: after four, the right one is refused too", func(t *testing.T) {
		for range 4 {
			alice.do(t, "POST", path, obj{"current_password": "still not my password"}).fails(t, 422, "invalid_password", "current_password")
		}
		alice.do(t, "POST", path, obj{"current_password": password}).fails(t, 422, "invalid_password", "current_password")
	})
	t.Run("replacements are audited with what confirmed them", func(t *testing.T) {
		evs := audit(t, f.A.Owner.client, url.Values{"type": {service.AuditMFARecoveryCodes}}).Events
		by := map[string]int{}
		for _, ev := range evs {
			by[ev.Result+" "+ev.Detail["confirmed_by"]]++
		}
		if by["ok password"] != 1 || by["ok totp"] != 1 || by["denied password"] < 5 || by["denied totp"] != 2 {
			t.Errorf("audited replacements %+v", evs)
		}
	})
}
