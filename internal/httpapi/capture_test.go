package httpapi_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// Capture profiles (spec §4): upload templates (target workspace,
// required metadata fields, default ACL) assigned to users and groups; a
// capture-application user can upload only through a profile assigned to
// them.

// capProfile is a capture profile as the API returns it (its ACLs may
// name user:$creator, which is no subject a domain.ACLEntry reads).
type capProfile struct {
	ID          string                     `json:"id"`
	Name        string                     `json:"name"`
	WorkspaceID string                     `json:"workspace"`
	Fields      []domain.RegistrationField `json:"fields"`
	RecordACL   []entry                    `json:"record_acl"`
	MediaACL    []entry                    `json:"media_acl"`
	Holders     []string                   `json:"holders"`
}

// mkCaptureProfile defines a capture profile and returns it.
func mkCaptureProfile(t *testing.T, c *client, body obj) capProfile {
	t.Helper()
	var p capProfile
	c.do(t, "POST", "/api/v1/capture-profiles", body).ok(t, 201).decode(t, &p)
	return p
}

// captureOnlyUser creates a user whose only application is capture and
// returns it.
func captureOnlyUser(t *testing.T, owner *client, tn *tenant, username string) domain.User {
	t.Helper()
	var u domain.User
	owner.do(t, "POST", "/api/v1/users", obj{"username": username, "email": username + "@" + tn.Domain, "password": password, "access": []string{"capture"}}).ok(t, 201).decode(t, &u)
	return u
}

// surveyFields are the fields of the test's capture profile.
var surveyFields = []obj{
	{"name": "site", "label": "Site", "type": "text", "required": true},
	{"name": "depth", "label": "Depth (m)", "type": "number"},
	{"name": "kind", "label": "Kind", "type": "choice", "choices": []string{"damage", "survey"}, "required": true},
	{"name": "seen", "label": "Seen on", "type": "date"},
	{"name": "safe", "label": "Site is safe", "type": "boolean"},
}

// aclOf returns an ACL as "subject:perm+perm" strings, sorted.
func aclOf(acl []domain.ACLEntry) []string {
	es := make([]entry, len(acl))
	for i, en := range acl {
		es[i] = entry{Subject: en.Subject.String(), Permissions: en.Permissions}
	}
	return entriesOf(es)
}

// entriesOf returns ACL entries as "subject:perm+perm" strings, sorted.
func entriesOf(es []entry) []string {
	out := []string{}
	for _, en := range es {
		out = append(out, en.Subject+":"+strings.Join(en.Permissions, "+"))
	}
	slices.Sort(out)
	return out
}

