package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"atrium/internal/authz"
)

// The sharing journeys in Chromium: the panel explains who has access and
// why, previews a change in place (the script) and saves it; the grid
// selects records for a batch edit, dry run first.
func TestBrowserSharing(t *testing.T) {
	browser := startChromium(t)
	w := newSharingWorld(t)
	embargo := w.embargo
	path := "/ui/records/" + embargo + "/sharing"

	t.Run("the sharing panel says why a viewer has access; adding a user previews '1 person gains view'; saving lets her in", func(t *testing.T) {
		tb := newTab(t, browser, w.srv.URL)
		tb.signIn("alice")
		tb.open("/ui/records/" + embargo)
		tb.submit(`a[href="` + path + `"]`)
		if got := tb.path(); got != path {
			t.Fatalf("the record's Sharing link led to %s", got)
		}
		if got := tb.text("#people-can_view"); !strings.Contains(got, "walter because member of Desk → viewer of workspace Newsroom") {
			t.Errorf("who can view: %q", got)
		}
		tb.screenshot("sharing")
		tb.do(chromedp.SetValue(chromedp.ID("f-add_subject"), "user:"+w.nina.UserID), chromedp.SetValue(chromedp.ID("f-add_level"), "view"))
		tb.do(chromedp.Click(chromedp.ID("preview-button")), chromedp.WaitVisible(chromedp.ID("save-button")))
		// SetValue fired change events, which schedule a preview of their
		// own; the asked-for preview must have made that one moot, or it
		// replaces the save button as the person reaches for it.
		evaluate[bool](tb, `(window.firstSave = document.getElementById("save-button")) !== null`)
		tb.do(chromedp.Sleep(600 * time.Millisecond))
		if !evaluate[bool](tb, `document.getElementById("save-button") === window.firstSave`) {
			t.Error("a second preview replaced the save button after the one asked for")
		}
		if got := tb.text("#acl-preview"); !strings.Contains(got, "1 person gains view: nina") {
			t.Errorf("the preview says %q", got)
		}
		if got := tb.path(); got != path {
			t.Errorf("the preview left the page: %s", got)
		}
		if got := evaluate[string](tb, `document.activeElement === document.querySelector("#acl-preview h3") ? "ok" : document.activeElement.outerHTML`); got != "ok" {
			t.Errorf("the focus is not on the preview but on %s", got)
		}
		tb.screenshot("sharing-preview")
		if ok, _ := w.svc.Check(w.ctx, w.A.Owner, "user:"+w.nina.UserID, "can_view", "record:"+embargo); ok {
			t.Fatal("the preview saved the ACL")
		}
		tb.submit("#save-button")
		if got := tb.text(".saved"); got != "The access list is saved." {
			t.Errorf("after saving: %q", got)
		}
		nina := newTab(t, browser, w.srv.URL)
		nina.signIn("nina")
		nina.open("/ui/records/" + embargo)
		if got := nina.text("h1"); got != "Embargoed story" {
			t.Errorf("nina opening the record: %q", got)
		}
	})

	t.Run("changing the list previews again by itself", func(t *testing.T) {
		tb := newTab(t, browser, w.srv.URL)
		tb.signIn("olga")
		tb.open(path)
		// As a person choosing "no access (remove)" in the first row.
		evaluate[bool](tb, `(() => { const s = document.getElementById("level-0"); s.value = ""; return s.dispatchEvent(new Event("change", {bubbles: true})) })()`)
		got, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](`/1 person loses view: nina/.test(document.getElementById("acl-preview").textContent)`, chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil || !got {
			t.Errorf("no preview after a change: %v; %q", err, tb.text("#acl-preview"))
		}
	})

	t.Run("the panel works 360 pixels wide", func(t *testing.T) {
		tb := newTab(t, browser, w.srv.URL)
		tb.do(chromedp.EmulateViewport(360, 740))
		tb.signIn("alice")
		tb.open(path)
		if !evaluate[bool](tb, `document.documentElement.scrollWidth <= window.innerWidth`) {
			t.Errorf("the page is wider than the screen: %d px", evaluate[int](tb, `document.documentElement.scrollWidth`))
		}
		tb.screenshot("sharing-360")
	})

	t.Run("the keyboard reaches the access list's controls, and the focus shows", func(t *testing.T) {
		tb := newTab(t, browser, w.srv.URL)
		tb.signIn("alice")
		tb.open(path)
		var reached []string
		for range 40 {
			tb.do(chromedp.KeyEvent("\t"))
			id := evaluate[string](tb, `document.activeElement.id`)
			if id == "" {
				continue
			}
			reached = append(reached, id)
			style := evaluate[string](tb, `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + " " + s.outlineWidth })()`)
			if strings.HasPrefix(style, "none") || strings.HasSuffix(style, " 0px") {
				t.Errorf("#%s shows no focus: %s", id, style)
			}
			if id == "preview-button" {
				break
			}
		}
		if want := []string{"level-0", "f-add_subject", "f-add_username", "f-add_level", "preview-button"}; !strings.HasSuffix(strings.Join(reached, " "), strings.Join(want, " ")) {
			t.Errorf("tabbing reached %v, want it to end with %v", reached, want)
		}
	})

	t.Run("batch: select two records in the grid, add a group with view, see the dry run, apply", func(t *testing.T) {
		tb := newTab(t, browser, w.srv.URL)
		tb.signIn("olga")
		tb.open("/ui/?" + url.Values{"q": {"news"}}.Encode())
		tb.do(chromedp.Click(chromedp.ID("batch-all")))
		if got := tb.text("#batch-count"); got != "3 selected" {
			t.Errorf("after select all: %q", got)
		}
		tb.do(chromedp.Click(chromedp.ID("batch-all")))
		harbour, council := w.A.Records["Harbour at dawn"], w.A.Records["Council meeting"]
		for _, id := range []string{harbour, council} {
			tb.do(chromedp.Click(chromedp.CSS(`input[form=batch-form][value="` + id + `"]`)))
		}
		if got := tb.text("#batch-count"); got != "2 selected" {
			t.Errorf("after ticking two: %q", got)
		}
		tb.screenshot("batch-select")
		tb.submit(`#batch-form button[type=submit]`)
		if got := tb.text("#batch-selection"); got != "2 selected records whose access you may change." {
			t.Fatalf("the batch page says %q", got)
		}
		tb.do(chromedp.SetValue(chromedp.ID("f-subject1"), "group:"+w.desk), chromedp.SetValue(chromedp.ID("f-level1"), "view"))
		tb.submit("#dry-run-button")
		if got := tb.text("#dry-run"); !strings.Contains(got, "2 of 2 records would change") || !strings.Contains(got, "Desk (group) gains view on 2 records") {
			t.Errorf("the dry run says %q", got)
		}
		tb.screenshot("batch-dry-run")
		tb.submit("#apply-button")
		if got := tb.text("#batch-done"); got != "2 of 2 records changed." {
			t.Errorf("after applying: %q", got)
		}
		for _, id := range []string{harbour, council} {
			acl, err := w.svc.GetACL(w.ctx, w.A.Owner, authz.ObjectRef{Type: authz.Record, ID: id})
			if err != nil || !strings.Contains(fmtACL(acl), "group:"+w.desk+"=view") {
				t.Errorf("%s: %v %v", id, acl, err)
			}
		}
	})
}
