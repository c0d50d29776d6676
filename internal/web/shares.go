package web

// Share links: the form on the pages of a record, a media object and a
// collection; the page that shows a new link's URL once; "My share
// links" with their status and revocation; and the public page at
// /ui/s/{token}, for people without an account, which shows what
// GET /api/v1/shared/{token} shows and nothing more (it calls the same
// service function, ViewShared, and links only to the link's own API
// routes for pictures and downloads).
//
// A link with a password: the public page's unlock form calls
// UnlockShared, as POST /api/v1/shared/{token}/unlock does, and sets the
// proof it returns as two cookies, HttpOnly, SameSite=Lax, for the
// proof's hour: one on the page's own path (/ui/s/{token}), which the
// page passes to the service as the request's proof, and one on the
// API's path of the link (/api/v1/shared/{token}, the API's own cookie),
// which the page's pictures and download links carry. Neither is sent
// anywhere else, and the token never leaves the link's paths.

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"atrium/internal/domain"
	"atrium/internal/httpapi"
	"atrium/internal/service"
)

// shareInputs are the share form's fields, named apart from the fields
// of the pages it sits on.
var shareInputs = []string{"share_download", "share_max_downloads", "share_password", "share_expires", "share_note"}

// shareRename places the service's errors on the form's fields.
var shareRename = map[string]string{"download": "share_download", "max_downloads": "share_max_downloads",
	"password": "share_password", "expires_at": "share_expires", "starts_at": "share_expires", "note": "share_note"}

// shareFormView is the share form of one object.
type shareFormView struct {
	CSRF, Target string
	Form         *form
	// Open shows the form unfolded (it has errors, or is the page).
	Open bool
}

// shareFormFor is the template's shareForm: the form of view v's page
// for target, empty or the one given.
func shareFormFor(v view, target string, f ...*form) shareFormView {
	sf := shareFormView{CSRF: v.CSRF, Target: target}
	if len(f) > 0 && f[0] != nil {
		sf.Form, sf.Open = f[0], true
	} else {
		sf.Form = newForm()
		for _, n := range shareInputs {
			sf.Form.Values[n] = ""
		}
	}
	return sf
}

// ---- creating

type shareNewPage struct {
	Target, Kind, Name string
	Form               *form
}

// shareTarget names the object of a target the user can see.
func (ui *UI) shareTarget(r *http.Request, rq *request, target string) (kind, name string, err error) {
	ctx := r.Context()
	kind, id, _ := strings.Cut(target, ":")
	switch kind {
	case "record":
		rec, err := ui.svc.GetRecord(ctx, rq.actor, id)
		return "record", rec.Title, err
	case "media":
		m, err := ui.svc.GetMedia(ctx, rq.actor, id)
		if m.Filename == "" {
			m.Filename = m.ID
		}
		return "media object", m.Filename, err
	case "collection":
		c, err := ui.svc.GetCollection(ctx, rq.actor, id)
		return "collection", c.Name, err
	}
	return "", "", errPageNotFound
}

func (ui *UI) newShareForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	target := r.URL.Query().Get("target")
	kind, name, err := ui.shareTarget(r, rq, target)
	if err != nil {
		return err
	}
	f := shareFormFor(view{}, target).Form
	ui.render(w, r, rq, http.StatusOK, "share_new", "Share "+name, shareNewPage{Target: target, Kind: kind, Name: name, Form: f})
	return nil
}

type shareCreatedPage struct {
	URL, Target, Kind, Name string
	Link                    domain.ShareLink
}

