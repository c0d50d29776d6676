package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"atrium/internal/service"
)

// TestBrowserAdminInvitesAUserWhoThenSeesAWorkspace is the admin's
// journey in Chromium: alice invites nora, creates a group and a
// workspace, gives the group a role on the workspace; nora accepts the
// invitation from the mail, signs in and does not see the workspace until
// alice adds her to the group, then sees its records.
func TestBrowserAdminInvitesAUserWhoThenSeesAWorkspace(t *testing.T) {
	browser := startChromium(t)
	f := newFixture(t)
	admin := newTab(t, browser, f.srv.URL)
	admin.signIn("alice")

	// The header's Admin link leads to the console.
	admin.submit(`nav a[href="/ui/admin"]`)
	if got := admin.text("h1"); got != "Admin" {
		t.Fatalf("the Admin link leads to %q", got)
	}
	admin.screenshot("admin-index")

	// Invite nora: a wrong address first, refused next to the field.
	admin.submit(`a[href="/ui/admin/invitations"]`)
	admin.do(chromedp.SendKeys(chromedp.ID("f-email"), "nora at alpha"))
	if status := admin.submit(`form[action="/ui/admin/invitations"] button[type=submit]`); status != 422 {
		t.Errorf("a wrong address answers %d", status)
	}
	if got := admin.text("#f-email-error"); got == "" {
		t.Error("no error next to the email")
	}
	admin.do(chromedp.SetValue(chromedp.ID("f-email"), "nora@alpha.example"), chromedp.Click(chromedp.CSS(`input[name=roles][value=finance]`)))
	admin.submit(`form[action="/ui/admin/invitations"] button[type=submit]`)
	if got := admin.text(".saved"); got != "The invitation is on its way." {
		t.Fatalf("after inviting: %q", got)
	}
	if got := admin.text("#invitations"); !strings.Contains(got, "nora@alpha.example") {
		t.Errorf("the invitations list %q", got)
	}
	admin.screenshot("admin-invitations")
	token := tokenIn(t, f.lastMailTo(t, "nora@alpha.example"), service.InvitePrefix)

	// A group, then a workspace, then the group's role on it.
	admin.open("/ui/admin/groups")
	admin.do(chromedp.SendKeys(chromedp.ID("f-name"), "Field team"))
	admin.submit(`form[action="/ui/admin/groups"] button[type=submit]`)
	if got := admin.text("h1"); got != "Field team" {
		t.Fatalf("after creating the group: %q", got)
	}
	groupPath := strings.SplitN(admin.path(), "?", 2)[0]
	groupID := strings.TrimPrefix(groupPath, "/ui/admin/groups/")

	admin.open("/ui/admin/workspaces")
	admin.do(chromedp.SendKeys(chromedp.ID("f-name"), "Harbour archive"))
	admin.submit(`form[action="/ui/admin/workspaces"] button[type=submit]`)
	if got := admin.text("h1"); got != "Harbour archive" {
		t.Fatalf("after creating the workspace: %q", got)
	}
	wsPath := strings.SplitN(admin.path(), "?", 2)[0]
	wsID := strings.TrimPrefix(wsPath, "/ui/admin/workspaces/")
	admin.do(chromedp.SetValue(chromedp.ID("f-group"), groupID), chromedp.SetValue(chromedp.ID("f-role"), "viewer"))
	admin.submit(`form[action="` + wsPath + `/members"] button[type=submit]`)
	if got := admin.text(".saved"); got != "The role is given." {
		t.Fatalf("after giving the role: %q", got)
	}
	if got := admin.text("#workspace-members"); !strings.Contains(got, "Field team") {
		t.Errorf("members %q", got)
	}
	admin.screenshot("admin-workspace")
	_, err := f.svc.CreateRecord(f.ctx, f.A.Owner, service.RecordInput{WorkspaceID: wsID, Title: "Pier at low tide"})
	if err != nil {
		t.Fatal(err)
	}

	// Nora accepts the invitation through the link's page, and signs in.
	nora := newTab(t, browser, f.srv.URL)
	nora.open("/ui/invitations/accept?token=" + url.QueryEscape(token))
	nora.do(chromedp.SendKeys(chromedp.ID("f-username"), "nora"), chromedp.SendKeys(chromedp.ID("f-display_name"), "Nora Quay"),
		chromedp.SendKeys(chromedp.ID("f-password"), password))
	nora.submit(`form[action="/ui/invitations/accept"] button[type=submit]`)
	if got := nora.text("h1"); got != "Welcome to Atrium" {
		t.Fatalf("after accepting: %q", got)
	}
	nora.signIn("nora")
	nora.open("/ui/workspaces")
	if strings.Contains(nora.text("main"), "Harbour archive") {
		t.Error("nora sees the workspace before joining the group")
	}

	// Alice adds nora to the group, on the group's page.
	admin.open(groupPath)
	admin.do(chromedp.SendKeys(chromedp.ID("f-user"), "nora"))
	admin.submit(`form[action="` + groupPath + `/members"] button[type=submit]`)
	if got := admin.text(".saved"); got != "The member is added." {
		t.Fatalf("after adding nora: %q", got)
	}
	if got := admin.text("#group-users"); !strings.Contains(got, "Nora Quay") {
		t.Errorf("the group's users %q", got)
	}

	// Now nora sees the workspace and its records.
	nora.open("/ui/workspaces")
	if !strings.Contains(nora.text("main"), "Harbour archive") {
		t.Fatal("nora does not see the workspace after joining the group")
	}
	nora.open("/ui/?workspace=" + url.QueryEscape(wsID))
	if got := nora.text("#total"); !strings.HasPrefix(got, "1 record") {
		t.Errorf("nora's library of the workspace says %q", got)
	}
	if got := nora.text("#grid"); !strings.Contains(got, "Pier at low tide") {
		t.Errorf("nora's grid %q", got)
	}
	// Her finance role gives billing: the console offers her limits and
	// usage alone.
	nora.submit(`nav a[href="/ui/admin"]`)
	if got := evaluate[string](nora, `Array.from(document.querySelectorAll(".sections h2")).map(h => h.textContent).join("|")`); got != "Limits and usage" {
		t.Errorf("nora's console offers %q", got)
	}

	// The users list and nora's page, on a desktop and 360 px wide.
	admin.open("/ui/admin/users")
	admin.screenshot("admin-users")
	admin.do(chromedp.SendKeys(chromedp.ID("f-q"), "nora"))
	admin.submit(`form[action="/ui/admin/users"] button[type=submit]`)
	admin.submit(`#users a`)
	if got := admin.text("h1"); got != "Nora Quay" {
		t.Fatalf("the user page of %q", got)
	}
	if got := admin.text("#user-groups"); !strings.Contains(got, "Field team") {
		t.Errorf("nora's groups %q", got)
	}
	if got := admin.text("#sessions"); !strings.Contains(got, "Sign out") {
		t.Errorf("nora's sessions %q", got)
	}
	admin.screenshot("admin-user")
	userPath := strings.SplitN(admin.path(), "?", 2)[0]
	admin.do(chromedp.EmulateViewport(360, 740))
	for _, p := range []struct{ path, shot string }{
		{"/ui/admin", ""}, {"/ui/admin/users", "admin-users-360"}, {"/ui/admin/invitations", ""}, {"/ui/admin/groups", ""}, {groupPath, "admin-group-360"},
		{"/ui/admin/workspaces", ""}, {wsPath, ""}, {"/ui/admin/tiers", ""}, {"/ui/admin/roles", ""}, {userPath, "admin-user-360"},
	} {
		admin.open(p.path)
		if !evaluate[bool](admin, `document.documentElement.scrollWidth <= window.innerWidth`) {
			t.Errorf("%s is wider than 360 px: %d", p.path, evaluate[int](admin, `document.documentElement.scrollWidth`))
		}
		unlabelled := evaluate[string](admin, `Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea, button"))
			.filter(e => (e.labels ? e.labels.length : 0) === 0 && !e.getAttribute("aria-label") && !(e.tagName === "BUTTON" && e.textContent.trim()))
			.map(e => e.name || e.id).join(",")`)
		if unlabelled != "" {
			t.Errorf("%s has unlabelled controls: %s", p.path, unlabelled)
		}
		if p.shot != "" {
			admin.screenshot(p.shot)
		}
	}

	// Banning nora: a confirmation page with the reason, then she is out.
	admin.do(chromedp.EmulateViewport(1280, 900))
	admin.open("/ui/admin/users")
	admin.do(chromedp.SendKeys(chromedp.ID("f-q"), "nora"))
	admin.submit(`form[action="/ui/admin/users"] button[type=submit]`)
	admin.submit(`#users a`)
	admin.submit(`a[href$="/status?to=banned"]`)
	admin.do(chromedp.SendKeys(chromedp.ID("f-reason"), "Shared her password"))
	admin.screenshot("admin-ban-confirm")
	admin.submit(`form button.danger[type=submit]`)
	if got := admin.text("#user-status"); got != "Banned" {
		t.Errorf("after the ban: %q", got)
	}
	nora.open("/ui/")
	if got := nora.path(); !strings.HasPrefix(got, "/ui/signin") {
		t.Errorf("banned nora is at %s", got)
	}
}
