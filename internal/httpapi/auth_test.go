package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/httpapi"
	"atrium/internal/service"
)

// wantUnauthenticated checks the one 401 every credential failure gives.
func wantUnauthenticated(t *testing.T, r *resp) {
	t.Helper()
	r.fails(t, http.StatusUnauthorized, "unauthenticated", "-")
	if r.status == http.StatusUnauthorized && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("%v: WWW-Authenticate = %q, want a Bearer challenge", r, r.header.Get("WWW-Authenticate"))
	}
}

// groupCount counts the groups of the owner's account.
func groupCount(t *testing.T, c *client) int {
	t.Helper()
	var l struct {
		Groups []domain.Group `json:"groups"`
	}
	c.get(t, "/api/v1/groups").ok(t, 200).decode(t, &l)
	return len(l.Groups)
}

// TestMissingOrWrongCredentials: every way of not being signed in is the
// same 401 unauthenticated with a Bearer challenge, on reads and writes,
// and a write without credentials creates nothing.
func TestMissingOrWrongCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	valid := f.A.Owner.token
	offByOne := valid[:len(valid)-1] + "a"
	if strings.HasSuffix(valid, "a") {
		offByOne = valid[:len(valid)-1] + "b"
	}
	creds := []struct {
		name string
		hs   []header
	}{
		{"no credentials at all", nil},
		{"a Bearer token that was never issued", []header{{"Authorization", "Bearer atr_0000000000000000000000000000000000000000000"}}},
		{"a valid token with its last character changed", []header{{"Authorization", "Bearer " + offByOne}}},
		{"a Bearer token without the atr_ prefix", []header{{"Authorization", "Bearer hello"}}},
		{"the word Bearer alone", []header{{"Authorization", "Bearer"}}},
		{"the Basic scheme with a user and password", []header{{"Authorization", "Basic YWxpY2U6Y29ycmVjdCBob3JzZSBiYXR0ZXJ5"}}},
		{"a valid token without a scheme", []header{{"Authorization", valid}}},
		{"a token of 10 kB", []header{{"Authorization", "Bearer atr_" + strings.Repeat("x", 10000)}}},
		{"a session cookie that was never issued", []header{{"Cookie", httpapi.SessionCookie + "=ats_forgedforgedforgedforged"}}},
		{"a session cookie without the ats_ prefix", []header{{"Cookie", httpapi.SessionCookie + "=whatever"}}},
		{"the token presented as a session cookie", []header{{"Cookie", httpapi.SessionCookie + "=" + valid}}},
	}
	routes := []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/me", nil},
		{"GET", "/api/v1/records", nil},
		{"POST", "/api/v1/groups", obj{"name": "Intruders"}},
		{"POST", "/api/v1/tokens", obj{"name": "stolen"}},
	}
	before := groupCount(t, f.A.Owner.client)
	for _, cr := range creds {
		for _, rt := range routes {
			t.Run(cr.name+" on "+rt.method+" "+strings.ReplaceAll(rt.path, "/", "⁄")+" is 401 unauthenticated", func(t *testing.T) {
				wantUnauthenticated(t, f.anon().do(t, rt.method, rt.path, rt.body, cr.hs...))
			})
		}
	}
	t.Run("and none of those writes created anything", func(t *testing.T) {
		if n := groupCount(t, f.A.Owner.client); n != before {
			t.Errorf("groups: %d, had %d", n, before)
		}
	})
	t.Run("public routes answer without credentials", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz", "/api/v1/openapi.json", "/"} {
			f.anon().get(t, p).ok(t, 200)
		}
	})
	t.Run("a public route with a wrong token is 401, so the client learns its token is bad", func(t *testing.T) {
		wantUnauthenticated(t, f.bearer("atr_nope").get(t, "/healthz"))
		wantUnauthenticated(t, f.bearer("atr_nope").do(t, "POST", "/api/v1/auth/login", obj{"login": "alice", "password": password}))
	})
}

