package httpapi_test

// Upload moderation through the real HTTP API, SQLite and blob folder:
// uploads of a moderated group's members are held, seen only by their
// uploader and the approvers, until an approver publishes or rejects them;
// every decision is audited and mailed; and the attacks: deciding one's own
// upload, deciding without being an approver, another account's holds.

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// modWorld is account A (owner alice, an admin who is no approver) with
// workspace ws where uma (a stringer, moderated) contributes and viv and
// ann view; ann is in the approver group Desk; erin is in no group.
type modWorld struct {
	f                       *fixture
	alice                   *member
	uma, viv, ann, erin     *member
	stringers, desk         string
	ws, relation, published string
}

func newModWorld(t *testing.T) *modWorld {
	t.Helper()
	f := newFixture(t)
	w := &modWorld{f: f, alice: f.A.Owner}
	w.uma, w.viv, w.ann, w.erin = f.addUser(t, f.A, "uma"), f.addUser(t, f.A, "viv"), f.addUser(t, f.A, "ann"), f.addUser(t, f.A, "erin")
	w.stringers = mkGroup(t, w.alice.client, "Stringers", "user:"+w.uma.ID)
	w.desk = mkGroup(t, w.alice.client, "Desk", "user:"+w.ann.ID)
	w.ws = mkWorkspace(t, w.alice.client, "News",
		grant{Subject: "user:" + w.uma.ID, Role: "contributor"}, grant{Subject: "user:" + w.viv.ID, Role: "viewer"}, grant{Subject: "user:" + w.ann.ID, Role: "viewer"})
	var rel domain.ApprovalRelation
	w.alice.do(t, "POST", "/api/v1/approval-relations", obj{"kind": "moderation", "requester_groups": []string{w.stringers}, "approver_group": w.desk}).ok(t, 201).decode(t, &rel)
	if rel.Kind != domain.RelationModeration {
		t.Fatalf("relation: %+v", rel)
	}
	w.relation = rel.ID
	w.published = mkRecord(t, w.alice.client, w.ws, "Published story", nil)
	return w
}

// upload creates a record as m (the default ACL: everyone may view).
func (w *modWorld) upload(t *testing.T, m *member, title string) domain.Record {
	t.Helper()
	var rec domain.Record
	m.do(t, "POST", "/api/v1/records", obj{"workspace": w.ws, "title": title}).ok(t, 201).decode(t, &rec)
	return rec
}

func (w *modWorld) queue(t *testing.T, m *member, query string) []string {
	t.Helper()
	var page service.ModerationPage
	m.get(t, "/api/v1/moderation"+query).ok(t, 200).decode(t, &page)
	ids := []string{}
	for _, it := range page.Items {
		ids = append(ids, it.ObjectType+":"+it.ObjectID)
	}
	return ids
}

func (w *modWorld) check(t *testing.T, user *member, perm, object string) bool {
	t.Helper()
	var out struct {
		Allowed bool `json:"allowed"`
	}
	w.alice.do(t, "POST", "/api/v1/check", obj{"subject": "user:" + user.ID, "permission": perm, "object": object}).ok(t, 200).decode(t, &out)
	return out.Allowed
}

// auditCount counts the successful events of a type (refused attempts
// are logged too).
func (w *modWorld) auditCount(t *testing.T, typ string) int {
	t.Helper()
	var page service.AuditPage
	w.alice.get(t, "/api/v1/audit?type="+typ).ok(t, 200).decode(t, &page)
	n := 0
	for _, ev := range page.Events {
		if ev.Result == domain.AuditOK {
			n++
		}
	}
	return n
}

