package web_test

// Browser tests: the main journeys driven in a real, headless Chromium
// through the DevTools protocol (chromedp), against the real server over a
// real SQLite file. Every page's console is watched: a script error or a
// Content-Security-Policy violation fails the test. Screenshots of the main
// pages go to testdata/screenshots (git-ignored), or ATRIUM_SCREENSHOTS.
//
// Chromium is found through ATRIUM_CHROMIUM, then chromium,
// chromium-browser and google-chrome on PATH. Without one the tests are
// skipped, saying so, except under CI=true, where they fail.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"atrium/internal/service"
)

// findChromium returns the browser to drive, or skips (fails in CI).
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ATRIUM_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("ATRIUM_CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found, and CI=true: install it (apt-get install -y chromium) or set ATRIUM_CHROMIUM")
	}
	t.Skip("browser tests skipped: no Chromium found (install it with apt-get install -y chromium, or set ATRIUM_CHROMIUM to its path)")
	return ""
}

// startChromium starts one headless browser for the test.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	path := findChromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(1280, 900))
	if os.Geteuid() == 0 {
		// Chromium refuses to run its sandbox as root (containers, CI).
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browser, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return browser
}

// tab is a browser tab in a browser context of its own: its cookies are
// its own, like a separate person's browser.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	problems []string
}

func newTab(t *testing.T, browser context.Context, base string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	tb := &tab{t: t, ctx: ctx, base: base}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			s := m.String()
			if m.IsException() || strings.Contains(s, "Content Security Policy") || strings.Contains(s, "Content-Security-Policy") {
				tb.mu.Lock()
				tb.problems = append(tb.problems, s)
				tb.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancelTimeout()
		<-done
		for _, p := range tb.problems {
			t.Errorf("browser console: %s", p)
		}
	})
	return tb
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatal(err)
	}
}

func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.base + path))
}

// submit clicks a button that sends a form and waits for the page it
// leads to; it returns that page's status.
func (tb *tab) submit(button string) int64 {
	tb.t.Helper()
	res, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS(button)))
	if err != nil {
		tb.t.Fatalf("clicking %s: %v", button, err)
	}
	if res == nil {
		return 0
	}
	return res.Status
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

func (tb *tab) path() string {
	tb.t.Helper()
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, tb.base)
}

func evaluate[T any](tb *tab, js string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		tb.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// screenshot saves the whole page as a PNG artifact.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	tb.saveScreenshot(name, chromedp.FullScreenshot(100))
}

// screenshotViewport saves what the window shows.
func (tb *tab) screenshotViewport(name string) {
	tb.t.Helper()
	tb.saveScreenshot(name, chromedp.CaptureScreenshot())
}

