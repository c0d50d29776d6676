package web_test

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

// consoleFixture adds to Alpha the people of the review queues: rita, a
// freelancer without any workspace role, whose group Freelancers asks
// Curators (erin) for access; uma, a stringer and contributor of the
// Newsroom, whose uploads the Desk (erin) moderates.
type consoleFixture struct {
	*fixture
	rita, uma                              service.Actor
	freelancers, curators, stringers, desk string
}

func newConsoleFixture(t testing.TB) *consoleFixture {
	t.Helper()
	f := &consoleFixture{fixture: newFixture(t)}
	f.rita = f.user(t, f.A, "rita", "alpha.example")
	f.uma = f.user(t, f.A, "uma", "alpha.example")
	if err := f.svc.SetWorkspaceMember(f.ctx, f.A.Owner, f.A.Workspace, domain.Grant{Subject: authz.User(f.uma.UserID), Role: "contributor"}); err != nil {
		t.Fatal(err)
	}
	group := func(name string, m service.Actor) string {
		t.Helper()
		g, err := f.svc.CreateGroup(f.ctx, f.A.Owner, service.GroupInput{Name: name, Members: []authz.Subject{authz.User(m.UserID)}})
		if err != nil {
			t.Fatal(err)
		}
		return g.ID
	}
	f.freelancers, f.curators = group("Freelancers", f.rita), group("Curators", f.A.Editor)
	f.stringers, f.desk = group("Stringers", f.uma), group("Desk", f.A.Editor)
	for _, rel := range []service.ApprovalInput{
		{RequesterGroups: []string{f.freelancers}, ApproverGroup: f.curators},
		{Kind: domain.RelationModeration, RequesterGroups: []string{f.stringers}, ApproverGroup: f.desk},
	} {
		if _, err := f.svc.CreateApprovalRelation(f.ctx, f.A.Owner, rel); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// adminPaths are the console's pages of this feature.
var adminPaths = []string{"/ui/admin/profiles", "/ui/admin/profiles/download/new", "/ui/admin/profiles/capture/new", "/ui/admin/acl-defaults",
	"/ui/admin/signup", "/ui/admin/requests", "/ui/admin/moderation", "/ui/admin/usage", "/ui/admin/audit"}

func TestConsolePagesAreOnlyForThoseTheServiceLetsUseThem(t *testing.T) {
	f := newConsoleFixture(t)
	// Erin approves requests and moderates, but holds no account
	// permission; victor holds nothing; alice owns the account (and is in
	// no approver group: the moderation queue is not hers).
	want := map[string]map[string]int{
		"alice":  {"/ui/admin/moderation": 404},
		"erin":   {"/ui/admin/requests": 200, "/ui/admin/moderation": 200},
		"victor": {},
		"rita":   {},
	}
	for who, ok := range want {
		b := f.signedIn(t, who)
		for _, path := range adminPaths {
			status, set := ok[path]
			if !set {
				status = 404
				if who == "alice" {
					status = 200
				}
			}
			t.Run(who+" opening "+path+" gets "+http200or404(status), func(t *testing.T) {
				p := b.get(path)
				if p.status != status {
					t.Fatalf("status %d, want %d\n%s", p.status, status, p.body)
				}
				if status == 404 && p.h1() != "Not found" {
					t.Errorf("h1 %q", p.h1())
				}
			})
		}
	}
	t.Run("a form posted by someone without the permission is not found either, and changes nothing", func(t *testing.T) {
		before, err := f.svc.DefaultACLs(f.ctx, f.A.Owner)
		if err != nil {
			t.Fatal(err)
		}
		b := f.signedIn(t, "victor")
		tok := csrfOf(t, b.get("/ui/"))
		for _, path := range []string{"/ui/admin/profiles/download/new", "/ui/admin/acl-defaults/record", "/ui/admin/signup", "/ui/admin/signup/geo",
			"/ui/admin/requests/relations"} {
			p := b.post(path, url.Values{"csrf_token": {tok}, "name": {"Sneaky"}, "mode": {"open"}, "geo_mode": {"deny"}, "geo_countries": {"FR"},
				"record.rows": {"1"}, "record.0.who": {"everyone"}, "record.0.level": {"edit"}, "requester_groups": {f.freelancers}, "approver_group": {f.desk}})
			if p.status != 404 {
				t.Errorf("%s: %d", path, p.status)
			}
		}
		rules, _ := f.svc.GetSignupRules(f.ctx, f.A.Owner)
		acls, _ := f.svc.DefaultACLs(f.ctx, f.A.Owner)
		if rules.Mode != domain.SignupClosed || !reflect.DeepEqual(acls, before) {
			t.Errorf("victor changed the settings: %+v %+v", rules, acls[authz.Record])
		}
	})
}

func http200or404(s int) string {
	if s == 200 {
		return "the page"
	}
	return "not found"
}

// csrfOf is the CSRF token of a page's forms.
func csrfOf(t testing.TB, p *page) string {
	t.Helper()
	n := p.find(func(n *html.Node) bool { return attr(n, "name") == "csrf_token" })
	if n == nil {
		t.Fatalf("no CSRF token on %s", p.url)
	}
	return attr(n, "value")
}

// textIn is the text of the first element matching pred, "" without one.
func textIn(p *page, pred func(*html.Node) bool) string {
	if n := p.find(pred); n != nil {
		return strings.Join(strings.Fields(text(n)), " ")
	}
	return ""
}

func TestEveryFormOfTheConsoleAndTheAccountNeedsItsCSRFToken(t *testing.T) {
	f := newConsoleFixture(t)
	b := f.signedIn(t, "alice")
	for _, path := range []string{
		"/ui/admin/profiles/download/new", "/ui/admin/profiles/download/x/delete", "/ui/admin/profiles/capture/new", "/ui/admin/profiles/capture/x/delete",
		"/ui/admin/acl-defaults/record", "/ui/admin/signup", "/ui/admin/signup/geo",
		"/ui/admin/requests/x/approve", "/ui/admin/requests/x/reject", "/ui/admin/requests/x/revoke", "/ui/admin/requests/relations", "/ui/admin/requests/relations/x/delete",
		"/ui/admin/moderation/record/x/publish", "/ui/admin/moderation/record/x/reject",
		"/ui/account/profile", "/ui/account/password", "/ui/account/totp", "/ui/account/totp/confirm", "/ui/account/totp/disable", "/ui/account/recovery-codes",
		"/ui/account/sessions/x/revoke", "/ui/account/tokens", "/ui/account/tokens/x/revoke",
		"/ui/access-requests", "/ui/access-requests/x/withdraw",
	} {
		t.Run(path, func(t *testing.T) {
			for name, tok := range map[string]string{"without a token": "", "with a wrong token": "not-the-token"} {
				p := b.post(path, url.Values{"csrf_token": {tok}, "mode": {"open"}, "display_name": {"Mallory"}})
				if p.status != 403 || p.h1() != "This form has expired" {
					t.Errorf("%s: %d %q", name, p.status, p.h1())
				}
			}
		})
	}
	if rules, _ := f.svc.GetSignupRules(f.ctx, f.A.Owner); rules.Mode != domain.SignupClosed {
		t.Error("a form without its token changed the sign-up rules")
	}
}