func TestAModeratedUploadIsSeenOnlyByItsUploaderAndApproversUntilPublished(t *testing.T) {
	w := newModWorld(t)
	rec := w.upload(t, w.uma, "Harbour fire")
	if rec.Moderation == nil || rec.Moderation.Status != domain.ModerationHeld || rec.Moderation.Uploader != w.uma.ID ||
		!slices.Equal(rec.Moderation.ApproverGroups, []string{w.desk}) {
		t.Fatalf("the new record's moderation: %+v", rec.Moderation)
	}
	object := "record:" + rec.ID

	t.Run("a workspace viewer and the account's owner do not see it anywhere", func(t *testing.T) {
		for _, m := range []*member{w.viv, w.alice, w.erin} {
			a := m.get(t, "/api/v1/records/"+rec.ID).fails(t, 404, "not_found", "")
			b := m.get(t, "/api/v1/records/rec_nosuchrecord").fails(t, 404, "not_found", "")
			if a != b {
				t.Errorf("%s: a held record answers %+v, a missing one %+v", m.Username, a, b)
			}
			if ids, _ := recordIDs(t, m.client, "?limit=1000"); slices.Contains(ids, rec.ID) {
				t.Errorf("%s lists the held record", m.Username)
			}
			if ids, total := recordIDs(t, m.client, "?workspace="+w.ws); slices.Contains(ids, rec.ID) || total != 1 {
				t.Errorf("%s lists %v (total %d) in the workspace", m.Username, ids, total)
			}
			var found struct {
				Records []domain.Record `json:"records"`
				Total   int             `json:"total"`
			}
			m.get(t, "/api/v1/search?q=harbour").ok(t, 200).decode(t, &found)
			if found.Total != 0 {
				t.Errorf("%s finds the held record by search: %+v", m.Username, found)
			}
			if w.check(t, m, "can_view", object) {
				t.Errorf("%s may view the held record", m.Username)
			}
		}
		// Not even review_access reveals it to an owner who cannot see it.
		for _, subject := range []string{"user:" + w.viv.ID, "user:" + w.alice.ID} {
			ex := explain(t, w.alice.client, obj{"subject": subject, "permission": "can_view", "object": object})
			if ex["allowed"] != false || ex["reason"] != "object_not_found" {
				t.Errorf("the owner asks why %s may not see it: %v", subject, ex)
			}
		}
		w.alice.get(t, "/api/v1/who?permission=can_view&object="+object).fails(t, 404, "not_found", "")
		var objects struct {
			Objects []string `json:"objects"`
		}
		w.alice.get(t, "/api/v1/objects?subject=user:"+w.ann.ID+"&permission=can_view&type=record").ok(t, 200).decode(t, &objects)
		if !slices.Contains(objects.Objects, rec.ID) {
			t.Errorf("the approver's objects, as the owner lists them: %v", objects.Objects)
		}
	})
	t.Run("an admin who joins the approver group sees it, and why others do not", func(t *testing.T) {
		w.alice.do(t, "PUT", "/api/v1/groups/"+w.desk+"/members/user:"+w.alice.ID, nil).ok(t, 204)
		defer func() { w.alice.do(t, "DELETE", "/api/v1/groups/"+w.desk+"/members/user:"+w.alice.ID, nil).ok(t, 204) }()
		w.alice.get(t, "/api/v1/records/"+rec.ID).ok(t, 200)
		ex := explain(t, w.alice.client, obj{"subject": "user:" + w.viv.ID, "permission": "can_view", "object": object})
		if ex["allowed"] != false || ex["reason"] != "held_for_moderation" || ex["held"] != true {
			t.Errorf("why the viewer may not see it: %v", ex)
		}
		ex = explain(t, w.alice.client, obj{"permission": "can_manage", "object": object})
		if ex["allowed"] != false || ex["reason"] != "held_for_moderation" {
			t.Errorf("why the owner may not manage it: %v", ex)
		}
		var who struct {
			Users []string `json:"users"`
		}
		w.alice.get(t, "/api/v1/who?permission=can_view&object="+object).ok(t, 200).decode(t, &who)
		if !sameIDs(who.Users, []string{w.uma.ID, w.ann.ID, w.alice.ID}) {
			t.Errorf("who may view the held record: %v", who.Users)
		}
	})
	t.Run("its uploader and the approver see it, marked held", func(t *testing.T) {
		for _, m := range []*member{w.uma, w.ann} {
			var got domain.Record
			m.get(t, "/api/v1/records/"+rec.ID).ok(t, 200).decode(t, &got)
			if got.Moderation == nil || got.Moderation.Status != "held" {
				t.Errorf("%s reads %+v", m.Username, got.Moderation)
			}
			if ids, _ := recordIDs(t, m.client, "?limit=1000"); !slices.Contains(ids, rec.ID) {
				t.Errorf("%s does not list the held record", m.Username)
			}
		}
		ex := explain(t, w.ann.client, obj{"permission": "can_view", "object": object})
		if ex["allowed"] != true || !strings.Contains(fmt.Sprint(ex), "held for moderation") {
			t.Errorf("why ann may see it: %v", ex)
		}
		if !w.check(t, w.uma, "can_edit", object) || w.check(t, w.ann, "can_edit", object) {
			t.Error("the uploader must edit the held record, the approver only view it")
		}
	})
	t.Run("the approvers are mailed once for a burst of uploads, and the queue lists them all", func(t *testing.T) {
		second := w.upload(t, w.uma, "Harbour fire, day two")
		bodies := w.f.mailBodies(t, w.ann.Email)
		if len(bodies) != 1 || !strings.Contains(bodies[0], rec.ID) || !strings.Contains(bodies[0], "Harbour fire") {
			t.Errorf("mail to the approver: %q", bodies)
		}
		for _, m := range []*member{w.viv, w.alice, w.uma, w.erin} {
			if got := w.f.mailBodies(t, m.Email); len(got) != 0 {
				t.Errorf("mail to %s: %q", m.Username, got)
			}
		}
		want := []string{"record:" + rec.ID, "record:" + second.ID}
		if got := w.queue(t, w.ann, ""); !slices.Equal(got, want) {
			t.Errorf("ann's queue: %v, want %v", got, want)
		}
		if got := w.queue(t, w.ann, "?limit=1"); !slices.Equal(got, want[:1]) {
			t.Errorf("ann's first page: %v", got)
		}
		for _, m := range []*member{w.viv, w.alice, w.uma, w.erin} {
			if got := w.queue(t, m, ""); len(got) != 0 {
				t.Errorf("%s's queue: %v", m.Username, got)
			}
		}
		if got := w.queue(t, w.uma, "?mine=true"); !slices.Equal(got, want) {
			t.Errorf("uma's own held uploads: %v", got)
		}
	})
	t.Run("nobody but an approver decides, and never the uploader", func(t *testing.T) {
		w.uma.do(t, "POST", "/api/v1/moderation/record/"+rec.ID+"/publish", nil).fails(t, 403, "forbidden", "")
		for _, m := range []*member{w.viv, w.alice, w.erin} {
			m.do(t, "POST", "/api/v1/moderation/record/"+rec.ID+"/publish", nil).fails(t, 404, "not_found", "")
			m.do(t, "POST", "/api/v1/moderation/record/"+rec.ID+"/reject", obj{"reason": "no"}).fails(t, 404, "not_found", "")
		}
		w.viv.get(t, "/api/v1/records/"+rec.ID).fails(t, 404, "not_found", "")
	})
	t.Run("an ACL set while held is kept and applies once published", func(t *testing.T) {
		// The owner cannot see the held record, so cannot change its ACL.
		w.alice.do(t, "PUT", "/api/v1/records/"+rec.ID+"/acl", obj{"entries": []entry{}}).fails(t, 404, "not_found", "")
	})
	t.Run("publishing makes it follow its ACL and workspace, and tells the uploader", func(t *testing.T) {
		var d service.ModerationDecision
		w.ann.do(t, "POST", "/api/v1/moderation/record/"+rec.ID+"/publish", nil).ok(t, 200).decode(t, &d)
		if d.Status != service.ModerationPublished || d.DecidedBy != w.ann.ID || d.Uploader != w.uma.ID {
			t.Errorf("decision: %+v", d)
		}
		var got domain.Record
		w.viv.get(t, "/api/v1/records/"+rec.ID).ok(t, 200).decode(t, &got)
		if got.Moderation != nil {
			t.Errorf("published record still marked: %+v", got.Moderation)
		}
		w.alice.get(t, "/api/v1/records/"+rec.ID).ok(t, 200)
		if !w.check(t, w.erin, "can_view", object) || !w.check(t, w.alice, "can_manage", object) {
			t.Error("after publishing, everyone's view (the default ACL) and the owner's role must apply")
		}
		if w.check(t, w.uma, "can_delete", object) || !w.check(t, w.uma, "can_edit", object) {
			t.Error("after publishing, the uploader has what contributors have")
		}
		var found struct {
			Total int `json:"total"`
		}
		w.viv.get(t, "/api/v1/search?q=harbour").ok(t, 200).decode(t, &found)
		if found.Total != 1 {
			t.Errorf("the viewer finds %d records after publishing, want 1", found.Total)
		}
		if bodies := w.f.mailBodies(t, w.uma.Email); len(bodies) != 1 || !strings.Contains(bodies[0], "published") || !strings.Contains(bodies[0], "Harbour fire") {
			t.Errorf("mail to the uploader: %q", bodies)
		}
		w.ann.do(t, "POST", "/api/v1/moderation/record/"+rec.ID+"/publish", nil).fails(t, 404, "not_found", "")
		if n, p := w.auditCount(t, service.AuditModerationHold), w.auditCount(t, service.AuditModerationPublish); n != 2 || p != 1 {
			t.Errorf("audit: %d holds, %d publications", n, p)
		}
	})
}

