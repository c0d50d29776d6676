package web

import (
	"net/http"
	"net/url"
	"strings"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// ---- /ui/access-requests: asking for access from the browser, and
// one's own requests. Anyone signed in may look; the service decides who
// may ask (members of a requester group) and says why not.

type myRequestsPage struct {
	Notice   string
	Form     *form
	Types    []option
	Accesses []option
	Requests []requestRow
	NextURL  string
}

var requestTargetTypes = []option{
	{"record", "A record"}, {"collection", "A collection"}, {"workspace", "A workspace"},
	{"media", "A media object"}, {"account", "The whole library"},
}

var requestAccesses = []option{
	{domain.AccessView, "View: see it"}, {domain.AccessDownload, "Download: see and download it"},
}

var myRequestNotices = map[string]string{
	"asked": "Your request is sent: the approvers are told by mail, and you will be when they decide.", "withdrawn": "Your request is withdrawn.",
}

func (ui *UI) myRequestsView(r *http.Request, rq *request, f *form) (myRequestsPage, error) {
	ctx := r.Context()
	cursor := r.URL.Query().Get("cursor")
	reqs, err := ui.svc.ListAccessRequests(ctx, rq.actor, service.AccessRequestQuery{Mine: true, Limit: requestsPageSize, Cursor: cursor})
	if se, ok := service.AsError(err); ok && se.Field == "cursor" {
		return myRequestsPage{}, &pageError{status: http.StatusBadRequest, title: "This page of requests has expired", msg: "Go back to the first page."}
	}
	if err != nil {
		return myRequestsPage{}, err
	}
	var users []string
	for _, x := range reqs.Requests {
		users = append(users, x.DecidedBy)
	}
	n, err := ui.loadNames(r, rq, users, false)
	if err != nil {
		return myRequestsPage{}, err
	}
	page := myRequestsPage{Form: f, Types: requestTargetTypes, Accesses: requestAccesses}
	for _, x := range reqs.Requests {
		page.Requests = append(page.Requests, requestRow{AccessRequest: x, DeciderName: n.user(x.DecidedBy), Mine: true, TargetURL: targetURL(x.TargetType, x.TargetID)})
	}
	if reqs.NextCursor != "" {
		page.NextURL = "/ui/access-requests?cursor=" + url.QueryEscape(reqs.NextCursor)
	}
	return page, nil
}

func (ui *UI) myRequestsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	f := newForm()
	// A link may name what to ask for: ?type=record&id=rec_….
	f.Values["target_type"], f.Values["target_id"], f.Values["access"], f.Values["message"] = q.Get("type"), q.Get("id"), q.Get("access"), ""
	if f.Values["target_type"] == "" {
		f.Values["target_type"] = "record"
	}
	if f.Values["access"] == "" {
		f.Values["access"] = domain.AccessView
	}
	page, err := ui.myRequestsView(r, rq, f)
	if err != nil {
		return err
	}
	page.Notice = notice(r, myRequestNotices)
	ui.render(w, r, rq, http.StatusOK, "access_requests", "Access requests", page)
	return nil
}

func (ui *UI) askForAccess(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "target_type", "target_id", "access", "message")
	in := service.AccessRequestInput{TargetType: f.Get("target_type"), TargetID: strings.TrimSpace(f.Get("target_id")), Access: f.Get("access"), Message: f.Get("message")}
	if in.TargetID == "" && in.TargetType != "account" {
		f.Errors["target_id"] = "Give the id of what you ask for (it is in its link, such as rec_…)."
	}
	var err error
	if !f.Invalid() {
		_, err = ui.svc.RequestAccess(r.Context(), rq.actor, in)
		if err == nil {
			return redirectDone(w, r, "/ui/access-requests", "asked")
		}
		if se, ok := service.AsError(err); ok && se.Kind == service.KindNotFound {
			// The target need not be visible to be asked for; one that is
			// not found does not exist in the account.
			f.Errors["target_id"] = "There is no such " + in.TargetType + " in this library."
		} else if !ui.formFailure(f, err, nil) {
			return err
		}
	}
	page, perr := ui.myRequestsView(r, rq, f)
	if perr != nil {
		return perr
	}
	ui.render(w, r, rq, failStatus(err), "access_requests", "Access requests", page)
	return nil
}

func (ui *UI) withdrawRequest(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	if _, err := ui.svc.WithdrawAccessRequest(r.Context(), rq.actor, r.PathValue("id")); err != nil {
		return err
	}
	return redirectDone(w, r, "/ui/access-requests", "withdrawn")
}
