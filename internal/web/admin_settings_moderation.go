package web

import (
	"net/http"
	"net/url"
	"slices"

	"atrium/internal/service"
)

// ---- /ui/admin/moderation: held uploads, for the members of their
// approver groups; anyone else finds nothing here.

// moderationPageSize is how many held uploads the queue shows at once.
const moderationPageSize = 50

type heldRow struct {
	service.HeldItem
	Key          string // TYPE-ID, for the forms' ids
	UploaderName string
	Approvers    []string
	RecordURL    string
	Form         *form
}

type moderationPage struct {
	Notice   string
	Items    []heldRow
	NextURL  string
	FirstURL string
}

var moderationNotices = map[string]string{"published": "The upload is published.", "rejected": "The upload is rejected and deleted; the uploader is told why."}

func (ui *UI) moderationView(r *http.Request, rq *request, forms map[string]*form) (moderationPage, error) {
	ctx := r.Context()
	duties, err := ui.svc.MyDuties(ctx, rq.actor)
	if err != nil {
		return moderationPage{}, err
	}
	if !duties.Moderates {
		return moderationPage{}, errPageNotFound
	}
	cursor := r.URL.Query().Get("cursor")
	q, err := ui.svc.ListModeration(ctx, rq.actor, service.ModerationQuery{Limit: moderationPageSize, Cursor: cursor})
	if se, ok := service.AsError(err); ok && se.Field == "cursor" {
		return moderationPage{}, &pageError{status: http.StatusBadRequest, title: "This page of the queue has expired", msg: "Go back to the first page."}
	}
	if err != nil {
		return moderationPage{}, err
	}
	var users []string
	for _, it := range q.Items {
		users = append(users, it.Uploader)
	}
	n, err := ui.loadNames(r, rq, users, true)
	if err != nil {
		return moderationPage{}, err
	}
	var page moderationPage
	for _, it := range q.Items {
		row := heldRow{HeldItem: it, Key: it.ObjectType + "-" + it.ObjectID, UploaderName: n.user(it.Uploader),
			RecordURL: "/ui/records/" + url.PathEscape(it.RecordID), Form: forms[it.ObjectType+"-"+it.ObjectID]}
		if row.Form == nil {
			row.Form = newForm()
		}
		for _, g := range it.ApproverGroups {
			row.Approvers = append(row.Approvers, n.group(g))
		}
		page.Items = append(page.Items, row)
	}
	if q.NextCursor != "" {
		page.NextURL = "/ui/admin/moderation?cursor=" + url.QueryEscape(q.NextCursor)
	}
	if cursor != "" {
		page.FirstURL = "/ui/admin/moderation"
	}
	return page, nil
}

func (ui *UI) moderationPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	page, err := ui.moderationView(r, rq, nil)
	if err != nil {
		return err
	}
	page.Notice = notice(r, moderationNotices)
	ui.render(w, r, rq, http.StatusOK, "admin_moderation", "Uploads to moderate", page)
	return nil
}

// moderate runs a decision; a refusal shows the queue again with the
// error at the upload.
func (ui *UI) moderate(w http.ResponseWriter, r *http.Request, rq *request, f *form, done string, run func(typ, id string) error) error {
	typ, id := r.PathValue("type"), r.PathValue("id")
	err := run(typ, id)
	if err == nil {
		return redirectDone(w, r, "/ui/admin/moderation", done)
	}
	if se, ok := service.AsError(err); ok && se.Kind == service.KindNotFound {
		// Decided meanwhile, or never the user's to decide.
		return errPageNotFound
	}
	if !ui.formFailure(f, err, nil) {
		return err
	}
	page, perr := ui.moderationView(r, rq, map[string]*form{typ + "-" + id: f})
	if perr != nil {
		return perr
	}
	if !slices.ContainsFunc(page.Items, func(x heldRow) bool { return x.Key == typ+"-"+id }) {
		return &pageError{status: statusOf(err), title: "Not decided", msg: f.Error}
	}
	ui.render(w, r, rq, statusOf(err), "admin_moderation", "Uploads to moderate", page)
	return nil
}

func (ui *UI) publishHeld(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	return ui.moderate(w, r, rq, newForm(), "published", func(typ, id string) error {
		_, err := ui.svc.PublishHeld(r.Context(), rq.actor, typ, id)
		return err
	})
}

func (ui *UI) rejectHeld(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := parseForm(w, r, rq); err != nil {
		return err
	}
	f := formFrom(r, "reason")
	return ui.moderate(w, r, rq, f, "rejected", func(typ, id string) error {
		_, err := ui.svc.RejectHeld(r.Context(), rq.actor, typ, id, f.Get("reason"))
		return err
	})
}
