package httpapi

import (
	"net/url"
	"testing"
)

// FuzzParseModeration: any query string of the moderation queue either
// parses or is a 400 invalid_query naming a parameter; it never panics.
func FuzzParseModeration(f *testing.F) {
	for _, s := range []string{"mine=true&limit=5", "cursor=12.record.r1", "limit=0", "limit=1001", "mine=perhaps", "status=held", "mine=1&mine=0", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseModeration(v)
		if err != nil {
			he, ok := err.(*httpError)
			if !ok {
				t.Fatalf("parseModeration(%q) = %v, not an HTTP error", raw, err)
			}
			if _, given := v[he.field]; he.status != 400 || he.code != "invalid_query" || !given {
				t.Fatalf("parseModeration(%q) = %v, want a 400 invalid_query naming one of its parameters", raw, err)
			}
			return
		}
		if q.Limit < 0 || q.Limit > 1000 {
			t.Fatalf("parseModeration(%q) accepted limit %d", raw, q.Limit)
		}
	})
}