// TestTokensThatEnded: a revoked or expired token is 401 from the next
// request on.
func TestTokensThatEnded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	t.Run("a token revoked by its user is 401 on the next request", func(t *testing.T) {
		var tok struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		}
		f.A.Owner.do(t, "POST", "/api/v1/tokens", obj{"name": "short-lived"}).ok(t, 201).decode(t, &tok)
		c := f.bearer(tok.Token)
		c.get(t, "/api/v1/me").ok(t, 200)
		c.do(t, "DELETE", "/api/v1/tokens/"+tok.ID, nil).ok(t, 204)
		wantUnauthenticated(t, c.get(t, "/api/v1/me"))
		wantUnauthenticated(t, c.do(t, "POST", "/api/v1/groups", obj{"name": "After revocation"}))
	})
	t.Run("an expired token is 401", func(t *testing.T) {
		tok, err := f.svc.IssueToken(f.ctx, f.A.Owner.ID, "expiring", time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		wantUnauthenticated(t, f.bearer(tok.Secret).get(t, "/api/v1/me"))
	})
	t.Run("the other tokens of the user keep working", func(t *testing.T) {
		f.A.Owner.get(t, "/api/v1/me").ok(t, 200)
	})
}

// TestDeactivatedOrBannedUsersLoseAccessAtOnce: when an owner deactivates
// or bans a user through PATCH /api/v1/users/{id}, that user's token and
// session are refused on their very next request, and they cannot sign in.
func TestDeactivatedOrBannedUsersLoseAccessAtOnce(t *testing.T) {
	t.Parallel()
	for _, status := range []string{"deactivated", "banned"} {
		t.Run("a "+status+" user's token and session stop working at once", func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			carol := f.addUser(t, f.A, "carol")
			sess := f.login(t, "carol")
			carol.get(t, "/api/v1/me").ok(t, 200)
			sess.get(t, "/api/v1/me").ok(t, 200)

			var u domain.User
			f.A.Owner.do(t, "PATCH", "/api/v1/users/"+carol.ID, obj{"status": status}).ok(t, 200).decode(t, &u)
			if string(u.Status) != status {
				t.Fatalf("status after PATCH = %q", u.Status)
			}
			wantUnauthenticated(t, carol.get(t, "/api/v1/me"))
			wantUnauthenticated(t, carol.get(t, "/api/v1/records"))
			wantUnauthenticated(t, sess.get(t, "/api/v1/me"))
			wantUnauthenticated(t, sess.do(t, "POST", "/api/v1/tokens", obj{"name": "escape hatch"}))
			// The session is gone, not only refused: replaying the cookie fails too.
			wantUnauthenticated(t, f.anon().do(t, "GET", "/api/v1/me", nil, header{"Cookie", httpapi.SessionCookie + "=" + sess.session}))
			wantUnauthenticated(t, f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "carol", "password": password}))

			if status == "deactivated" {
				// Reactivation lets the user sign in again, but the old token stays revoked.
				f.A.Owner.do(t, "PATCH", "/api/v1/users/"+carol.ID, obj{"status": "active"}).ok(t, 200)
				wantUnauthenticated(t, carol.get(t, "/api/v1/me"))
				f.login(t, "carol").get(t, "/api/v1/me").ok(t, 200)
			}
		})
	}
}

// TestSignInFailuresLookAlike: a wrong password, an unknown user and a
// user who may not sign in all get the very same 401 body, and no cookie.
func TestSignInFailuresLookAlike(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, u := range []struct{ name, status string }{{"dave", "deactivated"}, {"bill", "banned"}} {
		f.A.Owner.do(t, "POST", "/api/v1/users", obj{"username": u.name, "email": u.name + "@alpha.example", "password": password, "status": "active"}).ok(t, 201)
	}
	var users struct {
		Users []domain.User `json:"users"`
	}
	f.A.Owner.get(t, "/api/v1/users").ok(t, 200).decode(t, &users)
	for _, u := range users.Users {
		switch u.Username {
		case "dave":
			f.A.Owner.do(t, "PATCH", "/api/v1/users/"+u.ID, obj{"status": "deactivated"}).ok(t, 200)
		case "bill":
			f.A.Owner.do(t, "PATCH", "/api/v1/users/"+u.ID, obj{"status": "banned"}).ok(t, 200)
		}
	}
	f.A.Owner.do(t, "POST", "/api/v1/users", obj{"username": "penny", "email": "penny@alpha.example", "password": password, "status": "pending"}).ok(t, 201)

	attempts := []struct {
		name string
		body obj
	}{
		{"a wrong password for a real user", obj{"login": "alice", "password": "wrong password!!"}},
		{"a user who does not exist", obj{"login": "nobody", "password": password}},
		{"an email nobody has", obj{"login": "nobody@alpha.example", "password": password}},
		{"a deactivated user with the right password", obj{"login": "dave", "password": password}},
		{"a banned user with the right password", obj{"login": "bill", "password": password}},
		{"a pending user with the right password", obj{"login": "penny", "password": password}},
		{"a real user narrowed to another account", obj{"login": "alice", "password": password, "account": f.B.Account}},
		{"an empty password", obj{"login": "alice", "password": ""}},
		{"an empty login", obj{"login": "", "password": password}},
		{"a login of 300 characters", obj{"login": strings.Repeat("a", 300), "password": password}},
	}
	var first []byte
	for _, a := range attempts {
		t.Run(a.name+" is the same 401 as every other failure", func(t *testing.T) {
			r := f.anon().do(t, "POST", "/api/v1/auth/login", a.body)
			wantUnauthenticated(t, r)
			if len(r.cookies) > 0 {
				t.Errorf("a failed sign-in set cookies %v", r.cookies)
			}
			if first == nil {
				first = r.body
			} else if !bytes.Equal(first, r.body) {
				t.Errorf("body %s differs from %s", r.body, first)
			}
		})
	}
}

