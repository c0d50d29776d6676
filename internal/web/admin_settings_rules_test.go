package web_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

func TestDefaultACLsAreSetPerTypeInTheConsole(t *testing.T) {
	f := newConsoleFixture(t)
	b := f.signedIn(t, "alice")
	p := b.get("/ui/admin/acl-defaults")
	if got := attr(p.find(func(n *html.Node) bool { return attr(n, "id") == "f-record.0.who" }), "id"); got == "" {
		t.Fatalf("no editor for records:\n%s", p.body)
	}
	for _, c := range []struct {
		name, typ, field, want string
		values                 url.Values
	}{
		{"a subject given twice is refused on the list", "record", "record", "appears twice",
			url.Values{"record.0.who": {"everyone"}, "record.0.level": {"view"}, "record.1.who": {"Everyone"}, "record.1.level": {"edit"}}},
		{"a level the type does not have is refused on its row", "collection", "collection.0.who", "Choose a level",
			url.Values{"collection.0.who": {"everyone"}, "collection.0.level": {"download"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := b.submit(b.get("/ui/admin/acl-defaults"), "/ui/admin/acl-defaults/"+c.typ, c.values)
			if p.status != 422 {
				t.Fatalf("status %d", p.status)
			}
			if got := p.fieldError(c.field); !strings.Contains(got, c.want) {
				t.Errorf("error next to %s: %q", c.field, got)
			}
		})
	}
	t.Run("a valid list replaces the type's default and only that one", func(t *testing.T) {
		before, _ := f.svc.DefaultACLs(f.ctx, f.A.Owner)
		p := b.submit(b.get("/ui/admin/acl-defaults"), "/ui/admin/acl-defaults/media", url.Values{
			"media.0.who": {"Curators"}, "media.0.level": {"download"},
			"media.1.who": {"The creating user"}, "media.1.level": {"edit"},
			"media.2.who": {"victor"}, "media.2.level": {"preview"}})
		if !strings.Contains(p.body, "The default ACL of media is saved.") {
			t.Fatalf("after saving: %s %d\n%s", p.url, p.status, p.body)
		}
		after, err := f.svc.DefaultACLs(f.ctx, f.A.Owner)
		if err != nil {
			t.Fatal(err)
		}
		want := []domain.ACLEntry{
			{Subject: authz.GroupOf(f.curators), Permissions: []string{"preview", "view", "download"}},
			{Subject: authz.User(store.DefaultCreator), Permissions: []string{"preview", "view", "download", "edit"}},
			{Subject: authz.User(f.A.Viewer.UserID), Permissions: []string{"preview"}},
		}
		if len(after[authz.Media]) != 3 {
			t.Fatalf("media default %+v", after[authz.Media])
		}
		for _, w := range want {
			if !slices.ContainsFunc(after[authz.Media], func(en domain.ACLEntry) bool { return en.Subject == w.Subject && highest(en) == highest(w) }) {
				t.Errorf("missing %+v in %+v", w, after[authz.Media])
			}
		}
		if !equalACL(before[authz.Record], after[authz.Record]) {
			t.Errorf("the record default changed too: %+v", after[authz.Record])
		}
		if v := attr(p.byID("f-media.2.who"), "value"); v != "victor" {
			t.Errorf("the page shows the user as %q", v)
		}
	})
}

func highest(en domain.ACLEntry) string { return en.Permissions[len(en.Permissions)-1] }

func equalACL(a, b []domain.ACLEntry) bool {
	return slices.EqualFunc(a, b, func(x, y domain.ACLEntry) bool {
		return x.Subject == y.Subject && slices.Equal(x.Permissions, y.Permissions)
	})
}

func TestSignupRulesAndTheGeographyRuleAreSetInTheConsole(t *testing.T) {
	f := newConsoleFixture(t)
	b := f.signedIn(t, "alice")
	const signup, geo = "/ui/admin/signup", "/ui/admin/signup/geo"
	if p := b.get(signup); !hasAttr(p.byID("f-mode-closed"), "checked") {
		t.Fatalf("the closed mode is not shown as chosen:\n%s", p.body)
	}
	for _, c := range []struct {
		name, action, field, want string
		values                    url.Values
	}{
		{"the domain mode without a domain is refused next to the domains", signup, "domains", "at least one domain",
			url.Values{"mode": {"domain"}, "domains": {""}}},
		{"a malformed domain is refused next to the domains", signup, "domains", "Invalid domain",
			url.Values{"mode": {"domain"}, "domains": {"example"}}},
		{"a field of an unknown type is refused next to its type", signup, "fields.0.type", "Invalid type",
			url.Values{"mode": {"open"}, "fields.0.name": {"colour"}, "fields.0.type": {"colour"}}},
		{"an allow-list without countries is refused next to the countries", geo, "geo_countries", "at least one country",
			url.Values{"geo_mode": {"allow"}, "geo_countries": {""}}},
		{"a country that is not one is refused next to the countries", geo, "geo_countries", "not an ISO 3166-1",
			url.Values{"geo_mode": {"deny"}, "geo_countries": {"FR, XX"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := b.submit(b.get(signup), c.action, c.values)
			if p.status != 422 {
				t.Fatalf("status %d\n%s", p.status, p.body)
			}
			if got := p.fieldError(c.field); !strings.Contains(got, c.want) {
				t.Errorf("error next to %s: %q", c.field, got)
			}
		})
	}
	t.Run("open sign-up with a required choice field is saved and offered on the public sign-up page", func(t *testing.T) {
		p := b.submit(b.get(signup), signup, url.Values{"mode": {"open"}, "approval_required": {"on"},
			"fields.0.name": {"desk"}, "fields.0.label": {"Your desk"}, "fields.0.type": {"choice"}, "fields.0.choices": {"News, Sport"}, "fields.0.required": {"on"}})
		if !strings.Contains(p.body, "The sign-up rules are saved.") {
			t.Fatalf("after saving: %d\n%s", p.status, p.body)
		}
		rules, err := f.svc.GetSignupRules(f.ctx, f.A.Owner)
		if err != nil || rules.Mode != "open" || !rules.ApprovalRequired || len(rules.Fields) != 1 || !slices.Equal(rules.Fields[0].Choices, []string{"News", "Sport"}) {
			t.Fatalf("stored %+v %v", rules, err)
		}
		pub := f.browser(t).get("/ui/signup?account=" + f.A.Account)
		if !strings.Contains(pub.body, "Your desk") {
			t.Errorf("the public sign-up page has no field Your desk")
		}
	})
	t.Run("a deny-list of countries is saved", func(t *testing.T) {
		p := b.submit(b.get(signup), geo, url.Values{"geo_mode": {"deny"}, "geo_countries": {"fr de"}, "geo_unknown": {"allow"}})
		if !strings.Contains(p.body, "The geography rule is saved.") {
			t.Fatalf("after saving: %d\n%s", p.status, p.body)
		}
		g, err := f.svc.GetGeoRule(f.ctx, f.A.Owner)
		if err != nil || g.Mode != "deny" || !slices.Equal(g.Countries, []string{"DE", "FR"}) {
			t.Errorf("stored %+v %v", g, err)
		}
		if v := attr(p.byID("f-geo_countries"), "value"); v != "DE, FR" {
			t.Errorf("the page shows %q", v)
		}
	})
}
