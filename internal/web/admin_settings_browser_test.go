package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"atrium/internal/service"
)

// The console's and the account's journeys in a real Chromium: asking for
// access and having it approved, enrolling a second factor and signing in
// with it, and the audit log; at 360 px too.
func TestBrowserConsoleJourneys(t *testing.T) {
	browser := startChromium(t)
	f := newConsoleFixture(t)
	rec := f.embargoed(t, "Embargoed flood report")
	for i := range 12 {
		name := "Alpha, take " + string(rune('A'+i))
		if _, err := f.svc.UpdateAccount(f.ctx, f.A.Owner, service.AccountUpdate{Name: &name}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("a requester asks for a record, an approver approves it, and the requester opens it", func(t *testing.T) {
		rita := newTab(t, browser, f.srv.URL)
		rita.signIn("rita")
		rita.open("/ui/records/" + rec)
		if got := rita.text("h1"); got != "Not found" {
			t.Fatalf("before asking, rita's record page says %q", got)
		}
		rita.open("/ui/access-requests?type=record&id=" + rec)
		rita.do(chromedp.Click(chromedp.ID("f-access-download")), chromedp.SendKeys(chromedp.ID("f-message"), "For the flood story, please"))
		rita.screenshot("access-request-form")
		rita.submit(`form[action="/ui/access-requests"] button[type=submit]`)
		if got := rita.text(".saved"); !strings.HasPrefix(got, "Your request is sent") {
			t.Fatalf("after asking: %q", got)
		}
		if got := rita.text("#my-requests"); !strings.Contains(got, "download access to record "+rec+": pending") {
			t.Errorf("her requests: %q", got)
		}

		erin := newTab(t, browser, f.srv.URL)
		erin.signIn("erin")
		erin.open("/ui/admin/requests")
		if got := erin.text("#requests"); !strings.Contains(got, "rita asks for download access") || !strings.Contains(got, "For the flood story") {
			t.Fatalf("the queue says %q", got)
		}
		if v := evaluate[string](erin, `document.querySelector("#requests select[name=level]").value`); v != "download" {
			t.Errorf("the level offered is %q", v)
		}
		erin.screenshot("access-request-queue")
		// An end date a month ahead, typed as a person would.
		until := time.Now().AddDate(0, 1, 0)
		erin.do(chromedp.SetValue(chromedp.CSS(`#requests input[name=until]`), until.Format(time.DateOnly)))
		erin.submit(`#requests form[action$="/approve"] button[type=submit]`)
		if got := erin.text(".saved"); !strings.HasPrefix(got, "The request is approved") {
			t.Fatalf("after approving: %q", got)
		}
		if !evaluate[bool](erin, `!!document.getElementById("no-requests")`) {
			t.Error("the request is still waiting in the queue")
		}

		rita.open("/ui/records/" + rec)
		if got := rita.text("h1"); got != "Embargoed flood report" {
			t.Errorf("after the approval, rita's record page says %q", got)
		}
		rita.screenshot("access-granted-record")
	})

	t.Run("a user turns on two-factor sign-in and signs in with a code", func(t *testing.T) {
		tb := newTab(t, browser, f.srv.URL)
		tb.signIn("victor")
		tb.open("/ui/account")
		tb.screenshot("account")
		tb.submit("#totp-start")
		secret := tb.text("#totp-secret")
		if secret == "" || !strings.HasPrefix(tb.text("#totp-url"), "otpauth://") {
			t.Fatalf("no secret on %s", tb.path())
		}
		tb.screenshot("account-totp")
		code, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tb.do(chromedp.SendKeys(chromedp.ID("f-code"), code))
		tb.submit(`form[action="/ui/account/totp/confirm"] button[type=submit]`)
		if got := tb.text("h1"); got != "Two-factor sign-in is on" {
			t.Fatalf("after the code: %q", got)
		}
		if n := evaluate[int](tb, `document.querySelectorAll("#recovery-codes li").length`); n != 10 {
			t.Errorf("%d recovery codes shown", n)
		}
		tb.submit(`form[action="/ui/signout"] button[type=submit]`)

		tb.open("/ui/signin")
		tb.do(chromedp.SendKeys(chromedp.ID("f-login"), "victor"), chromedp.SendKeys(chromedp.ID("f-password"), password))
		tb.submit(`form[action="/ui/signin"] button[type=submit]`)
		if got := tb.text("h1"); got != "Second step" {
			t.Fatalf("after the password: %q", got)
		}
		// The enrolment spent this time step's code: the next one.
		code, err = totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		tb.do(chromedp.SendKeys(chromedp.ID("f-code"), code))
		tb.submit(`form[action="/ui/signin/code"] button[type=submit]`)
		tb.do(chromedp.WaitVisible(chromedp.ID("total")))
		tb.open("/ui/account")
		if got := tb.text("#mfa-status"); !strings.HasPrefix(got, "On:") {
			t.Errorf("the account page says %q", got)
		}
	})

	t.Run("the audit log, filtered, and the console's pages at 360 pixels", func(t *testing.T) {
		tb := newTab(t, browser, f.srv.URL)
		tb.signIn("alice")
		tb.open("/ui/admin/audit")
		if n := evaluate[int](tb, `document.querySelectorAll("#audit tbody tr").length`); n < 20 {
			t.Errorf("%d events", n)
		}
		tb.screenshot("admin-audit")
		tb.do(chromedp.SendKeys(chromedp.ID("f-type"), "account.update"))
		tb.submit(`form[role=search] button[type=submit]`)
		if n := evaluate[int](tb, `document.querySelectorAll("#audit tbody tr").length`); n != 12 {
			t.Errorf("%d account.update events", n)
		}
		tb.do(chromedp.EmulateViewport(360, 740))
		for _, path := range []string{"/ui/admin/audit", "/ui/admin/requests", "/ui/admin/profiles/capture/new", "/ui/admin/signup", "/ui/admin/usage", "/ui/account"} {
			tb.open(path)
			if !evaluate[bool](tb, `document.documentElement.scrollWidth <= window.innerWidth`) {
				t.Errorf("%s is wider than the screen: %d px", path, evaluate[int](tb, `document.documentElement.scrollWidth`))
			}
		}
		tb.open("/ui/admin/audit")
		tb.screenshot("admin-audit-360")
		tb.open("/ui/admin/profiles/capture/new")
		// The script shows one empty row of each list, and adds the
		// others one by one.
		visible := `Array.from(document.querySelectorAll("#f-holders li.row")).filter(li => !li.hidden).length`
		if n := evaluate[int](tb, visible); n != 1 {
			t.Errorf("%d holder rows shown", n)
		}
		tb.do(chromedp.Click(chromedp.CSS(`[id="f-holders"] button.add-row`)))
		if n := evaluate[int](tb, visible); n != 2 {
			t.Errorf("%d holder rows shown after Add a row", n)
		}
		if id := evaluate[string](tb, `document.activeElement.id`); id != "f-holders.1.who" {
			t.Errorf("the focus went to %q", id)
		}
		tb.do(chromedp.SendKeys(chromedp.CSS(`[id="f-holders.1.who"]`), "uma"))
		tb.screenshot("admin-capture-profile-360")
		// The keyboard reaches the rows' controls, and their focus shows.
		tb.do(chromedp.Focus(chromedp.CSS(`[id="f-holders.0.who"]`)))
		style := evaluate[string](tb, `(() => { const s = getComputedStyle(document.activeElement); return document.activeElement.id + " " + s.outlineStyle })()`)
		if !strings.HasPrefix(style, "f-holders.0.who") || strings.HasSuffix(style, "none") {
			t.Errorf("focus: %s", style)
		}
	})
}