// TestSignInByEmailIgnoresCase: the owner's email was registered as
// Alice@Alpha.example; any casing of it, and the username, sign in.
func TestSignInByEmailIgnoresCase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, login := range []string{"Alice@alpha.example", "alice@alpha.example", "ALICE@ALPHA.EXAMPLE", "aLiCe@AlPhA.eXaMpLe", "  alice@alpha.example  ", "alice", "ALICE"} {
		t.Run("signing in as "+strings.TrimSpace(login)+" works", func(t *testing.T) {
			var out struct {
				User domain.User `json:"user"`
			}
			f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": login, "password": password}).ok(t, 200).decode(t, &out)
			if out.User.ID != f.A.Owner.ID {
				t.Errorf("signed in as %s, want %s", out.User.ID, f.A.Owner.ID)
			}
		})
	}
}

// TestSessionCookie: the sign-in cookie is HttpOnly, SameSite=Lax, scoped
// to the site, and its secret is only in the cookie.
func TestSessionCookie(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "alice", "password": password}).ok(t, 200)
	var ck *http.Cookie
	for _, c := range r.cookies {
		if c.Name == httpapi.SessionCookie {
			ck = c
		}
	}
	if ck == nil {
		t.Fatalf("no %s cookie in %v", httpapi.SessionCookie, r.header["Set-Cookie"])
	}
	var body struct {
		CSRF      string    `json:"csrf_token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	r.decode(t, &body)
	checks := []struct {
		name string
		ok   bool
	}{
		{"the cookie is HttpOnly", ck.HttpOnly},
		{"the cookie is SameSite=Lax", ck.SameSite == http.SameSiteLaxMode && strings.Contains(r.header.Get("Set-Cookie"), "SameSite=Lax")},
		{"the cookie's path is /", ck.Path == "/"},
		{"the cookie holds an ats_ session secret", strings.HasPrefix(ck.Value, "ats_")},
		{"the cookie expires in the future, as the body says", ck.Expires.After(time.Now()) && ck.Expires.Unix() == body.ExpiresAt.Unix()},
		{"the session secret is not in the body", !bytes.Contains(r.body, []byte(ck.Value))},
		{"the body carries a separate atc_ CSRF token", strings.HasPrefix(body.CSRF, "atc_") && body.CSRF != ck.Value},
		{"the cookie is not marked Secure over plain HTTP (it would be dropped)", !ck.Secure},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Errorf("Set-Cookie: %s; body %s", r.header.Get("Set-Cookie"), r.body)
			}
		})
	}
}

// TestCSRF: a write authenticated by the session cookie needs the
// session's X-CSRF-Token; reads and token-authenticated writes do not.
func TestCSRF(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sess := f.login(t, "alice")
	other := f.login(t, "alice") // a second session of the same user
	noToken := *sess
	noToken.csrf = ""
	g := mkGroup(t, f.A.Owner.client, "Keep me")
	cases := []struct {
		name         string
		c            *client
		method, path string
		body         any
		hs           []header
		status       int
		code         string
	}{
		{"a cookie POST without X-CSRF-Token is 403 csrf_failed", &noToken, "POST", "/api/v1/groups", obj{"name": "No token"}, nil, 403, "csrf_failed"},
		{"a cookie PATCH without X-CSRF-Token is 403 csrf_failed", &noToken, "PATCH", "/api/v1/groups/" + g, obj{"name": "Renamed"}, nil, 403, "csrf_failed"},
		{"a cookie DELETE without X-CSRF-Token is 403 csrf_failed", &noToken, "DELETE", "/api/v1/groups/" + g, nil, nil, 403, "csrf_failed"},
		{"a cookie PUT without X-CSRF-Token is 403 csrf_failed", &noToken, "PUT", "/api/v1/me/password", obj{"current_password": password, "new_password": "a brand new password"}, nil, 403, "csrf_failed"},
		{"a cookie write with a made-up X-CSRF-Token is 403 csrf_failed", &noToken, "POST", "/api/v1/groups", obj{"name": "Made up"}, []header{{"X-CSRF-Token", "atc_madeupmadeupmadeup"}}, 403, "csrf_failed"},
		{"a cookie write with another session's X-CSRF-Token is 403 csrf_failed", &noToken, "POST", "/api/v1/groups", obj{"name": "Borrowed"}, []header{{"X-CSRF-Token", other.csrf}}, 403, "csrf_failed"},
		{"a cookie write with the session cookie's own token as CSRF is 403", &noToken, "POST", "/api/v1/groups", obj{"name": "Cookie as token"}, []header{{"X-CSRF-Token", sess.session}}, 403, "csrf_failed"},
	}
	before := snapshot(t, f.A.Owner.client, "/api/v1/groups")
	for _, c := range cases {
		t.Run(c.name+" and changes nothing", func(t *testing.T) {
			c.c.do(t, c.method, c.path, c.body, c.hs...).fails(t, c.status, c.code, "-")
			unchanged(t, f.A.Owner.client, "/api/v1/groups", before)
		})
	}
	t.Run("the old password still signs in after the refused password change", func(t *testing.T) {
		f.login(t, "alice")
	})
	t.Run("a cookie read needs no CSRF token", func(t *testing.T) {
		noToken.get(t, "/api/v1/me").ok(t, 200)
	})
	t.Run("a cookie write with the session's X-CSRF-Token succeeds", func(t *testing.T) {
		sess.do(t, "POST", "/api/v1/groups", obj{"name": "With token"}).ok(t, 201)
	})
	t.Run("a Bearer write needs no CSRF token", func(t *testing.T) {
		f.A.Owner.do(t, "POST", "/api/v1/groups", obj{"name": "Bearer"}).ok(t, 201)
	})
}

// TestCrossOriginWrites: browsers' cross-origin writes are refused with
// 403 whatever the credentials; same-origin writes and cross-origin reads
// go through.
func TestCrossOriginWrites(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sess := f.login(t, "alice")
	before := snapshot(t, f.A.Owner.client, "/api/v1/groups")
	refused := []struct {
		name string
		c    *client
		hs   []header
	}{
		{"a Bearer write with Sec-Fetch-Site: cross-site", f.A.Owner.client, []header{{"Sec-Fetch-Site", "cross-site"}}},
		{"a Bearer write with Sec-Fetch-Site: same-site (another subdomain)", f.A.Owner.client, []header{{"Sec-Fetch-Site", "same-site"}}},
		{"a cookie write with its CSRF token and Sec-Fetch-Site: cross-site", sess, []header{{"Sec-Fetch-Site", "cross-site"}}},
		{"a Bearer write from Origin http://evil.example (no Sec-Fetch-Site)", f.A.Owner.client, []header{{"Origin", "http://evil.example"}}},
		{"a cookie write from Origin http://evil.example", sess, []header{{"Origin", "http://evil.example"}}},
	}
	for _, c := range refused {
		t.Run(c.name+" is 403 and creates nothing", func(t *testing.T) {
			c.c.do(t, "POST", "/api/v1/groups", obj{"name": "From elsewhere"}, c.hs...).fails(t, 403, "cross_origin", "-")
			unchanged(t, f.A.Owner.client, "/api/v1/groups", before)
		})
	}
	t.Run("a cross-site read is served", func(t *testing.T) {
		f.A.Owner.do(t, "GET", "/api/v1/me", nil, header{"Sec-Fetch-Site", "cross-site"}).ok(t, 200)
	})
	t.Run("a same-origin write is served", func(t *testing.T) {
		f.A.Owner.do(t, "POST", "/api/v1/groups", obj{"name": "Same origin"}, header{"Sec-Fetch-Site", "same-origin"}).ok(t, 201)
	})
	t.Run("a write whose Origin is the server's own is served", func(t *testing.T) {
		sess.do(t, "POST", "/api/v1/groups", obj{"name": "Own origin"}, header{"Origin", f.srv.URL}).ok(t, 201)
	})
}

// TestSignOut: logout ends the session on the server, so the cookie is
// worthless even if kept.
func TestSignOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sess := f.login(t, "alice")
	replay := func(t *testing.T) *resp {
		return f.anon().do(t, "GET", "/api/v1/me", nil, header{"Cookie", httpapi.SessionCookie + "=" + sess.session})
	}
	t.Run("logout without the CSRF token is refused and the session lives on", func(t *testing.T) {
		noToken := *sess
		noToken.csrf = ""
		noToken.do(t, "POST", "/api/v1/auth/logout", nil).fails(t, 403, "csrf_failed", "-")
		replay(t).ok(t, 200)
	})
	t.Run("logout is 204 and clears the cookie", func(t *testing.T) {
		r := sess.do(t, "POST", "/api/v1/auth/logout", nil).ok(t, 204)
		cleared := false
		for _, c := range r.cookies {
			if c.Name == httpapi.SessionCookie && c.Value == "" && c.MaxAge < 0 {
				cleared = true
			}
		}
		if !cleared {
			t.Errorf("logout did not clear the cookie: %v", r.header["Set-Cookie"])
		}
	})
	t.Run("after logout the client's jar is signed out", func(t *testing.T) {
		wantUnauthenticated(t, sess.get(t, "/api/v1/me"))
	})
	t.Run("after logout the old cookie value, replayed, is 401", func(t *testing.T) {
		wantUnauthenticated(t, replay(t))
	})
	t.Run("other sessions and tokens of the user are untouched", func(t *testing.T) {
		f.A.Owner.get(t, "/api/v1/me").ok(t, 200)
	})
}

// TestPasswordChange: changing your password needs the current one and
// ends your sessions.
func TestPasswordChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sess := f.login(t, "alice")
	t.Run("a wrong current password is 403 and the password stays", func(t *testing.T) {
		sess.do(t, "PUT", "/api/v1/me/password", obj{"current_password": "not my password", "new_password": "a brand new password"}).fails(t, 403, "forbidden", "")
		f.login(t, "alice")
	})
	t.Run("the right current password changes it and ends the session", func(t *testing.T) {
		sess.do(t, "PUT", "/api/v1/me/password", obj{"current_password": password, "new_password": "a brand new password"}).ok(t, 204)
		wantUnauthenticated(t, sess.get(t, "/api/v1/me"))
		wantUnauthenticated(t, f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "alice", "password": password}))
		f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "alice", "password": "a brand new password"}).ok(t, 200)
	})
}

// TestPersonalTokens: a created token's secret is in the creation response
// only; listings never show it.
func TestPersonalTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var created struct {
		ID        string     `json:"id"`
		Token     string     `json:"token"`
		Name      string     `json:"name"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	f.A.Owner.do(t, "POST", "/api/v1/tokens", obj{"name": "ci", "expires_in_days": 30}).ok(t, 201).decode(t, &created)
	t.Run("creation returns an atr_ secret, an id and the expiry", func(t *testing.T) {
		if !strings.HasPrefix(created.Token, "atr_") || created.ID == "" || created.Name != "ci" {
			t.Errorf("created %+v", created)
		}
		if created.ExpiresAt == nil || created.ExpiresAt.Before(time.Now().Add(29*24*time.Hour)) || created.ExpiresAt.After(time.Now().Add(31*24*time.Hour)) {
			t.Errorf("expires_at %v, want in 30 days", created.ExpiresAt)
		}
	})
	t.Run("the secret authenticates as its user", func(t *testing.T) {
		var me struct {
			User domain.User `json:"user"`
		}
		f.bearer(created.Token).get(t, "/api/v1/me").ok(t, 200).decode(t, &me)
		if me.User.ID != f.A.Owner.ID {
			t.Errorf("token authenticates as %s", me.User.ID)
		}
	})
	t.Run("the listing shows the token but never a secret", func(t *testing.T) {
		r := f.A.Owner.get(t, "/api/v1/tokens").ok(t, 200)
		if !bytes.Contains(r.body, []byte(created.ID)) {
			t.Errorf("listing %s lacks token %s", r.body, created.ID)
		}
		for _, secret := range []string{created.Token, f.A.Owner.token, "atr_", `"token"`, `"hash"`} {
			if bytes.Contains(r.body, []byte(secret)) {
				t.Errorf("listing %s shows %q", r.body, secret)
			}
		}
	})
	t.Run("another user's listing does not show it", func(t *testing.T) {
		carol := f.addUser(t, f.A, "carol")
		if r := carol.get(t, "/api/v1/tokens").ok(t, 200); bytes.Contains(r.body, []byte(created.ID)) {
			t.Errorf("carol's listing %s shows alice's token", r.body)
		}
	})
}

