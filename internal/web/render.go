package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"atrium/internal/domain"
	"atrium/internal/service"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageNames are the templates of whole pages; each defines "content"
// (and may define "title") inside templates/layout.html.
var pageNames = []string{"error", "signin", "signin_code", "signup", "verify", "reset", "reset_confirm", "done",
	"library", "workspaces", "record",
	"upload", "viewer", "collection", "collection_new", "share_new", "share_created", "shares", "shared", "shared_password",
	"admin_profiles", "admin_download_profile", "admin_capture_profile", "admin_acl_defaults", "admin_signup", "admin_requests", "admin_moderation", "admin_usage", "admin_audit", "account", "account_totp", "account_codes", "account_token", "access_requests",
	"sharing", "batch",
	"admin_index", "admin_users", "admin_user", "admin_invitations", "admin_groups", "admin_group", "admin_tiers", "admin_tier", "admin_workspaces", "admin_workspace", "admin_roles", "admin_role", "admin_people_confirm", "invitation_accept"}

type pages struct {
	byName map[string]*template.Template
}

// assetVersion is a hash of the embedded assets, in their URLs, so that
// browsers may keep them for good and still get new ones after an
// upgrade.
var assetVersion = func() string {
	h := sha256.New()
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFS.ReadFile(p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

var funcs = template.FuncMap{
	"asset": func(name string) string { return "/ui/static/" + name + "?v=" + assetVersion },
	"input": func(f *form, name, label, typ, autocomplete string) fieldView {
		v := fieldView{Name: name, Label: label, Type: typ, Autocomplete: autocomplete, Error: f.Err(name)}
		if typ != "password" {
			v.Value = f.Get(name)
		}
		return v
	},
	"date": func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"datetime": func(t time.Time) string {
		return t.UTC().Format("2 Jan 2006, 15:04 UTC")
	},
	"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"bytes": humanBytes,
	"join":  strings.Join,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
}

// loadPages parses every page with the layout and the shared pieces,
// once, at start.
func loadPages() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range pageNames {
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/parts*.html", "templates/_*.html", "templates/"+name+".html"))
		p.byName[name] = t
	}
	return p
}

// view is what every page template gets.
type view struct {
	Title string
	// User is the signed-in user (nil on the sign-in pages).
	User *domain.User
	CSRF string
	// Nav names the header's current link.
	Nav  string
	Page any
	// Admin links the admin console (the user may use some of it).
	Admin bool
}

// render writes a whole page. It is executed into a buffer first, so a
// template failure is a clean error page, never half a page.
func (ui *UI) render(w http.ResponseWriter, r *http.Request, rq *request, status int, name, title string, data any) {
	v := view{Title: title, CSRF: rq.csrf, Page: data}
	if rq.signedIn && rq.user.ID != "" {
		u := rq.user
		v.User = &u
		v.Admin = ui.showsAdmin(rq)
	}
	switch name {
	case "library", "record":
		v.Nav = "library"
	case "workspaces":
		v.Nav = "workspaces"
	case "account", "account_totp", "account_codes", "account_token", "access_requests":
		v.Nav = "account"
	}
	if strings.HasPrefix(name, "admin_") {
		v.Nav = "admin"
	}
	if n, ok := contentNav[name]; ok {
		v.Nav = n
	}
	if strings.HasPrefix(name, "admin") {
		v.Nav = "admin"
	}
	var buf bytes.Buffer
	if err := ui.pages.byName[name].Execute(&buf, v); err != nil {
		ui.log.ErrorContext(r.Context(), "render page", "request_id", requestID(r.Context()), "page", name, "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		ui.pages.byName["error"].Execute(&buf, view{Title: "Something went wrong", CSRF: rq.csrf,
			Page: errorPage{Title: "Something went wrong", Message: "Quote request id " + requestID(r.Context()) + " to the administrator."}})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorPage struct {
	Title, Message string
}

func (ui *UI) renderError(w http.ResponseWriter, r *http.Request, rq *request, status int, title, msg string) {
	if rq == nil {
		rq = &request{}
	}
	ui.render(w, r, rq, status, "error", title, errorPage{Title: title, Message: msg})
}

// form is a form's values and errors, by field name.
type form struct {
	Values map[string]string
	Errors map[string]string
	// Error is about the whole form, not one field.
	Error string
}

func newForm() *form { return &form{Values: map[string]string{}, Errors: map[string]string{}} }

// formFrom copies the named fields of a posted form.
func formFrom(r *http.Request, names ...string) *form {
	f := newForm()
	for _, n := range names {
		f.Values[n] = r.PostForm.Get(n)
	}
	return f
}

func (f *form) Get(name string) string { return f.Values[name] }
func (f *form) Err(name string) string { return f.Errors[name] }

// Invalid reports whether any error was found.
func (f *form) Invalid() bool { return len(f.Errors) > 0 || f.Error != "" }

// fieldView is one labelled input, for the "input" template.
type fieldView struct {
	Name, Label, Type, Value, Autocomplete, Error string
}

// fieldError puts a service error about a request field next to the
// form's field (through rename, for fields named differently here), and
// reports whether it did. Errors about no field, or about a field the
// form does not show, are not placed.
func fieldError(f *form, err error, rename map[string]string) bool {
	se, ok := service.AsError(err)
	if !ok || se.Kind == service.KindInternal || se.Kind == service.KindNotFound || se.Kind == service.KindUnauthenticated {
		return false
	}
	field := se.Field
	if to, ok := rename[field]; ok {
		field = to
	}
	if _, shown := f.Values[field]; field != "" && shown {
		f.Errors[field] = sentence(se.Message)
		return true
	}
	return false
}

// sentence capitalises a service message for a page.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + string("KMGTPE"[exp]) + "iB"
}

// serveStatic serves an embedded asset. With the current version in its
// URL it may be kept for a year; otherwise for a few minutes.
func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	if r.URL.Query().Get("v") == assetVersion {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}
