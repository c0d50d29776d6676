package httpapi_test

import (
	"strings"
	"testing"
)

// Renditions through a public share link: the pictures of a link's page
// are views, which a link with downloads off gives too, as far as its
// creator may view them now; saving one is a download under the same
// rules as the original's.
func TestSharedRenditions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	startRenditions(t, f.svc, testRenditions())
	w := newFileWorld(t, f)
	putFile(t, w.alice.client, w.med, jpegOf(t, 400, 300), "").ok(t, 200)
	putFile(t, w.alice.client, w.hiddenMed, jpegOf(t, 64, 64), "").ok(t, 200)
	awaitRenditions(t, w.alice.client, w.med)
	// carol views the record and its media (the default ACLs: everyone
	// views; Administrators download).
	viewOnly := mkLink(t, w.carol.client, obj{"target": "record:" + w.rec})
	withDownloads := mkLink(t, w.carol.client, obj{"target": "record:" + w.rec, "download": true})
	path := func(token, mediaID, kind, query string) string {
		return "/api/v1/shared/" + token + "/media/" + mediaID + "/renditions/" + kind + query
	}
	get := func(token, mediaID, kind, query string) *resp {
		return fetch(t, f.anon(), "GET", path(token, mediaID, kind, query))
	}

	t.Run("the link's page shows the pictures its creator may view, inline, even with downloads off", func(t *testing.T) {
		for _, kind := range []string{"thumbnail", "preview", "large"} {
			r := get(viewOnly.Token, w.med, kind, "").ok(t, 200)
			if r.header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(r.header.Get("Content-Disposition"), "inline") {
				t.Errorf("%s: %s, %s", kind, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
			}
		}
		if evs := linkEvents(t, w.alice.client, viewOnly.ID); len(evs) == 0 || evs[0].Type != "share.view" || evs[0].Detail["rendition"] != "large" {
			t.Errorf("the view is not audited: %+v", evs)
		}
	})
	t.Run("saving a rendition needs downloads on and the creator's download rights for it", func(t *testing.T) {
		get(viewOnly.Token, w.med, "thumbnail", "?download=1").fails(t, 404, "not_found", "-")
		r := get(withDownloads.Token, w.med, "thumbnail", "?download=1").ok(t, 200)
		if !strings.HasPrefix(r.header.Get("Content-Disposition"), `attachment; filename="a-thumbnail.jpg"`) {
			t.Errorf("Content-Disposition %q", r.header.Get("Content-Disposition"))
		}
		if evs := linkEvents(t, w.alice.client, withDownloads.ID); evs[0].Type != "share.download" || evs[0].Detail["rendition"] != "thumbnail" {
			t.Errorf("the download is not audited: %+v", evs[0])
		}
		// large is saved with can_download, which carol lacks.
		get(withDownloads.Token, w.med, "large", "?download=1").fails(t, 404, "not_found", "-")
	})
	t.Run("media outside the link, unknown kinds and bad queries are refused", func(t *testing.T) {
		get(viewOnly.Token, w.hiddenMed, "thumbnail", "").fails(t, 404, "not_found", "-")
		get(viewOnly.Token, w.med, "poster", "").fails(t, 404, "unknown_rendition", "kind")
		get(viewOnly.Token, w.med, "thumbnail", "?size=9").fails(t, 400, "invalid_query", "size")
		get("shr_"+strings.Repeat("A", 43), w.med, "thumbnail", "").fails(t, 404, "not_found", "-")
	})
	t.Run("when the creator loses sight of the media object, so does the link", func(t *testing.T) {
		w.alice.do(t, "PUT", "/api/v1/media/"+w.med+"/acl", obj{"entries": []entry{}}).ok(t, 200)
		get(viewOnly.Token, w.med, "thumbnail", "").fails(t, 404, "not_found", "-")
		if got := lastReason(t, w.alice.client, viewOnly.ID); !strings.Contains(got, "may not view it now") {
			t.Errorf("audited reason %q", got)
		}
	})
}