// TestRevokingOthersTokens: a user cannot revoke another user's token (it
// is not found for them) unless they hold manage_api_tokens in the same
// account.
func TestRevokingOthersTokens(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		revoker func(f *fixture, adam, dave *member) *client
		status  int
	}{
		{"the token's own user revokes it", func(f *fixture, adam, dave *member) *client { return nil }, 204},
		{"another user without manage_api_tokens gets 404", func(f *fixture, adam, dave *member) *client { return dave.client }, 404},
		{"the account owner (manage_api_tokens) revokes it", func(f *fixture, adam, dave *member) *client { return f.A.Owner.client }, 204},
		{"an admin (manage_api_tokens) revokes it", func(f *fixture, adam, dave *member) *client { return adam.client }, 204},
		{"the owner of another account gets 404", func(f *fixture, adam, dave *member) *client { return f.B.Owner.client }, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			adam := f.addUser(t, f.A, "adam", "admin")
			dave := f.addUser(t, f.A, "dave")
			carol := f.addUser(t, f.A, "carol")
			revoker := c.revoker(f, adam, dave)
			if revoker == nil {
				revoker = carol.client
			}
			r := revoker.do(t, "DELETE", "/api/v1/tokens/"+carol.TokenID, nil)
			if c.status == 404 {
				e := r.fails(t, 404, "not_found", "-")
				// The answer is the one for a token that does not exist.
				e2 := revoker.do(t, "DELETE", "/api/v1/tokens/tok_doesnotexist", nil).fails(t, 404, "not_found", "-")
				if e != e2 {
					t.Errorf("another's token: %+v; no such token: %+v", e, e2)
				}
				carol.get(t, "/api/v1/me").ok(t, 200)
				return
			}
			r.ok(t, c.status)
			wantUnauthenticated(t, carol.get(t, "/api/v1/me"))
			if revoker != carol.client {
				// Revoking again is harmless.
				revoker.do(t, "DELETE", "/api/v1/tokens/"+carol.TokenID, nil).ok(t, 204)
			}
		})
	}
}