func TestCapture(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner := f.A.Owner
	rita := f.addUser(t, f.A, "rita")
	dave := f.addUser(t, f.A, "dave")
	reviewers := mkGroup(t, owner.client, "Reviewers", "user:"+rita.ID)
	field := mkWorkspace(t, owner.client, "Field")
	other := mkWorkspace(t, owner.client, "Other")
	cam := captureOnlyUser(t, owner.client, f.A, "cam")
	camS := f.login(t, "cam") // a capture client signed in with a password
	camT := f.member(t, cam)  // and one with an API token
	profile := mkCaptureProfile(t, owner.client, obj{"name": "Damage survey", "workspace": field, "fields": surveyFields,
		"record_acl": []entry{{Subject: "group:" + reviewers, Permissions: []string{"view"}}},
		"media_acl":  []entry{{Subject: "group:" + reviewers, Permissions: []string{"preview"}}},
		"holders":    []string{"user:" + cam.ID}})
	capturePath := "/api/v1/capture/" + profile.ID + "/records"
	valid := func(title string) obj {
		return obj{"title": title, "fields": obj{"site": "Quay 4", "depth": 12.5, "kind": "damage", "seen": "2026-11-02", "safe": false}}
	}
	camActor := service.Actor{UserID: cam.ID, AccountID: f.A.Account}

	t.Run("a capture-only user signs in and reads who they are and the profiles assigned to them", func(t *testing.T) {
		var me struct {
			User domain.User `json:"user"`
		}
		camS.get(t, "/api/v1/me").ok(t, 200).decode(t, &me)
		if me.User.ID != cam.ID {
			t.Errorf("GET /me is %s, want cam", me.User.ID)
		}
		var mine struct {
			Profiles []service.CaptureProfileSummary `json:"profiles"`
		}
		camT.get(t, "/api/v1/me/capture-profiles").ok(t, 200).decode(t, &mine)
		if len(mine.Profiles) != 1 || mine.Profiles[0].ID != profile.ID || mine.Profiles[0].WorkspaceID != field || len(mine.Profiles[0].Fields) != len(surveyFields) {
			t.Errorf("cam's profiles %+v, want Damage survey with its fields", mine.Profiles)
		}
	})
	t.Run("a capture-only user cannot create records outside a profile, nor use any other route", func(t *testing.T) {
		for _, c := range []*client{camS, camT.client} {
			c.do(t, "POST", "/api/v1/records", obj{"workspace": field, "title": "outside"}).fails(t, 403, "application_not_allowed", "-")
			c.get(t, "/api/v1/records").fails(t, 403, "application_not_allowed", "-")
			c.do(t, "POST", "/api/v1/workspaces", obj{"name": "Mine"}).fails(t, 403, "application_not_allowed", "-")
		}
		if _, err := f.svc.CreateRecord(f.ctx, camActor, service.RecordInput{WorkspaceID: field, Title: "outside"}); code(err) != "capture_only" {
			t.Errorf("the service's CreateRecord for cam = %v, want capture_only", err)
		}
	})

	bad := []struct {
		name   string
		fields obj
		field  string
	}{
		{"a missing required field", obj{"kind": "damage"}, "fields.site"},
		{"an empty required field", obj{"site": "", "kind": "damage"}, "fields.site"},
		{"a number given as text", obj{"site": "Quay 4", "kind": "damage", "depth": "deep"}, "fields.depth"},
		{"a choice not offered", obj{"site": "Quay 4", "kind": "flood"}, "fields.kind"},
		{"a date in another format", obj{"site": "Quay 4", "kind": "damage", "seen": "02/11/2026"}, "fields.seen"},
		{"a boolean given as text", obj{"site": "Quay 4", "kind": "damage", "safe": "no"}, "fields.safe"},
		{"a field the profile does not define", obj{"site": "Quay 4", "kind": "damage", "colour": "red"}, "fields.colour"},
	}
	for _, c := range bad {
		t.Run(c.name+" is a 422 naming "+c.field, func(t *testing.T) {
			camS.do(t, "POST", capturePath, obj{"title": "Crack", "fields": c.fields}).fails(t, 422, "validation_failed", c.field)
		})
	}
	t.Run("a capture without a title is a 422 naming title", func(t *testing.T) {
		camS.do(t, "POST", capturePath, obj{"title": " ", "fields": valid("")["fields"]}).fails(t, 422, "validation_failed", "title")
	})
	t.Run("the body chooses neither the workspace nor the ACL", func(t *testing.T) {
		body := valid("Crack")
		body["workspace"] = other
		camS.do(t, "POST", capturePath, body).fails(t, 400, "unknown_field", "workspace")
		body = valid("Crack")
		body["acl"] = []entry{}
		camS.do(t, "POST", capturePath, body).fails(t, 400, "unknown_field", "acl")
	})

	var rec domain.Record
	t.Run("a capture creates the record in the profile's workspace, with its fields and ACL, and the capturer keeps edit", func(t *testing.T) {
		camS.do(t, "POST", capturePath, valid("Crack in quay wall")).ok(t, 201).decode(t, &rec)
		if rec.WorkspaceID != field || rec.CreatedBy != cam.ID {
			t.Errorf("record in %s by %s, want %s by cam", rec.WorkspaceID, rec.CreatedBy, field)
		}
		want := map[string]string{"site": "Quay 4", "depth": "12.5", "kind": "damage", "seen": "2026-11-02", "safe": "false"}
		for k, v := range want {
			if rec.Fields[k] != v {
				t.Errorf("field %s = %q, want %q", k, rec.Fields[k], v)
			}
		}
		if got := aclOf(rec.ACL); !slices.Equal(got, []string{"group:" + reviewers + ":view", "user:" + cam.ID + ":edit"}) {
			t.Errorf("ACL %v, want the profile's plus the capturer's edit", got)
		}
		if _, err := f.svc.GetRecord(f.ctx, camActor, rec.ID); err != nil {
			t.Errorf("cam cannot see what they captured: %v", err)
		}
		rita.get(t, "/api/v1/records/"+rec.ID).ok(t, 200)
		dave.get(t, "/api/v1/records/"+rec.ID).fails(t, 404, "not_found", "-")
	})
	t.Run("the capturer attaches media through the profile, with its media ACL, and not through the ordinary route", func(t *testing.T) {
		var m domain.Media
		camT.do(t, "POST", capturePath+"/"+rec.ID+"/media", obj{"media_type": "image", "filename": "crack.jpg"}).ok(t, 201).decode(t, &m)
		if got := aclOf(m.ACL); !slices.Equal(got, []string{"group:" + reviewers + ":preview", "user:" + cam.ID + ":edit"}) {
			t.Errorf("media ACL %v, want the profile's plus the capturer's edit", got)
		}
		camT.do(t, "POST", "/api/v1/records/"+rec.ID+"/media", obj{"media_type": "image", "filename": "x.jpg"}).fails(t, 403, "application_not_allowed", "-")
		camT.do(t, "POST", capturePath+"/"+rec.ID+"/media", obj{"media_type": "image", "acl": []entry{}}).fails(t, 422, "validation_failed", "acl")
	})
	t.Run("media go only to records of the profile's workspace", func(t *testing.T) {
		elsewhere := mkRecord(t, owner.client, other, "Elsewhere", []entry{{Subject: "user:" + cam.ID, Permissions: []string{"edit"}}})
		camT.do(t, "POST", capturePath+"/"+elsewhere+"/media", obj{"media_type": "image"}).fails(t, 403, "forbidden", "-")
		hidden := mkRecord(t, owner.client, field, "Hidden", []entry{})
		camT.do(t, "POST", capturePath+"/"+hidden+"/media", obj{"media_type": "image"}).fails(t, 404, "not_found", "-")
	})
	t.Run("captures are audited with the profile", func(t *testing.T) {
		p := audit(t, owner.client, url.Values{"type": {"capture.record"}})
		ev := find(t, p, "capture.record", "record:"+rec.ID)
		if ev.Actor != cam.ID || ev.Detail["profile"] != profile.ID || ev.Detail["workspace"] != field {
			t.Errorf("capture event %+v", ev)
		}
		findBy(t, p, "capture.record", cam.ID)
	})

	t.Run("a capture-only user without the profile cannot capture, and does not learn it exists", func(t *testing.T) {
		nia := captureOnlyUser(t, owner.client, f.A, "nia")
		niaT := f.member(t, nia)
		niaT.do(t, "POST", capturePath, valid("Mine")).fails(t, 404, "not_found", "-")
		var mine struct {
			Profiles []service.CaptureProfileSummary `json:"profiles"`
		}
		niaT.get(t, "/api/v1/me/capture-profiles").ok(t, 200).decode(t, &mine)
		if len(mine.Profiles) != 0 {
			t.Errorf("nia's profiles %+v, want none", mine.Profiles)
		}
		t.Run("and through a group holding it, they can", func(t *testing.T) {
			capturers := mkGroup(t, owner.client, "Capturers", "user:"+nia.ID)
			owner.do(t, "PATCH", "/api/v1/capture-profiles/"+profile.ID, obj{"holders": []string{"user:" + cam.ID, "group:" + capturers}}).ok(t, 200)
			niaT.do(t, "POST", capturePath, valid("Through the group")).ok(t, 201)
			owner.do(t, "DELETE", "/api/v1/groups/"+capturers+"/members/"+esc("user:"+nia.ID), nil).ok(t, 204)
			niaT.do(t, "POST", capturePath, valid("After leaving")).fails(t, 404, "not_found", "-")
		})
	})
	t.Run("a user of the portal who holds the profile needs the contributor role on its workspace", func(t *testing.T) {
		var u domain.User
		owner.do(t, "POST", "/api/v1/users", obj{"username": "paul", "email": "paul@alpha.example", "password": password, "access": []string{"portal", "connect"}}).ok(t, 201).decode(t, &u)
		paul := f.member(t, u)
		owner.do(t, "PATCH", "/api/v1/capture-profiles/"+profile.ID, obj{"holders": []string{"user:" + cam.ID, "user:" + paul.ID}}).ok(t, 200)
		paul.do(t, "POST", capturePath, valid("By paul")).fails(t, 403, "forbidden", "-")
		owner.do(t, "PUT", "/api/v1/workspaces/"+field+"/members/"+esc("user:"+paul.ID), obj{"role": "contributor"}).ok(t, 204)
		var r domain.Record
		paul.do(t, "POST", capturePath, valid("By paul")).ok(t, 201).decode(t, &r)
		if r.WorkspaceID != field {
			t.Errorf("paul's capture went to %s", r.WorkspaceID)
		}
	})
	t.Run("an administrator who does not hold the profile is told it is not assigned", func(t *testing.T) {
		owner.do(t, "POST", capturePath, valid("By the owner")).fails(t, 403, "profile_not_assigned", "-")
	})
	t.Run("taking the profile away stops the capture at once", func(t *testing.T) {
		owner.do(t, "PATCH", "/api/v1/capture-profiles/"+profile.ID, obj{"holders": []string{}}).ok(t, 200)
		camS.do(t, "POST", capturePath, valid("Too late")).fails(t, 404, "not_found", "-")
	})
}

