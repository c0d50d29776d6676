package authz_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"atrium/internal/authz"
)

// searchFixture: account a1 with workspaces w1 (u1 viewer) and w2 (no
// role for u1; r5 shared with u1 by ACL), a collection c1, and account a2
// whose record must never appear for a1's users.
func searchFixture(t *testing.T) *authz.Engine {
	t.Helper()
	e := authz.New()
	meta := func(title string, created int64, mtype string, kw ...string) authz.RecordMeta {
		return authz.RecordMeta{Title: title, Created: created, Updated: 1000 - created, MediaType: mtype, Keywords: kw}
	}
	ops := []authz.Op{
		authz.PutAccount{ID: "a1"}, authz.PutAccount{ID: "a2"},
		authz.PutUser{ID: "u1", Account: "a1", Active: true},
		authz.PutUser{ID: "u2", Account: "a1", Active: true},
		authz.PutUser{ID: "x1", Account: "a2", Active: true, Roles: authz.Roles(0).With(authz.RoleOwner)},
		authz.PutWorkspace{ID: "w1", Account: "a1", Members: []authz.RoleGrant{{Subject: u("u1"), Role: authz.Viewer}}},
		authz.PutWorkspace{ID: "w2", Account: "a1"},
		authz.PutWorkspace{ID: "x", Account: "a2"},
		authz.PutRecord{ID: "r1", Workspace: "w1", Meta: meta("Urban Sunset", 10, "image", "city")}, // 1 2
		authz.PutRecord{ID: "r2", Workspace: "w1", Meta: authz.RecordMeta{Title: "blue studio", Created: 20, Updated: 980, MediaType: "video", Fields: map[string]string{"Camera": "Nikon Z9"}}},
		authz.PutRecord{ID: "r3", Workspace: "w1", Meta: meta("sunset over sea", 30, "image")},
		authz.PutRecord{ID: "r4", Workspace: "w2", Meta: meta("sunset hidden", 40, "image")},
		authz.PutRecord{ID: "r5", Workspace: "w2", Meta: meta("Aardvark sunset", 50, "audio"), ACL: []authz.ACLEntry{{Subject: u("u1"), Level: 1}}},
		authz.PutRecord{ID: "rx", Workspace: "x", Meta: meta("sunset elsewhere", 5, "image")},
		authz.PutCollection{ID: "c1", Workspace: "w1", Records: []string{"r1", "r3", "r4", "rx", "nope"}},
		authz.PutCollection{ID: "cx", Workspace: "x", Records: []string{"rx"}},
	}
	if err := e.Apply(1, ops...); err != nil {
		t.Fatal(err)
	}
	return e
}

func searchAll(t *testing.T, e *authz.Engine, user string, q authz.SearchQuery) ([]string, int) {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 2
	}
	var ids []string
	total := -1
	for range 5000 {
		p, err := e.Search(user, q)
		if err != nil {
			t.Fatalf("search %+v: %v", q, err)
		}
		if total >= 0 && p.Total != total {
			t.Fatalf("total changed between pages: %d then %d", total, p.Total)
		}
		total = p.Total
		ids = append(ids, p.IDs...)
		if p.NextCursor == "" {
			return ids, total
		}
		q.Cursor = p.NextCursor
	}
	t.Fatal("search did not end")
	return nil, 0
}

