package web_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

// throttleUploads slows the tab's uploads to bytesPerSecond (-1: no
// limit), so that a progress bar can be seen moving.
func throttleUploads(bytesPerSecond float64) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{DownloadThroughput: -1, UploadThroughput: bytesPerSecond}}})
		return chromedp.Void{}, err
	}
}

func poll[T any](tb *tab, js string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Poll[T](js, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		tb.t.Fatalf("waiting for %s: %v", js, err)
	}
	return v
}

// awaitPath waits for a navigation to reach path.
func (tb *tab) awaitPath(path string) {
	tb.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		// Asked during the navigation, the location may fail: ask again.
		if loc, err := chromedp.Run(tb.ctx, chromedp.Location()); err == nil && strings.TrimPrefix(loc, tb.base) == path {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("not at %s", path)
		}
	}
}

// The second half of the library's journey: a user uploads an image with
// the progress bars, sees its thumbnail appear, opens it in the viewer,
// shares it with a link, and someone without an account opens the link
// and sees that picture, and only that.
func TestBrowserUploadAndShare(t *testing.T) {
	browser := startChromium(t)
	f := newFixture(t)
	startRenditions(t, f)
	dir := t.TempDir()
	photo := filepath.Join(dir, "harbour-lights.jpg")
	if err := os.WriteFile(photo, picture(t, 1200, 900, 7), 0o644); err != nil {
		t.Fatal(err)
	}
	// A record with two pictures, to step through in the viewer.
	pair := f.record(t, f.A, service.RecordInput{Title: "Two views", MediaType: "image"})
	var pairMedia []string
	for i := range 2 {
		up, err := f.svc.UploadRecordFile(f.ctx, f.A.Owner, service.FileMediaInput{RecordID: pair, Filename: "view.jpg"},
			service.Upload{Body: bytes.NewReader(picture(t, 64, 48, uint8(20+i))), Size: -1})
		if err != nil {
			t.Fatal(err)
		}
		pairMedia = append(pairMedia, up.Media.ID)
	}

	var link string
	t.Run("a user uploads an image with a progress bar, sees its thumbnail, views it and shares it", func(t *testing.T) {
		tb := newTab(t, browser, f.srv.URL)
		tb.signIn("erin")
		tb.open("/ui/upload")
		tb.do(chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{photo}))
		tb.do(throttleUploads(200 << 10))
		tb.do(chromedp.Click(chromedp.ID("upload-button")))
		pct := poll[float64](tb, `(() => { const p = document.querySelector(".upload-progress"); return p && p.value > 0 && p.value < 100 ? p.value : 0 })()`)
		if got := tb.text(".upload-item .upload-status"); !strings.HasPrefix(got, "Uploading…") && !strings.HasPrefix(got, "Storing") {
			t.Errorf("while sending (%v%%): %q", pct, got)
		}
		tb.screenshot("upload-progress")
		tb.do(throttleUploads(-1))
		poll[bool](tb, `!!document.querySelector(".upload-item.done")`)
		if got := tb.text(".upload-item.done .upload-status"); got != "Uploaded: harbour-lights · view" {
			t.Errorf("after the upload: %q", got)
		}
		// Its thumbnail appears once made.
		poll[bool](tb, `(() => { const i = document.querySelector(".upload-item.done .upload-thumb img"); return !!i && i.complete && i.naturalWidth > 0 })()`)
		tb.screenshot("upload-done")

		tb.open("/ui/?q=harbour+lights")
		if got := tb.text("#total"); got != "1 record, showing 1–1" {
			t.Fatalf("the library: %q", got)
		}
		poll[bool](tb, `(() => { const i = document.querySelector("#grid img.thumb"); return !!i && i.complete && i.naturalWidth > 0 })()`)

		tb.submit(`#grid li.card a`)
		tb.submit(`.view-links a`)
		if got := tb.text("h1"); got != "harbour-lights.jpg" {
			t.Errorf("the viewer's title: %q", got)
		}
		if w := poll[int](tb, `(() => { const i = document.getElementById("large"); return i && i.complete ? i.naturalWidth : 0 })()`); w != 1200 {
			t.Errorf("the large picture is %d pixels wide", w)
		}
		tb.screenshot("viewer")

		tb.submit(`.crumbs a[href^="/ui/records/"]`)
		tb.do(chromedp.Click(chromedp.CSS(`details.share summary`)))
		tb.do(chromedp.Click(chromedp.ID("f-share_download")))
		if status := tb.submit(`form.share-form button[type=submit]`); status != 201 {
			t.Errorf("creating the link: %d", status)
		}
		link = evaluate[string](tb, `document.getElementById("share-url").value`)
		if !strings.Contains(link, "/ui/s/shr_") || !strings.Contains(tb.text(".token-url"), link) {
			t.Fatalf("the link shown: %q", link)
		}
		if evaluate[bool](tb, `document.getElementById("copy-url").hidden`) {
			t.Error("no Copy button with the script")
		}
		tb.do(chromedp.Click(chromedp.ID("copy-url")))
		poll[bool](tb, `document.getElementById("copy-status").textContent !== ""`)
		tb.screenshot("share-created")
	})

	t.Run("someone without an account opens the link and sees that picture, and only that", func(t *testing.T) {
		if link == "" {
			t.Skip("no link")
		}
		tb := newTab(t, browser, f.srv.URL)
		tb.do(chromedp.Navigate(link))
		if got := tb.text("h1"); got != "harbour-lights" {
			t.Errorf("h1 %q", got)
		}
		if n := evaluate[int](tb, `document.querySelectorAll("main img").length`); n != 1 {
			t.Errorf("%d pictures", n)
		}
		poll[bool](tb, `(() => { const i = document.querySelector(".shared-grid img.thumb"); return !!i && i.complete && i.naturalWidth > 0 })()`)
		main := tb.text("main")
		for _, other := range []string{"Harbour at dawn", "Flood", "Council", "Two views", "Newsroom"} {
			if strings.Contains(main, other) {
				t.Errorf("the public page shows %q", other)
			}
		}
		if !strings.Contains(main, "Download") || evaluate[bool](tb, `!!document.querySelector("header nav, form.signout")`) {
			t.Errorf("downloads or the header: %q", main)
		}
		tb.screenshot("shared-public")
		tb.do(chromedp.EmulateViewport(360, 740))
		tb.do(chromedp.Reload())
		if !evaluate[bool](tb, `document.documentElement.scrollWidth <= window.innerWidth`) {
			t.Error("the public page is wider than 360 px")
		}
		tb.screenshot("shared-public-360")
		tb.open("/ui/")
		if got := tb.path(); !strings.HasPrefix(got, "/ui/signin") {
			t.Errorf("the link signed them in: %s", got)
		}
	})

	t.Run("refusals show next to the file that caused them, or next to the field", func(t *testing.T) {
		profile, err := f.svc.CreateCaptureProfile(f.ctx, f.A.Owner, service.CaptureProfileInput{Name: "Survey", WorkspaceID: f.A.Workspace,
			Fields:  []domain.RegistrationField{{Name: "site", Label: "Site", Type: domain.FieldText, Required: true}},
			Holders: []authz.Subject{authz.User(f.A.Editor.UserID)}})
		if err != nil {
			t.Fatal(err)
		}
		fresh := filepath.Join(dir, "fresh.jpg")
		if err := os.WriteFile(fresh, picture(t, 80, 60, 30), 0o644); err != nil {
			t.Fatal(err)
		}
		tb := newTab(t, browser, f.srv.URL)
		tb.signIn("erin")
		tb.open("/ui/upload")
		tb.do(chromedp.Click(chromedp.ID("f-duplicates")))
		tb.do(chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{photo, fresh}))
		tb.do(chromedp.Click(chromedp.ID("upload-button")))
		poll[bool](tb, `document.getElementById("upload-summary").textContent.startsWith("1 of 2")`)
		if got := tb.text(".upload-item.failed"); !strings.Contains(got, "harbour-lights.jpg") || !strings.Contains(got, "already the file of media") {
			t.Errorf("the duplicate: %q", got)
		}
		if got := tb.text(".upload-item.done"); !strings.Contains(got, "fresh.jpg") {
			t.Errorf("the other file: %q", got)
		}
		tb.screenshot("upload-errors")

		tb.open("/ui/upload?profile=" + profile.ID)
		tb.do(chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{fresh}))
		tb.do(chromedp.Click(chromedp.ID("upload-button")))
		poll[bool](tb, `!!document.querySelector(".upload-item.failed")`)
		if got := evaluate[string](tb, `(document.getElementById("f-field.site-error") || {}).textContent || ""`); got != "Site is required" {
			t.Errorf("next to the field: %q", got)
		}
		if !evaluate[bool](tb, `document.getElementById("f-field.site").getAttribute("aria-invalid") === "true"`) {
			t.Error("the field is not marked invalid")
		}
		if got := tb.text(".upload-item.failed"); !strings.Contains(got, "Site is required") {
			t.Errorf("next to the file: %q", got)
		}
		tb.do(chromedp.SendKeys(chromedp.CSS(`[name="field.site"]`), "Quay 4"))
		tb.do(chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{fresh}))
		tb.do(chromedp.Click(chromedp.ID("upload-button")))
		poll[bool](tb, `!!document.querySelector(".upload-item.done")`)
		if evaluate[bool](tb, `!!document.getElementById("f-field.site-error")`) {
			t.Error("the error stays after the field is filled in")
		}
	})

	t.Run("the upload page and the viewer work 360 pixels wide, and the arrow keys step through a record's media", func(t *testing.T) {
		tb := newTab(t, browser, f.srv.URL)
		tb.do(chromedp.EmulateViewport(360, 740))
		tb.signIn("victor")
		for _, p := range []struct{ path, shot string }{{"/ui/upload", "upload-360"}, {"/ui/media/" + pairMedia[0], "viewer-360"}, {"/ui/shares", "shares-360"}} {
			tb.open(p.path)
			if !evaluate[bool](tb, `document.documentElement.scrollWidth <= window.innerWidth`) {
				t.Errorf("%s is wider than the screen", p.path)
			}
			tb.screenshot(p.shot)
		}
		tb.do(chromedp.EmulateViewport(1280, 900))
		tb.open("/ui/media/" + pairMedia[0])
		if evaluate[bool](tb, `document.getElementById("keys-hint").hidden`) {
			t.Error("the keys are not announced")
		}
		tb.do(chromedp.KeyEvent(kb.ArrowRight))
		tb.awaitPath("/ui/media/" + pairMedia[1])
		// The script of the new page listens once it has run.
		poll[bool](tb, `document.readyState === "complete" && !document.getElementById("keys-hint").hidden`)
		tb.do(chromedp.KeyEvent(kb.ArrowLeft))
		tb.awaitPath("/ui/media/" + pairMedia[0])
	})
}
