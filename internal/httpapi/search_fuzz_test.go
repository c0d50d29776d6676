package httpapi

import (
	"net/url"
	"testing"

	"atrium/internal/service"
)

// FuzzParseSearch: any query string either parses or is a 400 naming a
// parameter; it never panics.
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"q=sunset&sort=-title", "field.camera=Nikon&limit=5", "created_after=2026-01-01T00:00:00Z", "workspace=a&workspace=b", "limit=99999", "%zz", "field.=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseSearch(v)
		if err != nil {
			he, ok := err.(*httpError)
			if !ok || he.status != 400 || he.code != "invalid_query" {
				t.Fatalf("parseSearch(%q) = %v, want a 400 invalid_query", raw, err)
			}
			return
		}
		if q.Limit < 0 || q.Limit > service.MaxPage {
			t.Fatalf("parseSearch(%q) accepted limit %d", raw, q.Limit)
		}
	})
}
