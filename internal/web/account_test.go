package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/net/html"
)

func TestTheAccountPageShowsAndChangesOnesProfile(t *testing.T) {
	f := newFixture(t)
	b := f.signedIn(t, "erin")
	p := b.get("/ui/account")
	if p.status != 200 || p.h1() != "Your account" {
		t.Fatalf("%d %q", p.status, p.h1())
	}
	nav := p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/ui/account" })
	if nav == nil || attr(nav, "aria-current") != "page" {
		t.Error("the header's Account link is not the current page")
	}
	body := strings.Join(strings.Fields(text(p.doc)), " ")
	for _, want := range []string{"erin@alpha.example", "This browser", "You have no token.", "Off: your password alone signs you in."} {
		if !strings.Contains(body, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	t.Run("an empty display name is refused next to it", func(t *testing.T) {
		p := b.submit(b.get("/ui/account"), "/ui/account/profile", url.Values{"display_name": {" "}})
		if got := p.fieldError("display_name"); got == "" || p.status != 422 {
			t.Errorf("%d %q", p.status, got)
		}
	})
	t.Run("a display name is saved and shown in the header", func(t *testing.T) {
		p := b.submit(b.get("/ui/account"), "/ui/account/profile", url.Values{"display_name": {"Erin Editor"}})
		if !strings.Contains(p.body, "Your profile is saved.") || textIn(p, func(n *html.Node) bool { return attr(n, "class") == "who" }) != "Erin Editor" {
			t.Errorf("after saving: %s", p.body)
		}
	})
}

func TestChangingThePasswordSignsOutEverywhere(t *testing.T) {
	f := newFixture(t)
	b, other := f.signedIn(t, "erin"), f.signedIn(t, "erin")
	const action = "/ui/account/password"
	for _, c := range []struct {
		name, field, want string
		status            int
		values            url.Values
	}{
		{"a wrong current password is refused next to it", "current_password", "current password is wrong", 403,
			url.Values{"current_password": {"not it"}, "new_password": {"a brand new passphrase"}}},
		{"a short new password is refused next to it", "new_password", "at least", 422,
			url.Values{"current_password": {password}, "new_password": {"short"}}},
		{"a missing current password is asked for", "current_password", "Enter your current password", 422,
			url.Values{"new_password": {"a brand new passphrase"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := b.submit(b.get("/ui/account"), action, c.values)
			if p.status != c.status || !strings.Contains(p.fieldError(c.field), c.want) {
				t.Errorf("%d %q", p.status, p.fieldError(c.field))
			}
			if strings.Contains(p.body, c.values.Get("new_password")) || strings.Contains(p.body, password) {
				t.Error("a password is sent back in the page")
			}
		})
	}
	t.Run("the right one changes it and ends every session, this one too", func(t *testing.T) {
		p := b.submit(b.get("/ui/account"), action, url.Values{"current_password": {password}, "new_password": {"a brand new passphrase"}})
		if p.h1() != "Password changed" {
			t.Fatalf("%d %q\n%s", p.status, p.h1(), p.body)
		}
		for name, br := range map[string]*browser{"this browser": b, "another browser": other} {
			if br.get("/ui/account").path() != "/ui/signin" {
				t.Errorf("%s is still signed in", name)
			}
		}
		f.signedInWith(t, "erin", "a brand new passphrase")
	})
}

func TestTwoFactorSignInIsTurnedOnAndOffFromTheAccountPage(t *testing.T) {
	f := newFixture(t)
	b := f.signedIn(t, "erin")
	p := b.submit(b.get("/ui/account"), "/ui/account/totp", nil)
	secret := p.textOf("totp-secret")
	if secret == "" || !strings.HasPrefix(p.textOf("totp-url"), "otpauth://totp/Atrium:erin?") {
		t.Fatalf("no secret shown:\n%s", p.body)
	}
	code := func(at time.Time) string {
		c, err := totp.GenerateCode(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Run("until confirmed, nothing changes and the account page says it is started", func(t *testing.T) {
		if got := b.get("/ui/account").textOf("mfa-status"); !strings.HasPrefix(got, "Started, not finished") {
			t.Errorf("%q", got)
		}
	})
	t.Run("a wrong code is refused next to it, with the secret still shown", func(t *testing.T) {
		p := b.submit(p, "/ui/account/totp/confirm", url.Values{"code": {code(time.Now().Add(-time.Hour))}})
		if !strings.Contains(p.fieldError("code"), "wrong") || p.textOf("totp-secret") != secret {
			t.Errorf("%d %q", p.status, p.fieldError("code"))
		}
	})
	var codes []string
	t.Run("the right code turns it on and shows ten recovery codes once", func(t *testing.T) {
		p := b.submit(p, "/ui/account/totp/confirm", url.Values{"code": {code(time.Now())}})
		for _, li := range p.findAll(func(n *html.Node) bool { return n.Data == "li" && attr(n.Parent, "id") == "recovery-codes" }) {
			codes = append(codes, strings.TrimSpace(text(li)))
		}
		if len(codes) != 10 {
			t.Fatalf("%d codes\n%s", len(codes), p.body)
		}
		acct := b.get("/ui/account")
		if strings.Contains(acct.body, codes[0]) || strings.Contains(acct.body, secret) {
			t.Error("the account page shows a code or the secret again")
		}
		if got := acct.textOf("mfa-status"); !strings.Contains(got, "10 recovery codes are left") {
			t.Errorf("%q", got)
		}
	})
	t.Run("signing in now asks for a code, and a recovery code works", func(t *testing.T) {
		nb := f.browser(t)
		p := nb.submit(nb.get("/ui/signin"), "/ui/signin", url.Values{"login": {"erin"}, "password": {password}})
		p = nb.submit(p, "/ui/signin/code", url.Values{"recovery_code": {codes[0]}})
		if p.path() != "/ui/" {
			t.Errorf("after the recovery code: %s", p.url)
		}
	})
	t.Run("replacing the recovery codes needs the password", func(t *testing.T) {
		p := b.submit(b.get("/ui/account"), "/ui/account/recovery-codes", url.Values{"rc_password": {"wrong"}})
		if !strings.Contains(p.fieldError("rc_password"), "current password is wrong") {
			t.Errorf("%d %q", p.status, p.fieldError("rc_password"))
		}
		p = b.submit(b.get("/ui/account"), "/ui/account/recovery-codes", url.Values{"rc_password": {password}})
		if p.h1() != "New recovery codes" || strings.Contains(p.body, codes[1]) {
			t.Errorf("%q", p.h1())
		}
	})
	t.Run("turning it off needs a code, and an old recovery code no longer does", func(t *testing.T) {
		p := b.submit(b.get("/ui/account"), "/ui/account/totp/disable", nil)
		if !strings.Contains(p.fieldError("off_code"), "Enter a code") {
			t.Errorf("%q", p.fieldError("off_code"))
		}
		p = b.submit(b.get("/ui/account"), "/ui/account/totp/disable", url.Values{"off_recovery": {codes[1]}})
		if !strings.Contains(p.fieldError("off_recovery"), "wrong") {
			t.Errorf("%q", p.fieldError("off_recovery"))
		}
		p = b.submit(b.get("/ui/account"), "/ui/account/totp/disable", url.Values{"off_code": {code(time.Now().Add(30 * time.Second))}})
		if !strings.Contains(p.body, "Two-factor sign-in is off.") {
			t.Errorf("after turning it off: %d %q", p.status, p.fieldError("off_code"))
		}
	})
}

func TestSessionsAndTokensAreListedCreatedAndRevokedFromTheAccountPage(t *testing.T) {
	f := newFixture(t)
	b, other := f.signedIn(t, "erin"), f.signedIn(t, "erin")
	sessionForms := func(p *page) []*html.Node {
		return p.findAll(func(n *html.Node) bool {
			return n.Data == "form" && strings.HasPrefix(attr(n, "action"), "/ui/account/sessions/")
		})
	}
	t.Run("signing out another session ends it there, and this one stays", func(t *testing.T) {
		p := b.get("/ui/account")
		forms := sessionForms(p)
		if len(forms) != 2 {
			t.Fatalf("%d sessions listed", len(forms))
		}
		// The current one says so; sign out the other.
		var action string
		for _, fm := range forms {
			if !strings.Contains(text(fm), "here") {
				action = attr(fm, "action")
			}
		}
		p = b.submit(p, action, nil)
		if !strings.Contains(p.body, "That session is signed out.") || len(sessionForms(p)) != 1 {
			t.Errorf("after signing out the other: %s", p.body)
		}
		if other.get("/ui/account").path() != "/ui/signin" {
			t.Error("the other browser is still signed in")
		}
	})
	const create = "/ui/account/tokens"
	for _, c := range []struct {
		name, field, want string
		values            url.Values
	}{
		{"days that are not a number are refused next to them", "token_days", "from 0", url.Values{"token_name": {"backup"}, "token_days": {"soon"}}},
		{"a token without a scope is refused next to the scopes", "scopes", "at least one scope",
			url.Values{"token_name": {"backup"}, "scope.read": {""}, "scope.write": {""}, "scope.admin": {""}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := b.submit(b.get("/ui/account"), create, c.values)
			if !strings.Contains(p.fieldError(c.field), c.want) {
				t.Errorf("%d %q", p.status, p.fieldError(c.field))
			}
		})
	}
	var secret string
	t.Run("a token is created, its secret shown once, and it works against the API", func(t *testing.T) {
		p := b.submit(b.get("/ui/account"), create, url.Values{"token_name": {"backup script"}, "token_days": {"30"}, "scope.write": {""}, "scope.admin": {""}})
		secret = attr(p.byID("token-secret"), "value")
		if p.status != 201 || secret == "" {
			t.Fatalf("%d\n%s", p.status, p.body)
		}
		if !strings.Contains(p.body, "Scopes: read.") {
			t.Error("the scopes are not told")
		}
		if strings.Contains(b.get("/ui/account").body, secret) {
			t.Error("the account page shows the secret again")
		}
		if got := b.get("/ui/account").textOf("tokens"); !strings.Contains(got, "backup script (active) · read") {
			t.Errorf("tokens: %q", got)
		}
		if status := apiStatus(t, f, secret); status != 200 {
			t.Errorf("the token against the API: %d", status)
		}
	})
	t.Run("revoking it stops it at once", func(t *testing.T) {
		p := b.get("/ui/account")
		fm := p.find(func(n *html.Node) bool {
			return n.Data == "form" && strings.HasSuffix(attr(n, "action"), "/revoke") && strings.HasPrefix(attr(n, "action"), "/ui/account/tokens/")
		})
		p = b.submit(p, attr(fm, "action"), nil)
		if !strings.Contains(p.body, "The token is revoked") || !strings.Contains(p.textOf("tokens"), "(revoked)") {
			t.Errorf("after revoking: %s", p.textOf("tokens"))
		}
		if status := apiStatus(t, f, secret); status != 401 {
			t.Errorf("the revoked token against the API: %d", status)
		}
	})
	t.Run("another user's token is not found on one's page", func(t *testing.T) {
		tok, err := f.svc.CreateToken(f.ctx, f.A.Owner, "alice's", 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := b.post("/ui/account/tokens/"+tok.ID+"/revoke", url.Values{"csrf_token": {csrfOf(t, b.get("/ui/account"))}})
		if p.status != 404 || apiStatus(t, f, tok.Secret) != 200 {
			t.Errorf("erin revoking alice's token: %d", p.status)
		}
	})
	t.Run("signing out this session from the list signs this browser out", func(t *testing.T) {
		p := b.get("/ui/account")
		p = b.submit(p, attr(sessionForms(p)[0], "action"), nil)
		if p.path() != "/ui/signin" || b.get("/ui/account").path() != "/ui/signin" {
			t.Errorf("after signing out here: %s", p.url)
		}
	})
}

// apiStatus is the status of GET /api/v1/me with a bearer token.
func apiStatus(t *testing.T, f *fixture, token string) int {
	t.Helper()
	req, err := http.NewRequest("GET", f.srv.URL+"/api/v1/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
