package service_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
	"atrium/internal/store"
)

// sharingWorld: account Acme (owner ada) with a workspace News, owned by
// olga, where the group Newsroom (nadia, ned) views and vic views
// directly; a record shared with nobody beyond the workspace, and a second
// workspace Sport only ada sees. Account Globex has its own owner.
type sharingWorld struct {
	svc                              *service.Service
	ada, olga, nadia, ned, vic, out  service.Actor
	globex                           service.Actor
	newsroom, news, sport, tier, rec string
}

func newSharingWorld(t *testing.T) *sharingWorld {
	t.Helper()
	ctx := context.Background()
	svc := openService(t, t.TempDir())
	w := &sharingWorld{svc: svc}
	_, ada, err := svc.CreateAccount(ctx, service.NewAccount{Name: "Acme", Owner: service.UserInput{Username: "ada", Email: "ada@acme.example", Password: "correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	w.ada = service.Actor{UserID: ada.ID, AccountID: ada.AccountID}
	user := func(name string) service.Actor {
		u, err := svc.CreateUser(ctx, w.ada, service.UserInput{Username: name, DisplayName: "Ms " + name, Email: name + "@acme.example"})
		if err != nil {
			t.Fatal(err)
		}
		return service.Actor{UserID: u.ID, AccountID: u.AccountID}
	}
	w.olga, w.nadia, w.ned, w.vic, w.out = user("olga"), user("nadia"), user("ned"), user("vic"), user("out")
	g, err := svc.CreateGroup(ctx, w.ada, service.GroupInput{Name: "Newsroom", Members: []authz.Subject{authz.User(w.nadia.UserID), authz.User(w.ned.UserID)}})
	if err != nil {
		t.Fatal(err)
	}
	w.newsroom = g.ID
	tier, err := svc.CreateTier(ctx, w.ada, service.TierInput{Name: "Gold"})
	if err != nil {
		t.Fatal(err)
	}
	w.tier = tier.ID
	ws, err := svc.CreateWorkspace(ctx, w.ada, service.WorkspaceInput{Name: "News", Members: []domain.Grant{
		{Subject: authz.User(w.olga.UserID), Role: "owner"}, {Subject: authz.GroupOf(g.ID), Role: "viewer"}, {Subject: authz.User(w.vic.UserID), Role: "viewer"}}})
	if err != nil {
		t.Fatal(err)
	}
	w.news = ws.ID
	sport, err := svc.CreateWorkspace(ctx, w.ada, service.WorkspaceInput{Name: "Sport"})
	if err != nil {
		t.Fatal(err)
	}
	w.sport = sport.ID
	rec, err := svc.CreateRecord(ctx, w.olga, service.RecordInput{WorkspaceID: ws.ID, Title: "Embargoed story", ACL: &[]domain.ACLEntry{}})
	if err != nil {
		t.Fatal(err)
	}
	w.rec = rec.ID
	_, gx, err := svc.CreateAccount(ctx, service.NewAccount{Name: "Globex", Owner: service.UserInput{Username: "gil", Email: "gil@globex.example", Password: "correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	w.globex = service.Actor{UserID: gx.ID, AccountID: gx.AccountID}
	return w
}

func changes(p service.ACLPreview) string {
	var out []string
	for _, c := range p.Changes {
		if len(c.Gain) > 0 {
			out = append(out, fmt.Sprintf("gain %s %v", c.Permission, c.Gain))
		}
		if len(c.Lose) > 0 {
			out = append(out, fmt.Sprintf("lose %s %v", c.Permission, c.Lose))
		}
	}
	return fmt.Sprint(out)
}

func TestPreviewACLTellsWhoGainsAndLosesBeforeAnythingChanges(t *testing.T) {
	ctx := context.Background()
	w := newSharingWorld(t)
	ref := authz.ObjectRef{Type: authz.Record, ID: w.rec}
	out := authz.User(w.out.UserID)
	for _, c := range []struct {
		name    string
		actor   service.Actor
		entries []domain.ACLEntry
		want    string
		kind    service.Kind
		field   string
	}{
		{"the workspace owner adding a user with view: that user gains view", w.olga,
			[]domain.ACLEntry{{Subject: out, Permissions: []string{"view"}}}, fmt.Sprint([]string{fmt.Sprintf("gain can_view %v", []string{w.out.UserID})}), 0, ""},
		{"giving the Newsroom edit: its members gain edit, and already view", w.olga,
			[]domain.ACLEntry{{Subject: authz.GroupOf(w.newsroom), Permissions: []string{"edit"}}}, fmt.Sprint([]string{fmt.Sprintf("gain can_edit %v", sorted(w.nadia.UserID, w.ned.UserID))}), 0, ""},
		{"an empty ACL on an empty ACL changes nothing", w.olga, nil, "[]", 0, ""},
		{"a workspace viewer may not change the ACL, so may not preview it", w.vic,
			[]domain.ACLEntry{{Subject: out, Permissions: []string{"view"}}}, "", service.KindForbidden, ""},
		{"someone who cannot see the record finds nothing", w.out,
			[]domain.ACLEntry{{Subject: out, Permissions: []string{"view"}}}, "", service.KindNotFound, ""},
		{"another account's owner finds nothing", w.globex, nil, "", service.KindNotFound, ""},
		{"a user of another account is refused as an entry, as SetACL refuses it", w.olga,
			[]domain.ACLEntry{{Subject: authz.User(w.globex.UserID), Permissions: []string{"view"}}}, "", service.KindInvalid, "entries"},
		{"a permission records do not have is refused", w.olga,
			[]domain.ACLEntry{{Subject: out, Permissions: []string{"download"}}}, "", service.KindInvalid, "entries"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := w.svc.PreviewACL(ctx, c.actor, ref, c.entries)
			if c.kind != 0 {
				e, ok := service.AsError(err)
				if !ok || e.Kind != c.kind || e.Field != c.field {
					t.Fatalf("error %v, want kind %d on %q", err, c.kind, c.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := changes(p); got != c.want {
				t.Errorf("changes %s, want %s", got, c.want)
			}
			if ok, _ := w.svc.Check(ctx, w.ada, "user:"+w.out.UserID, "can_view", ref.String()); ok {
				t.Error("the preview changed the ACL")
			}
		})
	}
}

func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

func TestMayEditACLFollowsWhatSetACLAllows(t *testing.T) {
	ctx := context.Background()
	w := newSharingWorld(t)
	ref := authz.ObjectRef{Type: authz.Record, ID: w.rec}
	for _, c := range []struct {
		name  string
		actor service.Actor
		want  bool
		kind  service.Kind
	}{
		{"the workspace's owner may", w.olga, true, 0},
		{"the account's owner may", w.ada, true, 0},
		{"a workspace viewer may not", w.vic, false, 0},
		{"someone who cannot see it finds nothing", w.out, false, service.KindNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := w.svc.MayEditACL(ctx, c.actor, ref)
			if e, _ := service.AsError(err); c.kind != 0 && (e == nil || e.Kind != c.kind) || c.kind == 0 && err != nil {
				t.Fatalf("error %v, want kind %d", err, c.kind)
			}
			if got != c.want {
				t.Errorf("may edit: %v", got)
			}
			_, err = w.svc.SetACL(ctx, c.actor, ref, []domain.ACLEntry{})
			if (err == nil) != c.want {
				t.Errorf("SetACL says %v, MayEditACL %v", err, got)
			}
		})
	}
}

func TestLabelsNameWhatTheActorMayName(t *testing.T) {
	ctx := context.Background()
	w := newSharingWorld(t)
	refs := []store.Ref{
		{Kind: store.KindUser, ID: w.nadia.UserID}, {Kind: store.KindGroup, ID: w.newsroom}, {Kind: store.KindTier, ID: w.tier},
		{Kind: store.KindWorkspace, ID: w.news}, {Kind: store.KindWorkspace, ID: w.sport},
		{Kind: store.KindUser, ID: w.globex.UserID}, {Kind: store.KindUser, ID: "usr_nobody"}, {Kind: store.KindRecord, ID: w.rec},
	}
	for _, c := range []struct {
		name  string
		actor service.Actor
		want  map[store.Ref]store.Label
	}{
		{"a member names users, groups, tiers and the workspaces it sees, nothing of another account", w.vic, map[store.Ref]store.Label{
			refs[0]: {Name: "Ms nadia", Username: "nadia"}, refs[1]: {Name: "Newsroom"}, refs[2]: {Name: "Gold"}, refs[3]: {Name: "News"}}},
		{"the owner, who sees every workspace, names Sport too", w.ada, map[store.Ref]store.Label{
			refs[0]: {Name: "Ms nadia", Username: "nadia"}, refs[1]: {Name: "Newsroom"}, refs[2]: {Name: "Gold"}, refs[3]: {Name: "News"}, refs[4]: {Name: "Sport"}}},
		{"another account's owner names itself and nothing of Acme", w.globex, map[store.Ref]store.Label{refs[5]: {Name: "gil", Username: "gil"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := w.svc.Labels(ctx, c.actor, refs)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("labels %v, want %v", got, c.want)
			}
		})
	}
}

func TestUserByUsernameFindsUsersOfTheActorsAccountOnly(t *testing.T) {
	ctx := context.Background()
	w := newSharingWorld(t)
	for _, c := range []struct {
		name, username, want string
		actor                service.Actor
	}{
		{"a member finds a colleague, whatever the case and spaces", " Nadia ", w.nadia.UserID, w.vic},
		{"nobody finds a user of another account", "gil", "", w.vic},
		{"a name that cannot be a username finds nobody", "no such user!", "", w.vic},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, err := w.svc.UserByUsername(ctx, c.actor, c.username)
			if c.want == "" {
				if e, ok := service.AsError(err); !ok || e.Kind != service.KindNotFound {
					t.Errorf("error %v, want not found", err)
				}
				return
			}
			if err != nil || u.ID != c.want {
				t.Errorf("found %s, %v; want %s", u.ID, err, c.want)
			}
			if u.Email != "" {
				t.Error("a colleague's email is shown")
			}
		})
	}
}

func TestSelectRecordsKeepsTheMatchesTheActorMayChange(t *testing.T) {
	ctx := context.Background()
	w := newSharingWorld(t)
	var news []string
	for i := range 3 {
		r, err := w.svc.CreateRecord(ctx, w.olga, service.RecordInput{WorkspaceID: w.news, Title: fmt.Sprintf("Harbour %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		news = append(news, r.ID)
	}
	sport, err := w.svc.CreateRecord(ctx, w.ada, service.RecordInput{WorkspaceID: w.sport, Title: "Harbour race"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		actor    service.Actor
		q        service.SearchQuery
		matching int
		ids      []string
	}{
		{"the workspace owner gets the matches in her workspace, not the one she only views (Sport's, by the default ACL)", w.olga, service.SearchQuery{Text: "harbour"}, 4, news},
		{"the account owner gets every match", w.ada, service.SearchQuery{Text: "harbour"}, 4, append(slices.Clone(news), sport.ID)},
		{"a viewer sees matches and may change none", w.vic, service.SearchQuery{Text: "harbour"}, 4, nil},
		{"filters narrow it", w.ada, service.SearchQuery{Text: "harbour", Workspaces: []string{w.sport}}, 1, []string{sport.ID}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sel, err := w.svc.SelectRecords(ctx, c.actor, c.q)
			if err != nil {
				t.Fatal(err)
			}
			got, want := slices.Sorted(slices.Values(sel.IDs)), slices.Sorted(slices.Values(c.ids))
			if sel.Matching != c.matching || !slices.Equal(got, want) {
				t.Errorf("matching %d, ids %v; want %d, %v", sel.Matching, got, c.matching, want)
			}
		})
	}
}

func TestRecordsByIDLeavesOutWhatTheActorCannotSee(t *testing.T) {
	ctx := context.Background()
	w := newSharingWorld(t)
	shared, err := w.svc.CreateRecord(ctx, w.olga, service.RecordInput{WorkspaceID: w.news, Title: "Shared"})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := w.svc.RecordsByID(ctx, w.out, []string{w.rec, shared.ID, "rec_nothing"})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].ID != shared.ID {
		t.Errorf("out, who sees only the record everyone may view, got %v", recs)
	}
}

func TestSubjectChoicesListGroupsAndUsersByName(t *testing.T) {
	ctx := context.Background()
	w := newSharingWorld(t)
	if _, err := w.svc.UpdateUser(ctx, w.ada, w.out.UserID, service.UserUpdate{Status: ptr("deactivated")}); err != nil {
		t.Fatal(err)
	}
	names := func(ls []store.Labeled) []string {
		var out []string
		for _, l := range ls {
			out = append(out, l.Name)
		}
		return out
	}
	for _, c := range []struct {
		name          string
		actor         service.Actor
		max           int
		groups, users []string
		more          bool
	}{
		{"a member gets the groups and the active users, by name", w.vic, 10,
			[]string{"Administrators", "Newsroom", "Standard"}, []string{"ada", "Ms nadia", "Ms ned", "Ms olga", "Ms vic"}, false},
		{"more users than asked for are not listed, and said to be more", w.vic, 4,
			[]string{"Administrators", "Newsroom", "Standard"}, nil, true},
		{"another account's owner gets its own", w.globex, 10, []string{"Administrators", "Standard"}, []string{"gil"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			groups, users, more, err := w.svc.SubjectChoices(ctx, c.actor, c.max)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(groups), c.groups) || !slices.Equal(names(users), c.users) || more != c.more {
				t.Errorf("groups %q, users %q, more %v", names(groups), names(users), more)
			}
		})
	}
}
