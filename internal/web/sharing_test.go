package web_test

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

// send fills the form of p posting to action as a browser does, every
// control counted (repeated names, radios as checked, checkboxes with
// their values, controls outside the form that name it in their form
// attribute), then sets values over it and posts it. (submit, the shared
// helper, keeps one value per name.)
func (b *browser) send(p *page, action string, values url.Values) *page {
	b.t.Helper()
	fm := p.find(func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == action })
	if fm == nil {
		b.t.Fatalf("no form posting to %s on %s:\n%s", action, p.url, p.body)
	}
	form := url.Values{}
	control := func(n *html.Node) {
		name := attr(n, "name")
		if name == "" {
			return
		}
		switch n.Data {
		case "input":
			switch attr(n, "type") {
			case "checkbox", "radio":
				if hasAttr(n, "checked") {
					form.Add(name, cmpOr(attr(n, "value"), "on"))
				}
			case "submit":
			default:
				form.Add(name, attr(n, "value"))
			}
		case "textarea":
			form.Add(name, text(n))
		case "select":
			walk(n, func(o *html.Node) {
				if o.Data == "option" && hasAttr(o, "selected") {
					form.Add(name, attr(o, "value"))
				}
			})
		}
	}
	walk(fm, func(n *html.Node) {
		if !hasAttr(n, "form") {
			control(n)
		}
	})
	if id := attr(fm, "id"); id != "" {
		for _, n := range p.findAll(func(n *html.Node) bool { return attr(n, "form") == id }) {
			control(n)
		}
	}
	for k, v := range values {
		form[k] = v
	}
	return b.post(action, form)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// list is the text of each li of the element with this id.
func (p *page) list(id string) []string {
	n := p.byID(id)
	if n == nil {
		return nil
	}
	var out []string
	walk(n, func(c *html.Node) {
		if c.Data == "li" {
			out = append(out, strings.Join(strings.Fields(text(c)), " "))
		}
	})
	return out
}

// sharingWorld adds to the fixture: a group Desk (walter) viewing the
// workspace, olga owning it (without review_access), nina outside it,
// and an embargoed record with an empty ACL.
type sharingWorld struct {
	*fixture
	desk, embargo string
	walter, olga  service.Actor
	nina          service.Actor
}

func newSharingWorld(t *testing.T) *sharingWorld {
	t.Helper()
	f := newFixture(t)
	w := &sharingWorld{fixture: f}
	w.walter = f.user(t, f.A, "walter", "alpha.example")
	w.olga = f.user(t, f.A, "olga", "alpha.example")
	w.nina = f.user(t, f.A, "nina", "alpha.example")
	g, err := f.svc.CreateGroup(f.ctx, f.A.Owner, service.GroupInput{Name: "Desk", Members: []authz.Subject{authz.User(w.walter.UserID)}})
	if err != nil {
		t.Fatal(err)
	}
	w.desk = g.ID
	for _, m := range []domain.Grant{{Subject: authz.GroupOf(g.ID), Role: "viewer"}, {Subject: authz.User(w.olga.UserID), Role: "owner"}} {
		if err := f.svc.SetWorkspaceMember(f.ctx, f.A.Owner, f.A.Workspace, m); err != nil {
			t.Fatal(err)
		}
	}
	w.embargo = f.record(t, f.A, service.RecordInput{Title: "Embargoed story", ACL: &[]domain.ACLEntry{}})
	return w
}

