package storetest

import (
	"sort"
	"testing"
	"time"

	"atrium/internal/store"
)

// future is a fixed, microsecond-precise time for expiries.
var future = time.Date(2099, 3, 4, 5, 6, 7, 891011000, time.UTC)

func tokenIDs(ts []store.Token) []string {
	ids := []string{}
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	sort.Strings(ids)
	return ids
}

var sessionCases = []testCase{
	{"a created session reads back, created at the transaction's time", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		want := store.Session{IDHash: "sess-hash", UserID: "u1", CSRFHash: "csrf-hash", ExpiresAt: future, IP: "192.0.2.7", UserAgent: "Test/1.0 (ünïcode)"}
		want.CreatedAt = f.createAt(want)
		got, err := f.s.GetSession(f.ctx, "sess-hash")
		f.must(err)
		diff(t, "session", want, got)
	}},
	{"DeleteSession removes one session", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"),
			store.Session{IDHash: "s1", UserID: "u1", ExpiresAt: future}, store.Session{IDHash: "s2", UserID: "u1", ExpiresAt: future})
		f.update(func(tx store.Tx) error { return tx.DeleteSession(f.ctx, "s1") })
		_, err := f.s.GetSession(f.ctx, "s1")
		wantNotFound(t, "GetSession after the delete", err)
		if _, err := f.s.GetSession(f.ctx, "s2"); err != nil {
			t.Errorf("the other session went too: %v", err)
		}
	}},
	{"DeleteUserSessions removes every session of that user only", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"),
			store.Session{IDHash: "s1", UserID: "u1", ExpiresAt: future},
			store.Session{IDHash: "s2", UserID: "u1", ExpiresAt: future},
			store.Session{IDHash: "s3", UserID: "u2", ExpiresAt: future})
		f.update(func(tx store.Tx) error { return tx.DeleteUserSessions(f.ctx, "u1") })
		for _, h := range []string{"s1", "s2"} {
			_, err := f.s.GetSession(f.ctx, h)
			wantNotFound(t, "GetSession of "+h, err)
		}
		if _, err := f.s.GetSession(f.ctx, "s3"); err != nil {
			t.Errorf("another user's session went too: %v", err)
		}
	}},
	{"a created token reads back by id and by hash, created at the transaction's time", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		exp := future
		for _, want := range []store.Token{
			{ID: "tok1", UserID: "u1", Name: "laptop", Hash: "hash1", ExpiresAt: &exp},
			{ID: "tok2", UserID: "u1", Name: "forever", Hash: "hash2"},
		} {
			want.CreatedAt = f.createAt(want)
			got, err := f.s.GetToken(f.ctx, want.ID)
			f.must(err)
			diff(t, "token by id", want, got)
			got, err = f.s.GetTokenByHash(f.ctx, want.Hash)
			f.must(err)
			diff(t, "token by hash", want, got)
		}
	}},
	{"a token hash already in use is a conflict", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), store.Token{ID: "tok1", UserID: "u1", Name: "a", Hash: "hash1"})
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error {
			return tx.CreateToken(f.ctx, store.Token{ID: "tok2", UserID: "u1", Name: "b", Hash: "hash1"})
		})
		wantConflict(t, "CreateToken with a taken hash", err)
	}},
	{"ListTokens lists a user's tokens only, revoked ones included", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"),
			store.Token{ID: "tok1", UserID: "u1", Name: "a", Hash: "h1"},
			store.Token{ID: "tok2", UserID: "u2", Name: "b", Hash: "h2"},
			store.Token{ID: "tok3", UserID: "u1", Name: "c", Hash: "h3"})
		f.update(func(tx store.Tx) error { return tx.RevokeToken(f.ctx, "tok3") })
		for user, want := range map[string][]string{"u1": {"tok1", "tok3"}, "u2": {"tok2"}, "nobody": nil} {
			got, err := f.s.ListTokens(f.ctx, user)
			f.must(err)
			diff(t, "tokens of "+user, want, tokenIDs(got))
		}
	}},
	{"RevokeToken stamps the transaction's time once, and revoking again is not found", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), store.Token{ID: "tok1", UserID: "u1", Name: "a", Hash: "h1"})
		var revoked time.Time
		f.update(func(tx store.Tx) error { revoked = tx.Now(); return tx.RevokeToken(f.ctx, "tok1") })
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.RevokeToken(f.ctx, "tok1") })
		wantNotFound(t, "revoking a revoked token", err)
		got, err := f.s.GetToken(f.ctx, "tok1")
		f.must(err)
		diff(t, "revocation time", &revoked, got.RevokedAt)
	}},
	{"RevokeUserTokens revokes the user's live tokens and leaves earlier revocations and other users alone", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"),
			store.Token{ID: "tok1", UserID: "u1", Name: "a", Hash: "h1"},
			store.Token{ID: "tok2", UserID: "u1", Name: "b", Hash: "h2"},
			store.Token{ID: "tok3", UserID: "u2", Name: "c", Hash: "h3"})
		var first, second time.Time
		f.update(func(tx store.Tx) error { first = tx.Now(); return tx.RevokeToken(f.ctx, "tok2") })
		f.update(func(tx store.Tx) error { second = tx.Now(); return tx.RevokeUserTokens(f.ctx, "u1") })
		for id, want := range map[string]*time.Time{"tok1": &second, "tok2": &first, "tok3": nil} {
			got, err := f.s.GetToken(f.ctx, id)
			f.must(err)
			diff(t, "revocation time of "+id, want, got.RevokedAt)
		}
	}},
	{"InstanceSecret is 32 random bytes, the same on every call for a name, and does not advance the revision", func(t *testing.T, f *fixture) {
		rev, err := f.s.Revision(f.ctx)
		f.must(err)
		a1, err := f.s.InstanceSecret(f.ctx, "a")
		f.must(err)
		a2, err := f.s.InstanceSecret(f.ctx, "a")
		f.must(err)
		b, err := f.s.InstanceSecret(f.ctx, "b")
		f.must(err)
		if len(a1) != 32 || string(a1) != string(a2) {
			t.Errorf("secret a: %x then %x", a1, a2)
		}
		if string(a1) == string(b) {
			t.Error("two names share a secret")
		}
		after, err := f.s.Revision(f.ctx)
		f.must(err)
		if after != rev {
			t.Errorf("revision moved from %d to %d", rev, after)
		}
	}},
}
