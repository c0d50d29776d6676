package httpapi_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"atrium/internal/blob"
	"atrium/internal/domain"
	"atrium/internal/httpapi"
	"atrium/internal/identity"
	"atrium/internal/service"
	"atrium/internal/store/sqlstore"
)

// ---- the world of the share link tests

// shareWorld is fileWorld (alice owns Alpha; carol is a plain user, who
// sees records and media by the default ACLs but downloads nothing; dave
// is a contributor, who downloads; bob owns Beta) with files on the
// visible media object and a second one beside it, a collection holding
// the visible and the hidden record, and one of bob's records with a
// file.
type shareWorld struct {
	*fileWorld
	med2, col     string
	bobRec, bobMd string
	data, data2   []byte
}

func newShareWorld(t *testing.T, f *fixture) *shareWorld {
	t.Helper()
	w := &shareWorld{fileWorld: newFileWorld(t, f), data: sized(3000), data2: sized(1200)}
	a := w.alice.client
	w.med2 = mkMedia(t, a, w.rec)
	putFile(t, a, w.med, w.data, "").ok(t, 200)
	putFile(t, a, w.med2, w.data2, "").ok(t, 200)
	putFile(t, a, w.hiddenMed, w.data, "").ok(t, 200)
	w.col = mkCollection(t, a, w.ws, "Picks")
	for _, rec := range []string{w.rec, w.hiddenRec} {
		a.do(t, "PUT", "/api/v1/collections/"+w.col+"/records/"+rec, nil).ok(t, 204)
	}
	b := w.bob.client
	w.bobRec = mkRecord(t, b, mkWorkspace(t, b, "Beta news"), "Beta story", nil)
	w.bobMd = mkMedia(t, b, w.bobRec)
	putFile(t, b, w.bobMd, w.data2, "").ok(t, 200)
	return w
}

// mkLink creates a share link and returns it with its token.
func mkLink(t *testing.T, c *client, body obj) service.NewShareLink {
	t.Helper()
	var l service.NewShareLink
	c.do(t, "POST", "/api/v1/share-links", body).ok(t, 201).decode(t, &l)
	if !service.ValidShareToken(l.Token) || l.Path != "/api/v1/shared/"+l.Token {
		t.Fatalf("created link %+v: token or path malformed", l)
	}
	return l
}

// view reads what a link shows, as the public.
func view(t *testing.T, f *fixture, token string, hs ...header) *resp {
	t.Helper()
	return f.anon().do(t, "GET", "/api/v1/shared/"+token, nil, hs...)
}

// sharedFile downloads a file through a link, as the public.
func sharedFile(t *testing.T, f *fixture, token, mediaID string, hs ...header) *resp {
	t.Helper()
	return fetch(t, f.anon(), "GET", "/api/v1/shared/"+token+"/media/"+mediaID+"/file", hs...)
}

func sharedView(t *testing.T, r *resp) service.SharedView {
	t.Helper()
	var v service.SharedView
	r.decode(t, &v)
	return v
}

