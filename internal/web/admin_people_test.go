package web_test

// The admin console's people and structure pages over real HTTP: what
// each page lists, that each action reaches the service and shows its
// refusal next to the field at fault, and that nobody reaches another
// account's users, groups, tiers, workspaces or roles.

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

// formValues are the fields the form of p posting to action sends, as a
// browser sends them: the value of each checked box (several under one
// name), the selected options, the text of text areas.
func formValues(t testing.TB, p *page, action string) url.Values {
	t.Helper()
	fm := p.find(func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == action })
	if fm == nil {
		t.Fatalf("no form posting to %s on %s:\n%s", action, p.url, p.body)
	}
	v := url.Values{}
	walk(fm, func(n *html.Node) {
		name := attr(n, "name")
		if name == "" {
			return
		}
		switch n.Data {
		case "input":
			switch attr(n, "type") {
			case "checkbox", "radio":
				if hasAttr(n, "checked") {
					v.Add(name, attr(n, "value"))
				}
			case "submit", "password":
			default:
				v.Add(name, attr(n, "value"))
			}
		case "textarea":
			v.Add(name, text(n))
		case "select":
			walk(n, func(o *html.Node) {
				if o.Data == "option" && hasAttr(o, "selected") {
					v.Add(name, attr(o, "value"))
				}
			})
		}
	})
	return v
}

// postWith posts fields with the CSRF token of page p, for one of several
// forms with the same action (a row's).
func (b *browser) postWith(p *page, action string, v url.Values) *page {
	b.t.Helper()
	tok := p.find(func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "csrf_token" })
	if tok == nil {
		b.t.Fatalf("no CSRF token on %s", p.url)
	}
	v.Set("csrf_token", attr(tok, "value"))
	return b.post(action, v)
}

// links are the hrefs of the links in the element with this id.
func (p *page) links(id string) []string {
	var out []string
	if n := p.byID(id); n != nil {
		walk(n, func(a *html.Node) {
			if a.Data == "a" {
				out = append(out, attr(a, "href"))
			}
		})
	}
	return out
}

// formError is the error above a form, "" without one.
func (p *page) formError() string {
	if n := p.find(func(n *html.Node) bool { return attr(n, "class") == "form-error" }); n != nil {
		return strings.Join(strings.Fields(text(n)), " ")
	}
	return ""
}

// notice is the done notice a page shows after a change.
func (p *page) notice() string {
	if n := p.find(func(n *html.Node) bool { return attr(n, "class") == "saved" }); n != nil {
		return strings.TrimSpace(text(n))
	}
	return ""
}

// adminFixture adds to Alpha carol (admin), mia (a custom role with
// manage_users alone) and a group Photographers holding erin.
type adminFixture struct {
	*fixture
	carol, mia service.Actor
	role       string // mia's custom role
	photogs    string
}

func newAdminFixture(t *testing.T) *adminFixture {
	t.Helper()
	f := newFixture(t)
	af := &adminFixture{fixture: f}
	af.carol = f.user(t, f.A, "carol", "alpha.example")
	if _, err := f.svc.UpdateUser(f.ctx, f.A.Owner, af.carol.UserID, service.UserUpdate{Roles: &[]string{"admin"}}); err != nil {
		t.Fatal(err)
	}
	role, err := f.svc.CreateRole(f.ctx, f.A.Owner, service.RoleInput{Name: "people", Permissions: []string{"manage_users"}})
	if err != nil {
		t.Fatal(err)
	}
	af.role = role.ID
	u, err := f.svc.CreateUser(f.ctx, f.A.Owner, service.UserInput{Username: "mia", Email: "mia@alpha.example", Password: password, CustomRoles: []string{role.ID}})
	if err != nil {
		t.Fatal(err)
	}
	af.mia = service.Actor{UserID: u.ID, AccountID: f.A.Account}
	g, err := f.svc.CreateGroup(f.ctx, f.A.Owner, service.GroupInput{Name: "Photographers", Members: []authz.Subject{authz.User(f.A.Editor.UserID)}})
	if err != nil {
		t.Fatal(err)
	}
	af.photogs = g.ID
	return af
}

