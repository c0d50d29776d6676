package web_test

// Test fixtures for the web UI: every test gets a fresh SQLite file, a
// service over it, the API and the UI mounted together as serve does,
// served by httptest over loopback, and two accounts. Alpha has a
// workspace "Newsroom" with an editor (erin) and a viewer (victor) and a
// few records; Beta (owner bob) has a record of its own. A "browser" is an
// http.Client with a cookie jar that reads pages and submits their forms
// the way a browser would, hidden fields (the CSRF token) included.

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"atrium/internal/authz"
	"atrium/internal/blob"
	"atrium/internal/domain"
	"atrium/internal/httpapi"
	"atrium/internal/identity"
	"atrium/internal/mail"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
	"atrium/internal/store/sqlstore/sqltest"
	"atrium/internal/web"
)

// password is every fixture user's password.
const password = "correct horse battery"

type fixture struct {
	ctx    context.Context
	svc    *service.Service
	srv    *httptest.Server
	outbox mail.Outbox
	A, B   *tenant
}

type tenant struct {
	Account   string
	Owner     service.Actor
	Workspace string
	Editor    service.Actor
	Viewer    service.Actor
	// Records are the seeded records' ids by title.
	Records map[string]string
}

// newFixture builds the database, service, server and the two accounts.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, sqltest.Dir(t), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	outbox := mail.Outbox{Dir: t.TempDir(), From: "Atrium <atrium@atrium.example>"}
	blobs, err := blob.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	svc, err := service.New(ctx, st, service.Options{Password: identity.TestParams, Mail: outbox, Blobs: blobs,
		// Every test client shares 127.0.0.1.
		RateLimit: service.RateLimit{PerIP: -1, PerEmail: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.WaitBackground)
	srv := httptest.NewServer(web.Mount(httpapi.New(svc, httpapi.Options{}), web.New(svc, web.Options{})))
	t.Cleanup(srv.Close)
	f := &fixture{ctx: ctx, svc: svc, srv: srv, outbox: outbox}
	f.A = f.newTenant(t, "Alpha", "alice", []string{"erin", "victor"},
		[]string{"Harbour at dawn", "Flood in the old town", "Council meeting"})
	f.B = f.newTenant(t, "Beta", "bob", []string{"bea", "vince"}, []string{"Beta secret plans"})
	return f
}

func (f *fixture) newTenant(t testing.TB, name, owner string, staff []string, titles []string) *tenant {
	t.Helper()
	dom := strings.ToLower(name) + ".example"
	acct, u, err := f.svc.CreateAccount(f.ctx, service.NewAccount{Name: name, Owner: service.UserInput{
		Username: owner, Email: owner + "@" + dom, Password: password}})
	if err != nil {
		t.Fatal(err)
	}
	tn := &tenant{Account: acct.ID, Owner: service.Actor{UserID: u.ID, AccountID: acct.ID}, Records: map[string]string{}}
	tn.Editor = f.user(t, tn, staff[0], dom)
	tn.Viewer = f.user(t, tn, staff[1], dom)
	ws, err := f.svc.CreateWorkspace(f.ctx, tn.Owner, service.WorkspaceInput{Name: "Newsroom", Members: []domain.Grant{
		{Subject: authz.User(tn.Editor.UserID), Role: "editor"}, {Subject: authz.User(tn.Viewer.UserID), Role: "viewer"}}})
	if err != nil {
		t.Fatal(err)
	}
	tn.Workspace = ws.ID
	for _, title := range titles {
		tn.Records[title] = f.record(t, tn, service.RecordInput{Title: title, MediaType: "image", Keywords: []string{"news"}})
	}
	return tn
}

// user creates an active user of the tenant's account.
func (f *fixture) user(t testing.TB, tn *tenant, username, dom string) service.Actor {
	t.Helper()
	u, err := f.svc.CreateUser(f.ctx, tn.Owner, service.UserInput{Username: username, Email: username + "@" + dom, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return service.Actor{UserID: u.ID, AccountID: tn.Account}
}

// record creates a record in the tenant's workspace as its owner.
func (f *fixture) record(t testing.TB, tn *tenant, in service.RecordInput) string {
	t.Helper()
	in.WorkspaceID = tn.Workspace
	rec, err := f.svc.CreateRecord(f.ctx, tn.Owner, in)
	if err != nil {
		t.Fatal(err)
	}
	return rec.ID
}

// lastMailTo returns the body of the newest mail to an address.
func (f *fixture) lastMailTo(t testing.TB, to string) string {
	t.Helper()
	f.svc.WaitBackground()
	entries, err := os.ReadDir(f.outbox.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var body string
	var newest time.Time
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(f.outbox.Dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		info, _ := e.Info()
		if strings.Contains(string(b), "To: "+to) && !info.ModTime().Before(newest) {
			body, newest = string(b), info.ModTime()
		}
	}
	if body == "" {
		t.Fatalf("no mail to %s", to)
	}
	return body
}

// tokenIn finds a token with the given prefix in a mail.
func tokenIn(t testing.TB, mailBody, prefix string) string {
	t.Helper()
	for _, w := range strings.Fields(mailBody) {
		w = strings.Trim(w, `",{}`)
		if strings.HasPrefix(w, prefix) {
			return w
		}
	}
	t.Fatalf("no %s token in the mail:\n%s", prefix, mailBody)
	return ""
}

// ---- a browser without a screen

type browser struct {
	t    testing.TB
	base string
	c    *http.Client
}

func (f *fixture) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: f.srv.URL, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// signedIn is a browser that signed in through the sign-in form.
func (f *fixture) signedIn(t testing.TB, login string) *browser {
	t.Helper()
	return f.signedInWith(t, login, password)
}

func (f *fixture) signedInWith(t testing.TB, login, pw string) *browser {
	t.Helper()
	b := f.browser(t)
	p := b.get("/ui/signin")
	p = b.submit(p, "/ui/signin", url.Values{"login": {login}, "password": {pw}})
	if p.status != 200 || p.path() != "/ui/" {
		t.Fatalf("signing in as %s ended on %s with %d:\n%s", login, p.url, p.status, p.body)
	}
	return b
}

// page is a fetched page, parsed.
type page struct {
	t      testing.TB
	status int
	url    *url.URL
	header http.Header
	body   string
	doc    *html.Node
}

func (p *page) path() string { return p.url.Path }

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	p := &page{t: b.t, status: res.StatusCode, url: res.Request.URL, header: res.Header, body: string(raw)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		if p.doc, err = html.Parse(strings.NewReader(p.body)); err != nil {
			b.t.Fatal(err)
		}
	}
	return p
}

func (b *browser) get(path string) *page {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	return b.do(req)
}

// post sends a form as is (no hidden fields added).
func (b *browser) post(path string, form url.Values) *page {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// submit fills the form of p whose action is action with values, over its
// own fields' current values, and posts it.
func (b *browser) submit(p *page, action string, values url.Values) *page {
	b.t.Helper()
	fm := p.find(func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == action })
	if fm == nil {
		b.t.Fatalf("no form posting to %s on %s:\n%s", action, p.url, p.body)
	}
	form := url.Values{}
	walk(fm, func(n *html.Node) {
		name := attr(n, "name")
		if name == "" {
			return
		}
		switch n.Data {
		case "input":
			switch attr(n, "type") {
			case "checkbox":
				if hasAttr(n, "checked") {
					form.Set(name, "on")
				}
			case "submit":
			default:
				form.Set(name, attr(n, "value"))
			}
		case "textarea":
			form.Set(name, text(n))
		case "select":
			walk(n, func(o *html.Node) {
				if o.Data == "option" && hasAttr(o, "selected") {
					form.Set(name, attr(o, "value"))
				}
			})
		}
	})
	for k, v := range values {
		form[k] = v
	}
	return b.post(action, form)
}

// ---- reading pages

func walk(n *html.Node, fn func(*html.Node)) {
	if n.Type == html.ElementNode {
		fn(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func (p *page) find(pred func(*html.Node) bool) *html.Node {
	all := p.findAll(pred)
	if len(all) == 0 {
		return nil
	}
	return all[0]
}

func (p *page) findAll(pred func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	if p.doc == nil {
		return nil
	}
	walk(p.doc, func(n *html.Node) {
		if pred(n) {
			out = append(out, n)
		}
	})
	return out
}

func (p *page) byID(id string) *html.Node {
	return p.find(func(n *html.Node) bool { return attr(n, "id") == id })
}

// textOf is the text of the element with this id, "" without one.
func (p *page) textOf(id string) string {
	if n := p.byID(id); n != nil {
		return strings.Join(strings.Fields(text(n)), " ")
	}
	return ""
}

func (p *page) h1() string {
	if n := p.find(func(n *html.Node) bool { return n.Data == "h1" }); n != nil {
		return strings.Join(strings.Fields(text(n)), " ")
	}
	return ""
}

// fieldError is the error shown next to a field, checked to be tied to
// the field's control for assistive technology.
func (p *page) fieldError(name string) string {
	p.t.Helper()
	msg := p.textOf("f-" + name + "-error")
	if msg == "" {
		return ""
	}
	ctl := p.byID("f-" + name)
	if ctl != nil && (!strings.Contains(attr(ctl, "aria-describedby"), "f-"+name+"-error") || attr(ctl, "aria-invalid") != "true") {
		p.t.Errorf("the error of %s is not tied to its control: %s", name, renderNode(ctl))
	}
	return msg
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

func text(n *html.Node) string {
	var sb strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return sb.String()
}

func renderNode(n *html.Node) string {
	var sb strings.Builder
	html.Render(&sb, n)
	return sb.String()
}
