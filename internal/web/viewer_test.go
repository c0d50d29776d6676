package web_test

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
	"atrium/internal/web"
)

func TestViewer(t *testing.T) {
	f := newFixtureWith(t, nil, web.Options{})
	startRenditions(t, f)
	rec := f.record(t, f.A, service.RecordInput{Title: "Lighthouse", MediaType: "image"})
	var ids []string
	for i, name := range []string{"dusk.jpg", "night.jpg", "dawn.jpg"} {
		up, err := f.svc.UploadRecordFile(f.ctx, f.A.Owner, service.FileMediaInput{RecordID: rec, Filename: name},
			service.Upload{Body: bytes.NewReader(picture(t, 300, 200, uint8(i))), Size: -1})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, up.Media.ID)
		awaitRenditions(t, f, f.A.Owner, up.Media.ID)
	}
	doc, err := f.svc.UploadRecordFile(f.ctx, f.A.Owner, service.FileMediaInput{RecordID: rec, Filename: "notes.txt"},
		service.Upload{Body: strings.NewReader("plain words\n"), Size: -1})
	if err != nil {
		t.Fatal(err)
	}
	// pat sees the record and may only preview its first picture: no
	// workspace role, ACL entries of their own.
	pat := f.user(t, f.A, "pat", "alpha.example")
	if _, err := f.svc.SetACL(f.ctx, f.A.Owner, authz.ObjectRef{Type: authz.Record, ID: rec}, []domain.ACLEntry{{Subject: authz.User(pat.UserID), Permissions: []string{"view"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetACL(f.ctx, f.A.Owner, authz.ObjectRef{Type: authz.Media, ID: ids[0]}, []domain.ACLEntry{{Subject: authz.User(pat.UserID), Permissions: []string{"preview"}}}); err != nil {
		t.Fatal(err)
	}
	// The third picture is the workspace's alone: pat does not see it.
	if _, err := f.svc.SetACL(f.ctx, f.A.Owner, authz.ObjectRef{Type: authz.Media, ID: ids[2]}, []domain.ACLEntry{}); err != nil {
		t.Fatal(err)
	}
	victor := f.signedIn(t, "victor")
	img := func(p *page) string {
		if n := p.byID("large"); n != nil {
			return attr(n, "src")
		}
		return ""
	}
	rel := func(p *page, r string) string {
		if n := p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "rel") == r }); n != nil {
			return attr(n, "href")
		}
		return ""
	}

	for _, c := range []struct {
		name       string
		who        string
		media      string
		img        string
		prev, next string
		says       []string
	}{
		{"one who may view sees the large rendition, its details, renditions and downloads", "victor", ids[1],
			"/api/v1/media/" + ids[1] + "/renditions/large", "/ui/media/" + ids[0], "/ui/media/" + ids[2],
			[]string{"2 of 4", "300 × 200", "SHA-256", "Thumbnail ready 256 × 171", "Large ready 300 × 200", "Original"}},
		{"one who may only preview sees the preview, and why not the large one", "pat", ids[0],
			"/api/v1/media/" + ids[0] + "/renditions/preview", "", "/ui/media/" + ids[1],
			[]string{"You may not see the full-size picture", "The preview is shown instead"}},
		{"a document shows no picture, and says why", "victor", doc.Media.ID, "", "/ui/media/" + ids[2], "",
			[]string{"4 of 4", "Only images are shown here", "None: only images get renditions"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := victor
			if c.who == "pat" {
				b = f.signedIn(t, "pat")
			}
			p := b.get("/ui/media/" + c.media)
			if p.status != 200 {
				t.Fatalf("%d\n%s", p.status, p.body)
			}
			if got := img(p); got != c.img {
				t.Errorf("the picture %q, want %q", got, c.img)
			}
			if rel(p, "prev") != c.prev || rel(p, "next") != c.next {
				t.Errorf("previous %q and next %q", rel(p, "prev"), rel(p, "next"))
			}
			main := p.textOf("main")
			for _, s := range c.says {
				if !strings.Contains(main, s) {
					t.Errorf("the page does not say %q:\n%s", s, main)
				}
			}
			if c.img != "" {
				res, err := b.c.Get(f.srv.URL + c.img)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Errorf("the picture answers %d to the page's session", res.StatusCode)
				}
			}
		})
	}

	t.Run("one who may not see a media object, or of another account, gets the not-found page", func(t *testing.T) {
		pb := f.signedIn(t, "pat")
		for _, id := range []string{ids[2], "med_nope"} {
			if p := pb.get("/ui/media/" + id); p.status != 404 || p.h1() != "Not found" {
				t.Errorf("pat, %s: %d %q", id, p.status, p.h1())
			}
		}
		bob := f.signedIn(t, "bob")
		if p := bob.get("/ui/media/" + ids[0]); p.status != 404 || strings.Contains(p.body, "dusk") {
			t.Errorf("bob: %d", p.status)
		}
	})

	t.Run("the record page links each media object to the viewer", func(t *testing.T) {
		p := victor.get("/ui/records/" + rec)
		for _, id := range ids {
			if !strings.Contains(p.body, `href="/ui/media/`+id+`"`) {
				t.Errorf("no link to the viewer of %s", id)
			}
		}
	})
}