// TestCaptureApplicationAccess: sessions and tokens of a user granted
// capture work on the capture routes only, and stop when capture is
// taken away.
func TestCaptureApplicationAccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner := f.A.Owner
	cam := captureOnlyUser(t, owner.client, f.A, "cam")
	sess := f.login(t, "cam")
	tok := f.member(t, cam)
	t.Run("the capture routes take the session and the token", func(t *testing.T) {
		sess.get(t, "/api/v1/me/capture-profiles").ok(t, 200)
		tok.get(t, "/api/v1/me").ok(t, 200)
	})
	t.Run("so do the user's own credentials: a capture client's token, sessions, the second factor", func(t *testing.T) {
		minted := mkToken(t, sess, "upload client", nil)
		f.bearer(minted.Secret).get(t, "/api/v1/me/capture-profiles").ok(t, 200)
		f.bearer(minted.Secret).get(t, "/api/v1/records").fails(t, 403, "application_not_allowed", "-")
		sess.get(t, "/api/v1/me/sessions").ok(t, 200)
		sess.get(t, "/api/v1/me/mfa").ok(t, 200)
	})
	t.Run("other routes refuse them as not allowed for the application, not as bad credentials", func(t *testing.T) {
		sess.get(t, "/api/v1/workspaces").fails(t, 403, "application_not_allowed", "-")
		tok.get(t, "/api/v1/account").fails(t, 403, "application_not_allowed", "-")
	})
	t.Run("portal and connect users keep every route, the capture ones included", func(t *testing.T) {
		owner.get(t, "/api/v1/me/capture-profiles").ok(t, 200)
		f.login(t, "alice").get(t, "/api/v1/me/capture-profiles").ok(t, 200)
	})
	t.Run("taking capture away ends the session and the token on the capture routes too", func(t *testing.T) {
		owner.do(t, "PATCH", "/api/v1/users/"+cam.ID, obj{"access": []string{}}).ok(t, 200)
		wantUnauthenticated(t, sess.get(t, "/api/v1/me"))
		wantUnauthenticated(t, tok.get(t, "/api/v1/me/capture-profiles"))
		wantUnauthenticated(t, f.anon().do(t, "POST", "/api/v1/auth/login", obj{"login": "cam", "password": password}))
	})
}

