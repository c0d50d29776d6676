package httpapi_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// tenancyFixture: account Alpha holds one object of every kind; account
// Beta has its owner bob, an admin bea and a plain member ben, and objects
// of its own to aim at Alpha's.
type tenancyFixture struct {
	*fixture
	// Alpha's objects
	amy                                            *member
	grp, tier, ws, rec, med, col, amyTok, emptyACL string
	// Beta's
	bea, ben                           *member
	bGrp, bTier, bWs, bRec, bMed, bCol string
}

func newTenancyFixture(t *testing.T) *tenancyFixture {
	f := newFixture(t)
	x := &tenancyFixture{fixture: f}
	a := f.A.Owner.client
	x.amy = f.addUser(t, f.A, "amy")
	x.grp = mkGroup(t, a, "Alpha team", "user:"+x.amy.ID)
	x.tier = mkTier(t, a, "Alpha tier")
	x.ws = mkWorkspace(t, a, "Alpha newsroom", grant{"group:" + x.grp, "viewer"})
	x.rec = mkRecord(t, a, x.ws, "Alpha record", nil)
	x.med = mkMedia(t, a, x.rec)
	x.col = mkCollection(t, a, x.ws, "Alpha picks")
	x.emptyACL = mkRecord(t, a, x.ws, "Alpha embargo", []entry{})
	x.amyTok = x.amy.TokenID

	b := f.B.Owner.client
	x.bea = f.addUser(t, f.B, "bea", "admin")
	x.ben = f.addUser(t, f.B, "ben")
	x.bGrp = mkGroup(t, b, "Beta team")
	x.bTier = mkTier(t, b, "Beta tier")
	x.bWs = mkWorkspace(t, b, "Beta newsroom", grant{"user:" + x.ben.ID, "editor"})
	x.bRec = mkRecord(t, b, x.bWs, "Beta record", nil)
	x.bMed = mkMedia(t, b, x.bRec)
	x.bCol = mkCollection(t, b, x.bWs, "Beta picks")
	return x
}

// alphaState reads everything of Alpha as its owner.
func (x *tenancyFixture) alphaState(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range []string{
		"/api/v1/users", "/api/v1/groups", "/api/v1/tiers", "/api/v1/workspaces", "/api/v1/records", "/api/v1/media",
		"/api/v1/collections", "/api/v1/default-acls", "/api/v1/account",
		"/api/v1/records/" + x.rec + "/acl", "/api/v1/media/" + x.med + "/acl", "/api/v1/collections/" + x.col + "/acl",
		"/api/v1/collections/" + x.col + "/records", "/api/v1/records/" + x.rec + "/media",
	} {
		out[p] = snapshot(t, x.A.Owner.client, p)
	}
	out["amy's tokens"] = snapshot(t, x.amy.client, "/api/v1/tokens")
	return out
}

func (x *tenancyFixture) alphaUnchanged(t *testing.T, before map[string]string) {
	t.Helper()
	after := x.alphaState(t)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("Alpha's %s changed:\nbefore %s\nafter  %s", k, v, after[k])
		}
	}
}

