package httpapi_test

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"atrium/internal/domain"
)

// searchLibrary: Alpha's owner alice makes workspace news (carol viewer)
// and vault (no role for carol) with records; one vault record is shared
// with carol by ACL. Beta has a "sunset" record of its own.
type searchLibrary struct {
	f                          *fixture
	carol                      *member
	news, vault, coll          string
	sunset, harbour, beach, sh string // news: sunset, harbour, beach; vault: shared (sh), hidden
	hidden, beta               string
}

func newSearchLibrary(t *testing.T) *searchLibrary {
	t.Helper()
	f := newFixture(t)
	l := &searchLibrary{f: f}
	alice := f.A.Owner
	l.carol = f.addUser(t, f.A, "carol")
	l.news = mkWorkspace(t, alice.client, "News", grant{"user:" + l.carol.ID, "viewer"})
	l.vault = mkWorkspace(t, alice.client, "Vault")
	rec := func(ws string, body obj) string {
		body["workspace"] = ws
		var r domain.Record
		alice.do(t, "POST", "/api/v1/records", body).ok(t, 201).decode(t, &r)
		return r.ID
	}
	l.sunset = rec(l.news, obj{"title": "Urban sunset", "media_type": "image", "keywords": []string{"city"}, "fields": obj{"camera": "Nikon Z9"}})
	l.harbour = rec(l.news, obj{"title": "Harbour at dawn", "media_type": "video", "description": "Boats leave before the sunset crowd"})
	l.beach = rec(l.news, obj{"title": "beach", "media_type": "image"})
	l.sh = rec(l.vault, obj{"title": "Sunset over the vault", "media_type": "image", "acl": []entry{{"user:" + l.carol.ID, []string{"view"}}}})
	l.hidden = rec(l.vault, obj{"title": "Sunset secret", "media_type": "image", "acl": []entry{}})
	var br domain.Record
	f.B.Owner.do(t, "POST", "/api/v1/records", obj{"workspace": mkWorkspace(t, f.B.Owner.client, "B"), "title": "sunset of beta"}).ok(t, 201).decode(t, &br)
	l.beta = br.ID
	l.coll = mkCollection(t, alice.client, l.news, "Picks")
	for _, r := range []string{l.sunset, l.beach} {
		alice.do(t, "PUT", "/api/v1/collections/"+l.coll+"/records/"+r, nil).ok(t, 204)
	}
	return l
}

// search runs a search and returns the ids of the page and the total.
func search(t *testing.T, c *client, query string) ([]string, int, string) {
	t.Helper()
	var res struct {
		Records    []domain.Record `json:"records"`
		Total      int             `json:"total"`
		NextCursor string          `json:"next_cursor"`
	}
	c.get(t, "/api/v1/search?"+query).ok(t, 200).decode(t, &res)
	ids := []string{}
	for _, r := range res.Records {
		ids = append(ids, r.ID)
	}
	return ids, res.Total, res.NextCursor
}

func TestSearchFindsOnlyWhatTheCallerCanView(t *testing.T) {
	l := newSearchLibrary(t)
	tomorrow := time.Now().Add(24 * time.Hour).Format(time.DateOnly)
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"a word matches titles, descriptions and keywords the caller can view", "q=sunset&sort=title", []string{l.harbour, l.sh, l.sunset}},
		{"every word must match", "q=sunset+vault", []string{l.sh}},
		{"keywords are words too", "q=CITY", []string{l.sunset}},
		{"a workspace filter", "workspace=" + l.vault, []string{l.sh}},
		{"a collection filter", "collection=" + l.coll + "&sort=title", []string{l.beach, l.sunset}},
		{"media types are alternatives", "media_type=video&media_type=audio", []string{l.harbour}},
		{"a custom field equals a value in any case", "field.camera=nikon+z9", []string{l.sunset}},
		{"a created range that holds everything", "created_after=2020-01-01&created_before=" + tomorrow + "&sort=title", []string{l.beach, l.harbour, l.sh, l.sunset}},
		{"a created range in the future holds nothing", "created_after=" + tomorrow, []string{}},
		{"titles sort descending", "sort=-title", []string{l.sunset, l.sh, l.harbour, l.beach}},
		{"newest first by default", "", []string{l.sh, l.beach, l.harbour, l.sunset}},
		{"can_edit narrows to nothing for a viewer", "permission=can_edit", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, total, _ := search(t, l.carol.client, tt.query)
			if !slices.Equal(ids, tt.want) || total != len(tt.want) {
				t.Fatalf("got %v (total %d), want %v", ids, total, tt.want)
			}
		})
	}
}

