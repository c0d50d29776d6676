package httpapi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"atrium/internal/blob"
	"atrium/internal/domain"
	"atrium/internal/identity"
	"atrium/internal/rendition"
	"atrium/internal/service"
)

// ---- helpers for renditions

// testRenditions are the rendition options of the tests: two workers, a
// queue, and a rescan too rare to matter, so that a test passing shows
// that jobs are submitted without it.
func testRenditions() service.RenditionOptions {
	o := rendition.DefaultOptions()
	o.Workers, o.QueueSize, o.Timeout = 2, 64, 30*time.Second
	return service.RenditionOptions{Render: o, Rescan: time.Hour}
}

// startRenditions starts the service's renditions, stopped when the test
// ends (before the store and the blob store close).
func startRenditions(t *testing.T, svc *service.Service, o service.RenditionOptions) {
	t.Helper()
	if err := svc.StartRenditions(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := svc.StopRenditions(ctx); err != nil {
			t.Errorf("stop renditions: %v", err)
		}
	})
}

// picture is a w×h image with gradients and a little texture, opaque or
// with a transparent stripe.
func picture(w, h int, transparent bool) image.Image {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := uint8(255)
			if transparent && x < w/4 {
				a = 0
			}
			m.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x ^ y) & 0xff), a})
		}
	}
	return m
}

func jpegOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(w, h, false), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func transparentPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, picture(w, h, true)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngBomb is a valid PNG header declaring w×h pixels of 8-bit RGBA over
// a few bytes of data.
func pngBomb(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = append(append(b, typ...), data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	b := []byte("\x89PNG\r\n\x1a\n")
	b = append(b, chunk("IHDR", ihdr)...)
	b = append(b, chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(b, chunk("IEND", nil)...)
}

// awaitRenditions polls GET /media/{id} until the media object has its
// three renditions and none is pending, and returns it.
func awaitRenditions(t *testing.T, c *client, mediaID string) domain.Media {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var m domain.Media
		c.get(t, "/api/v1/media/"+mediaID).ok(t, 200).decode(t, &m)
		done := len(m.Renditions) == 3
		for _, rd := range m.Renditions {
			done = done && rd.Status != domain.RenditionPending
		}
		if done {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("media %s: renditions still %+v", mediaID, m.Renditions)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// renditionsBy returns a media object's renditions by kind.
func renditionsBy(m domain.Media) map[string]domain.Rendition {
	out := map[string]domain.Rendition{}
	for _, rd := range m.Renditions {
		out[rd.Kind] = rd
	}
	return out
}

type size struct{ w, h int }

// wantReady checks that a media object's renditions are ready with these
// sizes and content type, and that each serves an image of its size.
func wantReady(t *testing.T, c *client, m domain.Media, contentType string, want map[string]size) {
	t.Helper()
	rs := renditionsBy(m)
	for kind, sz := range want {
		rd := rs[kind]
		if rd.Status != domain.RenditionReady || rd.Width != sz.w || rd.Height != sz.h || rd.ContentType != contentType || rd.Size <= 0 || rd.FileID != m.File.ID {
			t.Errorf("%s: %+v, want ready, %d×%d, %s, of file %s", kind, rd, sz.w, sz.h, contentType, m.File.ID)
			continue
		}
		r := fetch(t, c, "GET", "/api/v1/media/"+m.ID+"/renditions/"+kind).ok(t, 200)
		cfg, format, err := image.DecodeConfig(bytes.NewReader(r.body))
		if err != nil || cfg.Width != sz.w || cfg.Height != sz.h || "image/"+format != contentType {
			t.Errorf("%s serves %s %d×%d (%v), want %s %d×%d", kind, format, cfg.Width, cfg.Height, err, contentType, sz.w, sz.h)
		}
		if int64(len(r.body)) != rd.Size || r.header.Get("ETag") != `"`+hexSHA(r.body)+`"` || r.header.Get("Content-Type") != contentType {
			t.Errorf("%s: %d bytes, ETag %s, type %s; recorded %d bytes, sha256 %s", kind, len(r.body), r.header.Get("ETag"), r.header.Get("Content-Type"), rd.Size, rd.SHA256)
		}
	}
}

func renditionPath(mediaID, kind string) string {
	return "/api/v1/media/" + mediaID + "/renditions/" + kind
}

// ---- the tests

func TestRenditionsAreMadeOnUpload(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture, w *fileWorld)
	}{
		{"an uploaded JPEG gets a thumbnail, a preview and a large rendition of the right sizes, and its original stays as it was", func(t *testing.T, f *fixture, w *fileWorld) {
			data := jpegOf(t, 1100, 300)
			res := uploaded(t, putFile(t, w.alice.client, w.med, data, "").ok(t, 200))
			if n := len(res.Media.Renditions); n != 3 {
				t.Errorf("the upload's answer shows %d renditions, want 3 (pending or done)", n)
			}
			m := awaitRenditions(t, w.alice.client, w.med)
			wantReady(t, w.alice.client, m, "image/jpeg", map[string]size{"thumbnail": {256, 70}, "preview": {1024, 279}, "large": {1100, 300}})
			if m.File.Width != 1100 || m.File.Height != 300 {
				t.Errorf("the file's size is %d×%d, want 1100×300", m.File.Width, m.File.Height)
			}
			if r := download(t, w.alice.client, w.med).ok(t, 200); !bytes.Equal(r.body, data) {
				t.Error("the original changed")
			}
			wantBlobs(t, f, 4)
			wantUsage(t, w.alice.client, int64(len(data)), 1) // renditions are not counted
			// The orphan sweep knows rendition blobs: however old, they stay.
			if n, err := f.svc.SweepBlobs(f.ctx, 0); err != nil || n != 0 {
				t.Errorf("the sweep removed %d blobs (%v)", n, err)
			}
			wantBlobs(t, f, 4)
		}},
		{"an uploaded PNG with transparency gets PNG renditions, never enlarged", func(t *testing.T, f *fixture, w *fileWorld) {
			res := uploaded(t, postForm(t, w.alice.client, w.rec, "", transparentPNG(t, 300, 200)).ok(t, 201))
			if res.Media.MediaType != "image" {
				t.Fatalf("media type %s", res.Media.MediaType)
			}
			m := awaitRenditions(t, w.alice.client, res.Media.ID)
			wantReady(t, w.alice.client, m, "image/png", map[string]size{"thumbnail": {256, 171}, "preview": {300, 200}, "large": {300, 200}})
		}},
		{"a corrupt image fails with the decoder's reason, and the server goes on making others", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, jpegOf(t, 400, 300)[:600], "").ok(t, 200)
			m := awaitRenditions(t, w.alice.client, w.med)
			for _, rd := range m.Renditions {
				if rd.Status != domain.RenditionFailed || !strings.HasPrefix(rd.Reason, "corrupt image") || rd.Size != 0 {
					t.Errorf("%s: %+v, want failed as a corrupt image", rd.Kind, rd)
				}
			}
			e := fetch(t, w.alice.client, "GET", renditionPath(w.med, "thumbnail")).fails(t, 409, "rendition_failed", "status")
			if !strings.Contains(e.Error.Message, "corrupt image") {
				t.Errorf("the refusal does not say why: %q", e.Error.Message)
			}
			good := uploaded(t, postForm(t, w.alice.client, w.rec, "", jpegOf(t, 100, 50)).ok(t, 201))
			wantReady(t, w.alice.client, awaitRenditions(t, w.alice.client, good.Media.ID), "image/jpeg",
				map[string]size{"thumbnail": {100, 50}, "preview": {100, 50}, "large": {100, 50}})
			wantBlobs(t, f, 5)
		}},
		{"a decompression bomb fails as too large from its header alone", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, pngBomb(100000, 100000), "").ok(t, 200)
			for _, rd := range awaitRenditions(t, w.alice.client, w.med).Renditions {
				if rd.Status != domain.RenditionFailed || !strings.HasPrefix(rd.Reason, "image too large: 100000×100000 pixels") {
					t.Errorf("%s: %+v, want failed as too large", rd.Kind, rd)
				}
			}
			wantBlobs(t, f, 1)
		}},
		{"an empty file of an image media object fails with a reason", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, []byte{}, "").ok(t, 200)
			for _, rd := range awaitRenditions(t, w.alice.client, w.med).Renditions {
				if rd.Status != domain.RenditionFailed || rd.Reason == "" {
					t.Errorf("%s: %+v, want failed with a reason", rd.Kind, rd)
				}
			}
		}},
		{"an image format the server cannot decode fails naming it", func(t *testing.T, f *fixture, w *fileWorld) {
			heic := append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 64)...)
			res := uploaded(t, postForm(t, w.alice.client, w.rec, "", heic).ok(t, 201))
			if res.Media.File.ContentType != "image/heic" {
				t.Fatalf("content type %s", res.Media.File.ContentType)
			}
			for _, rd := range awaitRenditions(t, w.alice.client, res.Media.ID).Renditions {
				if rd.Status != domain.RenditionFailed || rd.Reason != "unsupported format: HEIC" {
					t.Errorf("%s: %+v, want unsupported format: HEIC", rd.Kind, rd)
				}
			}
		}},
		{"a document gets no renditions, and asking for one says so", func(t *testing.T, f *fixture, w *fileWorld) {
			res := uploaded(t, postForm(t, w.alice.client, w.rec, "", []byte("%PDF-1.7\n...")).ok(t, 201))
			if res.Media.MediaType != "document" || len(res.Media.Renditions) != 0 {
				t.Fatalf("media %+v", res.Media)
			}
			fetch(t, w.alice.client, "GET", renditionPath(res.Media.ID, "thumbnail")).fails(t, 404, "rendition_not_found", "-")
			fetch(t, w.alice.client, "GET", renditionPath(w.med, "thumbnail")).fails(t, 404, "rendition_not_found", "-") // no file yet
			wantBlobs(t, f, 1)
		}},
		{"an unknown kind is 404 unknown_rendition, the original among them; a bad download flag 400", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, jpegOf(t, 64, 64), "").ok(t, 200)
			awaitRenditions(t, w.alice.client, w.med)
			for _, kind := range []string{"original", "huge", "THUMBNAIL", "thumbnail.jpg"} {
				fetch(t, w.alice.client, "GET", renditionPath(w.med, kind)).fails(t, 404, "unknown_rendition", "kind")
			}
			fetch(t, w.alice.client, "GET", renditionPath(w.med, "thumbnail")+"?download=maybe").fails(t, 400, "invalid_query", "download")
			fetch(t, w.alice.client, "GET", renditionPath(w.med, "thumbnail")+"?download=1&download=0").fails(t, 400, "invalid_query", "download")
			fetch(t, w.alice.client, "GET", renditionPath(w.med, "thumbnail")+"?size=big").fails(t, 400, "invalid_query", "size")
			var withRev struct {
				Revision string `json:"revision"`
			}
			w.alice.get(t, "/api/v1/records").ok(t, 200).decode(t, &withRev)
			if withRev.Revision == "" {
				t.Fatal("no revision to send back")
			}
			fetch(t, w.alice.client, "GET", renditionPath(w.med, "thumbnail")+"?download=0&at_least_revision="+withRev.Revision).ok(t, 200)
		}},
		{"replacing the file makes new renditions of the new one and deletes the old ones' blobs", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, jpegOf(t, 600, 300), "").ok(t, 200)
			before := awaitRenditions(t, w.alice.client, w.med)
			putFile(t, w.alice.client, w.med, jpegOf(t, 300, 600), "").ok(t, 200)
			after := awaitRenditions(t, w.alice.client, w.med)
			if after.File.ID == before.File.ID {
				t.Fatal("the file was not replaced")
			}
			wantReady(t, w.alice.client, after, "image/jpeg", map[string]size{"thumbnail": {128, 256}, "preview": {300, 600}, "large": {300, 600}})
			wantBlobs(t, f, 4)
		}},
		{"deleting the media object, or the record, deletes its renditions' blobs", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, jpegOf(t, 64, 64), "").ok(t, 200)
			other := uploaded(t, postForm(t, w.alice.client, w.hiddenRec, "", jpegOf(t, 64, 32)).ok(t, 201)).Media.ID
			awaitRenditions(t, w.alice.client, w.med)
			awaitRenditions(t, w.alice.client, other)
			wantBlobs(t, f, 8)
			w.alice.do(t, "DELETE", "/api/v1/media/"+w.med, nil).ok(t, 204)
			wantBlobs(t, f, 4)
			w.alice.do(t, "DELETE", "/api/v1/records/"+w.hiddenRec, nil).ok(t, 204)
			wantBlobs(t, f, 0)
		}},
		{"media listings show the renditions too", func(t *testing.T, f *fixture, w *fileWorld) {
			putFile(t, w.alice.client, w.med, jpegOf(t, 64, 64), "").ok(t, 200)
			awaitRenditions(t, w.alice.client, w.med)
			var onRecord struct {
				Media []domain.Media `json:"media"`
			}
			w.alice.get(t, "/api/v1/records/"+w.rec+"/media").ok(t, 200).decode(t, &onRecord)
			var all struct {
				Media []domain.Media `json:"media"`
			}
			w.alice.get(t, "/api/v1/media").ok(t, 200).decode(t, &all)
			for name, ms := range map[string][]domain.Media{"the record's media": onRecord.Media, "the media listing": all.Media} {
				found := false
				for _, m := range ms {
					if m.ID == w.med {
						found = true
						if len(m.Renditions) != 3 || m.Renditions[0].Kind != "thumbnail" || m.Renditions[0].Status != "ready" {
							t.Errorf("%s shows renditions %+v", name, m.Renditions)
						}
					}
				}
				if !found {
					t.Errorf("%s lacks the media object: %+v", name, ms)
				}
			}
		}},
		{"GET /media/{id}/downloads tells each rendition's state", func(t *testing.T, f *fixture, w *fileWorld) {
			d := downloads(t, w.alice.client, w.med)
			for _, r := range domain.Renditions {
				if d[r].Status != "none" {
					t.Errorf("before any upload %s is %q", r, d[r].Status)
				}
			}
			putFile(t, w.alice.client, w.med, pngBomb(100000, 100000), "").ok(t, 200)
			awaitRenditions(t, w.alice.client, w.med)
			d = downloads(t, w.alice.client, w.med)
			if d["original"].Status != "ready" || d["large"].Status != "failed" || !strings.HasPrefix(d["large"].Reason, "image too large") {
				t.Errorf("after a bomb: %+v", d)
			}
			putFile(t, w.alice.client, w.med, jpegOf(t, 64, 64), "").ok(t, 200)
			awaitRenditions(t, w.alice.client, w.med)
			d = downloads(t, w.alice.client, w.med)
			for _, r := range domain.Renditions {
				if d[r].Status != "ready" || d[r].Reason != "" || !d[r].Download.Allowed {
					t.Errorf("after an image: %s is %+v", r, d[r])
				}
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			startRenditions(t, f.svc, testRenditions())
			c.run(t, f, newFileWorld(t, f))
		})
	}
}

func TestRenditionAccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	startRenditions(t, f.svc, testRenditions())
	w := newFileWorld(t, f)
	erin := f.addUser(t, f.A, "erin")
	// A media object erin may only preview; everyone else sees it through
	// the default ACL (view), Administrators may download it.
	previewed := mediaWithACL(t, w.alice.client, w.rec, "image", []entry{{"user:" + erin.ID, []string{"preview"}}, {"everyone", []string{"view"}}})
	putFile(t, w.alice.client, previewed, jpegOf(t, 400, 300), "").ok(t, 200)
	putFile(t, w.alice.client, w.hiddenMed, jpegOf(t, 64, 64), "").ok(t, 200)
	awaitRenditions(t, w.alice.client, previewed)
	awaitRenditions(t, w.alice.client, w.hiddenMed)
	get := func(c *client, kind, query string) *resp {
		return fetch(t, c, "GET", renditionPath(previewed, kind)+query)
	}

	t.Run("a user who may only preview sees the thumbnail and preview inline, but not the large rendition nor the original", func(t *testing.T) {
		w.alice.do(t, "PUT", "/api/v1/media/"+previewed+"/acl", obj{"entries": []entry{{"user:" + erin.ID, []string{"preview"}}}}).ok(t, 200)
		defer func() {
			w.alice.do(t, "PUT", "/api/v1/media/"+previewed+"/acl", obj{"entries": []entry{{"user:" + erin.ID, []string{"preview"}}, {"everyone", []string{"view"}}}}).ok(t, 200)
		}()
		for _, kind := range []string{"thumbnail", "preview"} {
			r := get(erin.client, kind, "").ok(t, 200)
			if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `inline; filename="f-`+kind+`.jpg"`) {
				t.Errorf("%s: Content-Disposition %q", kind, cd)
			}
		}
		get(erin.client, "large", "").fails(t, 403, "forbidden", "-")
		get(erin.client, "large", "?download=1").fails(t, 403, "forbidden", "-")
		download(t, erin.client, previewed).fails(t, 403, "forbidden", "-")
		// Saving a thumbnail takes can_preview and a profile (everyone
		// holds All renditions).
		r := get(erin.client, "thumbnail", "?download=1").ok(t, 200)
		if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="f-thumbnail.jpg"`) {
			t.Errorf("download's Content-Disposition %q", cd)
		}
	})
	t.Run("a viewer sees the large rendition inline but needs can_download to save it", func(t *testing.T) {
		get(w.carol.client, "large", "").ok(t, 200)
		get(w.carol.client, "large", "?download=1").fails(t, 403, "forbidden", "-")
		get(w.alice.client, "large", "?download=1").ok(t, 200)
	})
	t.Run("a download needs a profile allowing that rendition, a view does not", func(t *testing.T) {
		restrictDownloads(t, w.alice.client)
		p := mkDownloadProfile(t, w.alice.client, "Thumbnails", []string{"user:" + w.alice.ID}, rule("image", "thumbnail"))
		defer func() {
			w.alice.do(t, "DELETE", "/api/v1/download-profiles/"+p, nil).ok(t, 204)
			all := downloadProfiles(t, w.alice.client)["All renditions"]
			w.alice.do(t, "PATCH", "/api/v1/download-profiles/"+all.ID, obj{"holders": []string{"everyone"}}).ok(t, 200)
		}()
		e := get(w.alice.client, "large", "?download=1").fails(t, 403, "profile_denies", "rendition")
		if !strings.Contains(e.Error.Message, "large") {
			t.Errorf("the refusal does not name the rendition: %q", e.Error.Message)
		}
		get(w.alice.client, "thumbnail", "?download=1").ok(t, 200)
		get(w.alice.client, "large", "").ok(t, 200)
		get(erin.client, "thumbnail", "?download=1").fails(t, 403, "profile_denies", "rendition")
	})
	t.Run("media one cannot see, or of another account, are 404 whatever the kind", func(t *testing.T) {
		for _, kind := range []string{"thumbnail", "large"} {
			for _, q := range []string{"", "?download=1"} {
				fetch(t, w.carol.client, "GET", renditionPath(w.hiddenMed, kind)+q).fails(t, 404, "not_found", "-")
				fetch(t, w.bob.client, "GET", renditionPath(previewed, kind)+q).fails(t, 404, "not_found", "-")
				fetch(t, w.bob.client, "HEAD", renditionPath(previewed, kind)+q).ok(t, 404)
			}
		}
		fetch(t, w.bob.client, "GET", "/api/v1/media/"+previewed+"/downloads").fails(t, 404, "not_found", "-")
		fetch(t, w.alice.client, "GET", renditionPath(w.hiddenMed, "thumbnail")).ok(t, 200)
	})
	t.Run("downloads are audited with the rendition before they are sent, views are not, refusals are", func(t *testing.T) {
		before := len(auditOf(t, w.alice.client, "media.download"))
		get(w.carol.client, "preview", "").ok(t, 200)
		r := get(w.carol.client, "preview", "?download=1").ok(t, 200)
		get(w.carol.client, "large", "?download=1").fails(t, 403, "forbidden", "-")
		ev := auditOf(t, w.alice.client, "media.download")
		if len(ev) != before+2 {
			t.Fatalf("%d new download events, want 2: %+v", len(ev)-before, ev[:len(ev)-before])
		}
		refused, sent := ev[0], ev[1]
		if refused.Result != "denied" || refused.Detail["rendition"] != "large" || refused.Actor != w.carol.ID {
			t.Errorf("refusal %+v", refused)
		}
		if sent.Result != "ok" || sent.Detail["rendition"] != "preview" || sent.Detail["sha256"] != hexSHA(r.body) ||
			sent.Detail["bytes"] != fmt.Sprint(len(r.body)) || sent.Detail["status"] != "200" || sent.Target != "media:"+previewed {
			t.Errorf("download %+v", sent)
		}
	})
	t.Run("a rendition is served with its ETag, revalidated with 304, by ranges, and HEAD sends no body", func(t *testing.T) {
		full := get(w.alice.client, "preview", "").ok(t, 200)
		etag := full.header.Get("ETag")
		h := full.header
		if h.Get("Cache-Control") != "private, no-cache" || h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("Last-Modified") == "" {
			t.Errorf("headers %v", h)
		}
		fetch(t, w.alice.client, "GET", renditionPath(previewed, "preview"), header{"If-None-Match", etag}).ok(t, 304)
		part := fetch(t, w.alice.client, "GET", renditionPath(previewed, "preview")+"?download=1", header{"Range", "bytes=0-99"}).ok(t, 206)
		if !bytes.Equal(part.body, full.body[:100]) {
			t.Error("the range is not the rendition's first 100 bytes")
		}
		if ev := auditOf(t, w.alice.client, "media.download"); ev[0].Detail["range"] != "bytes=0-99" || ev[0].Detail["status"] != "206" {
			t.Errorf("the range download is audited as %+v", ev[0])
		}
		head := fetch(t, w.alice.client, "HEAD", renditionPath(previewed, "preview")).ok(t, 200)
		if len(head.body) != 0 || head.header.Get("Content-Length") != fmt.Sprint(len(full.body)) {
			t.Errorf("HEAD: %d bytes, Content-Length %s", len(head.body), head.header.Get("Content-Length"))
		}
		fetch(t, w.alice.client, "GET", renditionPath(previewed, "preview"), header{"Range", "bytes=99999999-"}).fails(t, 416, "range_not_satisfiable", "-")
	})
	t.Run("a rendition being made is 409 rendition_not_ready with Retry-After", func(t *testing.T) {
		f2 := newFixture(t) // renditions never started: they stay pending
		w2 := newFileWorld(t, f2)
		putFile(t, w2.alice.client, w2.med, jpegOf(t, 64, 64), "").ok(t, 200)
		r := fetch(t, w2.alice.client, "GET", renditionPath(w2.med, "thumbnail"))
		r.fails(t, 409, "rendition_not_ready", "status")
		if r.header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
		if d := downloads(t, w2.alice.client, w2.med); d["thumbnail"].Status != "pending" {
			t.Errorf("downloads say %+v", d["thumbnail"])
		}
	})
}

func TestConcurrentUploadsAllGetTheirRenditions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	startRenditions(t, f.svc, testRenditions())
	w := newFileWorld(t, f)
	const n = 8
	images := make([][]byte, n)
	for i := range n {
		images[i] = jpegOf(t, 300+i, 100)
	}
	answers := make([]*resp, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = postForm(t, w.alice.client, w.rec, "", images[i])
		}()
	}
	wg.Wait()
	for i, a := range answers {
		m := awaitRenditions(t, w.alice.client, uploaded(t, a.ok(t, 201)).Media.ID)
		wantReady(t, w.alice.client, m, "image/jpeg", map[string]size{"large": {300 + i, 100}})
	}
	wantBlobs(t, f, 4*n)
}

func TestPendingRenditionsAreMadeAfterARestart(t *testing.T) {
	t.Parallel()
	// Uploads made while no process renders stay pending...
	f := newFixture(t)
	w := newFileWorld(t, f)
	putFile(t, w.alice.client, w.med, jpegOf(t, 500, 250), "").ok(t, 200)
	other := uploaded(t, postForm(t, w.alice.client, w.rec, "", jpegOf(t, 50, 100)).ok(t, 201)).Media.ID
	for _, id := range []string{w.med, other} {
		var m domain.Media
		w.alice.get(t, "/api/v1/media/"+id).ok(t, 200).decode(t, &m)
		for _, rd := range m.Renditions {
			if rd.Status != domain.RenditionPending {
				t.Fatalf("%s of %s is %s before any renderer started", rd.Kind, id, rd.Status)
			}
		}
	}
	// ...until a service starts on the same data: it finds them.
	fs, err := blob.NewFS(f.blobDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	svc2, err := service.New(context.Background(), f.svc.Store(), service.Options{Blobs: fs, Password: identity.TestParams})
	if err != nil {
		t.Fatal(err)
	}
	startRenditions(t, svc2, testRenditions())
	wantReady(t, w.alice.client, awaitRenditions(t, w.alice.client, w.med), "image/jpeg", map[string]size{"thumbnail": {256, 128}, "large": {500, 250}})
	wantReady(t, w.alice.client, awaitRenditions(t, w.alice.client, other), "image/jpeg", map[string]size{"thumbnail": {50, 100}})
}

func TestRenditionsLeftOverByAFullQueueAreMadeWhenThereIsRoom(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := testRenditions()
	o.Render.Workers, o.Render.QueueSize = 1, 0 // a job is taken only by an idle worker
	startRenditions(t, f.svc, o)
	w := newFileWorld(t, f)
	var ids []string
	for i := range 6 {
		ids = append(ids, uploaded(t, postForm(t, w.alice.client, w.rec, "", jpegOf(t, 300, 200+i)).ok(t, 201)).Media.ID)
	}
	// The rescan is an hour away: the jobs that found no room are taken
	// when a job ends.
	for i, id := range ids {
		wantReady(t, w.alice.client, awaitRenditions(t, w.alice.client, id), "image/jpeg", map[string]size{"large": {300, 200 + i}})
	}
}

// gatedBlobs is a blob store whose first opening of an original (a
// file's blob) waits for the gate once the file is open: a rendition job
// in mid-flight. It counts the renditions stored.
type gatedBlobs struct {
	blob.Store
	gate    chan struct{}
	reading chan struct{}
	used    atomic.Bool
	stored  atomic.Int64
}

func (g *gatedBlobs) Open(ctx context.Context, key string) (io.ReadSeekCloser, blob.Info, error) {
	rc, info, err := g.Store.Open(ctx, key)
	if err == nil && strings.HasPrefix(key, "fil_") && g.used.CompareAndSwap(false, true) {
		close(g.reading)
		<-g.gate
	}
	return rc, info, err
}

func (g *gatedBlobs) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	n, err := g.Store.Put(ctx, key, r)
	if err == nil && strings.HasPrefix(key, "ren_") {
		g.stored.Add(1)
	}
	return n, err
}

func TestAJobWhoseFileWasReplacedMeanwhileDiscardsItsOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fs, err := blob.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	g := &gatedBlobs{Store: fs, gate: make(chan struct{}), reading: make(chan struct{})}
	f := newFixtureWith(t, service.Options{Blobs: g})
	f.blobDir = dir
	startRenditions(t, f.svc, testRenditions())
	w := newFileWorld(t, f)
	putFile(t, w.alice.client, w.med, jpegOf(t, 600, 200), "").ok(t, 200)
	<-g.reading // the job holds the first file open
	putFile(t, w.alice.client, w.med, jpegOf(t, 120, 240), "").ok(t, 200)
	m := awaitRenditions(t, w.alice.client, w.med)
	wantReady(t, w.alice.client, m, "image/jpeg", map[string]size{"thumbnail": {120, 240}, "large": {120, 240}})
	// The first job goes on with the replaced file (still open), stores
	// its renditions, finds them no longer pending and deletes them.
	close(g.gate)
	deadline := time.Now().Add(30 * time.Second)
	for g.stored.Load() < 6 {
		if time.Now().After(deadline) {
			t.Fatalf("%d renditions stored, want 6", g.stored.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	wantBlobs(t, f, 4)
	wantReady(t, w.alice.client, awaitRenditions(t, w.alice.client, w.med), "image/jpeg", map[string]size{"thumbnail": {120, 240}})
}

func TestVideoIsProbedForItsDurationAndSize(t *testing.T) {
	// Not parallel: it puts a stand-in ffprobe on PATH.
	bin := t.TempDir()
	script := `#!/bin/sh
# A stand-in for ffprobe: it checks it is given an existing file, then
# answers as ffprobe does for a 12.5 s phone video shot upright.
for a; do last="$a"; done
test -f "${last#file:}" || exit 1
echo '{"streams":[{"codec_type":"video","codec_name":"h264","width":1920,"height":1080,"side_data_list":[{"rotation":-90}]}],"format":{"format_name":"mov","duration":"12.500000"}}'
`
	if err := os.WriteFile(filepath.Join(bin, "ffprobe"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	f := newFixture(t)
	startRenditions(t, f.svc, testRenditions())
	w := newFileWorld(t, f)
	video := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 256)...)
	res := uploaded(t, postForm(t, w.alice.client, w.rec, "", video, formPart{name: "media_type", value: "video"}).ok(t, 201))
	if len(res.Media.Renditions) != 0 {
		t.Errorf("a video got renditions: %+v", res.Media.Renditions)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		fl := mediaFile(t, w.alice.client, res.Media.ID)
		if fl.DurationMS != 0 {
			if fl.DurationMS != 12500 || fl.Width != 1080 || fl.Height != 1920 {
				t.Errorf("probed file %+v, want 12500 ms, 1080×1920", fl)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the video was never probed: %+v", fl)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
