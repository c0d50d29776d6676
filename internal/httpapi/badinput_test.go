package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// badFixture is an Alpha account with one workspace, record and group,
// the objects bad requests are aimed at.
type badFixture struct {
	*fixture
	ws, rec, med, col, grp string
}

func newBadFixture(t *testing.T) *badFixture {
	f := newFixture(t)
	a := f.A.Owner.client
	ws := mkWorkspace(t, a, "Newsroom")
	rec := mkRecord(t, a, ws, "Harbour at dawn", nil)
	return &badFixture{fixture: f, ws: ws, rec: rec, med: mkMedia(t, a, rec), col: mkCollection(t, a, ws, "Picks"), grp: mkGroup(t, a, "Photographers")}
}

// TestMalformedBodies sends every class of unreadable body to several
// write routes: each is refused with its status and stable code, and the
// state the route writes is unchanged afterwards.
func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	f := newBadFixture(t)
	owner := f.A.Owner.client
	type route struct {
		method, path string
		as           *client
		wrongType    string // a body with one field of the wrong JSON type
		typeField    string // that field, as the error names it
		state        string // what the route would change, read back after
		limit        int    // the route's body limit
	}
	routes := []route{
		{"POST", "/api/v1/groups", owner, `{"name":["x"]}`, "name", "/api/v1/groups", 1 << 20},
		{"PATCH", "/api/v1/users/" + f.A.Owner.ID, owner, `{"display_name":true}`, "display_name", "/api/v1/users/" + f.A.Owner.ID, 1 << 20},
		{"PUT", "/api/v1/records/" + f.rec + "/acl", owner, `{"entries":{"subject":"everyone"}}`, "entries", "/api/v1/records/" + f.rec + "/acl", 1 << 20},
		{"POST", "/api/v1/records", owner, `{"workspace":"` + f.ws + `","title":"t","keywords":"one"}`, "keywords", "/api/v1/records", 1 << 20},
		{"PUT", "/api/v1/workspaces/" + f.ws + "/members/group:" + f.grp, owner, `{"role":1}`, "role", "/api/v1/workspaces/" + f.ws, 1 << 20},
		{"POST", "/api/v1/acl/batch", owner, `{"type":"record","op":"add","ids":["` + f.rec + `"],"entries":[],"dry_run":"yes"}`, "dry_run", "/api/v1/records/" + f.rec + "/acl", 16 << 20},
		{"PUT", "/api/v1/default-acls/media", owner, `{"entries":[{"subject":"everyone","permissions":"view"}]}`, "entries.permissions", "/api/v1/default-acls", 1 << 20},
		{"POST", "/api/v1/check", owner, `{"permission":"can_view","object":["record:x"]}`, "object", "", 1 << 20},
		{"POST", "/api/v1/auth/login", f.anon(), `{"login":7,"password":"x"}`, "login", "", 1 << 20},
	}
	type class struct {
		name        string
		body        func(rt route) string
		contentType string
		status      int
		code, field string
	}
	classes := []class{
		{name: "malformed JSON (cut short)", body: func(route) string { return `{"name": ` }, status: 400, code: "invalid_json"},
		{name: "malformed JSON (missing colon)", body: func(route) string { return `{"name" "x"}` }, status: 400, code: "invalid_json"},
		{name: "malformed JSON (single quotes)", body: func(route) string { return `{'name':'x'}` }, status: 400, code: "invalid_json"},
		{name: "an empty body", body: func(route) string { return `` }, status: 400, code: "invalid_json"},
		{name: "a body of whitespace", body: func(route) string { return " \n\t " }, status: 400, code: "invalid_json"},
		{name: "a second object after the first", body: func(route) string { return `{}{}` }, status: 400, code: "invalid_json"},
		{name: "trailing garbage after the object", body: func(route) string { return `{} x` }, status: 400, code: "invalid_json"},
		{name: "a stray bracket after the object", body: func(route) string { return `{}]` }, status: 400, code: "invalid_json"},
		{name: "an array instead of an object", body: func(route) string { return `[]` }, status: 400, code: "invalid_json"},
		{name: "an unknown field", body: func(route) string { return `{"bogus_field":1}` }, status: 400, code: "unknown_field", field: "bogus_field"},
		{name: "a field of the wrong JSON type", body: func(rt route) string { return rt.wrongType }, status: 400, code: "invalid_json"},
		{name: "Content-Type text/plain", body: func(route) string { return `{}` }, contentType: "text/plain", status: 415, code: "unsupported_media_type"},
		{name: "Content-Type form-urlencoded", body: func(route) string { return `name=x` }, contentType: "application/x-www-form-urlencoded", status: 415, code: "unsupported_media_type"},
		{name: "Content-Type multipart/form-data", body: func(route) string { return `{}` }, contentType: "multipart/form-data; boundary=x", status: 415, code: "unsupported_media_type"},
		{name: "an unparsable Content-Type", body: func(route) string { return `{}` }, contentType: "application/json;;", status: 415, code: "unsupported_media_type"},
		{name: "a body one byte over the route's limit", body: func(rt route) string {
			return `{"x":"` + strings.Repeat("a", rt.limit) + `"}`
		}, status: 413, code: "too_large"},
		{name: "a valid object followed by padding past the limit", body: func(rt route) string {
			return `{}` + strings.Repeat(" ", rt.limit)
		}, status: 413, code: "too_large"},
	}
	for _, rt := range routes {
		before := ""
		if rt.state != "" {
			before = snapshot(t, owner, rt.state)
		}
		for _, cl := range classes {
			name := fmt.Sprintf("%s to %s %s is %d %s", cl.name, rt.method, strings.ReplaceAll(rt.path, "/", "⁄"), cl.status, cl.code)
			t.Run(name, func(t *testing.T) {
				var hs []header
				if cl.contentType != "" {
					hs = append(hs, header{"Content-Type", cl.contentType})
				}
				r := rt.as.do(t, rt.method, rt.path, raw(cl.body(rt)), hs...)
				field := cl.field
				if cl.name == "a field of the wrong JSON type" {
					field = rt.typeField
				}
				r.fails(t, cl.status, cl.code, field)
				if rt.state != "" {
					unchanged(t, owner, rt.state, before)
				}
			})
		}
	}
}

