package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"atrium/internal/identity"
	"atrium/internal/store"
)

type sessionInfo struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	Current   bool      `json:"current"`
}

func sessions(t *testing.T, c *client, path string) []sessionInfo {
	t.Helper()
	var l struct {
		Sessions []sessionInfo `json:"sessions"`
	}
	c.get(t, path).ok(t, 200).decode(t, &l)
	return l.Sessions
}

// current returns the session marked current, failing unless exactly one is.
func current(t *testing.T, ss []sessionInfo) sessionInfo {
	t.Helper()
	var cur []sessionInfo
	for _, s := range ss {
		if s.Current {
			cur = append(cur, s)
		}
	}
	if len(cur) != 1 {
		t.Fatalf("%d sessions marked current in %+v", len(cur), ss)
	}
	return cur[0]
}

// TestOwnSessions: users list their sessions without learning any secret,
// and a session they revoke is refused at once.
func TestOwnSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first := f.login(t, "alice")
	second := f.login(t, "alice")
	r := first.get(t, "/api/v1/me/sessions").ok(t, 200)
	list := sessions(t, first, "/api/v1/me/sessions")

	t.Run("both sessions are listed, the one in use marked current", func(t *testing.T) {
		if len(list) != 2 {
			t.Fatalf("sessions %+v", list)
		}
		cur := current(t, list)
		for _, s := range list {
			if !strings.HasPrefix(s.ID, "ses_") || s.IP != "127.0.0.1" || s.UserAgent == "" || !s.ExpiresAt.After(s.CreatedAt) {
				t.Errorf("session %+v", s)
			}
		}
		if other := current(t, sessions(t, second, "/api/v1/me/sessions")); other.ID == cur.ID {
			t.Errorf("both clients see %s as current", cur.ID)
		}
	})
	t.Run("the listing shows neither session secret nor its hash", func(t *testing.T) {
		for _, c := range []*client{first, second} {
			for _, secret := range []string{c.session, identity.HashSecret(c.session), c.csrf, identity.HashSecret(c.csrf)} {
				if strings.Contains(string(r.body), secret) {
					t.Errorf("the listing holds a secret or its hash: %s", r.body)
				}
			}
		}
	})
	t.Run("a session revoked by id is refused at once", func(t *testing.T) {
		target := current(t, sessions(t, second, "/api/v1/me/sessions"))
		second.get(t, "/api/v1/me").ok(t, 200) // cached as valid
		first.do(t, "DELETE", "/api/v1/me/sessions/"+target.ID, nil).ok(t, 204)
		wantUnauthenticated(t, second.get(t, "/api/v1/me"))
		first.get(t, "/api/v1/me").ok(t, 200)
		if left := sessions(t, first, "/api/v1/me/sessions"); len(left) != 1 || left[0].ID == target.ID {
			t.Errorf("sessions after the revocation %+v", left)
		}
	})
	t.Run("revoking an unknown session is 404", func(t *testing.T) {
		first.do(t, "DELETE", "/api/v1/me/sessions/ses_00000000000000000000000000000000", nil).fails(t, 404, "not_found", "-")
	})
	t.Run("another user's session id cannot be revoked through /me", func(t *testing.T) {
		bob := f.login(t, "bob")
		bobs := current(t, sessions(t, bob, "/api/v1/me/sessions"))
		first.do(t, "DELETE", "/api/v1/me/sessions/"+bobs.ID, nil).fails(t, 404, "not_found", "-")
		bob.get(t, "/api/v1/me").ok(t, 200)
	})
	t.Run("revoking the current session signs this client out and drops its cookie", func(t *testing.T) {
		cur := current(t, sessions(t, first, "/api/v1/me/sessions"))
		r := first.do(t, "DELETE", "/api/v1/me/sessions/"+cur.ID, nil).ok(t, 204)
		cleared := false
		for _, c := range r.cookies {
			cleared = cleared || c.Name == "atrium_session" && c.MaxAge < 0
		}
		if !cleared {
			t.Errorf("the cookie was not cleared: %v", r.cookies)
		}
		// A client that kept the old cookie anyway is refused.
		wantUnauthenticated(t, f.anon().do(t, "GET", "/api/v1/me", nil, header{"Cookie", "atrium_session=" + first.session}))
	})
	t.Run("the revocations are audited", func(t *testing.T) {
		evs := audit(t, f.A.Owner.client, map[string][]string{"type": {"session.revoke"}}).Events
		ok := 0
		for _, ev := range evs {
			if ev.Result == "ok" && ev.Actor == f.A.Owner.ID && strings.HasPrefix(ev.Detail["session"], "ses_") {
				ok++
			}
		}
		if ok != 2 {
			t.Errorf("session.revoke events %+v, want two successful ones", evs)
		}
	})
}

