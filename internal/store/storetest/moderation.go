package storetest

import (
	"testing"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// moderationWorld: account acc with uploader u1, approver groups apr
// (u2) and apr2, record r1 with media m1, published record r2 with media
// m2; account acc2 with its own record x1.
func moderationWorld(f *fixture) {
	f.t.Helper()
	f.create(account("acc"), account("acc2"), user("acc", "u1"), user("acc", "u2"), user("acc2", "u3"),
		group("acc", "apr", u("u2")), group("acc", "apr2"),
		workspace("acc", "w1", ""), workspace("acc2", "wx", ""),
		record("w1", "r1", entry(authz.EveryoneSubject, "view")), media("r1", "m1"),
		record("w1", "r2"), media("r2", "m2"), record("wx", "x1"))
}

func hold(typ, id, record, uploader string, approvers ...string) domain.Hold {
	return domain.Hold{ObjectType: typ, ObjectID: id, AccountID: "acc", RecordID: record, Uploader: uploader, ApproverGroups: approvers}
}

// holdOf returns the hold an op carries (nil for none).
func holdOf(op authz.Op) *authz.Hold {
	switch o := op.(type) {
	case authz.PutRecord:
		return o.Hold
	case authz.PutMedia:
		return o.Hold
	}
	return nil
}

// moderationCases cover what moderation (holds on uploads and the kind of
// an approval relation) needs of a store.
var moderationCases = []testCase{
	{"an approval relation keeps its kind, access when none is given", func(t *testing.T, f *fixture) {
		moderationWorld(f)
		f.update(func(tx store.Tx) error {
			if err := tx.CreateApprovalRelation(f.ctx, domain.ApprovalRelation{ID: "ar1", AccountID: "acc", RequesterGroups: []string{"apr2"}, ApproverGroup: "apr", CreatedBy: "u2"}); err != nil {
				return err
			}
			return tx.CreateApprovalRelation(f.ctx, domain.ApprovalRelation{ID: "ar2", AccountID: "acc", Kind: domain.RelationModeration, RequesterGroups: []string{"apr2"}, ApproverGroup: "apr", CreatedBy: "u2"})
		})
		list, err := f.s.ListApprovalRelations(f.ctx, "acc")
		f.must(err)
		if len(list) != 2 || list[0].Kind != domain.RelationAccess || list[1].Kind != domain.RelationModeration {
			t.Errorf("relations: %+v", list)
		}
		got, err := f.s.GetApprovalRelation(f.ctx, "ar2")
		f.must(err)
		if got.Kind != domain.RelationModeration {
			t.Errorf("relation ar2: %+v", got)
		}
	}},
	{"a hold reads back with its approver groups, its account and record taken from the object", func(t *testing.T, f *fixture) {
		moderationWorld(f)
		var at time.Time
		f.update(func(tx store.Tx) error {
			at = tx.Now()
			h := hold("media", "m2", "wrong", "u1", "apr2", "apr")
			h.AccountID = "acc2"
			return tx.CreateHold(f.ctx, h)
		})
		got, err := f.s.GetHold(f.ctx, authz.Media, "m2")
		f.must(err)
		want := hold("media", "m2", "r2", "u1", "apr", "apr2")
		want.HeldAt = at
		diff(t, "hold", want, got)
		_, err = f.s.GetHold(f.ctx, authz.Record, "r2")
		wantNotFound(t, "a record that is not held", err)
		_, err = f.s.GetHold(f.ctx, authz.Collection, "r2")
		wantNotFound(t, "a collection", err)
	}},
	{"holds list oldest first, by uploader, approver group and time, and continue after a cursor", func(t *testing.T, f *fixture) {
		moderationWorld(f)
		var want []domain.Hold
		for _, h := range []domain.Hold{hold("record", "r1", "r1", "u1", "apr"), hold("media", "m2", "r2", "u2", "apr2"), hold("record", "r2", "r2", "u1", "apr", "apr2")} {
			f.update(func(tx store.Tx) error { h.HeldAt = tx.Now(); return tx.CreateHold(f.ctx, h) })
			want = append(want, h)
		}
		f.update(func(tx store.Tx) error {
			return tx.CreateHold(f.ctx, domain.Hold{ObjectType: "record", ObjectID: "x1", Uploader: "u3"})
		})
		list := func(acct string, hf store.HoldFilter) []domain.Hold {
			t.Helper()
			got, err := f.s.ListHolds(f.ctx, acct, hf)
			f.must(err)
			return got
		}
		diff(t, "all", want, list("acc", store.HoldFilter{}))
		diff(t, "u1's", []domain.Hold{want[0], want[2]}, list("acc", store.HoldFilter{Uploader: "u1"}))
		diff(t, "r2's and its media's", want[1:], list("acc", store.HoldFilter{Record: "r2"}))
		diff(t, "apr2 approves", want[1:], list("acc", store.HoldFilter{ApproverGroup: "apr2"}))
		diff(t, "since the second", want[1:], list("acc", store.HoldFilter{Since: want[1].HeldAt}))
		diff(t, "one after the first", want[1:2], list("acc", store.HoldFilter{AfterAt: want[0].HeldAt, AfterType: "record", AfterID: "r1", Limit: 1}))
		diff(t, "another account's", []domain.Hold{}, list("acc2", store.HoldFilter{Uploader: "u1"}))
		if got := list("acc2", store.HoldFilter{}); len(got) != 1 || got[0].ObjectID != "x1" || got[0].AccountID != "acc2" {
			t.Errorf("acc2's holds: %+v", got)
		}
	}},
	{"holding twice is a conflict, holding what does not exist is not found, and publishing is done once", func(t *testing.T, f *fixture) {
		moderationWorld(f)
		f.update(func(tx store.Tx) error { return tx.CreateHold(f.ctx, hold("record", "r1", "r1", "u1", "apr")) })
		rev := f.revision()
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateHold(f.ctx, hold("record", "r1", "r1", "u2")) })
		wantConflict(t, "holding r1 again", err)
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateHold(f.ctx, hold("media", "nope", "r1", "u1")) })
		wantNotFound(t, "holding a missing media object", err)
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateHold(f.ctx, hold("record", "r2", "r2", "u1", "nogroup")) })
		wantConflict(t, "a hold naming a missing group", err)
		if f.revision() != rev {
			t.Error("failed holds moved the revision")
		}
		f.update(func(tx store.Tx) error { return tx.DeleteHold(f.ctx, authz.Record, "r1") })
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.DeleteHold(f.ctx, authz.Record, "r1") })
		wantNotFound(t, "publishing twice", err)
		_, err = f.s.GetHold(f.ctx, authz.Record, "r1")
		wantNotFound(t, "the published record's hold", err)
	}},
	{"a hold and its publication change their object, and LoadAuth carries the hold", func(t *testing.T, f *fixture) {
		moderationWorld(f)
		rev := f.revision()
		f.update(func(tx store.Tx) error {
			if err := tx.CreateHold(f.ctx, hold("record", "r1", "r1", "u1", "apr", "apr2")); err != nil {
				return err
			}
			return tx.CreateHold(f.ctx, hold("media", "m2", "r2", "u1"))
		})
		diff(t, "changes of the holds", sortRefs([]store.Ref{ref(store.KindRecord, "r1"), ref(store.KindMedia, "m2")}), f.changes(rev))
		wantR1 := &authz.Hold{Uploader: "u1", Approvers: []string{"apr", "apr2"}}
		wantM2 := &authz.Hold{Uploader: "u1"}
		for _, refs := range [][]store.Ref{nil, {ref(store.KindRecord, "r1"), ref(store.KindMedia, "m2"), ref(store.KindMedia, "m1")}} {
			_, ops := f.loadAuth(refs)
			diff(t, "r1's hold", wantR1, holdOf(ops["put record r1"]))
			diff(t, "m2's hold", wantM2, holdOf(ops["put media m2"]))
			if h := holdOf(ops["put media m1"]); h != nil {
				t.Errorf("m1 (the media of a held record) is held itself: %+v", h)
			}
			// The stored ACL stays what it is, for when it is published.
			if got := levelOf(ops["put record r1"], authz.EveryoneSubject); got != level(authz.Record, "view") {
				t.Errorf("r1's ACL level for everyone: %v", got)
			}
		}
		rev = f.revision()
		f.update(func(tx store.Tx) error { return tx.DeleteHold(f.ctx, authz.Record, "r1") })
		diff(t, "changes of the publication", []store.Ref{ref(store.KindRecord, "r1")}, f.changes(rev))
		_, ops := f.loadAuth([]store.Ref{ref(store.KindRecord, "r1")})
		if h := holdOf(ops["put record r1"]); h != nil {
			t.Errorf("r1 still held after publishing: %+v", h)
		}
	}},
	{"deleting a held object removes its hold; a group approving one cannot be deleted while it stands", func(t *testing.T, f *fixture) {
		moderationWorld(f)
		f.update(func(tx store.Tx) error {
			if err := tx.CreateHold(f.ctx, hold("record", "r1", "r1", "u1", "apr")); err != nil {
				return err
			}
			return tx.CreateHold(f.ctx, hold("media", "m1", "r1", "u1", "apr2"))
		})
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.DeleteGroup(f.ctx, "apr2") })
		wantConflict(t, "deleting an approver group", err)
		f.update(func(tx store.Tx) error { return tx.DeleteRecord(f.ctx, "r1") })
		for _, h := range []struct {
			t  authz.ObjectType
			id string
		}{{authz.Record, "r1"}, {authz.Media, "m1"}} {
			_, err := f.s.GetHold(f.ctx, h.t, h.id)
			wantNotFound(t, "the hold of deleted "+h.id, err)
		}
		f.update(func(tx store.Tx) error { return tx.DeleteGroup(f.ctx, "apr2") })
		f.update(func(tx store.Tx) error { return tx.CreateHold(f.ctx, hold("media", "m2", "r2", "u1")) })
		f.update(func(tx store.Tx) error { return tx.DeleteMedia(f.ctx, "m2") })
		got, err := f.s.ListHolds(f.ctx, "acc", store.HoldFilter{})
		f.must(err)
		diff(t, "holds left", []domain.Hold{}, got)
	}},
}
