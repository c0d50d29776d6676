package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"atrium/internal/authz"
	"atrium/internal/service"
)

// RevisionHeader asks for a read that reflects at least the revision it
// names (the "revision" of an earlier response); the at_least_revision
// query parameter does the same.
const RevisionHeader = "Atrium-At-Least-Revision"

func atLeastRevision(r *http.Request) string {
	if v := r.Header.Get(RevisionHeader); v != "" {
		return v
	}
	return r.URL.Query().Get("at_least_revision")
}

// searchParams document GET /api/v1/search; parseSearch reads them.
var searchParams = []param{
	{Name: "q", Description: "words that must all occur in the title, description or keywords (whole words, any case)"},
	{Name: "workspace", Description: "only records of this workspace; repeat for any of several"},
	{Name: "collection", Description: "only records of this collection"},
	{Name: "media_type", Description: "image, video, audio or document; repeat for any of several"},
	{Name: "field.NAME", Description: "custom field NAME equals the value (any case), e.g. field.camera=Nikon Z9; repeat for several fields"},
	{Name: "created_after", Description: "RFC 3339 time or YYYY-MM-DD; created at or after it"},
	{Name: "created_before", Description: "RFC 3339 time or YYYY-MM-DD; created before it"},
	{Name: "updated_after", Description: "as created_after, for the last change"},
	{Name: "updated_before", Description: "as created_before, for the last change"},
	{Name: "sort", Description: "created, updated or title; '-' in front for descending (default -created)"},
	{Name: "permission", Description: "records you hold this permission on instead of can_view (e.g. can_edit)"},
	{Name: "limit", Description: "page size, 1 to 1000 (default 100)", Type: "integer"},
	{Name: "cursor", Description: "next_cursor of the previous page (same query and sort)"},
}

// searchSingle: the parameters above that take one value; the others
// (workspace, media_type, field.NAME) may repeat.
var searchSingle = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range searchParams {
		switch p.Name {
		case "workspace", "media_type", "field.NAME":
		default:
			m[p.Name] = true
		}
	}
	return m
}()

func queryError(field, format string, args ...any) error {
	return badRequest("invalid_query", field, format, args...)
}

// parseSearch reads a search's query parameters. Unknown parameters are
// errors rather than ignored: a misspelt filter must not silently widen a
// search.
func parseSearch(v url.Values) (service.SearchQuery, error) {
	var q service.SearchQuery
	for name, vals := range v {
		switch {
		case name == "workspace" || name == "media_type" || name == "at_least_revision":
		case strings.HasPrefix(name, "field."):
			if len(vals) > 1 {
				return q, queryError(name, "%s is given %d times; a field has one value", name, len(vals))
			}
			if q.Fields == nil {
				q.Fields = map[string]string{}
			}
			q.Fields[strings.TrimPrefix(name, "field.")] = vals[0]
		case searchSingle[name]:
			if len(vals) > 1 {
				return q, queryError(name, "%s is given %d times; it takes one value", name, len(vals))
			}
		default:
			return q, queryError(name, "unknown search parameter %q", name)
		}
	}
	q.Text, q.Collection, q.Sort, q.Cursor = v.Get("q"), v.Get("collection"), v.Get("sort"), v.Get("cursor")
	q.Workspaces, q.MediaTypes = v["workspace"], v["media_type"]
	if p := v.Get("permission"); p != "" {
		perm, err := authz.ParsePermission(p)
		if err != nil {
			return q, queryError("permission", "unknown permission %q", p)
		}
		q.Permission = perm
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > service.MaxPage {
			return q, queryError("limit", "limit must be a whole number from 1 to %d", service.MaxPage)
		}
		q.Limit = n
	}
	for _, t := range []struct {
		name string
		into *time.Time
	}{{"created_after", &q.CreatedAfter}, {"created_before", &q.CreatedBefore}, {"updated_after", &q.UpdatedAfter}, {"updated_before", &q.UpdatedBefore}} {
		var err error
		if *t.into, err = timeParam(v, t.name); err != nil {
			return q, err
		}
	}
	return q, nil
}

// timeParam reads query parameter name as an RFC 3339 time or a date; an
// absent parameter is the zero time.
func timeParam(v url.Values, name string) (time.Time, error) {
	s := v.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if tm, err = time.Parse(time.DateOnly, s); err != nil {
			return time.Time{}, queryError(name, "%s must be an RFC 3339 time (2026-01-31T12:00:00Z) or a date (2026-01-31)", name)
		}
	}
	return tm, nil
}
