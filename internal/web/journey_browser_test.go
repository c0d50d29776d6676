package web_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

// TestBrowserTheWholeJourney is issue 7's main journey in one run, in
// Chromium, without a call to the API: an admin invites a user, creates a
// group and a workspace and gives the group a role on it; the user signs
// in, uploads six images, sees their thumbnails, shares one with a
// colleague; the colleague sees exactly that one and nothing else.
func TestBrowserTheWholeJourney(t *testing.T) {
	browser := startChromium(t)
	f := newFixture(t)
	startRenditions(t, f)
	// An organisation whose new content is seen only through workspace
	// roles and explicit sharing (no "everyone may view" by default), and
	// a colleague, colin, with no role anywhere.
	g := f.newTenant(t, "Gamma", "greta", []string{"gus", "gail"}, nil)
	for _, typ := range []authz.ObjectType{authz.Record, authz.Media} {
		if _, err := f.svc.SetDefaultACL(f.ctx, g.Owner, typ, []domain.ACLEntry{}); err != nil {
			t.Fatal(err)
		}
	}
	colin := f.user(t, g, "colin", "gamma.example")
	dir := t.TempDir()
	var photos []string
	for i, name := range []string{"quay-at-dawn", "storm-damage", "lighthouse", "fish-market", "harbour-crane", "night-ferry"} {
		p := filepath.Join(dir, name+".jpg")
		w, h := 800, 600
		if i > 0 {
			w, h = 480, 320+40*i
		}
		if err := os.WriteFile(p, picture(t, w, h, uint8(40*i)), 0o644); err != nil {
			t.Fatal(err)
		}
		photos = append(photos, p)
	}

	// The admin: an invitation, a group, a workspace, the group's role.
	admin := newTab(t, browser, f.srv.URL)
	admin.signIn("greta")
	admin.open("/ui/admin/invitations")
	admin.do(chromedp.SendKeys(chromedp.ID("f-email"), "nora@gamma.example"))
	admin.submit(`form[action="/ui/admin/invitations"] button[type=submit]`)
	if got := admin.text(".saved"); got != "The invitation is on its way." {
		t.Fatalf("after inviting: %q", got)
	}
	token := tokenIn(t, f.lastMailTo(t, "nora@gamma.example"), service.InvitePrefix)
	admin.open("/ui/admin/groups")
	admin.do(chromedp.SendKeys(chromedp.ID("f-name"), "Field team"))
	admin.submit(`form[action="/ui/admin/groups"] button[type=submit]`)
	groupPath := strings.SplitN(admin.path(), "?", 2)[0]
	groupID := strings.TrimPrefix(groupPath, "/ui/admin/groups/")
	admin.open("/ui/admin/workspaces")
	admin.do(chromedp.SendKeys(chromedp.ID("f-name"), "Harbour archive"))
	admin.submit(`form[action="/ui/admin/workspaces"] button[type=submit]`)
	wsPath := strings.SplitN(admin.path(), "?", 2)[0]
	wsID := strings.TrimPrefix(wsPath, "/ui/admin/workspaces/")
	// Owners of the workspace manage its content's sharing.
	admin.do(chromedp.SetValue(chromedp.ID("f-group"), groupID), chromedp.SetValue(chromedp.ID("f-role"), "owner"))
	admin.submit(`form[action="` + wsPath + `/members"] button[type=submit]`)
	if got := admin.text(".saved"); got != "The role is given." {
		t.Fatalf("after giving the role: %q", got)
	}

	// The user accepts the invitation; the admin puts her in the group.
	nora := newTab(t, browser, f.srv.URL)
	nora.open("/ui/invitations/accept?token=" + url.QueryEscape(token))
	nora.do(chromedp.SendKeys(chromedp.ID("f-username"), "nora"), chromedp.SendKeys(chromedp.ID("f-display_name"), "Nora Quay"),
		chromedp.SendKeys(chromedp.ID("f-password"), password))
	nora.submit(`form[action="/ui/invitations/accept"] button[type=submit]`)
	admin.open(groupPath)
	admin.do(chromedp.SendKeys(chromedp.ID("f-user"), "nora"))
	admin.submit(`form[action="` + groupPath + `/members"] button[type=submit]`)
	if got := admin.text(".saved"); got != "The member is added." {
		t.Fatalf("after adding nora: %q", got)
	}

	// She signs in, uploads six images into the workspace and sees their
	// thumbnails appear.
	nora.signIn("nora")
	nora.open("/ui/upload")
	nora.do(chromedp.SetValue(chromedp.ID("f-workspace"), wsID), chromedp.SetUploadFiles(chromedp.ID("f-file"), photos))
	nora.do(chromedp.Click(chromedp.ID("upload-button")))
	poll[bool](nora, `document.querySelectorAll(".upload-item.done").length === 6`)
	poll[bool](nora, `Array.from(document.querySelectorAll(".upload-item.done .upload-thumb img")).filter(i => i.complete && i.naturalWidth > 0).length === 6`)
	nora.screenshot("journey-uploaded")
	shared := map[string]string{}
	for _, kind := range []string{"records", "media"} {
		shared[kind] = evaluate[string](nora, `(() => { const a = Array.from(document.querySelectorAll('.upload-item.done a[href^="/ui/`+kind+`/"]')).find(a => a.closest("li").textContent.includes("quay-at-dawn")); return a ? a.getAttribute("href") : "" })()`)
		if shared[kind] == "" {
			t.Fatalf("no link to the %s of quay-at-dawn", kind)
		}
	}

	nora.open("/ui/")
	poll[bool](nora, `Array.from(document.querySelectorAll("#grid img.thumb")).filter(i => i.complete && i.naturalWidth > 0).length === 6`)
	nora.screenshotViewport("journey-library")

	// colin sees nothing of hers yet.
	col := newTab(t, browser, f.srv.URL)
	col.signIn("colin")
	if got := col.text("#total"); !strings.HasPrefix(got, "0 records") {
		t.Fatalf("before sharing colin's library says %q", got)
	}

	// She shares the record and its picture with colin, previewing each.
	for _, page := range []string{shared["records"], shared["media"]} {
		nora.open(page + "/sharing")
		nora.do(chromedp.SetValue(chromedp.ID("f-add_subject"), "user:"+colin.UserID), chromedp.SetValue(chromedp.ID("f-add_level"), "view"))
		nora.do(chromedp.Click(chromedp.ID("preview-button")), chromedp.WaitVisible(chromedp.ID("save-button")))
		if got := nora.text("#acl-preview"); !strings.Contains(got, "1 person gains view: colin") {
			t.Errorf("%s: the preview says %q", page, got)
		}
		nora.submit("#save-button")
		if got := nora.text(".saved"); got != "The access list is saved." {
			t.Errorf("%s: after saving %q", page, got)
		}
	}
	nora.screenshot("journey-shared")

	// colin sees that record with its picture, and nothing else.
	col.open("/ui/")
	if got := col.text("#total"); !strings.HasPrefix(got, "1 record") {
		t.Errorf("after sharing colin's library says %q", got)
	}
	if got := col.text("#grid"); !strings.Contains(got, "quay-at-dawn") || strings.Contains(got, "storm-damage") {
		t.Errorf("colin's grid: %q", got)
	}
	poll[bool](col, `(() => { const i = document.querySelector("#grid img.thumb"); return !!i && i.complete && i.naturalWidth > 0 })()`)
	col.open(shared["media"])
	if w := poll[int](col, `(() => { const i = document.getElementById("large"); return i && i.complete ? i.naturalWidth : 0 })()`); w != 800 {
		t.Errorf("colin's viewer shows a picture %d pixels wide", w)
	}
	col.screenshot("journey-colleague")
	col.open("/ui/workspaces")
	if strings.Contains(col.text("main"), "Harbour archive") {
		t.Error("colin sees the workspace he was given nothing of")
	}
	col.open("/ui/?q=storm")
	if got := col.text("#total"); !strings.HasPrefix(got, "0 records") {
		t.Errorf("colin finds the unshared picture: %q", got)
	}
}