// TestCaptureProfileManagement: capture profiles are managed with
// manage_settings by the owners of their workspace, validated field by
// field (reusing the registration field types), and audited.
func TestCaptureProfileManagement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner := f.A.Owner
	dave := f.addUser(t, f.A, "dave")
	dev := f.addUser(t, f.A, "devon", "developer") // manage_settings, editor of every workspace
	ws := mkWorkspace(t, owner.client, "Field", grant{Subject: "user:" + dave.ID, Role: "owner"})
	ws2 := mkWorkspace(t, owner.client, "Archive")

	t.Run("omitted ACLs are the account's default ACLs at creation, creator template included", func(t *testing.T) {
		owner.do(t, "PUT", "/api/v1/default-acls/media", obj{"entries": []entry{{Subject: "user:$creator", Permissions: []string{"download"}}}}).ok(t, 200)
		p := mkCaptureProfile(t, owner.client, obj{"name": "Defaults", "workspace": ws})
		var def struct {
			Record []domain.ACLEntry `json:"record"`
		}
		owner.get(t, "/api/v1/default-acls").ok(t, 200).decode(t, &def)
		if !slices.Equal(entriesOf(p.RecordACL), aclOf(def.Record)) {
			t.Errorf("record ACL %v, want the default %v", entriesOf(p.RecordACL), aclOf(def.Record))
		}
		if got := entriesOf(p.MediaACL); !slices.Equal(got, []string{"user:$creator:download"}) {
			t.Errorf("media ACL %v, want the default [user:$creator:download]", got)
		}
		if p.Holders == nil || len(p.Holders) != 0 || p.Fields == nil {
			t.Errorf("profile %+v: want empty lists, not null", p)
		}
	})
	t.Run("manage_settings alone is not enough: the workspace's owners decide who may capture into it", func(t *testing.T) {
		dev.do(t, "POST", "/api/v1/capture-profiles", obj{"name": "By dev", "workspace": ws}).fails(t, 403, "forbidden", "-")
		dave.do(t, "POST", "/api/v1/capture-profiles", obj{"name": "By dave", "workspace": ws}).fails(t, 403, "forbidden", "-")
		dave.get(t, "/api/v1/capture-profiles").fails(t, 403, "forbidden", "-")
	})

	bad := []struct {
		name  string
		body  obj
		field string
	}{
		{"a profile without a name", obj{"name": "", "workspace": ws}, "name"},
		{"no workspace", obj{"name": "x"}, "workspace"},
		{"a workspace that does not exist", obj{"name": "x", "workspace": "ws_nosuchworkspace"}, "workspace"},
		{"a field of an unknown type", obj{"name": "x", "workspace": ws, "fields": []obj{{"name": "site", "type": "colour"}}}, "fields[0].type"},
		{"a field name with a space", obj{"name": "x", "workspace": ws, "fields": []obj{{"name": "the site", "type": "text"}}}, "fields[0].name"},
		{"a choice field without choices", obj{"name": "x", "workspace": ws, "fields": []obj{{"name": "k", "type": "text"}, {"name": "kind", "type": "choice"}}}, "fields[1].choices"},
		{"a field defined twice", obj{"name": "x", "workspace": ws, "fields": []obj{{"name": "k", "type": "text"}, {"name": "k", "type": "date"}}}, "fields[1].name"},
		{"a record ACL with a media permission", obj{"name": "x", "workspace": ws, "record_acl": []entry{{Subject: "everyone", Permissions: []string{"download"}}}}, "record_acl"},
		{"a media ACL naming a group that does not exist", obj{"name": "x", "workspace": ws, "media_acl": []entry{{Subject: "group:grp_nosuchgroup", Permissions: []string{"view"}}}}, "media_acl"},
		{"a holder that does not exist", obj{"name": "x", "workspace": ws, "holders": []string{"group:grp_nosuchgroup"}}, "holders"},
	}
	for _, c := range bad {
		t.Run(c.name+" is refused naming "+c.field, func(t *testing.T) {
			owner.do(t, "POST", "/api/v1/capture-profiles", c.body).fails(t, 422, "validation_failed", c.field)
		})
	}

	t.Run("changes are audited, and moving a profile needs the owner role on the new workspace too", func(t *testing.T) {
		wendy := f.addUser(t, f.A, "wendy", "developer") // manage_settings, and below the owner of ws
		owner.do(t, "PUT", "/api/v1/workspaces/"+ws+"/members/"+esc("user:"+wendy.ID), obj{"role": "owner"}).ok(t, 204)
		p := mkCaptureProfile(t, wendy.client, obj{"name": "Quays", "workspace": ws, "holders": []string{"everyone"}})
		wendy.do(t, "PATCH", "/api/v1/capture-profiles/"+p.ID, obj{"workspace": ws2}).fails(t, 403, "forbidden", "-")
		dev.do(t, "PATCH", "/api/v1/capture-profiles/"+p.ID, obj{"holders": []string{"user:" + dev.ID}}).fails(t, 403, "forbidden", "-")
		var moved capProfile
		owner.do(t, "PATCH", "/api/v1/capture-profiles/"+p.ID, obj{"workspace": ws2, "fields": []obj{{"name": "site", "type": "text", "required": true}}, "holders": []string{"user:" + dave.ID}}).ok(t, 200).decode(t, &moved)
		if moved.WorkspaceID != ws2 || len(moved.Fields) != 1 || moved.Fields[0].Label != "site" {
			t.Errorf("moved profile %+v", moved)
		}
		ev := findBy(t, audit(t, owner.client, url.Values{"target": {"capture_profile:" + p.ID}}), "capture_profile.update", owner.ID)
		if ev.Detail["workspace"] != ws+" -> "+ws2 || ev.Detail["fields"] != " -> site:text!" || ev.Detail["holders_added"] != "user:"+dave.ID || ev.Detail["holders_removed"] != "everyone" {
			t.Errorf("update detail %v", ev.Detail)
		}
		t.Run("a workspace a profile captures into cannot be deleted until the profile goes", func(t *testing.T) {
			owner.do(t, "DELETE", "/api/v1/workspaces/"+ws2, nil).fails(t, 409, "workspace_in_use", "-")
			owner.do(t, "DELETE", "/api/v1/capture-profiles/"+p.ID, nil).ok(t, 204)
			find(t, audit(t, owner.client, url.Values{"type": {"capture_profile.delete"}}), "capture_profile.delete", "capture_profile:"+p.ID)
			owner.do(t, "DELETE", "/api/v1/workspaces/"+ws2, nil).ok(t, 204)
		})
	})
}

