package httpapi_test

// Identity lifecycle through the real API: password reset, email
// verification and clearing unvalidated users, with the mail they send
// read back from the fixture's outbox.

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/service"
	"atrium/internal/store"
)

var tokenRE = regexp.MustCompile(`\bat[pv]_[A-Za-z0-9_-]{43}\b`)

// mailsTo returns the one-time tokens mailed to an address, oldest first,
// once the service's background work is done.
func (f *fixture) mailsTo(t *testing.T, to string) []string {
	t.Helper()
	var toks []string
	for _, body := range f.mailBodies(t, to) {
		tok := tokenRE.FindString(body)
		if tok == "" {
			t.Fatalf("mail to %s holds no token:\n%s", to, body)
		}
		toks = append(toks, tok)
	}
	return toks
}

// lastToken is the newest token mailed to an address.
func (f *fixture) lastToken(t *testing.T, to string) string {
	t.Helper()
	toks := f.mailsTo(t, to)
	if len(toks) == 0 {
		t.Fatalf("no mail to %s", to)
	}
	return toks[len(toks)-1]
}

// pendingUser creates a pending user in the tenant as its owner.
func (f *fixture) pendingUser(t *testing.T, tn *tenant, username string) domain.User {
	t.Helper()
	var u domain.User
	tn.Owner.do(t, "POST", "/api/v1/users", obj{"username": username, "email": username + "@" + tn.Domain, "password": password, "status": "pending"}).
		ok(t, 201).decode(t, &u)
	return u
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.A.Owner
	dave := f.addUser(t, f.A, "dave")
	gone := f.addUser(t, f.A, "gone")
	alice.do(t, "PATCH", "/api/v1/users/"+gone.ID, obj{"status": "deactivated"}).ok(t, 200)
	const newPassword = "a brand new passphrase"

	t.Run("known, unknown and deactivated logins get the same status and body, and only the active user gets mail", func(t *testing.T) {
		var first string
		for _, body := range []obj{
			{"email": dave.Email}, {"login": "dave"}, {"email": "nobody@alpha.example"}, {"login": "nobody"}, {"email": gone.Email}, {"login": "DAVE@ALPHA.EXAMPLE"},
		} {
			r := f.anon().do(t, "POST", "/api/v1/auth/password-reset", body).ok(t, 202)
			if first == "" {
				first = string(r.body)
			} else if string(r.body) != first {
				t.Errorf("%v answered %s, the first request %s", body, r.body, first)
			}
		}
		if n := len(f.mailsTo(t, dave.Email)); n != 3 {
			t.Errorf("dave got %d mails, want 3", n)
		}
		for _, to := range []string{"nobody@alpha.example", gone.Email} {
			if n := len(f.mailsTo(t, to)); n != 0 {
				t.Errorf("%s got %d mails", to, n)
			}
		}
	})
	t.Run("only the newest reset token works: asking again ends the earlier ones", func(t *testing.T) {
		toks := f.mailsTo(t, dave.Email)
		f.anon().do(t, "POST", "/api/v1/auth/password-reset/confirm", obj{"token": toks[0], "password": newPassword}).fails(t, 400, "invalid_token", "token")
	})
	t.Run("a malformed request is refused with a field, and sends nothing", func(t *testing.T) {
		f.anon().do(t, "POST", "/api/v1/auth/password-reset", obj{}).fails(t, 422, "validation_failed", "login")
		f.anon().do(t, "POST", "/api/v1/auth/password-reset", obj{"login": "dave", "email": dave.Email}).fails(t, 422, "validation_failed", "email")
		f.anon().do(t, "POST", "/api/v1/auth/password-reset", obj{"user": "dave"}).fails(t, 400, "unknown_field", "user")
		if n := len(f.mailsTo(t, dave.Email)); n != 3 {
			t.Errorf("dave has %d mails, want still 3", n)
		}
	})

	tok := f.lastToken(t, dave.Email)
	t.Run("a password the policy refuses is a 422 and leaves the token usable", func(t *testing.T) {
		f.anon().do(t, "POST", "/api/v1/auth/password-reset/confirm", obj{"token": tok, "password": "short"}).fails(t, 422, "validation_failed", "password")
	})
	t.Run("the token sets the password and ends every session of the user", func(t *testing.T) {
		sess := f.login(t, "dave")
		sess.get(t, "/api/v1/me").ok(t, 200)
		f.anon().do(t, "POST", "/api/v1/auth/password-reset/confirm", obj{"token": tok, "password": newPassword}).ok(t, 204)
		sess.get(t, "/api/v1/me").fails(t, 401, "unauthenticated", "-")
		f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "dave", "password": password}).fails(t, 401, "unauthenticated", "-")
		f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "dave", "password": newPassword}).ok(t, 200)
	})

	// Refusals of every kind must look the same.
	f.anon().do(t, "POST", "/api/v1/auth/password-reset", obj{"login": "dave"}).ok(t, 202)
	fresh := f.lastToken(t, dave.Email)
	expired, expiredHash := identity.NewSecret(service.ResetPrefix)
	if _, err := f.svc.Store().Update(f.ctx, func(tx store.Tx) error {
		return tx.CreateUserToken(f.ctx, store.UserToken{Hash: expiredHash, UserID: dave.ID, Purpose: store.PurposePasswordReset, ExpiresAt: tx.Now().Add(-time.Second)})
	}); err != nil {
		t.Fatal(err)
	}
	alice.do(t, "POST", "/api/v1/users/"+dave.ID+"/verification", nil).ok(t, 202)
	verifyTok := f.lastToken(t, dave.Email)
	if !strings.HasPrefix(verifyTok, service.VerifyPrefix) {
		t.Fatalf("newest mail to dave holds %q, want a verification token", verifyTok)
	}
	var refusal string
	for _, c := range []struct{ name, token string }{
		{"a replayed token is invalid_token", tok},
		{"an expired token is invalid_token", expired},
		{"an unknown token is invalid_token", service.ResetPrefix + strings.Repeat("A", 43)},
		{"an empty token is invalid_token", ""},
		{"a verification token does not reset a password", verifyTok},
	} {
		t.Run(c.name+", with the same body as every other refusal", func(t *testing.T) {
			r := f.anon().do(t, "POST", "/api/v1/auth/password-reset/confirm", obj{"token": c.token, "password": "yet another passphrase"})
			r.fails(t, 400, "invalid_token", "token")
			if refusal == "" {
				refusal = string(r.body)
			} else if string(r.body) != refusal {
				t.Errorf("body %s, earlier refusals %s", r.body, refusal)
			}
		})
	}
	t.Run("a refused token changed nothing: the password stays", func(t *testing.T) {
		f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "dave", "password": newPassword}).ok(t, 200)
	})
	t.Run("a reset token does not verify an email, and is not used up by trying", func(t *testing.T) {
		f.anon().do(t, "POST", "/api/v1/auth/verify-email", obj{"token": fresh}).fails(t, 400, "invalid_token", "token")
		f.anon().do(t, "POST", "/api/v1/auth/password-reset/confirm", obj{"token": fresh, "password": "the final passphrase"}).ok(t, 204)
	})
	t.Run("the verification token refused for a reset still verifies the email", func(t *testing.T) {
		f.anon().do(t, "POST", "/api/v1/auth/verify-email", obj{"token": verifyTok}).ok(t, 204)
	})
	t.Run("the audit log records the requests, the reset and the refusals, never the tokens", func(t *testing.T) {
		p := audit(t, alice.client, url.Values{"target": {"user:" + dave.ID}, "limit": {"1000"}})
		results := map[string]int{}
		for _, ev := range p.Events {
			results[ev.Type+" "+ev.Result]++
			for k, v := range ev.Detail {
				if tokenRE.MatchString(v) {
					t.Errorf("event %s detail %s holds a token", ev.Type, k)
				}
			}
		}
		for key, want := range map[string]int{"auth.password_reset_request ok": 4, "auth.password_reset ok": 2, "auth.password_reset denied": 4} {
			if results[key] != want {
				t.Errorf("%d %s events, want %d (all: %v)", results[key], key, want, results)
			}
		}
	})
}