// TestOtherAccountsObjectsAreNotFound: every route that takes an id
// answers a user of Beta with 404 for Alpha's object, exactly as for an id
// that exists nowhere: never 403, never a different message, and Alpha
// is untouched.
func TestOtherAccountsObjectsAreNotFound(t *testing.T) {
	t.Parallel()
	x := newTenancyFixture(t)
	amy := x.amy.ID
	aclBody := obj{"entries": []entry{{"everyone", []string{"edit"}}}}
	type tc struct {
		what         string
		method, path string
		body         any
		alphaID      string // replaced by a fake id for the comparison
	}
	cases := []tc{
		{"a user", "GET", "/api/v1/users/" + amy, nil, amy},
		{"a user (change)", "PATCH", "/api/v1/users/" + amy, obj{"status": "banned"}, amy},
		{"a user (set password)", "PUT", "/api/v1/users/" + amy + "/password", obj{"password": "taken over by beta"}, amy},
		{"a group", "GET", "/api/v1/groups/" + x.grp, nil, x.grp},
		{"a group (rename)", "PATCH", "/api/v1/groups/" + x.grp, obj{"name": "Hijacked"}, x.grp},
		{"a group (delete)", "DELETE", "/api/v1/groups/" + x.grp, nil, x.grp},
		{"a group (add a member)", "PUT", "/api/v1/groups/" + x.grp + "/members/user:" + amy, nil, x.grp},
		{"a group (remove a member)", "DELETE", "/api/v1/groups/" + x.grp + "/members/user:" + amy, nil, x.grp},
		{"a tier", "GET", "/api/v1/tiers/" + x.tier, nil, x.tier},
		{"a tier (rename)", "PATCH", "/api/v1/tiers/" + x.tier, obj{"name": "Hijacked"}, x.tier},
		{"a tier (delete)", "DELETE", "/api/v1/tiers/" + x.tier, nil, x.tier},
		{"a tier (grant)", "PUT", "/api/v1/tiers/" + x.tier + "/grants/user:" + amy, obj{"role": "owner"}, x.tier},
		{"a tier (remove a grant)", "DELETE", "/api/v1/tiers/" + x.tier + "/grants/user:" + amy, nil, x.tier},
		{"a workspace", "GET", "/api/v1/workspaces/" + x.ws, nil, x.ws},
		{"a workspace (rename)", "PATCH", "/api/v1/workspaces/" + x.ws, obj{"name": "Hijacked"}, x.ws},
		{"a workspace (delete)", "DELETE", "/api/v1/workspaces/" + x.ws, nil, x.ws},
		{"a workspace (add a member)", "PUT", "/api/v1/workspaces/" + x.ws + "/members/user:" + amy, obj{"role": "owner"}, x.ws},
		{"a workspace (remove a member)", "DELETE", "/api/v1/workspaces/" + x.ws + "/members/group:" + x.grp, nil, x.ws},
		{"a record", "GET", "/api/v1/records/" + x.rec, nil, x.rec},
		{"a record (change)", "PATCH", "/api/v1/records/" + x.rec, obj{"title": "Hijacked"}, x.rec},
		{"a record (delete)", "DELETE", "/api/v1/records/" + x.rec, nil, x.rec},
		{"a record's ACL", "GET", "/api/v1/records/" + x.rec + "/acl", nil, x.rec},
		{"a record's ACL (replace)", "PUT", "/api/v1/records/" + x.rec + "/acl", aclBody, x.rec},
		{"a record's media", "GET", "/api/v1/records/" + x.rec + "/media", nil, x.rec},
		{"a record (attach media)", "POST", "/api/v1/records/" + x.rec + "/media", obj{"media_type": "image"}, x.rec},
		{"a media object", "GET", "/api/v1/media/" + x.med, nil, x.med},
		{"a media object (change)", "PATCH", "/api/v1/media/" + x.med, obj{"filename": "hijacked.jpg"}, x.med},
		{"a media object (delete)", "DELETE", "/api/v1/media/" + x.med, nil, x.med},
		{"a media object's ACL", "GET", "/api/v1/media/" + x.med + "/acl", nil, x.med},
		{"a media object's ACL (replace)", "PUT", "/api/v1/media/" + x.med + "/acl", aclBody, x.med},
		{"a collection", "GET", "/api/v1/collections/" + x.col, nil, x.col},
		{"a collection (rename)", "PATCH", "/api/v1/collections/" + x.col, obj{"name": "Hijacked"}, x.col},
		{"a collection (delete)", "DELETE", "/api/v1/collections/" + x.col, nil, x.col},
		{"a collection's records", "GET", "/api/v1/collections/" + x.col + "/records", nil, x.col},
		{"a collection (add Beta's record)", "PUT", "/api/v1/collections/" + x.col + "/records/" + x.bRec, nil, x.col},
		{"a collection (remove a record)", "DELETE", "/api/v1/collections/" + x.col + "/records/" + x.rec, nil, x.col},
		{"a collection's ACL", "GET", "/api/v1/collections/" + x.col + "/acl", nil, x.col},
		{"a collection's ACL (replace)", "PUT", "/api/v1/collections/" + x.col + "/acl", aclBody, x.col},
		{"a record (added to Beta's collection)", "PUT", "/api/v1/collections/" + x.bCol + "/records/" + x.rec, nil, x.rec},
		{"a token (revoke)", "DELETE", "/api/v1/tokens/" + x.amyTok, nil, x.amyTok},
		{"a record (who may view it)", "GET", "/api/v1/who?permission=can_view&object=record:" + x.rec, nil, x.rec},
		{"a workspace (who may view it)", "GET", "/api/v1/who?permission=can_view&object=workspace:" + x.ws, nil, x.ws},
		{"a media object (who may download it)", "GET", "/api/v1/who?permission=can_download&object=media:" + x.med, nil, x.med},
		{"a record (batch ACL edit)", "POST", "/api/v1/acl/batch", obj{"type": "record", "op": "add", "ids": []string{x.rec}, "entries": []entry{{"everyone", []string{"edit"}}}}, x.rec},
		{"a record (batch ACL dry run)", "POST", "/api/v1/acl/batch", obj{"type": "record", "op": "replace", "ids": []string{x.rec}, "entries": []entry{}, "dry_run": true}, x.rec},
	}
	before := x.alphaState(t)
	actors := []struct {
		name string
		c    *client
	}{{"Beta's owner", x.B.Owner.client}, {"Beta's admin", x.bea.client}, {"a plain Beta user", x.ben.client}}
	for _, a := range actors {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s gets 404 for Alpha's %s (%s), the same as for no such id", a.name, c.what, c.method), func(t *testing.T) {
				e := a.c.do(t, c.method, c.path, c.body).fails(t, 404, "not_found", "-")
				fake := strings.SplitN(c.alphaID, "_", 2)[0] + "_doesnotexist0000"
				path := strings.ReplaceAll(c.path, c.alphaID, fake)
				var body any = c.body
				if b, ok := c.body.(obj); ok && c.method == "POST" && strings.HasSuffix(c.path, "/batch") {
					cp := obj{}
					for k, v := range b {
						cp[k] = v
					}
					cp["ids"] = []string{fake}
					body = cp
				}
				e2 := a.c.do(t, c.method, path, body).fails(t, 404, "not_found", "-")
				msg := strings.ReplaceAll(e.Error.Message, c.alphaID, fake)
				if msg != e2.Error.Message {
					t.Errorf("Alpha's object: %q; no such object: %q", e.Error.Message, e2.Error.Message)
				}
			})
		}
	}
	t.Run("and Alpha is exactly as it was", func(t *testing.T) { x.alphaUnchanged(t, before) })
}