func TestRejectingAHeldUploadDeletesItWithItsFilesAndTellsTheUploaderWhy(t *testing.T) {
	w := newModWorld(t)
	rec := w.upload(t, w.uma, "Blurry")
	res := uploaded(t, postForm(t, w.uma.client, rec.ID, "", pngBytes).ok(t, 201))
	if res.Media.Moderation == nil {
		t.Error("media added to a held record are not held with it")
	}
	if got := w.queue(t, w.ann, ""); !slices.Equal(got, []string{"record:" + rec.ID}) {
		t.Errorf("ann's queue: %v (the media object goes with its record)", got)
	}
	// The approver inspects the original before deciding.
	download(t, w.ann.client, res.Media.ID).ok(t, 200)
	download(t, w.viv.client, res.Media.ID).fails(t, 404, "not_found", "")
	wantBlobs(t, w.f, 1)

	w.ann.do(t, "POST", "/api/v1/moderation/record/"+rec.ID+"/reject", obj{"reason": "  "}).fails(t, 422, "validation_failed", "reason")
	w.ann.do(t, "POST", "/api/v1/moderation/record/"+rec.ID+"/reject", obj{"reason": strings.Repeat("x", 2001)}).fails(t, 422, "validation_failed", "reason")
	w.uma.get(t, "/api/v1/records/"+rec.ID).ok(t, 200)
	var d service.ModerationDecision
	w.ann.do(t, "POST", "/api/v1/moderation/record/"+rec.ID+"/reject", obj{"reason": "out of focus"}).ok(t, 200).decode(t, &d)
	if d.Status != service.ModerationRejected || d.Reason != "out of focus" {
		t.Errorf("decision: %+v", d)
	}
	w.uma.get(t, "/api/v1/records/"+rec.ID).fails(t, 404, "not_found", "")
	w.uma.get(t, "/api/v1/media/"+res.Media.ID).fails(t, 404, "not_found", "")
	wantBlobs(t, w.f, 0)
	bodies := w.f.mailBodies(t, w.uma.Email)
	if len(bodies) != 1 || !strings.Contains(bodies[0], "out of focus") || !strings.Contains(bodies[0], "Blurry") {
		t.Errorf("mail to the uploader: %q", bodies)
	}
	w.ann.do(t, "POST", "/api/v1/moderation/record/"+rec.ID+"/reject", obj{"reason": "again"}).fails(t, 404, "not_found", "")
	var page service.AuditPage
	w.alice.get(t, "/api/v1/audit?type="+service.AuditModerationReject).ok(t, 200).decode(t, &page)
	var ok []domain.AuditEvent
	for _, ev := range page.Events {
		if ev.Result == domain.AuditOK {
			ok = append(ok, ev)
		}
	}
	if len(ok) != 1 || ok[0].Detail["reason"] != "out of focus" || ok[0].Actor != w.ann.ID || ok[0].Detail["uploader"] != w.uma.ID {
		t.Errorf("audit of the rejection: %+v", ok)
	}
	if len(page.Events) != 4 {
		t.Errorf("%d rejection events, want the three refused attempts too", len(page.Events))
	}
	var acct struct {
		Usage domain.StorageUsage `json:"usage"`
	}
	w.alice.get(t, "/api/v1/account").ok(t, 200).decode(t, &acct)
	if acct.Usage.Bytes != 0 || acct.Usage.Files != 0 {
		t.Errorf("storage after the rejection: %+v", acct.Usage)
	}
}

