package httpapi_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

// Download profiles (spec §4): a download needs the media permission the
// rendition needs (can_preview for the thumbnail and the preview,
// can_download for the large rendition and the original) and a download
// profile of the user allowing that rendition for the media's type; a
// user's profiles are the union of their own, their groups' (nested too)
// and everyone's. Showing a rendition in the browser needs no profile.

// rule is a download rule in a request.
func rule(mediaType string, renditions ...string) obj {
	return obj{"media_type": mediaType, "renditions": renditions}
}

// mkDownloadProfile defines a download profile and returns its id.
func mkDownloadProfile(t *testing.T, c *client, name string, holders []string, rules ...obj) string {
	t.Helper()
	if holders == nil {
		holders = []string{}
	}
	if rules == nil {
		rules = []obj{}
	}
	var p domain.DownloadProfile
	c.do(t, "POST", "/api/v1/download-profiles", obj{"name": name, "rules": rules, "holders": holders}).ok(t, 201).decode(t, &p)
	return p.ID
}

// downloadProfiles lists the account's download profiles by name.
func downloadProfiles(t *testing.T, c *client) map[string]domain.DownloadProfile {
	t.Helper()
	var l struct {
		Profiles []domain.DownloadProfile `json:"profiles"`
	}
	c.get(t, "/api/v1/download-profiles").ok(t, 200).decode(t, &l)
	out := map[string]domain.DownloadProfile{}
	for _, p := range l.Profiles {
		out[p.Name] = p
	}
	return out
}

// restrictDownloads takes the profile every account starts with ("All
// renditions", held by everyone) away from everyone, so that only the
// profiles a test assigns allow downloads.
func restrictDownloads(t *testing.T, owner *client) {
	t.Helper()
	all, ok := downloadProfiles(t, owner)["All renditions"]
	if !ok {
		t.Fatal("the account does not start with the profile All renditions")
	}
	owner.do(t, "PATCH", "/api/v1/download-profiles/"+all.ID, obj{"holders": []string{}}).ok(t, 200)
}

// mediaWithACL attaches an image to a record with an explicit ACL and
// returns its id.
func mediaWithACL(t *testing.T, c *client, rec, mediaType string, acl []entry) string {
	t.Helper()
	var m domain.Media
	c.do(t, "POST", "/api/v1/records/"+rec+"/media", obj{"media_type": mediaType, "filename": "f", "acl": acl}).ok(t, 201).decode(t, &m)
	return m.ID
}

// downloads reads GET /media/{id}/downloads as c, by rendition.
func downloads(t *testing.T, c *client, mediaID string) map[string]service.RenditionAccess {
	t.Helper()
	var ma service.MediaAccess
	c.get(t, "/api/v1/media/"+mediaID+"/downloads").ok(t, 200).decode(t, &ma)
	out := map[string]service.RenditionAccess{}
	for _, r := range ma.Renditions {
		out[r.Rendition] = r
	}
	if len(out) != len(domain.Renditions) {
		t.Errorf("GET /media/%s/downloads lists %d renditions, want %d", mediaID, len(out), len(domain.Renditions))
	}
	return out
}

// findBy returns the newest event of a type by an actor, failing the test
// if there is none.
func findBy(t *testing.T, p auditPage, typ, actor string) auditEvent {
	t.Helper()
	for _, ev := range p.Events {
		if ev.Type == typ && ev.Actor == actor {
			return ev
		}
	}
	t.Fatalf("no %s event by %s in %+v", typ, actor, p.Events)
	return auditEvent{}
}

// code is the stable error code of a service error, "" for nil.
func code(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := service.AsError(err); ok {
		return e.Code
	}
	return "internal: " + err.Error()
}