func TestAdminIndexOffersWhatTheUserMayManage(t *testing.T) {
	f := newAdminFixture(t)
	all := []string{"/ui/admin/users", "/ui/admin/invitations", "/ui/admin/groups", "/ui/admin/workspaces", "/ui/admin/tiers", "/ui/admin/roles",
		"/ui/admin/profiles", "/ui/admin/acl-defaults", "/ui/admin/signup", "/ui/admin/requests", "/ui/admin/moderation", "/ui/admin/usage", "/ui/admin/audit"}
	for _, c := range []struct {
		name, login string
		status      int
		sections    []string
	}{
		{"the owner is offered every section", "alice", 200, all},
		{"an admin is offered every section", "carol", 200, all},
		{"a user manager through a custom role is offered users and invitations alone", "mia", 200, []string{"/ui/admin/users", "/ui/admin/invitations"}},
		{"a user without an administrative permission is refused", "erin", 403, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := f.signedIn(t, c.login)
			p := b.get("/ui/admin")
			if p.status != c.status {
				t.Fatalf("status %d, want %d", p.status, c.status)
			}
			var got []string
			for _, a := range p.findAll(func(n *html.Node) bool { return n.Data == "a" && strings.HasPrefix(attr(n, "href"), "/ui/admin/") }) {
				got = append(got, attr(a, "href"))
			}
			if !slices.Equal(got, c.sections) {
				t.Errorf("sections %q, want %q", got, c.sections)
			}
			nav := p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/ui/admin" })
			if (nav != nil) != (c.status == 200) {
				t.Errorf("the header's Admin link is there: %v", nav != nil)
			}
			if nav != nil && attr(nav, "aria-current") != "page" {
				t.Error("the Admin link is not marked as the current page")
			}
		})
	}
}

