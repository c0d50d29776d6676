package httpapi_test

// Sign-up rules, self-registration and invitations through the real API
// and SQLite, with the mail they send read back from the outbox.

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/service"
	"atrium/internal/store"
)

var inviteRE = regexp.MustCompile(`\bati_[A-Za-z0-9_-]{43}\b`)

// mailBodies returns the bodies of the mail sent to an address, oldest
// first, once the service's background work is done.
func (f *fixture) mailBodies(t *testing.T, to string) []string {
	t.Helper()
	f.svc.WaitBackground()
	es, err := f.outbox.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if !strings.EqualFold(e.To, to) {
			continue
		}
		body, err := f.outbox.Text(e.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, body)
	}
	return out
}

// inviteToken is the invitation token of the newest mail to an address.
func (f *fixture) inviteToken(t *testing.T, to string) string {
	t.Helper()
	bodies := f.mailBodies(t, to)
	if len(bodies) == 0 {
		t.Fatalf("no mail to %s", to)
	}
	tok := inviteRE.FindString(bodies[len(bodies)-1])
	if tok == "" {
		t.Fatalf("newest mail to %s holds no invitation token:\n%s", to, bodies[len(bodies)-1])
	}
	return tok
}

// usernames lists the usernames of a tenant's users of a status.
func usernames(t *testing.T, c *client, status string) []string {
	t.Helper()
	var l struct {
		Users []domain.User `json:"users"`
	}
	c.get(t, "/api/v1/users?status="+status).ok(t, 200).decode(t, &l)
	out := []string{}
	for _, u := range l.Users {
		out = append(out, u.Username)
	}
	return out
}

// registrationFields are the fields the tests' open accounts ask for.
var registrationFields = []obj{
	{"name": "dept", "label": "Department", "type": "choice", "required": true, "choices": []string{"News", "Sports"}},
	{"name": "age", "label": "Age", "type": "number"},
	{"name": "start", "label": "Start date", "type": "date"},
	{"name": "terms", "label": "I accept the terms", "type": "boolean", "required": true},
	{"name": "nick", "label": "Nickname", "type": "text"},
}

// goodFields are valid values for registrationFields.
func goodFields() obj {
	return obj{"dept": "News", "age": 42, "start": "2026-01-31", "terms": true, "nick": "Zed"}
}

func setRules(t *testing.T, c *client, rules obj) {
	t.Helper()
	c.do(t, "PUT", "/api/v1/account/signup", rules).ok(t, 200)
}

func TestSignupRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.A.Owner
	viewer := f.addUser(t, f.A, "viewer", "library_viewer")

	t.Run("an account that never set rules is closed", func(t *testing.T) {
		var r domain.SignupRules
		alice.get(t, "/api/v1/account/signup").ok(t, 200).decode(t, &r)
		if r.Mode != "closed" || r.ApprovalRequired || len(r.Fields) != 0 {
			t.Errorf("rules = %+v, want closed", r)
		}
	})
	t.Run("an admin sets the rules and reads them back, domains lower-cased", func(t *testing.T) {
		setRules(t, alice.client, obj{"mode": "domain", "approval_required": true, "domains": []string{"Alpha.Example", "alpha.example"}, "fields": registrationFields})
		var r domain.SignupRules
		alice.get(t, "/api/v1/account/signup").ok(t, 200).decode(t, &r)
		if r.Mode != "domain" || !r.ApprovalRequired || !slices.Equal(r.Domains, []string{"alpha.example"}) || len(r.Fields) != len(registrationFields) {
			t.Errorf("rules = %+v", r)
		}
		if r.Fields[0].Choices[1] != "Sports" || r.Fields[3].Type != "boolean" || !r.Fields[3].Required {
			t.Errorf("fields = %+v", r.Fields)
		}
	})
	t.Run("the rules are public, and an unknown account looks closed", func(t *testing.T) {
		var r domain.SignupRules
		f.anon().get(t, "/api/v1/auth/signup?account="+f.A.Account).ok(t, 200).decode(t, &r)
		if r.Mode != "domain" || len(r.Fields) != len(registrationFields) {
			t.Errorf("public rules = %+v", r)
		}
		for _, acct := range []string{"acct_nope", "", "../x"} {
			f.anon().get(t, "/api/v1/auth/signup?account="+url.QueryEscape(acct)).ok(t, 200).decode(t, &r)
			if r.Mode != "closed" {
				t.Errorf("account %q: mode %q, want closed", acct, r.Mode)
			}
		}
	})
	t.Run("another account's rules are untouched", func(t *testing.T) {
		var r domain.SignupRules
		f.B.Owner.get(t, "/api/v1/account/signup").ok(t, 200).decode(t, &r)
		if r.Mode != "closed" {
			t.Errorf("Beta's mode = %q", r.Mode)
		}
	})
	t.Run("a user without manage_settings can neither read nor set them", func(t *testing.T) {
		viewer.get(t, "/api/v1/account/signup").fails(t, 403, "forbidden", "")
		viewer.do(t, "PUT", "/api/v1/account/signup", obj{"mode": "open"}).fails(t, 403, "forbidden", "")
	})
	for _, c := range []struct {
		name  string
		rules obj
		field string
	}{
		{"an unknown mode is refused", obj{"mode": "wide"}, "mode"},
		{"mode domain without domains is refused", obj{"mode": "domain"}, "domains"},
		{"a malformed domain is refused", obj{"mode": "domain", "domains": []string{"not a domain"}}, "domains"},
		{"an unknown field type is refused", obj{"mode": "open", "fields": []obj{{"name": "x", "type": "colour"}}}, "fields[0].type"},
		{"a choice field without choices is refused", obj{"mode": "open", "fields": []obj{{"name": "x", "type": "choice"}}}, "fields[0].choices"},
		{"choices on a text field are refused", obj{"mode": "open", "fields": []obj{{"name": "x", "type": "text", "choices": []string{"a"}}}}, "fields[0].choices"},
		{"a field name with a space is refused", obj{"mode": "open", "fields": []obj{{"name": "a b", "type": "text"}}}, "fields[0].name"},
		{"a field named twice is refused", obj{"mode": "open", "fields": []obj{{"name": "x", "type": "text"}, {"name": "x", "type": "date"}}}, "fields[1].name"},
	} {
		t.Run(c.name+" with a field-level error, leaving the rules as they were", func(t *testing.T) {
			before := snapshot(t, alice.client, "/api/v1/account/signup")
			alice.do(t, "PUT", "/api/v1/account/signup", c.rules).fails(t, 422, "validation_failed", c.field)
			unchanged(t, alice.client, "/api/v1/account/signup", before)
		})
	}
	t.Run("changing the rules is audited", func(t *testing.T) {
		p := audit(t, alice.client, url.Values{"type": {service.AuditSignupRules}})
		if !slices.ContainsFunc(p.Events, func(ev auditEvent) bool { return ev.Result == "ok" && ev.Detail["mode"] == "domain" }) {
			t.Errorf("no successful change in %+v", p.Events)
		}
		if ev := p.Events[0]; ev.Result != "failed" || ev.Detail["reason"] == "" {
			t.Errorf("the newest, refused change is recorded as %+v", ev)
		}
	})
}

