package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

// ---- /ui/admin/requests: the access-request queue and the approval
// relations. For approvers (members of an access relation's approver
// group), review_access holders, and those who set up relations
// (manage_groups); anyone else finds nothing here.

// requestsPageSize is how many requests the queue shows at once.
const requestsPageSize = 50

type requestRow struct {
	domain.AccessRequest
	RequesterName, DeciderName string
	Mine                       bool
	// TargetURL leads to the target in the library, when it has a page.
	TargetURL string
	// CanDecide offers approve and reject (pending), CanRevoke revoke
	// (approved).
	CanDecide, CanRevoke bool
	Levels               []option
	Form                 *form
}

type relationRow struct {
	domain.ApprovalRelation
	Requesters []string
	Approver   string
}

type requestsPage struct {
	Notice     string
	Status     string
	Statuses   []option
	Duties     service.Duties
	Requests   []requestRow
	NextURL    string
	FirstURL   string
	Relations  []relationRow
	CanRelate  bool
	Groups     []option
	Kinds      []option
	Relation   *form
	Requesters map[string]bool
}

var requestStatuses = []option{
	{domain.RequestPending, "Waiting for a decision"}, {domain.RequestApproved, "Approved"}, {domain.RequestRejected, "Rejected"},
	{domain.RequestWithdrawn, "Withdrawn"}, {domain.RequestExpired, "Expired"}, {domain.RequestRevoked, "Revoked"}, {"all", "All"},
}

var relationKinds = []option{
	{domain.RelationAccess, "Access: the requester groups ask for access, the approvers decide"},
	{domain.RelationModeration, "Moderation: the requester groups' uploads wait for the approvers"},
}

var requestNotices = map[string]string{
	"approved": "The request is approved: the access is granted.", "rejected": "The request is rejected; the requester is told why.",
	"revoked": "The grant is revoked.", "relation": "The relationship is saved.", "relation-deleted": "The relationship is deleted.",
}

// targetURL is the page of an object of the library (a request's target,
// a link's), or "" for what has none (the whole library).
func targetURL(typ, id string) string {
	switch typ {
	case "record":
		return "/ui/records/" + url.PathEscape(id)
	case "media":
		return "/ui/media/" + url.PathEscape(id)
	case "workspace":
		return "/ui/?workspace=" + url.QueryEscape(id)
	case "collection":
		return "/ui/collections/" + url.PathEscape(id)
	}
	return ""
}

// requestsView reads the queue: the user's duties, permissions, a page of
// requests with the names in them, the relations and the groups, in a
// fixed number of reads. forms holds forms to show again, by request id.
func (ui *UI) requestsView(r *http.Request, rq *request, forms map[string]*form) (requestsPage, error) {
	ctx := r.Context()
	duties, err := ui.svc.MyDuties(ctx, rq.actor)
	if err != nil {
		return requestsPage{}, err
	}
	perms, err := ui.permissions(r, rq)
	if err != nil {
		return requestsPage{}, err
	}
	canRelate := perms[authz.ManageGroups.String()]
	if !duties.ApprovesAccess && !duties.ReviewsAccess && !canRelate {
		return requestsPage{}, errPageNotFound
	}
	q := r.URL.Query()
	status := q.Get("status")
	if status == "" {
		status = domain.RequestPending
	}
	if !slices.ContainsFunc(requestStatuses, func(o option) bool { return o.Value == status }) {
		return requestsPage{}, &pageError{status: http.StatusBadRequest, title: "No such list", msg: "Choose a status from the list."}
	}
	aq := service.AccessRequestQuery{Status: status, Limit: requestsPageSize, Cursor: q.Get("cursor")}
	if status == "all" {
		aq.Status = ""
	}
	reqs, err := ui.svc.ListAccessRequests(ctx, rq.actor, aq)
	if se, ok := service.AsError(err); ok && se.Field == "cursor" {
		return requestsPage{}, &pageError{status: http.StatusBadRequest, title: "This page of requests has expired", msg: "Go back to the first page."}
	}
	if err != nil {
		return requestsPage{}, err
	}
	rels, err := ui.svc.ListApprovalRelations(ctx, rq.actor)
	if err != nil {
		return requestsPage{}, err
	}
	var users []string
	for _, x := range reqs.Requests {
		users = append(users, x.Requester, x.DecidedBy)
	}
	n, err := ui.loadNames(r, rq, users, true)
	if err != nil {
		return requestsPage{}, err
	}
	page := requestsPage{Status: status, Statuses: requestStatuses, Duties: duties, CanRelate: canRelate, Kinds: relationKinds}
	for _, x := range reqs.Requests {
		row := requestRow{AccessRequest: x, RequesterName: n.user(x.Requester), DeciderName: n.user(x.DecidedBy), Mine: x.Requester == rq.actor.UserID,
			TargetURL: targetURL(x.TargetType, x.TargetID), Form: forms[x.ID]}
		row.CanDecide = x.Status == domain.RequestPending && duties.ApprovesAccess && !row.Mine
		row.CanRevoke = x.Status == domain.RequestApproved && (duties.ApprovesAccess || duties.ReviewsAccess) && !row.Mine
		levels, forView, forDownload, _ := service.GrantLevels(x.TargetType)
		if row.Form == nil {
			row.Form = newForm()
			row.Form.Values["level"] = forView
			if x.Access == domain.AccessDownload {
				row.Form.Values["level"] = forDownload
			}
		}
		for _, l := range levels {
			row.Levels = append(row.Levels, option{l, l})
		}
		page.Requests = append(page.Requests, row)
	}
	if reqs.NextCursor != "" {
		page.NextURL = "/ui/admin/requests?" + url.Values{"status": {status}, "cursor": {reqs.NextCursor}}.Encode()
	}
	if aq.Cursor != "" {
		page.FirstURL = "/ui/admin/requests?" + url.Values{"status": {status}}.Encode()
	}
	for _, rel := range rels {
		row := relationRow{ApprovalRelation: rel, Approver: n.group(rel.ApproverGroup)}
		for _, g := range rel.RequesterGroups {
			row.Requesters = append(row.Requesters, n.group(g))
		}
		page.Relations = append(page.Relations, row)
	}
	for _, g := range n.groupList {
		page.Groups = append(page.Groups, option{g.ID, g.Name})
	}
	page.Relation = newForm()
	page.Relation.Values["kind"], page.Relation.Values["approver_group"], page.Relation.Values["requester_groups"] = domain.RelationAccess, "", ""
	page.Requesters = map[string]bool{}
	return page, nil
}