func TestMediaAddedToAPublishedRecordIsHeldOnItsOwn(t *testing.T) {
	w := newModWorld(t)
	var m domain.Media
	w.uma.do(t, "POST", "/api/v1/records/"+w.published+"/media", obj{"media_type": "image", "filename": "extra.jpg"}).ok(t, 201).decode(t, &m)
	if m.Moderation == nil || m.Moderation.Status != "held" {
		t.Fatalf("media on a published record: %+v", m.Moderation)
	}
	object := "media:" + m.ID
	w.viv.get(t, "/api/v1/records/"+w.published).ok(t, 200)
	w.viv.get(t, "/api/v1/media/"+m.ID).fails(t, 404, "not_found", "")
	var listed struct {
		Media []domain.Media `json:"media"`
	}
	w.viv.get(t, "/api/v1/records/"+w.published+"/media").ok(t, 200).decode(t, &listed)
	if len(listed.Media) != 0 {
		t.Errorf("the viewer lists the held media: %+v", listed)
	}
	// An approver who can view the record inspects the original.
	if !w.check(t, w.ann, "can_download", object) || w.check(t, w.ann, "can_edit", object) || w.check(t, w.alice, "can_preview", object) {
		t.Error("held media: approvers download, never edit; the owner does not preview")
	}
	w.ann.get(t, "/api/v1/records/"+w.published+"/media").ok(t, 200).decode(t, &listed)
	if len(listed.Media) != 1 || listed.Media[0].Moderation == nil {
		t.Errorf("the approver lists %+v", listed)
	}
	// The uploader may change the held file; nobody else sees it yet.
	putFile(t, w.uma.client, m.ID, pngBytes, "").ok(t, 200)
	if got := w.queue(t, w.ann, ""); !slices.Equal(got, []string{object}) {
		t.Errorf("ann's queue: %v", got)
	}
	w.ann.do(t, "POST", "/api/v1/moderation/media/"+m.ID+"/publish", nil).ok(t, 200)
	w.viv.get(t, "/api/v1/media/"+m.ID).ok(t, 200)
	download(t, w.viv.client, m.ID).fails(t, 403, "forbidden", "") // everyone views, Administrators download: the default ACL
	// Published now: a moderated uploader cannot swap its bytes unreviewed.
	putFile(t, w.uma.client, m.ID, pngBytes[:100], "").fails(t, 403, "moderation_required", "")
	download(t, w.alice.client, m.ID).ok(t, 200)
	if n := w.auditCount(t, service.AuditModerationPublish); n != 1 {
		t.Errorf("%d publish events", n)
	}
}

