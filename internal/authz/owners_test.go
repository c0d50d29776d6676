package authz_test

import (
	"slices"
	"testing"

	"atrium/internal/authz"
)

func TestActiveOwnersAreTheActiveUsersHoldingOwnerDirectly(t *testing.T) {
	owner := authz.Roles(0).With(authz.RoleOwner)
	e := authz.New()
	err := e.Apply(1,
		authz.PutAccount{ID: "a"}, authz.PutAccount{ID: "b"},
		authz.PutUser{ID: "u3", Account: "a", Active: true, Roles: owner},
		authz.PutUser{ID: "u1", Account: "a", Active: true, Roles: owner},
		authz.PutUser{ID: "u2", Account: "a", Active: false, Roles: owner}, // deactivated
		authz.PutUser{ID: "u4", Account: "a", Active: true},                // owner only through a group: not an owner
		authz.PutGroup{ID: "g", Account: "a", Members: []authz.Subject{authz.User("u4")}, Roles: owner},
		authz.PutUser{ID: "v1", Account: "b", Active: true, Roles: owner},
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.ActiveOwners("a"); !slices.Equal(got, []string{"u1", "u3"}) {
		t.Errorf("ActiveOwners(a) = %v, want [u1 u3]", got)
	}
	if got := e.ActiveOwners("nobody"); len(got) != 0 {
		t.Errorf("ActiveOwners(nobody) = %v", got)
	}
}