func TestSearch(t *testing.T) {
	e := searchFixture(t)
	tests := []struct {
		name string
		user string
		q    authz.SearchQuery
		want []string
	}{
		{"everything a user can view comes newest first when sorted by created descending", "u1", authz.SearchQuery{Desc: true}, []string{"r5", "r3", "r2", "r1"}},
		{"text matches whole words in any case", "u1", authz.SearchQuery{Text: "SUNSET"}, []string{"r1", "r3", "r5"}},
		{"every word of the text must match", "u1", authz.SearchQuery{Text: "sunset sea"}, []string{"r3"}},
		{"keywords are searched too", "u1", authz.SearchQuery{Text: "city"}, []string{"r1"}},
		{"a word nobody has matches nothing", "u1", authz.SearchQuery{Text: "sunrise"}, nil},
		{"a workspace filter keeps that workspace's visible records", "u1", authz.SearchQuery{Workspaces: []string{"w2"}}, []string{"r5"}},
		{"another account's workspace matches nothing", "u1", authz.SearchQuery{Workspaces: []string{"x"}}, nil},
		{"a collection filter keeps its visible records only", "u1", authz.SearchQuery{Collection: "c1"}, []string{"r1", "r3"}},
		{"another account's collection matches nothing", "u1", authz.SearchQuery{Collection: "cx"}, nil},
		{"media types are alternatives", "u1", authz.SearchQuery{MediaTypes: []string{"video", "audio"}}, []string{"r2", "r5"}},
		{"field values compare without case", "u1", authz.SearchQuery{Fields: map[string]string{"camera": "nikon z9"}}, []string{"r2"}},
		{"a created range is from inclusive to exclusive", "u1", authz.SearchQuery{Created: authz.TimeRange{From: 20, To: 50}}, []string{"r2", "r3"}},
		{"an updated range without an end is open", "u1", authz.SearchQuery{Updated: authz.TimeRange{From: 975}}, []string{"r1", "r2"}},
		{"titles sort without case", "u1", authz.SearchQuery{Sort: authz.SortTitle}, []string{"r5", "r2", "r3", "r1"}},
		{"updated sorts descending", "u1", authz.SearchQuery{Sort: authz.SortUpdated, Desc: true}, []string{"r1", "r2", "r3", "r5"}},
		{"can_edit narrows to what the user may edit", "u1", authz.SearchQuery{Permission: authz.CanEdit}, nil},
		{"a user with no grant finds nothing", "u2", authz.SearchQuery{Text: "sunset"}, nil},
		{"an unknown user finds nothing", "nobody", authz.SearchQuery{}, nil},
		{"the other account's owner sees only its own", "x1", authz.SearchQuery{Text: "sunset"}, []string{"rx"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total := searchAll(t, e, tt.user, tt.q)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if total != len(tt.want) {
				t.Fatalf("total %d, want %d", total, len(tt.want))
			}
		})
	}
}

func TestSearchRejectsACursorOfAnotherOrderOrEngine(t *testing.T) {
	e := searchFixture(t)
	p, err := e.Search("u1", authz.SearchQuery{Limit: 1})
	if err != nil || p.NextCursor == "" {
		t.Fatalf("first page: %v %+v", err, p)
	}
	for name, q := range map[string]authz.SearchQuery{
		"another sort":      {Limit: 1, Cursor: p.NextCursor, Sort: authz.SortTitle},
		"another direction": {Limit: 1, Cursor: p.NextCursor, Desc: true},
		"garbage":           {Limit: 1, Cursor: "zzz"},
	} {
		if _, err := e.Search("u1", q); !errors.Is(err, authz.ErrBadCursor) {
			t.Errorf("%s: err = %v, want ErrBadCursor", name, err)
		}
	}
	if _, err := searchFixture(t).Search("u1", authz.SearchQuery{Limit: 1, Cursor: p.NextCursor}); !errors.Is(err, authz.ErrBadCursor) {
		t.Errorf("another engine's cursor: err = %v, want ErrBadCursor", err)
	}
}

func TestSearchFollowsWrites(t *testing.T) {
	e := searchFixture(t)
	e.PrepareSearch() // the sort orders are maintained from here on
	steps := []struct {
		name string
		ops  []authz.Op
		q    authz.SearchQuery
		want []string
	}{
		{"a renamed record is found by its new title only",
			[]authz.Op{authz.PutRecord{ID: "r1", Workspace: "w1", Meta: authz.RecordMeta{Title: "zebra crossing", Created: 10}}},
			authz.SearchQuery{Text: "sunset"}, []string{"r3", "r5"}},
		{"and sorts under its new title",
			nil, authz.SearchQuery{Sort: authz.SortTitle}, []string{"r5", "r2", "r3", "r1"}},
		{"a deleted record leaves every index",
			[]authz.Op{authz.DeleteObject{Ref: R("r3")}}, authz.SearchQuery{Sort: authz.SortTitle, Desc: true}, []string{"r1", "r2", "r5"}},
		{"a record added to the collection is found in it",
			[]authz.Op{authz.PutCollection{ID: "c1", Workspace: "w1", Records: []string{"r2"}}}, authz.SearchQuery{Collection: "c1"}, []string{"r2"}},
		{"a revoked ACL entry hides the record",
			[]authz.Op{authz.PutRecord{ID: "r5", Workspace: "w2", Meta: authz.RecordMeta{Title: "Aardvark sunset", Created: 50}}}, authz.SearchQuery{}, []string{"r2", "r1"}},
	}
	for i, st := range steps {
		if err := e.Apply(uint64(i+2), st.ops...); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, _ := searchAll(t, e, "u1", st.q)
		if st.q.Sort == authz.SortCreated && !st.q.Desc {
			slices.Sort(got) // created ties do not matter here
			slices.Sort(st.want)
		}
		if !slices.Equal(got, st.want) {
			t.Fatalf("%s: got %v, want %v", st.name, got, st.want)
		}
	}
}

