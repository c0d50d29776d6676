package storetest

import (
	"strconv"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// The filters of the admin console's user list: by role (held directly or
// through nested groups), by group, by ids.
var userFilterCases = []testCase{
	{"ListUsers by role keeps its holders, directly or through groups nested at any depth, whatever their status", testListUsersByRole},
	{"ListUsers by group keeps the group's direct user members", testListUsersByGroup},
	{"ListUsers by group pages through the members in id order, alone or with other filters", testListUsersByGroupPages},
	{"ListUsers by ids keeps those users of the account", testListUsersByIDs},
}

// roleFixture: u1 admin directly (deactivated), u2 in "admins" (holding
// admin), u3 in "inner" nested in "mid" nested in "admins", u4 in "other"
// holding nothing, u5 holding the custom role directly, u6 in "custom"
// holding it; groups "admins" and "inner" form no cycle, but "loop" and
// "loop2" contain each other, and "loop" holds finance.
func roleFixture(f *fixture) {
	f.create(account("acc"), account("acc2"), customRole("acc", "r1", "view_audit"),
		withStatus(withRoles(user("acc", "u1"), "admin"), domain.StatusDeactivated),
		user("acc", "u2"), user("acc", "u3"), user("acc", "u4"),
		withCustomRoles(user("acc", "u5"), "r1"), user("acc", "u6"), user("acc", "u7"),
		withRoles(user("acc2", "x1"), "admin"),
	)
	f.create(
		group("acc", "inner", authz.User("u3")),
		group("acc", "other", authz.User("u4")),
		groupWithCustomRoles(group("acc", "custom", authz.User("u6")), "r1"),
	)
	f.create(group("acc", "mid", authz.GroupOf("inner")))
	admins := group("acc", "admins", authz.User("u2"), authz.GroupOf("mid"))
	admins.Roles = []string{"admin"}
	loop2 := group("acc", "loop2", authz.User("u7"))
	f.create(admins, loop2)
	loop := group("acc", "loop", authz.GroupOf("loop2"))
	loop.Roles = []string{"finance"}
	f.create(loop)
	f.update(func(tx store.Tx) error { return tx.AddGroupMember(f.ctx, "loop2", authz.GroupOf("loop")) })
}

func testListUsersByRole(t *testing.T, f *fixture) {
	roleFixture(f)
	for _, c := range []struct {
		name string
		f    store.UserFilter
		want []string
	}{
		{"admin: directly, through a group and through two nested ones", store.UserFilter{Role: "admin"}, []string{"u1", "u2", "u3"}},
		{"a role held through groups in a cycle", store.UserFilter{Role: "finance"}, []string{"u7"}},
		{"a role nobody holds", store.UserFilter{Role: "developer"}, nil},
		{"a custom role: directly and through a group", store.UserFilter{CustomRole: "r1"}, []string{"u5", "u6"}},
		{"the role combines with the status", store.UserFilter{Role: "admin", Status: domain.StatusActive}, []string{"u2", "u3"}},
		{"the role combines with the query", store.UserFilter{Role: "admin", Query: "u3"}, []string{"u3"}},
		{"the role pages", store.UserFilter{Role: "admin", After: "u1", Limit: 1}, []string{"u2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			got, err := f.s.ListUsers(f.ctx, "acc", c.f)
			f.must(err)
			diff(t, "user ids", c.want, userIDs(got))
		})
	}
}

func testListUsersByGroup(t *testing.T, f *fixture) {
	roleFixture(f)
	for _, c := range []struct {
		group string
		want  []string
	}{
		{"admins", []string{"u2"}},
		{"inner", []string{"u3"}},
		{"mid", nil},
		{"nosuchgroup", nil},
	} {
		t.Run(c.group, func(t *testing.T) {
			f := f.at(t)
			got, err := f.s.ListUsers(f.ctx, "acc", store.UserFilter{Group: c.group})
			f.must(err)
			diff(t, "user ids", c.want, userIDs(got))
		})
	}
}

func testListUsersByGroupPages(t *testing.T, f *fixture) {
	roleFixture(f)
	f.create(group("acc", "big", authz.User("u6"), authz.User("u2"), authz.User("u4"), authz.User("u1")))
	for _, limit := range []int{1, 2, 3, 10} {
		var seen []string
		after := ""
		for range 10 {
			page, err := f.s.ListUsers(f.ctx, "acc", store.UserFilter{Group: "big", After: after, Limit: limit})
			f.must(err)
			if len(page) > limit {
				t.Fatalf("limit %d: a page of %d", limit, len(page))
			}
			if len(page) == 0 {
				break
			}
			seen = append(seen, userIDs(page)...)
			after = page[len(page)-1].ID
		}
		diff(t, "members paged by "+strconv.Itoa(limit), []string{"u1", "u2", "u4", "u6"}, seen)
	}
	got, err := f.s.ListUsers(f.ctx, "acc", store.UserFilter{Group: "big", Status: domain.StatusActive, Limit: 2})
	f.must(err)
	diff(t, "active members, two", []string{"u2", "u4"}, userIDs(got))
}

func testListUsersByIDs(t *testing.T, f *fixture) {
	roleFixture(f)
	for _, c := range []struct {
		name string
		ids  []string
		want []string
	}{
		{"the named users, in id order", []string{"u4", "u2"}, []string{"u2", "u4"}},
		{"another account's user is left out", []string{"u2", "x1"}, []string{"u2"}},
		{"an empty list keeps nobody", []string{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			got, err := f.s.ListUsers(f.ctx, "acc", store.UserFilter{IDs: c.ids})
			f.must(err)
			diff(t, "user ids", c.want, userIDs(got))
		})
	}
}

var groupSummaryCases = []testCase{
	{"ListGroupSummaries lists an account's groups by name with roles, custom roles and member counts, no members", func(t *testing.T, f *fixture) {
		roleFixture(f)
		got, err := f.s.ListGroupSummaries(f.ctx, "acc")
		f.must(err)
		type row struct {
			ID            string
			Roles, Custom []string
			Users, Groups int
			Members       int
		}
		var rows []row
		for _, g := range got {
			rows = append(rows, row{g.ID, g.Roles, g.CustomRoles, g.Users, g.Groups, len(g.Members)})
		}
		// Names are "Group ID": by name is by id here.
		diff(t, "summaries", []row{
			{"admins", []string{"admin"}, nil, 1, 1, 0},
			{"custom", nil, []string{"r1"}, 1, 0, 0},
			{"inner", nil, nil, 1, 0, 0},
			{"loop", []string{"finance"}, nil, 0, 1, 0},
			{"loop2", nil, nil, 1, 1, 0},
			{"mid", nil, nil, 0, 1, 0},
			{"other", nil, nil, 1, 0, 0},
		}, rows)
		other, err := f.s.ListGroupSummaries(f.ctx, "acc2")
		f.must(err)
		if len(other) != 0 {
			t.Errorf("acc2 has %d groups", len(other))
		}
	}},
	{"MemberGroups lists the groups a user or a group is a direct member of", func(t *testing.T, f *fixture) {
		roleFixture(f)
		for _, c := range []struct {
			member authz.Subject
			want   []string
		}{
			{authz.User("u3"), []string{"inner"}},
			{authz.User("u1"), nil},
			{authz.GroupOf("inner"), []string{"mid"}},
			{authz.GroupOf("loop"), []string{"loop2"}},
			{authz.User("nobody"), nil},
		} {
			got, err := f.s.MemberGroups(f.ctx, c.member)
			f.must(err)
			diff(t, "groups of "+c.member.String(), c.want, got)
		}
	}},
}
