package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/net/html"

	"atrium/internal/domain"
	"atrium/internal/service"
)

func TestEveryPageIsServedUnderAStrictPolicyWithNothingInline(t *testing.T) {
	f := newFixture(t)
	anon := f.browser(t)
	alice := f.signedIn(t, "alice")
	for _, c := range []struct {
		name string
		b    *browser
		path string
	}{
		{"the sign-in page", anon, "/ui/signin"},
		{"the sign-up page", anon, "/ui/signup?account=" + f.A.Account},
		{"the verification page", anon, "/ui/verify-email"},
		{"the reset request page", anon, "/ui/password-reset"},
		{"the reset confirmation page", anon, "/ui/password-reset/confirm"},
		{"the library", alice, "/ui/"},
		{"the workspaces page", alice, "/ui/workspaces"},
		{"a record page with its edit form", alice, "/ui/records/" + f.A.Records["Council meeting"]},
		{"the not-found page", alice, "/ui/nothing/here"},
		{"a sharing panel with its edit form", alice, "/ui/records/" + f.A.Records["Council meeting"] + "/sharing"},
		{"the batch access page", alice, "/ui/batch?id=" + f.A.Records["Council meeting"]},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.b.get(c.path)
			csp := p.header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe") {
				t.Errorf("Content-Security-Policy %q allows something unsafe", csp)
			}
			for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
				if got := p.header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			for _, n := range p.findAll(func(n *html.Node) bool { return true }) {
				if n.Data == "script" && attr(n, "src") == "" || n.Data == "style" {
					t.Errorf("inline %s element: %s", n.Data, renderNode(n))
				}
				for _, a := range n.Attr {
					if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
						t.Errorf("inline %s attribute on <%s>", a.Key, n.Data)
					}
				}
			}
			for _, fm := range p.findAll(func(n *html.Node) bool { return n.Data == "form" && strings.EqualFold(attr(n, "method"), "post") }) {
				tok := ""
				walk(fm, func(n *html.Node) {
					if attr(n, "name") == "csrf_token" {
						tok = attr(n, "value")
					}
				})
				if len(tok) < 40 {
					t.Errorf("the form posting to %s carries no CSRF token", attr(fm, "action"))
				}
			}
			for _, ctl := range p.findAll(func(n *html.Node) bool {
				return (n.Data == "input" && attr(n, "type") != "hidden") || n.Data == "select" || n.Data == "textarea"
			}) {
				id := attr(ctl, "id")
				if id == "" || p.find(func(n *html.Node) bool { return n.Data == "label" && attr(n, "for") == id }) == nil {
					t.Errorf("control %s has no label", renderNode(ctl))
				}
			}
		})
	}
}

func TestTheRootSendsBrowsersToTheUIAndLeavesTheAPIIndexAlone(t *testing.T) {
	f := newFixture(t)
	b := f.browser(t)
	if p := b.get("/"); p.path() != "/ui/signin" {
		t.Errorf("a browser opening / ends on %s, want the sign-in page", p.url)
	}
	res, err := http.Get(f.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("a client not asking for HTML gets %s at /, want the API's JSON index", ct)
	}
	for _, path := range []string{"/healthz", "/api/v1/openapi.json"} {
		res, err := http.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("%s answers %d", path, res.StatusCode)
		}
	}
}