// TestListingsStayInTheAccount: no listing of Beta's shows anything of
// Alpha's, even when asked for Alpha's workspace or by Alpha's names.
func TestListingsStayInTheAccount(t *testing.T) {
	t.Parallel()
	x := newTenancyFixture(t)
	alphaIDs := []string{x.A.Account, x.A.Owner.ID, x.amy.ID, x.grp, x.tier, x.ws, x.rec, x.med, x.col, x.emptyACL, x.amyTok, "alice", "amy", "Alpha"}
	paths := []string{
		"/api/v1/users", "/api/v1/users?q=alice", "/api/v1/users?q=alpha.example", "/api/v1/users?status=active",
		"/api/v1/users?after=" + x.A.Owner.ID, "/api/v1/groups", "/api/v1/tiers", "/api/v1/workspaces",
		"/api/v1/records", "/api/v1/records?workspace=" + x.ws, "/api/v1/records?permission=can_view",
		"/api/v1/media", "/api/v1/media?workspace=" + x.ws, "/api/v1/collections", "/api/v1/collections?workspace=" + x.ws,
		"/api/v1/objects?type=record&permission=can_view", "/api/v1/objects?type=media&permission=can_preview",
		"/api/v1/objects?type=collection&permission=can_view&workspace=" + x.ws,
		"/api/v1/default-acls", "/api/v1/account", "/api/v1/me", "/api/v1/tokens",
		"/api/v1/collections/" + x.bCol + "/records", "/api/v1/records/" + x.bRec + "/media",
	}
	for _, who := range []struct {
		name string
		c    *client
	}{{"Beta's owner", x.B.Owner.client}, {"a plain Beta user", x.ben.client}} {
		for _, p := range paths {
			t.Run(who.name+"'s "+p+" shows nothing of Alpha", func(t *testing.T) {
				r := who.c.get(t, p).ok(t, 200)
				for _, id := range alphaIDs {
					if bytes.Contains(r.body, []byte(id)) {
						t.Errorf("%s holds Alpha's %q", r, id)
					}
				}
			})
		}
	}
	t.Run("a listing limited to Alpha's workspace is empty with total 0", func(t *testing.T) {
		ids, total := recordIDs(t, x.B.Owner.client, "?workspace="+x.ws)
		if len(ids) != 0 || total != 0 {
			t.Errorf("records %v, total %d", ids, total)
		}
	})
	t.Run("Beta's owner sees Beta's own objects (the listings work)", func(t *testing.T) {
		ids, total := recordIDs(t, x.B.Owner.client, "")
		if !sameIDs(ids, []string{x.bRec}) || total != 1 {
			t.Errorf("records %v total %d, want [%s] 1", ids, total, x.bRec)
		}
	})
}

