package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"atrium/internal/domain"
)

// newsroom is the README's walk-through: in Alpha, the owner alice makes
// users carol and dave, a group Newsroom holding carol, a workspace News
// the group may view, and three records: Press release (default ACL:
// everyone may view), Embargoed story (explicit empty ACL: only the
// workspace's members) and Brief for Dave (explicit ACL: dave alone).
type newsroom struct {
	*fixture
	carol, dave           *member
	group, news           string
	press, embargo, brief string
}

func newNewsroom(t *testing.T) *newsroom {
	f := newFixture(t)
	n := &newsroom{fixture: f}
	a := f.A.Owner.client
	n.carol = f.addUser(t, f.A, "carol")
	n.dave = f.addUser(t, f.A, "dave")
	n.group = mkGroup(t, a, "Newsroom", "user:"+n.carol.ID)
	n.news = mkWorkspace(t, a, "News")
	a.do(t, "PUT", "/api/v1/workspaces/"+n.news+"/members/group:"+n.group, obj{"role": "viewer"}).ok(t, 204)
	n.press = mkRecord(t, a, n.news, "Press release", nil)
	n.embargo = mkRecord(t, a, n.news, "Embargoed story", []entry{})
	n.brief = mkRecord(t, a, n.news, "Brief for Dave", []entry{{"user:" + n.dave.ID, []string{"view"}}})
	return n
}

func explain(t *testing.T, c *client, body obj) map[string]any {
	t.Helper()
	return c.do(t, "POST", "/api/v1/explain", body).ok(t, 200).m(t)
}

func check(t *testing.T, c *client, body obj) bool {
	t.Helper()
	var res struct {
		Allowed bool `json:"allowed"`
	}
	c.do(t, "POST", "/api/v1/check", body).ok(t, 200).decode(t, &res)
	return res.Allowed
}