func TestSignup(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.A.Owner
	setRules(t, alice.client, obj{"mode": "open", "fields": registrationFields})
	signup := func(username, email string, fields obj) *resp {
		return f.anon().do(t, "POST", "/api/v1/auth/signup", obj{"account": f.A.Account, "username": username, "email": email, "password": password, "fields": fields})
	}

	t.Run("a closed account and an unknown account both refuse with signup_closed", func(t *testing.T) {
		for _, acct := range []string{f.B.Account, "acct_nope"} {
			f.anon().do(t, "POST", "/api/v1/auth/signup", obj{"account": acct, "username": "zed", "email": "zed@beta.example", "password": password}).
				fails(t, 403, "signup_closed", "-")
		}
		if n := len(f.mailBodies(t, "zed@beta.example")); n != 0 {
			t.Errorf("%d mails sent", n)
		}
	})

	var accepted string
	t.Run("a sign-up creates a pending user with its fields, who verifies and signs in", func(t *testing.T) {
		r := signup("newbie", "newbie@alpha.example", goodFields()).ok(t, 202)
		accepted = string(r.body)
		f.svc.WaitBackground()
		if !slices.Contains(usernames(t, alice.client, "pending"), "newbie") {
			t.Fatalf("no pending user newbie")
		}
		f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "newbie", "password": password}).fails(t, 401, "unauthenticated", "-")
		f.anon().do(t, "POST", "/api/v1/auth/verify-email", obj{"token": f.lastToken(t, "newbie@alpha.example")}).ok(t, 204)
		var me struct {
			User domain.User `json:"user"`
		}
		f.login(t, "newbie").get(t, "/api/v1/me").ok(t, 200).decode(t, &me)
		want := map[string]string{"dept": "News", "age": "42", "start": "2026-01-31", "terms": "true", "nick": "Zed"}
		if me.User.Status != "active" || !me.User.EmailVerified || len(me.User.Roles) != 0 || !mapsEqual(me.User.Fields, want) {
			t.Errorf("user = %+v", me.User)
		}
		ev := find(t, audit(t, alice.client, url.Values{"type": {service.AuditSignup}}), service.AuditSignup, "user:"+me.User.ID)
		if ev.Result != "ok" {
			t.Errorf("sign-up event %+v", ev)
		}
	})

	for _, c := range []struct {
		name   string
		body   obj
		field  string
		fields func(obj)
	}{
		{"a missing required choice is refused", nil, "fields.dept", func(o obj) { delete(o, "dept") }},
		{"a choice not on the list is refused", nil, "fields.dept", func(o obj) { o["dept"] = "Weather" }},
		{"a number given as text is refused", nil, "fields.age", func(o obj) { o["age"] = "forty-two" }},
		{"a date in another format is refused", nil, "fields.start", func(o obj) { o["start"] = "31/01/2026" }},
		{"an impossible date is refused", nil, "fields.start", func(o obj) { o["start"] = "2026-02-30" }},
		{"a boolean given as text is refused", nil, "fields.terms", func(o obj) { o["terms"] = "yes" }},
		{"a required boolean left false is refused", nil, "fields.terms", func(o obj) { o["terms"] = false }},
		{"text given as an object is refused", nil, "fields.nick", func(o obj) { o["nick"] = obj{"a": 1} }},
		{"a field the account does not ask for is refused", nil, "fields.shoe", func(o obj) { o["shoe"] = "44" }},
		{"a weak password is refused", obj{"password": "password"}, "password", nil},
		{"a password that is the email, in other case, is refused", obj{"password": "TYPO@alpha.example"}, "password", nil},
		{"a malformed username is refused", obj{"username": "Not Valid"}, "username", nil},
		{"a malformed email is refused", obj{"email": "nobody"}, "email", nil},
		{"a missing password is refused", obj{"password": ""}, "password", nil},
	} {
		t.Run(c.name+" with a field-level 422, and nothing is sent", func(t *testing.T) {
			fields := goodFields()
			if c.fields != nil {
				c.fields(fields)
			}
			body := obj{"account": f.A.Account, "username": "typo", "email": "typo@alpha.example", "password": password, "fields": fields}
			for k, v := range c.body {
				body[k] = v
			}
			f.anon().do(t, "POST", "/api/v1/auth/signup", body).fails(t, 422, "validation_failed", c.field)
			if n := len(f.mailBodies(t, "typo@alpha.example")); n != 0 {
				t.Errorf("%d mails sent", n)
			}
		})
	}

	eve := f.addUser(t, f.A, "eve")
	alice.do(t, "PATCH", "/api/v1/users/"+eve.ID, obj{"status": "banned"}).ok(t, 200)
	for _, c := range []struct {
		name, username, email string
	}{
		{"an email already registered, in other case", "other1", "ALICE@alpha.example"},
		{"a username already taken", "alice", "fresh@alpha.example"},
		{"a banned user's email with its case changed", "eve2", "EVE@Alpha.Example"},
	} {
		t.Run(c.name+" gets the same status and body as a new sign-up, and no user is created", func(t *testing.T) {
			before := usernames(t, alice.client, "")
			r := signup(c.username, c.email, goodFields()).ok(t, 202)
			if string(r.body) != accepted {
				t.Errorf("answered %s, a new sign-up %s", r.body, accepted)
			}
			f.svc.WaitBackground()
			if after := usernames(t, alice.client, ""); !slices.Equal(before, after) {
				t.Errorf("users went from %v to %v", before, after)
			}
		})
	}
	t.Run("the owner of a registered email is told someone tried, without a token", func(t *testing.T) {
		bodies := f.mailBodies(t, alice.Email)
		if len(bodies) != 1 || !strings.Contains(bodies[0], "tried to register") || tokenRE.MatchString(bodies[0]) {
			t.Errorf("mail to alice: %q", bodies)
		}
	})
	t.Run("the address that asked for a taken username is told so", func(t *testing.T) {
		bodies := f.mailBodies(t, "fresh@alpha.example")
		if len(bodies) != 1 || !strings.Contains(bodies[0], "not available") {
			t.Errorf("mail to fresh@: %q", bodies)
		}
	})
	t.Run("a banned user gets no mail, and the refusal is audited", func(t *testing.T) {
		if n := len(f.mailBodies(t, eve.Email)); n != 0 {
			t.Errorf("eve got %d mails", n)
		}
		ev := find(t, audit(t, alice.client, url.Values{"type": {service.AuditSignup}}), service.AuditSignup, "user:"+eve.ID)
		if ev.Result != "denied" || !strings.Contains(ev.Detail["reason"], "banned") {
			t.Errorf("event %+v", ev)
		}
	})

	t.Run("mode domain refuses other domains with email_domain_not_allowed and accepts its own", func(t *testing.T) {
		setRules(t, alice.client, obj{"mode": "domain", "domains": []string{"alpha.example"}})
		f.anon().do(t, "POST", "/api/v1/auth/signup", obj{"account": f.A.Account, "username": "outsider", "email": "outsider@beta.example", "password": password}).
			fails(t, 403, "email_domain_not_allowed", "email")
		f.anon().do(t, "POST", "/api/v1/auth/signup", obj{"account": f.A.Account, "username": "insider", "email": "insider@ALPHA.example", "password": password}).ok(t, 202)
		f.svc.WaitBackground()
		if !slices.Contains(usernames(t, alice.client, "pending"), "insider") {
			t.Errorf("no pending insider")
		}
	})

	t.Run("with approval required, a verified user stays pending until a user manager activates them", func(t *testing.T) {
		setRules(t, alice.client, obj{"mode": "open", "approval_required": true})
		f.anon().do(t, "POST", "/api/v1/auth/signup", obj{"account": f.A.Account, "username": "waiter", "email": "waiter@alpha.example", "password": password}).ok(t, 202)
		f.anon().do(t, "POST", "/api/v1/auth/verify-email", obj{"token": f.lastToken(t, "waiter@alpha.example")}).ok(t, 204)
		var l struct {
			Users []domain.User `json:"users"`
		}
		alice.get(t, "/api/v1/users?q=waiter").ok(t, 200).decode(t, &l)
		if len(l.Users) != 1 || l.Users[0].Status != "pending" || !l.Users[0].EmailVerified {
			t.Fatalf("users = %+v, want waiter pending and verified", l.Users)
		}
		f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "waiter", "password": password}).fails(t, 401, "unauthenticated", "-")
		alice.do(t, "PATCH", "/api/v1/users/"+l.Users[0].ID, obj{"status": "active"}).ok(t, 200)
		f.login(t, "waiter").get(t, "/api/v1/me").ok(t, 200)
	})

	t.Run("the plan's user limit applies when a signed-up user is activated", func(t *testing.T) {
		setRules(t, alice.client, obj{"mode": "open"})
		active := len(usernames(t, alice.client, "active"))
		if err := f.svc.SetLimits(f.ctx, f.A.Account, domain.Limits{MaxUsers: active}); err != nil {
			t.Fatal(err)
		}
		f.anon().do(t, "POST", "/api/v1/auth/signup", obj{"account": f.A.Account, "username": "toomany", "email": "toomany@alpha.example", "password": password}).ok(t, 202)
		tok := f.lastToken(t, "toomany@alpha.example")
		f.anon().do(t, "POST", "/api/v1/auth/verify-email", obj{"token": tok}).fails(t, 409, "limit_reached", "-")
		if err := f.svc.SetLimits(f.ctx, f.A.Account, domain.Limits{MaxUsers: active + 1}); err != nil {
			t.Fatal(err)
		}
		f.anon().do(t, "POST", "/api/v1/auth/verify-email", obj{"token": tok}).ok(t, 204)
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func TestInvitations(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.A.Owner
	viewer := f.addUser(t, f.A, "viewer", "library_viewer")
	team := mkGroup(t, alice.client, "Team")
	betaGroup := mkGroup(t, f.B.Owner.client, "Beta team")

	var inv store.Invitation
	t.Run("an admin invites an email with roles and groups; the answer holds no secret", func(t *testing.T) {
		r := alice.do(t, "POST", "/api/v1/invitations", obj{"email": "carol@elsewhere.example", "roles": []string{"library_editor"}, "groups": []string{team}}).ok(t, 201)
		if strings.Contains(string(r.body), "ati_") {
			t.Errorf("the answer holds a secret: %s", r.body)
		}
		r.decode(t, &inv)
		if inv.Email != "carol@elsewhere.example" || !slices.Equal(inv.Roles, []string{"library_editor"}) ||
			inv.ExpiresAt.Sub(inv.CreatedAt) != 7*24*time.Hour {
			t.Errorf("invitation %+v", inv)
		}
		l := alice.get(t, "/api/v1/invitations").ok(t, 200)
		if !strings.Contains(string(l.body), inv.ID) || strings.Contains(string(l.body), "ati_") {
			t.Errorf("list %s", l.body)
		}
	})
	for _, c := range []struct {
		name   string
		who    *member
		body   obj
		status int
		code   string
		field  string
	}{
		{"a user without manage_users cannot invite", viewer, obj{"email": "x@alpha.example"}, 403, "forbidden", ""},
		{"a malformed email is refused", alice, obj{"email": "nobody"}, 422, "validation_failed", "email"},
		{"an unknown role is refused", alice, obj{"email": "x@alpha.example", "roles": []string{"emperor"}}, 422, "validation_failed", "roles"},
		{"another account's group is refused as unknown", alice, obj{"email": "x@alpha.example", "groups": []string{betaGroup}}, 422, "validation_failed", "groups"},
		{"an email a user of the account has is refused", alice, obj{"email": "VIEWER@alpha.example"}, 409, "already_exists", ""},
		{"a lifetime over 30 days is refused", alice, obj{"email": "x@alpha.example", "expires_in_days": 31}, 422, "validation_failed", "expires_in_days"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.who.do(t, "POST", "/api/v1/invitations", c.body).fails(t, c.status, c.code, c.field)
		})
	}
	t.Run("a user without manage_users cannot list invitations", func(t *testing.T) {
		viewer.get(t, "/api/v1/invitations").fails(t, 403, "forbidden", "")
	})

	tok := f.inviteToken(t, "carol@elsewhere.example")
	accept := func(token, username string, fields obj) *resp {
		body := obj{"token": token, "username": username, "password": password}
		if fields != nil {
			body["fields"] = fields
		}
		return f.anon().do(t, "POST", "/api/v1/auth/accept-invitation", body)
	}
	t.Run("the account's required registration fields apply to accepting, with field-level errors", func(t *testing.T) {
		setRules(t, alice.client, obj{"mode": "closed", "fields": registrationFields})
		accept(tok, "carol", obj{"dept": "News", "terms": true, "age": true}).fails(t, 422, "validation_failed", "fields.age")
		accept(tok, "carol", obj{"terms": true}).fails(t, 422, "validation_failed", "fields.dept")
		accept(tok, "Carol!", goodFields()).fails(t, 422, "validation_failed", "username")
	})
	t.Run("the plan's user limit applies to accepting", func(t *testing.T) {
		active := len(usernames(t, alice.client, "active"))
		if err := f.svc.SetLimits(f.ctx, f.A.Account, domain.Limits{MaxUsers: active}); err != nil {
			t.Fatal(err)
		}
		accept(tok, "carol", goodFields()).fails(t, 409, "limit_reached", "-")
		if err := f.svc.SetLimits(f.ctx, f.A.Account, domain.Limits{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("accepting in a closed account creates an active, verified user with the invited roles and groups", func(t *testing.T) {
		var u domain.User
		accept(tok, "carol", goodFields()).ok(t, 201).decode(t, &u)
		if u.Status != "active" || !u.EmailVerified || u.Email != "carol@elsewhere.example" || !slices.Equal(u.Roles, []string{"library_editor"}) || u.Fields["dept"] != "News" {
			t.Errorf("user %+v", u)
		}
		var g domain.Group
		alice.get(t, "/api/v1/groups/"+team).ok(t, 200).decode(t, &g)
		if !slices.ContainsFunc(g.Members, func(s authz.Subject) bool { return s.String() == "user:"+u.ID }) {
			t.Errorf("carol is not in Team: %+v", g.Members)
		}
		f.login(t, "carol").get(t, "/api/v1/me").ok(t, 200)
		if l := alice.get(t, "/api/v1/invitations").ok(t, 200); strings.Contains(string(l.body), inv.ID) {
			t.Errorf("an accepted invitation is still listed: %s", l.body)
		}
		ev := find(t, audit(t, alice.client, url.Values{"type": {service.AuditInvitationAccept}}), service.AuditInvitationAccept, "invitation:"+inv.ID)
		if ev.Result != "ok" || ev.Actor != u.ID {
			t.Errorf("event %+v", ev)
		}
	})

	// Refusals of every kind must look the same.
	setRules(t, alice.client, obj{"mode": "closed"})
	var revoked store.Invitation
	alice.do(t, "POST", "/api/v1/invitations", obj{"email": "dan@alpha.example"}).ok(t, 201).decode(t, &revoked)
	revokedTok := f.inviteToken(t, "dan@alpha.example")
	alice.do(t, "DELETE", "/api/v1/invitations/"+revoked.ID, nil).ok(t, 204)
	expired, expiredHash := identity.NewSecret(service.InvitePrefix)
	if _, err := f.svc.Store().Update(f.ctx, func(tx store.Tx) error {
		return tx.CreateInvitation(f.ctx, store.Invitation{ID: "inv_expired", AccountID: f.A.Account, Email: "old@alpha.example", Hash: expiredHash,
			CreatedBy: alice.ID, ExpiresAt: tx.Now().Add(-time.Second)})
	}); err != nil {
		t.Fatal(err)
	}
	var refusal string
	for _, c := range []struct{ name, token string }{
		{"a replayed invitation is invalid_token", tok},
		{"a revoked invitation is invalid_token", revokedTok},
		{"an expired invitation is invalid_token", expired},
		{"an unknown token is invalid_token", service.InvitePrefix + strings.Repeat("A", 43)},
		{"an empty token is invalid_token", ""},
	} {
		t.Run(c.name+", with the same body as every other refusal", func(t *testing.T) {
			r := accept(c.token, "someone", nil)
			r.fails(t, 400, "invalid_token", "token")
			if refusal == "" {
				refusal = string(r.body)
			} else if string(r.body) != refusal {
				t.Errorf("body %s, earlier refusals %s", r.body, refusal)
			}
		})
	}

	t.Run("another account's admin cannot revoke an invitation: it does not exist for them", func(t *testing.T) {
		var pending store.Invitation
		alice.do(t, "POST", "/api/v1/invitations", obj{"email": "erin@alpha.example"}).ok(t, 201).decode(t, &pending)
		f.B.Owner.do(t, "DELETE", "/api/v1/invitations/"+pending.ID, nil).fails(t, 404, "not_found", "")
		f.B.Owner.do(t, "DELETE", "/api/v1/invitations/inv_nope", nil).fails(t, 404, "not_found", "")
		if l := f.B.Owner.get(t, "/api/v1/invitations").ok(t, 200); strings.Contains(string(l.body), pending.ID) {
			t.Errorf("Beta lists Alpha's invitation: %s", l.body)
		}
		if l := alice.get(t, "/api/v1/invitations").ok(t, 200); !strings.Contains(string(l.body), pending.ID) {
			t.Errorf("the invitation is gone: %s", l.body)
		}
		accept(f.inviteToken(t, "erin@alpha.example"), "erin", nil).ok(t, 201)
	})
	t.Run("revoking twice is a conflict, and revoking is audited", func(t *testing.T) {
		alice.do(t, "DELETE", "/api/v1/invitations/"+revoked.ID, nil).fails(t, 409, "invitation_closed", "")
		ev := find(t, audit(t, alice.client, url.Values{"type": {service.AuditInvitationRevoke}}), service.AuditInvitationRevoke, "invitation:"+revoked.ID)
		if ev.Actor != alice.ID {
			t.Errorf("event %+v", ev)
		}
	})
}