// TestProfilesStayInTheirAccount: another account's profiles are not
// found like missing ones, and a profile names nothing of another
// account.
func TestProfilesStayInTheirAccount(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob := f.A.Owner, f.B.Owner
	wsA := mkWorkspace(t, alice.client, "Alpha field")
	wsB := mkWorkspace(t, bob.client, "Beta field")
	groupB := mkGroup(t, bob.client, "Beta crew")
	dlA := mkDownloadProfile(t, alice.client, "Alpha press", []string{"everyone"}, rule("*", "*"))
	capA := mkCaptureProfile(t, alice.client, obj{"name": "Alpha survey", "workspace": wsA, "holders": []string{"everyone"}})
	recA := mkRecord(t, alice.client, wsA, "Alpha record", nil)
	medA := mkMedia(t, alice.client, recA)

	t.Run("another account's profile ids are not found, for reading, changing, deleting and capturing", func(t *testing.T) {
		for _, path := range []string{"/api/v1/download-profiles/" + dlA, "/api/v1/capture-profiles/" + capA.ID} {
			bob.get(t, path).fails(t, 404, "not_found", "-")
			bob.do(t, "PATCH", path, obj{"name": "Mine now"}).fails(t, 404, "not_found", "-")
			bob.do(t, "DELETE", path, nil).fails(t, 404, "not_found", "-")
		}
		bob.do(t, "POST", "/api/v1/capture/"+capA.ID+"/records", obj{"title": "Intrusion"}).fails(t, 404, "not_found", "-")
		bob.get(t, "/api/v1/media/"+medA+"/downloads").fails(t, 404, "not_found", "-")
		if got := code(f.svc.DownloadAllowed(f.ctx, service.Actor{UserID: bob.ID, AccountID: f.B.Account}, medA, "original")); got != "not_found" {
			t.Errorf("bob's DownloadAllowed on alpha's media = %q, want not_found", got)
		}
	})
	t.Run("an account lists its own profiles only", func(t *testing.T) {
		if ps := downloadProfiles(t, bob.client); len(ps) != 1 || ps["All renditions"].ID == "" {
			t.Errorf("beta's download profiles %v, want only its All renditions", ps)
		}
		var l struct {
			Profiles []capProfile `json:"profiles"`
		}
		bob.get(t, "/api/v1/capture-profiles").ok(t, 200).decode(t, &l)
		var mine struct {
			Profiles []service.CaptureProfileSummary `json:"profiles"`
		}
		bob.get(t, "/api/v1/me/capture-profiles").ok(t, 200).decode(t, &mine)
		if len(l.Profiles) != 0 || len(mine.Profiles) != 0 {
			t.Errorf("beta sees capture profiles %+v and %+v, want none: alpha's is held by alpha's everyone", l.Profiles, mine.Profiles)
		}
	})
	t.Run("a profile cannot target another account's workspace or name its users and groups", func(t *testing.T) {
		alice.do(t, "POST", "/api/v1/capture-profiles", obj{"name": "x", "workspace": wsB}).fails(t, 422, "validation_failed", "workspace")
		alice.do(t, "PATCH", "/api/v1/capture-profiles/"+capA.ID, obj{"workspace": wsB}).fails(t, 422, "validation_failed", "workspace")
		alice.do(t, "POST", "/api/v1/download-profiles", obj{"name": "x", "rules": []obj{}, "holders": []string{"user:" + bob.ID}}).fails(t, 422, "validation_failed", "holders")
		alice.do(t, "PATCH", "/api/v1/download-profiles/"+dlA, obj{"holders": []string{"group:" + groupB}}).fails(t, 422, "validation_failed", "holders")
		alice.do(t, "POST", "/api/v1/capture-profiles", obj{"name": "x", "workspace": wsA, "holders": []string{"user:" + bob.ID}}).fails(t, 422, "validation_failed", "holders")
		alice.do(t, "POST", "/api/v1/capture-profiles", obj{"name": "x", "workspace": wsA, "record_acl": []entry{{Subject: "group:" + groupB, Permissions: []string{"view"}}}}).fails(t, 422, "validation_failed", "record_acl")
		var p capProfile
		alice.get(t, "/api/v1/capture-profiles/"+capA.ID).ok(t, 200).decode(t, &p)
		if p.WorkspaceID != wsA || !slices.Equal(p.Holders, []string{"everyone"}) {
			t.Errorf("a refused change changed the profile: %+v", p)
		}
	})
	t.Run("the same name may be used in two accounts", func(t *testing.T) {
		mkDownloadProfile(t, bob.client, "Alpha press", nil)
	})
}