// TestReadmeWalkthrough: two users of one account get different record
// listings and totals from the same workspace, and the engine's check,
// explain, objects and who routes agree with what they see.
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	n := newNewsroom(t)
	listings := []struct {
		name string
		c    *client
		want []string
	}{
		{"carol (a Newsroom member, viewer of News) sees all three records", n.carol.client, []string{n.press, n.embargo, n.brief}},
		{"dave (no group) sees the press release and his brief", n.dave.client, []string{n.press, n.brief}},
		{"the owner sees all three", n.A.Owner.client, []string{n.press, n.embargo, n.brief}},
		{"carol signed in by cookie sees the same as with her token", n.login(t, "carol"), []string{n.press, n.embargo, n.brief}},
	}
	for _, l := range listings {
		t.Run(l.name, func(t *testing.T) {
			ids, total := recordIDs(t, l.c, "")
			if !sameIDs(ids, l.want) || total != len(l.want) {
				t.Errorf("records %v total %d, want %v total %d", ids, total, l.want, len(l.want))
			}
			var objs struct {
				Objects []string `json:"objects"`
				Total   int      `json:"total"`
			}
			l.c.get(t, "/api/v1/objects?type=record&permission=can_view").ok(t, 200).decode(t, &objs)
			if !sameIDs(objs.Objects, l.want) || objs.Total != len(l.want) {
				t.Errorf("objects %v total %d, want %v", objs.Objects, objs.Total, l.want)
			}
		})
	}
	t.Run("a listing with nothing in it is an empty array, not null", func(t *testing.T) {
		body := n.dave.get(t, "/api/v1/objects?type=collection&permission=can_view").ok(t, 200).body
		if !bytes.HasPrefix(body, []byte(`{"objects":[],`)) || !bytes.Contains(body, []byte(`"total":0`)) {
			t.Errorf("empty listing: %s", body)
		}
	})
	t.Run("a listing filtered to the workspace and paged by 1 keeps the exact total", func(t *testing.T) {
		var page struct {
			Records    []domain.Record `json:"records"`
			NextCursor string          `json:"next_cursor"`
			Total      int             `json:"total"`
		}
		n.dave.get(t, "/api/v1/records?limit=1&workspace="+n.news).ok(t, 200).decode(t, &page)
		if len(page.Records) != 1 || page.Total != 2 || page.NextCursor == "" {
			t.Errorf("page %+v", page)
		}
	})
	t.Run("dave gets 404 for the embargoed story, as for a record that does not exist", func(t *testing.T) {
		e := n.dave.get(t, "/api/v1/records/"+n.embargo).fails(t, 404, "not_found", "-")
		e2 := n.dave.get(t, "/api/v1/records/rec_doesnotexist0000").fails(t, 404, "not_found", "-")
		if e != e2 {
			t.Errorf("%+v vs %+v", e, e2)
		}
		n.dave.get(t, "/api/v1/records/"+n.embargo+"/acl").fails(t, 404, "not_found", "-")
		n.dave.do(t, "PATCH", "/api/v1/records/"+n.embargo, obj{"title": "Leaked"}).fails(t, 404, "not_found", "-")
		n.dave.do(t, "DELETE", "/api/v1/records/"+n.embargo, nil).fails(t, 404, "not_found", "-")
	})
	t.Run("dave cannot learn through explain that the embargoed story exists", func(t *testing.T) {
		got := explain(t, n.dave.client, obj{"permission": "can_view", "object": "record:" + n.embargo})
		none := explain(t, n.dave.client, obj{"permission": "can_view", "object": "record:rec_doesnotexist0000"})
		delete(got, "revision")
		delete(none, "revision")
		if got["reason"] != "object_not_found" || got["allowed"] != false {
			t.Errorf("explanation %v, want object_not_found", got)
		}
		if fmt.Sprint(got) != fmt.Sprint(none) {
			t.Errorf("embargoed %v differs from nonexistent %v", got, none)
		}
	})
	t.Run("dave's explanation of editing the press release, which he can see, is no_grant", func(t *testing.T) {
		got := explain(t, n.dave.client, obj{"permission": "can_edit", "object": "record:" + n.press})
		if got["allowed"] != false || got["reason"] != "no_grant" {
			t.Errorf("explanation %v", got)
		}
	})
	t.Run("carol's explanation of viewing the embargo goes through her group's workspace role", func(t *testing.T) {
		got := explain(t, n.carol.client, obj{"permission": "can_view", "object": "record:" + n.embargo})
		b, _ := json.Marshal(got["paths"])
		if got["allowed"] != true || !strings.Contains(string(b), `"via":"workspace_member"`) || !strings.Contains(string(b), "group:"+n.group) {
			t.Errorf("explanation %v", got)
		}
	})
	t.Run("the owner's check says dave cannot view the embargo and carol can", func(t *testing.T) {
		if check(t, n.A.Owner.client, obj{"subject": "user:" + n.dave.ID, "permission": "can_view", "object": "record:" + n.embargo}) {
			t.Error("dave can view the embargo")
		}
		if !check(t, n.A.Owner.client, obj{"subject": "user:" + n.carol.ID, "permission": "can_view", "object": "record:" + n.embargo}) {
			t.Error("carol cannot view the embargo")
		}
	})
	t.Run("who may view the brief: the owner, dave through the ACL and carol as a viewer of News; only the owner may edit", func(t *testing.T) {
		var who struct {
			Users []string `json:"users"`
		}
		n.A.Owner.get(t, "/api/v1/who?permission=can_view&object=record:"+n.brief).ok(t, 200).decode(t, &who)
		if !sameIDs(who.Users, []string{n.A.Owner.ID, n.carol.ID, n.dave.ID}) {
			t.Errorf("who %v", who.Users)
		}
		n.A.Owner.get(t, "/api/v1/who?permission=can_edit&object=record:"+n.brief).ok(t, 200).decode(t, &who)
		if !sameIDs(who.Users, []string{n.A.Owner.ID}) {
			t.Errorf("who can edit %v", who.Users)
		}
	})
	t.Run("a user who may not review access cannot ask who (403) nor about others (403)", func(t *testing.T) {
		n.carol.get(t, "/api/v1/who?permission=can_view&object=record:"+n.press).fails(t, 403, "forbidden", "-")
		n.carol.do(t, "POST", "/api/v1/check", obj{"subject": "user:" + n.dave.ID, "permission": "can_view", "object": "record:" + n.press}).fails(t, 403, "forbidden", "-")
	})
}

