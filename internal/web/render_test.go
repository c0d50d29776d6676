package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestACardWithAReadyThumbnailShowsItFromTheRenditionRoute(t *testing.T) {
	ui := &UI{pages: loadPages()}
	page := libraryPage{Form: newForm(), Searched: true, Total: 2, Start: 1, End: 2, Cards: []card{
		{ID: "rec_a", Title: "With a thumbnail", Thumb: renditionURL("med_1", "thumbnail")},
		{ID: "rec_b", Title: "Without", MediaType: "video"},
	}}
	w := httptest.NewRecorder()
	ui.render(w, httptest.NewRequest("GET", "/ui/", nil), &request{}, 200, "library", "Library", page)
	body := w.Body.String()
	for _, want := range []string{
		`<img class="thumb" src="/api/v1/media/med_1/renditions/thumbnail" alt="" width="256" height="256" loading="lazy">`,
		`<span class="thumb placeholder" aria-hidden="true">video</span>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the grid lacks %s:\n%s", want, body)
		}
	}
	if strings.Count(body, "<img") != 1 {
		t.Errorf("%d images for one ready thumbnail", strings.Count(body, "<img"))
	}
}

func TestAfterSignInOnlyPathsOfTheUIAreFollowed(t *testing.T) {
	for next, want := range map[string]string{
		"/ui/records/rec_1?x=1": "/ui/records/rec_1?x=1",
		"":                      "/ui/",
		"/api/v1/me":            "/ui/",
		"https://evil.example/": "/ui/",
		"//evil.example/ui/":    "/ui/",
		"/ui/\\\\evil.example":  "/ui/",
		"/ui/\r\nLocation: x":   "/ui/",
		"http://127.0.0.1/ui/x": "/ui/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
