package web

// The library's content pages beyond browsing: uploads (upload.go), the
// viewer of the large rendition (viewer.go), collections
// (collections.go) and share links with their public page (shares.go).
// Their pieces shown on the record and library pages are in
// templates/_content.html.

import (
	"net/http"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

func (ui *UI) contentRoutes(mux *http.ServeMux) {
	mux.Handle("GET /ui/upload", ui.page(ui.signedIn(ui.uploadForm)))
	mux.Handle("POST /ui/upload", ui.page(ui.signedIn(ui.upload)))
	mux.Handle("GET /ui/media/{id}", ui.page(ui.signedIn(ui.viewer)))

	mux.Handle("GET /ui/collections/new", ui.page(ui.signedIn(ui.newCollectionForm)))
	mux.Handle("POST /ui/collections", ui.page(ui.signedIn(ui.createCollection)))
	mux.Handle("GET /ui/collections/{id}", ui.page(ui.signedIn(ui.collection)))
	mux.Handle("POST /ui/collections/{id}", ui.page(ui.signedIn(ui.editCollection)))
	mux.Handle("POST /ui/collections/{id}/delete", ui.page(ui.signedIn(ui.deleteCollection)))
	mux.Handle("POST /ui/collections/{id}/records/{record}/remove", ui.page(ui.signedIn(ui.removeFromCollection)))
	mux.Handle("POST /ui/records/{id}/collections", ui.page(ui.signedIn(ui.addToCollection)))

	mux.Handle("GET /ui/shares", ui.page(ui.signedIn(ui.shares)))
	mux.Handle("GET /ui/shares/new", ui.page(ui.signedIn(ui.newShareForm)))
	mux.Handle("POST /ui/shares", ui.page(ui.signedIn(ui.createShare)))
	mux.Handle("POST /ui/shares/{id}/revoke", ui.page(ui.signedIn(ui.revokeShare)))
	// The public page of a share link: no sign-in.
	mux.Handle("GET /ui/s/{token}", ui.page(ui.shared))
	mux.Handle("POST /ui/s/{token}/unlock", ui.page(ui.unlockShared))
}

// contentNav names the header link of the content pages.
var contentNav = map[string]string{
	"upload": "upload", "viewer": "library", "collection": "workspaces", "collection_new": "workspaces",
	"shares": "shares", "share_new": "shares", "share_created": "shares",
}

func init() {
	funcs["shareForm"] = shareFormFor
	funcs["sharedURL"] = sharedURL
}

// recordContent is what the record page shows of the content pages: the
// viewer of each media object, adding files and adding to a collection
// (for those who may), and a share link form.
type recordContent struct {
	// Collections are those the user may add the record to.
	Collections []domain.Collection
	// AddForm is the "add to collection" form, with its error.
	AddForm *form
	Added   string
}

// recordContent reads what the record page shows of the content pages:
// one listing of the collections of the record's workspace that the user
// may edit (a record is collected where it belongs; listing every
// collection of the account on every record page would cost as much as
// the account has).
func (ui *UI) recordContent(r *http.Request, rq *request, workspace string) (*recordContent, error) {
	colls, err := ui.svc.ListCollections(r.Context(), rq.actor, service.ListQuery{Workspace: workspace, Permission: authz.CanEdit, Limit: maxCollectionChoices})
	if err != nil {
		return nil, err
	}
	rc := &recordContent{Collections: colls.Items, AddForm: newForm()}
	rc.AddForm.Values["collection"] = ""
	if id := r.URL.Query().Get("added"); id != "" {
		for _, c := range colls.Items {
			if c.ID == id {
				rc.Added = c.Name
			}
		}
	}
	return rc, nil
}

// sharedURL is the page of a shared object ("record:ID", "media:ID",
// "collection:ID").
func sharedURL(target string) string {
	typ, id, _ := strings.Cut(target, ":")
	if u := targetURL(typ, id); u != "" {
		return u
	}
	return Prefix
}

// redactPath hides the token of a share link's public page (its whole
// secret) in what is logged, as the API's access log does.
func redactPath(p string) string {
	if rest, ok := strings.CutPrefix(p, "/ui/s/"); ok {
		if _, after, found := strings.Cut(rest, "/"); found {
			return "/ui/s/[token]/" + after
		}
		return "/ui/s/[token]"
	}
	return p
}

// wantsJSON tells the script's requests (which ask for JSON) from a
// form sent by the browser itself.
func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Accept"), "application/json")
}