// TestSubjectsOfAnotherAccountCannotBeNamed: Beta's owner cannot put
// Alpha's users or groups in Beta's ACLs, grants, memberships or default
// ACLs: they are reported exactly like subjects that do not exist (422),
// and nothing of Beta's changes.
func TestSubjectsOfAnotherAccountCannotBeNamed(t *testing.T) {
	t.Parallel()
	x := newTenancyFixture(t)
	b := x.B.Owner.client
	type tc struct {
		name         string
		method, path string
		body         func(subject string) any
		field        string
		state        string
	}
	aclOf := func(perm string) func(string) any {
		return func(s string) any { return obj{"entries": []entry{{s, []string{perm}}}} }
	}
	cases := []tc{
		{"a record ACL entry", "PUT", "/api/v1/records/" + x.bRec + "/acl", aclOf("view"), "entries", "/api/v1/records/" + x.bRec + "/acl"},
		{"a media ACL entry", "PUT", "/api/v1/media/" + x.bMed + "/acl", aclOf("download"), "entries", "/api/v1/media/" + x.bMed + "/acl"},
		{"a collection ACL entry", "PUT", "/api/v1/collections/" + x.bCol + "/acl", aclOf("edit"), "entries", "/api/v1/collections/" + x.bCol + "/acl"},
		{"a default ACL entry", "PUT", "/api/v1/default-acls/record", aclOf("view"), "entries", "/api/v1/default-acls"},
		{"the ACL of a new record", "POST", "/api/v1/records", func(s string) any {
			return obj{"workspace": x.bWs, "title": "x", "acl": []entry{{s, []string{"view"}}}}
		}, "acl", "/api/v1/records"},
		{"a batch ACL entry", "POST", "/api/v1/acl/batch", func(s string) any {
			return obj{"type": "record", "op": "add", "ids": []string{x.bRec}, "entries": []entry{{s, []string{"view"}}}}
		}, "entries", "/api/v1/records/" + x.bRec + "/acl"},
		{"a member of a new group", "POST", "/api/v1/groups", func(s string) any { return obj{"name": "Mixed", "members": []string{s}} }, "members", "/api/v1/groups"},
		{"a member of a new workspace", "POST", "/api/v1/workspaces", func(s string) any {
			return obj{"name": "Mixed", "members": []grant{{s, "viewer"}}}
		}, "members", "/api/v1/workspaces"},
		{"a grant of a new tier", "POST", "/api/v1/tiers", func(s string) any { return obj{"name": "Mixed", "grants": []grant{{s, "viewer"}}} }, "grants", "/api/v1/tiers"},
	}
	pathCases := []struct {
		name, method, path string
		body               any
		state              string
	}{
		{"a member added to a group", "PUT", "/api/v1/groups/" + x.bGrp + "/members/", nil, "/api/v1/groups/" + x.bGrp},
		{"a member added to a workspace", "PUT", "/api/v1/workspaces/" + x.bWs + "/members/", obj{"role": "viewer"}, "/api/v1/workspaces/" + x.bWs},
		{"a grant on a tier", "PUT", "/api/v1/tiers/" + x.bTier + "/grants/", obj{"role": "viewer"}, "/api/v1/tiers/" + x.bTier},
	}
	subjects := []struct{ name, subject, fake string }{
		{"Alpha's user", "user:" + x.amy.ID, "user:user_doesnotexist0000"},
		{"Alpha's group", "group:" + x.grp, "group:grp_doesnotexist0000"},
	}
	alphaBefore := x.alphaState(t)
	for _, s := range subjects {
		for _, c := range cases {
			t.Run(s.name+" in "+c.name+" is 422 like a subject that does not exist", func(t *testing.T) {
				before := snapshot(t, b, c.state)
				e := b.do(t, c.method, c.path, c.body(s.subject)).fails(t, 422, "validation_failed", c.field)
				e2 := b.do(t, c.method, c.path, c.body(s.fake)).fails(t, 422, "validation_failed", c.field)
				id := strings.SplitN(s.subject, ":", 2)[1]
				fakeID := strings.SplitN(s.fake, ":", 2)[1]
				if strings.ReplaceAll(e.Error.Message, id, fakeID) != e2.Error.Message {
					t.Errorf("Alpha's subject: %q; no such subject: %q", e.Error.Message, e2.Error.Message)
				}
				unchanged(t, b, c.state, before)
			})
		}
		for _, c := range pathCases {
			t.Run(s.name+" as "+c.name+" is 422 like a subject that does not exist", func(t *testing.T) {
				before := snapshot(t, b, c.state)
				e := b.do(t, c.method, c.path+s.subject, c.body).fails(t, 422, "validation_failed", "")
				e2 := b.do(t, c.method, c.path+s.fake, c.body).fails(t, 422, "validation_failed", "")
				id := strings.SplitN(s.subject, ":", 2)[1]
				fakeID := strings.SplitN(s.fake, ":", 2)[1]
				if strings.ReplaceAll(e.Error.Message, id, fakeID) != e2.Error.Message || e.Error.Field != e2.Error.Field {
					t.Errorf("Alpha's subject: %+v; no such subject: %+v", e.Error, e2.Error)
				}
				unchanged(t, b, c.state, before)
			})
		}
	}
	t.Run("Alpha's workspace as the tier of a new Beta workspace is 422", func(t *testing.T) {
		before := snapshot(t, b, "/api/v1/workspaces")
		b.do(t, "POST", "/api/v1/workspaces", obj{"name": "Cross", "tier": x.tier}).fails(t, 422, "validation_failed", "tier")
		unchanged(t, b, "/api/v1/workspaces", before)
	})
	t.Run("moving a Beta workspace into Alpha's tier is 422", func(t *testing.T) {
		before := snapshot(t, b, "/api/v1/workspaces/"+x.bWs)
		b.do(t, "PATCH", "/api/v1/workspaces/"+x.bWs, obj{"tier": x.tier}).fails(t, 422, "validation_failed", "tier")
		unchanged(t, b, "/api/v1/workspaces/"+x.bWs, before)
	})
	t.Run("a Beta record cannot be created in Alpha's workspace (404)", func(t *testing.T) {
		b.do(t, "POST", "/api/v1/records", obj{"workspace": x.ws, "title": "Planted"}).fails(t, 404, "not_found", "-")
		b.do(t, "POST", "/api/v1/collections", obj{"workspace": x.ws, "name": "Planted"}).fails(t, 404, "not_found", "-")
	})
	t.Run("and Alpha is exactly as it was", func(t *testing.T) { x.alphaUnchanged(t, alphaBefore) })
}

