package storetest

import (
	"fmt"
	"sort"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// opKey names the entity an op is about and whether it deletes it.
func opKey(op authz.Op) (kind store.Kind, id string, del bool) {
	switch o := op.(type) {
	case authz.PutAccount:
		return store.KindAccount, o.ID, false
	case authz.PutRole:
		return store.KindRole, o.ID, false
	case authz.DeleteRole:
		return store.KindRole, o.ID, true
	case authz.PutUser:
		return store.KindUser, o.ID, false
	case authz.DeleteUser:
		return store.KindUser, o.ID, true
	case authz.PutGroup:
		return store.KindGroup, o.ID, false
	case authz.DeleteGroup:
		return store.KindGroup, o.ID, true
	case authz.PutTier:
		return store.KindTier, o.ID, false
	case authz.DeleteTier:
		return store.KindTier, o.ID, true
	case authz.PutWorkspace:
		return store.KindWorkspace, o.ID, false
	case authz.DeleteWorkspace:
		return store.KindWorkspace, o.ID, true
	case authz.PutRecord:
		return store.KindRecord, o.ID, false
	case authz.PutMedia:
		return store.KindMedia, o.ID, false
	case authz.PutCollection:
		return store.KindCollection, o.ID, false
	case authz.DeleteObject:
		k := map[authz.ObjectType]store.Kind{authz.Record: store.KindRecord, authz.Media: store.KindMedia, authz.Collection: store.KindCollection}[o.Ref.Type]
		return k, o.Ref.ID, true
	}
	panic(fmt.Sprintf("storetest: unexpected op %T", op))
}

// withoutReserves drops Reserve ops, which only size the engine's tables.
func withoutReserves(ops []authz.Op) []authz.Op {
	out := ops[:0:0]
	for _, op := range ops {
		if _, ok := op.(authz.Reserve); !ok {
			out = append(out, op)
		}
	}
	return out
}

func kindIndex(k store.Kind) int {
	for i, kk := range store.Kinds {
		if kk == k {
			return i
		}
	}
	return -1
}

// checkOpOrder fails the test unless puts come in dependency order, then
// deletes in reverse dependency order.
func checkOpOrder(t *testing.T, ops []authz.Op) {
	t.Helper()
	lastPut, lastDel, deleting := -1, len(store.Kinds), false
	for i, op := range ops {
		k, id, del := opKey(op)
		ki := kindIndex(k)
		switch {
		case !del && deleting:
			t.Errorf("op %d puts %s %s after a delete", i, k, id)
		case !del && ki < lastPut:
			t.Errorf("op %d puts %s %s after a %s: not in dependency order", i, k, id, store.Kinds[lastPut])
		case del && ki > lastDel:
			t.Errorf("op %d deletes %s %s after deleting a %s: not in reverse dependency order", i, k, id, store.Kinds[lastDel])
		}
		if del {
			deleting, lastDel = true, ki
		} else {
			lastPut = ki
		}
	}
}

// normalizeOp sorts the lists inside an op whose order the engine ignores.
func normalizeOp(op authz.Op) authz.Op {
	subj := func(ss []authz.Subject) []authz.Subject {
		out := append([]authz.Subject(nil), ss...)
		sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
		return out
	}
	grants := func(gs []authz.RoleGrant) []authz.RoleGrant {
		out := append([]authz.RoleGrant(nil), gs...)
		sort.Slice(out, func(i, j int) bool { return out[i].Subject.String() < out[j].Subject.String() })
		return out
	}
	acl := func(es []authz.ACLEntry) []authz.ACLEntry {
		out := append([]authz.ACLEntry(nil), es...)
		sort.Slice(out, func(i, j int) bool { return out[i].Subject.String() < out[j].Subject.String() })
		return out
	}
	switch o := op.(type) {
	case authz.PutGroup:
		o.Members = subj(o.Members)
		return o
	case authz.PutTier:
		o.Grants = grants(o.Grants)
		return o
	case authz.PutWorkspace:
		o.Members = grants(o.Members)
		return o
	case authz.PutRecord:
		o.ACL = acl(o.ACL)
		// The store stamps the times; that they come at all is checked
		// by the metadata case.
		o.Meta.Created, o.Meta.Updated = 0, 0
		return o
	case authz.PutMedia:
		o.ACL = acl(o.ACL)
		return o
	case authz.PutCollection:
		o.ACL = acl(o.ACL)
		return o
	}
	return op
}

// loadAuth runs LoadAuth in a snapshot, as an engine's sync does, checks
// the order of the ops and returns them keyed by entity ("put record r1",
// "delete group g1"), failing on an entity named twice.
func (f *fixture) loadAuth(refs []store.Ref) ([]authz.Op, map[string]authz.Op) {
	f.t.Helper()
	var ops []authz.Op
	err := f.s.Snapshot(f.ctx, func(r store.Reader) error {
		return r.LoadAuth(f.ctx, refs, func(op authz.Op) error {
			ops = append(ops, op)
			return nil
		})
	})
	if err != nil {
		f.t.Fatalf("LoadAuth: %v", err)
	}
	all := ops
	ops = withoutReserves(ops)
	checkOpOrder(f.t, ops)
	byKey := map[string]authz.Op{}
	for _, op := range ops {
		k, id, del := opKey(op)
		key := "put " + string(k) + " " + id
		if del {
			key = "delete " + string(k) + " " + id
		}
		if _, dup := byKey[key]; dup {
			f.t.Errorf("LoadAuth emitted %s twice", key)
		}
		byKey[key] = normalizeOp(op)
	}
	return all, byKey
}

// authWorld is the store the LoadAuth cases start from.
func authWorld(f *fixture) {
	f.t.Helper()
	f.create(account("acc"), account("acc2"),
		withRoles(user("acc", "u1"), "owner"),
		withStatus(user("acc", "u2"), domain.StatusPending),
		withRoles(user("acc2", "u3"), "library_viewer", "finance"),
		domain.Group{ID: "g2", AccountID: "acc", Name: "Two", Members: []authz.Subject{u("u2")}},
		domain.Group{ID: "g1", AccountID: "acc", Name: "One", Roles: []string{"admin"}, Members: []authz.Subject{gr("g2"), u("u1")}},
		tier("acc", "t1", grant(gr("g1"), "editor")),
		workspace("acc", "w1", "t1", grant(u("u2"), "viewer"), grant(gr("g2"), "contributor")),
		workspace("acc", "w2", ""),
		record("w1", "r1", entry(u("u2"), "view", "edit"), entry(authz.EveryoneSubject, "view")),
		media("r1", "m1", entry(gr("g2"), "preview", "download")),
		collection("w1", "c1", "u1", entry(u("u1"), "edit")),
		collection("w2", "c2", ""))
}

var (
	acl    = func(es ...authz.ACLEntry) []authz.ACLEntry { return es }
	roleOf = func(rs ...authz.AccountRole) authz.Roles {
		var out authz.Roles
		for _, r := range rs {
			out = out.With(r)
		}
		return out
	}
	authWorldOps = map[string]authz.Op{
		"put account acc":  authz.PutAccount{ID: "acc"},
		"put account acc2": authz.PutAccount{ID: "acc2"},
		"put user u1":      authz.PutUser{ID: "u1", Account: "acc", Active: true, Roles: roleOf(authz.RoleOwner)},
		"put user u2":      authz.PutUser{ID: "u2", Account: "acc", Active: false},
		"put user u3":      authz.PutUser{ID: "u3", Account: "acc2", Active: true, Roles: roleOf(authz.RoleFinance, authz.RoleLibraryViewer)},
		"put group g1":     authz.PutGroup{ID: "g1", Account: "acc", Members: []authz.Subject{gr("g2"), u("u1")}, Roles: roleOf(authz.RoleAdmin)},
		"put group g2":     authz.PutGroup{ID: "g2", Account: "acc", Members: []authz.Subject{u("u2")}},
		"put tier t1":      authz.PutTier{ID: "t1", Account: "acc", Grants: []authz.RoleGrant{{Subject: gr("g1"), Role: authz.Editor}}},
		"put workspace w1": authz.PutWorkspace{ID: "w1", Account: "acc", Tier: "t1",
			Members: []authz.RoleGrant{{Subject: gr("g2"), Role: authz.Contributor}, {Subject: u("u2"), Role: authz.Viewer}}},
		"put workspace w2": authz.PutWorkspace{ID: "w2", Account: "acc"},
		"put record r1": authz.PutRecord{ID: "r1", Workspace: "w1",
			ACL:  acl(authz.ACLEntry{Subject: authz.EveryoneSubject, Level: 1}, authz.ACLEntry{Subject: u("u2"), Level: 2}),
			Meta: authz.RecordMeta{Title: "Record r1"}},
		"put media m1":      authz.PutMedia{ID: "m1", Record: "r1", ACL: acl(authz.ACLEntry{Subject: gr("g2"), Level: 3})},
		"put collection c1": authz.PutCollection{ID: "c1", Workspace: "w1", Creator: "u1", ACL: acl(authz.ACLEntry{Subject: u("u1"), Level: 2})},
		"put collection c2": authz.PutCollection{ID: "c2", Workspace: "w2"},
	}
)

func pick(m map[string]authz.Op, keys ...string) map[string]authz.Op {
	out := map[string]authz.Op{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

var loadAuthCases = []testCase{
	{"with nil refs it puts every entity with its content, in dependency order", func(t *testing.T, f *fixture) {
		authWorld(f)
		_, got := f.loadAuth(nil)
		diff(t, "ops", authWorldOps, got)
	}},
	{"records come with their searchable metadata and collections with their records", func(t *testing.T, f *fixture) {
		authWorld(f)
		rec := record("w1", "r2")
		rec.Description, rec.Keywords, rec.Fields, rec.MediaType = "A long day", []string{"sea", "dusk"}, map[string]string{"camera": "Z9"}, "video"
		f.create(rec)
		f.update(func(tx store.Tx) error {
			if err := tx.AddCollectionRecord(f.ctx, "c1", "r2"); err != nil {
				return err
			}
			return tx.AddCollectionRecord(f.ctx, "c1", "r1")
		})
		for _, refs := range [][]store.Ref{nil, {ref(store.KindRecord, "r2"), ref(store.KindCollection, "c1")}} {
			var r2 authz.PutRecord
			var c1 authz.PutCollection
			err := f.s.Snapshot(f.ctx, func(r store.Reader) error {
				return r.LoadAuth(f.ctx, refs, func(op authz.Op) error {
					switch o := op.(type) {
					case authz.PutRecord:
						if o.ID == "r2" {
							r2 = o
						}
					case authz.PutCollection:
						if o.ID == "c1" {
							c1 = o
						}
					}
					return nil
				})
			})
			f.must(err)
			if r2.Meta.Created == 0 || r2.Meta.Updated < r2.Meta.Created {
				t.Errorf("record times %d, %d: want created set and updated not before it", r2.Meta.Created, r2.Meta.Updated)
			}
			r2.Meta.Created, r2.Meta.Updated = 0, 0
			want := authz.RecordMeta{Title: "Record r2", Description: "A long day", Keywords: []string{"sea", "dusk"}, Fields: map[string]string{"camera": "Z9"}, MediaType: "video"}
			diff(t, "record meta", want, r2.Meta)
			diff(t, "collection records", []string{"r1", "r2"}, c1.Records)
		}
	}},
	{"a full load announces how many objects of each content type come", func(t *testing.T, f *fixture) {
		authWorld(f)
		ops, _ := f.loadAuth(nil)
		var got []authz.Reserve
		for _, op := range ops {
			if r, ok := op.(authz.Reserve); ok {
				got = append(got, r)
			}
		}
		diff(t, "reserves", []authz.Reserve{{Type: authz.Record, N: 1}, {Type: authz.Media, N: 1}, {Type: authz.Collection, N: 2}}, got)
	}},
	{"with nil refs on an empty store it emits nothing", func(t *testing.T, f *fixture) {
		ops, _ := f.loadAuth(nil)
		if len(ops) != 0 {
			t.Errorf("LoadAuth on an empty store emitted %v", ops)
		}
	}},
	{"a full load applies cleanly to a fresh permission engine", func(t *testing.T, f *fixture) {
		authWorld(f)
		ops, _ := f.loadAuth(nil)
		e := authz.New()
		if err := e.Apply(f.revision(), ops...); err != nil {
			t.Fatalf("Apply: %v", err)
		}
		for _, c := range []struct {
			user string
			obj  authz.ObjectRef
			want bool
		}{
			{"u1", authz.ObjectRef{Type: authz.Record, ID: "r1"}, true},
			{"u2", authz.ObjectRef{Type: authz.Record, ID: "r1"}, false}, // pending users hold nothing
			{"u3", authz.ObjectRef{Type: authz.Record, ID: "r1"}, false}, // another account
		} {
			if got := e.Check(c.user, authz.CanView, c.obj); got != c.want {
				t.Errorf("after the load, Check(%s, can_view, %s) = %v, want %v", c.user, c.obj, got, c.want)
			}
		}
	}},
	{"with refs it puts only the named entities", func(t *testing.T, f *fixture) {
		authWorld(f)
		_, got := f.loadAuth([]store.Ref{
			ref(store.KindCollection, "c1"), ref(store.KindUser, "u2"), ref(store.KindRecord, "r1"),
			ref(store.KindGroup, "g1"), ref(store.KindWorkspace, "w1"), ref(store.KindAccount, "acc2"),
			ref(store.KindMedia, "m1"), ref(store.KindTier, "t1"),
		})
		diff(t, "ops", pick(authWorldOps, "put collection c1", "put user u2", "put record r1", "put group g1",
			"put workspace w1", "put account acc2", "put media m1", "put tier t1"), got)
	}},
	{"a ref named twice yields one op", func(t *testing.T, f *fixture) {
		authWorld(f)
		ops, got := f.loadAuth([]store.Ref{ref(store.KindRecord, "r1"), ref(store.KindRecord, "r1"), ref(store.KindGroup, "nope"), ref(store.KindGroup, "nope")})
		if len(ops) != 2 {
			t.Errorf("%d ops, want 2", len(ops))
		}
		diff(t, "ops", map[string]authz.Op{"put record r1": authWorldOps["put record r1"], "delete group nope": authz.DeleteGroup{ID: "nope"}}, got)
	}},
	{"with an empty list of refs it emits nothing", func(t *testing.T, f *fixture) {
		authWorld(f)
		ops, _ := f.loadAuth([]store.Ref{})
		if len(ops) != 0 {
			t.Errorf("LoadAuth of no refs emitted %v", ops)
		}
	}},
	{"refs to deleted entities become deletes after every put, content first", func(t *testing.T, f *fixture) {
		authWorld(f)
		f.create(group("acc", "g3", u("u1")), tier("acc", "t2"), workspace("acc", "w3", "t2"),
			record("w1", "r2", entry(gr("g3"), "view")), media("r2", "m2"), collection("w1", "c3", "u1"))
		before := f.revision()
		// An engine loaded before the deletes.
		e := authz.New()
		full, _ := f.loadAuth(nil)
		f.must(e.Apply(before, full...))

		rev := f.update(func(tx store.Tx) error {
			for _, write := range []func() error{
				func() error { return tx.DeleteCollection(f.ctx, "c3") },
				func() error { return tx.DeleteRecord(f.ctx, "r2") },
				func() error { return tx.DeleteWorkspace(f.ctx, "w3") },
				func() error { return tx.DeleteTier(f.ctx, "t2") },
				func() error { return tx.DeleteGroup(f.ctx, "g3") },
				func() error {
					return tx.SetACL(f.ctx, authz.ObjectRef{Type: authz.Record, ID: "r1"}, []domain.ACLEntry{entry(u("u1"), "view")})
				},
				func() error { return tx.AddGroupMember(f.ctx, "g2", u("u1")) },
			} {
				if err := write(); err != nil {
					return err
				}
			}
			return nil
		})
		refs, _, err := f.s.Changes(f.ctx, before)
		f.must(err)
		ops, got := f.loadAuth(refs)
		want := map[string]authz.Op{
			"put record r1":        authz.PutRecord{ID: "r1", Workspace: "w1", ACL: acl(authz.ACLEntry{Subject: u("u1"), Level: 1}), Meta: authz.RecordMeta{Title: "Record r1"}},
			"put group g2":         authz.PutGroup{ID: "g2", Account: "acc", Members: []authz.Subject{u("u1"), u("u2")}},
			"delete collection c3": authz.DeleteObject{Ref: authz.ObjectRef{Type: authz.Collection, ID: "c3"}},
			"delete media m2":      authz.DeleteObject{Ref: authz.ObjectRef{Type: authz.Media, ID: "m2"}},
			"delete record r2":     authz.DeleteObject{Ref: authz.ObjectRef{Type: authz.Record, ID: "r2"}},
			"delete workspace w3":  authz.DeleteWorkspace{ID: "w3"},
			"delete tier t2":       authz.DeleteTier{ID: "t2"},
			"delete group g3":      authz.DeleteGroup{ID: "g3"},
		}
		diff(t, "ops", want, got)

		// The ops bring the engine loaded before the deletes up to date.
		if err := e.Apply(rev, ops...); err != nil {
			t.Fatalf("applying the changes to the engine loaded before them: %v", err)
		}
		for _, c := range []struct {
			obj  authz.ObjectRef
			want bool
		}{
			{authz.ObjectRef{Type: authz.Record, ID: "r1"}, true},
			{authz.ObjectRef{Type: authz.Record, ID: "r2"}, false},
			{authz.ObjectRef{Type: authz.Media, ID: "m2"}, false},
			{authz.ObjectRef{Type: authz.Collection, ID: "c3"}, false},
		} {
			if _, ok := e.AccountOf(c.obj); ok != c.want {
				t.Errorf("after the changes the engine knows %s: %v, want %v", c.obj, ok, c.want)
			}
		}
	}},
	{"a ref to a user that does not exist becomes a user delete", func(t *testing.T, f *fixture) {
		authWorld(f)
		_, got := f.loadAuth([]store.Ref{ref(store.KindUser, "ghost"), ref(store.KindUser, "u1")})
		diff(t, "ops", map[string]authz.Op{"put user u1": authWorldOps["put user u1"], "delete user ghost": authz.DeleteUser{ID: "ghost"}}, got)
	}},
	{"an error from fn stops LoadAuth and is returned", func(t *testing.T, f *fixture) {
		authWorld(f)
		for _, refs := range [][]store.Ref{nil, {ref(store.KindRecord, "r1"), ref(store.KindRecord, "gone")}} {
			calls := 0
			err := f.s.LoadAuth(f.ctx, refs, func(authz.Op) error { calls++; return errBoom })
			wantErr(t, "LoadAuth", err, errBoom)
			if calls != 1 {
				t.Errorf("fn was called %d times after failing", calls)
			}
		}
	}},
}
