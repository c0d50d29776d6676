package web_test

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// cards are the titles of the grid's records, in order.
func (p *page) cards() []string {
	var out []string
	for _, li := range p.findAll(func(n *html.Node) bool { return n.Data == "li" && attr(n, "class") == "card" }) {
		walk(li, func(n *html.Node) {
			if attr(n, "class") == "title" {
				out = append(out, strings.TrimSpace(text(n)))
			}
		})
	}
	return out
}

// total is the exact total the library states, -1 without one.
func (p *page) total() int {
	s := p.textOf("total")
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		return -1
	}
	return n
}

func TestLibrarySearch(t *testing.T) {
	f := newFixture(t)
	other, err := f.svc.CreateWorkspace(f.ctx, f.A.Owner, service.WorkspaceInput{Name: "Sport"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.CreateRecord(f.ctx, f.A.Owner, service.RecordInput{WorkspaceID: other.ID, Title: "Cup final", MediaType: "video"})
	if err != nil {
		t.Fatal(err)
	}
	coll, err := f.svc.CreateCollection(f.ctx, f.A.Owner, service.CollectionInput{WorkspaceID: f.A.Workspace, Name: "Front page"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AddCollectionRecord(f.ctx, f.A.Owner, coll.ID, f.A.Records["Harbour at dawn"]); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	alice := f.signedIn(t, "alice")
	newestFirst := []string{"Cup final", "Council meeting", "Flood in the old town", "Harbour at dawn"}

	for _, c := range []struct {
		name  string
		query url.Values
		want  []string
	}{
		{"without a query, every record the user may see, newest first", nil, newestFirst},
		{"words narrow the search", url.Values{"q": {"FLOOD town"}}, []string{"Flood in the old town"}},
		{"a workspace filter keeps its records", url.Values{"workspace": {other.ID}}, []string{"Cup final"}},
		{"a collection filter keeps its records", url.Values{"collection": {coll.ID}}, []string{"Harbour at dawn"}},
		{"a media type filter keeps its records", url.Values{"media_type": {"video"}}, []string{"Cup final"}},
		{"created from today keeps today's records", url.Values{"created_from": {today}}, newestFirst},
		{"created until today keeps today's records", url.Values{"created_until": {today}}, newestFirst},
		{"created from tomorrow keeps none", url.Values{"created_from": {tomorrow}}, nil},
		{"created until yesterday keeps none", url.Values{"created_until": {yesterday}}, nil},
		{"the title order sorts by title", url.Values{"sort": {"title"}}, []string{"Council meeting", "Cup final", "Flood in the old town", "Harbour at dawn"}},
		{"filters combine", url.Values{"q": {"news"}, "workspace": {f.A.Workspace}, "sort": {"-title"}}, []string{"Harbour at dawn", "Flood in the old town", "Council meeting"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := alice.get("/ui/?" + c.query.Encode())
			if p.status != 200 {
				t.Fatalf("status %d\n%s", p.status, p.body)
			}
			if got := p.cards(); !slices.Equal(got, c.want) {
				t.Errorf("cards %q, want %q", got, c.want)
			}
			if got := p.total(); got != len(c.want) {
				t.Errorf("total %d, want %d (%q)", got, len(c.want), p.textOf("total"))
			}
			for k := range c.query {
				if got := p.byID("f-" + k); got == nil {
					t.Errorf("no control for %s", k)
				}
			}
		})
	}

	for _, c := range []struct {
		name, field, want string
		query             url.Values
	}{
		{"a date that is not one is refused next to its field", "created_from", "YYYY-MM-DD", url.Values{"created_from": {"2026-13-45"}}},
		{"an empty range is refused next to its end", "created_until", "range is empty", url.Values{"created_from": {today}, "created_until": {yesterday}}},
		{"text without words is refused next to the search box", "q", "no words", url.Values{"q": {"!!! ???"}}},
		{"an unknown order is refused next to it", "sort", "Unknown sort", url.Values{"sort": {"price"}}},
		{"an unknown media type is refused next to it", "media_type", "Unknown media type", url.Values{"media_type": {"hologram"}}},
		{"another account's workspace is not found, next to the filter", "workspace", "no such workspace", url.Values{"workspace": {f.B.Workspace}}},
		{"a collection one may not see is not found, next to the filter", "collection", "no such collection", url.Values{"collection": {"col_doesnotexist"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := alice.get("/ui/?" + c.query.Encode())
			if p.status != 400 {
				t.Errorf("status %d, want 400", p.status)
			}
			if got := p.fieldError(c.field); !strings.Contains(got, c.want) {
				t.Errorf("error next to %s = %q, want %q", c.field, got, c.want)
			}
			if p.total() != -1 || len(p.cards()) != 0 {
				t.Errorf("a refused search shows results: %q", p.textOf("total"))
			}
			if d := p.find(func(n *html.Node) bool { return n.Data == "details" }); c.field != "q" && !hasAttr(d, "open") {
				t.Error("the filters at fault are folded away")
			}
		})
	}

	t.Run("a record without a ready thumbnail shows a placeholder, not a broken image", func(t *testing.T) {
		p := alice.get("/ui/")
		if imgs := p.findAll(func(n *html.Node) bool { return n.Data == "img" }); len(imgs) != 0 {
			t.Errorf("images in the grid: %s", renderNode(imgs[0]))
		}
		ph := p.findAll(func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "placeholder") })
		if len(ph) != len(newestFirst) {
			t.Errorf("%d placeholders for %d records", len(ph), len(newestFirst))
		}
	})
}

func TestGridCoversComeFromMediaTheUserMayPreview(t *testing.T) {
	f := newFixture(t)
	shown := f.record(t, f.A, service.RecordInput{Title: "Has an audio file"})
	if _, err := f.svc.CreateMedia(f.ctx, f.A.Owner, service.MediaInput{RecordID: shown, MediaType: "audio"}); err != nil {
		t.Fatal(err)
	}
	hidden := f.record(t, f.A, service.RecordInput{Title: "Has a hidden video"})
	none := []domain.ACLEntry{}
	if _, err := f.svc.CreateMedia(f.ctx, f.A.Owner, service.MediaInput{RecordID: hidden, MediaType: "video", ACL: &none}); err != nil {
		t.Fatal(err)
	}
	label := func(p *page, title string) string {
		for _, li := range p.findAll(func(n *html.Node) bool { return attr(n, "class") == "card" }) {
			if strings.Contains(text(li), title) {
				if ph := findIn(li, func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "placeholder") }); ph != nil {
					return text(ph)
				}
			}
		}
		return ""
	}
	// Not a member of the workspace: the records' ACLs (everyone may
	// view) show them, and the media's own ACLs decide the rest.
	f.user(t, f.A, "olga", "alpha.example")
	p := f.signedIn(t, "olga").get("/ui/")
	if got := label(p, "Has an audio file"); got != "audio" {
		t.Errorf("the card of a record with an audio file says %q", got)
	}
	if got := label(p, "Has a hidden video"); got != "record" {
		t.Errorf("the card of a record whose only media the viewer may not preview says %q", got)
	}
}

func findIn(root *html.Node, pred func(*html.Node) bool) *html.Node {
	var found *html.Node
	walk(root, func(n *html.Node) {
		if found == nil && pred(n) {
			found = n
		}
	})
	return found
}

func TestLibraryPages(t *testing.T) {
	f := newFixture(t)
	for i := range 50 {
		f.record(t, f.A, service.RecordInput{Title: fmt.Sprintf("Archive photo %02d", i)})
	}
	b := f.signedIn(t, "victor")
	p := b.get("/ui/?sort=title")
	if got, want := len(p.cards()), 48; got != want {
		t.Fatalf("first page: %d cards, want %d", got, want)
	}
	if got := p.textOf("total"); got != "53 records, showing 1–48" {
		t.Errorf("first page says %q", got)
	}
	next := p.find(func(n *html.Node) bool { return attr(n, "rel") == "next" })
	if next == nil {
		t.Fatal("no next page")
	}
	p = b.get(attr(next, "href"))
	want := []string{"Council meeting", "Flood in the old town", "Harbour at dawn"}
	if got := p.cards(); !slices.Equal(got[len(got)-3:], want) || len(got) != 5 {
		t.Errorf("second page: %q", got)
	}
	if got := p.textOf("total"); got != "53 records, showing 49–53" {
		t.Errorf("second page says %q", got)
	}
	if p.find(func(n *html.Node) bool { return attr(n, "rel") == "next" }) != nil {
		t.Error("a next page after the last")
	}
	if first := p.find(func(n *html.Node) bool { return n.Data == "a" && text(n) == "First page" }); first == nil || attr(first, "href") != "/ui/?sort=title" {
		t.Error("no link back to the first page with the same order")
	}
}

func TestAnotherAccountSeesNothingOfTheFirst(t *testing.T) {
	f := newFixture(t)
	bob := f.signedIn(t, "bob")
	p := bob.get("/ui/")
	if got := p.cards(); !slices.Equal(got, []string{"Beta secret plans"}) || p.total() != 1 {
		t.Errorf("bob's library: %q, total %d", got, p.total())
	}
	for title := range f.A.Records {
		if strings.Contains(p.body, title) {
			t.Errorf("bob's library names %q", title)
		}
	}
	if got := bob.get("/ui/?q=harbour").total(); got != 0 {
		t.Errorf("bob finds %d of Alpha's records by their words", got)
	}
	hidden := bob.get("/ui/records/" + f.A.Records["Harbour at dawn"])
	missing := bob.get("/ui/records/rec_doesnotexist")
	if hidden.status != 404 || missing.status != 404 || hidden.h1() != missing.h1() || hidden.textOf("main") != missing.textOf("main") {
		t.Errorf("another account's record (%d %q) and no record (%d %q) differ", hidden.status, hidden.textOf("main"), missing.status, missing.textOf("main"))
	}
	if strings.Contains(hidden.body, "Harbour") {
		t.Error("the not-found page names the record")
	}
	ws := bob.get("/ui/workspaces")
	if strings.Contains(ws.body, f.A.Workspace) || strings.Count(ws.body, "Newsroom") != 1 {
		t.Errorf("bob's workspaces page shows Alpha's:\n%s", ws.textOf("main"))
	}
	edit := bob.submit(bob.get("/ui/records/"+f.B.Records["Beta secret plans"]), "/ui/records/"+f.B.Records["Beta secret plans"], nil)
	if edit.status != 200 {
		t.Fatalf("bob cannot save his own record: %d", edit.status)
	}
	tok := attr(edit.find(func(n *html.Node) bool { return attr(n, "name") == "csrf_token" }), "value")
	p = bob.post("/ui/records/"+f.A.Records["Harbour at dawn"], url.Values{"csrf_token": {tok}, "title": {"Mine now"}})
	if p.status != 404 {
		t.Errorf("bob editing Alpha's record: %d", p.status)
	}
	rec, err := f.svc.GetRecord(f.ctx, f.A.Owner, f.A.Records["Harbour at dawn"])
	if err != nil || rec.Title != "Harbour at dawn" {
		t.Errorf("Alpha's record after bob's try: %q, %v", rec.Title, err)
	}
}

func TestWorkspacesPage(t *testing.T) {
	f := newFixture(t)
	coll, err := f.svc.CreateCollection(f.ctx, f.A.Owner, service.CollectionInput{WorkspaceID: f.A.Workspace, Name: "Front page"})
	if err != nil {
		t.Fatal(err)
	}
	p := f.signedIn(t, "erin").get("/ui/workspaces")
	ws := p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/ui/?workspace="+f.A.Workspace })
	if ws == nil || text(ws) != "Newsroom" {
		t.Errorf("no link to the workspace's records")
	}
	if c := p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/ui/?collection="+coll.ID }); c == nil || text(c) != "Front page" {
		t.Errorf("no link to the collection's records")
	}
}