func (ui *UI) requestsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	page, err := ui.requestsView(r, rq, nil)
	if err != nil {
		return err
	}
	page.Notice = notice(r, requestNotices)
	ui.render(w, r, rq, http.StatusOK, "admin_requests", "Access requests", page)
	return nil
}

// backToQueue is the queue's URL with the status the form came from.
func backToQueue(r *http.Request) string {
	status := r.PostForm.Get("status")
	if status == "" || !slices.ContainsFunc(requestStatuses, func(o option) bool { return o.Value == status }) {
		status = domain.RequestPending
	}
	return "/ui/admin/requests?status=" + url.QueryEscape(status)
}

// decide runs a decision on request id with the form's fields; a refusal
// shows the queue again with the error at the request.
func (ui *UI) decide(w http.ResponseWriter, r *http.Request, rq *request, f *form, done string, run func(id string) error) error {
	id := r.PathValue("id")
	err := run(id)
	if err == nil {
		return redirectDone(w, r, backToQueue(r), done)
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	q := r.URL.Query()
	q.Set("status", r.PostForm.Get("status"))
	r.URL.RawQuery = q.Encode()
	page, perr := ui.requestsView(r, rq, map[string]*form{id: f})
	if perr != nil {
		return perr
	}
	if !slices.ContainsFunc(page.Requests, func(x requestRow) bool { return x.ID == id }) {
		// The request is not on this page (decided meanwhile, or never
		// the user's to see): say so above the queue.
		if se, ok := service.AsError(err); ok && se.Kind == service.KindNotFound {
			return errPageNotFound
		}
		page.Notice = ""
	}
	ui.render(w, r, rq, statusOf(err), "admin_requests", "Access requests", page)
	return nil
}

func (ui *UI) approveRequest(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "level", "until")
	f.Values["action"] = "approve"
	return ui.decide(w, r, rq, f, "approved", func(id string) error {
		d := service.Decision{Level: f.Get("level")}
		if v := f.Get("until"); v != "" {
			day, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return &service.Error{Kind: service.KindInvalid, Code: "validation_failed", Field: "until", Message: "give a date as YYYY-MM-DD"}
			}
			// Until a day means through its end, in UTC.
			end := day.AddDate(0, 0, 1)
			d.Until = &end
		}
		_, err := ui.svc.ApproveAccessRequest(r.Context(), rq.actor, id, d)
		return err
	})
}

func (ui *UI) rejectRequest(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "reason")
	f.Values["action"] = "reject"
	return ui.decide(w, r, rq, f, "rejected", func(id string) error {
		_, err := ui.svc.RejectAccessRequest(r.Context(), rq.actor, id, service.Decision{Reason: f.Get("reason")})
		return err
	})
}

func (ui *UI) revokeRequest(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "reason")
	f.Values["action"] = "revoke"
	return ui.decide(w, r, rq, f, "revoked", func(id string) error {
		_, err := ui.svc.RevokeAccessGrant(r.Context(), rq.actor, id, f.Get("reason"))
		return err
	})
}

func (ui *UI) createRelation(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "kind", "approver_group")
	f.Values["requester_groups"] = ""
	requesters := r.PostForm["requester_groups"]
	_, err := ui.svc.CreateApprovalRelation(r.Context(), rq.actor, service.ApprovalInput{Kind: f.Get("kind"), RequesterGroups: requesters, ApproverGroup: f.Get("approver_group")})
	if err == nil {
		return redirectDone(w, r, "/ui/admin/requests", "relation")
	}
	if se, ok := service.AsError(err); ok && se.Kind == service.KindForbidden {
		return errPageNotFound
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	page, perr := ui.requestsView(r, rq, nil)
	if perr != nil {
		return perr
	}
	page.Relation = f
	for _, g := range requesters {
		page.Requesters[g] = true
	}
	ui.render(w, r, rq, statusOf(err), "admin_requests", "Access requests", page)
	return nil
}

func (ui *UI) deleteRelation(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	if err := ui.svc.DeleteApprovalRelation(r.Context(), rq.actor, r.PathValue("id")); err != nil {
		return err
	}
	return redirectDone(w, r, "/ui/admin/requests", "relation-deleted")
}