func TestEmailVerification(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob := f.A.Owner, f.B.Owner
	dave := f.addUser(t, f.A, "dave")
	erin := f.pendingUser(t, f.A, "erin")

	t.Run("a pending user cannot sign in", func(t *testing.T) {
		f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "erin", "password": password}).fails(t, 401, "unauthenticated", "-")
	})
	t.Run("a user without manage_users cannot send verification mail", func(t *testing.T) {
		dave.do(t, "POST", "/api/v1/users/"+erin.ID+"/verification", nil).fails(t, 403, "forbidden", "-")
	})
	t.Run("another account's admin cannot even find the user", func(t *testing.T) {
		bob.do(t, "POST", "/api/v1/users/"+erin.ID+"/verification", nil).fails(t, 404, "not_found", "-")
		if n := len(f.mailsTo(t, erin.Email)); n != 0 {
			t.Errorf("erin got %d mails", n)
		}
	})
	alice.do(t, "POST", "/api/v1/users/"+erin.ID+"/verification", nil).ok(t, 202)
	alice.do(t, "POST", "/api/v1/users/"+erin.ID+"/verification", nil).ok(t, 202)
	toks := f.mailsTo(t, erin.Email)
	if len(toks) != 2 {
		t.Fatalf("erin got %d mails, want 2", len(toks))
	}
	t.Run("a resend ends the earlier verification token", func(t *testing.T) {
		f.anon().do(t, "POST", "/api/v1/auth/verify-email", obj{"token": toks[0]}).fails(t, 400, "invalid_token", "token")
	})
	t.Run("the newest token verifies the email and activates the pending user", func(t *testing.T) {
		f.anon().do(t, "POST", "/api/v1/auth/verify-email", obj{"token": toks[1]}).ok(t, 204)
		var u domain.User
		alice.get(t, "/api/v1/users/"+erin.ID).ok(t, 200).decode(t, &u)
		if u.Status != domain.StatusActive || !u.EmailVerified {
			t.Errorf("erin is %s, email_verified %t; want active and verified", u.Status, u.EmailVerified)
		}
		f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "erin", "password": password}).ok(t, 200)
	})
	t.Run("a replayed verification token is invalid_token", func(t *testing.T) {
		f.anon().do(t, "POST", "/api/v1/auth/verify-email", obj{"token": toks[1]}).fails(t, 400, "invalid_token", "token")
	})
	t.Run("a verified email needs no more mail", func(t *testing.T) {
		alice.do(t, "POST", "/api/v1/users/"+erin.ID+"/verification", nil).fails(t, 409, "already_verified", "-")
	})
	t.Run("a new email address is unverified again", func(t *testing.T) {
		var u domain.User
		alice.do(t, "PATCH", "/api/v1/users/"+erin.ID, obj{"email": "erin.new@alpha.example"}).ok(t, 200).decode(t, &u)
		if u.EmailVerified {
			t.Errorf("erin's new address is verified")
		}
	})
	t.Run("a pending user's token does not activate them past the plan's user limit", func(t *testing.T) {
		frank := f.pendingUser(t, f.A, "frank")
		alice.do(t, "POST", "/api/v1/users/"+frank.ID+"/verification", nil).ok(t, 202)
		tok := f.lastToken(t, frank.Email)
		if _, err := f.svc.Store().Update(f.ctx, func(tx store.Tx) error {
			a, err := tx.GetAccount(f.ctx, f.A.Account)
			if err != nil {
				return err
			}
			a.Limits.MaxUsers = 3 // alice, dave, erin
			return tx.UpdateAccount(f.ctx, a)
		}); err != nil {
			t.Fatal(err)
		}
		f.anon().do(t, "POST", "/api/v1/auth/verify-email", obj{"token": tok}).fails(t, 409, "limit_reached", "-")
		var u domain.User
		alice.get(t, "/api/v1/users/"+frank.ID).ok(t, 200).decode(t, &u)
		if u.Status != domain.StatusPending || u.EmailVerified {
			t.Errorf("frank is %s, verified %t after a refused verification", u.Status, u.EmailVerified)
		}
	})
	t.Run("the audit log records the mail sent, the refusals and the verification", func(t *testing.T) {
		p := audit(t, alice.client, url.Values{"target": {"user:" + erin.ID}})
		find(t, p, "user.verification_send", "user:"+erin.ID)
		ev := find(t, p, "user.verify_email", "user:"+erin.ID)
		if ev.Result != "denied" && ev.Detail["status"] == "" {
			t.Errorf("newest verify_email event %+v", ev)
		}
	})
}