func TestAHoldStaysWhenItsUploaderLeavesTheModeratedGroup(t *testing.T) {
	w := newModWorld(t)
	rec := w.upload(t, w.uma, "Before leaving")
	w.alice.do(t, "DELETE", "/api/v1/groups/"+w.stringers+"/members/user:"+w.uma.ID, nil).ok(t, 204)
	w.viv.get(t, "/api/v1/records/"+rec.ID).fails(t, 404, "not_found", "")
	if got := w.queue(t, w.ann, ""); !slices.Equal(got, []string{"record:" + rec.ID}) {
		t.Errorf("ann's queue after uma left: %v", got)
	}
	after := w.upload(t, w.uma, "After leaving")
	if after.Moderation != nil {
		t.Errorf("an upload after leaving the group is held: %+v", after.Moderation)
	}
	w.viv.get(t, "/api/v1/records/"+after.ID).ok(t, 200)
	// Removing the relation does not publish what it held either.
	w.alice.do(t, "DELETE", "/api/v1/approval-relations/"+w.relation, nil).ok(t, 204)
	w.viv.get(t, "/api/v1/records/"+rec.ID).fails(t, 404, "not_found", "")
	// The approver group cannot go while it approves a hold.
	w.alice.do(t, "DELETE", "/api/v1/groups/"+w.desk, nil).fails(t, 409, "group_in_use", "")
	w.ann.do(t, "POST", "/api/v1/moderation/record/"+rec.ID+"/publish", nil).ok(t, 200)
	w.viv.get(t, "/api/v1/records/"+rec.ID).ok(t, 200)
	w.alice.do(t, "DELETE", "/api/v1/groups/"+w.desk, nil).ok(t, 204)
}