func (ui *UI) createShare(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	target := r.PostForm.Get("target")
	kind, name, err := ui.shareTarget(r, rq, target)
	if err != nil {
		return err
	}
	f := formFrom(r, shareInputs...)
	in := service.ShareLinkInput{Target: target, Download: f.Get("share_download") == "on", Password: f.Get("share_password"),
		Note: strings.TrimSpace(f.Get("share_note"))}
	if v := strings.TrimSpace(f.Get("share_max_downloads")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.Errors["share_max_downloads"] = "Give a whole number of downloads, or leave it empty for no limit."
		}
		in.MaxDownloads = n
	}
	if v := strings.TrimSpace(f.Get("share_expires")); v != "" {
		day, err := time.Parse(time.DateOnly, v)
		if err != nil {
			f.Errors["share_expires"] = "Give a date as YYYY-MM-DD."
		}
		// Until a day means to its end.
		end := day.AddDate(0, 0, 1)
		in.ExpiresAt = &end
	}
	status := http.StatusUnprocessableEntity
	if !f.Invalid() {
		link, err := ui.svc.CreateShareLink(r.Context(), rq.actor, in)
		if err == nil {
			scheme := "http"
			if ui.secureFor(r) {
				scheme = "https"
			}
			u := scheme + "://" + r.Host + "/ui/s/" + link.Token
			ui.render(w, r, rq, http.StatusCreated, "share_created", "Share link created",
				shareCreatedPage{URL: u, Target: target, Kind: kind, Name: name, Link: link.ShareLink})
			return nil
		}
		if !ui.formFailure(f, err, shareRename) {
			return err
		}
		status = statusOf(err)
	}
	ui.render(w, r, rq, status, "share_new", "Share "+name, shareNewPage{Target: target, Kind: kind, Name: name, Form: f})
	return nil
}

// ---- my share links

type sharesPage struct {
	Links   []domain.ShareLink
	Active  bool
	NextURL string
	Notice  string
}

// sharesPageSize is how many links "My share links" shows at a time.
const sharesPageSize = 50

func (ui *UI) shares(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	page := sharesPage{Active: q.Get("active") == "1"}
	res, err := ui.svc.ListShareLinks(r.Context(), rq.actor, service.ShareLinkQuery{Active: page.Active, Limit: sharesPageSize, Cursor: q.Get("cursor")})
	if se, ok := service.AsError(err); ok && se.Field == "cursor" {
		res, err = ui.svc.ListShareLinks(r.Context(), rq.actor, service.ShareLinkQuery{Active: page.Active, Limit: sharesPageSize})
	}
	if err != nil {
		return err
	}
	page.Links = res.Links
	if res.NextCursor != "" {
		v := url.Values{"cursor": {res.NextCursor}}
		if page.Active {
			v.Set("active", "1")
		}
		page.NextURL = "/ui/shares?" + v.Encode()
	}
	if q.Has("revoked") {
		page.Notice = "The link is revoked: it no longer works for anyone."
	}
	ui.render(w, r, rq, http.StatusOK, "shares", "My share links", page)
	return nil
}