func TestSignIn(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		name      string
		login     string
		password  string
		status    int
		field     string // where the error shows
		wantError string
	}{
		{"a wrong password is refused next to the password field", "alice", "not the password", 401, "password", "username or password is wrong"},
		{"an unknown login gets the very same answer", "nobody", "not the password", 401, "password", "username or password is wrong"},
		{"an empty login is asked for next to its field", "", password, 422, "login", "Enter your username or email"},
		{"an empty password is asked for next to its field", "alice", "", 422, "password", "Enter your password"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := f.browser(t)
			p := b.submit(b.get("/ui/signin"), "/ui/signin", url.Values{"login": {c.login}, "password": {c.password}})
			if p.status != c.status {
				t.Errorf("status %d, want %d", p.status, c.status)
			}
			if got := p.fieldError(c.field); !strings.Contains(got, c.wantError) {
				t.Errorf("error next to %s = %q, want %q", c.field, got, c.wantError)
			}
			if v := attr(p.byID("f-password"), "value"); v != "" {
				t.Errorf("the password is sent back in the page: %q", v)
			}
			if b.get("/ui/").path() != "/ui/signin" {
				t.Error("the refused browser reaches the library")
			}
		})
	}

	t.Run("the right password lands on the page that asked for it", func(t *testing.T) {
		b := f.browser(t)
		p := b.get("/ui/workspaces")
		if p.path() != "/ui/signin" || p.url.Query().Get("next") != "/ui/workspaces" {
			t.Fatalf("a signed-out browser asking for the workspaces ends on %s", p.url)
		}
		p = b.submit(p, "/ui/signin", url.Values{"login": {"alice"}, "password": {password}})
		if p.path() != "/ui/workspaces" || p.status != 200 {
			t.Fatalf("after signing in: %d at %s", p.status, p.url)
		}
		if got := p.h1(); got != "Workspaces and collections" {
			t.Errorf("h1 %q", got)
		}
	})

	for _, next := range []string{"https://evil.example/", "//evil.example/ui/", "/api/v1/me", "/ui/\\evil"} {
		t.Run("a next address outside the UI ("+next+") is not followed", func(t *testing.T) {
			b := f.browser(t)
			p := b.get("/ui/signin?next=" + url.QueryEscape(next))
			p = b.submit(p, "/ui/signin", url.Values{"login": {"alice"}, "password": {password}, "next": {next}})
			if p.url.Host != strings.TrimPrefix(f.srv.URL, "http://") || p.path() != "/ui/" {
				t.Errorf("signing in with next=%q ends on %s", next, p.url)
			}
		})
	}

	t.Run("a form without this browser's token is refused and signs nobody in", func(t *testing.T) {
		b := f.browser(t)
		b.get("/ui/signin")
		p := b.post("/ui/signin", url.Values{"login": {"alice"}, "password": {password}, "csrf_token": {"forged-token-forged-token-forged-token-forge"}})
		if p.status != 403 {
			t.Errorf("status %d, want 403", p.status)
		}
		if b.get("/ui/").path() != "/ui/signin" {
			t.Error("a forged sign-in opened a session")
		}
	})

	t.Run("a sign-in posted from another site is refused", func(t *testing.T) {
		b := f.browser(t)
		p := b.get("/ui/signin")
		tok := attr(p.find(func(n *html.Node) bool { return attr(n, "name") == "csrf_token" }), "value")
		req, _ := http.NewRequest("POST", f.srv.URL+"/ui/signin", strings.NewReader(url.Values{"login": {"alice"}, "password": {password}, "csrf_token": {tok}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if got := b.do(req); got.status != 403 {
			t.Errorf("status %d, want 403", got.status)
		}
	})

	t.Run("a user of the capture application alone is told the UI is not theirs, and holds no session", func(t *testing.T) {
		if _, err := f.svc.CreateUser(f.ctx, f.A.Owner, service.UserInput{Username: "carl", Email: "carl@alpha.example", Password: password, Access: []string{"capture"}}); err != nil {
			t.Fatal(err)
		}
		b := f.browser(t)
		p := b.submit(b.get("/ui/signin"), "/ui/signin", url.Values{"login": {"carl"}, "password": {password}})
		if p.status != 403 || !strings.Contains(p.textOf("main"), "may not use the web interface") {
			t.Errorf("%d %q", p.status, p.textOf("main"))
		}
		if b.get("/ui/").path() != "/ui/signin" {
			t.Error("the capture user reaches the library")
		}
		u, _ := url.Parse(f.srv.URL)
		for _, c := range b.c.Jar.Cookies(u) {
			if c.Name == "atrium_session" {
				t.Error("the capture user's browser holds a session")
			}
		}
	})

	t.Run("the session opened by the UI also reaches the API's routes", func(t *testing.T) {
		b := f.signedIn(t, "alice")
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/me", nil)
		res, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET /api/v1/me with the UI's cookie: %d", res.StatusCode)
		}
	})
}

func TestSignInWithASecondFactor(t *testing.T) {
	f := newFixture(t)
	en, err := f.svc.StartTOTP(f.ctx, f.A.Editor)
	if err != nil {
		t.Fatal(err)
	}
	code := func(at time.Time) string {
		c, err := totp.GenerateCode(en.Secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	rc, err := f.svc.ConfirmTOTP(f.ctx, f.A.Editor, code(time.Now()))
	if err != nil {
		t.Fatal(err)
	}

	b := f.browser(t)
	p := b.submit(b.get("/ui/signin?next=/ui/workspaces"), "/ui/signin", url.Values{"login": {"erin"}, "password": {password}})
	if p.h1() != "Second step" {
		t.Fatalf("after the password: %q\n%s", p.h1(), p.body)
	}
	if strings.Contains(p.body, password) {
		t.Error("the second step's page holds the password")
	}
	if b.get("/ui/").path() != "/ui/signin" {
		t.Fatal("the password alone opened a session")
	}

	t.Run("a wrong code is refused next to the code field", func(t *testing.T) {
		p := b.submit(p, "/ui/signin/code", url.Values{"code": {code(time.Now().Add(-10 * time.Minute))}})
		if p.status != 401 {
			t.Errorf("status %d", p.status)
		}
		if got := p.fieldError("code"); !strings.Contains(got, "wrong") {
			t.Errorf("error next to the code: %q", got)
		}
	})
	t.Run("an empty code is asked for", func(t *testing.T) {
		p := b.submit(p, "/ui/signin/code", url.Values{"code": {""}})
		if got := p.fieldError("code"); !strings.Contains(got, "Enter the code") {
			t.Errorf("error next to the code: %q", got)
		}
	})
	t.Run("the right code opens the session and goes where the sign-in was headed", func(t *testing.T) {
		p := b.submit(p, "/ui/signin/code", url.Values{"code": {code(time.Now().Add(30 * time.Second))}})
		if p.path() != "/ui/workspaces" {
			t.Fatalf("after the code: %s\n%s", p.url, p.body)
		}
	})
	t.Run("the second step cannot be replayed once used", func(t *testing.T) {
		other := f.browser(t)
		p := other.submit(other.get("/ui/signin"), "/ui/signin", url.Values{"login": {"erin"}, "password": {password}})
		p = other.submit(p, "/ui/signin/code", url.Values{"recovery_code": {rc.Codes[0]}})
		if p.path() != "/ui/" {
			t.Fatalf("a recovery code did not sign in: %s", p.url)
		}
		third := f.browser(t)
		p = third.submit(third.get("/ui/signin"), "/ui/signin", url.Values{"login": {"erin"}, "password": {password}})
		p = third.submit(p, "/ui/signin/code", url.Values{"recovery_code": {rc.Codes[0]}})
		if got := p.fieldError("recovery_code"); !strings.Contains(got, "wrong, already used") {
			t.Errorf("a used recovery code: %q", got)
		}
	})
	t.Run("a code without a pending sign-in starts again", func(t *testing.T) {
		fresh := f.browser(t)
		p := fresh.get("/ui/signin")
		tok := attr(p.find(func(n *html.Node) bool { return attr(n, "name") == "csrf_token" }), "value")
		p = fresh.post("/ui/signin/code", url.Values{"csrf_token": {tok}, "code": {code(time.Now())}})
		if p.h1() != "Sign in" || !strings.Contains(p.body, "expired") {
			t.Errorf("a code with no pending sign-in: %q", p.h1())
		}
	})
}

func TestSignOutEndsTheSessionEverywhere(t *testing.T) {
	f := newFixture(t)
	b := f.signedIn(t, "alice")
	var session string
	u, _ := url.Parse(f.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "atrium_session" {
			session = c.Value
		}
	}
	p := b.submit(b.get("/ui/"), "/ui/signout", nil)
	if p.path() != "/ui/signin" {
		t.Fatalf("after signing out: %s", p.url)
	}
	if b.get("/ui/").path() != "/ui/signin" {
		t.Error("the library is still open after signing out")
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/me", nil)
	req.AddCookie(&http.Cookie{Name: "atrium_session", Value: session})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("the old session cookie still reaches the API: %d", res.StatusCode)
	}
}

func TestSignUp(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.SetSignupRules(f.ctx, f.A.Owner, domain.SignupRules{Mode: domain.SignupDomain, Domains: []string{"alpha.example"},
		Fields: []domain.RegistrationField{
			{Name: "team", Label: "Team", Type: domain.FieldChoice, Required: true, Choices: []string{"News", "Sport"}},
			{Name: "badge", Label: "Badge number", Type: domain.FieldNumber},
			{Name: "terms", Label: "I accept the terms", Type: domain.FieldBoolean, Required: true},
		}}); err != nil {
		t.Fatal(err)
	}
	good := url.Values{"username": {"newbie"}, "email": {"newbie@alpha.example"}, "password": {"a long enough passphrase"},
		"field.team": {"News"}, "field.badge": {"42"}, "field.terms": {"on"}}
	with := func(k, v string) url.Values {
		out := url.Values{}
		for key, vs := range good {
			out[key] = vs
		}
		if v == "" {
			out.Del(k)
		} else {
			out.Set(k, v)
		}
		return out
	}

	t.Run("a closed account shows no form", func(t *testing.T) {
		b := f.browser(t)
		p := b.get("/ui/signup?account=" + f.B.Account)
		if !strings.Contains(p.body, "does not accept sign-ups") || p.find(func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == "/ui/signup" }) != nil {
			t.Errorf("a closed account's sign-up page:\n%s", p.body)
		}
	})
	t.Run("the account's custom fields are in the form", func(t *testing.T) {
		p := f.browser(t).get("/ui/signup?account=" + f.A.Account)
		for _, id := range []string{"f-field.team", "f-field.badge", "f-field.terms"} {
			if p.byID(id) == nil {
				t.Errorf("no control %s", id)
			}
		}
		if !strings.Contains(p.body, "alpha.example") {
			t.Error("the allowed domains are not told")
		}
	})
	for _, c := range []struct {
		name, field, want string
		form              url.Values
	}{
		{"a missing required choice is refused next to it", "field.team", "Team is required", with("field.team", "")},
		{"a number that is not one is refused next to it", "field.badge", "must be a number", with("field.badge", "forty")},
		{"an unticked required box is refused next to it", "field.terms", "is required", with("field.terms", "")},
		{"an email outside the allowed domains is refused next to it", "email", "some email domains only", with("email", "x@elsewhere.example")},
		{"a common password is refused next to it", "password", "common", with("password", "1qaz2wsx3edc")},
		{"a bad username is refused next to it", "username", "username", with("username", "no spaces allowed")},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := f.browser(t)
			p := b.submit(b.get("/ui/signup?account="+f.A.Account), "/ui/signup", c.form)
			if p.status != 422 && p.status != 403 {
				t.Errorf("status %d", p.status)
			}
			got := p.textOf("f-" + c.field + "-error")
			if !strings.Contains(strings.ToLower(got), strings.ToLower(c.want)) {
				t.Errorf("error next to %s = %q, want %q\n%s", c.field, got, c.want, p.body)
			}
			if c.field != "email" && p.textOf("f-email-error") != "" {
				t.Errorf("an error next to the email too: %q", p.textOf("f-email-error"))
			}
			if n := p.byID("f-username"); n == nil || attr(n, "value") != c.form.Get("username") {
				t.Error("the username typed is lost")
			}
		})
	}
	t.Run("a good sign-up is told to check its mail, and the link in it confirms the address", func(t *testing.T) {
		b := f.browser(t)
		p := b.submit(b.get("/ui/signup?account="+f.A.Account), "/ui/signup", good)
		if p.status != 200 || p.h1() != "Check your email" {
			t.Fatalf("after signing up: %d %q\n%s", p.status, p.h1(), p.body)
		}
		tok := tokenIn(t, f.lastMailTo(t, "newbie@alpha.example"), "atv_")

		p = b.get("/ui/verify-email?token=" + url.QueryEscape(tok))
		if v := attr(p.byID("f-token"), "value"); v != tok {
			t.Fatalf("the token from the link is not in the form: %q", v)
		}
		if p.find(func(n *html.Node) bool { return n.Data == "form" }) == nil {
			t.Fatal("no form")
		}
		// Opening the link changes nothing; the button does.
		if b2 := f.browser(t); b2.submit(b2.get("/ui/signin"), "/ui/signin", url.Values{"login": {"newbie"}, "password": {"a long enough passphrase"}}).status != 401 {
			t.Fatal("the pending user signs in before confirming")
		}
		p = b.submit(p, "/ui/verify-email", nil)
		if p.h1() != "Email address confirmed" {
			t.Fatalf("after confirming: %q\n%s", p.h1(), p.body)
		}
		f.signedInWith(t, "newbie", "a long enough passphrase")

		p = b.submit(b.get("/ui/verify-email?token="+url.QueryEscape(tok)), "/ui/verify-email", nil)
		if got := p.fieldError("token"); !strings.Contains(got, "invalid, used or expired") {
			t.Errorf("a used token: %q", got)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	f := newFixture(t)
	b := f.browser(t)
	for _, login := range []string{"victor", "nobody-at-all"} {
		p := b.submit(b.get("/ui/password-reset"), "/ui/password-reset", url.Values{"login": {login}})
		if p.status != 200 || p.h1() != "Check your email" || !strings.Contains(p.body, "If an active user has this username or email") {
			t.Fatalf("asking a reset for %s: %d %q", login, p.status, p.h1())
		}
	}
	p := b.submit(b.get("/ui/password-reset"), "/ui/password-reset", url.Values{"login": {""}})
	if got := p.fieldError("login"); got == "" {
		t.Error("an empty login is not asked for")
	}
	tok := tokenIn(t, f.lastMailTo(t, "victor@alpha.example"), "atp_")

	for _, c := range []struct {
		name, token, password, field, want string
	}{
		{"a weak password is refused next to it", tok, "short", "password", "at least 12"},
		{"a wrong token is refused next to it", "atp_not-a-token", "a brand new passphrase", "token", "invalid, used or expired"},
		{"an empty token is asked for", "", "a brand new passphrase", "token", "Enter the token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := b.submit(b.get("/ui/password-reset/confirm?token="+url.QueryEscape(c.token)), "/ui/password-reset/confirm", url.Values{"password": {c.password}})
			if got := p.fieldError(c.field); !strings.Contains(got, c.want) {
				t.Errorf("error next to %s = %q, want %q", c.field, got, c.want)
			}
		})
	}
	t.Run("the token from the mail sets the new password", func(t *testing.T) {
		p := b.submit(b.get("/ui/password-reset/confirm?token="+url.QueryEscape(tok)), "/ui/password-reset/confirm", url.Values{"password": {"a brand new passphrase"}})
		if p.h1() != "Password changed" {
			t.Fatalf("%q\n%s", p.h1(), p.body)
		}
		nb := f.browser(t)
		if p := nb.submit(nb.get("/ui/signin"), "/ui/signin", url.Values{"login": {"victor"}, "password": {"a brand new passphrase"}}); p.path() != "/ui/" {
			t.Errorf("the new password does not sign in: %s", p.url)
		}
	})
}