func TestDownloadRule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner := f.A.Owner
	carol := f.addUser(t, f.A, "carol")
	ws := mkWorkspace(t, owner.client, "Photos")
	rec := mkRecord(t, owner.client, ws, "Harbour at dawn", nil) // everyone may view it
	media := map[string]string{}                                 // carol's permission level -> a media object where she holds it
	for _, level := range []string{"none", "preview", "view", "download"} {
		acl := []entry{}
		if level != "none" {
			acl = []entry{{Subject: "user:" + carol.ID, Permissions: []string{level}}}
		}
		media[level] = mediaWithACL(t, owner.client, rec, "image", acl)
	}
	restrictDownloads(t, owner.client)
	images := mkDownloadProfile(t, owner.client, "Images", nil, rule("image", "*"))
	actor := service.Actor{UserID: carol.ID, AccountID: f.A.Account}
	renditions := [4]string{"original", "large", "preview", "thumbnail"}

	cases := []struct {
		name    string
		level   string // carol's permission on the media object
		profile bool   // carol holds a profile allowing every rendition of images
		want    [4]string
	}{
		{"a user who cannot see the media object gets not found, profile or not", "none", true,
			[4]string{"not_found", "not_found", "not_found", "not_found"}},
		{"a user who cannot see the media object and holds no profile gets not found too", "none", false,
			[4]string{"not_found", "not_found", "not_found", "not_found"}},
		{"with preview and a profile: the thumbnail and preview, not the large rendition or the original (can_download)", "preview", true,
			[4]string{"forbidden", "forbidden", "", ""}},
		{"with preview and no profile: the profile refuses even the thumbnail", "preview", false,
			[4]string{"forbidden", "forbidden", "profile_denies", "profile_denies"}},
		{"with view and a profile: still no download of the large rendition or the original", "view", true,
			[4]string{"forbidden", "forbidden", "", ""}},
		{"with view and no profile: nothing", "view", false,
			[4]string{"forbidden", "forbidden", "profile_denies", "profile_denies"}},
		{"with download and a profile: every rendition", "download", true,
			[4]string{"", "", "", ""}},
		{"with download and no profile: the profile refuses every rendition", "download", false,
			[4]string{"profile_denies", "profile_denies", "profile_denies", "profile_denies"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			holders := []string{}
			if c.profile {
				holders = []string{"user:" + carol.ID}
			}
			owner.do(t, "PATCH", "/api/v1/download-profiles/"+images, obj{"holders": holders}).ok(t, 200)
			m := media[c.level]
			var listed map[string]service.RenditionAccess
			if c.level == "none" {
				carol.get(t, "/api/v1/media/"+m+"/downloads").fails(t, 404, "not_found", "-")
			} else {
				listed = downloads(t, carol.client, m)
			}
			for i, r := range renditions {
				if got := code(f.svc.DownloadAllowed(f.ctx, actor, m, r)); got != c.want[i] {
					t.Errorf("DownloadAllowed(%s) = %q, want %q", r, got, c.want[i])
				}
				if listed == nil {
					continue
				}
				d := listed[r].Download
				if d.Allowed != (c.want[i] == "") || d.Code != c.want[i] || !d.Allowed && d.Reason == "" {
					t.Errorf("GET downloads says %s: %+v, want code %q with a reason", r, d, c.want[i])
				}
				if d.Allowed && !slices.Equal(d.Profiles, []string{"Images"}) {
					t.Errorf("GET downloads says %s is allowed through %v, want [Images]", r, d.Profiles)
				}
			}
		})
	}

	t.Run("a refusal by the profile names the rendition and the media type", func(t *testing.T) {
		owner.do(t, "PATCH", "/api/v1/download-profiles/"+images, obj{"holders": []string{}}).ok(t, 200)
		err := f.svc.DownloadAllowed(f.ctx, actor, media["download"], "original")
		if e, ok := service.AsError(err); !ok || e.Kind != service.KindForbidden || !strings.Contains(e.Message, "original") || !strings.Contains(e.Message, "image") {
			t.Errorf("DownloadAllowed = %v, want a 403 profile_denies naming original and image", err)
		}
	})
	t.Run("an unknown rendition is invalid, naming the field", func(t *testing.T) {
		err := f.svc.DownloadAllowed(f.ctx, actor, media["download"], "huge")
		if e, ok := service.AsError(err); !ok || e.Code != "validation_failed" || e.Field != "rendition" {
			t.Errorf("DownloadAllowed(huge) = %v, want validation_failed on rendition", err)
		}
	})
	t.Run("an id that names no media object is not found", func(t *testing.T) {
		if got := code(f.svc.DownloadAllowed(f.ctx, actor, "med_nosuchmedia", "thumbnail")); got != "not_found" {
			t.Errorf("DownloadAllowed = %q, want not_found", got)
		}
		carol.get(t, "/api/v1/media/med_nosuchmedia/downloads").fails(t, 404, "not_found", "-")
	})
	t.Run("a deactivated user downloads nothing, whatever they held", func(t *testing.T) {
		owner.do(t, "PATCH", "/api/v1/download-profiles/"+images, obj{"holders": []string{"user:" + carol.ID}}).ok(t, 200)
		owner.do(t, "PATCH", "/api/v1/users/"+carol.ID, obj{"status": "deactivated"}).ok(t, 200)
		if got := code(f.svc.DownloadAllowed(f.ctx, actor, media["download"], "original")); got != "unauthenticated" {
			t.Errorf("DownloadAllowed = %q, want unauthenticated", got)
		}
		owner.do(t, "PATCH", "/api/v1/users/"+carol.ID, obj{"status": "active"}).ok(t, 200)
	})
}