// TestPermissionQueriesAcrossAccounts: the engine's query routes answer
// about Beta's own world only.
func TestPermissionQueriesAcrossAccounts(t *testing.T) {
	t.Parallel()
	x := newTenancyFixture(t)
	amy := "user:" + x.amy.ID
	type tc struct {
		name         string
		c            *client
		method, path string
		body         any
		status       int
		code         string
	}
	cases := []tc{
		{"Beta's owner checking for Alpha's user is 404 (no such subject)", x.B.Owner.client, "POST", "/api/v1/check", obj{"subject": amy, "permission": "can_view", "object": "record:" + x.bRec}, 404, "not_found"},
		{"Beta's owner listing objects for Alpha's user is 404", x.B.Owner.client, "GET", "/api/v1/objects?type=record&permission=can_view&subject=" + amy, nil, 404, "not_found"},
		{"Beta's owner explaining for Alpha's user is 404", x.B.Owner.client, "POST", "/api/v1/explain", obj{"subject": amy, "permission": "can_view", "object": "record:" + x.rec}, 404, "not_found"},
		{"Beta's admin checking for Alpha's owner is 404", x.bea.client, "POST", "/api/v1/check", obj{"subject": "user:" + x.A.Owner.ID, "permission": "can_view", "object": "record:" + x.rec}, 404, "not_found"},
		{"a plain Beta user checking for Alpha's user is 403 (may not ask about others)", x.ben.client, "POST", "/api/v1/check", obj{"subject": amy, "permission": "can_view", "object": "record:" + x.rec}, 403, "forbidden"},
		{"a plain Beta user listing for Alpha's user is 403", x.ben.client, "GET", "/api/v1/objects?type=record&permission=can_view&subject=" + amy, nil, 403, "forbidden"},
		{"a plain Beta user explaining for Alpha's user is 403", x.ben.client, "POST", "/api/v1/explain", obj{"subject": amy, "permission": "can_view", "object": "record:" + x.rec}, 403, "forbidden"},
		{"a plain Beta user checking for a Beta colleague is 403 too", x.ben.client, "POST", "/api/v1/check", obj{"subject": "user:" + x.bea.ID, "permission": "can_view", "object": "record:" + x.bRec}, 403, "forbidden"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.c.do(t, c.method, c.path, c.body).fails(t, c.status, c.code, "-")
		})
	}
	t.Run("Beta's owner gets the same 404 for Alpha's user as for a user that does not exist", func(t *testing.T) {
		e := x.B.Owner.do(t, "POST", "/api/v1/check", obj{"subject": amy, "permission": "can_view", "object": "record:" + x.bRec}).fails(t, 404, "not_found", "-")
		e2 := x.B.Owner.do(t, "POST", "/api/v1/check", obj{"subject": "user:user_doesnotexist0000", "permission": "can_view", "object": "record:" + x.bRec}).fails(t, 404, "not_found", "-")
		if e != e2 {
			t.Errorf("%+v vs %+v", e, e2)
		}
	})
	// Checks and explanations on Alpha's objects are plain denials for Beta.
	for _, who := range []struct {
		name string
		c    *client
	}{{"Beta's owner", x.B.Owner.client}, {"a plain Beta user", x.ben.client}} {
		for _, q := range []struct{ perm, object string }{
			{"can_view", "record:" + x.rec}, {"can_edit", "record:" + x.rec}, {"can_manage", "record:" + x.rec},
			{"can_preview", "media:" + x.med}, {"can_download", "media:" + x.med}, {"can_view", "collection:" + x.col},
			{"can_view", "workspace:" + x.ws}, {"can_view", "record:" + x.emptyACL},
		} {
			t.Run(fmt.Sprintf("%s's check of %s on Alpha's %s is allowed:false", who.name, q.perm, q.object), func(t *testing.T) {
				var res struct {
					Allowed bool `json:"allowed"`
				}
				who.c.do(t, "POST", "/api/v1/check", obj{"permission": q.perm, "object": q.object}).ok(t, 200).decode(t, &res)
				if res.Allowed {
					t.Error("allowed on another account's object")
				}
			})
			t.Run(fmt.Sprintf("%s's explanation of %s on Alpha's %s is object_not_found", who.name, q.perm, q.object), func(t *testing.T) {
				m := who.c.do(t, "POST", "/api/v1/explain", obj{"permission": q.perm, "object": q.object}).ok(t, 200).m(t)
				if m["allowed"] != false || m["reason"] != "object_not_found" || len(m["paths"].([]any)) != 0 {
					t.Errorf("explanation %v", m)
				}
			})
		}
	}
	t.Run("an object listing for Beta's owner never counts Alpha's objects", func(t *testing.T) {
		var res struct {
			Objects []string `json:"objects"`
			Total   int      `json:"total"`
		}
		x.B.Owner.get(t, "/api/v1/objects?type=record&permission=can_view").ok(t, 200).decode(t, &res)
		if res.Total != 1 || !sameIDs(res.Objects, []string{x.bRec}) {
			t.Errorf("objects %v total %d, want only %s", res.Objects, res.Total, x.bRec)
		}
	})
	t.Run("signing in as Alpha's owner narrowed to Beta's account fails", func(t *testing.T) {
		wantUnauthenticated(t, x.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "alice", "password": password, "account": x.B.Account}))
	})
}

