package httpapi

import (
	"net/url"
	"strconv"

	"atrium/internal/service"
)

// auditParams document GET /api/v1/audit; parseAudit reads them.
var auditParams = []param{
	{Name: "actor", Description: "only events by this user id"},
	{Name: "target", Description: "only events on this target, e.g. user:ID, record:ID, token:ID"},
	{Name: "type", Description: "only events of this type, e.g. auth.login, user.update, acl.batch"},
	{Name: "from", Description: "RFC 3339 time or YYYY-MM-DD; events at or after it"},
	{Name: "to", Description: "RFC 3339 time or YYYY-MM-DD; events before it"},
	{Name: "limit", Description: "page size, 1 to 1000 (default 100)", Type: "integer"},
	{Name: "cursor", Description: "next_cursor of the previous page (same filters)"},
}

// parseAudit reads the audit log's query parameters; unknown or repeated
// parameters are errors, as for search.
func parseAudit(v url.Values) (service.AuditQuery, error) {
	var q service.AuditQuery
	known := map[string]bool{"at_least_revision": true}
	for _, p := range auditParams {
		known[p.Name] = true
	}
	for name, vals := range v {
		if !known[name] {
			return q, queryError(name, "unknown audit parameter %q", name)
		}
		if len(vals) > 1 {
			return q, queryError(name, "%s is given %d times; it takes one value", name, len(vals))
		}
	}
	q.Actor, q.Target, q.Type, q.Cursor = v.Get("actor"), v.Get("target"), v.Get("type"), v.Get("cursor")
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > service.MaxAuditPage {
			return q, queryError("limit", "limit must be a whole number from 1 to %d", service.MaxAuditPage)
		}
		q.Limit = n
	}
	var err error
	if q.From, err = timeParam(v, "from"); err != nil {
		return q, err
	}
	if q.To, err = timeParam(v, "to"); err != nil {
		return q, err
	}
	return q, nil
}
