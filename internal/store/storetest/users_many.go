package storetest

import (
	"testing"

	"atrium/internal/domain"
)

// userManyCases are about reading several users at once.
var userManyCases = []testCase{
	{"GetUsers returns the existing users of any account in the caller's order, once each, with their roles", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("acc2"), withRoles(user("acc", "u1"), "admin"), user("acc", "u2"), user("acc2", "u3"))
		for _, c := range []struct {
			name string
			ids  []string
			want []string
		}{
			{"in reverse order, across accounts", []string{"u3", "u2", "u1"}, []string{"u3", "u2", "u1"}},
			{"with missing ids in between", []string{"nope", "u2", "gone", "u1"}, []string{"u2", "u1"}},
			{"with an id given twice", []string{"u1", "u1"}, []string{"u1"}},
			{"only missing ids", []string{"nope"}, nil},
			{"no ids", nil, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := f.at(t)
				got, err := f.s.GetUsers(f.ctx, c.ids)
				f.must(err)
				diff(t, "user ids", c.want, userIDs(got))
				for _, u := range got {
					want, err := f.s.GetUser(f.ctx, u.ID)
					f.must(err)
					diff(t, "user "+u.ID, want, u)
				}
			})
		}
	}},
	{"ListGroupNames lists an account's groups by name, as ListGroups does but without members or roles", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("acc2"), user("acc", "u1"))
		b := group("acc", "b", u("u1"))
		b.Name, b.Roles = "Bravo", []string{"admin"}
		a := group("acc", "a")
		a.Name = "Alpha"
		other := group("acc2", "c")
		f.create(b, a, other)
		got, err := f.s.ListGroupNames(f.ctx, "acc")
		f.must(err)
		full, err := f.s.ListGroups(f.ctx, "acc")
		f.must(err)
		want := make([]domain.Group, len(full))
		for i, g := range full {
			g.Members, g.Roles, g.CustomRoles = nil, nil, nil
			want[i] = g
		}
		diff(t, "groups", want, got)
		if len(got) != 2 || got[0].Name != "Alpha" {
			t.Errorf("groups %+v", got)
		}
	}},
}
