package service_test

import (
	"context"
	"slices"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

// consoleWorld is an account Acme (owner ada) with a plain user pat, a
// developer dev, a finance user fin, a requester rita in group Freelancers
// and an approver aaron in group Curators (an access relation), a
// moderator mo in group Desk (a moderation relation for Stringers), and
// another account Other with its owner oz.
type consoleWorld struct {
	svc                                   *service.Service
	ada, pat, dev, fin, rita, aaron, mo   service.Actor
	oz                                    service.Actor
	freelancers, curators, desk, stringer string
}

func newConsoleWorld(t *testing.T) *consoleWorld {
	t.Helper()
	ctx := context.Background()
	svc := openService(t, t.TempDir())
	w := &consoleWorld{svc: svc}
	owner := func(acct, name string) service.Actor {
		_, u, err := svc.CreateAccount(ctx, service.NewAccount{Name: acct, Owner: service.UserInput{
			Username: name, Email: name + "@" + acct + ".example", Password: "correct horse battery"}})
		if err != nil {
			t.Fatal(err)
		}
		return service.Actor{UserID: u.ID, AccountID: u.AccountID}
	}
	w.ada, w.oz = owner("acme", "ada"), owner("other", "oz")
	user := func(name string, roles ...string) service.Actor {
		u, err := svc.CreateUser(ctx, w.ada, service.UserInput{Username: name, Email: name + "@acme.example", Password: "a long enough password", Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		return service.Actor{UserID: u.ID, AccountID: u.AccountID}
	}
	w.pat, w.dev, w.fin, w.rita, w.aaron, w.mo = user("pat"), user("dev", "developer"), user("fin", "finance"), user("rita"), user("aaron"), user("mo")
	group := func(name string, m service.Actor) string {
		g, err := svc.CreateGroup(ctx, w.ada, service.GroupInput{Name: name, Members: []authz.Subject{authz.User(m.UserID)}})
		if err != nil {
			t.Fatal(err)
		}
		return g.ID
	}
	w.freelancers, w.curators, w.desk, w.stringer = group("Freelancers", w.rita), group("Curators", w.aaron), group("Desk", w.mo), group("Stringers", w.pat)
	for _, rel := range []service.ApprovalInput{
		{RequesterGroups: []string{w.freelancers}, ApproverGroup: w.curators},
		{Kind: domain.RelationModeration, RequesterGroups: []string{w.stringer}, ApproverGroup: w.desk},
	} {
		if _, err := svc.CreateApprovalRelation(ctx, w.ada, rel); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func TestUserNamesNameTheAccountsUsersAtOnce(t *testing.T) {
	w := newConsoleWorld(t)
	ctx := context.Background()
	for _, c := range []struct {
		name      string
		as        service.Actor
		ids       []string
		want      []string
		wantEmail bool
	}{
		{"an owner gets the account's users with their emails", w.ada, []string{w.pat.UserID, w.rita.UserID}, []string{"pat", "rita"}, true},
		{"a plain user gets their names without emails", w.pat, []string{w.ada.UserID, w.rita.UserID}, []string{"ada", "rita"}, false},
		{"another account's user, an unknown id and a malformed one are left out", w.pat, []string{w.oz.UserID, "user_nobody", "not an id!", w.dev.UserID}, []string{"dev"}, false},
		{"no ids give no names", w.pat, nil, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := w.svc.UserNames(ctx, c.as, c.ids)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, u := range got {
				names = append(names, u.Username)
				if (u.Email != "") != c.wantEmail {
					t.Errorf("%s: email %q", u.Username, u.Email)
				}
			}
			slices.Sort(names)
			if !slices.Equal(names, c.want) {
				t.Errorf("names %v, want %v", names, c.want)
			}
		})
	}
	t.Run("more ids than a page are refused", func(t *testing.T) {
		if _, err := w.svc.UserNames(ctx, w.pat, make([]string, service.MaxUserNames+1)); err == nil {
			t.Error("no error")
		}
	})
}

func TestFindUserFindsAUsernameOfTheAccountOnly(t *testing.T) {
	w := newConsoleWorld(t)
	ctx := context.Background()
	for _, c := range []struct {
		name, username string
		wantID         string
	}{
		{"a username of the account is found", "rita", w.rita.UserID},
		{"another account's username is not found", "oz", ""},
		{"a username nobody has is not found", "nobody", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, err := w.svc.FindUser(ctx, w.pat, c.username)
			if c.wantID == "" {
				if se, ok := service.AsError(err); !ok || se.Kind != service.KindNotFound {
					t.Errorf("got %v, %v; want not found", u.ID, err)
				}
				return
			}
			if err != nil || u.ID != c.wantID || u.Email != "" {
				t.Errorf("got %+v, %v", u, err)
			}
		})
	}
}

func TestAccountUsageIsForThoseWhoLookAfterThePlan(t *testing.T) {
	w := newConsoleWorld(t)
	ctx := context.Background()
	if err := w.svc.SetLimits(ctx, w.ada.AccountID, domain.Limits{MaxUsers: 50, MaxWorkspaces: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.CreateWorkspace(ctx, w.ada, service.WorkspaceInput{Name: "News"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		as      service.Actor
		allowed bool
	}{
		{"the owner (billing) reads it", w.ada, true},
		{"a developer (manage_settings) reads it", w.dev, true},
		{"a finance user (billing) reads it", w.fin, true},
		{"a plain user may not", w.pat, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, err := w.svc.AccountUsage(ctx, c.as)
			if !c.allowed {
				if se, ok := service.AsError(err); !ok || se.Kind != service.KindForbidden {
					t.Errorf("got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := service.Usage{Limits: domain.Limits{MaxUsers: 50, MaxWorkspaces: 3}, ActiveUsers: 7, Workspaces: 1}
			if u != want {
				t.Errorf("usage %+v, want %+v", u, want)
			}
		})
	}
}

func TestMyDutiesSayWhichQueuesOneWorks(t *testing.T) {
	w := newConsoleWorld(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		as   service.Actor
		want service.Duties
	}{
		{"a plain user works none", w.pat, service.Duties{}},
		{"a requester works none", w.rita, service.Duties{}},
		{"an approver decides access requests", w.aaron, service.Duties{ApprovesAccess: true}},
		{"a moderator decides held uploads", w.mo, service.Duties{Moderates: true}},
		{"the owner reviews every request", w.ada, service.Duties{ReviewsAccess: true}},
		{"another account's owner reviews their own account's only", w.oz, service.Duties{ReviewsAccess: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := w.svc.MyDuties(ctx, c.as)
			if err != nil || got != c.want {
				t.Errorf("duties %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestGrantLevelsAreTheApprovalsChoices(t *testing.T) {
	for _, c := range []struct {
		typ                string
		levels             []string
		forView, forDownld string
		ok                 bool
	}{
		{"record", []string{"view", "download", "edit"}, "view", "download", true},
		{"workspace", []string{"viewer", "contributor", "editor"}, "viewer", "contributor", true},
		{"media", []string{"preview", "view", "download", "edit"}, "view", "download", true},
		{"tier", nil, "", "", false},
	} {
		t.Run(c.typ, func(t *testing.T) {
			levels, v, d, ok := service.GrantLevels(c.typ)
			if !slices.Equal(levels, c.levels) || v != c.forView || d != c.forDownld || ok != c.ok {
				t.Errorf("GrantLevels(%s) = %v %s %s %v", c.typ, levels, v, d, ok)
			}
		})
	}
}

func TestGroupNamesListTheAccountsGroupsWithoutTheirMembers(t *testing.T) {
	w := newConsoleWorld(t)
	gs, err := w.svc.GroupNames(context.Background(), w.pat)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range gs {
		names = append(names, g.Name)
		if len(g.Members) != 0 || g.AccountID != w.pat.AccountID {
			t.Errorf("%s: members %v, account %s", g.Name, g.Members, g.AccountID)
		}
	}
	want := []string{"Administrators", "Curators", "Desk", "Freelancers", "Standard", "Stringers"}
	if !slices.Equal(names, want) {
		t.Errorf("groups %v, want %v", names, want)
	}
}