func TestCapturedRecordsOfAModeratedUserAreHeld(t *testing.T) {
	w := newModWorld(t)
	p := mkCaptureProfile(t, w.alice.client, obj{"name": "Field", "workspace": w.ws, "holders": []string{"user:" + w.uma.ID}})
	var rec domain.Record
	w.uma.do(t, "POST", "/api/v1/capture/"+p.ID+"/records", obj{"title": "Captured"}).ok(t, 201).decode(t, &rec)
	if rec.Moderation == nil {
		t.Fatal("a captured record of a moderated user is not held")
	}
	w.viv.get(t, "/api/v1/records/"+rec.ID).fails(t, 404, "not_found", "")
	var m domain.Media
	w.uma.do(t, "POST", "/api/v1/capture/"+p.ID+"/records/"+rec.ID+"/media", obj{"media_type": "image", "filename": "c.jpg"}).ok(t, 201).decode(t, &m)
	if m.Moderation == nil {
		t.Error("media captured onto a held record are not held with it")
	}
	if bodies := w.f.mailBodies(t, w.ann.Email); len(bodies) != 1 {
		t.Errorf("mails to the approver: %q", bodies)
	}
	if got := w.queue(t, w.ann, ""); !slices.Equal(got, []string{"record:" + rec.ID}) {
		t.Errorf("ann's queue: %v", got)
	}
	// A file captured onto a published record is held on its own.
	var up service.UploadResult
	captureFile(t, w.uma.client, p.ID, w.published, pngBytes).ok(t, 201).decode(t, &up)
	if up.Media.Moderation == nil || up.Media.Moderation.Status != "held" {
		t.Fatalf("a captured file of a moderated user: %+v", up.Media.Moderation)
	}
	w.viv.get(t, "/api/v1/media/"+up.Media.ID).fails(t, 404, "not_found", "")
	if got := w.queue(t, w.ann, ""); !slices.Contains(got, "media:"+up.Media.ID) {
		t.Errorf("ann's queue lacks the captured file: %v", got)
	}
}

