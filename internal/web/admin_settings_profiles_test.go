package web_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
)

func TestDownloadProfilesAreMadeAndChangedInTheConsole(t *testing.T) {
	f := newConsoleFixture(t)
	b := f.signedIn(t, "alice")
	const action = "/ui/admin/profiles/download/new"
	form := func(extra url.Values) url.Values {
		v := url.Values{"name": {"Web sizes"}, "description": {"For the web desk"}, "rule.image": {"large", "preview"},
			"holders.0.who": {"Group: curators"}, "holders.1.who": {"victor"}}
		for k, x := range extra {
			v[k] = x
		}
		return v
	}
	t.Run("the list shows the account's profiles with what they allow and who holds them", func(t *testing.T) {
		p := b.get("/ui/admin/profiles")
		if got := p.textOf("download-profiles"); !strings.Contains(got, "All renditions") || !strings.Contains(got, "every media type: every rendition") || !strings.Contains(got, "Held by: Everyone") {
			t.Errorf("download profiles: %q", got)
		}
	})
	for _, c := range []struct {
		name, field, want string
		values            url.Values
	}{
		{"a profile without a name is refused next to the name", "name", "Name", url.Values{"name": {""}}},
		{"a username nobody has is refused on its row", "holders.1.who", "No user or group of this account is named \"nobody\"", url.Values{"holders.1.who": {"nobody"}}},
		{"a group nobody has is refused on its row", "holders.0.who", "No group of this account is named \"Night desk\"", url.Values{"holders.0.who": {"group: Night desk"}}},
		{"the creating user cannot hold a profile", "holders.0.who", "no meaning here", url.Values{"holders.0.who": {"the creating user"}}},
		{"a rendition that does not exist is refused on the grid", "rules", "Invalid rendition", url.Values{"rule.image": {"poster"}}},
	} {
		t.Run(c.name+", and what was typed stays", func(t *testing.T) {
			p := b.submit(b.get(action), action, form(c.values))
			if p.status != 422 {
				t.Fatalf("status %d\n%s", p.status, p.body)
			}
			if got := p.fieldError(c.field); !strings.Contains(got, c.want) {
				t.Errorf("error next to %s: %q", c.field, got)
			}
			if v := attr(p.byID("f-holders.1.who"), "value"); v != form(c.values).Get("holders.1.who") {
				t.Errorf("the username typed is lost: %q", v)
			}
		})
	}
	var id string
	t.Run("a valid profile is created with its rules and holders, and listed", func(t *testing.T) {
		p := b.submit(b.get(action), action, form(nil))
		if p.path() != "/ui/admin/profiles" || !strings.Contains(p.body, "The download profile is saved.") {
			t.Fatalf("after creating: %s %d\n%s", p.url, p.status, p.body)
		}
		ps, err := f.svc.ListDownloadProfiles(f.ctx, f.A.Owner)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(ps, func(p domain.DownloadProfile) bool { return p.Name == "Web sizes" })
		if i < 0 {
			t.Fatalf("not stored: %+v", ps)
		}
		got := ps[i]
		id = got.ID
		if len(got.Rules) != 1 || got.Rules[0].MediaType != "image" || !slices.Equal(got.Rules[0].Renditions, []string{"large", "preview"}) {
			t.Errorf("rules %+v", got.Rules)
		}
		if !slices.Contains(got.Holders, authz.GroupOf(f.curators)) || !slices.Contains(got.Holders, authz.User(f.A.Viewer.UserID)) || len(got.Holders) != 2 {
			t.Errorf("holders %+v", got.Holders)
		}
		if got := p.textOf("download-profiles"); !strings.Contains(got, "image: large, preview") || !strings.Contains(got, "Group Curators") || !strings.Contains(got, "victor") {
			t.Errorf("the list says %q", got)
		}
	})
	t.Run("its page shows it as stored, and a change replaces its rules and holders", func(t *testing.T) {
		edit := "/ui/admin/profiles/download/" + id
		p := b.get(edit)
		if !hasAttr(p.byID("f-rule.image.large"), "checked") || hasAttr(p.byID("f-rule.image.original"), "checked") {
			t.Error("the grid does not show the rules")
		}
		if v0, v1 := attr(p.byID("f-holders.0.who"), "value"), attr(p.byID("f-holders.1.who"), "value"); v0 != "Group: Curators" || v1 != "victor" {
			t.Errorf("the holders show as %q, %q", v0, v1)
		}
		p = b.submit(p, edit, url.Values{"name": {"Web"}, "rule.image": nil, "rule.any": {"thumbnail"}, "holders.1.who": {""}})
		if p.path() != "/ui/admin/profiles" {
			t.Fatalf("after saving: %s %d\n%s", p.url, p.status, p.body)
		}
		got, err := f.svc.GetDownloadProfile(f.ctx, f.A.Owner, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Web" || len(got.Rules) != 1 || got.Rules[0].MediaType != "*" || !slices.Equal(got.Holders, []authz.Subject{authz.GroupOf(f.curators)}) {
			t.Errorf("after the change: %+v", got)
		}
	})
	t.Run("another account's owner does not find it", func(t *testing.T) {
		if p := f.signedIn(t, "bob").get("/ui/admin/profiles/download/" + id); p.status != 404 {
			t.Errorf("status %d", p.status)
		}
	})
	t.Run("deleting it removes it", func(t *testing.T) {
		edit := "/ui/admin/profiles/download/" + id
		p := b.submit(b.get(edit), edit+"/delete", nil)
		if !strings.Contains(p.body, "The download profile is deleted.") {
			t.Fatalf("after deleting: %s\n%s", p.url, p.body)
		}
		if _, err := f.svc.GetDownloadProfile(f.ctx, f.A.Owner, id); err == nil {
			t.Error("still there")
		}
	})
}