func TestClearPendingUsers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob := f.A.Owner, f.B.Owner
	dave := f.addUser(t, f.A, "dave")
	p1, p2 := f.pendingUser(t, f.A, "p1"), f.pendingUser(t, f.A, "p2")
	q1 := f.pendingUser(t, f.B, "q1")
	// p1 is named by a group, a workspace and a record's ACL: all must
	// forget it.
	grp := mkGroup(t, alice.client, "Pending people", "user:"+p1.ID)
	ws := mkWorkspace(t, alice.client, "Desk", grant{Subject: "user:" + p1.ID, Role: "viewer"})
	rec := mkRecord(t, alice.client, ws, "Story", []entry{{Subject: "user:" + p1.ID, Permissions: []string{"view"}}, {Subject: "user:" + dave.ID, Permissions: []string{"edit"}}})
	usersBefore := snapshot(t, alice.client, "/api/v1/users")

	type clearResp struct {
		DryRun bool     `json:"dry_run"`
		Count  int      `json:"count"`
		IDs    []string `json:"ids"`
	}
	for _, c := range []struct {
		name, query string
		status      int
		code, field string
		asDave, asB bool
	}{
		{"a status other than pending is refused", "status=active&older_than_days=0", 400, "invalid_query", "status", false, false},
		{"a missing status is refused", "older_than_days=0", 400, "invalid_query", "status", false, false},
		{"a missing age is refused", "status=pending", 400, "invalid_query", "older_than_days", false, false},
		{"a negative age is refused", "status=pending&older_than_days=-1", 400, "invalid_query", "older_than_days", false, false},
		{"an age that is not a number is refused", "status=pending&older_than_days=ten", 400, "invalid_query", "older_than_days", false, false},
		{"a dry_run that is not a boolean is refused", "status=pending&older_than_days=0&dry_run=maybe", 400, "invalid_query", "dry_run", false, false},
		{"an unknown parameter is refused", "status=pending&older_than_days=0&account=" + f.B.Account, 400, "invalid_query", "account", false, false},
		{"a repeated parameter is refused", "status=pending&older_than_days=0&older_than_days=5", 400, "invalid_query", "older_than_days", false, false},
		{"a user without manage_users is forbidden", "status=pending&older_than_days=0", 403, "forbidden", "-", true, false},
	} {
		t.Run(c.name+", and nothing changes", func(t *testing.T) {
			cl := alice.client
			if c.asDave {
				cl = dave.client
			}
			cl.do(t, "DELETE", "/api/v1/users?"+c.query, nil).fails(t, c.status, c.code, c.field)
			unchanged(t, alice.client, "/api/v1/users", usersBefore)
		})
	}
	t.Run("a dry run lists the account's pending users and deletes nothing", func(t *testing.T) {
		var out clearResp
		alice.do(t, "DELETE", "/api/v1/users?status=pending&older_than_days=0&dry_run=true", nil).ok(t, 200).decode(t, &out)
		if !out.DryRun || out.Count != 2 || !sameIDs(out.IDs, []string{p1.ID, p2.ID}) {
			t.Errorf("dry run = %+v, want p1 and p2", out)
		}
		unchanged(t, alice.client, "/api/v1/users", usersBefore)
	})
	t.Run("users created less than the age ago stay", func(t *testing.T) {
		var out clearResp
		alice.do(t, "DELETE", "/api/v1/users?status=pending&older_than_days=1", nil).ok(t, 200).decode(t, &out)
		if out.DryRun || out.Count != 0 || len(out.IDs) != 0 {
			t.Errorf("clear = %+v, want nothing", out)
		}
		unchanged(t, alice.client, "/api/v1/users", usersBefore)
	})
	t.Run("clearing deletes only the account's pending users", func(t *testing.T) {
		var out clearResp
		alice.do(t, "DELETE", "/api/v1/users?status=pending&older_than_days=0&dry_run=false", nil).ok(t, 200).decode(t, &out)
		if out.Count != 2 || !sameIDs(out.IDs, []string{p1.ID, p2.ID}) {
			t.Errorf("clear = %+v, want p1 and p2", out)
		}
		for _, id := range []string{p1.ID, p2.ID} {
			alice.get(t, "/api/v1/users/"+id).fails(t, 404, "not_found", "-")
		}
		alice.get(t, "/api/v1/users/"+dave.ID).ok(t, 200)
		bob.get(t, "/api/v1/users/"+q1.ID).ok(t, 200)
	})
	t.Run("the group, workspace and ACL that named a cleared user no longer do", func(t *testing.T) {
		for _, path := range []string{"/api/v1/groups/" + grp, "/api/v1/workspaces/" + ws, "/api/v1/records/" + rec + "/acl"} {
			if body := alice.get(t, path).ok(t, 200).String(); strings.Contains(body, p1.ID) {
				t.Errorf("%s still names p1: %s", path, body)
			}
		}
	})
	t.Run("the permission index agrees with a fresh load of the database", func(t *testing.T) {
		fresh, err := service.New(f.ctx, f.svc.Store(), service.Options{Password: identity.TestParams})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range []*struct {
			name string
			svc  *service.Service
		}{{"the serving index", f.svc}, {"a fresh index", fresh}} {
			if _, ok := e.svc.Engine().UserAccount(p1.ID); ok {
				t.Errorf("%s still knows p1", e.name)
			}
			if _, ok := e.svc.Engine().UserAccount(q1.ID); !ok {
				t.Errorf("%s lost q1 of the other account", e.name)
			}
		}
		if got, want := fresh.Engine().Revision(), f.svc.Engine().Revision(); got != want {
			t.Errorf("fresh index at revision %d, serving index at %d", got, want)
		}
	})
	t.Run("a cleared username can be registered again", func(t *testing.T) {
		f.pendingUser(t, f.A, "p1")
	})
	t.Run("the clear is audited with the users it removed", func(t *testing.T) {
		p := audit(t, alice.client, url.Values{"type": {"user.clear_pending"}})
		ev := find(t, p, "user.clear_pending", "account:"+f.A.Account)
		if ev.Result != "ok" || ev.Detail["count"] != "2" || !strings.Contains(ev.Detail["ids"], p1.ID) {
			t.Errorf("event %+v", ev)
		}
		if ev.Actor != alice.ID {
			t.Errorf("actor %s, want alice", ev.Actor)
		}
		denied := audit(t, alice.client, url.Values{"type": {"user.clear_pending"}, "actor": {dave.ID}})
		if len(denied.Events) != 1 || denied.Events[0].Result != "denied" {
			t.Errorf("dave's attempt: %+v", denied.Events)
		}
	})
	t.Run("the other account's admin clears their own pending users only", func(t *testing.T) {
		var out clearResp
		bob.do(t, "DELETE", "/api/v1/users?status=pending&older_than_days=0", nil).ok(t, 200).decode(t, &out)
		if out.Count != 1 || out.IDs[0] != q1.ID {
			t.Errorf("bob's clear = %+v, want q1 only", out)
		}
		var pending struct {
			Users []domain.User `json:"users"`
		}
		alice.get(t, "/api/v1/users?status=pending").ok(t, 200).decode(t, &pending)
		if len(pending.Users) != 1 || pending.Users[0].Username != "p1" {
			t.Errorf("alice's pending users after bob's clear: %+v", pending.Users)
		}
	})
}
