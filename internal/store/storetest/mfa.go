package storetest

import (
	"testing"

	"atrium/internal/store"
)

// mfaCases cover what the TOTP second factor and token scopes need of a
// store: a pending and an enabled factor, time steps accepted once,
// single-use recovery codes, and scopes stored with a token.
var mfaCases = []testCase{
	{"a user without a factor has none to read, use or delete", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		_, err := f.s.GetTOTP(f.ctx, "u1")
		wantNotFound(t, "GetTOTP", err)
		for name, fn := range map[string]func(tx store.Tx) error{
			"UseTOTPStep":     func(tx store.Tx) error { return tx.UseTOTPStep(f.ctx, "u1", 1) },
			"EnableTOTP":      func(tx store.Tx) error { return tx.EnableTOTP(f.ctx, "u1", 1, nil) },
			"UseRecoveryCode": func(tx store.Tx) error { return tx.UseRecoveryCode(f.ctx, "u1", "h") },
			"DeleteTOTP":      func(tx store.Tx) error { return tx.DeleteTOTP(f.ctx, "u1") },
		} {
			_, err := f.s.Update(f.ctx, fn)
			wantNotFound(t, name, err)
		}
	}},
	{"a started factor is pending, with its sealed secret, until enabled", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		f.update(func(tx store.Tx) error { return tx.StartTOTP(f.ctx, "u1", "sealed-1") })
		got, err := f.s.GetTOTP(f.ctx, "u1")
		f.must(err)
		if got.Secret != "sealed-1" || got.EnabledAt != nil || got.LastStep != 0 || got.CreatedAt.IsZero() {
			t.Errorf("pending factor %+v", got)
		}
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.UseTOTPStep(f.ctx, "u1", 5) })
		wantNotFound(t, "UseTOTPStep on a pending factor", err)
		// Starting again replaces the pending secret.
		f.update(func(tx store.Tx) error { return tx.StartTOTP(f.ctx, "u1", "sealed-2") })
		got, err = f.s.GetTOTP(f.ctx, "u1")
		f.must(err)
		if got.Secret != "sealed-2" {
			t.Errorf("restarted factor holds secret %q", got.Secret)
		}
	}},
	{"enabling records the step and recovery codes; an enabled factor cannot be started over", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		f.update(func(tx store.Tx) error { return tx.StartTOTP(f.ctx, "u1", "s") })
		f.update(func(tx store.Tx) error { return tx.EnableTOTP(f.ctx, "u1", 100, []string{"a", "b", "c"}) })
		got, err := f.s.GetTOTP(f.ctx, "u1")
		f.must(err)
		if got.EnabledAt == nil || got.LastStep != 100 || got.RecoveryCodesLeft != 3 {
			t.Errorf("enabled factor %+v", got)
		}
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.StartTOTP(f.ctx, "u1", "other") })
		wantConflict(t, "StartTOTP over an enabled factor", err)
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.EnableTOTP(f.ctx, "u1", 200, nil) })
		wantNotFound(t, "EnableTOTP twice", err)
	}},
	{"a time step is accepted only once and only after the last one", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		f.update(func(tx store.Tx) error { return tx.StartTOTP(f.ctx, "u1", "s") })
		f.update(func(tx store.Tx) error { return tx.EnableTOTP(f.ctx, "u1", 100, nil) })
		for _, c := range []struct {
			step int64
			ok   bool
		}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}, {102, false}} {
			_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.UseTOTPStep(f.ctx, "u1", c.step) })
			if c.ok {
				f.must(err)
			} else {
				wantNotFound(t, "UseTOTPStep of a used or older step", err)
			}
		}
	}},
	{"a recovery code is used once, and only by its user", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"))
		f.update(func(tx store.Tx) error { return tx.StartTOTP(f.ctx, "u1", "s") })
		f.update(func(tx store.Tx) error { return tx.EnableTOTP(f.ctx, "u1", 1, []string{"a", "b"}) })
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.UseRecoveryCode(f.ctx, "u2", "a") })
		wantNotFound(t, "another user's recovery code", err)
		f.update(func(tx store.Tx) error { return tx.UseRecoveryCode(f.ctx, "u1", "a") })
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.UseRecoveryCode(f.ctx, "u1", "a") })
		wantNotFound(t, "a used recovery code", err)
		got, err := f.s.GetTOTP(f.ctx, "u1")
		f.must(err)
		if got.RecoveryCodesLeft != 1 {
			t.Errorf("RecoveryCodesLeft = %d, want 1", got.RecoveryCodesLeft)
		}
	}},
	{"deleting a factor removes it with its recovery codes", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		f.update(func(tx store.Tx) error { return tx.StartTOTP(f.ctx, "u1", "s") })
		f.update(func(tx store.Tx) error { return tx.EnableTOTP(f.ctx, "u1", 1, []string{"a"}) })
		f.update(func(tx store.Tx) error { return tx.DeleteTOTP(f.ctx, "u1") })
		_, err := f.s.GetTOTP(f.ctx, "u1")
		wantNotFound(t, "GetTOTP after DeleteTOTP", err)
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.UseRecoveryCode(f.ctx, "u1", "a") })
		wantNotFound(t, "a recovery code of a deleted factor", err)
		// A new enrolment starts clean.
		f.update(func(tx store.Tx) error { return tx.StartTOTP(f.ctx, "u1", "s2") })
	}},
	{"replacing recovery codes ends the old ones, used or not, and needs an enabled factor", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"))
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.ReplaceRecoveryCodes(f.ctx, "u1", []string{"x"}) })
		wantNotFound(t, "ReplaceRecoveryCodes without a factor", err)
		f.update(func(tx store.Tx) error { return tx.StartTOTP(f.ctx, "u1", "s") })
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.ReplaceRecoveryCodes(f.ctx, "u1", []string{"x"}) })
		wantNotFound(t, "ReplaceRecoveryCodes of a pending factor", err)
		f.update(func(tx store.Tx) error { return tx.EnableTOTP(f.ctx, "u1", 1, []string{"a", "b"}) })
		f.update(func(tx store.Tx) error { return tx.UseRecoveryCode(f.ctx, "u1", "a") })
		f.update(func(tx store.Tx) error { return tx.ReplaceRecoveryCodes(f.ctx, "u1", []string{"c", "d", "e"}) })
		got, err := f.s.GetTOTP(f.ctx, "u1")
		f.must(err)
		if got.RecoveryCodesLeft != 3 || got.EnabledAt == nil || got.LastStep != 1 {
			t.Errorf("factor after the replacement %+v, want enabled with 3 codes and its step kept", got)
		}
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.UseRecoveryCode(f.ctx, "u1", "b") })
		wantNotFound(t, "an old unused recovery code", err)
		f.update(func(tx store.Tx) error { return tx.UseRecoveryCode(f.ctx, "u1", "c") })
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.ReplaceRecoveryCodes(f.ctx, "u2", []string{"c"}) })
		wantNotFound(t, "ReplaceRecoveryCodes of another user without a factor", err)
	}},
	{"a token's scopes read back as stored", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		f.update(func(tx store.Tx) error {
			if err := tx.CreateToken(f.ctx, store.Token{ID: "t1", UserID: "u1", Name: "r", Hash: "h1", Scopes: []string{"read"}}); err != nil {
				return err
			}
			return tx.CreateToken(f.ctx, store.Token{ID: "t2", UserID: "u1", Name: "rw", Hash: "h2", Scopes: []string{"read", "write"}})
		})
		got, err := f.s.GetToken(f.ctx, "t1")
		f.must(err)
		diff(t, "scopes of t1", []string{"read"}, got.Scopes)
		got, err = f.s.GetTokenByHash(f.ctx, "h2")
		f.must(err)
		diff(t, "scopes of t2", []string{"read", "write"}, got.Scopes)
		list, err := f.s.ListTokens(f.ctx, "u1")
		f.must(err)
		if len(list) != 2 || len(list[0].Scopes) == 0 || len(list[1].Scopes) == 0 {
			t.Errorf("listed tokens %+v", list)
		}
	}},
}
