package storetest

import (
	"testing"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// accessWorld is the store the access-request cases start from: u1 asks,
// u2 approves; r1 has media m1 and an ACL entry for u1 set by hand.
func accessWorld(f *fixture) {
	f.t.Helper()
	f.create(account("acc"), account("acc2"), user("acc", "u1"), user("acc", "u2"), user("acc2", "u3"),
		group("acc", "req", u("u1")), group("acc", "apr", u("u2")),
		workspace("acc", "w1", ""),
		record("w1", "r1", entry(u("u1"), "view")), media("r1", "m1"), record("w1", "r2"),
		collection("w1", "c1", ""))
}

func accessRequest(id, requester, typ, target string) domain.AccessRequest {
	return domain.AccessRequest{ID: id, AccountID: "acc", Requester: requester, TargetType: typ, TargetID: target,
		Access: domain.AccessView, Message: "please", Status: domain.RequestPending}
}

// levelOf returns the level an op's ACL gives subject s (0 for none).
func levelOf(op authz.Op, s authz.Subject) authz.Level {
	var es []authz.ACLEntry
	switch o := op.(type) {
	case authz.PutRecord:
		es = o.ACL
	case authz.PutMedia:
		es = o.ACL
	case authz.PutCollection:
		es = o.ACL
	}
	for _, e := range es {
		if e.Subject == s {
			return e.Level
		}
	}
	return 0
}

func level(t authz.ObjectType, perm string) authz.Level {
	l, err := authz.ParseACLPermission(t, perm)
	if err != nil {
		panic(err)
	}
	return l
}

// memberRole returns the role a PutWorkspace op gives subject s.
func memberRole(op authz.Op, s authz.Subject) authz.Role {
	for _, g := range op.(authz.PutWorkspace).Members {
		if g.Subject == s {
			return g.Role
		}
	}
	return authz.NoRole
}

// grantsOf approves request q in the store with these tuples.
func (f *fixture) approve(q domain.AccessRequest, until *time.Time, gs ...domain.AccessGrant) {
	f.t.Helper()
	f.update(func(tx store.Tx) error {
		now := tx.Now()
		q.Status, q.DecidedBy, q.DecidedAt, q.ExpiresAt = domain.RequestApproved, "u2", &now, until
		if err := tx.UpdateAccessRequest(f.ctx, q, domain.RequestPending); err != nil {
			return err
		}
		return tx.AddAccessGrants(f.ctx, gs)
	})
}

func tuple(req, typ, id, lvl string) domain.AccessGrant {
	return domain.AccessGrant{RequestID: req, UserID: "u1", ObjectType: typ, ObjectID: id, Level: lvl}
}

// accessCases cover what request/approval relationships, access requests
// and their grants need of a store.
var accessCases = []testCase{
	{"an approval relation reads back with its requester groups, and lists by account", func(t *testing.T, f *fixture) {
		accessWorld(f)
		f.create(group("acc", "req2"))
		want := domain.ApprovalRelation{ID: "ar1", AccountID: "acc", Kind: domain.RelationAccess, RequesterGroups: []string{"req", "req2"}, ApproverGroup: "apr", CreatedBy: "u2"}
		f.update(func(tx store.Tx) error { want.CreatedAt = tx.Now(); return tx.CreateApprovalRelation(f.ctx, want) })
		got, err := f.s.GetApprovalRelation(f.ctx, "ar1")
		f.must(err)
		diff(t, "relation", want, got)
		list, err := f.s.ListApprovalRelations(f.ctx, "acc")
		f.must(err)
		diff(t, "list", []domain.ApprovalRelation{want}, list)
		list, err = f.s.ListApprovalRelations(f.ctx, "acc2")
		f.must(err)
		diff(t, "another account's list", []domain.ApprovalRelation{}, list)
	}},
	{"a group named by a relation cannot be deleted until the relation is", func(t *testing.T, f *fixture) {
		accessWorld(f)
		f.update(func(tx store.Tx) error {
			return tx.CreateApprovalRelation(f.ctx, domain.ApprovalRelation{ID: "ar1", AccountID: "acc", RequesterGroups: []string{"req"}, ApproverGroup: "apr", CreatedBy: "u2"})
		})
		for _, g := range []string{"req", "apr"} {
			_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.DeleteGroup(f.ctx, g) })
			wantConflict(t, "deleting group "+g, err)
		}
		f.update(func(tx store.Tx) error { return tx.DeleteApprovalRelation(f.ctx, "ar1") })
		f.update(func(tx store.Tx) error { return tx.DeleteGroup(f.ctx, "req") })
		_, err := f.s.GetApprovalRelation(f.ctx, "ar1")
		wantNotFound(t, "deleted relation", err)
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.DeleteApprovalRelation(f.ctx, "ar1") })
		wantNotFound(t, "deleting it twice", err)
	}},
	{"access requests read back, list newest first by status and requester, and continue after a cursor", func(t *testing.T, f *fixture) {
		accessWorld(f)
		var want []domain.AccessRequest
		for i, id := range []string{"q1", "q2", "q3"} {
			q := accessRequest(id, "u1", "record", "r1")
			if i == 1 {
				q.Requester = "u2"
			}
			f.update(func(tx store.Tx) error { q.CreatedAt = tx.Now(); return tx.CreateAccessRequest(f.ctx, q) })
			want = append([]domain.AccessRequest{q}, want...)
		}
		got, err := f.s.GetAccessRequest(f.ctx, "q2")
		f.must(err)
		diff(t, "q2", want[1], got)
		all, err := f.s.ListAccessRequests(f.ctx, "acc", store.AccessRequestFilter{})
		f.must(err)
		diff(t, "all, newest first", want, all)
		mine, err := f.s.ListAccessRequests(f.ctx, "acc", store.AccessRequestFilter{Requester: "u1"})
		f.must(err)
		diff(t, "u1's", []domain.AccessRequest{want[0], want[2]}, mine)
		page, err := f.s.ListAccessRequests(f.ctx, "acc", store.AccessRequestFilter{Limit: 1, BeforeAt: want[0].CreatedAt, BeforeID: want[0].ID})
		f.must(err)
		diff(t, "after the newest", want[1:2], page)
		none, err := f.s.ListAccessRequests(f.ctx, "acc", store.AccessRequestFilter{Status: domain.RequestApproved})
		f.must(err)
		diff(t, "approved ones", []domain.AccessRequest{}, none)
		other, err := f.s.ListAccessRequests(f.ctx, "acc2", store.AccessRequestFilter{})
		f.must(err)
		diff(t, "another account's", []domain.AccessRequest{}, other)
	}},
	{"a request is decided once: an update from a status it no longer has is not found", func(t *testing.T, f *fixture) {
		accessWorld(f)
		q := accessRequest("q1", "u1", "record", "r2")
		f.update(func(tx store.Tx) error { return tx.CreateAccessRequest(f.ctx, q) })
		until := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
		f.approve(q, &until)
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error {
			q.Status, q.Reason = domain.RequestRejected, "no"
			return tx.UpdateAccessRequest(f.ctx, q, domain.RequestPending)
		})
		wantNotFound(t, "rejecting an approved request", err)
		got, err := f.s.GetAccessRequest(f.ctx, "q1")
		f.must(err)
		if got.Status != domain.RequestApproved || got.ExpiresAt == nil || !got.ExpiresAt.Equal(until) || got.DecidedBy != "u2" {
			t.Errorf("request after approval: %+v", got)
		}
	}},
	{"grants join the engine's view of ACLs, members and roles without changing them, and end cleanly", func(t *testing.T, f *fixture) {
		accessWorld(f)
		q := accessRequest("q1", "u1", "collection", "c1")
		f.update(func(tx store.Tx) error { return tx.CreateAccessRequest(f.ctx, q) })
		rev := f.revision()
		f.approve(q, nil, tuple("q1", "record", "r1", "edit"), tuple("q1", "media", "m1", "download"), tuple("q1", "collection", "c1", "view"),
			tuple("q1", "workspace", "w1", "contributor"), tuple("q1", "account", "acc", "library_viewer"))
		wantRefs := sortRefs([]store.Ref{ref(store.KindRecord, "r1"), ref(store.KindMedia, "m1"), ref(store.KindCollection, "c1"), ref(store.KindWorkspace, "w1"), ref(store.KindUser, "u1")})
		diff(t, "changes of the approval", wantRefs, f.changes(rev))
		check := func(what string, ops map[string]authz.Op, granted bool) {
			t.Helper()
			wantRec, wantMed, wantCol, wantWS, wantRole := level(authz.Record, "view"), authz.Level(0), authz.Level(0), authz.NoRole, false
			if granted {
				wantRec, wantMed, wantCol, wantWS, wantRole = level(authz.Record, "edit"), level(authz.Media, "download"), level(authz.Collection, "view"), authz.Contributor, true
			}
			if got := levelOf(ops["put record r1"], u("u1")); got != wantRec {
				t.Errorf("%s: record level %v, want %v", what, got, wantRec)
			}
			if got := levelOf(ops["put media m1"], u("u1")); got != wantMed {
				t.Errorf("%s: media level %v, want %v", what, got, wantMed)
			}
			if got := levelOf(ops["put collection c1"], u("u1")); got != wantCol {
				t.Errorf("%s: collection level %v, want %v", what, got, wantCol)
			}
			if got := memberRole(ops["put workspace w1"], u("u1")); got != wantWS {
				t.Errorf("%s: workspace role %v, want %v", what, got, wantWS)
			}
			if got := ops["put user u1"].(authz.PutUser).Roles.Has(authz.RoleLibraryViewer); got != wantRole {
				t.Errorf("%s: library_viewer role %v, want %v", what, got, wantRole)
			}
		}
		_, full := f.loadAuth(nil)
		check("full load", full, true)
		_, part := f.loadAuth(wantRefs)
		check("partial load", part, true)
		// What people read is what was set by hand.
		rec, err := f.s.GetRecord(f.ctx, "r1")
		f.must(err)
		diff(t, "r1's own ACL", []domain.ACLEntry{entry(u("u1"), "view")}, rec.ACL)
		on, err := f.s.AccessGrantsOn(f.ctx, "record", []string{"r1", "r2"})
		f.must(err)
		diff(t, "grants on records", map[string][]domain.AccessGrant{"r1": {tuple("q1", "record", "r1", "edit")}}, on)

		rev = f.revision()
		f.update(func(tx store.Tx) error { return tx.EndAccessGrants(f.ctx, "q1") })
		diff(t, "changes of the end", wantRefs, f.changes(rev))
		_, full = f.loadAuth(nil)
		check("full load after the end", full, false)
		gs, err := f.s.ListAccessGrants(f.ctx, "q1")
		f.must(err)
		diff(t, "grants after the end", []domain.AccessGrant{}, gs)
	}},
	{"deleting a record drops the grants on it and on its media", func(t *testing.T, f *fixture) {
		accessWorld(f)
		q := accessRequest("q1", "u1", "record", "r1")
		f.update(func(tx store.Tx) error { return tx.CreateAccessRequest(f.ctx, q) })
		f.approve(q, nil, tuple("q1", "record", "r1", "view"), tuple("q1", "media", "m1", "view"))
		f.update(func(tx store.Tx) error { return tx.DeleteRecord(f.ctx, "r1") })
		gs, err := f.s.ListAccessGrants(f.ctx, "q1")
		f.must(err)
		diff(t, "grants left", []domain.AccessGrant{}, gs)
	}},
	{"due requests are the approved ones whose end date has come, soonest first", func(t *testing.T, f *fixture) {
		accessWorld(f)
		_, ok, err := f.s.NextAccessExpiry(f.ctx)
		f.must(err)
		if ok {
			t.Fatal("NextAccessExpiry with no grants: ok")
		}
		base := time.Now().UTC().Truncate(time.Second)
		for i, id := range []string{"q1", "q2", "q3"} {
			q := accessRequest(id, "u1", "record", "r2")
			f.update(func(tx store.Tx) error { return tx.CreateAccessRequest(f.ctx, q) })
			if i < 2 {
				until := base.Add(time.Duration(2-i) * time.Hour) // q1 +2h, q2 +1h
				f.approve(q, &until)
			}
		}
		next, ok, err := f.s.NextAccessExpiry(f.ctx)
		f.must(err)
		if !ok || !next.Equal(base.Add(time.Hour)) {
			t.Errorf("NextAccessExpiry = %v, %v; want %v", next, ok, base.Add(time.Hour))
		}
		due, err := f.s.DueAccessRequests(f.ctx, base.Add(3*time.Hour), 10)
		f.must(err)
		if len(due) != 2 || due[0].ID != "q2" || due[1].ID != "q1" {
			t.Errorf("due in 3h: %+v", due)
		}
		due, err = f.s.DueAccessRequests(f.ctx, base.Add(90*time.Minute), 10)
		f.must(err)
		if len(due) != 1 || due[0].ID != "q2" {
			t.Errorf("due in 90 min: %+v", due)
		}
		due, err = f.s.DueAccessRequests(f.ctx, base, 10)
		f.must(err)
		if len(due) != 0 {
			t.Errorf("due now: %+v", due)
		}
	}},
}