// TestApplicationAccess: the spec (§1) says a user signs in only to the
// applications granted: portal (web UI), capture, connect (API / batch
// tools), and that API tokens carry scopes within what the user may do.
func TestApplicationAccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var u domain.User
	f.A.Owner.do(t, "POST", "/api/v1/users", obj{"username": "paula", "email": "paula@alpha.example", "password": password, "access": []string{"portal", "connect"}}).ok(t, 201).decode(t, &u)
	tok, err := f.svc.IssueToken(f.ctx, u.ID, "api", 0)
	if err != nil {
		t.Fatal(err)
	}
	f.bearer(tok.Secret).get(t, "/api/v1/records").ok(t, 200)
	f.A.Owner.do(t, "PATCH", "/api/v1/users/"+u.ID, obj{"access": []string{"portal"}}).ok(t, 200)
	t.Run("a user whose connect access is taken away cannot use their API token any more", func(t *testing.T) {
		if r := f.bearer(tok.Secret).get(t, "/api/v1/records"); r.status != 401 && r.status != 403 {
			t.Errorf("%v; want 401 or 403", r)
		}
	})
	t.Run("no API token is issued to a user without connect access", func(t *testing.T) {
		if _, err := f.svc.IssueToken(f.ctx, u.ID, "api", 0); err == nil {
			t.Error("issued")
		}
	})
	f.A.Owner.do(t, "POST", "/api/v1/users", obj{"username": "conrad", "email": "conrad@alpha.example", "password": password, "access": []string{"connect"}}).ok(t, 201)
	t.Run("a user without portal access cannot sign in to a browser session", func(t *testing.T) {
		wantUnauthenticated(t, f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "conrad", "password": password}))
	})
}

