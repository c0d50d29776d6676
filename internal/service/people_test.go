package service_test

import (
	"context"
	"slices"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

// peopleFixture: account Acme with owner ada, carol (admin through the
// group Admins), dave (custom role auditors, deactivated), erin (nothing),
// and account Other with owner olga and a group of its own.
type peopleFixture struct {
	svc                     *service.Service
	ada, carol, erin, olga  service.Actor
	daveID                  string
	admins, auditors, other string
}

func newPeopleFixture(t *testing.T) *peopleFixture {
	t.Helper()
	ctx := context.Background()
	svc := openService(t, t.TempDir())
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	acct, owner, err := svc.CreateAccount(ctx, service.NewAccount{Name: "Acme", Owner: service.UserInput{
		Username: "ada", Email: "ada@acme.example", Password: "correct horse battery"}})
	must(err)
	p := &peopleFixture{svc: svc, ada: service.Actor{UserID: owner.ID, AccountID: acct.ID}}
	user := func(name string, custom ...string) service.Actor {
		t.Helper()
		u, err := svc.CreateUser(ctx, p.ada, service.UserInput{Username: name, Email: name + "@acme.example", CustomRoles: custom})
		must(err)
		return service.Actor{UserID: u.ID, AccountID: acct.ID}
	}
	role, err := svc.CreateRole(ctx, p.ada, service.RoleInput{Name: "auditors", Permissions: []string{"view_audit"}})
	must(err)
	p.auditors = role.ID
	p.carol = user("carol")
	dave := user("dave", role.ID)
	p.daveID = dave.UserID
	_, err = svc.UpdateUser(ctx, p.ada, dave.UserID, service.UserUpdate{Status: ptr("deactivated")})
	must(err)
	p.erin = user("erin")
	g, err := svc.CreateGroup(ctx, p.ada, service.GroupInput{Name: "Admins", Roles: []string{"admin"}, Members: []authz.Subject{authz.User(p.carol.UserID)}})
	must(err)
	p.admins = g.ID
	other, olga, err := svc.CreateAccount(ctx, service.NewAccount{Name: "Other", Owner: service.UserInput{
		Username: "olga", Email: "olga@other.example", Password: "correct horse battery"}})
	must(err)
	p.olga = service.Actor{UserID: olga.ID, AccountID: other.ID}
	og, err := svc.CreateGroup(ctx, p.olga, service.GroupInput{Name: "Theirs"})
	must(err)
	p.other = og.ID
	return p
}

func ptr[T any](v T) *T { return &v }

func usernames(us []domain.User) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Username)
	}
	slices.Sort(out)
	return out
}

func TestHeldPermissions(t *testing.T) {
	p := newPeopleFixture(t)
	for _, c := range []struct {
		name string
		a    service.Actor
		want []authz.AccountPermission
		not  []authz.AccountPermission
	}{
		{"the owner holds every permission, manage_owners included", p.ada, authz.AllAccountPermissions(), nil},
		{"an admin through a group holds manage_users but not manage_owners", p.carol, []authz.AccountPermission{authz.ManageUsers, authz.ManageGroups}, []authz.AccountPermission{authz.ManageOwners}},
		{"a user without roles holds none", p.erin, nil, authz.AllAccountPermissions()},
		{"an API token without the admin scope holds none", service.Actor{UserID: p.ada.UserID, AccountID: p.ada.AccountID, TokenID: "tok", Scopes: []string{"read", "write"}}, nil, authz.AllAccountPermissions()},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := p.svc.HeldPermissions(c.a)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !got.Has(w) {
					t.Errorf("lacks %s: %v", w, got.Names())
				}
			}
			for _, n := range c.not {
				if got.Has(n) {
					t.Errorf("holds %s: %v", n, got.Names())
				}
			}
		})
	}
	t.Run("a deactivated user is not signed in", func(t *testing.T) {
		_, err := p.svc.HeldPermissions(service.Actor{UserID: p.daveID, AccountID: p.ada.AccountID})
		if e, ok := service.AsError(err); !ok || e.Kind != service.KindUnauthenticated {
			t.Errorf("err %v", err)
		}
	})
}