func mediaIDs(ms []service.SharedMedia) []string {
	ids := []string{}
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

// linkEvents returns the account's audit events about one link, newest
// first.
func linkEvents(t *testing.T, owner *client, linkID string) []domain.AuditEvent {
	t.Helper()
	var page struct {
		Events []domain.AuditEvent `json:"events"`
	}
	owner.get(t, "/api/v1/audit?target=share_link:"+linkID).ok(t, 200).decode(t, &page)
	return page.Events
}

// lastReason is the reason of the newest audit event about a link.
func lastReason(t *testing.T, owner *client, linkID string) string {
	t.Helper()
	evs := linkEvents(t, owner, linkID)
	if len(evs) == 0 {
		t.Fatalf("no audit event about link %s", linkID)
	}
	return evs[0].Detail["reason"]
}

// notFoundBody is the one answer of every invalid link.
func wantLinkNotFound(t *testing.T, r *resp) {
	t.Helper()
	e := r.fails(t, 404, "not_found", "-")
	if e.Error.Message != "share link not found, or no longer valid" {
		t.Errorf("%v: the refusal says more than the others", r)
	}
}

func TestShareLinks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture, w *shareWorld)
	}{
		{"a record link shows the record with the media its creator can see, and downloads each file its creator may download, audited", func(t *testing.T, f *fixture, w *shareWorld) {
			l := mkLink(t, w.dave.client, obj{"target": "record:" + w.rec, "download": true, "note": "for the agency"})
			if l.Target != "record:"+w.rec || l.CreatedBy != w.dave.ID || !l.Download || l.Status != "active" || l.HasPassword {
				t.Errorf("link %+v", l.ShareLink)
			}
			v := sharedView(t, view(t, f, l.Token).ok(t, 200))
			if v.Target != "record" || v.Record == nil || v.Record.Title != "Flood" || !sameIDs(mediaIDs(v.Record.Media), []string{w.med, w.med2}) {
				t.Fatalf("view %+v", v)
			}
			for _, m := range v.Record.Media {
				if !m.Download || m.File == nil || m.DownloadsLeft != nil {
					t.Errorf("media %+v: want downloadable, with its file, without a limit", m)
				}
			}
			r := sharedFile(t, f, l.Token, w.med).ok(t, 200)
			if !bytes.Equal(r.body, w.data) || r.header.Get("ETag") != `"`+hexSHA(w.data)+`"` ||
				!strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment;") || r.header.Get("Cache-Control") != "private, no-cache" {
				t.Errorf("download: %v, %d bytes", r.header, len(r.body))
			}
			if r := sharedFile(t, f, l.Token, w.med2, header{"Range", "bytes=0-9"}).ok(t, 206); !bytes.Equal(r.body, w.data2[:10]) {
				t.Errorf("range: %q", r.body)
			}
			fetch(t, f.anon(), "HEAD", "/api/v1/shared/"+l.Token+"/media/"+w.med+"/file").ok(t, 200)
			evs := linkEvents(t, w.alice.client, l.ID)
			var types []string
			for _, ev := range evs {
				types = append(types, ev.Type+"/"+ev.Result)
				if ev.ClientIP == "" || ev.Detail["target"] != "record:"+w.rec {
					t.Errorf("event %+v lacks the address or the target", ev)
				}
				if strings.Contains(ev.Target+ev.Detail["reason"]+ev.Detail["media"], l.Token) {
					t.Errorf("event %+v holds the token", ev)
				}
			}
			want := []string{"share.download/ok", "share.download/ok", "share.view/ok", "share.create/ok"}
			if strings.Join(types, " ") != strings.Join(want, " ") {
				t.Errorf("events %v, want %v (HEAD is no download)", types, want)
			}
			if d := evs[0]; d.Detail["media"] != w.med2 || d.Detail["status"] != "206" || d.Detail["range"] != "bytes=0-9" || d.Actor != "" {
				t.Errorf("range download event %+v", d)
			}
			if d := evs[1]; d.Detail["media"] != w.med || d.Detail["rendition"] != "original" || d.Detail["bytes"] != "3000" || d.Detail["sha256"] != hexSHA(w.data) {
				t.Errorf("download event %+v", d)
			}
		}},
		{"a media link shows that media object alone and downloads it; its record's other media is not reachable", func(t *testing.T, f *fixture, w *shareWorld) {
			l := mkLink(t, w.alice.client, obj{"target": "media:" + w.med, "download": true})
			v := sharedView(t, view(t, f, l.Token).ok(t, 200))
			if v.Target != "media" || v.Media == nil || v.Media.ID != w.med || v.Record != nil || v.Media.File.Size != 3000 || !v.Media.Download {
				t.Fatalf("view %+v", v)
			}
			sharedFile(t, f, l.Token, w.med).ok(t, 200)
			sharedFile(t, f, l.Token, w.med2).fails(t, 404, "not_found", "-")
			if reason := lastReason(t, w.alice.client, l.ID); !strings.Contains(reason, "not part of media:"+w.med) {
				t.Errorf("reason %q", reason)
			}
		}},
		{"a collection link shows the records its creator can see, page by page, each with its media", func(t *testing.T, f *fixture, w *shareWorld) {
			more := mkRecord(t, w.alice.client, w.ws, "Aftermath", nil)
			w.alice.do(t, "PUT", "/api/v1/collections/"+w.col+"/records/"+more, nil).ok(t, 204)
			l := mkLink(t, w.carol.client, obj{"target": "collection:" + w.col})
			v := sharedView(t, view(t, f, l.Token).ok(t, 200))
			if v.Collection == nil || v.Collection.Name != "Picks" || len(v.Collection.Records) != 2 || v.Collection.NextCursor != "" {
				t.Fatalf("view %+v: want the two records carol sees (not the hidden one)", v)
			}
			if got := v.Collection.Records[0]; got.ID != w.rec || !sameIDs(mediaIDs(got.Media), []string{w.med, w.med2}) {
				t.Errorf("first record %+v", got)
			}
			first := sharedView(t, f.anon().get(t, "/api/v1/shared/"+l.Token+"?limit=1").ok(t, 200))
			if len(first.Collection.Records) != 1 || first.Collection.NextCursor != w.rec {
				t.Fatalf("first page %+v", first.Collection)
			}
			second := sharedView(t, f.anon().get(t, "/api/v1/shared/"+l.Token+"?limit=1&cursor="+first.Collection.NextCursor).ok(t, 200))
			if len(second.Collection.Records) != 1 || second.Collection.Records[0].ID != more || second.Collection.NextCursor != "" {
				t.Errorf("second page %+v", second.Collection)
			}
			f.anon().get(t, "/api/v1/shared/"+l.Token+"?cursor="+w.hiddenRec+"x").fails(t, 400, "invalid_query", "cursor")
			f.anon().get(t, "/api/v1/shared/"+l.Token+"?limit=500").fails(t, 400, "invalid_query", "limit")
			f.anon().get(t, "/api/v1/shared/"+l.Token+"?page=2").fails(t, 400, "invalid_query", "page")
		}},
		{"a collection link downloads only what its creator may download, decided at each download", func(t *testing.T, f *fixture, w *shareWorld) {
			l := mkLink(t, w.carol.client, obj{"target": "collection:" + w.col, "download": true})
			v := sharedView(t, view(t, f, l.Token).ok(t, 200))
			for _, m := range v.Collection.Records[0].Media {
				if m.Download {
					t.Errorf("media %s shows as downloadable, but carol may not download it", m.ID)
				}
			}
			sharedFile(t, f, l.Token, w.med).fails(t, 404, "not_found", "-")
			if reason := lastReason(t, w.alice.client, l.ID); !strings.Contains(reason, "may not download it now") {
				t.Errorf("reason %q", reason)
			}
			// The hidden record's media is in the collection, but carol
			// cannot see it.
			sharedFile(t, f, l.Token, w.hiddenMed).fails(t, 404, "not_found", "-")
			w.alice.do(t, "PUT", "/api/v1/media/"+w.med+"/acl", obj{"entries": []entry{{"everyone", []string{"view"}}, {"user:" + w.carol.ID, []string{"download"}}}}).ok(t, 200)
			if r := sharedFile(t, f, l.Token, w.med).ok(t, 200); !bytes.Equal(r.body, w.data) {
				t.Error("the download differs from the upload")
			}
			sharedFile(t, f, l.Token, w.med2).fails(t, 404, "not_found", "-")
		}},
		{"a download through a link needs the creator's download profile too", func(t *testing.T, f *fixture, w *shareWorld) {
			l := mkLink(t, w.dave.client, obj{"target": "record:" + w.rec, "download": true})
			restrictDownloads(t, w.alice.client)
			sharedFile(t, f, l.Token, w.med).fails(t, 404, "not_found", "-")
			if reason := lastReason(t, w.alice.client, l.ID); !strings.Contains(reason, "original") {
				t.Errorf("reason %q does not name the profile's refusal", reason)
			}
			if v := sharedView(t, view(t, f, l.Token).ok(t, 200)); v.Record.Media[0].Download {
				t.Error("the view offers a download the profiles refuse")
			}
		}},
		{"a download link to a media object needs can_download now; a link that only shows it does not", func(t *testing.T, f *fixture, w *shareWorld) {
			w.carol.do(t, "POST", "/api/v1/share-links", obj{"target": "media:" + w.med, "download": true}).fails(t, 403, "forbidden", "-")
			restrictDownloads(t, w.alice.client)
			w.dave.do(t, "POST", "/api/v1/share-links", obj{"target": "media:" + w.med, "download": true}).fails(t, 403, "profile_denies", "rendition")
			l := mkLink(t, w.carol.client, obj{"target": "media:" + w.med})
			view(t, f, l.Token).ok(t, 200)
			if evs := auditOf(t, w.alice.client, "share.create"); len(evs) != 3 || evs[1].Result != "denied" || evs[2].Result != "denied" {
				t.Errorf("creation events %+v", evs)
			}
		}},
		{"with downloads off the link shows but never downloads", func(t *testing.T, f *fixture, w *shareWorld) {
			l := mkLink(t, w.alice.client, obj{"target": "record:" + w.rec})
			v := sharedView(t, view(t, f, l.Token).ok(t, 200))
			if v.Download || v.Record.Media[0].Download {
				t.Errorf("view %+v offers downloads", v)
			}
			sharedFile(t, f, l.Token, w.med).fails(t, 404, "not_found", "-")
			if reason := lastReason(t, w.alice.client, l.ID); reason != "downloads are off for this link" {
				t.Errorf("reason %q", reason)
			}
		}},
		{"a file outside the target, of another account, unknown or malformed is the same 404", func(t *testing.T, f *fixture, w *shareWorld) {
			l := mkLink(t, w.alice.client, obj{"target": "record:" + w.rec, "download": true})
			var bodies []string
			for _, m := range []string{w.hiddenMed, w.bobMd, "med_nope", "bad%20id"} {
				r := sharedFile(t, f, l.Token, m)
				r.fails(t, 404, "not_found", "-")
				bodies = append(bodies, string(r.body))
			}
			for _, b := range bodies[1:] {
				if b != bodies[0] {
					t.Errorf("refusals differ: %q and %q", bodies[0], b)
				}
			}
		}},
		{"a password hides everything until it is given; the proof works as a header and as a cookie", func(t *testing.T, f *fixture, w *shareWorld) {
			l := mkLink(t, w.alice.client, obj{"target": "record:" + w.rec, "download": true, "password": "harbour lights"})
			if !l.HasPassword {
				t.Error("the link says it has no password")
			}
			view(t, f, l.Token).fails(t, 401, "password_required", "-")
			sharedFile(t, f, l.Token, w.med).fails(t, 401, "password_required", "-")
			view(t, f, l.Token, header{httpapi.ShareUnlockHeader, "shu_forged"}).fails(t, 401, "password_required", "-")
			unlock := "/api/v1/shared/" + l.Token + "/unlock"
			f.anon().do(t, "POST", unlock, obj{"password": "harbour light"}).fails(t, 422, "invalid_password", "password")
			f.anon().do(t, "POST", unlock, obj{"password": ""}).fails(t, 422, "validation_failed", "password")
			var proof service.ShareUnlock
			r := f.anon().do(t, "POST", unlock, obj{"password": "harbour lights"}).ok(t, 200).decode(t, &proof)
			if !strings.HasPrefix(proof.UnlockToken, "shu_") || time.Until(proof.ExpiresAt) < 50*time.Minute {
				t.Errorf("proof %+v", proof)
			}
			var ck *http.Cookie
			for _, c := range r.cookies {
				if c.Name == httpapi.ShareUnlockCookie {
					ck = c
				}
			}
			if ck == nil || !ck.HttpOnly || ck.Path != "/api/v1/shared/"+l.Token || ck.Value != proof.UnlockToken {
				t.Fatalf("unlock cookie %+v", ck)
			}
			view(t, f, l.Token, header{httpapi.ShareUnlockHeader, proof.UnlockToken}).ok(t, 200)
			sharedFile(t, f, l.Token, w.med, header{httpapi.ShareUnlockHeader, proof.UnlockToken}).ok(t, 200)
			// A browser keeps the cookie and sends it back to the link's
			// routes only.
			jar, _ := cookiejar.New(nil)
			hc := *f.srv.Client()
			hc.Jar = jar
			browser := &client{base: f.srv.URL, http: &hc}
			browser.do(t, "POST", unlock, obj{"password": "harbour lights"}).ok(t, 200)
			browser.get(t, "/api/v1/shared/"+l.Token).ok(t, 200)
			if r := fetch(t, browser, "GET", "/api/v1/shared/"+l.Token+"/media/"+w.med+"/file"); r.status != 200 {
				t.Errorf("the browser's download: %v", r)
			}
			// A proof of one link opens no other, even with the same
			// password.
			other := mkLink(t, w.alice.client, obj{"target": "record:" + w.rec, "password": "harbour lights"})
			view(t, f, other.Token, header{httpapi.ShareUnlockHeader, proof.UnlockToken}).fails(t, 401, "password_required", "-")
			var reasons []string
			for _, ev := range linkEvents(t, w.alice.client, l.ID) {
				if ev.Result == "denied" {
					reasons = append(reasons, ev.Type+": "+ev.Detail["reason"])
				}
			}
			want := "share.unlock: wrong password|share.view: the proof of the password is wrong or expired|share.download: the password was not given|share.view: the password was not given"
			if strings.Join(reasons, "|") != want {
				t.Errorf("refusals %q, want %q", reasons, want)
			}
		}},
		{"a link without a password cannot be unlocked", func(t *testing.T, f *fixture, w *shareWorld) {
			l := mkLink(t, w.alice.client, obj{"target": "record:" + w.rec})
			f.anon().do(t, "POST", "/api/v1/shared/"+l.Token+"/unlock", obj{"password": "anything at all"}).fails(t, 422, "validation_failed", "password")
		}},
		{"wrong passwords are throttled per link: after five even the right one is refused with 429 until the window passes", func(t *testing.T, f *fixture, w *shareWorld) {
			l := mkLink(t, w.alice.client, obj{"target": "record:" + w.rec, "password": "harbour lights"})
			unlock := "/api/v1/shared/" + l.Token + "/unlock"
			for range service.DefaultLoginFailures {
				f.anon().do(t, "POST", unlock, obj{"password": "guess guess"}).fails(t, 422, "invalid_password", "password")
			}
			r := f.anon().do(t, "POST", unlock, obj{"password": "harbour lights"})
			r.fails(t, 429, "rate_limited", "-")
			if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 15*60 {
				t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
			}
			evs := linkEvents(t, w.alice.client, l.ID)
			if evs[0].Detail["locked"] != "link" || len(evs) != 6 {
				t.Errorf("the lockout is not audited once: %+v", evs)
			}
			// Another link of the account is not locked.
			other := mkLink(t, w.alice.client, obj{"target": "record:" + w.rec, "password": "harbour lights"})
			f.anon().do(t, "POST", "/api/v1/shared/"+other.Token+"/unlock", obj{"password": "harbour lights"}).ok(t, 200)
		}},
		{"a link not yet valid, expired, revoked or unknown answers the same 404 and the audit log says which", func(t *testing.T, f *fixture, w *shareWorld) {
			later := mkLink(t, w.alice.client, obj{"target": "record:" + w.rec, "starts_at": time.Now().Add(time.Hour)})
			if later.Status != "scheduled" {
				t.Errorf("status %q", later.Status)
			}
			soon := mkLink(t, w.alice.client, obj{"target": "record:" + w.rec, "expires_at": time.Now().Add(300 * time.Millisecond)})
			revoked := mkLink(t, w.alice.client, obj{"target": "record:" + w.rec})
			view(t, f, soon.Token).ok(t, 200)
			w.alice.do(t, "DELETE", "/api/v1/share-links/"+revoked.ID, nil).ok(t, 204)
			time.Sleep(400 * time.Millisecond)
			unknown, _ := identity.NewSecret(service.ShareTokenPrefix)
			var bodies []string
			for _, tok := range []string{later.Token, soon.Token, revoked.Token, unknown, "shr_short", "nonsense"} {
				r := view(t, f, tok)
				wantLinkNotFound(t, r)
				bodies = append(bodies, string(r.body))
				wantLinkNotFound(t, sharedFile(t, f, tok, w.med))
			}
			for _, b := range bodies[1:] {
				if b != bodies[0] {
					t.Errorf("refusals differ: %q and %q", bodies[0], b)
				}
			}
			for l, want := range map[string]string{later.ID: "the link is not valid yet", soon.ID: "the link has expired", revoked.ID: "the link is revoked"} {
				if got := lastReason(t, w.alice.client, l); got != want {
					t.Errorf("link %s: reason %q, want %q", l, got, want)
				}
			}
			var got domain.ShareLink
			w.alice.get(t, "/api/v1/share-links/"+soon.ID).ok(t, 200).decode(t, &got)
			if got.Status != "expired" {
				t.Errorf("status %q, want expired", got.Status)
			}
		}},
		{"a link stops at once when its creator loses access: out of the group, off the ACL, deactivated", func(t *testing.T, f *fixture, w *shareWorld) {
			erin := f.addUser(t, f.A, "erin")
			team := mkGroup(t, w.alice.client, "Team", "user:"+erin.ID)
			rec := mkRecord(t, w.alice.client, w.ws, "Team only", []entry{{"group:" + team, []string{"view"}}})
			med := mediaWithACL(t, w.alice.client, rec, "image", []entry{{"group:" + team, []string{"download"}}})
			putFile(t, w.alice.client, med, w.data, "").ok(t, 200)
			l := mkLink(t, erin.client, obj{"target": "record:" + rec, "download": true})
			sharedFile(t, f, l.Token, med).ok(t, 200)

			member := "/api/v1/groups/" + team + "/members/user:" + erin.ID
			w.alice.do(t, "DELETE", member, nil).ok(t, 204)
			wantLinkNotFound(t, view(t, f, l.Token))
			wantLinkNotFound(t, sharedFile(t, f, l.Token, med))
			if reason := lastReason(t, w.alice.client, l.ID); reason != "the link's creator can no longer see record:"+rec {
				t.Errorf("reason %q", reason)
			}
			w.alice.do(t, "PUT", member, nil).ok(t, 204)
			view(t, f, l.Token).ok(t, 200)

			// Losing the download alone stops the downloads, not the view.
			w.alice.do(t, "PUT", "/api/v1/media/"+med+"/acl", obj{"entries": []entry{{"group:" + team, []string{"view"}}}}).ok(t, 200)
			sharedFile(t, f, l.Token, med).fails(t, 404, "not_found", "-")
			view(t, f, l.Token).ok(t, 200)

			w.alice.do(t, "PUT", "/api/v1/records/"+rec+"/acl", obj{"entries": []entry{}}).ok(t, 200)
			wantLinkNotFound(t, view(t, f, l.Token))
			w.alice.do(t, "PUT", "/api/v1/records/"+rec+"/acl", obj{"entries": []entry{{"group:" + team, []string{"view"}}}}).ok(t, 200)
			view(t, f, l.Token).ok(t, 200)

			w.alice.do(t, "PATCH", "/api/v1/users/"+erin.ID, obj{"status": "deactivated"}).ok(t, 200)
			wantLinkNotFound(t, view(t, f, l.Token))
			if reason := lastReason(t, w.alice.client, l.ID); reason != "the link's creator is not an active user of the account" {
				t.Errorf("reason %q", reason)
			}
		}},
		{"a deleted target ends the link", func(t *testing.T, f *fixture, w *shareWorld) {
			l := mkLink(t, w.alice.client, obj{"target": "media:" + w.med2})
			w.alice.do(t, "DELETE", "/api/v1/media/"+w.med2, nil).ok(t, 204)
			wantLinkNotFound(t, view(t, f, l.Token))
		}},
		{"max_downloads counts each file apart; past it 403 download_limit_reached; HEAD and 304 do not count", func(t *testing.T, f *fixture, w *shareWorld) {
			l := mkLink(t, w.dave.client, obj{"target": "record:" + w.rec, "download": true, "max_downloads": 2})
			etag := sharedFile(t, f, l.Token, w.med).ok(t, 200).header.Get("ETag")
			sharedFile(t, f, l.Token, w.med, header{"If-None-Match", etag}).ok(t, 304)
			fetch(t, f.anon(), "HEAD", "/api/v1/shared/"+l.Token+"/media/"+w.med+"/file").ok(t, 200)
			v := sharedView(t, view(t, f, l.Token).ok(t, 200))
			for _, m := range v.Record.Media {
				want := map[string]int{w.med: 1, w.med2: 2}[m.ID]
				if m.DownloadsLeft == nil || *m.DownloadsLeft != want || !m.Download {
					t.Errorf("media %s: %+v, want %d downloads left", m.ID, m, want)
				}
			}
			sharedFile(t, f, l.Token, w.med, header{"Range", "bytes=0-0"}).ok(t, 206)
			sharedFile(t, f, l.Token, w.med).fails(t, 403, "download_limit_reached", "-")
			sharedFile(t, f, l.Token, w.med2).ok(t, 200)
			v = sharedView(t, view(t, f, l.Token).ok(t, 200))
			if m := v.Record.Media[0]; m.ID == w.med && (m.Download || *m.DownloadsLeft != 0) {
				t.Errorf("an exhausted file still offered: %+v", m)
			}
			var got domain.ShareLink
			w.dave.get(t, "/api/v1/share-links/"+l.ID).ok(t, 200).decode(t, &got)
			if got.Downloads[w.med] != 2 || got.Downloads[w.med2] != 1 {
				t.Errorf("downloads %v", got.Downloads)
			}
			refused := 0
			for _, ev := range linkEvents(t, w.alice.client, l.ID) {
				if ev.Type == "share.download" && ev.Result == "denied" && ev.Detail["reason"] == "download limit reached" && ev.Detail["media"] == w.med {
					refused++
				}
			}
			if refused != 1 {
				t.Errorf("%d refusals for the limit audited, want 1", refused)
			}
		}},
		{"concurrent downloads never pass the per-file limit", func(t *testing.T, f *fixture, w *shareWorld) {
			l := mkLink(t, w.dave.client, obj{"target": "media:" + w.med, "download": true, "max_downloads": 3})
			var wg sync.WaitGroup
			var mu sync.Mutex
			statuses := map[int]int{}
			for range 8 {
				wg.Go(func() {
					res, err := f.srv.Client().Get(f.srv.URL + "/api/v1/shared/" + l.Token + "/media/" + w.med + "/file")
					if err != nil {
						t.Error(err)
						return
					}
					res.Body.Close()
					mu.Lock()
					statuses[res.StatusCode]++
					mu.Unlock()
				})
			}
			wg.Wait()
			if statuses[200] != 3 || statuses[403] != 5 {
				t.Errorf("statuses %v, want 3 downloads and 5 refusals", statuses)
			}
		}},
		{"the account's cap on active links and its longest validity are 409 limit_reached", func(t *testing.T, f *fixture, w *shareWorld) {
			if err := f.svc.SetLimits(f.ctx, f.A.Account, domain.Limits{MaxShareLinks: 2, MaxShareLinkDays: 7}); err != nil {
				t.Fatal(err)
			}
			l := mkLink(t, w.carol.client, obj{"target": "record:" + w.rec})
			if l.ExpiresAt == nil || l.ExpiresAt.Sub(l.CreatedAt) != 7*24*time.Hour {
				t.Errorf("a link without expires_at ends at %v, want the plan's 7 days after %v", l.ExpiresAt, l.CreatedAt)
			}
			w.carol.do(t, "POST", "/api/v1/share-links", obj{"target": "record:" + w.rec, "expires_at": time.Now().Add(8 * 24 * time.Hour)}).fails(t, 409, "limit_reached", "-")
			second := mkLink(t, w.dave.client, obj{"target": "record:" + w.rec, "expires_at": time.Now().Add(24 * time.Hour)})
			e := w.alice.do(t, "POST", "/api/v1/share-links", obj{"target": "record:" + w.rec}).fails(t, 409, "limit_reached", "-")
			if !strings.Contains(e.Error.Message, "max_share_links") {
				t.Errorf("message %q does not name the limit", e.Error.Message)
			}
			// A revoked link frees its place; another account's links
			// never count.
			mkLink(t, w.bob.client, obj{"target": "record:" + w.bobRec})
			w.dave.do(t, "DELETE", "/api/v1/share-links/"+second.ID, nil).ok(t, 204)
			mkLink(t, w.alice.client, obj{"target": "record:" + w.rec})
			var acct domain.Account
			w.carol.get(t, "/api/v1/account").ok(t, 200).decode(t, &acct)
			if acct.Limits.MaxShareLinks != 2 || acct.Limits.MaxShareLinkDays != 7 {
				t.Errorf("limits %+v", acct.Limits)
			}
		}},
		{"links are listed to their creator, and to review_access holders with all=true; never with a token", func(t *testing.T, f *fixture, w *shareWorld) {
			mine := mkLink(t, w.carol.client, obj{"target": "record:" + w.rec})
			mkLink(t, w.carol.client, obj{"target": "media:" + w.med})
			daves := mkLink(t, w.dave.client, obj{"target": "record:" + w.rec})
			mkLink(t, w.bob.client, obj{"target": "record:" + w.bobRec})
			w.carol.do(t, "DELETE", "/api/v1/share-links/"+mine.ID, nil).ok(t, 204)
			list := func(c *client, query string) []string {
				t.Helper()
				var p service.ShareLinkPage
				r := c.get(t, "/api/v1/share-links"+query).ok(t, 200).decode(t, &p)
				if bytes.Contains(r.body, []byte("shr_")) && bytes.Contains(r.body, []byte(mine.Token)) {
					t.Errorf("a listing shows a token")
				}
				ids := []string{}
				for _, l := range p.Links {
					ids = append(ids, l.ID)
				}
				return ids
			}
			if got := list(w.carol.client, ""); len(got) != 2 {
				t.Errorf("carol's links %v", got)
			}
			if got := list(w.carol.client, "?active=true"); len(got) != 1 || got[0] == mine.ID {
				t.Errorf("carol's active links %v", got)
			}
			if got := list(w.alice.client, "?all=true"); len(got) != 3 {
				t.Errorf("the account's links %v (bob's must not appear)", got)
			}
			if got := list(w.alice.client, "?created_by="+w.dave.ID); len(got) != 1 || got[0] != daves.ID {
				t.Errorf("dave's links %v", got)
			}
			if got := list(w.alice.client, "?all=true&limit=2"); len(got) != 2 {
				t.Errorf("a page of 2: %v", got)
			}
			var p service.ShareLinkPage
			w.alice.get(t, "/api/v1/share-links?all=true&limit=2").ok(t, 200).decode(t, &p)
			if got := list(w.alice.client, "?all=true&limit=2&cursor="+p.NextCursor); len(got) != 1 {
				t.Errorf("the second page %v", got)
			}
			w.carol.get(t, "/api/v1/share-links?all=true").fails(t, 403, "forbidden", "-")
			w.carol.get(t, "/api/v1/share-links?created_by="+w.dave.ID).fails(t, 403, "forbidden", "-")
			w.carol.get(t, "/api/v1/share-links?all=maybe").fails(t, 400, "invalid_query", "all")
			w.carol.get(t, "/api/v1/share-links?mine=true").fails(t, 400, "invalid_query", "mine")
			w.carol.get(t, "/api/v1/share-links?cursor=x").fails(t, 400, "invalid_query", "cursor")
			w.carol.get(t, "/api/v1/share-links/"+daves.ID).fails(t, 404, "not_found", "-")
			w.carol.do(t, "DELETE", "/api/v1/share-links/"+daves.ID, nil).fails(t, 404, "not_found", "-")
			w.alice.get(t, "/api/v1/share-links/"+daves.ID).ok(t, 200)
			r := w.dave.get(t, "/api/v1/share-links/"+daves.ID).ok(t, 200)
			if bytes.Contains(r.body, []byte(daves.Token)) || bytes.Contains(r.body, []byte("hash")) {
				t.Errorf("a link read back shows its token or a hash: %s", r.body)
			}
		}},
		{"the creator or a review_access holder revokes a link, once, and it stops at once", func(t *testing.T, f *fixture, w *shareWorld) {
			l := mkLink(t, w.dave.client, obj{"target": "record:" + w.rec, "download": true})
			sharedFile(t, f, l.Token, w.med).ok(t, 200)
			w.alice.do(t, "DELETE", "/api/v1/share-links/"+l.ID, nil).ok(t, 204)
			wantLinkNotFound(t, sharedFile(t, f, l.Token, w.med))
			w.dave.do(t, "DELETE", "/api/v1/share-links/"+l.ID, nil).ok(t, 204)
			var got domain.ShareLink
			w.dave.get(t, "/api/v1/share-links/"+l.ID).ok(t, 200).decode(t, &got)
			if got.Status != "revoked" || got.RevokedBy != w.alice.ID || got.RevokedAt == nil {
				t.Errorf("revoked link %+v", got)
			}
			if evs := auditOf(t, w.alice.client, "share.revoke"); len(evs) != 1 || evs[0].Actor != w.alice.ID || evs[0].Detail["created_by"] != w.dave.ID {
				t.Errorf("revocations %+v, want one, by alice", evs)
			}
		}},
		{"another account's objects and links do not exist for a link or its managers", func(t *testing.T, f *fixture, w *shareWorld) {
			w.bob.do(t, "POST", "/api/v1/share-links", obj{"target": "record:" + w.rec}).fails(t, 404, "not_found", "-")
			w.bob.do(t, "POST", "/api/v1/share-links", obj{"target": "collection:" + w.col}).fails(t, 404, "not_found", "-")
			l := mkLink(t, w.alice.client, obj{"target": "record:" + w.rec, "download": true})
			w.bob.get(t, "/api/v1/share-links/"+l.ID).fails(t, 404, "not_found", "-")
			w.bob.do(t, "DELETE", "/api/v1/share-links/"+l.ID, nil).fails(t, 404, "not_found", "-")
			bl := mkLink(t, w.bob.client, obj{"target": "record:" + w.bobRec, "download": true})
			sharedFile(t, f, bl.Token, w.bobMd).ok(t, 200)
			sharedFile(t, f, bl.Token, w.med).fails(t, 404, "not_found", "-")
			sharedFile(t, f, l.Token, w.bobMd).fails(t, 404, "not_found", "-")
			for _, ev := range auditOf(t, w.bob.client, "share.download") {
				if ev.Detail["media"] == w.med && ev.Result == "ok" {
					t.Errorf("bob's link downloaded Alpha's file: %+v", ev)
				}
			}
			if evs := linkEvents(t, w.bob.client, l.ID); len(evs) != 0 {
				t.Errorf("bob sees events of Alpha's link: %+v", evs)
			}
		}},
		{"bad input is a clear error and creates nothing", func(t *testing.T, f *fixture, w *shareWorld) {
			now := time.Now()
			bad := []struct {
				body  any
				code  string
				field string
			}{
				{obj{"target": "record"}, "validation_failed", "target"},
				{obj{"target": "workspace:" + w.ws}, "validation_failed", "target"},
				{obj{"target": "record:a b"}, "validation_failed", "target"},
				{obj{}, "validation_failed", "target"},
				{obj{"target": "record:" + w.rec, "expires_at": now.Add(-time.Minute)}, "validation_failed", "expires_at"},
				{obj{"target": "record:" + w.rec, "starts_at": now.Add(2 * time.Hour), "expires_at": now.Add(time.Hour)}, "validation_failed", "expires_at"},
				{obj{"target": "record:" + w.rec, "download": true, "max_downloads": -1}, "validation_failed", "max_downloads"},
				{obj{"target": "record:" + w.rec, "max_downloads": 3}, "validation_failed", "max_downloads"},
				{obj{"target": "record:" + w.rec, "password": "short"}, "validation_failed", "password"},
				{obj{"target": "record:" + w.rec, "password": "password1"}, "validation_failed", "password"},
				{obj{"target": "record:" + w.rec, "note": strings.Repeat("n", 501)}, "validation_failed", "note"},
				{obj{"target": "record:" + w.rec, "note": "bell\a"}, "validation_failed", "note"},
				{obj{"target": "record:" + w.rec, "token": "mine"}, "unknown_field", "token"},
				{obj{"target": "record:" + w.rec, "expires_at": "tomorrow"}, "invalid_json", ""},
				{raw(`{"target":`), "invalid_json", ""},
			}
			for _, b := range bad {
				r := w.alice.do(t, "POST", "/api/v1/share-links", b.body)
				status := 422
				if b.code != "validation_failed" {
					status = 400
				}
				r.fails(t, status, b.code, b.field)
			}
			w.alice.do(t, "POST", "/api/v1/share-links", obj{"target": "record:rec_nope"}).fails(t, 404, "not_found", "-")
			w.carol.do(t, "POST", "/api/v1/share-links", obj{"target": "record:" + w.hiddenRec}).fails(t, 404, "not_found", "-")
			var p service.ShareLinkPage
			w.alice.get(t, "/api/v1/share-links?all=true").ok(t, 200).decode(t, &p)
			if len(p.Links) != 0 {
				t.Errorf("rejected requests created %d links", len(p.Links))
			}
			l := mkLink(t, w.alice.client, obj{"target": "record:" + w.rec, "password": "harbour lights"})
			f.anon().do(t, "POST", "/api/v1/shared/"+l.Token+"/unlock", raw(`{"password":"harbour lights","extra":1}`)).fails(t, 400, "unknown_field", "extra")
		}},
		{"a read-only API token may list links but not create or revoke them", func(t *testing.T, f *fixture, w *shareWorld) {
			var tok service.NewToken
			w.alice.do(t, "POST", "/api/v1/tokens", obj{"name": "ro", "scopes": []string{"read"}}).ok(t, 201).decode(t, &tok)
			ro := f.bearer(tok.Secret)
			ro.get(t, "/api/v1/share-links").ok(t, 200)
			ro.do(t, "POST", "/api/v1/share-links", obj{"target": "record:" + w.rec}).fails(t, 403, "insufficient_scope", "-")
			// A token without the admin scope lists only its user's links.
			ro.get(t, "/api/v1/share-links?all=true").fails(t, 403, "insufficient_scope", "-")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			c.run(t, f, newShareWorld(t, f))
		})
	}
}

