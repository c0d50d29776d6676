package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"atrium/internal/domain"
	"atrium/internal/rendition"
	"atrium/internal/service"
)

// The grid and the record page show real pictures once an upload's
// renditions are made, and the pictures load with the page's session.
func TestPicturesShowOnceTheirRenditionsAreReady(t *testing.T) {
	f := newFixture(t)
	o := rendition.DefaultOptions()
	o.Workers, o.QueueSize = 1, 8
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
	img := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for x := range 300 {
		for y := range 200 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	id := f.record(t, f.A, service.RecordInput{Title: "Lighthouse at dusk"})
	up, err := f.svc.UploadRecordFile(f.ctx, f.A.Owner, service.FileMediaInput{RecordID: id, MediaType: "image", Filename: "dusk.jpg"},
		service.Upload{Body: bytes.NewReader(buf.Bytes()), Size: int64(buf.Len())})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		m, err := f.svc.GetMedia(f.ctx, f.A.Owner, up.Media.ID)
		if err != nil {
			t.Fatal(err)
		}
		if service.RenditionReady(m, domain.RenditionThumbnail) && service.RenditionReady(m, domain.RenditionPreview) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("renditions not ready: %+v", m.Renditions)
		}
	}
	b := f.signedIn(t, "victor") // a viewer of the workspace
	thumb := "/api/v1/media/" + up.Media.ID + "/renditions/thumbnail"
	p := b.get("/ui/")
	var src string
	for _, li := range p.findAll(func(n *html.Node) bool { return attr(n, "class") == "card" }) {
		if strings.Contains(text(li), "Lighthouse at dusk") {
			if im := findIn(li, func(n *html.Node) bool { return n.Data == "img" }); im != nil {
				src = attr(im, "src")
			}
		}
	}
	if src != thumb {
		t.Fatalf("the card's picture is %q, want %q", src, thumb)
	}
	res, err := b.c.Get(f.srv.URL + src)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(got)); res.StatusCode != 200 || err != nil || cfg.Width != 256 {
		t.Errorf("the thumbnail with the page's session: %d, %v, %+v", res.StatusCode, err, cfg)
	}
	rp := b.get("/ui/records/" + id)
	if im := rp.find(func(n *html.Node) bool { return n.Data == "img" }); im == nil || attr(im, "src") != "/api/v1/media/"+up.Media.ID+"/renditions/preview" {
		t.Errorf("the record page's preview: %v", im)
	}
	if a := rp.find(func(n *html.Node) bool {
		return n.Data == "a" && strings.HasSuffix(attr(n, "href"), "/renditions/thumbnail?download=1")
	}); a == nil {
		t.Error("no download of the thumbnail offered")
	}
}
