package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"atrium/internal/service"
)

// moderationParams document GET /api/v1/moderation.
var moderationParams = []param{
	{Name: "mine", Description: "true: the caller's own held uploads instead of those the caller may decide"},
	{Name: "limit", Description: "page size, 1 to 1000 (default 100)", Type: "integer"},
	{Name: "cursor", Description: "next_cursor of the previous page (same filters)"},
}

// parseModeration reads the queue's query; unknown or repeated parameters
// are errors.
func parseModeration(v url.Values) (service.ModerationQuery, error) {
	var q service.ModerationQuery
	qp, err := parseQueuePage(v, moderationParams)
	q.Cursor, q.Mine, q.Limit = qp.cursor, qp.mine, qp.limit
	return q, err
}

// queuePage is what the listings of requests and holds share: one page,
// maybe only the caller's own.
type queuePage struct {
	cursor string
	mine   bool
	limit  int
}

// parseQueuePage checks a queue listing's query against its documented
// parameters (unknown or repeated ones are errors) and reads mine,
// limit and cursor; the caller reads the rest.
func parseQueuePage(v url.Values, params []param) (queuePage, error) {
	var q queuePage
	known := map[string]bool{"at_least_revision": true}
	for _, p := range params {
		known[p.Name] = true
	}
	for name, vals := range v {
		if !known[name] {
			return q, queryError(name, "unknown parameter %q", name)
		}
		if len(vals) > 1 {
			return q, queryError(name, "%s is given %d times; it takes one value", name, len(vals))
		}
	}
	q.cursor = v.Get("cursor")
	if m := v.Get("mine"); m != "" {
		mine, err := strconv.ParseBool(m)
		if err != nil {
			return q, queryError("mine", "mine must be true or false")
		}
		q.mine = mine
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return q, queryError("limit", "limit must be a whole number from 1 to 1000")
		}
		q.limit = n
	}
	return q, nil
}

// moderationRoutes are the approvers' queue of held uploads and their
// decisions. {type} is record or media.
func (api *API) moderationRoutes() []route {
	s := api.svc
	return []route{
		{Method: "GET", Path: "/api/v1/moderation", Summary: "Uploads held for moderation that the caller may publish or reject, oldest first (with mine=true, the caller's own)", Tag: "moderation",
			Query: moderationParams, Resp: service.ModerationPage{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				q, err := parseModeration(r.URL.Query())
				if err != nil {
					return nil, err
				}
				return s.ListModeration(r.Context(), a, q)
			}},
		{Method: "POST", Path: "/api/v1/moderation/{type}/{id}/publish", Summary: "Publish a held record or media object: its ACL and workspace apply from now on; the uploader is notified (approvers, never the uploader)", Tag: "moderation",
			Resp: service.ModerationDecision{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.PublishHeld(r.Context(), a, r.PathValue("type"), r.PathValue("id"))
			}},
		{Method: "POST", Path: "/api/v1/moderation/{type}/{id}/reject", Summary: "Reject a held record or media object with a reason: it is deleted with its files and the uploader is told why (approvers, never the uploader)", Tag: "moderation",
			Body: reasonReq{}, Resp: service.ModerationDecision{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[reasonReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.RejectHeld(r.Context(), a, r.PathValue("type"), r.PathValue("id"), in.Reason)
			}},
	}
}