// TestBodyLimits: ordinary routes take up to 1 MiB, the batch ACL route up
// to 16 MiB; the limits are exact enough that a large batch goes through.
func TestBodyLimits(t *testing.T) {
	t.Parallel()
	f := newBadFixture(t)
	owner := f.A.Owner.client
	// ~2 MiB of ids: the same record repeated, which the batch de-duplicates.
	ids := make([]string, 0, 70000)
	for len(ids) < cap(ids) {
		ids = append(ids, f.rec)
	}
	batch := obj{"type": "record", "op": "add", "ids": ids, "dry_run": true,
		"entries": []entry{{Subject: "group:" + f.grp, Permissions: []string{"view"}}}}
	before := snapshot(t, owner, "/api/v1/records/"+f.rec+"/acl")

	t.Run("a 2 MiB batch ACL dry run is accepted and counts the de-duplicated objects", func(t *testing.T) {
		var res struct {
			DryRun  bool `json:"dry_run"`
			Objects int  `json:"objects"`
			Changed int  `json:"changed"`
		}
		owner.do(t, "POST", "/api/v1/acl/batch", batch).ok(t, 200).decode(t, &res)
		if !res.DryRun || res.Objects != 1 || res.Changed != 1 {
			t.Errorf("dry run = %+v, want dry_run, 1 object, 1 changed", res)
		}
		unchanged(t, owner, "/api/v1/records/"+f.rec+"/acl", before)
	})
	t.Run("the same 2 MiB body on an ordinary route is 413 too_large", func(t *testing.T) {
		owner.do(t, "PUT", "/api/v1/records/"+f.rec+"/acl", obj{"entries": []entry{}, "pad": strings.Repeat("x", 2<<20)}).fails(t, 413, "too_large", "")
		unchanged(t, owner, "/api/v1/records/"+f.rec+"/acl", before)
	})
	t.Run("a batch selecting 100,001 objects is 413 too_many_objects on ids", func(t *testing.T) {
		many := make([]string, 100001)
		for i := range many {
			many[i] = fmt.Sprintf("r%d", i)
		}
		owner.do(t, "POST", "/api/v1/acl/batch", obj{"type": "record", "op": "add", "ids": many,
			"entries": []entry{{Subject: "everyone", Permissions: []string{"edit"}}}}).fails(t, 413, "too_many_objects", "ids")
		unchanged(t, owner, "/api/v1/records/"+f.rec+"/acl", before)
	})
	t.Run("a body just under 1 MiB on an ordinary route is read", func(t *testing.T) {
		desc := strings.Repeat("d", 1<<20-200)
		// description is longer than allowed, so the read body reaches validation.
		owner.do(t, "POST", "/api/v1/groups", obj{"name": "Big", "description": desc}).fails(t, 422, "validation_failed", "description")
	})
}