func (tb *tab) saveScreenshot(name string, shot chromedp.Action[[]byte]) {
	tb.t.Helper()
	dir := os.Getenv("ATRIUM_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("testdata", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	png, err := chromedp.Run(tb.ctx, shot)
	if err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// signIn signs in through the form and waits for the library.
func (tb *tab) signIn(login string) {
	tb.t.Helper()
	tb.open("/ui/signin")
	tb.do(chromedp.SendKeys(chromedp.ID("f-login"), login), chromedp.SendKeys(chromedp.ID("f-password"), password))
	tb.submit(`form[action="/ui/signin"] button[type=submit]`)
	tb.do(chromedp.WaitVisible(chromedp.ID("total")))
}

func TestBrowserJourneys(t *testing.T) {
	browser := startChromium(t)
	f := newFixture(t)
	for i := range 60 {
		f.record(t, f.A, service.RecordInput{Title: fmt.Sprintf("Archive photo %02d", i), MediaType: "image"})
	}
	harbour := f.A.Records["Harbour at dawn"]

	t.Run("signing in: a wrong password is refused next to the field, the right one lands on the library", func(t *testing.T) {
		tb := newTab(t, browser, f.srv.URL)
		tb.open("/ui/")
		if got := tb.path(); !strings.HasPrefix(got, "/ui/signin") {
			t.Fatalf("a signed-out browser opening the library is at %s", got)
		}
		tb.screenshot("signin")
		tb.do(chromedp.SendKeys(chromedp.ID("f-login"), "alice"), chromedp.SendKeys(chromedp.ID("f-password"), "not my password"))
		if status := tb.submit(`form[action="/ui/signin"] button[type=submit]`); status != 401 {
			t.Errorf("a wrong password answers %d", status)
		}
		if got := tb.text("#f-password-error"); !strings.Contains(got, "username or password is wrong") {
			t.Errorf("error next to the password: %q", got)
		}
		if !evaluate[bool](tb, `document.getElementById("f-password").getAttribute("aria-describedby") === "f-password-error"`) {
			t.Error("the error is not the password field's description")
		}
		if v := evaluate[string](tb, `document.getElementById("f-login").value`); v != "alice" {
			t.Errorf("the login typed is lost: %q", v)
		}
		tb.screenshot("signin-error")
		tb.do(chromedp.SendKeys(chromedp.ID("f-password"), password))
		tb.submit(`form[action="/ui/signin"] button[type=submit]`)
		tb.do(chromedp.WaitVisible(chromedp.ID("total")))
		if got := tb.path(); got != "/ui/" {
			t.Errorf("after signing in: %s", got)
		}
		if got := tb.text("#total"); !strings.HasPrefix(got, "63 records") {
			t.Errorf("the library says %q", got)
		}
	})

	t.Run("a search shows the exact total and a grid; more results load in place", func(t *testing.T) {
		tb := newTab(t, browser, f.srv.URL)
		tb.signIn("alice")
		tb.screenshot("library")
		tb.screenshotViewport("library-window")
		tb.do(chromedp.SendKeys(chromedp.ID("f-q"), "archive photo"))
		tb.submit(`form[role=search] button[type=submit]`)
		if got := tb.text("#total"); got != "60 records, showing 1–48" {
			t.Errorf("the total says %q", got)
		}
		if n := evaluate[int](tb, `document.querySelectorAll("#grid > li.card").length`); n != 48 {
			t.Errorf("%d cards in the grid", n)
		}
		if n := evaluate[int](tb, `document.querySelectorAll("#grid img").length`); n != 0 {
			t.Errorf("%d images in a grid of records without thumbnails", n)
		}
		before := tb.path()
		tb.do(chromedp.Click(chromedp.CSS(`#pager a[rel=next]`)))
		n, err := chromedp.Run(tb.ctx, chromedp.Poll[int](`document.querySelectorAll("#grid > li.card").length === 60 ? 60 : 0`, chromedp.WithPollingTimeout(20*time.Second)))
		if err != nil || n != 60 {
			t.Fatalf("after Next page: %d cards, %v", n, err)
		}
		if got := tb.path(); got != before {
			t.Errorf("the script left the page: %s", got)
		}
		if got := tb.text("#total"); got != "60 records, showing 1–60" {
			t.Errorf("the total says %q after loading more", got)
		}
		if evaluate[bool](tb, `!!document.querySelector("#pager a[rel=next]")`) {
			t.Error("a next page link after the last page")
		}
		if got := evaluate[string](tb, `document.activeElement.closest("li") === document.querySelectorAll("#grid > li")[48] ? "ok" : document.activeElement.outerHTML`); got != "ok" {
			t.Errorf("the focus is not on the first new record: %s", got)
		}
	})

	t.Run("opening a record from the grid, and an editor editing its title", func(t *testing.T) {
		tb := newTab(t, browser, f.srv.URL)
		tb.signIn("erin")
		tb.do(chromedp.SendKeys(chromedp.ID("f-q"), "harbour"))
		tb.submit(`form[role=search] button[type=submit]`)
		if got := tb.text("#total"); got != "1 record, showing 1–1" {
			t.Fatalf("the total says %q", got)
		}
		tb.submit(`#grid li.card a`)
		if got := tb.path(); got != "/ui/records/"+harbour {
			t.Fatalf("the card led to %s", got)
		}
		if got := tb.text("h1"); got != "Harbour at dawn" {
			t.Errorf("h1 %q", got)
		}
		tb.screenshot("record")
		tb.do(chromedp.Clear(chromedp.ID("f-title")))
		if status := tb.submit(`form[action="/ui/records/` + harbour + `"] button[type=submit]`); status != 422 {
			t.Errorf("an empty title answers %d", status)
		}
		if got := tb.text("#f-title-error"); got != "Title is required" {
			t.Errorf("error next to the title: %q", got)
		}
		tb.screenshot("record-edit-error")
		tb.do(chromedp.SendKeys(chromedp.ID("f-title"), "Harbour at dawn, from the breakwater"))
		tb.submit(`form[action="/ui/records/` + harbour + `"] button[type=submit]`)
		if got := tb.text(".saved"); got != "Your changes are saved." {
			t.Errorf("after saving: %q", got)
		}
		if got := tb.text("h1"); got != "Harbour at dawn, from the breakwater" {
			t.Errorf("h1 after saving: %q", got)
		}
		rec, err := f.svc.GetRecord(f.ctx, f.A.Owner, harbour)
		if err != nil || rec.Title != "Harbour at dawn, from the breakwater" {
			t.Errorf("the stored title: %q, %v", rec.Title, err)
		}
	})

	t.Run("a viewer sees the record and no edit form", func(t *testing.T) {
		tb := newTab(t, browser, f.srv.URL)
		tb.signIn("victor")
		tb.open("/ui/records/" + f.A.Records["Council meeting"])
		if got := tb.text("h1"); got != "Council meeting" {
			t.Errorf("h1 %q", got)
		}
		if evaluate[bool](tb, `!!document.getElementById("f-title") || !!document.querySelector("section.edit")`) {
			t.Error("a viewer is offered the edit form")
		}
		tb.screenshot("record-viewer")
	})

	t.Run("a user of another account sees nothing of the first", func(t *testing.T) {
		tb := newTab(t, browser, f.srv.URL)
		tb.signIn("bob")
		if got := tb.text("#total"); got != "1 record, showing 1–1" {
			t.Errorf("bob's library says %q", got)
		}
		if got := tb.text("#grid"); strings.Contains(got, "Harbour") || strings.Contains(got, "Archive") || !strings.Contains(got, "Beta secret plans") {
			t.Errorf("bob's grid: %q", got)
		}
		tb.open("/ui/?q=harbour")
		if got := tb.text("#total"); got != "0 records" {
			t.Errorf("bob searching Alpha's words: %q", got)
		}
		tb.open("/ui/records/" + harbour)
		if got := tb.text("h1"); got != "Not found" {
			t.Errorf("bob opening Alpha's record: %q", got)
		}
		if strings.Contains(tb.text("main"), "Harbour") {
			t.Error("the page names Alpha's record")
		}
		tb.open("/ui/workspaces")
		if got := tb.text("main"); strings.Count(got, "Newsroom") != 1 {
			t.Errorf("bob's workspaces: %q", got)
		}
	})

	t.Run("the library works 360 pixels wide, and the keyboard focus shows", func(t *testing.T) {
		tb := newTab(t, browser, f.srv.URL)
		tb.do(chromedp.EmulateViewport(360, 740))
		tb.signIn("alice")
		if !evaluate[bool](tb, `document.documentElement.scrollWidth <= window.innerWidth`) {
			t.Errorf("the page is wider than the screen: %d px", evaluate[int](tb, `document.documentElement.scrollWidth`))
		}
		if cols := evaluate[int](tb, `getComputedStyle(document.getElementById("grid")).gridTemplateColumns.split(" ").length`); cols != 2 {
			t.Errorf("%d columns at 360 px", cols)
		}
		tb.screenshot("library-360")
		tb.open("/ui/records/" + f.A.Records["Council meeting"])
		if !evaluate[bool](tb, `document.documentElement.scrollWidth <= window.innerWidth`) {
			t.Error("the record page is wider than the screen")
		}
		tb.screenshot("record-360")
		tb.do(chromedp.EmulateViewport(1280, 900))
		tb.open("/ui/")
		// The first Tab reaches the skip link, the next ones the header.
		for range 3 {
			tb.do(chromedp.KeyEvent("\t"))
		}
		style := evaluate[string](tb, `(() => { const s = getComputedStyle(document.activeElement); return document.activeElement.tagName + " " + s.outlineStyle + " " + s.outlineWidth })()`)
		if strings.Contains(style, "none") || strings.HasSuffix(style, " 0px") || strings.HasPrefix(style, "BODY") {
			t.Errorf("the focused element shows no outline: %s", style)
		}
	})
}
