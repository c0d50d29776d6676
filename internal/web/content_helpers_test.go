package web_test

// Helpers of the content pages' tests: a fixture with service options of
// its own, rendition workers, pictures, and multipart uploads sent the
// way a browser sends the upload form (the CSRF token first, the fields,
// then the files), with or without the script's JSON.

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/net/html"

	"atrium/internal/blob"
	"atrium/internal/domain"
	"atrium/internal/httpapi"
	"atrium/internal/identity"
	"atrium/internal/mail"
	"atrium/internal/rendition"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
	"atrium/internal/store/sqlstore/sqltest"
	"atrium/internal/web"
)

// newFixtureWith is newFixture with service options changed by opt (an
// upload limit, say) and the interface's options webOpt.
func newFixtureWith(t testing.TB, opt func(*service.Options), webOpt web.Options) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, sqltest.Dir(t), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	outbox := mail.Outbox{Dir: t.TempDir(), From: "Atrium <atrium@atrium.example>"}
	blobs, err := blob.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	o := service.Options{Password: identity.TestParams, Mail: outbox, Blobs: blobs, RateLimit: service.RateLimit{PerIP: -1, PerEmail: -1}}
	if opt != nil {
		opt(&o)
	}
	svc, err := service.New(ctx, st, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.WaitBackground)
	srv := httptest.NewServer(web.Mount(httpapi.New(svc, httpapi.Options{}), web.New(svc, webOpt)))
	t.Cleanup(srv.Close)
	f := &fixture{ctx: ctx, svc: svc, srv: srv, outbox: outbox}
	f.A = f.newTenant(t, "Alpha", "alice", []string{"erin", "victor"},
		[]string{"Harbour at dawn", "Flood in the old town", "Council meeting"})
	f.B = f.newTenant(t, "Beta", "bob", []string{"bea", "vince"}, []string{"Beta secret plans"})
	return f
}

// startRenditions makes renditions in the background, as serve does.
func startRenditions(t testing.TB, f *fixture) {
	t.Helper()
	o := rendition.DefaultOptions()
	o.Workers, o.QueueSize = 1, 16
	if err := f.svc.StartRenditions(f.ctx, service.RenditionOptions{Render: o, Rescan: time.Hour}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := f.svc.StopRenditions(ctx); err != nil {
			t.Error(err)
		}
	})
}

// picture is a JPEG of w×h pixels; seed varies its colours (and bytes).
func picture(t testing.TB, w, h int, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x) + seed, uint8(y), uint8(x*y) ^ seed, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// awaitRenditions waits until the media object's renditions are made.
func awaitRenditions(t testing.TB, f *fixture, a service.Actor, mediaID string) domain.Media {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		m, err := f.svc.GetMedia(f.ctx, a, mediaID)
		if err != nil {
			t.Fatal(err)
		}
		if service.RenditionReady(m, domain.RenditionThumbnail) && service.RenditionReady(m, domain.RenditionLarge) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("renditions not ready: %+v", m.Renditions)
		}
	}
}

// csrfOf is the token of the first form of a page.
func (p *page) csrfOf() string {
	p.t.Helper()
	n := p.find(func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "csrf_token" })
	if n == nil {
		p.t.Fatalf("no CSRF token on %s", p.url)
	}
	return attr(n, "value")
}

type upFile struct {
	name string
	data []byte
}

// uploadAnswer is the script's JSON answer, as the test reads it.
type uploadAnswer struct {
	Record *struct{ ID, Name, URL string } `json:"record"`
	Media  *struct{ ID, Name, URL string } `json:"media"`
	// DuplicateOf lists media objects that held the same bytes.
	DuplicateOf []struct{ ID string } `json:"duplicate_of"`
	Pending     bool                  `json:"pending"`
	Error       *struct {
		Code, Message, Field string
	} `json:"error"`
}

// upload posts a multipart form to /ui/upload: the token, the fields in
// order, then the files. asJSON asks for the script's answer, decoded
// into ans.
func (b *browser) upload(token string, fields [][2]string, files []upFile, asJSON bool, ans *uploadAnswer) *page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if token != "" {
		mw.WriteField("csrf_token", token)
	}
	for _, kv := range fields {
		mw.WriteField(kv[0], kv[1])
	}
	for _, fl := range files {
		w, err := mw.CreateFormFile("file", fl.name)
		if err != nil {
			b.t.Fatal(err)
		}
		w.Write(fl.data)
	}
	mw.Close()
	req, err := http.NewRequest("POST", b.base+"/ui/upload", &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if asJSON {
		req.Header.Set("Accept", "application/json")
	} else {
		req.Header.Set("Accept", "text/html")
	}
	p := b.do(req)
	if asJSON && ans != nil {
		if err := json.Unmarshal([]byte(p.body), ans); err != nil {
			b.t.Fatalf("the answer is not JSON (%d): %v\n%s", p.status, err, p.body)
		}
	}
	return p
}