func TestFindUsers(t *testing.T) {
	p := newPeopleFixture(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		a    service.Actor
		q    service.UserQuery
		want []string
	}{
		{"without a filter, every user of the account", p.ada, service.UserQuery{}, []string{"ada", "carol", "dave", "erin"}},
		{"by status", p.ada, service.UserQuery{Status: "deactivated"}, []string{"dave"}},
		{"by a built-in role held through a group", p.ada, service.UserQuery{Role: "admin"}, []string{"carol"}},
		{"by the owner role", p.ada, service.UserQuery{Role: "owner"}, []string{"ada"}},
		{"by a custom role, whatever the holder's status", p.ada, service.UserQuery{Role: p.auditors}, []string{"dave"}},
		{"by group: its direct user members", p.ada, service.UserQuery{Group: p.admins}, []string{"carol"}},
		{"by words in the name or email", p.ada, service.UserQuery{Query: "ERIN@acme"}, []string{"erin"}},
		{"the words of someone who may not manage users are ignored", p.erin, service.UserQuery{Query: "erin@acme"}, []string{"ada", "carol", "dave", "erin"}},
		{"filters combine", p.ada, service.UserQuery{Role: "admin", Status: "active", Query: "car"}, []string{"carol"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			page, err := p.svc.FindUsers(ctx, c.a, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := usernames(page.Users); !slices.Equal(got, c.want) {
				t.Errorf("users %q, want %q", got, c.want)
			}
		})
	}

	t.Run("pages follow one another to the end", func(t *testing.T) {
		var seen []domain.User
		after := ""
		for range 10 {
			page, err := p.svc.FindUsers(ctx, p.ada, service.UserQuery{After: after, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, page.Users...)
			if page.NextAfter == "" {
				break
			}
			after = page.NextAfter
		}
		if got := usernames(seen); !slices.Equal(got, []string{"ada", "carol", "dave", "erin"}) {
			t.Errorf("paged through %q", got)
		}
	})

	t.Run("emails are shown to user managers only", func(t *testing.T) {
		page, err := p.svc.FindUsers(ctx, p.erin, service.UserQuery{})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			if u.Email != "" && u.ID != p.erin.UserID {
				t.Errorf("erin sees %s's email", u.Username)
			}
		}
	})

	for _, c := range []struct {
		name, field string
		q           service.UserQuery
	}{
		{"an unknown status is refused on its field", "status", service.UserQuery{Status: "asleep"}},
		{"an unknown role is refused on its field", "role", service.UserQuery{Role: "wizard"}},
		{"another account's group is refused like an unknown one", "group", service.UserQuery{Group: "grp_nosuch"}},
		{"a page too large is refused", "limit", service.UserQuery{Limit: service.MaxUserPage + 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := p.svc.FindUsers(ctx, p.ada, c.q)
			if e, ok := service.AsError(err); !ok || e.Kind != service.KindInvalid || e.Field != c.field {
				t.Errorf("err %v, want invalid on %s", err, c.field)
			}
		})
	}
	t.Run("another account's group is not a filter", func(t *testing.T) {
		_, err := p.svc.FindUsers(ctx, p.ada, service.UserQuery{Group: p.other})
		if e, ok := service.AsError(err); !ok || e.Field != "group" {
			t.Errorf("err %v", err)
		}
	})
}

func TestUsersByID(t *testing.T) {
	p := newPeopleFixture(t)
	ctx := context.Background()
	got, err := p.svc.UsersByID(ctx, p.ada, []string{p.carol.UserID, p.olga.UserID, "user_nobody"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[p.carol.UserID].Username != "carol" {
		t.Errorf("users by id: %v", got)
	}
	if _, err := p.svc.UsersByID(ctx, p.ada, make([]string, service.MaxUserPage+1)); err == nil {
		t.Error("too many ids accepted")
	}
}

func TestUserMFA(t *testing.T) {
	p := newPeopleFixture(t)
	ctx := context.Background()
	if _, err := p.svc.StartTOTP(ctx, p.erin); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		a       service.Actor
		user    string
		pending bool
		kind    service.Kind // KindInternal (0): no error
	}{
		{"a user manager sees a pending enrolment", p.ada, p.erin.UserID, true, 0},
		{"a user manager sees a user without a factor", p.ada, p.carol.UserID, false, 0},
		{"a user sees their own", p.erin, p.erin.UserID, true, 0},
		{"a user without manage_users may not see another's", p.erin, p.carol.UserID, false, service.KindForbidden},
		{"another account's user is not found", p.olga, p.erin.UserID, false, service.KindNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := p.svc.UserMFA(ctx, c.a, c.user)
			if c.kind != service.KindInternal {
				if e, ok := service.AsError(err); !ok || e.Kind != c.kind {
					t.Errorf("err %v, want kind %d", err, c.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Pending != c.pending || st.TOTP {
				t.Errorf("status %+v", st)
			}
		})
	}
}

func TestUserByLogin(t *testing.T) {
	p := newPeopleFixture(t)
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		a     service.Actor
		login string
		want  string // "" for not found
	}{
		{"a username finds its user", p.ada, "carol", "carol"},
		{"a username in capitals finds its user", p.ada, " Carol ", "carol"},
		{"an email finds its user for a user manager", p.ada, "CAROL@acme.example", "carol"},
		{"an email finds nobody for someone who may not see emails", p.erin, "carol@acme.example", ""},
		{"a username finds its user for any member", p.erin, "carol", "carol"},
		{"another account's user is not found", p.olga, "carol", ""},
		{"an unknown login is not found", p.ada, "zed", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, err := p.svc.UserByLogin(ctx, c.a, c.login)
			if c.want == "" {
				if e, ok := service.AsError(err); !ok || e.Kind != service.KindNotFound {
					t.Errorf("got %q, %v; want not found", u.Username, err)
				}
				return
			}
			if err != nil || u.Username != c.want {
				t.Errorf("got %q, %v; want %s", u.Username, err, c.want)
			}
		})
	}
}

func TestGroupSummariesNestingAndUserGroups(t *testing.T) {
	p := newPeopleFixture(t)
	ctx := context.Background()
	outer, err := p.svc.CreateGroup(ctx, p.ada, service.GroupInput{Name: "Outer", Members: []authz.Subject{authz.GroupOf(p.admins), authz.User(p.erin.UserID)}})
	if err != nil {
		t.Fatal(err)
	}
	sums, err := p.svc.GroupSummaries(ctx, p.ada)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range sums {
		names = append(names, g.Name)
		if g.ID == outer.ID && (g.Users != 1 || g.Groups != 1 || len(g.Members) != 0) {
			t.Errorf("Outer: %d users, %d groups, %d members listed", g.Users, g.Groups, len(g.Members))
		}
		if g.ID == p.admins && !slices.Equal(g.Roles, []string{"admin"}) {
			t.Errorf("Admins' roles %q", g.Roles)
		}
	}
	if !slices.Equal(names, []string{"Administrators", "Admins", "Outer", "Standard"}) {
		t.Errorf("summaries of %q", names)
	}
	nest, err := p.svc.GroupNesting(ctx, p.ada)
	if err != nil || !slices.Equal(nest[outer.ID], []string{p.admins}) {
		t.Errorf("nesting %v, %v", nest, err)
	}
	if theirs, _ := p.svc.GroupNesting(ctx, p.olga); len(theirs) != 0 {
		t.Errorf("another account sees nesting %v", theirs)
	}
	gs, err := p.svc.UserGroups(ctx, p.ada, p.erin.UserID)
	if err != nil || len(gs) != 2 || !slices.Contains(gs, outer.ID) {
		t.Errorf("erin's groups %v, %v", gs, err)
	}
	if _, err := p.svc.UserGroups(ctx, p.olga, p.erin.UserID); err == nil {
		t.Error("another account's user's groups are listed")
	}
}
