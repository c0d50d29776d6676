package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"atrium/internal/service"
	"atrium/internal/web"
)

var shareURL = regexp.MustCompile(`https?://[^/"<\s]+/ui/s/(shr_[A-Za-z0-9_-]{43})`)

// shareLinkOf is the link a share_created page shows, and its token.
func (p *page) shareLinkOf() (string, string) {
	p.t.Helper()
	in := p.byID("share-url")
	if in == nil {
		p.t.Fatalf("no link shown (%d):\n%s", p.status, p.body)
	}
	m := shareURL.FindStringSubmatch(attr(in, "value"))
	if m == nil {
		p.t.Fatalf("the link shown is %q", attr(in, "value"))
	}
	return m[0], m[1]
}

// srcs are the sources of a page's images.
func (p *page) srcs() []string {
	var out []string
	for _, n := range p.findAll(func(n *html.Node) bool { return n.Data == "img" }) {
		out = append(out, attr(n, "src"))
	}
	return out
}

// lockedBuffer is a log destination tests read while the server writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestShareLinks(t *testing.T) {
	var logs lockedBuffer
	f := newFixtureWith(t, nil, web.Options{AccessLog: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	startRenditions(t, f)
	harbour := f.A.Records["Harbour at dawn"]
	var media []string
	for i, name := range []string{"harbour.jpg", "quay.jpg"} {
		up, err := f.svc.UploadRecordFile(f.ctx, f.A.Owner, service.FileMediaInput{RecordID: harbour, Filename: name},
			service.Upload{Body: bytes.NewReader(picture(t, 200, 150, uint8(10+i))), Size: -1})
		if err != nil {
			t.Fatal(err)
		}
		media = append(media, up.Media.ID)
		awaitRenditions(t, f, f.A.Owner, up.Media.ID)
	}
	erin := f.signedIn(t, "erin")
	var link, token string

	t.Run("bad fields are refused next to them, and no link is made", func(t *testing.T) {
		yesterday := time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly)
		for _, c := range []struct {
			values url.Values
			field  string
		}{
			{url.Values{"share_password": {"short"}}, "share_password"},
			{url.Values{"share_max_downloads": {"3"}}, "share_max_downloads"},
			{url.Values{"share_download": {"on"}, "share_max_downloads": {"three"}}, "share_max_downloads"},
			{url.Values{"share_expires": {yesterday}}, "share_expires"},
			{url.Values{"share_expires": {"someday"}}, "share_expires"},
		} {
			p := erin.submit(erin.get("/ui/records/"+harbour), "/ui/shares", c.values)
			if p.status != 422 || p.fieldError(c.field) == "" || p.byID("share-url") != nil {
				t.Errorf("%v: %d, error next to %s %q", c.values, p.status, c.field, p.fieldError(c.field))
			}
		}
		if l, _ := f.svc.ListShareLinks(f.ctx, f.A.Editor, service.ShareLinkQuery{}); len(l.Links) != 0 {
			t.Errorf("%d links made", len(l.Links))
		}
	})

	t.Run("from the record page, a link is made and its URL shown once, as a field to copy and as text", func(t *testing.T) {
		p := erin.submit(erin.get("/ui/records/"+harbour), "/ui/shares", url.Values{"share_download": {"on"}, "share_max_downloads": {"2"}, "share_note": {"for the agency"}})
		if p.status != 201 || p.h1() != "Share link created" {
			t.Fatalf("%d %q", p.status, p.h1())
		}
		link, token = p.shareLinkOf()
		if !strings.HasPrefix(link, f.srv.URL+"/ui/s/shr_") || !strings.Contains(p.textOf("share-url-hint"), link) {
			t.Errorf("link %q; as text %q", link, p.textOf("share-url-hint"))
		}
		list := erin.get("/ui/shares")
		if strings.Contains(list.body, token) || !strings.Contains(list.textOf("share-list"), "active") || !strings.Contains(list.textOf("share-list"), "for the agency") {
			t.Errorf("my share links: %q", list.textOf("share-list"))
		}
	})

	t.Run("anyone with the link sees the record's title and pictures, downloads, and nothing else", func(t *testing.T) {
		anon := f.browser(t)
		p := anon.get(strings.TrimPrefix(link, f.srv.URL))
		if p.status != 200 || p.h1() != "Harbour at dawn" {
			t.Fatalf("%d %q\n%s", p.status, p.h1(), p.body)
		}
		base := "/api/v1/shared/" + token + "/media/"
		var want []string
		for _, id := range media {
			want = append(want, base+id+"/renditions/thumbnail")
		}
		if got := p.srcs(); !slices.Equal(got, want) {
			t.Errorf("pictures %v, want %v", got, want)
		}
		for _, src := range p.srcs() {
			res, err := anon.c.Get(f.srv.URL + src)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
				t.Errorf("%s: %d %s", src, res.StatusCode, res.Header.Get("Content-Type"))
			}
		}
		downloads := p.findAll(func(n *html.Node) bool { return n.Data == "a" && strings.HasSuffix(attr(n, "href"), "/file") })
		if len(downloads) != 2 || attr(downloads[0], "href") != base+media[0]+"/file" || !strings.Contains(text(downloads[0]), "2 left") {
			t.Errorf("downloads %d", len(downloads))
		}
		main := p.textOf("main")
		for _, other := range []string{"Flood", "Council", "Newsroom", "for the agency", "Sign out"} {
			if strings.Contains(main, other) || strings.Contains(p.body, other) {
				t.Errorf("the public page shows %q", other)
			}
		}
		if strings.Contains(p.body, `"/api/v1/media/`) || strings.Contains(p.body, "/ui/records/") {
			t.Error("the public page links to routes of signed-in users")
		}
		// Exactly what the API shows: the same media objects.
		res, err := anon.c.Get(f.srv.URL + "/api/v1/shared/" + token)
		if err != nil {
			t.Fatal(err)
		}
		var v service.SharedView
		json.NewDecoder(res.Body).Decode(&v)
		res.Body.Close()
		var apiMedia []string
		for _, m := range v.Record.Media {
			apiMedia = append(apiMedia, m.ID)
		}
		if !slices.Equal(apiMedia, media) {
			t.Errorf("the API shows %v", apiMedia)
		}
	})

	t.Run("the link's token never reaches the log", func(t *testing.T) {
		if strings.Contains(logs.String(), token) || !strings.Contains(logs.String(), "/ui/s/[token]") {
			t.Errorf("the log:\n%s", logs.String())
		}
	})

	t.Run("a link with a password asks for it; a wrong one is refused next to the field; the right one opens the page, pictures and downloads", func(t *testing.T) {
		p := erin.submit(erin.get("/ui/media/"+media[1]), "/ui/shares", url.Values{"share_download": {"on"}, "share_password": {"harbour lights"}})
		if p.status != 201 {
			t.Fatalf("%d", p.status)
		}
		locked, tok := p.shareLinkOf()
		path := strings.TrimPrefix(locked, f.srv.URL)
		anon := f.browser(t)
		p = anon.get(path)
		if p.status != 401 || p.h1() != "Password required" || strings.Contains(p.body, "quay") {
			t.Fatalf("%d %q", p.status, p.h1())
		}
		p = anon.submit(p, path+"/unlock", url.Values{"password": {"not the one"}})
		if p.status != 422 || !strings.Contains(p.fieldError("password"), "wrong") {
			t.Errorf("a wrong password: %d %q", p.status, p.fieldError("password"))
		}
		p = anon.submit(p, path+"/unlock", url.Values{"password": {"harbour lights"}})
		if p.status != 200 || p.path() != path || p.h1() != "quay.jpg" {
			t.Fatalf("after the password: %d at %s, %q", p.status, p.path(), p.h1())
		}
		for _, u := range []string{"/api/v1/shared/" + tok + "/media/" + media[1] + "/renditions/preview", "/api/v1/shared/" + tok + "/media/" + media[1] + "/file"} {
			res, err := anon.c.Get(f.srv.URL + u)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Errorf("%s with the unlocked browser: %d", u, res.StatusCode)
			}
		}
		// Another browser, and another link, are not unlocked.
		if p := f.browser(t).get(path); p.status != 401 {
			t.Errorf("another browser: %d", p.status)
		}
		other := erin.submit(erin.get("/ui/records/"+harbour), "/ui/shares", url.Values{"share_password": {"another secret"}})
		otherLink, _ := other.shareLinkOf()
		if p := anon.get(strings.TrimPrefix(otherLink, f.srv.URL)); p.status != 401 {
			t.Errorf("another link in the unlocked browser: %d", p.status)
		}
	})

	t.Run("a collection's link shows its records only", func(t *testing.T) {
		c, err := f.svc.CreateCollection(f.ctx, f.A.Owner, service.CollectionInput{WorkspaceID: f.A.Workspace, Name: "Port"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.AddCollectionRecord(f.ctx, f.A.Owner, c.ID, harbour); err != nil {
			t.Fatal(err)
		}
		alice := f.signedIn(t, "alice")
		p := alice.submit(alice.get("/ui/collections/"+c.ID), "/ui/shares", nil)
		l, _ := p.shareLinkOf()
		p = f.browser(t).get(strings.TrimPrefix(l, f.srv.URL))
		if p.status != 200 || p.h1() != "Port" || !strings.Contains(p.textOf("main"), "Harbour at dawn") || strings.Contains(p.body, "Flood") {
			t.Errorf("%d %q", p.status, p.textOf("main"))
		}
		if strings.Contains(p.body, "/file") {
			t.Error("a link without downloads offers them")
		}
	})

	t.Run("invalid, unknown and revoked links all get the same not-found page", func(t *testing.T) {
		list := erin.get("/ui/shares")
		var revoke string
		for _, fm := range list.findAll(func(n *html.Node) bool { return n.Data == "form" }) {
			if a := attr(fm, "action"); strings.HasSuffix(a, "/revoke") {
				revoke = a // the newest first: take the last, the first made
			}
		}
		p := erin.submit(list, revoke, nil)
		if p.status != 200 || !strings.Contains(p.textOf("main"), "The link is revoked") || !strings.Contains(p.textOf("share-list"), "revoked") {
			t.Errorf("after revoking: %d %q", p.status, p.textOf("main"))
		}
		anon := f.browser(t)
		var bodies []string
		for _, path := range []string{strings.TrimPrefix(link, f.srv.URL), "/ui/s/shr_" + strings.Repeat("A", 43), "/ui/s/nonsense"} {
			p := anon.get(path)
			if p.status != 404 || p.h1() != "Not found" {
				t.Errorf("%s: %d %q", path, p.status, p.h1())
			}
			bodies = append(bodies, p.textOf("main"))
		}
		if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
			t.Errorf("the pages differ: %q", bodies)
		}
	})

	t.Run("another account's user cannot share, see or revoke the account's things", func(t *testing.T) {
		bob := f.signedIn(t, "bob")
		p := bob.post("/ui/shares", url.Values{"csrf_token": {bob.get("/ui/").csrfOf()}, "target": {"record:" + harbour}})
		if p.status != 404 {
			t.Errorf("sharing alpha's record: %d", p.status)
		}
		if p := bob.get("/ui/shares/new?target=record:" + harbour); p.status != 404 {
			t.Errorf("the share form of alpha's record: %d", p.status)
		}
		l, _ := f.svc.ListShareLinks(f.ctx, f.A.Editor, service.ShareLinkQuery{})
		p = bob.post("/ui/shares/"+l.Links[0].ID+"/revoke", url.Values{"csrf_token": {bob.get("/ui/").csrfOf()}})
		if p.status != 404 {
			t.Errorf("revoking erin's link: %d", p.status)
		}
		if list := bob.get("/ui/shares"); list.byID("share-list") != nil {
			t.Error("bob lists links")
		}
	})

	t.Run("the share form has its own page too", func(t *testing.T) {
		p := erin.get("/ui/shares/new?target=media:" + media[0])
		if p.status != 200 || p.h1() != "Share harbour.jpg" || p.byID("f-share_password") == nil {
			t.Errorf("%d %q", p.status, p.h1())
		}
	})
}