func TestAdminUsersListSearchesFiltersAndPages(t *testing.T) {
	f := newAdminFixture(t)
	for i := range 55 {
		f.user(t, f.A, "extra"+string(rune('a'+i/26))+string(rune('a'+i%26)), "alpha.example")
	}
	if _, err := f.svc.UpdateUser(f.ctx, f.A.Owner, f.A.Viewer.UserID, service.UserUpdate{Status: ptr("deactivated")}); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.CreateGroup(f.ctx, f.A.Owner, service.GroupInput{Name: "Desk", Roles: []string{"library_editor"},
		Members: []authz.Subject{authz.User(f.mia.UserID)}})
	if err != nil {
		t.Fatal(err)
	}
	alice := f.signedIn(t, "alice")
	usernames := func(p *page) []string {
		var out []string
		if tb := p.byID("users"); tb != nil {
			walk(tb, func(n *html.Node) {
				if attr(n, "class") == "uname" {
					out = append(out, strings.TrimSpace(text(n)))
				}
			})
		}
		return out
	}
	for _, c := range []struct {
		name  string
		query url.Values
		want  []string
	}{
		{"words match the username", url.Values{"q": {"caro"}}, []string{"carol"}},
		{"words match the email", url.Values{"q": {"mia@alpha"}}, []string{"mia"}},
		{"the status keeps deactivated users", url.Values{"status": {"deactivated"}}, []string{"victor"}},
		{"a built-in role keeps its holders", url.Values{"role": {"admin"}}, []string{"carol"}},
		{"a role held through a group counts", url.Values{"role": {"library_editor"}}, []string{"mia"}},
		{"a custom role keeps its holders", url.Values{"role": {f.role}}, []string{"mia"}},
		{"filters combine", url.Values{"role": {"admin"}, "status": {"active"}, "q": {"zzz"}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := alice.get("/ui/admin/users?" + c.query.Encode())
			if p.status != 200 {
				t.Fatalf("status %d\n%s", p.status, p.body)
			}
			if got := usernames(p); !slices.Equal(got, c.want) {
				t.Errorf("users %q, want %q", got, c.want)
			}
			if c.want == nil && p.byID("users-empty") == nil {
				t.Error("no word that nobody matches")
			}
		})
	}

	t.Run("pages of 50 follow one another, each user once", func(t *testing.T) {
		p := alice.get("/ui/admin/users")
		seen := usernames(p)
		if len(seen) != 50 {
			t.Fatalf("%d users on the first page", len(seen))
		}
		next := p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "rel") == "next" })
		if next == nil {
			t.Fatal("no next page")
		}
		p = alice.get(attr(next, "href"))
		seen = append(seen, usernames(p)...)
		if p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "rel") == "next" }) != nil {
			t.Error("a next page after the last")
		}
		if p.find(func(n *html.Node) bool { return n.Data == "a" && strings.TrimSpace(text(n)) == "First page" }) == nil {
			t.Error("no way back to the first page")
		}
		slices.Sort(seen)
		if len(seen) != 60 || len(slices.Compact(seen)) != 60 {
			t.Errorf("%d users seen, want the account's 60 once each", len(seen))
		}
	})

	for _, c := range []struct {
		name, field string
		query       url.Values
	}{
		{"an unknown role is refused next to the role filter", "role", url.Values{"role": {"wizard"}}},
		{"an unknown status is refused next to the status filter", "status", url.Values{"status": {"asleep"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := alice.get("/ui/admin/users?" + c.query.Encode())
			if p.status != 422 {
				t.Errorf("status %d", p.status)
			}
			if p.fieldError(c.field) == "" {
				t.Errorf("no error next to %s", c.field)
			}
		})
	}

	t.Run("a user without manage_users sees no email and no invitation link", func(t *testing.T) {
		p := f.signedIn(t, "erin").get("/ui/admin/users")
		if p.status != 200 {
			t.Fatalf("status %d", p.status)
		}
		if strings.Contains(p.body, "@alpha.example") || strings.Contains(p.body, "/ui/admin/invitations") {
			t.Error("the list shows emails or the invitation link")
		}
	})

	t.Run("another account's users are not listed", func(t *testing.T) {
		p := f.signedIn(t, "bob").get("/ui/admin/users")
		if got := usernames(p); len(got) != 3 {
			t.Errorf("bob sees %q", got)
		}
		if strings.Contains(p.body, "alice") {
			t.Error("bob sees alice")
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestAdminUserPageChangesRolesAccessAndStatus(t *testing.T) {
	f := newAdminFixture(t)
	erin := f.A.Editor.UserID
	path := "/ui/admin/users/" + erin
	alice := f.signedIn(t, "alice")

	t.Run("roles and custom roles are saved", func(t *testing.T) {
		p := alice.get(path)
		p = alice.send(p, path+"/roles", url.Values{"roles": {"library_viewer", "finance"}, "custom_roles": {f.role}})
		if p.status != 200 || p.notice() != "The roles are saved." {
			t.Fatalf("status %d, notice %q", p.status, p.notice())
		}
		u, _ := f.svc.GetUser(f.ctx, f.A.Owner, erin)
		if !slices.Equal(u.Roles, []string{"finance", "library_viewer"}) || !slices.Equal(u.CustomRoles, []string{f.role}) {
			t.Errorf("roles %q, custom %q", u.Roles, u.CustomRoles)
		}
		if v := formValues(t, p, path+"/roles"); !slices.Equal(v["roles"], []string{"finance", "library_viewer"}) {
			t.Errorf("the form shows %q checked", v["roles"])
		}
	})

	t.Run("an unknown role is refused next to the roles", func(t *testing.T) {
		p := alice.get(path)
		p = alice.send(p, path+"/roles", url.Values{"roles": {"wizard"}})
		if p.status != 422 || !strings.Contains(p.fieldError("roles"), "nknown account role") {
			t.Errorf("status %d, error %q", p.status, p.fieldError("roles"))
		}
	})

	t.Run("an admin may not give the owner role: the refusal is above the roles", func(t *testing.T) {
		carol := f.signedIn(t, "carol")
		p := carol.get(path)
		p = carol.send(p, path+"/roles", url.Values{"roles": {"owner"}})
		if p.status != 403 || !strings.Contains(p.formError(), "manage_owners") {
			t.Errorf("status %d, error %q", p.status, p.formError())
		}
		if u, _ := f.svc.GetUser(f.ctx, f.A.Owner, erin); slices.Contains(u.Roles, "owner") {
			t.Error("erin became an owner")
		}
	})

	t.Run("application access is saved", func(t *testing.T) {
		p := alice.get(path)
		p = alice.send(p, path+"/access", url.Values{"access": {"portal", "capture"}})
		if p.notice() != "The application access is saved." {
			t.Fatalf("status %d, notice %q", p.status, p.notice())
		}
		if u, _ := f.svc.GetUser(f.ctx, f.A.Owner, erin); !slices.Equal(u.Access, []string{"capture", "portal"}) && !slices.Equal(u.Access, []string{"portal", "capture"}) {
			t.Errorf("access %q", u.Access)
		}
	})

	t.Run("a ban needs a reason, given next to the field; then the user is banned and signed out", func(t *testing.T) {
		erinBrowser := f.signedIn(t, "erin")
		p := alice.get(path)
		link := p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == path+"/status?to=banned" })
		if link == nil {
			t.Fatal("no link to ban")
		}
		p = alice.get(attr(link, "href"))
		if p.h1() != "Ban erin?" {
			t.Errorf("confirmation %q", p.h1())
		}
		p = alice.send(p, path+"/status", nil)
		if p.status != 422 || !strings.Contains(p.fieldError("reason"), "reason") {
			t.Fatalf("status %d, error %q", p.status, p.fieldError("reason"))
		}
		p = alice.send(p, path+"/status", url.Values{"reason": {"Leaked the embargoed photos"}})
		if p.notice() != "The status is changed." || p.textOf("user-status") != "Banned" {
			t.Fatalf("notice %q, status %q", p.notice(), p.textOf("user-status"))
		}
		if got := erinBrowser.get("/ui/"); got.path() != "/ui/signin" {
			t.Errorf("erin's browser is still signed in: %s", got.path())
		}
		evs, err := f.svc.ListAudit(f.ctx, f.A.Owner, service.AuditQuery{Target: "user:" + erin, Type: service.AuditUserUpdate})
		if err != nil || len(evs.Events) == 0 || evs.Events[0].Detail["status_reason"] != "Leaked the embargoed photos" {
			t.Errorf("audit %v, %v", evs.Events, err)
		}
	})

	t.Run("a banned user is reactivated after a confirmation", func(t *testing.T) {
		p := alice.get(path + "/status?to=active")
		p = alice.send(p, path+"/status", nil)
		if p.textOf("user-status") != "Active" {
			t.Errorf("status %q", p.textOf("user-status"))
		}
	})

	t.Run("deactivating an owner is refused for an admin, with the reason on the confirmation", func(t *testing.T) {
		carol := f.signedIn(t, "carol")
		owner := "/ui/admin/users/" + f.A.Owner.UserID
		p := carol.get(owner + "/status?to=deactivated")
		p = carol.send(p, owner+"/status", nil)
		if p.status != 403 || !strings.Contains(p.formError(), "manage_owners") {
			t.Errorf("status %d, error %q", p.status, p.formError())
		}
	})

	t.Run("the last owner cannot deactivate themselves", func(t *testing.T) {
		p := alice.get("/ui/admin/users/" + f.A.Owner.UserID)
		if p.find(func(n *html.Node) bool { return strings.Contains(attr(n, "href"), "/status?to=") }) != nil {
			t.Error("one's own page offers a status change")
		}
	})
}

func TestAdminUserPageSessionsAndSecondFactor(t *testing.T) {
	f := newAdminFixture(t)
	victor := f.A.Viewer.UserID
	path := "/ui/admin/users/" + victor
	alice := f.signedIn(t, "alice")
	first := f.signedIn(t, "victor")
	second := f.signedIn(t, "victor")

	p := alice.get(path)
	rows := p.findAll(func(n *html.Node) bool {
		return n.Data == "form" && strings.HasPrefix(attr(n, "action"), path+"/sessions/ses_")
	})
	if len(rows) != 2 {
		t.Fatalf("%d sessions listed, want 2", len(rows))
	}
	t.Run("signing one session out ends that one", func(t *testing.T) {
		p = alice.postWith(p, attr(rows[0], "action"), url.Values{})
		if p.notice() != "The session is signed out." {
			t.Fatalf("notice %q", p.notice())
		}
		out := 0
		for _, b := range []*browser{first, second} {
			if b.get("/ui/").path() == "/ui/signin" {
				out++
			}
		}
		if out != 1 {
			t.Errorf("%d of victor's browsers signed out, want 1", out)
		}
	})
	t.Run("signing out everywhere asks first, then ends every session", func(t *testing.T) {
		p := alice.get(path + "/sessions/revoke")
		if p.h1() != "Sign victor out everywhere?" {
			t.Errorf("confirmation %q", p.h1())
		}
		p = alice.send(p, path+"/sessions/revoke", nil)
		if p.notice() != "Every session of this user is signed out." {
			t.Fatalf("notice %q", p.notice())
		}
		for _, b := range []*browser{first, second} {
			if b.get("/ui/").path() != "/ui/signin" {
				t.Error("a browser of victor's is still signed in")
			}
		}
	})
	t.Run("a second factor being set up is shown and reset after a confirmation", func(t *testing.T) {
		if _, err := f.svc.StartTOTP(f.ctx, f.A.Viewer); err != nil {
			t.Fatal(err)
		}
		p := alice.get(path)
		if !strings.Contains(p.textOf("mfa-h")+p.body, "Being set up") {
			t.Error("the pending factor is not shown")
		}
		p = alice.get(path + "/mfa/reset")
		p = alice.send(p, path+"/mfa/reset", nil)
		if !strings.HasPrefix(p.notice(), "Two-factor sign-in is reset") {
			t.Fatalf("notice %q", p.notice())
		}
		if st, _ := f.svc.UserMFA(f.ctx, f.A.Owner, victor); st.Pending || st.TOTP {
			t.Errorf("the factor is still there: %+v", st)
		}
	})
	t.Run("resetting a factor that is not there says so", func(t *testing.T) {
		p := alice.get(path + "/mfa/reset")
		p = alice.send(p, path+"/mfa/reset", nil)
		if p.status != 409 || !strings.Contains(p.formError(), "no two-factor sign-in") {
			t.Errorf("status %d, error %q", p.status, p.formError())
		}
	})
}

func TestAdminPagesRefuseWhatTheServiceRefuses(t *testing.T) {
	f := newAdminFixture(t)
	alice := f.signedIn(t, "alice")
	erin := f.signedIn(t, "erin")
	bob := f.signedIn(t, "bob")

	for _, c := range []struct {
		name   string
		b      *browser
		path   string
		status int
	}{
		{"another account's user is not found", bob, "/ui/admin/users/" + f.A.Viewer.UserID, 404},
		{"another account's group is not found", bob, "/ui/admin/groups/" + f.photogs, 404},
		{"another account's workspace is not found", bob, "/ui/admin/workspaces/" + f.A.Workspace, 404},
		{"another account's role is not found", bob, "/ui/admin/roles/" + f.role, 404},
		{"another account's user's ban confirmation is not found", bob, "/ui/admin/users/" + f.A.Viewer.UserID + "/status?to=banned", 404},
		{"an unknown invitation is not found", alice, "/ui/admin/invitations/inv_nosuch/revoke", 404},
		{"the invitations of someone without manage_users are refused", erin, "/ui/admin/invitations", 403},
		{"a viewer's page of a workspace offers no member forms", f.signedIn(t, "victor"), "/ui/admin/workspaces/" + f.A.Workspace, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.b.get(c.path)
			if p.status != c.status {
				t.Errorf("status %d, want %d", p.status, c.status)
			}
			if p.status == 200 && strings.Contains(p.body, "/members/remove") {
				t.Error("member forms offered")
			}
		})
	}
	t.Run("a user without manage_users posting roles is refused by the service", func(t *testing.T) {
		p := erin.get("/ui/admin/users/" + f.A.Viewer.UserID)
		if strings.Contains(p.body, "/roles\"") {
			t.Error("the roles form is offered")
		}
		p = erin.postWith(p, "/ui/admin/users/"+f.A.Viewer.UserID+"/roles", url.Values{"roles": {"admin"}})
		if p.status != 403 {
			t.Errorf("status %d", p.status)
		}
		if u, _ := f.svc.GetUser(f.ctx, f.A.Owner, f.A.Viewer.UserID); len(u.Roles) != 0 {
			t.Errorf("victor's roles %q", u.Roles)
		}
	})
	t.Run("a form without the session's token is refused", func(t *testing.T) {
		p := alice.post("/ui/admin/users/"+f.A.Viewer.UserID+"/roles", url.Values{"roles": {"admin"}, "csrf_token": {"forged"}})
		if p.status != 403 || p.h1() != "This form has expired" {
			t.Errorf("status %d, %q", p.status, p.h1())
		}
	})
	t.Run("another account's user cannot be changed", func(t *testing.T) {
		p := bob.get("/ui/admin/users")
		p = bob.postWith(p, "/ui/admin/users/"+f.A.Viewer.UserID+"/status", url.Values{"status": {"banned"}, "reason": {"x"}})
		if p.status != 404 {
			t.Errorf("status %d", p.status)
		}
		if u, _ := f.svc.GetUser(f.ctx, f.A.Owner, f.A.Viewer.UserID); u.Status != domain.StatusActive {
			t.Errorf("victor is %s", u.Status)
		}
	})
}

func TestAdminInvitationsAndAcceptingOne(t *testing.T) {
	f := newAdminFixture(t)
	alice := f.signedIn(t, "alice")
	const path = "/ui/admin/invitations"

	for _, c := range []struct {
		name, field, want string
		set               url.Values
		status            int
	}{
		{"an email that is not one is refused next to the email", "email", "email", url.Values{"email": {"not an address"}}, 422},
		{"a user's email is refused above the form", "", "already", url.Values{"email": {"erin@alpha.example"}}, 409},
		{"days that are not a number are refused next to them", "expires_in_days", "number", url.Values{"email": {"x@alpha.example"}, "expires_in_days": {"soon"}}, 422},
		{"too many days are refused next to them", "expires_in_days", "expires_in_days", url.Values{"email": {"x@alpha.example"}, "expires_in_days": {"400"}}, 422},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := alice.get(path)
			p = alice.send(p, path, c.set)
			if p.status != c.status {
				t.Errorf("status %d, want %d", p.status, c.status)
			}
			got := p.formError()
			if c.field != "" {
				got = p.fieldError(c.field)
			}
			if !strings.Contains(strings.ToLower(got), c.want) {
				t.Errorf("error %q, want %q", got, c.want)
			}
			if v := formValues(t, p, path); v.Get("email") != c.set.Get("email") {
				t.Errorf("the email typed is lost: %q", v.Get("email"))
			}
		})
	}

	var token string
	t.Run("an invitation with a role and a group is mailed and listed", func(t *testing.T) {
		p := alice.get(path)
		p = alice.send(p, path, url.Values{"email": {"nora@alpha.example"}, "roles": {"library_viewer"}, "groups": {f.photogs}})
		if p.notice() != "The invitation is on its way." {
			t.Fatalf("status %d, notice %q\n%s", p.status, p.notice(), p.body)
		}
		if got := p.textOf("invitations"); !strings.Contains(got, "nora@alpha.example") || !strings.Contains(got, "library_viewer; Photographers") {
			t.Errorf("the list says %q", got)
		}
		token = tokenIn(t, f.lastMailTo(t, "nora@alpha.example"), service.InvitePrefix)
	})

	t.Run("accepting: a wrong token is refused next to it", func(t *testing.T) {
		b := f.browser(t)
		p := b.get("/ui/invitations/accept")
		p = b.send(p, "/ui/invitations/accept", url.Values{"token": {service.InvitePrefix + "wrong"}, "username": {"nora"}, "password": {"a long enough password 1"}})
		if p.status != 400 || !strings.Contains(p.fieldError("token"), "invalid") {
			t.Errorf("status %d, error %q", p.status, p.fieldError("token"))
		}
	})
	t.Run("accepting: a weak password is refused next to it, the token kept", func(t *testing.T) {
		b := f.browser(t)
		p := b.get("/ui/invitations/accept?token=" + url.QueryEscape(token))
		p = b.send(p, "/ui/invitations/accept", url.Values{"username": {"nora"}, "password": {"short"}})
		if p.status != 422 || p.fieldError("password") == "" {
			t.Errorf("status %d, error %q", p.status, p.fieldError("password"))
		}
		if formValues(t, p, "/ui/invitations/accept").Get("token") != token {
			t.Error("the token is lost")
		}
	})
	t.Run("accepting with the mailed token makes the user, who signs in with the role and group", func(t *testing.T) {
		b := f.browser(t)
		p := b.get("/ui/invitations/accept?token=" + url.QueryEscape(token))
		p = b.send(p, "/ui/invitations/accept", url.Values{"username": {"nora"}, "display_name": {"Nora N."}, "password": {"a long enough password 1"}})
		if p.status != 200 || p.h1() != "Welcome to Atrium" {
			t.Fatalf("status %d, %q\n%s", p.status, p.h1(), p.body)
		}
		f.signedInWith(t, "nora", "a long enough password 1")
		u, err := f.svc.UserByLogin(f.ctx, f.A.Owner, "nora")
		if err != nil || !slices.Equal(u.Roles, []string{"library_viewer"}) || !u.EmailVerified {
			t.Errorf("nora: %+v, %v", u, err)
		}
		g, _ := f.svc.GetGroup(f.ctx, f.A.Owner, f.photogs)
		if !slices.Contains(g.Members, authz.User(u.ID)) {
			t.Error("nora is not in Photographers")
		}
		if strings.Contains(alice.get(path).body, "nora@alpha.example") {
			t.Error("an accepted invitation is still listed")
		}
	})
	t.Run("an invitation is revoked after a confirmation", func(t *testing.T) {
		p := alice.get(path)
		p = alice.send(p, path, url.Values{"email": {"otto@alpha.example"}})
		link := p.find(func(n *html.Node) bool { return n.Data == "a" && strings.HasSuffix(attr(n, "href"), "/revoke") })
		if link == nil {
			t.Fatal("no revoke link")
		}
		p = alice.get(attr(link, "href"))
		if p.h1() != "Revoke the invitation of otto@alpha.example?" {
			t.Errorf("confirmation %q", p.h1())
		}
		p = alice.send(p, attr(link, "href"), nil)
		if p.notice() != "The invitation is revoked." || strings.Contains(p.textOf("invitations"), "otto") {
			t.Errorf("notice %q, list %q", p.notice(), p.textOf("invitations"))
		}
	})
}