func TestSharingPanelShowsWhoHasAccessAndWhy(t *testing.T) {
	w := newSharingWorld(t)
	path := "/ui/records/" + w.embargo + "/sharing"
	for _, c := range []struct {
		name, login string
		// wantWho are lines of the "can view" list; nil: no list.
		wantWho  []string
		wantYou  string
		wantNote string
		edit     bool
	}{
		{"the account owner sees everyone's reasons: a group membership chain to a workspace role", "alice",
			[]string{"victor because viewer of workspace Newsroom", "walter because member of Desk → viewer of workspace Newsroom"},
			"You may manage because owner of the account", "", true},
		{"the workspace's owner sees who, without others' reasons (that takes review_access)", "olga",
			[]string{"victor", "walter"}, "You may manage because owner of workspace Newsroom", "shown to holders of the review_access permission", true},
		{"a viewer sees only the access list and their own reason", "victor",
			nil, "You may view because viewer of workspace Newsroom", "Only the owners of its workspace", false},
		{"a viewer through a group sees the chain of their own reason", "walter",
			nil, "You may view because member of Desk → viewer of workspace Newsroom", "Only the owners of its workspace", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := w.signedIn(t, c.login).get(path)
			if p.status != 200 {
				t.Fatalf("status %d\n%s", p.status, p.body)
			}
			if p.h1() != "Sharing: Embargoed story" {
				t.Errorf("h1 %q", p.h1())
			}
			if got := p.list("people-can_view"); !slices.Equal(got, c.wantWho) {
				t.Errorf("can view: %q, want %q", got, c.wantWho)
			}
			if you := p.list("your-access"); !slices.Contains(you, c.wantYou) {
				t.Errorf("your access: %q, want %q in it", you, c.wantYou)
			}
			if c.wantNote != "" && !strings.Contains(p.textOf("main"), c.wantNote) {
				t.Errorf("no note %q", c.wantNote)
			}
			if got := p.byID("acl-form") != nil; got != c.edit {
				t.Errorf("edit form shown: %v", got)
			}
		})
	}

	t.Run("the ACL's own entries are listed with their level, and each reason names the entry", func(t *testing.T) {
		harbour := w.A.Records["Harbour at dawn"]
		p := w.signedIn(t, "alice").get("/ui/records/" + harbour + "/sharing")
		if got := p.list("people-can_view"); !slices.Contains(got, "victor because viewer of workspace Newsroom and because everyone in the account → in the access list with view") {
			t.Errorf("can view: %q", got)
		}
		p = w.signedIn(t, "victor").get("/ui/records/" + harbour + "/sharing")
		if got := p.textOf("main"); !strings.Contains(got, "Everyone in the account may view") || !strings.Contains(got, "Administrators group may edit") {
			t.Errorf("the access list: %q", got)
		}
	})

	for _, c := range []struct{ name, login, path string }{
		{"a user who cannot see the record finds nothing", "nina", path},
		{"a user of another account finds nothing", "bob", path},
		{"an object that does not exist is not found", "alice", "/ui/media/med_nothing/sharing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := w.signedIn(t, c.login).get(c.path)
			if p.status != 404 || strings.Contains(p.body, "Embargoed") {
				t.Errorf("status %d, h1 %q", p.status, p.h1())
			}
		})
	}

	t.Run("media objects and collections have their panels", func(t *testing.T) {
		m, err := w.svc.CreateMedia(w.ctx, w.A.Owner, service.MediaInput{RecordID: w.embargo, MediaType: "image", Filename: "harbour.jpg"})
		if err != nil {
			t.Fatal(err)
		}
		coll, err := w.svc.CreateCollection(w.ctx, w.A.Owner, service.CollectionInput{WorkspaceID: w.A.Workspace, Name: "Front page"})
		if err != nil {
			t.Fatal(err)
		}
		alice := w.signedIn(t, "alice")
		p := alice.get("/ui/media/" + m.ID + "/sharing")
		if p.h1() != "Sharing: harbour.jpg" || p.list("people-can_edit") == nil {
			t.Errorf("media: %d %q\n%s", p.status, p.h1(), p.textOf("main"))
		}
		if got := p.list("people-can_view"); !slices.Contains(got, "walter because member of Desk → viewer of workspace Newsroom and because everyone in the account → in the access list with view") {
			t.Errorf("media, can view: %q", got)
		}
		// Media need their record seen: a reason of its own when it differs.
		if _, err := w.svc.SetACL(w.ctx, w.A.Owner, authz.ObjectRef{Type: authz.Record, ID: w.embargo},
			[]domain.ACLEntry{{Subject: authz.User(w.nina.UserID), Permissions: []string{"view"}}}); err != nil {
			t.Fatal(err)
		}
		p = alice.get("/ui/media/" + m.ID + "/sharing")
		if got := p.list("people-can_view"); !slices.Contains(got, "nina because everyone in the account → in the access list with view and sees its record because in the access list with view") {
			t.Errorf("media, can view, through the record's ACL: %q", got)
		}
		p = alice.get("/ui/collections/" + coll.ID + "/sharing")
		if p.h1() != "Sharing: Front page" || p.list("people-can_delete") == nil {
			t.Errorf("collection: %d %q", p.status, p.h1())
		}
		if err := w.svc.AddCollectionRecord(w.ctx, w.A.Owner, coll.ID, w.embargo); err != nil {
			t.Fatal(err)
		}
		lib := alice.get("/ui/?collection=" + coll.ID)
		if lib.find(func(n *html.Node) bool { return attr(n, "href") == "/ui/collections/"+coll.ID+"/sharing" }) == nil {
			t.Error("the library showing a collection does not link to its sharing panel")
		}
		rec := alice.get("/ui/records/" + w.embargo)
		if rec.find(func(n *html.Node) bool { return attr(n, "href") == "/ui/media/"+m.ID+"/sharing" }) == nil ||
			rec.find(func(n *html.Node) bool { return attr(n, "href") == "/ui/records/"+w.embargo+"/sharing" }) == nil {
			t.Error("the record page does not link to the sharing panels")
		}
	})
}