// TestViewingNeedsNoProfile: the thumbnail and preview need can_preview,
// the full-size viewer (large) can_view, without a download profile; the
// original is only ever downloaded.
func TestViewingNeedsNoProfile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner := f.A.Owner
	carol := f.addUser(t, f.A, "carol")
	ws := mkWorkspace(t, owner.client, "Photos")
	rec := mkRecord(t, owner.client, ws, "Harbour at dawn", nil)
	restrictDownloads(t, owner.client)
	actor := service.Actor{UserID: carol.ID, AccountID: f.A.Account}
	renditions := [4]string{"original", "large", "preview", "thumbnail"}
	cases := []struct {
		name  string
		level string
		want  [4]string
	}{
		{"preview shows the thumbnail and the preview", "preview", [4]string{"forbidden", "forbidden", "", ""}},
		{"view adds the full-size viewer", "view", [4]string{"forbidden", "", "", ""}},
		{"download shows everything but the original, which is a download and needs a profile", "download", [4]string{"profile_denies", "", "", ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := mediaWithACL(t, owner.client, rec, "image", []entry{{Subject: "user:" + carol.ID, Permissions: []string{c.level}}})
			listed := downloads(t, carol.client, m)
			for i, r := range renditions {
				if got := code(f.svc.ViewAllowed(f.ctx, actor, m, r)); got != c.want[i] {
					t.Errorf("ViewAllowed(%s) = %q, want %q", r, got, c.want[i])
				}
				if v := listed[r].View; v.Allowed != (c.want[i] == "") || v.Code != c.want[i] {
					t.Errorf("GET downloads says viewing %s: %+v, want code %q", r, v, c.want[i])
				}
			}
		})
	}
}

