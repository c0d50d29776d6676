package storetest

import (
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// signupCases cover what sign-up rules and invitations need of a store.
var signupCases = []testCase{
	{"an account without sign-up rules reads as not found", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		_, err := f.s.GetSignupRules(f.ctx, "acc")
		wantNotFound(t, "GetSignupRules", err)
	}},
	{"sign-up rules read back as set, and setting again replaces them", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("other"))
		want := domain.SignupRules{Mode: domain.SignupDomain, ApprovalRequired: true, Domains: []string{"a.example", "b.example"},
			Fields: []domain.RegistrationField{{Name: "dept", Label: "Department", Type: domain.FieldChoice, Required: true, Choices: []string{"News", "Sports"}},
				{Name: "age", Label: "Age", Type: domain.FieldNumber, Choices: []string{}}}}
		f.update(func(tx store.Tx) error { return tx.SetSignupRules(f.ctx, "acc", want) })
		got, err := f.s.GetSignupRules(f.ctx, "acc")
		f.must(err)
		diff(t, "rules", want, got)
		want = domain.SignupRules{Mode: domain.SignupOpen}
		f.update(func(tx store.Tx) error { return tx.SetSignupRules(f.ctx, "acc", want) })
		got, err = f.s.GetSignupRules(f.ctx, "acc")
		f.must(err)
		diff(t, "replaced rules", want, got)
		_, err = f.s.GetSignupRules(f.ctx, "other")
		wantNotFound(t, "another account's rules", err)
	}},
	{"setting the rules of an unknown account is not found", func(t *testing.T, f *fixture) {
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error {
			return tx.SetSignupRules(f.ctx, "nope", domain.SignupRules{Mode: domain.SignupOpen})
		})
		wantNotFound(t, "SetSignupRules", err)
	}},
	{"an invitation reads back by id and by hash", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		want := store.Invitation{ID: "i1", AccountID: "acc", Email: "x@example.com", Roles: []string{"admin"}, Groups: []string{"g1"}, Hash: "h1", CreatedBy: "u1", ExpiresAt: future}
		f.update(func(tx store.Tx) error { want.CreatedAt = tx.Now(); return tx.CreateInvitation(f.ctx, want) })
		got, err := f.s.GetInvitation(f.ctx, "i1")
		f.must(err)
		diff(t, "by id", want, got)
		got, err = f.s.GetInvitationByHash(f.ctx, "h1")
		f.must(err)
		diff(t, "by hash", want, got)
		_, err = f.s.GetInvitation(f.ctx, "nope")
		wantNotFound(t, "unknown id", err)
		_, err = f.s.GetInvitationByHash(f.ctx, "nope")
		wantNotFound(t, "unknown hash", err)
	}},
	{"two invitations with one hash conflict", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		f.update(func(tx store.Tx) error {
			return tx.CreateInvitation(f.ctx, store.Invitation{ID: "i1", AccountID: "acc", Email: "x@example.com", Hash: "h", CreatedBy: "u", ExpiresAt: future})
		})
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error {
			return tx.CreateInvitation(f.ctx, store.Invitation{ID: "i2", AccountID: "acc", Email: "y@example.com", Hash: "h", CreatedBy: "u", ExpiresAt: future})
		})
		wantConflict(t, "the second invitation", err)
	}},
	{"an invitation is accepted once, and cannot be revoked after", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		f.update(func(tx store.Tx) error {
			return tx.CreateInvitation(f.ctx, store.Invitation{ID: "i1", AccountID: "acc", Email: "x@example.com", Hash: "h1", CreatedBy: "u1", ExpiresAt: future})
		})
		var at time.Time
		f.update(func(tx store.Tx) error { at = tx.Now(); return tx.AcceptInvitation(f.ctx, "i1", "u1") })
		got, err := f.s.GetInvitation(f.ctx, "i1")
		f.must(err)
		if got.AcceptedAt == nil || !got.AcceptedAt.Equal(at) || got.AcceptedBy != "u1" {
			t.Errorf("accepted = %v by %q, want %v by u1", got.AcceptedAt, got.AcceptedBy, at)
		}
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.AcceptInvitation(f.ctx, "i1", "u1") })
		wantNotFound(t, "a second AcceptInvitation", err)
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.RevokeInvitation(f.ctx, "i1") })
		wantNotFound(t, "RevokeInvitation after accepting", err)
	}},
	{"a revoked invitation cannot be accepted or revoked again", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		f.update(func(tx store.Tx) error {
			return tx.CreateInvitation(f.ctx, store.Invitation{ID: "i1", AccountID: "acc", Email: "x@example.com", Hash: "h1", CreatedBy: "u1", ExpiresAt: future})
		})
		f.update(func(tx store.Tx) error { return tx.RevokeInvitation(f.ctx, "i1") })
		got, err := f.s.GetInvitation(f.ctx, "i1")
		f.must(err)
		if got.RevokedAt == nil {
			t.Errorf("RevokedAt is nil after revoking")
		}
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.AcceptInvitation(f.ctx, "i1", "u1") })
		wantNotFound(t, "AcceptInvitation after revoking", err)
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.RevokeInvitation(f.ctx, "i1") })
		wantNotFound(t, "a second RevokeInvitation", err)
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.RevokeInvitation(f.ctx, "nope") })
		wantNotFound(t, "revoking an unknown invitation", err)
	}},
	{"ListInvitations returns the account's pending ones only, oldest first", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("other"), user("acc", "u1"))
		var now time.Time
		for _, inv := range []store.Invitation{
			{ID: "pending1", AccountID: "acc", Hash: "a", ExpiresAt: future},
			{ID: "pending2", AccountID: "acc", Hash: "b", ExpiresAt: future},
			{ID: "accepted", AccountID: "acc", Hash: "c", ExpiresAt: future},
			{ID: "revoked", AccountID: "acc", Hash: "d", ExpiresAt: future},
			{ID: "expired", AccountID: "acc", Hash: "e", ExpiresAt: time.Now().Add(-time.Minute)},
			{ID: "elsewhere", AccountID: "other", Hash: "f", ExpiresAt: future},
		} {
			inv.Email, inv.CreatedBy = inv.ID+"@example.com", "u1"
			f.update(func(tx store.Tx) error { now = tx.Now(); return tx.CreateInvitation(f.ctx, inv) })
		}
		f.update(func(tx store.Tx) error {
			if err := tx.AcceptInvitation(f.ctx, "accepted", "u1"); err != nil {
				return err
			}
			return tx.RevokeInvitation(f.ctx, "revoked")
		})
		got, err := f.s.ListInvitations(f.ctx, "acc", now)
		f.must(err)
		ids := []string{}
		for _, inv := range got {
			ids = append(ids, inv.ID)
		}
		diff(t, "pending invitations", []string{"pending1", "pending2"}, ids)
	}},
}
