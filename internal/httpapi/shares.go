package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// ShareUnlockHeader carries the proof of a share link's password (from
// POST /api/v1/shared/{token}/unlock) on later requests; browsers get it
// as the cookie ShareUnlockCookie instead.
const (
	ShareUnlockHeader = "Atrium-Share-Unlock"
	ShareUnlockCookie = "atrium_share_unlock"
)

// sharedPrefix starts every public route of a share link; the segment
// after it is the link's token.
const sharedPrefix = "/api/v1/shared/"

type shareLinkReq struct {
	Target       string     `json:"target"`
	Password     string     `json:"password,omitempty"`
	StartsAt     *time.Time `json:"starts_at,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	Download     bool       `json:"download,omitempty"`
	MaxDownloads int        `json:"max_downloads,omitempty"`
	Note         string     `json:"note,omitempty"`
}

type unlockReq struct {
	Password string `json:"password"`
}

var shareLinkParams = []param{
	{Name: "all", Description: "true: every link of the account (review_access)"},
	{Name: "created_by", Description: "only the links of this user (review_access unless it is you)"},
	{Name: "active", Description: "true: only links neither revoked nor expired"},
	{Name: "limit", Description: "page size, 1 to 1000 (default 100)", Type: "integer"},
	{Name: "cursor", Description: "next_cursor of the previous page (same filters)"},
}

var sharedParams = []param{
	{Name: "limit", Description: "for a collection: records per page, 1 to 200 (default 50)", Type: "integer"},
	{Name: "cursor", Description: "for a collection: next_cursor of the previous page"},
}

// onlyParams refuses parameters not in ps, and repeated ones: a misspelt
// filter must not silently widen a listing.
func onlyParams(v url.Values, ps []param) error {
	known := map[string]bool{"at_least_revision": true}
	for _, p := range ps {
		known[p.Name] = true
	}
	for name, vals := range v {
		if !known[name] {
			return queryError(name, "unknown parameter %q", name)
		}
		if len(vals) > 1 {
			return queryError(name, "%s is given %d times; it takes one value", name, len(vals))
		}
	}
	return nil
}

func queryBool(v url.Values, name string) (bool, error) {
	s := v.Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, queryError(name, "%s must be true or false", name)
	}
	return b, nil
}

func queryLimit(v url.Values, hi int) (int, error) {
	s := v.Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > hi {
		return 0, queryError("limit", "limit must be a whole number from 1 to %d", hi)
	}
	return n, nil
}

func parseShareLinks(v url.Values) (service.ShareLinkQuery, error) {
	var q service.ShareLinkQuery
	if err := onlyParams(v, shareLinkParams); err != nil {
		return q, err
	}
	var err error
	if q.All, err = queryBool(v, "all"); err != nil {
		return q, err
	}
	if q.Active, err = queryBool(v, "active"); err != nil {
		return q, err
	}
	if q.Limit, err = queryLimit(v, 1000); err != nil {
		return q, err
	}
	q.CreatedBy, q.Cursor = v.Get("created_by"), v.Get("cursor")
	return q, nil
}

// sharedRequest is the service's view of a public request through a
// link: the token from the path, the proof of its password from the
// header or, for browsers, the cookie.
func sharedRequest(r *http.Request, a service.Actor) service.SharedRequest {
	req := service.SharedRequest{Token: r.PathValue("token"), Unlock: r.Header.Get(ShareUnlockHeader), IP: a.IP}
	if req.Unlock == "" {
		if c, err := r.Cookie(ShareUnlockCookie); err == nil {
			req.Unlock = c.Value
		}
	}
	return req
}

// shareRoutes are the management of share links (signed in) and their
// public use (no session: the token in the path is the credential).
func (api *API) shareRoutes() []route {
	s := api.svc
	return []route{
		{Method: "POST", Path: "/api/v1/share-links", Summary: "Create a public link to a record, media object or collection you can see; the token is shown this once. " +
			"A download link to a media object needs can_download on it now",
			Tag: "share links", Body: shareLinkReq{}, Resp: service.NewShareLink{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[shareLinkReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.CreateShareLink(r.Context(), a, service.ShareLinkInput{Target: in.Target, Password: in.Password, StartsAt: in.StartsAt,
					ExpiresAt: in.ExpiresAt, Download: in.Download, MaxDownloads: in.MaxDownloads, Note: in.Note})
			}},
		{Method: "GET", Path: "/api/v1/share-links", Summary: "Your share links, or with review_access the account's, newest first (never their tokens)",
			Tag: "share links", Query: shareLinkParams, Resp: service.ShareLinkPage{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				q, err := parseShareLinks(r.URL.Query())
				if err != nil {
					return nil, err
				}
				return s.ListShareLinks(r.Context(), a, q)
			}},
		{Method: "GET", Path: "/api/v1/share-links/{id}", Summary: "A share link of yours (or of the account, with review_access) with its downloads by media object",
			Tag: "share links", Resp: domain.ShareLink{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetShareLink(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "DELETE", Path: "/api/v1/share-links/{id}", Summary: "Revoke a share link at once (its creator, or review_access)",
			Tag: "share links", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.RevokeShareLink(r.Context(), a, r.PathValue("id"))
			}},

		{Method: "GET", Path: "/api/v1/shared/{token}", Public: true, Summary: "What a share link shows, as its creator can see it now. " +
			"A link with a password needs the proof from …/unlock (header " + ShareUnlockHeader + " or its cookie); an invalid link of any kind is 404",
			Tag: "share links", Query: sharedParams, Resp: service.SharedView{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				v := r.URL.Query()
				if err := onlyParams(v, sharedParams); err != nil {
					return nil, err
				}
				limit, err := queryLimit(v, 200)
				if err != nil {
					return nil, err
				}
				return s.ViewShared(r.Context(), sharedRequest(r, a), service.SharedPage{Limit: limit, Cursor: v.Get("cursor")})
			}},
		{Method: "POST", Path: "/api/v1/shared/{token}/unlock", Public: true, Summary: "Give a share link's password; returns a proof for an hour, also set as a cookie. " +
			"Wrong passwords are throttled per link and per client address (429)",
			Tag: "share links", Body: unlockReq{}, Resp: service.ShareUnlock{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[unlockReq](w, r)
				if err != nil {
					return nil, err
				}
				req := sharedRequest(r, a)
				proof, err := s.UnlockShared(r.Context(), req, in.Password)
				if err != nil {
					return nil, err
				}
				// The cookie goes back only to this link's routes.
				http.SetCookie(w, &http.Cookie{Name: ShareUnlockCookie, Value: proof.UnlockToken, Path: sharedPrefix + req.Token,
					Expires: proof.ExpiresAt, MaxAge: int(service.ShareUnlockTTL / time.Second), HttpOnly: true, Secure: api.secure, SameSite: http.SameSiteLaxMode})
				return proof, nil
			}},
		{Method: "GET", Path: "/api/v1/shared/{token}/media/{id}/file", Public: true, Summary: "Download the original of a media object of a share link, checked now against its creator's rights " +
			"(can_download and download profiles) and the link's limits; audited. Supports HEAD, Range, If-Range and If-None-Match",
			Tag: "share links", RespType: "application/octet-stream",
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				d, err := s.OpenSharedFile(r.Context(), sharedRequest(r, a), r.PathValue("id"))
				if err != nil {
					return nil, err
				}
				api.serveFile(w, r, d.Download, func(detail map[string]string) error {
					return s.RecordSharedDownload(r.Context(), d, detail)
				})
				return nil, nil
			}},
		{Method: "GET", Path: "/api/v1/shared/{token}/media/{id}/renditions/{kind}", Public: true, Summary: "A ready rendition (thumbnail, preview, large) of a media object of a share link: " +
			"inline for viewing, if its creator may view it now (also with downloads off), or with download=1 as a download under the original's rules for that rendition; audited. " +
			"Supports HEAD, Range and If-None-Match",
			Tag: "share links", Query: []param{downloadParam}, RespType: "image/*",
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				dl, err := downloadQuery(r)
				if err != nil {
					return nil, err
				}
				d, err := s.OpenSharedRendition(r.Context(), sharedRequest(r, a), r.PathValue("id"), r.PathValue("kind"), dl)
				if err != nil {
					return nil, err
				}
				api.serveFile(w, r, d.Download, func(detail map[string]string) error {
					return s.RecordSharedDownload(r.Context(), d, detail)
				})
				return nil, nil
			}},
	}
}

// logPath is a request path as logs may show it: a share link's token is
// the link's whole secret, so every segment that follows a "shared"
// segment is replaced, wherever it is (a mistyped path is logged too).
func logPath(p string) string {
	if !strings.Contains(p, "/shared/") {
		return p
	}
	in := strings.Split(p, "/")
	out := make([]string, len(in))
	copy(out, in)
	for i := 1; i < len(in); i++ {
		if in[i-1] == "shared" && in[i] != "" {
			out[i] = "[token]"
		}
	}
	return strings.Join(out, "/")
}