// TestDownloadProfilesAreTheUnionOfAUsersGroups: profiles held by groups
// reach their members through nesting; a user who leaves a group loses
// what its profile gave, at once.
func TestDownloadProfilesAreTheUnionOfAUsersGroups(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner := f.A.Owner
	carol := f.addUser(t, f.A, "carol")
	juniors := mkGroup(t, owner.client, "Juniors", "user:"+carol.ID)
	web := mkGroup(t, owner.client, "Web", "group:"+juniors)
	stills := mkGroup(t, owner.client, "Stills", "user:"+carol.ID)
	ws := mkWorkspace(t, owner.client, "Photos")
	rec := mkRecord(t, owner.client, ws, "Harbour at dawn", nil)
	canDownload := []entry{{Subject: "user:" + carol.ID, Permissions: []string{"download"}}}
	image := mediaWithACL(t, owner.client, rec, "image", canDownload)
	video := mediaWithACL(t, owner.client, rec, "video", canDownload)
	restrictDownloads(t, owner.client)
	mkDownloadProfile(t, owner.client, "Originals", []string{"group:" + stills}, rule("image", "original"))
	mkDownloadProfile(t, owner.client, "Large", []string{"group:" + web}, rule("image", "large"))
	actor := service.Actor{UserID: carol.ID, AccountID: f.A.Account}
	allowed := func(m, r string) string { return code(f.svc.DownloadAllowed(f.ctx, actor, m, r)) }

	t.Run("two groups' profiles add up, one of them through a nested group", func(t *testing.T) {
		if allowed(image, "original") != "" || allowed(image, "large") != "" {
			t.Errorf("original %q, large %q; want both allowed", allowed(image, "original"), allowed(image, "large"))
		}
		if got := allowed(image, "preview"); got != "profile_denies" {
			t.Errorf("preview %q, want profile_denies: no profile names it", got)
		}
		if got := downloads(t, carol.client, image)["large"].Download.Profiles; !slices.Equal(got, []string{"Large"}) {
			t.Errorf("large allowed through %v, want [Large]", got)
		}
	})
	t.Run("a rule for images allows nothing of a video", func(t *testing.T) {
		if got := allowed(video, "original"); got != "profile_denies" {
			t.Errorf("video original %q, want profile_denies", got)
		}
	})
	t.Run("a profile held by everyone reaches every user, for every type its rule names", func(t *testing.T) {
		thumbs := mkDownloadProfile(t, owner.client, "Thumbnails", []string{"everyone"}, rule("*", "thumbnail", "preview"))
		if allowed(video, "thumbnail") != "" || allowed(image, "preview") != "" {
			t.Errorf("video thumbnail %q, image preview %q; want both allowed", allowed(video, "thumbnail"), allowed(image, "preview"))
		}
		owner.do(t, "DELETE", "/api/v1/download-profiles/"+thumbs, nil).ok(t, 204)
		if got := allowed(video, "thumbnail"); got != "profile_denies" {
			t.Errorf("after deleting the profile, video thumbnail %q, want profile_denies", got)
		}
	})
	t.Run("a user who leaves the nested group loses its profile at once, and keeps the other", func(t *testing.T) {
		owner.do(t, "DELETE", "/api/v1/groups/"+juniors+"/members/"+esc("user:"+carol.ID), nil).ok(t, 204)
		if got := allowed(image, "large"); got != "profile_denies" {
			t.Errorf("large %q after leaving Juniors, want profile_denies", got)
		}
		if got := allowed(image, "original"); got != "" {
			t.Errorf("original %q, want still allowed through Stills", got)
		}
	})
	t.Run("a user's own assignment counts like a group's", func(t *testing.T) {
		owner.do(t, "POST", "/api/v1/download-profiles", obj{"name": "Carol's", "rules": []obj{rule("image", "large")}, "holders": []string{"user:" + carol.ID}}).ok(t, 201)
		if got := allowed(image, "large"); got != "" {
			t.Errorf("large %q, want allowed", got)
		}
	})
}

