package storetest

import (
	"errors"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

var errBoom = errors.New("storetest: fn failed on purpose")

var transactionCases = []testCase{
	{"each committed update advances the revision by one", func(t *testing.T, f *fixture) {
		start := f.revision()
		for i := uint64(1); i <= 3; i++ {
			rev := f.update(func(tx store.Tx) error { return tx.CreateAccount(f.ctx, account("acc"+string(rune('0'+i)))) })
			if rev != start+i {
				t.Errorf("update %d committed revision %d, want %d", i, rev, start+i)
			}
		}
		if rev := f.update(func(store.Tx) error { return nil }); rev != start+4 {
			t.Errorf("an update writing nothing committed revision %d, want %d", rev, start+4)
		}
		if rev := f.revision(); rev != start+4 {
			t.Errorf("Revision = %d after four updates from %d", rev, start)
		}
	}},
	{"concurrent updates commit distinct, consecutive revisions", func(t *testing.T, f *fixture) {
		start := f.revision()
		const n = 8
		revs := make([]uint64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				revs[i], errs[i] = f.s.Update(f.ctx, func(tx store.Tx) error {
					return tx.CreateAccount(f.ctx, account("acc"+string(rune('a'+i))))
				})
			})
		}
		wg.Wait()
		for _, err := range errs {
			f.must(err)
		}
		sort.Slice(revs, func(i, j int) bool { return revs[i] < revs[j] })
		for i, rev := range revs {
			if rev != start+uint64(i)+1 {
				t.Fatalf("revisions %v, want %d to %d", revs, start+1, start+n)
			}
		}
		accts, err := f.s.ListAccounts(f.ctx)
		f.must(err)
		if len(accts) != n {
			t.Errorf("%d accounts after %d concurrent creations", len(accts), n)
		}
	}},
	{"an error returned from fn rolls back every write and leaves the revision", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		for _, c := range []struct {
			name string
			fn   func(tx store.Tx) error
			want error
		}{
			{"fn's own error", func(tx store.Tx) error {
				if err := createAll(f.ctx, tx, account("acc2"), user("acc", "u1"), group("acc", "g1", u("u1"))); err != nil {
					return err
				}
				return errBoom
			}, errBoom},
			{"a store error fn passes on", func(tx store.Tx) error {
				if err := createAll(f.ctx, tx, account("acc2"), user("acc", "u1"), group("acc", "g1", u("u1"))); err != nil {
					return err
				}
				return tx.CreateAccount(f.ctx, account("acc"))
			}, store.ErrConflict},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := f.at(t)
				before := f.revision()
				_, err := f.s.Update(f.ctx, c.fn)
				wantErr(t, "Update", err, c.want)
				if after := f.revision(); after != before {
					t.Errorf("the failed update moved the revision from %d to %d", before, after)
				}
				_, err = f.s.GetAccount(f.ctx, "acc2")
				wantNotFound(t, "GetAccount of the rolled-back account", err)
				_, err = f.s.GetUser(f.ctx, "u1")
				wantNotFound(t, "GetUser of the rolled-back user", err)
				_, err = f.s.GetGroup(f.ctx, "g1")
				wantNotFound(t, "GetGroup of the rolled-back group", err)
				diff(t, "changes after the failed update", []store.Ref(nil), f.changes(before))
			})
		}
		// The store still works.
		f.create(account("acc2"))
	}},
	{"a panic in fn rolls back and leaves the store usable", func(t *testing.T, f *fixture) {
		before := f.revision()
		func() {
			var err error
			defer func() {
				if recover() == nil && err == nil {
					t.Error("Update neither passed on fn's panic nor returned an error")
				}
			}()
			_, err = f.s.Update(f.ctx, func(tx store.Tx) error {
				if err := tx.CreateAccount(f.ctx, account("acc")); err != nil {
					return err
				}
				panic("storetest: panicking on purpose")
			})
		}()
		_, err := f.s.GetAccount(f.ctx, "acc")
		wantNotFound(t, "GetAccount of the account created before the panic", err)
		if rev := f.revision(); rev != before {
			t.Errorf("the panicking update moved the revision from %d to %d", before, rev)
		}
		done := make(chan uint64, 1)
		go func() {
			rev, _ := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateAccount(f.ctx, account("acc")) })
			done <- rev
		}()
		select {
		case rev := <-done:
			if rev != before+1 {
				t.Errorf("the update after the panic committed revision %d, want %d", rev, before+1)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("an update after the panic did not finish: the transaction was left open")
		}
	}},
	{"a transaction reads its own writes", func(t *testing.T, f *fixture) {
		f.update(func(tx store.Tx) error {
			if err := createAll(f.ctx, tx, account("acc"), user("acc", "u1"), group("acc", "g1", u("u1"))); err != nil {
				return err
			}
			if _, err := tx.GetAccount(f.ctx, "acc"); err != nil {
				return err
			}
			g, err := tx.GetGroup(f.ctx, "g1")
			if err != nil {
				return err
			}
			diff(t, "members seen inside the transaction", []authz.Subject{u("u1")}, g.Members)
			return nil
		})
	}},
	{"tx.Now is fixed for the transaction and stamped on what it writes", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		lo := time.Now().Add(-time.Minute)
		var now time.Time
		f.update(func(tx store.Tx) error {
			now = tx.Now()
			if err := tx.CreateUser(f.ctx, user("acc", "u1"), ""); err != nil {
				return err
			}
			time.Sleep(2 * time.Millisecond)
			if !tx.Now().Equal(now) {
				t.Errorf("tx.Now changed within a transaction from %v to %v", now, tx.Now())
			}
			return tx.CreateUser(f.ctx, user("acc", "u2"), "")
		})
		if now.Before(lo) || now.After(time.Now().Add(time.Minute)) {
			t.Errorf("tx.Now = %v, not near the wall clock", now)
		}
		for _, id := range []string{"u1", "u2"} {
			got, err := f.s.GetUser(f.ctx, id)
			f.must(err)
			if !got.CreatedAt.Equal(now) || !got.UpdatedAt.Equal(now) {
				t.Errorf("%s created %v, updated %v; want tx.Now %v", id, got.CreatedAt, got.UpdatedAt, now)
			}
		}
	}},
	{"a snapshot keeps one consistent view while another update commits", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		var committed uint64
		err := f.s.Snapshot(f.ctx, func(r store.Reader) error {
			rev, err := r.Revision(f.ctx)
			if err != nil {
				return err
			}
			if _, err := r.GetUser(f.ctx, "u1"); err != nil {
				return err
			}
			// A concurrent writer commits while the snapshot is open.
			done := make(chan error, 1)
			go func() {
				var err error
				committed, err = f.s.Update(f.ctx, func(tx store.Tx) error {
					if err := tx.CreateUser(f.ctx, user("acc", "u2"), ""); err != nil {
						return err
					}
					return tx.UpdateUser(f.ctx, withStatus(user("acc", "u1"), domain.StatusBanned))
				})
				done <- err
			}()
			select {
			case err := <-done:
				if err != nil {
					return err
				}
			case <-time.After(30 * time.Second):
				t.Error("an Update blocked while a Snapshot was open")
				return nil
			}
			if again, err := r.Revision(f.ctx); err != nil || again != rev {
				t.Errorf("the snapshot's revision went from %d to %d (err %v)", rev, again, err)
			}
			if _, err := r.GetUser(f.ctx, "u2"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the snapshot sees a user created after it began (err %v)", err)
			}
			u1, err := r.GetUser(f.ctx, "u1")
			if err != nil {
				return err
			}
			if u1.Status != domain.StatusActive {
				t.Errorf("the snapshot sees u1 %s, changed after it began", u1.Status)
			}
			refs, latest, err := r.Changes(f.ctx, rev)
			if err != nil {
				return err
			}
			if latest != rev || len(refs) != 0 {
				t.Errorf("the snapshot's Changes(%d) = %v at %d, want nothing at %d", rev, refs, latest, rev)
			}
			n, err := r.CountUsers(f.ctx, "acc", "")
			if err != nil {
				return err
			}
			if n != 1 {
				t.Errorf("the snapshot counts %d users, want 1", n)
			}
			return nil
		})
		f.must(err)
		if rev := f.revision(); rev != committed {
			t.Errorf("after the snapshot the revision is %d, want %d", rev, committed)
		}
		if _, err := f.s.GetUser(f.ctx, "u2"); err != nil {
			t.Errorf("the committed user is not visible after the snapshot: %v", err)
		}
	}},
	{"Snapshot returns fn's error", func(t *testing.T, f *fixture) {
		err := f.s.Snapshot(f.ctx, func(store.Reader) error { return errBoom })
		wantErr(t, "Snapshot", err, errBoom)
	}},
}