func TestRecordPage(t *testing.T) {
	f := newFixture(t)
	id := f.record(t, f.A, service.RecordInput{Title: "Storm over the pier", Description: "Taken from the lighthouse.\nWindy.",
		Keywords: []string{"storm", "pier"}, Fields: map[string]string{"camera": "X100", "iso": "200"}})
	body := "not really a JPEG, just bytes"
	up, err := f.svc.UploadRecordFile(f.ctx, f.A.Owner, service.FileMediaInput{RecordID: id, MediaType: "image", Filename: "storm.jpg"},
		service.Upload{Body: strings.NewReader(body), Size: int64(len(body))})
	if err != nil {
		t.Fatal(err)
	}
	path := "/ui/records/" + id

	t.Run("it shows the metadata and the media with what the user may download", func(t *testing.T) {
		b := f.signedIn(t, "alice")
		p := b.get(path)
		if p.h1() != "Storm over the pier" {
			t.Errorf("h1 %q", p.h1())
		}
		main := p.textOf("main")
		for _, want := range []string{"Taken from the lighthouse.", "storm", "pier", "camera", "X100", "Newsroom", "storm.jpg"} {
			if !strings.Contains(main, want) {
				t.Errorf("the page does not show %q", want)
			}
		}
		link := p.find(func(n *html.Node) bool {
			return n.Data == "a" && hasAttr(n, "download") && strings.HasSuffix(attr(n, "href"), "/file")
		})
		if link == nil {
			t.Fatalf("no download of the original:\n%s", main)
		}
		if attr(link, "href") != "/api/v1/media/"+up.Media.ID+"/file" {
			t.Errorf("download link %q", attr(link, "href"))
		}
		res, err := b.c.Get(f.srv.URL + attr(link, "href"))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(got) != body {
			t.Errorf("the download link with the UI's session: %d %q", res.StatusCode, got)
		}
		if p.find(func(n *html.Node) bool { return n.Data == "img" }) != nil {
			t.Error("an image for a preview that is not made")
		}
		if p.find(func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "preview placeholder") }) == nil {
			t.Error("no placeholder where the preview will be")
		}
	})

	t.Run("a viewer sees the record, no edit form, and why they may not download", func(t *testing.T) {
		b := f.signedIn(t, "victor")
		p := b.get(path)
		if p.status != 200 || p.h1() != "Storm over the pier" {
			t.Fatalf("%d %q", p.status, p.h1())
		}
		if p.byID("f-title") != nil || p.find(func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == path }) != nil {
			t.Error("a viewer is offered the edit form")
		}
		if p.find(func(n *html.Node) bool { return n.Data == "a" && hasAttr(n, "download") }) != nil {
			t.Error("a viewer without download is offered a download")
		}
		if !strings.Contains(p.textOf("main"), "Not for you to download") {
			t.Error("the page does not say why not")
		}
		tok := attr(p.find(func(n *html.Node) bool { return attr(n, "name") == "csrf_token" }), "value")
		refused := b.post(path, url.Values{"csrf_token": {tok}, "title": {"Changed by a viewer"}})
		if refused.status != 403 {
			t.Errorf("a viewer's edit: %d", refused.status)
		}
		if rec, _ := f.svc.GetRecord(f.ctx, f.A.Owner, id); rec.Title != "Storm over the pier" {
			t.Errorf("a viewer changed the title to %q", rec.Title)
		}
	})

	t.Run("an editor edits the metadata", func(t *testing.T) {
		b := f.signedIn(t, "erin")
		p := b.get(path)
		p = b.submit(p, path, url.Values{"title": {"Storm over the north pier"}, "keywords": {"storm\n pier \n\nnorth"},
			"field.iso": {""}, "new_field_name": {"lens"}, "new_field_value": {"23mm"}, "media_type": {"image"}})
		if p.path() != path || p.url.Query().Get("saved") != "1" {
			t.Fatalf("after saving: %d %s\n%s", p.status, p.url, p.textOf("main"))
		}
		if p.textOf("main") == "" || !strings.Contains(p.body, "Your changes are saved") || p.h1() != "Storm over the north pier" {
			t.Errorf("the saved page: %q", p.h1())
		}
		rec, err := f.svc.GetRecord(f.ctx, f.A.Owner, id)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Title != "Storm over the north pier" || !slices.Equal(rec.Keywords, []string{"storm", "pier", "north"}) ||
			rec.Fields["lens"] != "23mm" || rec.Fields["camera"] != "X100" || rec.Fields["iso"] != "" || len(rec.Fields) != 2 ||
			rec.Description != "Taken from the lighthouse.\nWindy." || rec.MediaType != "image" {
			t.Errorf("the record after the edit: %+v", rec)
		}
	})

	for _, c := range []struct {
		name, field, want string
		values            url.Values
	}{
		{"an empty title is refused next to it", "title", "Title is required", url.Values{"title": {"  "}}},
		{"a field name that cannot be one is refused in the fields", "fields", "letters, digits", url.Values{"new_field_name": {"bad name!"}, "new_field_value": {"x"}}},
		{"a value without a field name is refused next to the name", "new_field_name", "Name the new field", url.Values{"new_field_value": {"x"}}},
		{"a new field with a name already used is refused next to the name", "new_field_name", "already has a field", url.Values{"new_field_name": {"camera"}, "new_field_value": {"x"}}},
		{"a keyword too long is refused next to the keywords", "keywords", "longer than 100 characters", url.Values{"keywords": {strings.Repeat("k", 101)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, _ := f.svc.GetRecord(f.ctx, f.A.Owner, id)
			b := f.signedIn(t, "erin")
			p := b.submit(b.get(path), path, c.values)
			if p.status != 422 {
				t.Errorf("status %d", p.status)
			}
			if got := p.textOf("f-" + c.field + "-error"); !strings.Contains(got, c.want) {
				t.Errorf("error next to %s = %q, want %q", c.field, got, c.want)
			}
			for k, v := range c.values {
				if k == "keywords" || k == "fields" {
					continue
				}
				if n := p.byID("f-" + k); n == nil || strings.TrimSpace(attr(n, "value")) != strings.TrimSpace(v[0]) {
					t.Errorf("the value typed in %s is lost", k)
				}
			}
			after, _ := f.svc.GetRecord(f.ctx, f.A.Owner, id)
			if !after.UpdatedAt.Equal(before.UpdatedAt) || after.Title != before.Title {
				t.Errorf("a refused edit changed the record: %q -> %q", before.Title, after.Title)
			}
		})
	}

	t.Run("an edit from a page of an older sign-in is refused", func(t *testing.T) {
		b := f.signedIn(t, "erin")
		p := b.submit(b.get(path), path, url.Values{"csrf_token": {"atc_not-this-sessions-token"}, "title": {"Forged"}})
		if p.status != 403 {
			t.Errorf("status %d", p.status)
		}
	})

	t.Run("signed out, the record page asks to sign in and comes back", func(t *testing.T) {
		b := f.browser(t)
		p := b.get(path)
		if p.path() != "/ui/signin" {
			t.Fatalf("%s", p.url)
		}
		p = b.submit(p, "/ui/signin", url.Values{"login": {"victor"}, "password": {password}})
		if p.path() != path {
			t.Errorf("after signing in: %s", p.url)
		}
	})
}
