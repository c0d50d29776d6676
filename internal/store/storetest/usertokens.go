package storetest

import (
	"testing"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// userLifecycleCases cover what email verification, password resets and
// clearing unvalidated users need of a store: one-time tokens, the
// verified flag, and the one hard delete of a user.
var userLifecycleCases = []testCase{
	{"a one-time token reads back by its hash with its user, purpose and times", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		want := store.UserToken{Hash: "h1", UserID: "u1", Purpose: store.PurposePasswordReset, ExpiresAt: future}
		f.update(func(tx store.Tx) error { want.CreatedAt = tx.Now(); return tx.CreateUserToken(f.ctx, want) })
		got, err := f.s.GetUserToken(f.ctx, "h1")
		f.must(err)
		diff(t, "token", want, got)
	}},
	{"an unknown token hash is not found, to read or to use", func(t *testing.T, f *fixture) {
		_, err := f.s.GetUserToken(f.ctx, "nope")
		wantNotFound(t, "GetUserToken", err)
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.UseUserToken(f.ctx, "nope") })
		wantNotFound(t, "UseUserToken", err)
	}},
	{"a token is used once: it records when, and a second use is not found", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		f.update(func(tx store.Tx) error {
			return tx.CreateUserToken(f.ctx, store.UserToken{Hash: "h1", UserID: "u1", Purpose: store.PurposeVerifyEmail, ExpiresAt: future})
		})
		var at time.Time
		f.update(func(tx store.Tx) error { at = tx.Now(); return tx.UseUserToken(f.ctx, "h1") })
		got, err := f.s.GetUserToken(f.ctx, "h1")
		f.must(err)
		if got.UsedAt == nil || !got.UsedAt.Equal(at) {
			t.Errorf("UsedAt = %v, want %v", got.UsedAt, at)
		}
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.UseUserToken(f.ctx, "h1") })
		wantNotFound(t, "a second UseUserToken", err)
	}},
	{"ExpireUserTokens ends the user's unused tokens of that purpose only", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"))
		f.update(func(tx store.Tx) error {
			for _, ut := range []store.UserToken{
				{Hash: "r1", UserID: "u1", Purpose: store.PurposePasswordReset, ExpiresAt: future},
				{Hash: "r2", UserID: "u1", Purpose: store.PurposePasswordReset, ExpiresAt: future},
				{Hash: "v1", UserID: "u1", Purpose: store.PurposeVerifyEmail, ExpiresAt: future},
				{Hash: "o1", UserID: "u2", Purpose: store.PurposePasswordReset, ExpiresAt: future},
			} {
				if err := tx.CreateUserToken(f.ctx, ut); err != nil {
					return err
				}
			}
			return nil
		})
		f.update(func(tx store.Tx) error { return tx.ExpireUserTokens(f.ctx, "u1", store.PurposePasswordReset) })
		for h, wantUsed := range map[string]bool{"r1": true, "r2": true, "v1": false, "o1": false} {
			got, err := f.s.GetUserToken(f.ctx, h)
			f.must(err)
			if (got.UsedAt != nil) != wantUsed {
				t.Errorf("token %s used = %t, want %t", h, got.UsedAt != nil, wantUsed)
			}
		}
	}},
	{"email_verified is stored by CreateUser and changed by UpdateUser", func(t *testing.T, f *fixture) {
		v := user("acc", "u1")
		v.EmailVerified = true
		f.create(account("acc"), v, user("acc", "u2"))
		got, err := f.s.GetUser(f.ctx, "u1")
		f.must(err)
		if !got.EmailVerified {
			t.Errorf("u1 created verified reads back unverified")
		}
		got, err = f.s.GetUser(f.ctx, "u2")
		f.must(err)
		if got.EmailVerified {
			t.Errorf("u2 created unverified reads back verified")
		}
		got.EmailVerified = true
		f.update(func(tx store.Tx) error { return tx.UpdateUser(f.ctx, got) })
		got, err = f.s.GetUser(f.ctx, "u2")
		f.must(err)
		if !got.EmailVerified {
			t.Errorf("u2 updated to verified reads back unverified")
		}
	}},
	{"UsersCreatedBefore lists the account's users of that status created before the time, and no others", func(t *testing.T, f *fixture) {
		old := f.createAt(account("acc"), account("acc2"),
			withStatus(user("acc", "p1"), domain.StatusPending), withStatus(user("acc", "p2"), domain.StatusPending),
			user("acc", "a1"), withStatus(user("acc2", "q1"), domain.StatusPending))
		time.Sleep(2 * time.Millisecond)
		cut := time.Now()
		time.Sleep(2 * time.Millisecond)
		f.create(withStatus(user("acc", "p3"), domain.StatusPending))
		got, err := f.s.UsersCreatedBefore(f.ctx, "acc", domain.StatusPending, cut)
		f.must(err)
		diff(t, "ids", []string{"p1", "p2"}, got)
		got, err = f.s.UsersCreatedBefore(f.ctx, "acc", domain.StatusPending, old)
		f.must(err)
		diff(t, "ids created strictly before the first write", []string{}, got)
	}},
	{"DeleteUser removes the user with its memberships, grants, ACL entries, sessions and tokens, and keeps what it created", func(t *testing.T, f *fixture) {
		p := withStatus(user("acc", "p"), domain.StatusPending)
		f.create(account("acc"), user("acc", "u1"), p,
			group("acc", "g", u("p"), u("u1")),
			tier("acc", "t", grant(u("p"), "viewer")),
			workspace("acc", "ws", "", grant(u("p"), "viewer"), grant(u("u1"), "owner")),
			record("ws", "r", entry(u("p"), "view"), entry(u("u1"), "edit")),
			media("r", "m", entry(u("p"), "download")),
			collection("ws", "c", "p", entry(u("p"), "view")),
			store.Session{IDHash: "sp", UserID: "p", ExpiresAt: future},
			store.Token{ID: "tp", UserID: "p", Name: "t", Hash: "tokhash"})
		f.update(func(tx store.Tx) error {
			return tx.CreateUserToken(f.ctx, store.UserToken{Hash: "ut", UserID: "p", Purpose: store.PurposeVerifyEmail, ExpiresAt: future})
		})
		start := f.revision()
		f.update(func(tx store.Tx) error { return tx.DeleteUser(f.ctx, "p") })

		_, err := f.s.GetUser(f.ctx, "p")
		wantNotFound(t, "GetUser", err)
		_, err = f.s.GetUserToken(f.ctx, "ut")
		wantNotFound(t, "GetUserToken", err)
		_, err = f.s.GetSession(f.ctx, "sp")
		wantNotFound(t, "GetSession", err)
		_, err = f.s.GetToken(f.ctx, "tp")
		wantNotFound(t, "GetToken", err)
		g, err := f.s.GetGroup(f.ctx, "g")
		f.must(err)
		diff(t, "group members", []authz.Subject{u("u1")}, g.Members)
		tr, err := f.s.GetTier(f.ctx, "t")
		f.must(err)
		diff(t, "tier grants", []domain.Grant{}, tr.Grants)
		ws, err := f.s.GetWorkspace(f.ctx, "ws")
		f.must(err)
		diff(t, "workspace members", []domain.Grant{grant(u("u1"), "owner")}, ws.Members)
		acls, err := f.s.GetACLs(f.ctx, authz.Record, []string{"r"})
		f.must(err)
		diff(t, "record ACL", []domain.ACLEntry{entry(u("u1"), "edit")}, acls["r"])
		acls, err = f.s.GetACLs(f.ctx, authz.Media, []string{"m"})
		f.must(err)
		diff(t, "media ACL", []domain.ACLEntry(nil), acls["m"])
		c, err := f.s.GetCollection(f.ctx, "c")
		f.must(err)
		if c.CreatorID != "" || len(c.ACL) != 0 {
			t.Errorf("collection kept creator %q and ACL %v", c.CreatorID, c.ACL)
		}

		diff(t, "changes", sortRefs([]store.Ref{
			ref(store.KindCollection, "c"), ref(store.KindGroup, "g"), ref(store.KindMedia, "m"), ref(store.KindRecord, "r"),
			ref(store.KindSession, "sp"), ref(store.KindTier, "t"), ref(store.KindToken, "tp"), ref(store.KindUser, "p"), ref(store.KindWorkspace, "ws"),
		}), f.changes(start))
		_, ops := f.loadAuth([]store.Ref{ref(store.KindUser, "p")})
		if _, ok := ops["delete user p"]; !ok || len(ops) != 1 {
			t.Errorf("LoadAuth of the deleted user = %v, want only its delete", ops)
		}
	}},
	{"DeleteUser of an unknown user is not found", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.DeleteUser(f.ctx, "ghost") })
		wantNotFound(t, "DeleteUser", err)
	}},
}