// TestInvalidValues: well-formed requests with values the API refuses are
// 422 validation_failed naming the field, and change nothing.
func TestInvalidValues(t *testing.T) {
	t.Parallel()
	f := newBadFixture(t)
	owner := f.A.Owner.client
	alice := f.A.Owner.ID
	rec, ws, med, col, grp := f.rec, f.ws, f.med, f.col, f.grp
	acl := func(subject string, perms ...string) obj {
		return obj{"entries": []entry{{Subject: subject, Permissions: perms}}}
	}
	type tc struct {
		name         string
		method, path string
		body         any
		field        string
		state        string // read back to show nothing changed
	}
	cases := []tc{
		// subjects
		{"a record ACL naming the subject \"user:\" (no id)", "PUT", "/api/v1/records/" + rec + "/acl", acl("user:", "view"), "entries", "/api/v1/records/" + rec + "/acl"},
		{"a record ACL naming the subject \"robot:x\" (no such kind)", "PUT", "/api/v1/records/" + rec + "/acl", acl("robot:x", "view"), "entries", "/api/v1/records/" + rec + "/acl"},
		{"a record ACL naming the subject \"user:a b\" (space in the id)", "PUT", "/api/v1/records/" + rec + "/acl", acl("user:a b", "view"), "entries", "/api/v1/records/" + rec + "/acl"},
		{"a record ACL with an empty subject", "PUT", "/api/v1/records/" + rec + "/acl", acl("", "view"), "entries", "/api/v1/records/" + rec + "/acl"},
		{"a record ACL naming \"Everyone\" in the wrong case", "PUT", "/api/v1/records/" + rec + "/acl", acl("Everyone", "view"), "entries", "/api/v1/records/" + rec + "/acl"},
		{"a record ACL naming a user that does not exist", "PUT", "/api/v1/records/" + rec + "/acl", acl("user:user_nobody", "view"), "entries", "/api/v1/records/" + rec + "/acl"},
		{"a record ACL naming the default-ACL template user:$creator", "PUT", "/api/v1/records/" + rec + "/acl", acl("user:$creator", "view"), "entries", "/api/v1/records/" + rec + "/acl"},
		{"a group created with the member \"robot:x\"", "POST", "/api/v1/groups", obj{"name": "G2", "members": []string{"robot:x"}}, "members", "/api/v1/groups"},
		{"a group created with a valid and an invalid member", "POST", "/api/v1/groups", obj{"name": "G3", "members": []string{"user:" + alice, "user:"}}, "members", "/api/v1/groups"},
		{"a group created with everyone as a member", "POST", "/api/v1/groups", obj{"name": "G4", "members": []string{"everyone"}}, "members", "/api/v1/groups"},
		{"a group member added by the path subject \"user:a b\"", "PUT", "/api/v1/groups/" + grp + "/members/" + esc("user:a b"), nil, "subject", "/api/v1/groups/" + grp},
		{"a group member added by the path subject \"robot:x\"", "PUT", "/api/v1/groups/" + grp + "/members/robot:x", nil, "subject", "/api/v1/groups/" + grp},
		{"a workspace member granted by the path subject \"user:\"", "PUT", "/api/v1/workspaces/" + ws + "/members/user:", obj{"role": "viewer"}, "subject", "/api/v1/workspaces/" + ws},
		{"a workspace member granted by the path subject \"user:a b\"", "PUT", "/api/v1/workspaces/" + ws + "/members/" + esc("user:a b"), obj{"role": "viewer"}, "subject", "/api/v1/workspaces/" + ws},
		// roles
		{"a workspace member granted the role \"superuser\"", "PUT", "/api/v1/workspaces/" + ws + "/members/user:" + alice, obj{"role": "superuser"}, "role", "/api/v1/workspaces/" + ws},
		{"a workspace member granted an empty role", "PUT", "/api/v1/workspaces/" + ws + "/members/user:" + alice, obj{"role": ""}, "role", "/api/v1/workspaces/" + ws},
		{"a workspace created with a member of role \"boss\"", "POST", "/api/v1/workspaces", obj{"name": "W2", "members": []grant{{"user:" + alice, "boss"}}}, "members", "/api/v1/workspaces"},
		{"a workspace created with everyone as a member", "POST", "/api/v1/workspaces", obj{"name": "W3", "members": []grant{{"everyone", "viewer"}}}, "members", "/api/v1/workspaces"},
		{"a workspace created with the same member twice", "POST", "/api/v1/workspaces", obj{"name": "W4", "members": []grant{{"user:" + alice, "viewer"}, {"user:" + alice, "owner"}}}, "members", "/api/v1/workspaces"},
		{"a workspace created in a tier that does not exist", "POST", "/api/v1/workspaces", obj{"name": "W5", "tier": "tier_nope"}, "tier", "/api/v1/workspaces"},
		{"a tier created with a grant of role \"admin\"", "POST", "/api/v1/tiers", obj{"name": "T1", "grants": []grant{{"user:" + alice, "admin"}}}, "grants", "/api/v1/tiers"},
		{"a user created with the account role \"emperor\"", "POST", "/api/v1/users", obj{"username": "eve", "email": "eve@alpha.example", "roles": []string{"emperor"}}, "roles", "/api/v1/users"},
		{"a group created with the owner role (users only)", "POST", "/api/v1/groups", obj{"name": "Owners", "roles": []string{"owner"}}, "roles", "/api/v1/groups"},
		// ACL permissions per type
		{"\"download\" on a record ACL (media only)", "PUT", "/api/v1/records/" + rec + "/acl", acl("everyone", "download"), "entries", "/api/v1/records/" + rec + "/acl"},
		{"\"preview\" on a collection ACL (media only)", "PUT", "/api/v1/collections/" + col + "/acl", acl("everyone", "preview"), "entries", "/api/v1/collections/" + col + "/acl"},
		{"\"can_view\" (a permission, not an ACL level) on a media ACL", "PUT", "/api/v1/media/" + med + "/acl", acl("everyone", "can_view"), "entries", "/api/v1/media/" + med + "/acl"},
		{"an ACL entry without permissions", "PUT", "/api/v1/records/" + rec + "/acl", acl("everyone"), "entries", "/api/v1/records/" + rec + "/acl"},
		{"an ACL naming the same subject twice", "PUT", "/api/v1/records/" + rec + "/acl", obj{"entries": []entry{{"everyone", []string{"view"}}, {"everyone", []string{"edit"}}}}, "entries", "/api/v1/records/" + rec + "/acl"},
		{"an ACL whose first entry is fine and second is not", "PUT", "/api/v1/records/" + rec + "/acl", obj{"entries": []entry{{"user:" + alice, []string{"edit"}}, {"everyone", []string{"download"}}}}, "entries", "/api/v1/records/" + rec + "/acl"},
		{"a record created with \"download\" in its ACL", "POST", "/api/v1/records", obj{"workspace": ws, "title": "x", "acl": []entry{{"everyone", []string{"download"}}}}, "acl", "/api/v1/records"},
		{"a default record ACL with \"download\"", "PUT", "/api/v1/default-acls/record", acl("everyone", "download"), "entries", "/api/v1/default-acls"},
		{"a default ACL naming group:$creator", "PUT", "/api/v1/default-acls/record", acl("group:$creator", "view"), "entries", "/api/v1/default-acls"},
		// users and passwords
		{"a user created with the email \"not-an-email\"", "POST", "/api/v1/users", obj{"username": "eve", "email": "not-an-email"}, "email", "/api/v1/users"},
		{"a user created with a display-name email \"Eve <eve@alpha.example>\"", "POST", "/api/v1/users", obj{"username": "eve", "email": "Eve <eve@alpha.example>"}, "email", "/api/v1/users"},
		{"a user created with an email without a dot in the domain", "POST", "/api/v1/users", obj{"username": "eve", "email": "eve@alpha"}, "email", "/api/v1/users"},
		{"a user created with an 11-character password", "POST", "/api/v1/users", obj{"username": "eve", "email": "eve@alpha.example", "password": "elevenchars"}, "password", "/api/v1/users"},
		{"a user created with an upper-case username", "POST", "/api/v1/users", obj{"username": "Eve", "email": "eve@alpha.example"}, "username", "/api/v1/users"},
		{"a user created with an empty username", "POST", "/api/v1/users", obj{"username": "", "email": "eve@alpha.example"}, "username", "/api/v1/users"},
		{"a user created with the status \"zombie\"", "POST", "/api/v1/users", obj{"username": "eve", "email": "eve@alpha.example", "status": "zombie"}, "status", "/api/v1/users"},
		{"a user created with application access \"telepathy\"", "POST", "/api/v1/users", obj{"username": "eve", "email": "eve@alpha.example", "access": []string{"telepathy"}}, "access", "/api/v1/users"},
		{"a user created with a custom field named \"a-b\"", "POST", "/api/v1/users", obj{"username": "eve", "email": "eve@alpha.example", "fields": obj{"a-b": "1"}}, "fields", "/api/v1/users"},
		{"a user changed to a bad email along with a good display name", "PATCH", "/api/v1/users/" + alice, obj{"display_name": "Alice A.", "email": "nope"}, "email", "/api/v1/users/" + alice},
		{"a user changed back to pending", "PATCH", "/api/v1/users/" + alice, obj{"status": "pending"}, "status", "/api/v1/users/" + alice},
		{"a user given an empty display name", "PATCH", "/api/v1/users/" + alice, obj{"display_name": "  "}, "display_name", "/api/v1/users/" + alice},
		{"an owner setting their own password through the admin route", "PUT", "/api/v1/users/" + alice + "/password", obj{"password": "a long enough password"}, "id", "/api/v1/users/" + alice},
		{"a token expiring in -1 days", "POST", "/api/v1/tokens", obj{"name": "x", "expires_in_days": -1}, "expires_in_days", "/api/v1/tokens"},
		{"a token expiring in 3651 days", "POST", "/api/v1/tokens", obj{"name": "x", "expires_in_days": 3651}, "expires_in_days", "/api/v1/tokens"},
		// content fields
		{"a record with an empty title", "POST", "/api/v1/records", obj{"workspace": ws, "title": " "}, "title", "/api/v1/records"},
		{"a record with the media type \"hologram\"", "POST", "/api/v1/records", obj{"workspace": ws, "title": "t", "media_type": "hologram"}, "media_type", "/api/v1/records"},
		{"a record with an empty keyword", "POST", "/api/v1/records", obj{"workspace": ws, "title": "t", "keywords": []string{"ok", ""}}, "keywords", "/api/v1/records"},
		{"a record changed to a good title and a bad media type", "PATCH", "/api/v1/records/" + rec, obj{"title": "New title", "media_type": "hologram"}, "media_type", "/api/v1/records/" + rec},
		{"a media object with a filename holding a slash", "POST", "/api/v1/records/" + rec + "/media", obj{"media_type": "image", "filename": "../etc/passwd"}, "filename", "/api/v1/records/" + rec + "/media"},
		{"a group named with a control character", "POST", "/api/v1/groups", obj{"name": "bad\x00name"}, "name", "/api/v1/groups"},
		// batch
		{"a batch over the type \"workspace\"", "POST", "/api/v1/acl/batch", obj{"type": "workspace", "op": "add", "ids": []string{ws}, "entries": []entry{{"everyone", []string{"view"}}}}, "type", "/api/v1/workspaces/" + ws},
		{"a batch with the op \"merge\"", "POST", "/api/v1/acl/batch", obj{"type": "record", "op": "merge", "ids": []string{rec}, "entries": []entry{{"everyone", []string{"edit"}}}}, "op", "/api/v1/records/" + rec + "/acl"},
		{"a batch selecting no objects", "POST", "/api/v1/acl/batch", obj{"type": "record", "op": "add", "ids": []string{}, "entries": []entry{{"everyone", []string{"edit"}}}}, "ids", "/api/v1/records/" + rec + "/acl"},
		{"a batch adding no entries", "POST", "/api/v1/acl/batch", obj{"type": "record", "op": "add", "ids": []string{rec}, "entries": []entry{}}, "entries", "/api/v1/records/" + rec + "/acl"},
		{"a batch adding the subject \"user:a b\"", "POST", "/api/v1/acl/batch", obj{"type": "record", "op": "add", "ids": []string{rec}, "entries": []entry{{"user:a b", []string{"edit"}}}}, "entries", "/api/v1/records/" + rec + "/acl"},
		{"a batch adding \"download\" to records", "POST", "/api/v1/acl/batch", obj{"type": "record", "op": "replace", "ids": []string{rec}, "entries": []entry{{"everyone", []string{"download"}}}}, "entries", "/api/v1/records/" + rec + "/acl"},
		// the permission engine
		{"a check of the unknown permission \"can_fly\"", "POST", "/api/v1/check", obj{"permission": "can_fly", "object": "record:" + rec}, "permission", ""},
		{"a check of can_download on a record (media only)", "POST", "/api/v1/check", obj{"permission": "can_download", "object": "record:" + rec}, "permission", ""},
		{"a check on the unknown type \"robot:x\"", "POST", "/api/v1/check", obj{"permission": "can_view", "object": "robot:x"}, "object", ""},
		{"a check on an object without an id", "POST", "/api/v1/check", obj{"permission": "can_view", "object": "record"}, "object", ""},
		{"a check on a group (not a content type)", "POST", "/api/v1/check", obj{"permission": "can_view", "object": "group:" + grp}, "object", ""},
		{"a check for the subject group:x (users only)", "POST", "/api/v1/check", obj{"subject": "group:" + grp, "permission": "can_view", "object": "record:" + rec}, "subject", ""},
		{"a check for the subject \"user:\"", "POST", "/api/v1/check", obj{"subject": "user:", "permission": "can_view", "object": "record:" + rec}, "subject", ""},
		{"an explanation of the unknown permission \"can_fly\"", "POST", "/api/v1/explain", obj{"permission": "can_fly", "object": "record:" + rec}, "permission", ""},
		{"an explanation on the unknown type \"robot:x\"", "POST", "/api/v1/explain", obj{"permission": "can_view", "object": "robot:x"}, "object", ""},
	}
	for _, c := range cases {
		t.Run(c.name+" is 422 validation_failed on "+c.field, func(t *testing.T) {
			before := ""
			if c.state != "" {
				before = snapshot(t, owner, c.state)
			}
			r := owner.do(t, c.method, c.path, c.body)
			r.fails(t, 422, "validation_failed", c.field)
			if c.state != "" {
				unchanged(t, owner, c.state, before)
			}
		})
	}
}