// TestWorkspaceRoles: what each workspace role may do with the records of
// the workspace, end to end; a refusal changes nothing.
func TestWorkspaceRoles(t *testing.T) {
	t.Parallel()
	type want struct{ create, edit, del, setACL int }
	cases := []struct {
		role string
		want want
	}{
		{"viewer", want{403, 403, 403, 403}},
		{"contributor", want{201, 200, 403, 403}},
		{"editor", want{201, 200, 204, 403}},
		{"owner", want{201, 200, 204, 200}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("a %s: create %d, edit %d, delete %d, change the ACL %d", c.role, c.want.create, c.want.edit, c.want.del, c.want.setACL), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			a := f.A.Owner.client
			u := f.addUser(t, f.A, "wendy")
			ws := mkWorkspace(t, a, "Desk", grant{"user:" + u.ID, c.role})
			rec := mkRecord(t, a, ws, "Members only", []entry{})
			u.get(t, "/api/v1/records/"+rec).ok(t, 200)

			recsBefore := snapshot(t, a, "/api/v1/records")
			r := u.do(t, "POST", "/api/v1/records", obj{"workspace": ws, "title": "Mine"})
			if c.want.create == 403 {
				r.fails(t, 403, "forbidden", "-")
				unchanged(t, a, "/api/v1/records", recsBefore)
			} else {
				r.ok(t, c.want.create)
			}

			recBefore := snapshot(t, a, "/api/v1/records/"+rec)
			r = u.do(t, "PATCH", "/api/v1/records/"+rec, obj{"title": "Edited"})
			if c.want.edit == 403 {
				r.fails(t, 403, "forbidden", "-")
				unchanged(t, a, "/api/v1/records/"+rec, recBefore)
			} else {
				r.ok(t, c.want.edit)
			}

			aclBefore := snapshot(t, a, "/api/v1/records/"+rec+"/acl")
			r = u.do(t, "PUT", "/api/v1/records/"+rec+"/acl", obj{"entries": []entry{{"everyone", []string{"view"}}}})
			if c.want.setACL == 403 {
				r.fails(t, 403, "forbidden", "-")
				unchanged(t, a, "/api/v1/records/"+rec+"/acl", aclBefore)
			} else {
				r.ok(t, c.want.setACL)
			}

			// Setting an ACL other than the default at creation takes the owner role too.
			r = u.do(t, "POST", "/api/v1/records", obj{"workspace": ws, "title": "Private", "acl": []entry{}})
			if c.role == "owner" {
				r.ok(t, 201)
			} else {
				r.fails(t, 403, "forbidden", "-")
			}

			recBefore = snapshot(t, a, "/api/v1/records/"+rec)
			r = u.do(t, "DELETE", "/api/v1/records/"+rec, nil)
			if c.want.del == 403 {
				r.fails(t, 403, "forbidden", "-")
				unchanged(t, a, "/api/v1/records/"+rec, recBefore)
			} else {
				r.ok(t, c.want.del)
				a.get(t, "/api/v1/records/"+rec).fails(t, 404, "not_found", "-")
			}
		})
	}
}

// TestChangesApplyToTheNextRequest: ACL, membership and role changes are
// seen by the very next request of the user concerned.
func TestChangesApplyToTheNextRequest(t *testing.T) {
	t.Parallel()
	n := newNewsroom(t)
	a := n.A.Owner.client
	dave := n.dave.client
	steps := []struct {
		name    string
		change  func(t *testing.T)
		canView bool
	}{
		{"before any change dave cannot see the embargo", func(*testing.T) {}, false},
		{"after the owner adds dave to the embargo's ACL he sees it", func(t *testing.T) {
			a.do(t, "PUT", "/api/v1/records/"+n.embargo+"/acl", obj{"entries": []entry{{"user:" + n.dave.ID, []string{"view"}}}}).ok(t, 200)
		}, true},
		{"after the owner empties the ACL again he does not", func(t *testing.T) {
			a.do(t, "PUT", "/api/v1/records/"+n.embargo+"/acl", obj{"entries": []entry{}}).ok(t, 200)
		}, false},
		{"after the owner adds dave to the Newsroom group he does", func(t *testing.T) {
			a.do(t, "PUT", "/api/v1/groups/"+n.group+"/members/user:"+n.dave.ID, nil).ok(t, 204)
		}, true},
		{"after the owner removes him from the group he does not", func(t *testing.T) {
			a.do(t, "DELETE", "/api/v1/groups/"+n.group+"/members/user:"+n.dave.ID, nil).ok(t, 204)
		}, false},
		{"after the owner gives dave the library_viewer account role he does", func(t *testing.T) {
			a.do(t, "PATCH", "/api/v1/users/"+n.dave.ID, obj{"roles": []string{"library_viewer"}}).ok(t, 200)
		}, true},
		{"after the owner takes the role away he does not", func(t *testing.T) {
			a.do(t, "PATCH", "/api/v1/users/"+n.dave.ID, obj{"roles": []string{}}).ok(t, 200)
		}, false},
		{"after the owner grants him viewer on a tier holding News he does", func(t *testing.T) {
			tier := mkTier(t, a, "Desk")
			a.do(t, "PUT", "/api/v1/tiers/"+tier+"/grants/user:"+n.dave.ID, obj{"role": "viewer"}).ok(t, 204)
			a.do(t, "PATCH", "/api/v1/workspaces/"+n.news, obj{"tier": tier}).ok(t, 200)
		}, true},
		{"after the owner moves News out of the tier he does not", func(t *testing.T) {
			a.do(t, "PATCH", "/api/v1/workspaces/"+n.news, obj{"tier": ""}).ok(t, 200)
		}, false},
		{"after a batch edit adds everyone he does", func(t *testing.T) {
			a.do(t, "POST", "/api/v1/acl/batch", obj{"type": "record", "op": "add", "ids": []string{n.embargo}, "entries": []entry{{"everyone", []string{"view"}}}}).ok(t, 200)
		}, true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.change(t)
			r := dave.get(t, "/api/v1/records/"+n.embargo)
			ids, total := recordIDs(t, dave, "")
			listed := slices.Contains(ids, n.embargo)
			allowed := check(t, dave, obj{"permission": "can_view", "object": "record:" + n.embargo})
			if s.canView {
				r.ok(t, 200)
			} else {
				r.fails(t, 404, "not_found", "-")
			}
			if listed != s.canView || allowed != s.canView || total != len(ids) {
				t.Errorf("listed %v (total %d of %v), check %v; want %v", listed, total, ids, allowed, s.canView)
			}
		})
	}
}