// TestStaleSessionCookieDoesNotBlockSignIn: a browser whose session ended
// on the server (password change, reset by an admin, deactivation) still
// holds the cookie; signing in again from it must work.
func TestStaleSessionCookieDoesNotBlockSignIn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		end    func(t *testing.T, f *fixture, carol *member, sess *client)
		newPwd string
	}{
		{"after changing their own password", func(t *testing.T, f *fixture, carol *member, sess *client) {
			sess.do(t, "PUT", "/api/v1/me/password", obj{"current_password": password, "new_password": "a brand new password"}).ok(t, 204)
		}, "a brand new password"},
		{"after an admin reset their password", func(t *testing.T, f *fixture, carol *member, sess *client) {
			f.A.Owner.do(t, "PUT", "/api/v1/users/"+carol.ID+"/password", obj{"password": "reset by the owner"}).ok(t, 204)
		}, "reset by the owner"},
		{"after being deactivated and reactivated", func(t *testing.T, f *fixture, carol *member, sess *client) {
			f.A.Owner.do(t, "PATCH", "/api/v1/users/"+carol.ID, obj{"status": "deactivated"}).ok(t, 200)
			f.A.Owner.do(t, "PATCH", "/api/v1/users/"+carol.ID, obj{"status": "active"}).ok(t, 200)
		}, password},
	}
	for _, c := range cases {
		t.Run("a user signs in again from the same browser "+c.name, func(t *testing.T) {
			f := newFixture(t)
			carol := f.addUser(t, f.A, "carol")
			sess := f.login(t, "carol")
			c.end(t, f, carol, sess)
			wantUnauthenticated(t, sess.get(t, "/api/v1/me"))
			sess.do(t, "POST", "/api/v1/auth/login", obj{"login": "carol", "password": c.newPwd}).ok(t, 200)
			sess.get(t, "/api/v1/me").ok(t, 200)
		})
	}
}

