package httpapi_test

import (
	"net/url"
	"slices"
	"testing"

	"atrium/internal/domain"
)

type scopedToken struct {
	ID     string   `json:"id"`
	Secret string   `json:"token"`
	Scopes []string `json:"scopes"`
}

// mkToken creates a token through the API with the given scopes (nil:
// the default) and returns it.
func mkToken(t *testing.T, c *client, name string, scopes []string) scopedToken {
	t.Helper()
	body := obj{"name": name}
	if scopes != nil {
		body["scopes"] = scopes
	}
	var tok scopedToken
	c.do(t, "POST", "/api/v1/tokens", body).ok(t, 201).decode(t, &tok)
	return tok
}

// TestTokenScopes: a token's scopes narrow what its user may do, checked
// once per route: read for safe methods, write for content changes,
// admin for what needs an account permission.
func TestTokenScopes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.login(t, "alice")
	ws := mkWorkspace(t, f.A.Owner.client, "Scoped")
	rec := mkRecord(t, f.A.Owner.client, ws, "Existing", nil)
	read := f.bearer(mkToken(t, alice, "read", []string{"read"}).Secret)
	write := f.bearer(mkToken(t, alice, "write", []string{"read", "write"}).Secret)
	admin := f.bearer(mkToken(t, alice, "admin", []string{"admin"}).Secret)
	dflt := mkToken(t, alice, "default", nil)

	t.Run("a token made without scopes gets all three", func(t *testing.T) {
		if !slices.Equal(dflt.Scopes, []string{"read", "write", "admin"}) {
			t.Errorf("default scopes %v", dflt.Scopes)
		}
	})
	t.Run("the token list shows each token's scopes", func(t *testing.T) {
		var l struct {
			Tokens []scopedToken `json:"tokens"`
		}
		alice.get(t, "/api/v1/tokens").ok(t, 200).decode(t, &l)
		got := map[string][]string{}
		for _, tk := range l.Tokens {
			got[tk.ID] = tk.Scopes
		}
		if !slices.Equal(got[dflt.ID], []string{"read", "write", "admin"}) || len(l.Tokens) != 5 {
			t.Errorf("tokens %+v", l.Tokens)
		}
	})

	newGroup := func() obj { return obj{"name": "G" + domain.NewID("x")[2:], "members": []string{}} }
	cases := []struct {
		name         string
		c            *client
		method, path string
		body         any
		want         int
		scope        string // the scope named when refused
	}{
		{"a read token can read", read, "GET", "/api/v1/records/" + rec, nil, 200, ""},
		{"a read token trying to write is refused, naming the write scope", read, "POST", "/api/v1/records", obj{"workspace": ws, "title": "x"}, 403, "write"},
		{"a read token cannot delete", read, "DELETE", "/api/v1/records/" + rec, nil, 403, "write"},
		{"a read token cannot read the audit log, an admin route", read, "GET", "/api/v1/audit", nil, 403, "admin"},
		{"a write token can write content", write, "POST", "/api/v1/records", obj{"workspace": ws, "title": "by write"}, 201, ""},
		{"a write token trying an admin route is refused", write, "POST", "/api/v1/groups", newGroup(), 403, "admin"},
		{"a write token cannot create users", write, "POST", "/api/v1/users", obj{"username": "mallory", "email": "mallory@alpha.example", "password": password}, 403, "admin"},
		{"a write token cannot change default ACLs", write, "PUT", "/api/v1/default-acls/record", obj{"entries": []entry{}}, 403, "admin"},
		{"a write token cannot turn on a second factor", write, "POST", "/api/v1/me/mfa/totp", nil, 403, "admin"},
		{"a write token cannot change the password", write, "PUT", "/api/v1/me/password", obj{"current_password": password, "new_password": "another long passphrase"}, 403, "admin"},
		{"an admin-only token can use admin routes", admin, "POST", "/api/v1/groups", newGroup(), 201, ""},
		{"an admin-only token cannot read content", admin, "GET", "/api/v1/records", nil, 403, "read"},
		{"a write token cannot mint a token with the admin scope", write, "POST", "/api/v1/tokens", obj{"name": "up", "scopes": []string{"admin"}}, 403, "admin"},
		{"a read token cannot mint tokens at all", read, "POST", "/api/v1/tokens", obj{"name": "up", "scopes": []string{"read"}}, 403, "write"},
		{"an unknown scope is refused", alice, "POST", "/api/v1/tokens", obj{"name": "x", "scopes": []string{"root"}}, 422, ""},
		{"an empty scope list is refused", alice, "POST", "/api/v1/tokens", obj{"name": "x", "scopes": []string{}}, 422, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.c.do(t, c.method, c.path, c.body)
			switch {
			case c.want == 403:
				e := r.fails(t, 403, "insufficient_scope", "-")
				if e.Error.Message != "this request needs an API token with the "+c.scope+" scope" {
					t.Errorf("message %q does not name the %s scope", e.Error.Message, c.scope)
				}
			case c.want == 422:
				r.fails(t, 422, "validation_failed", "scopes")
			default:
				r.ok(t, c.want)
			}
		})
	}
	t.Run("a write token mints a narrower token, which keeps its narrower scopes", func(t *testing.T) {
		child := mkToken(t, write, "child", nil)
		if !slices.Equal(child.Scopes, []string{"read", "write"}) {
			t.Errorf("child scopes %v", child.Scopes)
		}
	})
	t.Run("a write token of a user with manage_api_tokens cannot revoke another user's token", func(t *testing.T) {
		dave := f.addUser(t, f.A, "dave")
		write.do(t, "DELETE", "/api/v1/tokens/"+dave.TokenID, nil).fails(t, 404, "not_found", "-")
		dave.get(t, "/api/v1/me").ok(t, 200)
		f.bearer(dflt.Secret).do(t, "DELETE", "/api/v1/tokens/"+dave.TokenID, nil).ok(t, 204)
	})
	t.Run("scopes only narrow: an admin token of a plain user holds no account permission", func(t *testing.T) {
		erin := f.addUser(t, f.A, "erin")
		tok := f.bearer(mkToken(t, erin.client, "erin-admin", []string{"admin"}).Secret)
		tok.do(t, "POST", "/api/v1/groups", newGroup()).fails(t, 403, "forbidden", "-")
		tok.get(t, "/api/v1/audit").fails(t, 403, "forbidden", "-")
	})
	t.Run("token creation records the scopes in the audit log", func(t *testing.T) {
		ev := find(t, audit(t, f.A.Owner.client, url.Values{"type": {"token.create"}}), "token.create", "token:"+dflt.ID)
		if ev.Detail["scopes"] != "read write admin" {
			t.Errorf("event %+v", ev)
		}
	})
}