// TestBatchACLEdits: a dry run reports and changes nothing; the real run
// applies to every object at once; a batch holding one object the caller
// cannot manage, or cannot see, fails whole.
func TestBatchACLEdits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.A.Owner.client
	olga := f.addUser(t, f.A, "olga")
	dave := f.addUser(t, f.A, "dave")
	mine := mkWorkspace(t, a, "Olga's desk", grant{"user:" + olga.ID, "owner"})
	other := mkWorkspace(t, a, "Archive")
	r1 := mkRecord(t, a, mine, "One", []entry{})
	r2 := mkRecord(t, a, mine, "Two", []entry{})
	r3 := mkRecord(t, a, mine, "Three", []entry{{"user:" + dave.ID, []string{"view"}}})
	visibleElsewhere := mkRecord(t, a, other, "Public, not Olga's to manage", nil)
	hiddenElsewhere := mkRecord(t, a, other, "Hidden from Olga", []entry{})
	ids := []string{r1, r2, r3}
	acls := func(t *testing.T) map[string]string {
		out := map[string]string{}
		for _, id := range append(slices.Clone(ids), visibleElsewhere, hiddenElsewhere) {
			out[id] = snapshot(t, a, "/api/v1/records/"+id+"/acl")
		}
		return out
	}
	type result struct {
		DryRun  bool `json:"dry_run"`
		Objects int  `json:"objects"`
		Changed int  `json:"changed"`
		Added   []struct {
			Subject    string `json:"subject"`
			Permission string `json:"permission"`
			Objects    int    `json:"objects"`
		} `json:"added"`
		Removed    []json.RawMessage `json:"removed"`
		ChangedIDs []string          `json:"changed_ids"`
	}
	add := obj{"type": "record", "op": "add", "ids": append(slices.Clone(ids), r1), "entries": []entry{{"user:" + dave.ID, []string{"view"}}}}

	t.Run("a dry run reports 3 objects, 2 changing, and changes nothing", func(t *testing.T) {
		before := acls(t)
		body := obj{"dry_run": true}
		for k, v := range add {
			body[k] = v
		}
		var res result
		olga.do(t, "POST", "/api/v1/acl/batch", body).ok(t, 200).decode(t, &res)
		if !res.DryRun || res.Objects != 3 || res.Changed != 2 || len(res.Added) != 1 || res.Added[0].Objects != 2 ||
			res.Added[0].Subject != "user:"+dave.ID || res.Added[0].Permission != "view" || len(res.Removed) != 0 || !sameIDs(res.ChangedIDs, []string{r1, r2}) {
			t.Errorf("dry run %+v", res)
		}
		for id, acl := range acls(t) {
			if acl != before[id] {
				t.Errorf("the dry run changed %s: %s → %s", id, before[id], acl)
			}
		}
		if got, _ := recordIDs(t, dave.client, ""); !sameIDs(got, []string{r3, visibleElsewhere}) {
			t.Errorf("after the dry run dave sees %v", got)
		}
	})
	t.Run("the real run applies to every object and dave sees them on his next request", func(t *testing.T) {
		var res result
		olga.do(t, "POST", "/api/v1/acl/batch", add).ok(t, 200).decode(t, &res)
		if res.DryRun || res.Objects != 3 || res.Changed != 2 {
			t.Errorf("run %+v", res)
		}
		if got, total := recordIDs(t, dave.client, ""); !sameIDs(got, append(slices.Clone(ids), visibleElsewhere)) || total != 4 {
			t.Errorf("dave sees %v (total %d)", got, total)
		}
	})
	t.Run("running it again changes nothing", func(t *testing.T) {
		var res result
		olga.do(t, "POST", "/api/v1/acl/batch", add).ok(t, 200).decode(t, &res)
		if res.Changed != 0 || len(res.Added) != 0 {
			t.Errorf("re-run %+v", res)
		}
	})
	failing := []struct {
		name         string
		extra        string
		status       int
		code         string
		messageNames bool
	}{
		{"a batch with one record olga can see but not manage is 403 and changes nothing", visibleElsewhere, 403, "forbidden", true},
		{"a batch with one record olga cannot see is 404 and changes nothing", hiddenElsewhere, 404, "not_found", false},
		{"a batch with one record that does not exist is 404 and changes nothing", "rec_doesnotexist0000", 404, "not_found", false},
	}
	for _, c := range failing {
		for _, op := range []obj{
			{"op": "replace", "entries": []entry{}},
			{"op": "remove", "entries": []entry{{"user:" + dave.ID, []string{"view"}}}},
			{"op": "add", "entries": []entry{{"everyone", []string{"edit"}}}},
		} {
			t.Run(c.name+" ("+op["op"].(string)+")", func(t *testing.T) {
				before := acls(t)
				body := obj{"type": "record", "ids": []string{r1, r2, c.extra, r3}}
				for k, v := range op {
					body[k] = v
				}
				for _, dry := range []bool{true, false} {
					body["dry_run"] = dry
					e := olga.do(t, "POST", "/api/v1/acl/batch", body).fails(t, c.status, c.code, "-")
					if c.messageNames && !strings.Contains(e.Error.Message, c.extra) {
						t.Errorf("message %q does not name %s", e.Error.Message, c.extra)
					}
				}
				for id, acl := range acls(t) {
					if acl != before[id] {
						t.Errorf("a failed batch changed %s: %s → %s", id, before[id], acl)
					}
				}
				if got, _ := recordIDs(t, dave.client, ""); !sameIDs(got, append(slices.Clone(ids), visibleElsewhere)) {
					t.Errorf("dave now sees %v", got)
				}
			})
		}
	}
	t.Run("a replace dry run reports the removals, then the run makes every ACL exactly the entries", func(t *testing.T) {
		repl := obj{"type": "record", "op": "replace", "ids": ids, "entries": []entry{{"everyone", []string{"view"}}}, "dry_run": true}
		var res result
		olga.do(t, "POST", "/api/v1/acl/batch", repl).ok(t, 200).decode(t, &res)
		if res.Changed != 3 || len(res.Removed) != 1 || len(res.Added) != 1 || res.Added[0].Objects != 3 {
			t.Errorf("dry run %+v", res)
		}
		repl["dry_run"] = false
		olga.do(t, "POST", "/api/v1/acl/batch", repl).ok(t, 200)
		for _, id := range ids {
			var acl struct {
				Entries []entry `json:"entries"`
			}
			a.get(t, "/api/v1/records/"+id+"/acl").ok(t, 200).decode(t, &acl)
			if len(acl.Entries) != 1 || acl.Entries[0].Subject != "everyone" || !slices.Equal(acl.Entries[0].Permissions, []string{"view"}) {
				t.Errorf("%s ACL %+v", id, acl.Entries)
			}
		}
	})
	t.Run("a plain user who owns no workspace cannot batch-edit records they can view (403)", func(t *testing.T) {
		before := acls(t)
		dave.do(t, "POST", "/api/v1/acl/batch", obj{"type": "record", "op": "add", "ids": ids, "entries": []entry{{"user:" + dave.ID, []string{"edit"}}}}).fails(t, 403, "forbidden", "-")
		for id, acl := range acls(t) {
			if acl != before[id] {
				t.Errorf("changed %s", id)
			}
		}
	})
}