// TestShareTokensAreNeitherStoredNorLogged: the token of a link and its
// password appear nowhere in the database files or the server's logs,
// with the access log on and a request that fails inside.
func TestShareTokensAreNeitherStoredNorLogged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlstore.OpenSQLite(ctx, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobDir := t.TempDir()
	blobs, err := blob.NewFS(blobDir)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := service.New(ctx, st, service.Options{Password: identity.TestParams, Blobs: blobs, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(svc, httpapi.Options{Logger: logger, AccessLog: true}))
	t.Cleanup(srv.Close)
	f := &fixture{ctx: ctx, svc: svc, srv: srv, blobDir: blobDir}
	f.A = f.newAccount(t, "Alpha", "alice", "alice@alpha.example")
	a := f.A.Owner.client
	med := mkMedia(t, a, mkRecord(t, a, mkWorkspace(t, a, "News"), "Flood", nil))
	putFile(t, a, med, pngBytes, "").ok(t, 200)
	const pw = "secret harbour lights"
	l := mkLink(t, a, obj{"target": "media:" + med, "download": true, "password": pw})
	var proof service.ShareUnlock
	f.anon().do(t, "POST", "/api/v1/shared/"+l.Token+"/unlock", obj{"password": pw}).ok(t, 200).decode(t, &proof)
	unlocked := header{httpapi.ShareUnlockHeader, proof.UnlockToken}
	view(t, f, l.Token, unlocked).ok(t, 200)
	sharedFile(t, f, l.Token, med, unlocked).ok(t, 200)
	// A request that fails inside is logged with its path.
	for _, p := range blobFiles(t, f) {
		os.Remove(filepath.Join(blobDir, p))
	}
	sharedFile(t, f, l.Token, med, unlocked).fails(t, 500, "internal", "-")
	svc.WaitBackground()

	secrets := []string{l.Token, strings.TrimPrefix(l.Token, service.ShareTokenPrefix), pw, proof.UnlockToken}
	files, _ := filepath.Glob(filepath.Join(dir, sqlstore.DBFile+"*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds a secret of the link in clear", filepath.Base(p))
			}
		}
	}
	if !bytes.Contains(mustRead(t, files), []byte(identity.HashSecret(l.Token))) {
		t.Error("the database does not hold the token's hash: is this test reading the right files?")
	}
	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	if !strings.Contains(out, "/api/v1/shared/[token]/media/"+med+"/file") || !strings.Contains(out, "request failed") {
		t.Errorf("the logs do not show the shared requests (redacted):\n%s", out)
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the logs hold a secret of the link:\n%s", out)
		}
	}
}

func mustRead(t *testing.T, paths []string) []byte {
	t.Helper()
	var all []byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