func TestModerationNeverCrossesAccounts(t *testing.T) {
	w := newModWorld(t)
	rec := w.upload(t, w.uma, "Alpha only")
	bob := w.f.B.Owner
	if got := w.queue(t, bob, ""); len(got) != 0 {
		t.Errorf("another account's owner sees %v", got)
	}
	a := bob.do(t, "POST", "/api/v1/moderation/record/"+rec.ID+"/publish", nil).fails(t, 404, "not_found", "")
	b := bob.do(t, "POST", "/api/v1/moderation/record/rec_nosuchrecord/publish", nil).fails(t, 404, "not_found", "")
	if a != b {
		t.Errorf("answers differ: %+v and %+v", a, b)
	}
	// Beta's relation cannot name Alpha's groups.
	bob.do(t, "POST", "/api/v1/approval-relations", obj{"kind": "moderation", "requester_groups": []string{w.stringers}, "approver_group": w.desk}).fails(t, 422, "validation_failed", "approver_group")
	w.viv.get(t, "/api/v1/records/"+rec.ID).fails(t, 404, "not_found", "")
}

func TestAccessRequestsUseOnlyAccessRelations(t *testing.T) {
	w := newModWorld(t)
	// uma is in a requester group of a moderation relation only.
	w.uma.do(t, "POST", "/api/v1/access-requests", obj{"target_type": "workspace", "target_id": w.ws, "access": "download"}).fails(t, 403, "forbidden", "")
	var rels struct {
		Relations []domain.ApprovalRelation `json:"relations"`
	}
	w.uma.get(t, "/api/v1/approval-relations").ok(t, 200).decode(t, &rels)
	if len(rels.Relations) != 1 || rels.Relations[0].Kind != "moderation" {
		t.Errorf("relations: %+v", rels.Relations)
	}
}

func TestBadModerationInputChangesNothing(t *testing.T) {
	w := newModWorld(t)
	rec := w.upload(t, w.uma, "Still held")
	cases := []struct {
		name          string
		method, path  string
		body          any
		status        int
		code, field   string
		as            *member
		wantUnchanged bool
	}{
		{"an unknown relation kind", "POST", "/api/v1/approval-relations", obj{"kind": "publish", "requester_groups": []string{w.stringers}, "approver_group": w.desk}, 422, "validation_failed", "kind", w.alice, true},
		{"a kind of the wrong JSON type", "POST", "/api/v1/approval-relations", obj{"kind": 3, "requester_groups": []string{w.stringers}, "approver_group": w.desk}, 400, "invalid_json", "kind", w.alice, true},
		{"an object type that is never held", "POST", "/api/v1/moderation/collection/" + rec.ID + "/publish", nil, 404, "not_found", "", w.ann, true},
		{"an id that cannot be one", "POST", "/api/v1/moderation/record/" + esc("../x") + "/publish", nil, 404, "not_found", "", w.ann, true},
		{"an unknown field in a rejection", "POST", "/api/v1/moderation/record/" + rec.ID + "/reject", obj{"reason": "x", "delete": false}, 400, "unknown_field", "delete", w.ann, true},
		{"an unknown queue parameter", "GET", "/api/v1/moderation?status=held", nil, 400, "invalid_query", "status", w.ann, true},
		{"a queue page too large", "GET", "/api/v1/moderation?limit=5000", nil, 400, "invalid_query", "limit", w.ann, true},
		{"a cursor this server never issued", "GET", "/api/v1/moderation?cursor=12.record", nil, 400, "invalid_query", "cursor", w.ann, true},
		{"mine that is not a boolean", "GET", "/api/v1/moderation?mine=perhaps", nil, 400, "invalid_query", "mine", w.ann, true},
	}
	before := snapshot(t, w.uma.client, "/api/v1/records/"+rec.ID)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.as.do(t, c.method, c.path, c.body).fails(t, c.status, c.code, c.field)
			unchanged(t, w.uma.client, "/api/v1/records/"+rec.ID, before)
		})
	}
	if got := w.queue(t, w.ann, ""); !slices.Equal(got, []string{"record:" + rec.ID}) {
		t.Errorf("queue after bad input: %v", got)
	}
}
