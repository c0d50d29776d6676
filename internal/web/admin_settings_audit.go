package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// ---- /ui/admin/audit: the account's audit log, newest first, with
// filters (view_audit)

// auditPageSize is how many events the log shows at once.
const auditPageSize = 50

var auditQuery = []string{"actor", "target", "type", "from", "to"}

type auditRow struct {
	domain.AuditEvent
	ActorName, TargetName string
	// Details are the event's details as "key: value", by key.
	Details []string
	// ActorURL, TypeURL and TargetURL filter the log by them.
	ActorURL, TypeURL, TargetURL string
}

type auditPage struct {
	Form       *form
	Events     []auditRow
	Searched   bool
	NextURL    string
	FirstURL   string
	ExportURL  string
	FiltersSet bool
}

func (ui *UI) auditPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := newForm()
	for _, n := range auditQuery {
		f.Values[n] = strings.TrimSpace(q.Get(n))
	}
	aq := service.AuditQuery{Target: f.Get("target"), Type: f.Get("type"), Cursor: q.Get("cursor"), Limit: auditPageSize}
	// The permission first: a user without it learns nothing, not even
	// whether a username exists.
	if _, err := ui.svc.ListAudit(ctx, rq.actor, service.AuditQuery{Limit: 1}); err != nil {
		return err
	}
	if v := f.Get("actor"); v != "" {
		u, err := ui.svc.FindUser(ctx, rq.actor, v)
		switch se, ok := service.AsError(err); {
		case err == nil:
			aq.Actor = u.ID
		case ok && se.Kind == service.KindNotFound && strings.HasPrefix(v, "user_"):
			aq.Actor = v // an id, perhaps of a user since deleted
		case ok && se.Kind == service.KindNotFound:
			f.Errors["actor"] = "No user of this account has this username."
		default:
			return err
		}
	}
	for _, n := range []string{"from", "to"} {
		if v := f.Get(n); v != "" {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				f.Errors[n] = "Give a date as YYYY-MM-DD."
				continue
			}
			if n == "from" {
				aq.From = t
			} else {
				// To a day means through its end: the log's bound is
				// exclusive.
				aq.To = t.AddDate(0, 0, 1)
			}
		}
	}
	page := auditPage{Form: f}
	for _, n := range auditQuery {
		page.FiltersSet = page.FiltersSet || f.Get(n) != ""
	}
	status := http.StatusOK
	if !f.Invalid() {
		res, err := ui.svc.ListAudit(ctx, rq.actor, aq)
		switch se, ok := service.AsError(err); {
		case err == nil:
			page.Searched = true
			if err := ui.auditRows(r, rq, &page, res.Events); err != nil {
				return err
			}
			if res.NextCursor != "" {
				page.NextURL = auditURL(f, res.NextCursor)
			}
			if aq.Cursor != "" {
				page.FirstURL = auditURL(f, "")
			}
			page.ExportURL = exportURL(aq)
		case ok && se.Field == "cursor":
			f.Error = "This page of the log has expired. Start again from the newest events."
		case !ui.formFailure(f, err, nil):
			return err
		}
	}
	if f.Invalid() {
		status = http.StatusBadRequest
	}
	ui.render(w, r, rq, status, "admin_audit", "Audit log", page)
	return nil
}

// auditRows names the actors and the user targets of a page of events,
// read at once.
func (ui *UI) auditRows(r *http.Request, rq *request, page *auditPage, evs []domain.AuditEvent) error {
	var users []string
	for _, ev := range evs {
		users = append(users, ev.Actor)
		if id, ok := strings.CutPrefix(ev.Target, "user:"); ok {
			users = append(users, id)
		}
	}
	n, err := ui.loadNames(r, rq, users, false)
	if err != nil {
		return err
	}
	with := func(key, value string) string {
		f := newForm()
		for _, k := range auditQuery {
			f.Values[k] = page.Form.Get(k)
		}
		f.Values[key] = value
		return auditURL(f, "")
	}
	for _, ev := range evs {
		row := auditRow{AuditEvent: ev, ActorName: n.user(ev.Actor), TargetName: ev.Target, TypeURL: with("type", ev.Type), TargetURL: with("target", ev.Target)}
		if ev.Actor != "" {
			actor := ev.Actor
			if u, ok := n.users[ev.Actor]; ok {
				actor = u.Username
			}
			row.ActorURL = with("actor", actor)
		}
		if id, ok := strings.CutPrefix(ev.Target, "user:"); ok {
			if _, known := n.users[id]; known {
				row.TargetName = "user " + n.user(id)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(ev.Detail)) {
			row.Details = append(row.Details, k+": "+ev.Detail[k])
		}
		page.Events = append(page.Events, row)
	}
	return nil
}

// auditURL is the log with the form's filters and a page.
func auditURL(f *form, cursor string) string {
	v := url.Values{}
	for _, n := range auditQuery {
		if s := f.Get(n); s != "" {
			v.Set(n, s)
		}
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return "/ui/admin/audit"
	}
	return "/ui/admin/audit?" + v.Encode()
}

// exportURL is the API's GET /api/v1/audit with the same filters, a
// page of up to 1000 events as JSON (the browser's session reads it).
func exportURL(q service.AuditQuery) string {
	v := url.Values{"limit": {"1000"}}
	for k, s := range map[string]string{"actor": q.Actor, "target": q.Target, "type": q.Type} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.From.IsZero() {
		v.Set("from", q.From.Format(time.RFC3339))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.Format(time.RFC3339))
	}
	return "/api/v1/audit?" + v.Encode()
}
