package httpapi_test

// Access requests and approvals through the real HTTP API and SQLite:
// the flow from request to a grant that lapses by itself, the
// notifications (read back from the outbox), and the attacks: asking
// without a relation, deciding without being an approver or for oneself,
// granting more than one holds, another account's requests and objects.

import (
	"context"
	"strings"
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// accessWorld is account A with a requester group (carol), an approver
// group (dave, editor of workspace ws), a record rec with media med in ws
// that carol cannot see, a record far in a workspace dave has no role in,
// and erin in neither group.
type accessWorld struct {
	f                   *fixture
	alice               *member
	carol, dave, erin   *member
	requesters, curator string
	ws, rec, med, far   string
	relation            string
}

func newAccessWorld(t *testing.T) *accessWorld {
	t.Helper()
	f := newFixture(t)
	w := &accessWorld{f: f, alice: f.A.Owner}
	w.carol, w.dave, w.erin = f.addUser(t, f.A, "carol"), f.addUser(t, f.A, "dave"), f.addUser(t, f.A, "erin")
	w.requesters = mkGroup(t, w.alice.client, "Freelancers", "user:"+w.carol.ID)
	w.curator = mkGroup(t, w.alice.client, "Curators", "user:"+w.dave.ID)
	w.ws = mkWorkspace(t, w.alice.client, "News", grant{Subject: "user:" + w.dave.ID, Role: "editor"})
	w.rec = mkRecord(t, w.alice.client, w.ws, "Flood", []entry{})
	w.med = mkMedia(t, w.alice.client, w.rec)
	other := mkWorkspace(t, w.alice.client, "Board")
	w.far = mkRecord(t, w.alice.client, other, "Minutes", []entry{})
	var rel domain.ApprovalRelation
	w.alice.do(t, "POST", "/api/v1/approval-relations", obj{"requester_groups": []string{w.requesters}, "approver_group": w.curator}).ok(t, 201).decode(t, &rel)
	w.relation = rel.ID
	return w
}

// request asks for access as m and returns the request.
func (w *accessWorld) request(t *testing.T, m *member, typ, id, access string) domain.AccessRequest {
	t.Helper()
	var q domain.AccessRequest
	m.do(t, "POST", "/api/v1/access-requests", obj{"target_type": typ, "target_id": id, "access": access, "message": "for the flood story"}).ok(t, 201).decode(t, &q)
	if q.Status != domain.RequestPending || q.Requester != m.ID {
		t.Fatalf("new request: %+v", q)
	}
	return q
}

// allowed asks the engine, as the owner, whether user has perm on object.
func (w *accessWorld) allowed(t *testing.T, user *member, perm, object string) bool {
	t.Helper()
	var out struct {
		Allowed bool `json:"allowed"`
	}
	w.alice.do(t, "POST", "/api/v1/check", obj{"subject": "user:" + user.ID, "permission": perm, "object": object}).ok(t, 200).decode(t, &out)
	return out.Allowed
}

func (w *accessWorld) status(t *testing.T, id string) string {
	t.Helper()
	var v service.AccessRequestView
	w.alice.get(t, "/api/v1/access-requests/"+id).ok(t, 200).decode(t, &v)
	return v.Status
}

func requestIDs(t *testing.T, c *client, query string) []string {
	t.Helper()
	var page service.AccessRequestPage
	c.get(t, "/api/v1/access-requests"+query).ok(t, 200).decode(t, &page)
	ids := []string{}
	for _, q := range page.Requests {
		ids = append(ids, q.ID)
	}
	return ids
}

func TestAccessRequestIsApprovedUntilAnEndDateAndLapsesByItself(t *testing.T) {
	w := newAccessWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { w.f.svc.RunAccessExpiry(ctx, time.Minute); close(done) }()
	defer func() { cancel(); <-done }()

	w.carol.get(t, "/api/v1/records/"+w.rec).fails(t, 404, "not_found", "")
	q := w.request(t, w.carol, "record", w.rec, "download")

	// The approver is told; who sees the request: requester, approver,
	// review_access holders, and nobody else.
	if bodies := w.f.mailBodies(t, w.dave.Email); len(bodies) != 1 || !strings.Contains(bodies[0], q.ID) || !strings.Contains(bodies[0], "for the flood story") {
		t.Fatalf("mail to the approver: %q", bodies)
	}
	for _, who := range []*member{w.carol, w.dave, w.alice} {
		if ids := requestIDs(t, who.client, "?status=pending"); len(ids) != 1 || ids[0] != q.ID {
			t.Errorf("pending requests seen by %s: %v", who.Username, ids)
		}
	}
	if ids := requestIDs(t, w.erin.client, ""); len(ids) != 0 {
		t.Errorf("erin sees requests %v", ids)
	}
	w.erin.get(t, "/api/v1/access-requests/"+q.ID).fails(t, 404, "not_found", "")

	until := time.Now().Add(1500 * time.Millisecond).UTC()
	var v service.AccessRequestView
	w.dave.do(t, "POST", "/api/v1/access-requests/"+q.ID+"/approve", obj{"until": until.Format(time.RFC3339Nano)}).ok(t, 200).decode(t, &v)
	if v.Status != domain.RequestApproved || v.Level != "download" || v.ExpiresAt == nil || v.DecidedBy != w.dave.ID {
		t.Fatalf("approved request: %+v", v.AccessRequest)
	}
	if len(v.Grants) != 2 {
		t.Errorf("grants: %+v; want the record's view and its media's download", v.Grants)
	}
	w.carol.get(t, "/api/v1/records/"+w.rec).ok(t, 200)
	if !w.allowed(t, w.carol, "can_download", "media:"+w.med) {
		t.Error("carol cannot download the media after approval")
	}
	if w.allowed(t, w.carol, "can_edit", "record:"+w.rec) {
		t.Error("a download grant lets carol edit the record")
	}
	if bodies := w.f.mailBodies(t, w.carol.Email); len(bodies) != 1 || !strings.Contains(bodies[0], "approved") {
		t.Errorf("mail to the requester: %q", bodies)
	}

	// The grant lapses by itself at its end date.
	deadline := time.Now().Add(10 * time.Second)
	for w.status(t, q.ID) != domain.RequestExpired {
		if time.Now().After(deadline) {
			t.Fatal("the grant did not lapse within 10 s of its end date")
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.carol.get(t, "/api/v1/records/"+w.rec).fails(t, 404, "not_found", "")
	if w.allowed(t, w.carol, "can_download", "media:"+w.med) {
		t.Error("carol can still download after the end date")
	}
	// The mail follows the commit: wait for it as for the lapse.
	bodies := w.f.mailBodies(t, w.carol.Email)
	for len(bodies) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		bodies = w.f.mailBodies(t, w.carol.Email)
	}
	if len(bodies) != 2 || !strings.Contains(bodies[1], "end date") {
		t.Errorf("mail to the requester after the end: %q", bodies)
	}
	for _, typ := range []string{service.AuditAccessRequest, service.AuditAccessApprove, service.AuditAccessExpire} {
		var page service.AuditPage
		w.alice.get(t, "/api/v1/audit?type="+typ).ok(t, 200).decode(t, &page)
		if len(page.Events) != 1 || page.Events[0].Result != domain.AuditOK {
			t.Errorf("audit events of type %s: %+v", typ, page.Events)
		}
	}
}

func TestAccessRequestRejectedWithAReasonIsNotified(t *testing.T) {
	w := newAccessWorld(t)
	q := w.request(t, w.carol, "workspace", w.ws, "view")
	w.dave.do(t, "POST", "/api/v1/access-requests/"+q.ID+"/reject", obj{"reason": "  "}).fails(t, 422, "validation_failed", "reason")
	var got domain.AccessRequest
	w.dave.do(t, "POST", "/api/v1/access-requests/"+q.ID+"/reject", obj{"reason": "embargoed until Monday"}).ok(t, 200).decode(t, &got)
	if got.Status != domain.RequestRejected || got.Reason != "embargoed until Monday" {
		t.Errorf("rejected request: %+v", got)
	}
	if bodies := w.f.mailBodies(t, w.carol.Email); len(bodies) != 1 || !strings.Contains(bodies[0], "embargoed until Monday") {
		t.Errorf("mail to the requester: %q", bodies)
	}
	w.dave.do(t, "POST", "/api/v1/access-requests/"+q.ID+"/approve", obj{}).fails(t, 409, "request_decided", "")
	if w.allowed(t, w.carol, "can_view", "record:"+w.rec) {
		t.Error("a rejected request granted access")
	}
}

func TestAccessRequestAttacksChangeNothing(t *testing.T) {
	w := newAccessWorld(t)
	bobRec := mkRecord(t, w.f.B.Owner.client, mkWorkspace(t, w.f.B.Owner.client, "B news"), "B record", []entry{})

	t.Run("someone in no requester group cannot ask", func(t *testing.T) {
		w.erin.do(t, "POST", "/api/v1/access-requests", obj{"target_type": "record", "target_id": w.rec, "access": "view"}).fails(t, 403, "forbidden", "")
	})
	t.Run("another account's record is not found, exactly like a missing one", func(t *testing.T) {
		a := w.carol.do(t, "POST", "/api/v1/access-requests", obj{"target_type": "record", "target_id": bobRec, "access": "view"}).fails(t, 404, "not_found", "")
		b := w.carol.do(t, "POST", "/api/v1/access-requests", obj{"target_type": "record", "target_id": "rec_nosuchrecord", "access": "view"}).fails(t, 404, "not_found", "")
		if a != b {
			t.Errorf("answers differ: %+v and %+v", a, b)
		}
	})
	t.Run("bad input names its field", func(t *testing.T) {
		for _, c := range []struct {
			body  obj
			field string
		}{
			{obj{"target_type": "planet", "target_id": w.rec, "access": "view"}, "target_type"},
			{obj{"target_type": "record", "target_id": w.rec, "access": "edit"}, "access"},
			{obj{"target_type": "record", "target_id": w.rec, "access": "view", "message": strings.Repeat("x", service.MaxRequestMessage+1)}, "message"},
		} {
			w.carol.do(t, "POST", "/api/v1/access-requests", c.body).fails(t, 422, "validation_failed", c.field)
		}
	})
	q := w.request(t, w.carol, "record", w.far, "view")
	t.Run("asking twice for one thing is a conflict", func(t *testing.T) {
		w.carol.do(t, "POST", "/api/v1/access-requests", obj{"target_type": "record", "target_id": w.far, "access": "download"}).fails(t, 409, "request_pending", "")
	})
	t.Run("an approver cannot grant what they do not hold", func(t *testing.T) {
		w.dave.do(t, "POST", "/api/v1/access-requests/"+q.ID+"/approve", obj{}).fails(t, 403, "forbidden", "")
		if w.status(t, q.ID) != domain.RequestPending || w.allowed(t, w.carol, "can_view", "record:"+w.far) {
			t.Error("a refused approval changed something")
		}
	})
	t.Run("a requester cannot decide their own request", func(t *testing.T) {
		w.carol.do(t, "POST", "/api/v1/access-requests/"+q.ID+"/approve", obj{}).fails(t, 403, "forbidden", "")
		// Even as an approver too.
		w.alice.do(t, "PUT", "/api/v1/groups/"+w.curator+"/members/user:"+w.carol.ID, nil).ok(t, 204)
		w.carol.do(t, "POST", "/api/v1/access-requests/"+q.ID+"/approve", obj{}).fails(t, 403, "forbidden", "")
		w.alice.do(t, "DELETE", "/api/v1/groups/"+w.curator+"/members/user:"+w.carol.ID, nil).ok(t, 204)
	})
	t.Run("an owner who is no approver cannot decide, only see", func(t *testing.T) {
		w.alice.do(t, "POST", "/api/v1/access-requests/"+q.ID+"/approve", obj{}).fails(t, 403, "forbidden", "")
	})
	t.Run("another account's owner sees and decides nothing", func(t *testing.T) {
		bob := w.f.B.Owner
		bob.get(t, "/api/v1/access-requests/"+q.ID).fails(t, 404, "not_found", "")
		bob.do(t, "POST", "/api/v1/access-requests/"+q.ID+"/approve", obj{}).fails(t, 404, "not_found", "")
		bob.do(t, "POST", "/api/v1/access-requests/"+q.ID+"/reject", obj{"reason": "x"}).fails(t, 404, "not_found", "")
		if ids := requestIDs(t, bob.client, ""); len(ids) != 0 {
			t.Errorf("bob sees %v", ids)
		}
		var rels approvalListBody
		bob.get(t, "/api/v1/approval-relations").ok(t, 200).decode(t, &rels)
		if len(rels.Relations) != 0 {
			t.Errorf("bob sees relations %+v", rels.Relations)
		}
		bob.do(t, "DELETE", "/api/v1/approval-relations/"+w.relation, nil).fails(t, 404, "not_found", "")
	})
	ws := w.request(t, w.carol, "workspace", w.ws, "view")
	t.Run("levels and end dates are checked", func(t *testing.T) {
		w.dave.do(t, "POST", "/api/v1/access-requests/"+ws.ID+"/approve", obj{"level": "owner"}).fails(t, 422, "validation_failed", "level")
		w.dave.do(t, "POST", "/api/v1/access-requests/"+ws.ID+"/approve", obj{"until": time.Now().Add(-time.Hour).Format(time.RFC3339)}).fails(t, 422, "validation_failed", "until")
		// dave is an editor: he can grant editor, not more, and
		// account-wide roles need manage_users.
		acct := w.request(t, w.carol, "account", "", "view")
		w.dave.do(t, "POST", "/api/v1/access-requests/"+acct.ID+"/approve", obj{}).fails(t, 403, "forbidden", "")
		if w.status(t, ws.ID) != domain.RequestPending || w.status(t, acct.ID) != domain.RequestPending {
			t.Error("refused approvals changed a request")
		}
	})
	t.Run("a granted workspace role shows as membership to the engine", func(t *testing.T) {
		w.dave.do(t, "POST", "/api/v1/access-requests/"+ws.ID+"/approve", obj{"level": "contributor"}).ok(t, 200)
		if !w.allowed(t, w.carol, "can_edit", "record:"+w.rec) {
			t.Error("a contributor grant on the workspace does not let carol edit its records")
		}
		w.carol.do(t, "POST", "/api/v1/access-requests", obj{"target_type": "record", "target_id": w.rec, "access": "view"}).fails(t, 409, "already_granted", "")
	})
	t.Run("a group in a relation cannot be deleted", func(t *testing.T) {
		w.alice.do(t, "DELETE", "/api/v1/groups/"+w.curator, nil).fails(t, 409, "group_in_use", "")
	})
	t.Run("others cannot revoke a grant, its approver can", func(t *testing.T) {
		w.erin.do(t, "POST", "/api/v1/access-requests/"+ws.ID+"/revoke", obj{"reason": "x"}).fails(t, 404, "not_found", "")
		w.carol.do(t, "POST", "/api/v1/access-requests/"+ws.ID+"/revoke", obj{"reason": "x"}).fails(t, 403, "forbidden", "")
		w.dave.do(t, "POST", "/api/v1/access-requests/"+ws.ID+"/revoke", obj{"reason": "story filed"}).ok(t, 200)
		if w.allowed(t, w.carol, "can_view", "record:"+w.rec) {
			t.Error("carol keeps access after the revocation")
		}
		w.dave.do(t, "POST", "/api/v1/access-requests/"+ws.ID+"/revoke", obj{}).fails(t, 409, "request_not_granted", "")
	})
}

type approvalListBody struct {
	Relations []domain.ApprovalRelation `json:"relations"`
}

// A grant and an ACL entry set by hand are independent: replacing the ACL
// keeps the grant, and the grant's end keeps the hand-set entry.
func TestAccessGrantAndHandSetACLAreIndependent(t *testing.T) {
	w := newAccessWorld(t)
	q := w.request(t, w.carol, "record", w.rec, "view")
	w.dave.do(t, "POST", "/api/v1/access-requests/"+q.ID+"/approve", obj{}).ok(t, 200)

	// A batch replace of the record's ACL (applied to the engine directly,
	// not re-read) leaves carol's grant.
	w.alice.do(t, "POST", "/api/v1/acl/batch", obj{"type": "record", "op": "replace", "ids": []string{w.rec}, "entries": []entry{{Subject: "user:" + w.erin.ID, Permissions: []string{"view"}}}}).ok(t, 200)
	if !w.allowed(t, w.carol, "can_view", "record:"+w.rec) {
		t.Fatal("replacing the ACL removed carol's grant")
	}
	var acl struct {
		Entries []entry `json:"entries"`
	}
	w.alice.get(t, "/api/v1/records/"+w.rec+"/acl").ok(t, 200).decode(t, &acl)
	if len(acl.Entries) != 1 || acl.Entries[0].Subject != "user:"+w.erin.ID {
		t.Errorf("the record's own ACL shows %+v; want erin's entry alone", acl.Entries)
	}

	// Now carol gets an entry by hand too; ending the grant keeps it.
	w.alice.do(t, "POST", "/api/v1/acl/batch", obj{"type": "record", "op": "add", "ids": []string{w.rec}, "entries": []entry{{Subject: "user:" + w.carol.ID, Permissions: []string{"view"}}}}).ok(t, 200)
	w.dave.do(t, "POST", "/api/v1/access-requests/"+q.ID+"/revoke", obj{"reason": "done"}).ok(t, 200)
	if !w.allowed(t, w.carol, "can_view", "record:"+w.rec) {
		t.Error("ending the grant removed the entry set by hand")
	}
	// A grant without an end date never expires.
	if n, err := w.f.svc.ExpireAccessGrants(context.Background(), time.Now().Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("ExpireAccessGrants = %d, %v; want nothing to expire", n, err)
	}
}