// TestDefaultACLs: the default ACL applies to new objects, user:$creator
// standing for whoever creates them.
func TestDefaultACLs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.A.Owner.client
	cory := f.addUser(t, f.A, "cory")
	ws := mkWorkspace(t, a, "Studio", grant{"user:" + cory.ID, "contributor"})
	defaults := obj{"entries": []entry{{"everyone", []string{"view"}}, {"user:$creator", []string{"edit"}}}}

	t.Run("the owner sets a record default naming user:$creator and reads it back", func(t *testing.T) {
		var got struct {
			Entries []entry `json:"entries"`
		}
		a.do(t, "PUT", "/api/v1/default-acls/record", defaults).ok(t, 200).decode(t, &got)
		if len(got.Entries) != 2 || !slices.ContainsFunc(got.Entries, func(e entry) bool { return e.Subject == "user:$creator" }) {
			t.Errorf("stored %+v", got.Entries)
		}
		var all struct {
			Record []entry `json:"record"`
		}
		a.get(t, "/api/v1/default-acls").ok(t, 200).decode(t, &all)
		if !slices.ContainsFunc(all.Record, func(e entry) bool {
			return e.Subject == "user:$creator" && slices.Equal(e.Permissions, []string{"edit"})
		}) {
			t.Errorf("default-acls record %+v", all.Record)
		}
	})
	var corys, alices string
	t.Run("a record cory creates carries user:<cory> edit in its ACL", func(t *testing.T) {
		corys = mkRecord(t, cory.client, ws, "Cory's shot", nil)
		alices = mkRecord(t, a, ws, "Alice's shot", nil)
		var acl struct {
			Entries []entry `json:"entries"`
		}
		cory.get(t, "/api/v1/records/"+corys+"/acl").ok(t, 200).decode(t, &acl)
		want := []entry{{"everyone", []string{"view"}}, {"user:" + cory.ID, []string{"edit"}}}
		slices.SortFunc(acl.Entries, func(x, y entry) int { return strings.Compare(x.Subject, y.Subject) })
		if fmt.Sprint(acl.Entries) != fmt.Sprint(want) {
			t.Errorf("ACL %+v, want %+v", acl.Entries, want)
		}
	})
	t.Run("with his workspace role gone, cory still edits his own record through the ACL but not alice's", func(t *testing.T) {
		a.do(t, "DELETE", "/api/v1/workspaces/"+ws+"/members/user:"+cory.ID, nil).ok(t, 204)
		cory.do(t, "PATCH", "/api/v1/records/"+corys, obj{"title": "Cory's shot, cropped"}).ok(t, 200)
		before := snapshot(t, a, "/api/v1/records/"+alices)
		cory.do(t, "PATCH", "/api/v1/records/"+alices, obj{"title": "Taken over"}).fails(t, 403, "forbidden", "-")
		unchanged(t, a, "/api/v1/records/"+alices, before)
		ex := explain(t, cory.client, obj{"permission": "can_edit", "object": "record:" + corys})
		if b, _ := json.Marshal(ex); ex["allowed"] != true || !strings.Contains(string(b), `"via":"acl"`) {
			t.Errorf("explanation %s", b)
		}
	})
	t.Run("a user without manage_settings cannot change default ACLs (403)", func(t *testing.T) {
		before := snapshot(t, a, "/api/v1/default-acls")
		cory.do(t, "PUT", "/api/v1/default-acls/record", obj{"entries": []entry{{"user:" + cory.ID, []string{"edit"}}}}).fails(t, 403, "forbidden", "-")
		unchanged(t, a, "/api/v1/default-acls", before)
	})
	t.Run("a default ACL for a type that has none is 404", func(t *testing.T) {
		a.do(t, "PUT", "/api/v1/default-acls/workspace", defaults).fails(t, 404, "not_found", "-")
	})
}