var changeLogCases = []testCase{
	{"Changes lists the distinct entities touched since a revision and the current revision", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), group("acc", "g1"), group("acc", "g2"))
		start := f.revision()
		f.update(func(tx store.Tx) error { return tx.AddGroupMember(f.ctx, "g1", u("u1")) })
		mid := f.update(func(tx store.Tx) error { return tx.UpdateGroup(f.ctx, group("acc", "g1")) })
		f.update(func(tx store.Tx) error { return tx.SetPassword(f.ctx, "u1", "new") })
		last := f.update(func(tx store.Tx) error {
			if err := tx.AddGroupMember(f.ctx, "g2", u("u1")); err != nil {
				return err
			}
			return tx.RemoveGroupMember(f.ctx, "g1", u("u1"))
		})
		for _, c := range []struct {
			after uint64
			want  []store.Ref
		}{
			{start, []store.Ref{ref(store.KindGroup, "g1"), ref(store.KindGroup, "g2")}},
			{mid, []store.Ref{ref(store.KindGroup, "g1"), ref(store.KindGroup, "g2")}},
			{last, nil},
			{last + 10, nil},
		} {
			refs, rev, err := f.s.Changes(f.ctx, c.after)
			f.must(err)
			if rev != last {
				t.Errorf("Changes(%d) reports revision %d, want %d", c.after, rev, last)
			}
			diff(t, "changes after "+itoa(c.after), c.want, sortRefs(refs))
		}
		refs, _, err := f.s.Changes(f.ctx, mid-1)
		f.must(err)
		diff(t, "changes after the revision before UpdateGroup", []store.Ref{ref(store.KindGroup, "g1"), ref(store.KindGroup, "g2")}, sortRefs(refs))
		if len(refs) != 2 {
			t.Errorf("Changes repeats entities: %s", refsString(refs))
		}
	}},
	{"Changes since the empty store's revision lists everything created", func(t *testing.T, f *fixture) {
		start := f.revision()
		f.create(account("acc"), user("acc", "u1"), workspace("acc", "ws", ""), record("ws", "r1"))
		diff(t, "changes", []store.Ref{ref(store.KindAccount, "acc"), ref(store.KindRecord, "r1"), ref(store.KindUser, "u1"), ref(store.KindWorkspace, "ws")}, f.changes(start))
	}},
	{"a transaction calling RequireReload makes earlier revisions' changes unavailable", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		before := f.revision()
		reload := f.update(func(tx store.Tx) error {
			tx.RequireReload()
			return createAll(f.ctx, tx, user("acc", "u1"), group("acc", "g1", u("u1")))
		})
		if _, err := f.s.GetGroup(f.ctx, "g1"); err != nil {
			t.Fatalf("the reloading transaction's writes are not visible: %v", err)
		}
		for _, after := range []uint64{0, before, reload - 1} {
			_, _, err := f.s.Changes(f.ctx, after)
			wantErr(t, "Changes("+itoa(after)+") across a reload", err, store.ErrChangesPruned)
		}
		refs, rev, err := f.s.Changes(f.ctx, reload)
		f.must(err)
		if rev != reload || len(refs) != 0 {
			t.Errorf("Changes(%d) = %s at %d, want nothing at %d", reload, refsString(refs), rev, reload)
		}
		f.update(func(tx store.Tx) error { return tx.UpdateGroup(f.ctx, group("acc", "g1")) })
		diff(t, "changes after the reload", []store.Ref{ref(store.KindGroup, "g1")}, f.changes(reload))
	}},
	{"RequireReload called before the writes still commits them", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		f.update(func(tx store.Tx) error {
			if err := tx.CreateUser(f.ctx, user("acc", "u1"), ""); err != nil {
				return err
			}
			tx.RequireReload()
			return tx.CreateUser(f.ctx, user("acc", "u2"), "")
		})
		for _, id := range []string{"u1", "u2"} {
			if _, err := f.s.GetUser(f.ctx, id); err != nil {
				t.Errorf("user %s: %v", id, err)
			}
		}
	}},
	{"a failed transaction calling RequireReload does not prune", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		before := f.revision()
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { tx.RequireReload(); return errBoom })
		wantErr(t, "Update", err, errBoom)
		diff(t, "changes", []store.Ref(nil), f.changes(before))
		diff(t, "changes since the start", []store.Ref{ref(store.KindAccount, "acc")}, f.changes(0))
	}},
	{"PruneChanges with age zero prunes, and Changes from an older revision is pruned", func(t *testing.T, f *fixture) {
		start := f.revision()
		f.create(account("acc"))
		mid := f.revision()
		f.create(user("acc", "u1"))
		time.Sleep(2 * time.Millisecond)
		f.must(f.s.PruneChanges(f.ctx, 0))
		for _, after := range []uint64{start, mid} {
			_, _, err := f.s.Changes(f.ctx, after)
			wantErr(t, "Changes("+itoa(after)+") after pruning", err, store.ErrChangesPruned)
		}
		cur := f.revision()
		refs, rev, err := f.s.Changes(f.ctx, cur)
		f.must(err)
		if rev != cur || len(refs) != 0 {
			t.Errorf("Changes(%d) = %s at %d, want nothing at %d", cur, refsString(refs), rev, cur)
		}
		f.create(user("acc", "u2"))
		diff(t, "changes after pruning", []store.Ref{ref(store.KindUser, "u2")}, f.changes(cur))
	}},
	{"PruneChanges keeps changes younger than the age", func(t *testing.T, f *fixture) {
		start := f.revision()
		f.create(account("acc"), user("acc", "u1"))
		f.must(f.s.PruneChanges(f.ctx, time.Hour))
		diff(t, "changes", []store.Ref{ref(store.KindAccount, "acc"), ref(store.KindUser, "u1")}, f.changes(start))
	}},
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

