package web

import (
	"net/http"
	"strconv"
)

// ---- /ui/admin/usage: the plan's limits and what the account uses of
// them (billing or manage_settings)

type usageRow struct {
	ID, What, Used, Limit string
	// Value and Max feed a meter when there is a limit.
	Value, Max int64
}

type usagePage struct {
	Rows []usageRow
	// LinkDays is how long a share link may stay valid (0: no bound).
	LinkDays int
	Files    int
}

func (ui *UI) usagePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	u, err := ui.svc.AccountUsage(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	count := func(n int64) string { return strconv.FormatInt(n, 10) }
	row := func(id, what string, used, limit int64, show func(int64) string) usageRow {
		ur := usageRow{ID: id, What: what, Used: show(used), Limit: "no limit", Value: used}
		if limit > 0 {
			ur.Limit, ur.Max = show(limit), limit
		}
		return ur
	}
	l := u.Limits
	page := usagePage{LinkDays: l.MaxShareLinkDays, Files: int(u.Storage.Files), Rows: []usageRow{
		row("users", "Active users", int64(u.ActiveUsers), int64(l.MaxUsers), count),
		row("workspaces", "Workspaces", int64(u.Workspaces), int64(l.MaxWorkspaces), count),
		row("storage", "Storage", u.Storage.Bytes, l.MaxStorageBytes, humanBytes),
		row("share-links", "Share links in force", int64(u.ShareLinks), int64(l.MaxShareLinks), count),
	}}
	ui.render(w, r, rq, http.StatusOK, "admin_usage", "Plan and usage", page)
	return nil
}