// TestOpenAPIDocument: the document is public, valid JSON, OpenAPI 3.1.0,
// covers every route the server has, and gives every operation the error
// shape that every error response in these tests was checked against.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.anon().get(t, "/api/v1/openapi.json").ok(t, 200)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	t.Run("it declares openapi 3.1.0", func(t *testing.T) {
		if doc["openapi"] != "3.1.0" {
			t.Errorf("openapi = %v", doc["openapi"])
		}
	})
	t.Run("the served document is the one the shape checks use", func(t *testing.T) {
		a, _ := json.Marshal(doc)
		b, _ := json.Marshal(openapiDoc())
		if string(a) != string(b) {
			t.Error("served document differs from httpapi.New(...).OpenAPI()")
		}
	})
	t.Run("the error shape is an object with error.code and error.message required and nothing else", func(t *testing.T) {
		s := errorSchema(doc)
		ok := validate(doc, s, map[string]any{"error": map[string]any{"code": "x", "message": "y", "field": "z"}}, "$")
		if len(ok) > 0 {
			t.Errorf("a full error is refused: %v", ok)
		}
		for _, bad := range []any{
			map[string]any{"error": map[string]any{"code": "x"}},
			map[string]any{"error": map[string]any{"message": "y"}},
			map[string]any{"error": "x"},
			map[string]any{"error": map[string]any{"code": "x", "message": "y"}, "extra": 1},
			map[string]any{"error": map[string]any{"code": "x", "message": "y", "detail": 1}},
			map[string]any{"code": "x", "message": "y"},
		} {
			if len(validate(doc, s, bad, "$")) == 0 {
				t.Errorf("the documented shape admits %v", bad)
			}
		}
	})
	t.Run("every operation has a success response and the default error response", func(t *testing.T) {
		for p, item := range doc["paths"].(map[string]any) {
			for m, op := range item.(map[string]any) {
				rs := op.(map[string]any)["responses"].(map[string]any)
				if _, ok := rs["default"]; !ok || len(rs) < 2 {
					t.Errorf("%s %s responses %v", m, p, rs)
				}
			}
		}
	})
	t.Run("the README's routes are all documented", func(t *testing.T) {
		paths := doc["paths"].(map[string]any)
		for _, p := range []string{"/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/me", "/api/v1/tokens/{id}", "/api/v1/acl/batch",
			"/api/v1/check", "/api/v1/explain", "/api/v1/objects", "/api/v1/who", "/api/v1/default-acls/{type}",
			"/api/v1/records/{id}/acl", "/api/v1/media/{id}/acl", "/api/v1/collections/{id}/acl"} {
			if _, ok := paths[p]; !ok {
				t.Errorf("%s is not documented", p)
			}
		}
	})
}