// TestSearchAgreesWithChecks compares search against a brute force over
// every record: Check for the permission, the filters written out plainly,
// and a sort on the keys with ties in creation order. Both ways of paging
// (walking the sort order, sorting the matches) are reached by the sizes.
// Search against Check and a brute-force filter and sort, on records whose
// times are consistent (updated never before created, which lets a range on
// one time bound a walk in the order of the other) and on records whose
// times are not.
func TestSearchAgreesWithChecks(t *testing.T) {
	for _, consistent := range []bool{true, false} {
		t.Run(fmt.Sprintf("consistent times %v", consistent), func(t *testing.T) {
			searchAgreesWithChecks(t, authz.New(), consistent)
		})
		// Buckets 8 units wide, used for every time range: ranges cover
		// some whole and cut through others, and writes after the build
		// move records between buckets.
		t.Run(fmt.Sprintf("time ranges through buckets, consistent times %v", consistent), func(t *testing.T) {
			searchAgreesWithChecks(t, authz.NewWithTimeBuckets(3), consistent)
		})
	}
}

func searchAgreesWithChecks(t *testing.T, e *authz.Engine, consistent bool) {
	rng := rand.New(rand.NewPCG(7, 7))
	// Titles of several words share their first 8 bytes often: the title
	// order compares whole titles after the prefix.
	words := []string{"sun", "sea", "city", "night", "blue", "red", "sunset", "sunsets"}
	types := []string{"image", "video", "audio"}
	ops := []authz.Op{authz.PutAccount{ID: "a"}}
	for i := range 4 {
		ops = append(ops, authz.PutUser{ID: fmt.Sprintf("u%d", i), Account: "a", Active: true})
	}
	ops = append(ops,
		authz.PutWorkspace{ID: "w0", Account: "a", Members: []authz.RoleGrant{{Subject: u("u0"), Role: authz.Viewer}, {Subject: u("u1"), Role: authz.Editor}}},
		authz.PutWorkspace{ID: "w1", Account: "a", Members: []authz.RoleGrant{{Subject: u("u1"), Role: authz.Contributor}}},
		authz.PutWorkspace{ID: "w2", Account: "a"},
	)
	type rec struct {
		id string
		authz.RecordMeta
		ws  string
		acl []authz.ACLEntry
	}
	times := func(m *authz.RecordMeta) {
		m.Created, m.Updated = rng.Int64N(500), rng.Int64N(500)
		if consistent {
			m.Updated = m.Created + rng.Int64N(40)
		}
	}
	var recs []rec
	for i := range 3000 {
		m := authz.RecordMeta{
			Title:     words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))],
			MediaType: types[rng.IntN(len(types))],
			Fields:    map[string]string{"n": fmt.Sprint(rng.IntN(3))},
		}
		times(&m)
		r := rec{id: fmt.Sprintf("r%04d", i), RecordMeta: m, ws: fmt.Sprintf("w%d", rng.IntN(3))}
		if rng.IntN(10) == 0 {
			r.acl = append(r.acl, authz.ACLEntry{Subject: u(fmt.Sprintf("u%d", rng.IntN(4))), Level: authz.Level(1 + rng.IntN(2))})
		}
		recs = append(recs, r)
		ops = append(ops, authz.PutRecord{ID: r.id, Workspace: r.ws, Meta: m, ACL: r.acl})
	}
	if err := e.Apply(1, ops...); err != nil {
		t.Fatal(err)
	}
	// Writes after the search indexes are built: new times for some
	// records, others deleted (the checks below leave those out).
	e.PrepareSearch()
	ops = ops[:0]
	deleted := map[string]bool{}
	for range 400 {
		r := &recs[rng.IntN(len(recs))]
		if deleted[r.id] {
			continue // a record put again takes a new place in the orders' ties
		}
		if rng.IntN(4) == 0 {
			ops = append(ops, authz.DeleteObject{Ref: R(r.id)})
			deleted[r.id] = true
			continue
		}
		times(&r.RecordMeta)
		ops = append(ops, authz.PutRecord{ID: r.id, Workspace: r.ws, Meta: r.RecordMeta, ACL: r.acl})
	}
	if err := e.Apply(2, ops...); err != nil {
		t.Fatal(err)
	}
	for n := range 600 {
		q := authz.SearchQuery{Sort: authz.SortKey(rng.IntN(3)), Desc: rng.IntN(2) == 0, Limit: 1 + rng.IntN(150)}
		if rng.IntN(3) == 0 {
			q.Limit = 1000 // one page
		}
		user := fmt.Sprintf("u%d", rng.IntN(4))
		if rng.IntN(2) == 0 {
			q.Permission = authz.CanEdit
		}
		if rng.IntN(3) == 0 {
			q.Text = words[rng.IntN(len(words))]
		}
		if rng.IntN(4) == 0 {
			q.MediaTypes = []string{types[rng.IntN(3)]}
		}
		if rng.IntN(4) == 0 {
			q.Workspaces = []string{"w0"}
		}
		if rng.IntN(4) == 0 {
			q.Fields = map[string]string{"n": "1"}
		}
		if rng.IntN(3) == 0 {
			q.Created = authz.TimeRange{From: rng.Int64N(250), To: 250 + rng.Int64N(250)}
		}
		if rng.IntN(4) == 0 {
			q.Updated = authz.TimeRange{From: rng.Int64N(250)}
			if rng.IntN(2) == 0 {
				q.Updated.To = 250 + rng.Int64N(250)
			}
		}
		perm := q.Permission
		if perm == 0 {
			perm = authz.CanView
		}
		var want []int
		for i, r := range recs {
			ok := e.Check(user, perm, R(r.id)) &&
				(q.Text == "" || slices.Contains(strings.Fields(r.Title), q.Text)) &&
				(q.MediaTypes == nil || r.MediaType == q.MediaTypes[0]) &&
				(q.Workspaces == nil || r.ws == q.Workspaces[0]) &&
				(q.Fields == nil || r.Fields["n"] == "1") &&
				(q.Created.From == 0 && q.Created.To == 0 || r.Created >= q.Created.From && r.Created < q.Created.To) &&
				(q.Updated.From == 0 && q.Updated.To == 0 || r.Updated >= q.Updated.From && (q.Updated.To == 0 || r.Updated < q.Updated.To))
			if ok {
				want = append(want, i)
			}
		}
		key := func(i int) string {
			switch q.Sort {
			case authz.SortTitle:
				return recs[i].Title
			case authz.SortUpdated:
				return fmt.Sprintf("%08d", recs[i].Updated)
			}
			return fmt.Sprintf("%08d", recs[i].Created)
		}
		slices.SortFunc(want, func(a, b int) int {
			c := strings.Compare(key(a), key(b))
			if c == 0 {
				c = a - b
			}
			if q.Desc {
				c = -c
			}
			return c
		})
		wantIDs := []string{}
		for _, i := range want {
			wantIDs = append(wantIDs, recs[i].id)
		}
		got, total := searchAll(t, e, user, q)
		if got == nil {
			got = []string{}
		}
		if !slices.Equal(got, wantIDs) || total != len(wantIDs) {
			t.Fatalf("query %d %+v for %s: got %d ids (total %d), want %d\ngot  %.20v\nwant %.20v", n, q, user, len(got), total, len(wantIDs), got, wantIDs)
		}
	}
}
