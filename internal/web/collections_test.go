package web_test

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"atrium/internal/service"
)

// options are the choices of a select, by value.
func (p *page) options(id string) []string {
	var out []string
	if sel := p.byID(id); sel != nil {
		walk(sel, func(n *html.Node) {
			if n.Data == "option" && attr(n, "value") != "" {
				out = append(out, attr(n, "value"))
			}
		})
	}
	return out
}

func TestCollections(t *testing.T) {
	f := newFixture(t)
	erin, victor, bob := f.signedIn(t, "erin"), f.signedIn(t, "victor"), f.signedIn(t, "bob")
	harbour, flood := f.A.Records["Harbour at dawn"], f.A.Records["Flood in the old town"]
	var coll string

	t.Run("an empty name is refused next to the field, and nothing is created", func(t *testing.T) {
		p := erin.get("/ui/collections/new")
		if got := p.options("f-workspace"); len(got) != 1 || got[0] != f.A.Workspace {
			t.Fatalf("workspaces offered: %v", got)
		}
		p = erin.submit(p, "/ui/collections", url.Values{"name": {"  "}})
		if p.status != 422 || p.fieldError("name") == "" {
			t.Errorf("%d %q", p.status, p.fieldError("name"))
		}
		if l, _ := f.svc.ListCollections(f.ctx, f.A.Owner, service.ListQuery{}); l.Total != 0 {
			t.Errorf("%d collections", l.Total)
		}
	})

	t.Run("a contributor creates a collection in a workspace and lands on its page", func(t *testing.T) {
		p := erin.get("/ui/collections/new")
		p = erin.submit(p, "/ui/collections", url.Values{"name": {"Front page"}, "description": {"Tomorrow's picks"}})
		if p.status != 200 || p.h1() != "Front page" || !strings.Contains(p.textOf("main"), "The collection is created") {
			t.Fatalf("%d %q at %s", p.status, p.h1(), p.url)
		}
		coll = strings.TrimPrefix(p.path(), "/ui/collections/")
		if lib := erin.get("/ui/?collection=" + coll); !strings.Contains(lib.body, `href="/ui/collections/`+coll+`"`) {
			t.Error("the library filtered by the collection does not link to its page")
		}
		if c, err := f.svc.GetCollection(f.ctx, f.A.Owner, coll); err != nil || c.Description != "Tomorrow's picks" || c.WorkspaceID != f.A.Workspace {
			t.Errorf("stored %+v, %v", c, err)
		}
	})

	t.Run("a viewer may not create collections: the page says so", func(t *testing.T) {
		p := victor.get("/ui/collections/new")
		if p.find(func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == "/ui/collections" }) != nil {
			t.Error("a viewer is offered the form")
		}
		p = victor.post("/ui/collections", url.Values{"csrf_token": {p.csrfOf()}, "workspace": {f.A.Workspace}, "name": {"Mine"}})
		if p.status != 403 || !strings.Contains(p.textOf("main"), "You may not create collections in any workspace") {
			t.Errorf("%d %q", p.status, p.textOf("main"))
		}
		if l, _ := f.svc.ListCollections(f.ctx, f.A.Owner, service.ListQuery{}); l.Total != 1 {
			t.Errorf("%d collections", l.Total)
		}
	})

	t.Run("the record page adds the record to a collection the user may edit", func(t *testing.T) {
		p := erin.get("/ui/records/" + harbour)
		if got := p.options("f-collection"); len(got) != 1 || got[0] != coll {
			t.Fatalf("collections offered %v", got)
		}
		p = erin.submit(p, "/ui/records/"+harbour+"/collections", url.Values{"collection": {coll}})
		if p.status != 200 || !strings.Contains(p.textOf("main"), "Added to the collection Front page") {
			t.Errorf("%d %q", p.status, p.textOf("main"))
		}
		p = erin.submit(erin.get("/ui/records/"+flood), "/ui/records/"+flood+"/collections", url.Values{"collection": {coll}})
		if p.status != 200 {
			t.Errorf("adding the flood: %d", p.status)
		}
	})

	t.Run("adding it again, or no collection, is refused next to the select", func(t *testing.T) {
		for _, c := range []struct {
			coll   string
			status int
			says   string
		}{{coll, 409, "already in the collection"}, {"", 422, "Choose a collection"}, {"col_nope", 404, "no such collection"}} {
			p := erin.submit(erin.get("/ui/records/"+harbour), "/ui/records/"+harbour+"/collections", url.Values{"collection": {c.coll}})
			if p.status != c.status || !strings.Contains(p.fieldError("collection"), c.says) {
				t.Errorf("%q: %d %q", c.coll, p.status, p.fieldError("collection"))
			}
		}
	})

	t.Run("the collection's page lists its records with their total", func(t *testing.T) {
		p := erin.get("/ui/collections/" + coll)
		if got := p.cards(); len(got) != 2 || p.total() != 2 {
			t.Errorf("cards %v, total %d", got, p.total())
		}
		if p.textOf("f-name-error") != "" || p.byID("f-name") == nil || p.byID("f-confirm") == nil {
			t.Error("an editor of the collection has no edit or delete form")
		}
	})

	t.Run("a viewer sees the collection without its forms, and is refused a change", func(t *testing.T) {
		p := victor.get("/ui/collections/" + coll)
		if p.status != 200 || len(p.cards()) != 2 {
			t.Fatalf("%d %v", p.status, p.cards())
		}
		if p.byID("f-name") != nil || p.byID("f-confirm") != nil || strings.Contains(p.body, "/remove") {
			t.Error("a viewer is offered the edit, delete or remove forms")
		}
		tok := p.csrfOf()
		for _, path := range []string{"/ui/collections/" + coll, "/ui/collections/" + coll + "/delete", "/ui/collections/" + coll + "/records/" + harbour + "/remove"} {
			if r := victor.post(path, url.Values{"csrf_token": {tok}, "name": {"Taken"}, "confirm": {"on"}}); r.status != 403 {
				t.Errorf("%s: %d", path, r.status)
			}
		}
		if c, _ := f.svc.GetCollection(f.ctx, f.A.Owner, coll); c.Name != "Front page" {
			t.Error("the viewer renamed it")
		}
	})

	t.Run("another account's user finds no such collection", func(t *testing.T) {
		if p := bob.get("/ui/collections/" + coll); p.status != 404 || strings.Contains(p.body, "Front page") {
			t.Errorf("%d", p.status)
		}
		p := bob.post("/ui/records/"+f.B.Records["Beta secret plans"]+"/collections", url.Values{"csrf_token": {bob.get("/ui/").csrfOf()}, "collection": {coll}})
		if p.status != 404 {
			t.Errorf("bob adding to it: %d", p.status)
		}
	})

	t.Run("an editor renames it; an empty name is refused next to the field", func(t *testing.T) {
		p := erin.submit(erin.get("/ui/collections/"+coll), "/ui/collections/"+coll, url.Values{"name": {""}})
		if p.status != 422 || p.fieldError("name") == "" {
			t.Errorf("%d %q", p.status, p.fieldError("name"))
		}
		p = erin.submit(erin.get("/ui/collections/"+coll), "/ui/collections/"+coll, url.Values{"name": {"Page one"}, "description": {"Picks"}})
		if p.status != 200 || p.h1() != "Page one" || !strings.Contains(p.textOf("main"), "Your changes are saved") {
			t.Errorf("%d %q", p.status, p.h1())
		}
	})

	t.Run("an editor removes a record: it leaves the collection and stays in the library", func(t *testing.T) {
		p := erin.submit(erin.get("/ui/collections/"+coll), "/ui/collections/"+coll+"/records/"+harbour+"/remove", nil)
		if p.status != 200 || len(p.cards()) != 1 || p.cards()[0] != "Flood in the old town" {
			t.Errorf("%d %v", p.status, p.cards())
		}
		if _, err := f.svc.GetRecord(f.ctx, f.A.Owner, harbour); err != nil {
			t.Error(err)
		}
	})

	t.Run("deleting needs the box ticked; then the collection goes, its records stay", func(t *testing.T) {
		p := erin.submit(erin.get("/ui/collections/"+coll), "/ui/collections/"+coll+"/delete", nil)
		if p.status != 422 || !strings.Contains(p.fieldError("confirm"), "Tick the box") {
			t.Errorf("%d %q", p.status, p.fieldError("confirm"))
		}
		p = erin.submit(erin.get("/ui/collections/"+coll), "/ui/collections/"+coll+"/delete", url.Values{"confirm": {"on"}})
		if p.status != 200 || p.path() != "/ui/workspaces" {
			t.Errorf("%d at %s", p.status, p.path())
		}
		if p := erin.get("/ui/collections/" + coll); p.status != 404 {
			t.Errorf("after deleting: %d", p.status)
		}
		if _, err := f.svc.GetRecord(f.ctx, f.A.Owner, flood); err != nil {
			t.Error(err)
		}
	})
}