// TestMediaFollowItsRecord: a media object is reachable only by someone
// who can view its record, whatever its own ACL says.
func TestMediaFollowItsRecord(t *testing.T) {
	t.Parallel()
	n := newNewsroom(t)
	a := n.A.Owner.client
	onPress := mkMedia(t, a, n.press)     // default media ACL: everyone view
	onEmbargo := mkMedia(t, a, n.embargo) // same ACL, but dave cannot view the record
	t.Run("dave gets the press photo and 404 for the embargo's, though both say everyone may view", func(t *testing.T) {
		n.dave.get(t, "/api/v1/media/"+onPress).ok(t, 200)
		e := n.dave.get(t, "/api/v1/media/"+onEmbargo).fails(t, 404, "not_found", "-")
		e2 := n.dave.get(t, "/api/v1/media/med_doesnotexist0000").fails(t, 404, "not_found", "-")
		if e != e2 {
			t.Errorf("%+v vs %+v", e, e2)
		}
		n.dave.get(t, "/api/v1/media/"+onEmbargo+"/acl").fails(t, 404, "not_found", "-")
		n.dave.do(t, "DELETE", "/api/v1/media/"+onEmbargo, nil).fails(t, 404, "not_found", "-")
	})
	t.Run("dave's media listing holds only the press photo", func(t *testing.T) {
		var l struct {
			Media []domain.Media `json:"media"`
			Total int            `json:"total"`
		}
		n.dave.get(t, "/api/v1/media").ok(t, 200).decode(t, &l)
		if l.Total != 1 || len(l.Media) != 1 || l.Media[0].ID != onPress {
			t.Errorf("media %+v", l)
		}
	})
	t.Run("dave's explanation of the embargo photo is object_not_found; the owner's about dave says record_not_viewable", func(t *testing.T) {
		got := explain(t, n.dave.client, obj{"permission": "can_preview", "object": "media:" + onEmbargo})
		if got["reason"] != "object_not_found" {
			t.Errorf("dave's explanation %v", got)
		}
		got = explain(t, a, obj{"subject": "user:" + n.dave.ID, "permission": "can_preview", "object": "media:" + onEmbargo})
		if got["allowed"] != false || got["reason"] != "record_not_viewable" {
			t.Errorf("owner's explanation %v", got)
		}
	})
	t.Run("download needs the download level: dave may view the press photo but not download it until granted", func(t *testing.T) {
		obj := obj{"permission": "can_download", "object": "media:" + onPress}
		if check(t, n.dave.client, obj) {
			t.Error("dave may download with a view ACL")
		}
		a.do(t, "PUT", "/api/v1/media/"+onPress+"/acl", map[string]any{"entries": []entry{{"user:" + n.dave.ID, []string{"download"}}}}).ok(t, 200)
		if !check(t, n.dave.client, obj) {
			t.Error("dave may not download with a download ACL")
		}
	})
	t.Run("deleting a record takes its media with it", func(t *testing.T) {
		a.do(t, "DELETE", "/api/v1/records/"+n.press, nil).ok(t, 204)
		a.get(t, "/api/v1/media/"+onPress).fails(t, 404, "not_found", "-")
	})
}