// TestSameUsernameInTwoAccounts: usernames are unique per account only; a
// login that matches in two accounts needs the account named.
func TestSameUsernameInTwoAccounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sa := f.addUser(t, f.A, "sam")
	sb := f.addUser(t, f.B, "sam")
	t.Run("sam with the shared password and no account is refused as ambiguous", func(t *testing.T) {
		wantUnauthenticated(t, f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "sam", "password": password}))
	})
	for _, c := range []struct {
		name, account, want string
	}{{"Alpha", f.A.Account, sa.ID}, {"Beta", f.B.Account, sb.ID}} {
		t.Run("sam naming "+c.name+" signs in to "+c.name+"'s sam", func(t *testing.T) {
			var out struct {
				User domain.User `json:"user"`
			}
			f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "sam", "password": password, "account": c.account}).ok(t, 200).decode(t, &out)
			if out.User.ID != c.want {
				t.Errorf("signed in as %s, want %s", out.User.ID, c.want)
			}
		})
	}
}

// TestExpiredSession: a session past its lifetime is 401, even if the
// client keeps sending the cookie.
func TestExpiredSession(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, service.Options{SessionTTL: 2 * time.Second})
	sess := f.login(t, "alice")
	replay := func() *resp {
		return f.anon().do(t, "GET", "/api/v1/me", nil, header{"Cookie", httpapi.SessionCookie + "=" + sess.session})
	}
	replay().ok(t, 200)
	time.Sleep(2200 * time.Millisecond)
	wantUnauthenticated(t, replay())
	wantUnauthenticated(t, f.anon().do(t, "POST", "/api/v1/groups", obj{"name": "Late"},
		header{"Cookie", httpapi.SessionCookie + "=" + sess.session}, header{"X-CSRF-Token", sess.csrf}))
}