// TestInvalidQueries: listings and engine queries with bad parameters are
// 422 validation_failed naming the parameter.
func TestInvalidQueries(t *testing.T) {
	t.Parallel()
	f := newBadFixture(t)
	owner := f.A.Owner.client
	cases := []struct{ name, path, field string }{
		{"a record listing with limit=0", "/api/v1/records?limit=0", "limit"},
		{"a record listing with limit=abc", "/api/v1/records?limit=abc", "limit"},
		{"a record listing with limit=5000", "/api/v1/records?limit=5000", "limit"},
		{"a record listing with limit=-1", "/api/v1/records?limit=-1", "limit"},
		{"a record listing with limit=1.5", "/api/v1/records?limit=1.5", "limit"},
		{"a record listing by the unknown permission can_fly", "/api/v1/records?permission=can_fly", "permission"},
		{"a record listing by can_download (media only)", "/api/v1/records?permission=can_download", "permission"},
		{"a record listing with a cursor the server never gave", "/api/v1/records?cursor=not-a-cursor", "cursor"},
		{"a media listing with limit=0", "/api/v1/media?limit=0", "limit"},
		{"a media listing with a negative cursor", "/api/v1/media?cursor=-5", "cursor"},
		{"a collection listing with limit=abc", "/api/v1/collections?limit=abc", "limit"},
		{"a collection listing by can_preview (media only)", "/api/v1/collections?permission=can_preview", "permission"},
		{"a user listing with limit=5000", "/api/v1/users?limit=5000", "limit"},
		{"a user listing with limit=0", "/api/v1/users?limit=0", "limit"},
		{"a user listing by the status zombie", "/api/v1/users?status=zombie", "status"},
		{"an object listing without a permission", "/api/v1/objects?type=record", "permission"},
		{"an object listing without a type", "/api/v1/objects?permission=can_view", "type"},
		{"an object listing of the unknown permission can_fly", "/api/v1/objects?type=record&permission=can_fly", "permission"},
		{"an object listing of the unknown type robot", "/api/v1/objects?type=robot&permission=can_view", "type"},
		{"an object listing of workspaces (not a content type)", "/api/v1/objects?type=workspace&permission=can_view", "type"},
		{"an object listing of can_download on records", "/api/v1/objects?type=record&permission=can_download", "permission"},
		{"an object listing with limit=0", "/api/v1/objects?type=record&permission=can_view&limit=0", "limit"},
		{"an object listing with limit=abc", "/api/v1/objects?type=record&permission=can_view&limit=abc", "limit"},
		{"an object listing with limit=100001 (id pages stop at 100000)", "/api/v1/objects?type=record&permission=can_view&limit=100001", "limit"},
		{"an object listing with a bad cursor", "/api/v1/objects?type=record&permission=can_view&cursor=%21%21", "cursor"},
		{"an object listing for the subject group:x", "/api/v1/objects?type=record&permission=can_view&subject=group:" + f.grp, "subject"},
		{"an object listing for the subject \"everyone\"", "/api/v1/objects?type=record&permission=can_view&subject=everyone", "subject"},
		{"a who query of the unknown permission can_fly", "/api/v1/who?permission=can_fly&object=record:" + f.rec, "permission"},
		{"a who query on the unknown type robot", "/api/v1/who?permission=can_view&object=robot:x", "object"},
		{"a who query without an object", "/api/v1/who?permission=can_view", "object"},
	}
	for _, c := range cases {
		t.Run(c.name+" is 422 validation_failed on "+c.field, func(t *testing.T) {
			owner.get(t, c.path).fails(t, 422, "validation_failed", c.field)
		})
	}
	t.Run("a cursor the server gave pages on to the rest of the listing", func(t *testing.T) {
		for i := range 3 {
			mkRecord(t, owner, f.ws, fmt.Sprintf("extra %d", i), nil)
		}
		all, total := recordIDs(t, owner, "")
		var page struct {
			Records    []struct{ ID string } `json:"records"`
			NextCursor string                `json:"next_cursor"`
			Total      int                   `json:"total"`
		}
		var seen []string
		path := "/api/v1/records?limit=2"
		for {
			owner.get(t, path).ok(t, 200).decode(t, &page)
			if page.Total != total {
				t.Errorf("page total %d, want %d", page.Total, total)
			}
			for _, r := range page.Records {
				seen = append(seen, r.ID)
			}
			if page.NextCursor == "" {
				break
			}
			path = "/api/v1/records?limit=2&cursor=" + page.NextCursor
			page.NextCursor = ""
		}
		if !sameIDs(seen, all) || len(seen) != total {
			t.Errorf("paged through %v, want %v (total %d)", seen, all, total)
		}
	})
}