func TestCaptureProfilesAreMadeInTheConsoleWithTheirFieldsACLsAndHolders(t *testing.T) {
	f := newConsoleFixture(t)
	b := f.signedIn(t, "alice")
	const action = "/ui/admin/profiles/capture/new"
	form := func(extra url.Values) url.Values {
		v := url.Values{"name": {"Damage survey"}, "workspace": {f.A.Workspace},
			"fields.0.name": {"site"}, "fields.0.label": {"Site"}, "fields.0.type": {"text"}, "fields.0.required": {"on"},
			"fields.1.name": {"kind"}, "fields.1.type": {"choice"}, "fields.1.choices": {"damage, survey"},
			"record_acl.0.who": {"Group: Curators"}, "record_acl.0.level": {"view"},
			"record_acl.1.who": {"The creating user"}, "record_acl.1.level": {"edit"},
			"holders.0.who": {"uma"}}
		for k, x := range extra {
			v[k] = x
		}
		return v
	}
	for _, c := range []struct {
		name, field, want string
		values            url.Values
	}{
		{"a profile without a workspace is refused next to the workspace", "workspace", "Choose the workspace", url.Values{"workspace": {""}}},
		{"a field name with a space is refused next to it", "fields.0.name", "", url.Values{"fields.0.name": {"site name"}}},
		{"a choice field without choices is refused next to its choices", "fields.1.choices", "choice field needs", url.Values{"fields.1.choices": {""}}},
		{"an ACL row without a level is refused on its row", "record_acl.0.who", "Choose a level", url.Values{"record_acl.0.level": {""}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := b.submit(b.get(action), action, form(c.values))
			if p.status == 303 || p.status == 200 {
				t.Fatalf("status %d", p.status)
			}
			if got := p.fieldError(c.field); got == "" || !strings.Contains(got, c.want) {
				t.Errorf("error next to %s: %q\n%s", c.field, got, p.body)
			}
		})
	}
	t.Run("a valid profile is created as given", func(t *testing.T) {
		p := b.submit(b.get(action), action, form(nil))
		if p.path() != "/ui/admin/profiles" {
			t.Fatalf("after creating: %s %d\n%s", p.url, p.status, p.body)
		}
		if got := p.textOf("capture-profiles"); !strings.Contains(got, "Damage survey") || !strings.Contains(got, "Into workspace Newsroom, with Site, kind") || !strings.Contains(got, "uma") {
			t.Errorf("the list says %q", got)
		}
		ps, err := f.svc.ListCaptureProfiles(f.ctx, f.A.Owner)
		if err != nil || len(ps) != 1 {
			t.Fatalf("%+v %v", ps, err)
		}
		got := ps[0]
		if len(got.Fields) != 2 || !got.Fields[0].Required || !slices.Equal(got.Fields[1].Choices, []string{"damage", "survey"}) {
			t.Errorf("fields %+v", got.Fields)
		}
		if len(got.RecordACL) != 2 || !slices.Equal(got.Holders, []authz.Subject{authz.User(f.uma.UserID)}) {
			t.Errorf("record ACL %+v, holders %+v", got.RecordACL, got.Holders)
		}
		// Its page shows it as stored.
		p = b.get("/ui/admin/profiles/capture/" + got.ID)
		if attr(p.byID("f-fields.1.choices"), "value") != "damage, survey" || attr(p.byID("f-holders.0.who"), "value") != "uma" {
			t.Errorf("the edit page does not show the profile:\n%s", p.body)
		}
	})
}