// TestDownloadProfileManagement: profiles are managed with
// manage_settings, validated field by field, audited, and every account
// starts with one that lets downloads follow the ACLs.
func TestDownloadProfileManagement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner := f.A.Owner
	dave := f.addUser(t, f.A, "dave")
	dev := f.addUser(t, f.A, "devon", "developer") // manage_settings without user management

	t.Run("an account starts with All renditions, held by everyone", func(t *testing.T) {
		all, ok := downloadProfiles(t, owner.client)["All renditions"]
		if !ok || len(all.Holders) != 1 || all.Holders[0] != authz.EveryoneSubject ||
			len(all.Rules) != 1 || all.Rules[0].MediaType != "*" || !slices.Equal(all.Rules[0].Renditions, []string{"*"}) {
			t.Errorf("All renditions = %+v, want every rendition of every type, held by everyone", all)
		}
	})
	t.Run("a user without manage_settings can neither read nor change profiles", func(t *testing.T) {
		dave.get(t, "/api/v1/download-profiles").fails(t, 403, "forbidden", "-")
		dave.do(t, "POST", "/api/v1/download-profiles", obj{"name": "Mine", "rules": []obj{rule("*", "*")}, "holders": []string{"user:" + dave.ID}}).fails(t, 403, "forbidden", "-")
		all := downloadProfiles(t, owner.client)["All renditions"]
		dave.do(t, "PATCH", "/api/v1/download-profiles/"+all.ID, obj{"holders": []string{}}).fails(t, 403, "forbidden", "-")
		dave.do(t, "DELETE", "/api/v1/download-profiles/"+all.ID, nil).fails(t, 403, "forbidden", "-")
	})
	t.Run("a holder of manage_settings manages them", func(t *testing.T) {
		id := mkDownloadProfile(t, dev.client, "Press", []string{"user:" + dave.ID}, rule("image", "large", "original", "large"))
		var p domain.DownloadProfile
		dev.get(t, "/api/v1/download-profiles/"+id).ok(t, 200).decode(t, &p)
		if !slices.Equal(p.Rules[0].Renditions, []string{"original", "large"}) {
			t.Errorf("renditions %v, want them once each, largest first", p.Rules[0].Renditions)
		}
		dev.do(t, "DELETE", "/api/v1/download-profiles/"+id, nil).ok(t, 204)
		dev.get(t, "/api/v1/download-profiles/"+id).fails(t, 404, "not_found", "-")
	})

	bad := []struct {
		name  string
		body  obj
		field string
	}{
		{"a profile without a name", obj{"name": " ", "rules": []obj{}}, "name"},
		{"a media type that does not exist", obj{"name": "x", "rules": []obj{rule("photo", "large")}}, "rules[0].media_type"},
		{"a rendition that does not exist", obj{"name": "x", "rules": []obj{rule("image", "huge")}}, "rules[0].renditions"},
		{"a rule without renditions", obj{"name": "x", "rules": []obj{rule("image")}}, "rules[0].renditions"},
		{"two rules for one media type", obj{"name": "x", "rules": []obj{rule("image", "large"), rule("image", "original")}}, "rules[1].media_type"},
		{"a holder that is not a subject", obj{"name": "x", "rules": []obj{}, "holders": []string{"bogus"}}, "holders"},
		{"a holder listed twice", obj{"name": "x", "rules": []obj{}, "holders": []string{"user:" + dave.ID, "user:" + dave.ID}}, "holders"},
		{"a holder that is no user of the account", obj{"name": "x", "rules": []obj{}, "holders": []string{"user:user_nosuchuser"}}, "holders"},
	}
	for _, c := range bad {
		t.Run(c.name+" is refused naming "+c.field, func(t *testing.T) {
			owner.do(t, "POST", "/api/v1/download-profiles", c.body).fails(t, 422, "validation_failed", c.field)
		})
	}
	t.Run("a name already used in the account is a conflict", func(t *testing.T) {
		owner.do(t, "POST", "/api/v1/download-profiles", obj{"name": "All renditions", "rules": []obj{}}).fails(t, 409, "already_exists", "-")
	})

	t.Run("creating, changing and deleting a profile are audited with what changed", func(t *testing.T) {
		id := mkDownloadProfile(t, owner.client, "Web", []string{"everyone"}, rule("*", "preview"))
		owner.do(t, "PATCH", "/api/v1/download-profiles/"+id, obj{"rules": []obj{rule("image", "large")}, "holders": []string{"user:" + dave.ID}}).ok(t, 200)
		owner.do(t, "DELETE", "/api/v1/download-profiles/"+id, nil).ok(t, 204)
		dave.do(t, "PATCH", "/api/v1/download-profiles/"+id, obj{"holders": []string{}}).fails(t, 403, "forbidden", "-")
		p := audit(t, owner.client, url.Values{"target": {"download_profile:" + id}})
		created := find(t, p, "download_profile.create", "download_profile:"+id)
		if created.Detail["rules"] != "*:preview" || created.Detail["holders_added"] != "everyone" {
			t.Errorf("create detail %v", created.Detail)
		}
		updated := findBy(t, p, "download_profile.update", owner.ID)
		if updated.Detail["rules"] != "*:preview -> image:large" || updated.Detail["holders_added"] != "user:"+dave.ID || updated.Detail["holders_removed"] != "everyone" {
			t.Errorf("update detail %v", updated.Detail)
		}
		deleted := find(t, p, "download_profile.delete", "download_profile:"+id)
		if deleted.Actor != owner.ID || deleted.Result != "ok" || deleted.Detail["holders_removed"] != "user:"+dave.ID {
			t.Errorf("delete event %+v", deleted)
		}
		var refused bool
		for _, ev := range p.Events {
			refused = refused || ev.Type == "download_profile.update" && ev.Actor == dave.ID && ev.Result == "denied"
		}
		if !refused {
			t.Errorf("dave's refused change is not in the log: %+v", p.Events)
		}
	})
}