// TestNothingOfAnotherAccountsActivity: what Beta's user reads must not
// depend on how much Alpha did in the meantime (spec §1: nothing of one
// account is visible to another through counts or ids).
func TestNothingOfAnotherAccountsActivity(t *testing.T) {
	t.Parallel()
	t.Run("Beta's record cursor is opaque and does not move when Alpha creates records", func(t *testing.T) {
		f := newFixture(t)
		b := f.B.Owner.client
		bws := mkWorkspace(t, b, "Beta desk")
		aws := mkWorkspace(t, f.A.Owner.client, "Alpha desk")
		mkRecord(t, b, bws, "first", nil)
		mkRecord(t, b, bws, "second", nil)
		cursor := func() string {
			var page struct {
				NextCursor string `json:"next_cursor"`
			}
			b.get(t, "/api/v1/records?limit=1").ok(t, 200).decode(t, &page)
			return page.NextCursor
		}
		quiet := cursor()
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`).MatchString(quiet) {
			t.Errorf("cursor %q is not an opaque token", quiet)
		}
		for i := range 40 {
			mkRecord(t, f.A.Owner.client, aws, fmt.Sprint(i), nil)
		}
		if busy := cursor(); busy != quiet {
			t.Errorf("cursor %q after a quiet Alpha, %q after a busy one", quiet, busy)
		}
		var page struct {
			Records []struct {
				Title string `json:"title"`
			} `json:"records"`
		}
		b.get(t, "/api/v1/records?limit=1&cursor="+quiet).ok(t, 200).decode(t, &page)
		if len(page.Records) != 1 || page.Records[0].Title != "second" {
			t.Errorf("the cursor's page: %+v", page.Records)
		}
	})
	t.Run("Beta's revision does not move when only Alpha writes", func(t *testing.T) {
		f := newFixture(t)
		rev := func() string { return f.B.Owner.get(t, "/api/v1/me").ok(t, 200).m(t)["revision"].(string) }
		before := rev()
		mkGroup(t, f.A.Owner.client, "Alpha only")
		if after := rev(); after != before {
			t.Errorf("Beta's revision went from %s to %s on Alpha's write", before, after)
		}
		// It does move with Beta's own writes, and reveals no number.
		mkGroup(t, f.B.Owner.client, "Beta only")
		after := rev()
		if after == before {
			t.Error("Beta's revision did not move on Beta's own write")
		}
		if _, err := strconv.ParseUint(after, 10, 64); err == nil {
			t.Errorf("revision %q is a plain number", after)
		}
	})
}