// TestAdminSessions: user managers list and end the sessions of their
// account's users, and see their tokens; nobody reaches another account's.
func TestAdminSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob := f.A.Owner, f.B.Owner
	dave := f.addUser(t, f.A, "dave")
	erin := f.addUser(t, f.A, "erin")
	daveSess := f.login(t, "dave")
	aliceSess := f.login(t, "alice")

	denied := []struct {
		name   string
		c      *client
		method string
		path   string
		status int
		code   string
	}{
		{"another account's owner cannot list dave's sessions", bob.client, "GET", "/api/v1/users/" + dave.ID + "/sessions", 404, "not_found"},
		{"another account's owner cannot end dave's sessions", bob.client, "DELETE", "/api/v1/users/" + dave.ID + "/sessions", 404, "not_found"},
		{"another account's owner cannot list dave's tokens", bob.client, "GET", "/api/v1/users/" + dave.ID + "/tokens", 404, "not_found"},
		{"a user without manage_users cannot list alice's sessions", erin.client, "GET", "/api/v1/users/" + alice.ID + "/sessions", 403, "forbidden"},
		{"a user without manage_users cannot end alice's sessions", erin.client, "DELETE", "/api/v1/users/" + alice.ID + "/sessions", 403, "forbidden"},
		{"a user without manage_api_tokens cannot list alice's tokens", erin.client, "GET", "/api/v1/users/" + alice.ID + "/tokens", 403, "forbidden"},
		{"an unknown user is 404", alice.client, "GET", "/api/v1/users/user_nobody/sessions", 404, "not_found"},
	}
	for _, d := range denied {
		t.Run(d.name, func(t *testing.T) {
			d.c.do(t, d.method, d.path, nil).fails(t, d.status, d.code, "-")
		})
	}
	t.Run("the refused requests ended no session", func(t *testing.T) {
		daveSess.get(t, "/api/v1/me").ok(t, 200)
		aliceSess.get(t, "/api/v1/me").ok(t, 200)
	})
	t.Run("the owner lists dave's sessions, none of them current for her", func(t *testing.T) {
		ss := sessions(t, alice.client, "/api/v1/users/"+dave.ID+"/sessions")
		if len(ss) != 1 || ss[0].Current {
			t.Errorf("dave's sessions %+v", ss)
		}
	})
	t.Run("the owner lists dave's tokens, without secrets", func(t *testing.T) {
		var l struct {
			Tokens []store.Token `json:"tokens"`
		}
		r := alice.get(t, "/api/v1/users/"+dave.ID+"/tokens").ok(t, 200).decode(t, &l)
		if len(l.Tokens) != 1 || l.Tokens[0].ID != dave.TokenID || l.Tokens[0].UserID != dave.ID {
			t.Errorf("dave's tokens %+v", l.Tokens)
		}
		if strings.Contains(string(r.body), dave.token) || strings.Contains(string(r.body), identity.HashSecret(dave.token)) {
			t.Errorf("the listing holds a token secret or hash: %s", r.body)
		}
	})
	t.Run("the owner ends all of dave's sessions, which are refused at once", func(t *testing.T) {
		alice.do(t, "DELETE", "/api/v1/users/"+dave.ID+"/sessions", nil).ok(t, 204)
		wantUnauthenticated(t, daveSess.get(t, "/api/v1/me"))
		if ss := sessions(t, alice.client, "/api/v1/users/"+dave.ID+"/sessions"); len(ss) != 0 {
			t.Errorf("dave still has %+v", ss)
		}
		dave.get(t, "/api/v1/me").ok(t, 200) // his API token is not a session
		ev := find(t, audit(t, alice.client, map[string][]string{"type": {"session.revoke"}}), "session.revoke", "user:"+dave.ID)
		if ev.Result != "ok" || ev.Actor != alice.ID || ev.Detail["sessions"] != "1" {
			t.Errorf("audit event %+v", ev)
		}
	})
}