// TestCollectionsShowOnlyVisibleRecords: a collection lists only the
// records the caller can view, and records the caller cannot view cannot
// be added, or found, through it.
func TestCollectionsShowOnlyVisibleRecords(t *testing.T) {
	t.Parallel()
	n := newNewsroom(t)
	a := n.A.Owner.client
	col := mkCollection(t, a, n.news, "Front page")
	for _, r := range []string{n.press, n.embargo} {
		a.do(t, "PUT", "/api/v1/collections/"+col+"/records/"+r, nil).ok(t, 204)
	}
	a.do(t, "PUT", "/api/v1/collections/"+col+"/acl", obj{"entries": []entry{{"user:" + n.dave.ID, []string{"edit"}}}}).ok(t, 200)
	members := func(t *testing.T, c *client) ([]string, int) {
		var l struct {
			Records []domain.Record `json:"records"`
			Total   int             `json:"total"`
		}
		c.get(t, "/api/v1/collections/"+col+"/records").ok(t, 200).decode(t, &l)
		ids := []string{}
		for _, r := range l.Records {
			ids = append(ids, r.ID)
		}
		return ids, l.Total
	}
	t.Run("dave, an editor of the collection, sees the press release only, total 1", func(t *testing.T) {
		if ids, total := members(t, n.dave.client); !sameIDs(ids, []string{n.press}) || total != 1 {
			t.Errorf("dave sees %v total %d", ids, total)
		}
		if ids, total := members(t, a); !sameIDs(ids, []string{n.press, n.embargo}) || total != 2 {
			t.Errorf("the owner sees %v total %d", ids, total)
		}
	})
	t.Run("dave cannot add the embargo (404), the owner's view is unchanged", func(t *testing.T) {
		before := snapshot(t, a, "/api/v1/collections/"+col+"/records")
		n.dave.do(t, "PUT", "/api/v1/collections/"+col+"/records/"+n.embargo, nil).fails(t, 404, "not_found", "-")
		unchanged(t, a, "/api/v1/collections/"+col+"/records", before)
	})
	t.Run("dave can add and remove the brief he can see", func(t *testing.T) {
		n.dave.do(t, "PUT", "/api/v1/collections/"+col+"/records/"+n.brief, nil).ok(t, 204)
		n.dave.do(t, "PUT", "/api/v1/collections/"+col+"/records/"+n.brief, nil).fails(t, 409, "already_member", "-")
		n.dave.do(t, "DELETE", "/api/v1/collections/"+col+"/records/"+n.brief, nil).ok(t, 204)
	})
	t.Run("dave cannot remove the embargo he cannot see: 404 as for a record not there, and it stays", func(t *testing.T) {
		before := snapshot(t, a, "/api/v1/collections/"+col+"/records")
		e := n.dave.do(t, "DELETE", "/api/v1/collections/"+col+"/records/"+n.embargo, nil).fails(t, 404, "not_found", "-")
		e2 := n.dave.do(t, "DELETE", "/api/v1/collections/"+col+"/records/rec_doesnotexist0000", nil).fails(t, 404, "not_found", "-")
		if e != e2 {
			t.Errorf("%+v vs %+v", e, e2)
		}
		unchanged(t, a, "/api/v1/collections/"+col+"/records", before)
	})
	t.Run("carol, who may only view the collection's workspace, cannot change it (403)", func(t *testing.T) {
		before := snapshot(t, a, "/api/v1/collections/"+col+"/records")
		n.carol.do(t, "DELETE", "/api/v1/collections/"+col+"/records/"+n.press, nil).fails(t, 403, "forbidden", "-")
		n.carol.do(t, "PATCH", "/api/v1/collections/"+col, obj{"name": "Renamed"}).fails(t, 403, "forbidden", "-")
		unchanged(t, a, "/api/v1/collections/"+col+"/records", before)
	})
}

// TestResponseHeaders: every response, success or error, carries the
// security headers and a request id.
func TestResponseHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, r := range []*resp{
		f.A.Owner.get(t, "/api/v1/me"),
		f.anon().get(t, "/api/v1/me"),
		f.A.Owner.get(t, "/api/v1/nope"),
		f.A.Owner.do(t, "POST", "/api/v1/groups", raw(`{`)),
		f.anon().get(t, "/healthz"),
	} {
		t.Run(fmt.Sprintf("%s %s (%d) carries the security headers", r.method, r.path, r.status), func(t *testing.T) {
			for h, want := range map[string]string{
				"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store",
				"Referrer-Policy": "no-referrer", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
			} {
				if got := r.header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if len(r.header.Get("X-Request-Id")) != 16 {
				t.Errorf("X-Request-Id = %q", r.header.Get("X-Request-Id"))
			}
		})
	}
}
