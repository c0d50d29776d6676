package storetest

import (
	"testing"

	"atrium/internal/domain"
	"atrium/internal/store"
)

var accountCases = []testCase{
	{"a created account reads back with its name, limits and creation time", func(t *testing.T, f *fixture) {
		a := domain.Account{ID: "acc", Name: "Acme", Limits: domain.Limits{MaxUsers: 5, MaxWorkspaces: 2, MaxStorageBytes: 1 << 40}}
		a.CreatedAt = f.createAt(a)
		got, err := f.s.GetAccount(f.ctx, "acc")
		f.must(err)
		diff(t, "account", a, got)
	}},
	{"an empty store lists no accounts", func(t *testing.T, f *fixture) {
		got, err := f.s.ListAccounts(f.ctx)
		f.must(err)
		if len(got) != 0 {
			t.Fatalf("ListAccounts on an empty store = %v, want none", got)
		}
	}},
	{"listing returns every account", func(t *testing.T, f *fixture) {
		f.create(account("acc-b"))
		f.create(account("acc-a"), account("acc-c"))
		got, err := f.s.ListAccounts(f.ctx)
		f.must(err)
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		diff(t, "account ids", []string{"acc-a", "acc-b", "acc-c"}, ids, sortStrings)
	}},
	{"an update changes the name and limits but keeps the creation time", func(t *testing.T, f *fixture) {
		a := account("acc")
		a.CreatedAt = f.createAt(a)
		a.Name = "Renamed"
		a.Limits = domain.Limits{MaxUsers: 10, MaxWorkspaces: 3, MaxStorageBytes: 12345}
		f.update(func(tx store.Tx) error { return tx.UpdateAccount(f.ctx, a) })
		got, err := f.s.GetAccount(f.ctx, "acc")
		f.must(err)
		diff(t, "account", a, got)
	}},
	{"creating an account with an id already in use is a conflict", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateAccount(f.ctx, domain.Account{ID: "acc", Name: "Other"}) })
		wantConflict(t, "second CreateAccount", err)
		got, err := f.s.GetAccount(f.ctx, "acc")
		f.must(err)
		if got.Name != "Account acc" {
			t.Errorf("after the conflict the account is named %q, want the original name", got.Name)
		}
	}},
}