// TestApplicationAccessThroughTheAPI: tokens are the connect
// application's credentials and sessions the portal's, checked on every
// request, so taking an application away ends its credentials at once.
func TestApplicationAccessThroughTheAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var u domain.User
	f.A.Owner.do(t, "POST", "/api/v1/users", obj{"username": "nico", "email": "nico@alpha.example", "password": password, "access": []string{"portal"}}).ok(t, 201).decode(t, &u)
	nico := f.login(t, "nico")
	t.Run("a user without connect cannot create a token", func(t *testing.T) {
		nico.do(t, "POST", "/api/v1/tokens", obj{"name": "x"}).fails(t, 403, "forbidden", "-")
	})

	f.A.Owner.do(t, "PATCH", "/api/v1/users/"+u.ID, obj{"access": []string{"portal", "connect"}}).ok(t, 200)
	tok := mkToken(t, nico, "api", nil)
	api := f.bearer(tok.Secret)
	api.get(t, "/api/v1/me").ok(t, 200) // now in the credential cache
	t.Run("a token stops working as soon as connect is taken away, cached or not", func(t *testing.T) {
		f.A.Owner.do(t, "PATCH", "/api/v1/users/"+u.ID, obj{"access": []string{"portal"}}).ok(t, 200)
		wantUnauthenticated(t, api.get(t, "/api/v1/me"))
		wantUnauthenticated(t, api.do(t, "POST", "/api/v1/tokens", obj{"name": "again"}))
		nico.get(t, "/api/v1/me").ok(t, 200) // the session is the portal's
	})
	t.Run("a session stops working as soon as portal is taken away", func(t *testing.T) {
		f.A.Owner.do(t, "PATCH", "/api/v1/users/"+u.ID, obj{"access": []string{"connect"}}).ok(t, 200)
		wantUnauthenticated(t, nico.get(t, "/api/v1/me"))
		api.get(t, "/api/v1/me").ok(t, 200)
	})
	t.Run("a user without portal cannot sign in to a session", func(t *testing.T) {
		r, opened := mfaSignIn(t, f, obj{"login": "nico", "password": password})
		wantUnauthenticated(t, r)
		if opened {
			t.Error("a session was opened")
		}
	})
}