func TestSearchPagesFollowTheSortWithAStableTotal(t *testing.T) {
	l := newSearchLibrary(t)
	var all []string
	cursor := ""
	for range 10 {
		q := "sort=title&limit=1"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		ids, total, next := search(t, l.carol.client, q)
		if total != 4 {
			t.Fatalf("total %d on a page, want 4", total)
		}
		all = append(all, ids...)
		if cursor = next; cursor == "" {
			break
		}
	}
	if want := []string{l.beach, l.harbour, l.sh, l.sunset}; !slices.Equal(all, want) {
		t.Fatalf("pages gave %v, want %v", all, want)
	}
}

func TestSearchStaysInTheAccount(t *testing.T) {
	l := newSearchLibrary(t)
	bob := l.f.B.Owner
	if ids, total, _ := search(t, bob.client, "q=sunset"); !slices.Equal(ids, []string{l.beta}) || total != 1 {
		t.Fatalf("bob finds %v (total %d), want only Beta's record", ids, total)
	}
	// Naming another account's workspace or collection is as naming
	// nothing that exists.
	bob.get(t, "/api/v1/search?workspace="+l.news).fails(t, 404, "not_found", "-")
	bob.get(t, "/api/v1/search?collection="+l.coll).fails(t, 404, "not_found", "-")
	bob.get(t, "/api/v1/search?workspace=ws_nope").fails(t, 404, "not_found", "-")
}

func TestSearchSeesWritesAtOnce(t *testing.T) {
	l := newSearchLibrary(t)
	alice := l.f.A.Owner
	alice.do(t, "PATCH", "/api/v1/records/"+l.beach, obj{"title": "Beach at sunset"}).ok(t, 200)
	if ids, _, _ := search(t, l.carol.client, "q=sunset&sort=title"); !slices.Equal(ids, []string{l.beach, l.harbour, l.sh, l.sunset}) {
		t.Fatalf("after the rename carol finds %v", ids)
	}
	alice.do(t, "PUT", "/api/v1/records/"+l.sh+"/acl", obj{"entries": []entry{}}).ok(t, 200)
	if ids, total, _ := search(t, l.carol.client, "workspace="+l.vault); len(ids) != 0 || total != 0 {
		t.Fatalf("after the ACL change carol still finds %v (total %d)", ids, total)
	}
	alice.do(t, "DELETE", "/api/v1/collections/"+l.coll+"/records/"+l.sunset, nil).ok(t, 204)
	if ids, _, _ := search(t, l.carol.client, "collection="+l.coll); !slices.Equal(ids, []string{l.beach}) {
		t.Fatalf("after removal from the collection carol finds %v", ids)
	}
}

func TestBadSearchesAreRejectedByName(t *testing.T) {
	l := newSearchLibrary(t)
	tests := []struct {
		name, query, field string
	}{
		{"an unknown parameter", "titel=x", "titel"},
		{"a repeated single parameter", "q=a&q=b", "q"},
		{"a bad date", "created_after=yesterday", "created_after"},
		{"an empty range", "created_after=2026-02-01&created_before=2026-01-01", "created_before"},
		{"an unknown sort", "sort=size", "sort"},
		{"an unknown media type", "media_type=hologram", "media_type"},
		{"a limit out of range", "limit=0", "limit"},
		{"a limit that is not a number", "limit=ten", "limit"},
		{"an unknown permission", "permission=can_fly", "permission"},
		{"a permission records do not have", "permission=can_download", "permission"},
		{"text without words", "q=%21%21%21", "q"},
		{"a cursor that is not ours", "cursor=abc", "cursor"},
		{"a field given twice", "field.camera=a&field.camera=b", "field.camera"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l.carol.get(t, "/api/v1/search?"+tt.query).fails(t, 400, "invalid_query", tt.field)
		})
	}
	t.Run("a cursor of another sort", func(t *testing.T) {
		_, _, next := search(t, l.carol.client, "sort=title&limit=1")
		l.carol.get(t, "/api/v1/search?sort=created&cursor="+url.QueryEscape(next)).fails(t, 400, "invalid_query", "cursor")
	})
}

func TestAReadCanAskForAtLeastARevision(t *testing.T) {
	l := newSearchLibrary(t)
	var created struct {
		Revision string `json:"revision"`
	}
	l.f.A.Owner.get(t, "/api/v1/me").ok(t, 200).decode(t, &created)
	if created.Revision == "" {
		t.Fatal("no revision in /me")
	}
	ids, _, _ := search(t, l.carol.client, "q=city&at_least_revision="+url.QueryEscape(created.Revision))
	if !slices.Equal(ids, []string{l.sunset}) {
		t.Fatalf("got %v", ids)
	}
	l.carol.do(t, "POST", "/api/v1/check", obj{"permission": "can_view", "object": "record:" + l.sunset}, header{"Atrium-At-Least-Revision", created.Revision}).ok(t, 200)
	l.carol.do(t, "POST", "/api/v1/check", obj{"permission": "can_view", "object": "record:" + l.sunset}, header{"Atrium-At-Least-Revision", "forged"}).fails(t, 400, "invalid_query", "at_least_revision")
}