// TestUnknownRoutes: a path the API does not serve is 404 route_not_found
// in the documented error shape, credentials or not.
func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, c := range []struct {
		name, method, path string
		as                 *client
	}{
		{"an unknown path without credentials", "GET", "/api/v1/nope", f.anon()},
		{"an unknown path with a token", "GET", "/api/v2/records", f.A.Owner.client},
	} {
		t.Run(c.name+" is 404 route_not_found", func(t *testing.T) {
			c.as.do(t, c.method, c.path, nil).fails(t, http.StatusNotFound, "route_not_found", "-")
		})
	}
}

// TestMissingEntriesDoNotEmptyACLs: "entries" is a required field of the
// ACL bodies (the OpenAPI document says so); a body without it must be
// refused, not read as "no entries", which takes everyone's access away.
func TestMissingEntriesDoNotEmptyACLs(t *testing.T) {
	t.Parallel()
	f := newBadFixture(t)
	owner := f.A.Owner.client
	cases := []struct {
		name, method, path string
		body               raw
		state              string
	}{
		{"PUT a record ACL with {}", "PUT", "/api/v1/records/" + f.rec + "/acl", `{}`, "/api/v1/records/" + f.rec + "/acl"},
		{"PUT a record ACL with entries null", "PUT", "/api/v1/records/" + f.rec + "/acl", `{"entries":null}`, "/api/v1/records/" + f.rec + "/acl"},
		{"PUT a media ACL with {}", "PUT", "/api/v1/media/" + f.med + "/acl", `{}`, "/api/v1/media/" + f.med + "/acl"},
		{"PUT the default record ACL with {}", "PUT", "/api/v1/default-acls/record", `{}`, "/api/v1/default-acls"},
		{"a batch replace without entries", "POST", "/api/v1/acl/batch", raw(`{"type":"record","op":"replace","ids":["` + f.rec + `"]}`), "/api/v1/records/" + f.rec + "/acl"},
	}
	for _, c := range cases {
		t.Run(c.name+" is 422 on entries and keeps the ACL", func(t *testing.T) {
			before := snapshot(t, owner, c.state)
			owner.do(t, c.method, c.path, c.body).fails(t, 422, "validation_failed", "entries")
			unchanged(t, owner, c.state, before)
		})
	}
	t.Run("an explicit empty list still empties an ACL", func(t *testing.T) {
		owner.do(t, "PUT", "/api/v1/records/"+f.rec+"/acl", obj{"entries": []entry{}}).ok(t, 200)
	})
}