func (ui *UI) revokeShare(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	if err := ui.svc.RevokeShareLink(r.Context(), rq.actor, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/shares?revoked=1", http.StatusSeeOther)
	return nil
}

// ---- the public page

// sharedPageSize is how many records of a shared collection the public
// page shows at a time.
const sharedPageSize = 24

type sharedPage struct {
	Token string
	View  service.SharedView
	// Title and Description are the shared object's.
	Title, Description string
	Keywords           []string
	// Media is a shared media object alone; Records a record, or the
	// page of a collection's records.
	Media   *sharedMediaView
	Records []sharedRecordView
	NextURL string
	// Form is the password form's.
	Form *form
}

type sharedRecordView struct {
	Title, Description string
	Keywords           []string
	Media              []sharedMediaView
}

type sharedMediaView struct {
	service.SharedMedia
	// Thumb, Preview and Download are the link's API routes for this
	// media object; Thumb and Preview are set for images only.
	Thumb, Preview, Download string
}

// LimitReached says the link's downloads of this file are spent.
func (v sharedMediaView) LimitReached() bool { return v.DownloadsLeft != nil && *v.DownloadsLeft == 0 }

func sharedMediaOf(token string, m service.SharedMedia) sharedMediaView {
	base := "/api/v1/shared/" + url.PathEscape(token) + "/media/" + url.PathEscape(m.ID)
	v := sharedMediaView{SharedMedia: m}
	if m.MediaType == "image" && m.File != nil {
		v.Thumb, v.Preview = base+"/renditions/thumbnail", base+"/renditions/preview"
	}
	if m.Download {
		v.Download = base + "/file"
	}
	return v
}

func sharedRecordOf(token string, rec service.SharedRecord) sharedRecordView {
	v := sharedRecordView{Title: rec.Title, Description: rec.Description, Keywords: rec.Keywords}
	for _, m := range rec.Media {
		v.Media = append(v.Media, sharedMediaOf(token, m))
	}
	return v
}

// sharedRequest is the public request through the link of the path, with
// the proof of its password from the page's cookie.
func (ui *UI) sharedRequest(r *http.Request, rq *request) service.SharedRequest {
	req := service.SharedRequest{Token: r.PathValue("token"), IP: rq.ip}
	if c, err := r.Cookie(httpapi.ShareUnlockCookie); err == nil {
		req.Unlock = c.Value
	}
	return req
}

func (ui *UI) shared(w http.ResponseWriter, r *http.Request, rq *request) error {
	req := ui.sharedRequest(r, rq)
	cursor := r.URL.Query().Get("cursor")
	v, err := ui.svc.ViewShared(r.Context(), req, service.SharedPage{Limit: sharedPageSize, Cursor: cursor})
	if se, ok := service.AsError(err); ok && se.Field == "cursor" {
		v, err = ui.svc.ViewShared(r.Context(), req, service.SharedPage{Limit: sharedPageSize})
	}
	if errors.Is(err, service.ErrSharePasswordRequired) {
		f := newForm()
		f.Values["password"] = ""
		ui.render(w, r, rq, http.StatusUnauthorized, "shared_password", "Password required", sharedPage{Token: req.Token, Form: f})
		return nil
	}
	if err != nil {
		return err
	}
	page := sharedPage{Token: req.Token, View: v}
	switch {
	case v.Record != nil:
		rv := sharedRecordOf(req.Token, *v.Record)
		page.Title, page.Description, page.Keywords = rv.Title, rv.Description, rv.Keywords
		page.Records = []sharedRecordView{rv}
	case v.Media != nil:
		mv := sharedMediaOf(req.Token, *v.Media)
		page.Title, page.Media = v.Media.Filename, &mv
	case v.Collection != nil:
		page.Title, page.Description = v.Collection.Name, v.Collection.Description
		for _, rec := range v.Collection.Records {
			page.Records = append(page.Records, sharedRecordOf(req.Token, rec))
		}
		if v.Collection.NextCursor != "" {
			page.NextURL = "/ui/s/" + url.PathEscape(req.Token) + "?" + url.Values{"cursor": {v.Collection.NextCursor}}.Encode()
		}
	}
	if page.Title == "" {
		page.Title = "Shared with you"
	}
	ui.render(w, r, rq, http.StatusOK, "shared", page.Title, page)
	return nil
}

func (ui *UI) unlockShared(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	req := ui.sharedRequest(r, rq)
	f := formFrom(r, "password")
	proof, err := ui.svc.UnlockShared(r.Context(), req, f.Get("password"))
	if err == nil {
		secure := ui.secureFor(r)
		for _, p := range []string{"/ui/s/" + req.Token, "/api/v1/shared/" + req.Token} {
			http.SetCookie(w, &http.Cookie{Name: httpapi.ShareUnlockCookie, Value: proof.UnlockToken, Path: p, Expires: proof.ExpiresAt,
				MaxAge: int(service.ShareUnlockTTL / time.Second), HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
		}
		http.Redirect(w, r, "/ui/s/"+url.PathEscape(req.Token), http.StatusSeeOther)
		return nil
	}
	se, ok := service.AsError(err)
	if !ok || se.Kind == service.KindNotFound || se.Kind == service.KindInternal {
		return err
	}
	if se.Kind == service.KindInvalid {
		f.Errors["password"] = "This password is wrong."
		if se.Code == "validation_failed" {
			f.Errors["password"] = sentence(se.Message)
		}
	} else {
		f.Error = sentence(se.Message)
	}
	f.Values["password"] = ""
	ui.render(w, r, rq, uploadStatus(err), "shared_password", "Password required", sharedPage{Token: req.Token, Form: f})
	return nil
}