// touchWorld is the store the touch cases start from.
func touchWorld(f *fixture) {
	f.t.Helper()
	f.create(account("acc"), user("acc", "u1"), user("acc", "u2"),
		group("acc", "g", u("u1")), group("acc", "p", gr("g")), group("acc", "h"),
		tier("acc", "t", grant(u("u1"), "viewer")), tier("acc", "t2"),
		workspace("acc", "w", "t", grant(u("u1"), "editor")), workspace("acc", "w2", ""),
		record("w", "r", entry(gr("g"), "view")), record("w", "r2"),
		media("r", "m", entry(gr("g"), "view")), media("r", "m2"),
		collection("w", "c", "u1", entry(gr("g"), "view")), collection("w", "c2", ""))
}

// touchCases checks, write by write, that Changes lists exactly the
// entities whose permission-engine form the write changed.
func touchCases() []testCase {
	recRef := authz.ObjectRef{Type: authz.Record, ID: "r"}
	medRef := authz.ObjectRef{Type: authz.Media, ID: "m"}
	colRef := authz.ObjectRef{Type: authz.Collection, ID: "c"}
	viewU2 := []domain.ACLEntry{entry(u("u2"), "view")}
	type op = func(f *fixture, tx store.Tx) error
	K := func(k store.Kind, ids ...string) []store.Ref {
		var out []store.Ref
		for _, id := range ids {
			out = append(out, ref(k, id))
		}
		return out
	}
	table := []struct {
		name string
		op   op
		want []store.Ref
	}{
		{"creating an account touches the account", func(f *fixture, tx store.Tx) error { return tx.CreateAccount(f.ctx, account("acc2")) },
			K(store.KindAccount, "acc2")},
		{"creating a user touches the user", func(f *fixture, tx store.Tx) error { return tx.CreateUser(f.ctx, user("acc", "u9"), "") },
			K(store.KindUser, "u9")},
		{"updating a user touches the user", func(f *fixture, tx store.Tx) error {
			return tx.UpdateUser(f.ctx, withRoles(withStatus(user("acc", "u2"), domain.StatusBanned), "admin"))
		}, K(store.KindUser, "u2")},
		{"creating a group touches the group", func(f *fixture, tx store.Tx) error {
			return tx.CreateGroup(f.ctx, group("acc", "g9", u("u2"), gr("h")))
		}, K(store.KindGroup, "g9")},
		{"updating a group touches the group", func(f *fixture, tx store.Tx) error {
			g := group("acc", "h")
			g.Roles = []string{"admin"}
			return tx.UpdateGroup(f.ctx, g)
		}, K(store.KindGroup, "h")},
		{"adding a group member touches the group", func(f *fixture, tx store.Tx) error { return tx.AddGroupMember(f.ctx, "h", u("u2")) },
			K(store.KindGroup, "h")},
		{"removing a group member touches the group", func(f *fixture, tx store.Tx) error { return tx.RemoveGroupMember(f.ctx, "g", u("u1")) },
			K(store.KindGroup, "g")},
		{"deleting a group touches it, the groups it was a member of and the objects whose ACL named it", func(f *fixture, tx store.Tx) error {
			return tx.DeleteGroup(f.ctx, "g")
		}, append(append(append(K(store.KindGroup, "g", "p"), K(store.KindRecord, "r")...), K(store.KindMedia, "m")...), K(store.KindCollection, "c")...)},
		{"creating a tier touches the tier", func(f *fixture, tx store.Tx) error { return tx.CreateTier(f.ctx, tier("acc", "t9")) },
			K(store.KindTier, "t9")},
		{"granting a role on a tier touches the tier", func(f *fixture, tx store.Tx) error {
			return tx.SetTierGrant(f.ctx, "t", grant(gr("h"), "owner"))
		}, K(store.KindTier, "t")},
		{"removing a tier grant touches the tier", func(f *fixture, tx store.Tx) error { return tx.RemoveTierGrant(f.ctx, "t", u("u1")) },
			K(store.KindTier, "t")},
		{"deleting a tier touches the tier", func(f *fixture, tx store.Tx) error { return tx.DeleteTier(f.ctx, "t2") },
			K(store.KindTier, "t2")},
		{"creating a workspace touches the workspace", func(f *fixture, tx store.Tx) error {
			return tx.CreateWorkspace(f.ctx, workspace("acc", "w9", "t", grant(u("u2"), "viewer")))
		}, K(store.KindWorkspace, "w9")},
		{"moving a workspace to another tier touches the workspace", func(f *fixture, tx store.Tx) error {
			return tx.UpdateWorkspace(f.ctx, workspace("acc", "w", "t2"))
		}, K(store.KindWorkspace, "w")},
		{"setting a workspace member touches the workspace", func(f *fixture, tx store.Tx) error {
			return tx.SetWorkspaceMember(f.ctx, "w", grant(u("u1"), "owner"))
		}, K(store.KindWorkspace, "w")},
		{"removing a workspace member touches the workspace", func(f *fixture, tx store.Tx) error {
			return tx.RemoveWorkspaceMember(f.ctx, "w", u("u1"))
		}, K(store.KindWorkspace, "w")},
		{"deleting a workspace touches the workspace", func(f *fixture, tx store.Tx) error { return tx.DeleteWorkspace(f.ctx, "w2") },
			K(store.KindWorkspace, "w2")},
		{"creating a record touches the record", func(f *fixture, tx store.Tx) error { return tx.CreateRecord(f.ctx, record("w", "r9", viewU2...)) },
			K(store.KindRecord, "r9")},
		{"changing a record's metadata touches the record (search indexes it)", func(f *fixture, tx store.Tx) error {
			return tx.UpdateRecord(f.ctx, record("w", "r"))
		}, K(store.KindRecord, "r")},
		{"adding a record to a collection touches the collection", func(f *fixture, tx store.Tx) error { return tx.AddCollectionRecord(f.ctx, "c", "r") },
			K(store.KindCollection, "c")},
		{"removing a record from a collection touches the collection", func(f *fixture, tx store.Tx) error {
			if err := tx.AddCollectionRecord(f.ctx, "c", "r"); err != nil {
				return err
			}
			return tx.RemoveCollectionRecord(f.ctx, "c", "r")
		}, K(store.KindCollection, "c")},
		{"setting a record's ACL touches the record", func(f *fixture, tx store.Tx) error { return tx.SetACL(f.ctx, recRef, viewU2) },
			K(store.KindRecord, "r")},
		{"deleting a record touches it and its media", func(f *fixture, tx store.Tx) error { return tx.DeleteRecord(f.ctx, "r") },
			append(K(store.KindRecord, "r"), K(store.KindMedia, "m", "m2")...)},
		{"creating a media object touches it", func(f *fixture, tx store.Tx) error { return tx.CreateMedia(f.ctx, media("r2", "m9")) },
			K(store.KindMedia, "m9")},
		{"setting a media object's ACL touches it", func(f *fixture, tx store.Tx) error { return tx.SetACL(f.ctx, medRef, viewU2) },
			K(store.KindMedia, "m")},
		{"deleting a media object touches it", func(f *fixture, tx store.Tx) error { return tx.DeleteMedia(f.ctx, "m2") },
			K(store.KindMedia, "m2")},
		{"creating a collection touches it", func(f *fixture, tx store.Tx) error {
			return tx.CreateCollection(f.ctx, collection("w", "c9", "u2"))
		}, K(store.KindCollection, "c9")},
		{"setting a collection's ACL touches it", func(f *fixture, tx store.Tx) error { return tx.SetACL(f.ctx, colRef, viewU2) },
			K(store.KindCollection, "c")},
		{"deleting a collection touches it", func(f *fixture, tx store.Tx) error { return tx.DeleteCollection(f.ctx, "c2") },
			K(store.KindCollection, "c2")},
		{"several writes to one entity in a transaction touch it once", func(f *fixture, tx store.Tx) error {
			if err := tx.AddGroupMember(f.ctx, "h", u("u2")); err != nil {
				return err
			}
			if err := tx.RemoveGroupMember(f.ctx, "h", u("u2")); err != nil {
				return err
			}
			return tx.SetACL(f.ctx, recRef, viewU2)
		}, append(K(store.KindGroup, "h"), K(store.KindRecord, "r")...)},
		{"sessions and tokens touch nothing", func(f *fixture, tx store.Tx) error {
			if err := tx.CreateSession(f.ctx, store.Session{IDHash: "s", UserID: "u1", ExpiresAt: future}); err != nil {
				return err
			}
			return tx.CreateToken(f.ctx, store.Token{ID: "tok", UserID: "u1", Name: "t", Hash: "h"})
		}, nil},
	}
	var cases []testCase
	for _, c := range table {
		cases = append(cases, testCase{c.name, func(t *testing.T, f *fixture) {
			touchWorld(f)
			before := f.revision()
			rev := f.update(func(tx store.Tx) error { return c.op(f, tx) })
			refs, latest, err := f.s.Changes(f.ctx, before)
			f.must(err)
			if latest != rev {
				t.Errorf("Changes reports revision %d, want the write's %d", latest, rev)
			}
			diff(t, "changes", sortRefs(c.want), sortRefs(refs))
		}})
	}
	return cases
}