func TestSharingPanelPreviewsAndSavesACLChanges(t *testing.T) {
	w := newSharingWorld(t)
	path := "/ui/records/" + w.embargo + "/sharing"
	ref := "record:" + w.embargo
	canView := func(a service.Actor) bool {
		ok, err := w.svc.Check(w.ctx, w.A.Owner, "user:"+a.UserID, "can_view", ref)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	t.Run("adding a user with view: the preview says one person gains view, saving lets her open the record", func(t *testing.T) {
		olga, nina := w.signedIn(t, "olga"), w.signedIn(t, "nina")
		if p := nina.get("/ui/records/" + w.embargo); p.status != 404 {
			t.Fatalf("before: nina opens the record: %d", p.status)
		}
		p := olga.get(path)
		p = olga.send(p, path, url.Values{"add_username": {"nina"}, "add_level": {"view"}, "action": {"preview"}})
		if p.status != 200 {
			t.Fatalf("preview: %d\n%s", p.status, p.textOf("main"))
		}
		if got := p.textOf("acl-preview"); !strings.HasPrefix(got, "Effect of these changes 1 person gains view: nina") {
			t.Errorf("preview %q", got)
		}
		if canView(w.nina) {
			t.Fatal("the preview changed the ACL")
		}
		p = olga.send(p, path, url.Values{"action": {"save"}})
		if p.status != 200 || p.url.RawQuery != "saved=1" || !strings.Contains(p.body, "The access list is saved.") {
			t.Fatalf("save: %d %s\n%s", p.status, p.url, p.textOf("main"))
		}
		if !canView(w.nina) {
			t.Error("nina cannot view the record after saving")
		}
		if p := nina.get("/ui/records/" + w.embargo); p.status != 200 {
			t.Errorf("after: nina opens the record: %d", p.status)
		}
	})

	t.Run("removing an entry previews who loses access", func(t *testing.T) {
		olga := w.signedIn(t, "olga")
		p := olga.get(path)
		p = olga.send(p, path, url.Values{"level-0": {""}, "action": {"preview"}})
		if got := p.textOf("acl-preview"); !strings.Contains(got, "1 person loses view: nina") {
			t.Errorf("preview %q", got)
		}
		if !canView(w.nina) {
			t.Error("the preview changed the ACL")
		}
	})

	for _, c := range []struct {
		name   string
		values url.Values
		field  string
		want   string
	}{
		{"a username nobody has is refused next to the field", url.Values{"add_username": {"nobody"}}, "add_username", "There is no user nobody in this account."},
		{"a user of another account is refused like nobody", url.Values{"add_username": {"bob"}}, "add_username", "There is no user bob in this account."},
		{"a pick and a username at once are refused", url.Values{"add_username": {"nina"}, "add_subject": {"everyone"}}, "add_username", "not both"},
		{"a permission records do not have is refused by the service next to the entries", url.Values{"add_subject": {"everyone"}, "add_level": {"download"}}, "entries", "Unknown record ACL permission"},
	} {
		t.Run(c.name, func(t *testing.T) {
			olga := w.signedIn(t, "olga")
			p := olga.get(path)
			values := url.Values{"action": {"preview"}}
			for k, v := range c.values {
				values[k] = v
			}
			p = olga.send(p, path, values)
			if p.status != 422 {
				t.Errorf("status %d", p.status)
			}
			if got := p.fieldError(c.field); !strings.Contains(got, c.want) {
				t.Errorf("error next to %s: %q, want %q", c.field, got, c.want)
			}
			if p.byID("save-button") != nil {
				t.Error("a Save button for a refused change")
			}
		})
	}

	t.Run("saving what was not previewed shows the preview again and saves nothing", func(t *testing.T) {
		olga := w.signedIn(t, "olga")
		p := olga.get(path)
		p = olga.send(p, path, url.Values{"add_subject": {"everyone"}, "add_level": {"view"}, "action": {"preview"}})
		p = olga.send(p, path, url.Values{"add_subject": {"group:" + w.desk}, "add_level": {"edit"}, "action": {"save"}})
		if got := p.textOf("acl-preview"); !strings.Contains(got, "The access list changed since the preview") || !strings.Contains(got, "1 person gains edit: walter") {
			t.Errorf("preview %q", got)
		}
		acl, _ := w.svc.GetACL(w.ctx, w.A.Owner, authz.ObjectRef{Type: authz.Record, ID: w.embargo})
		if len(acl) != 1 {
			t.Errorf("the ACL changed: %v", acl)
		}
	})

	t.Run("saving over someone else's change shows its effect on the list as it is now", func(t *testing.T) {
		olga := w.signedIn(t, "olga")
		p := olga.get(path)
		p = olga.send(p, path, url.Values{"add_subject": {"group:" + w.desk}, "add_level": {"edit"}, "action": {"preview"}})
		if _, err := w.svc.SetACL(w.ctx, w.A.Owner, authz.ObjectRef{Type: authz.Record, ID: w.embargo}, []domain.ACLEntry{}); err != nil {
			t.Fatal(err)
		}
		p = olga.send(p, path, url.Values{"action": {"save"}})
		if got := p.textOf("acl-preview"); !strings.Contains(got, "Someone changed this access list") {
			t.Errorf("preview %q", got)
		}
		p = olga.send(p, path, url.Values{"action": {"save"}})
		if p.url.RawQuery != "saved=1" {
			t.Fatalf("saving again: %d %s\n%s", p.status, p.url, p.textOf("main"))
		}
		if !canView(w.nina) {
			t.Error("olga's list, with nina, is not what was saved")
		}
	})

	for _, c := range []struct {
		name, login string
		status      int
	}{
		{"a viewer may not change the list: refused, nothing changed", "victor", 403},
		{"a workspace editor may not either", "erin", 403},
		{"a user of another account finds nothing", "bob", 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := w.signedIn(t, c.login)
			b.get("/ui/")
			csrf := ""
			base, _ := url.Parse(b.base + "/")
			for _, ck := range b.c.Jar.Cookies(base) {
				if ck.Name == "atrium_csrf" {
					csrf = ck.Value
				}
			}
			before, _ := w.svc.GetACL(w.ctx, w.A.Owner, authz.ObjectRef{Type: authz.Record, ID: w.embargo})
			p := b.post(path, url.Values{"csrf_token": {csrf}, "add_subject": {"everyone"}, "add_level": {"edit"}, "action": {"save"}, "base": {""}, "previewed": {"everyone=edit"}})
			if p.status != c.status {
				t.Errorf("status %d, want %d\n%s", p.status, c.status, p.textOf("main"))
			}
			if after, _ := w.svc.GetACL(w.ctx, w.A.Owner, authz.ObjectRef{Type: authz.Record, ID: w.embargo}); !slices.EqualFunc(before, after, func(a, b domain.ACLEntry) bool {
				return a.Subject == b.Subject && slices.Equal(a.Permissions, b.Permissions)
			}) {
				t.Errorf("the ACL changed: %v to %v", before, after)
			}
		})
	}

	t.Run("a form without this session's CSRF token is refused", func(t *testing.T) {
		olga := w.signedIn(t, "olga")
		p := olga.post(path, url.Values{"add_subject": {"everyone"}, "action": {"preview"}})
		if p.status != 403 {
			t.Errorf("status %d", p.status)
		}
	})
}
