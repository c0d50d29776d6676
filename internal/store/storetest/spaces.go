package storetest

import (
	"testing"

	"atrium/internal/domain"
	"atrium/internal/store"
)

var tierCases = []testCase{
	{"a created tier reads back with its grants", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), group("acc", "g1"))
		want := domain.Tier{ID: "t1", AccountID: "acc", Name: "Gold", Description: "Top tier",
			Grants: []domain.Grant{grant(u("u1"), "owner"), grant(gr("g1"), "viewer")}}
		want.CreatedAt = f.createAt(want)
		got, err := f.s.GetTier(f.ctx, "t1")
		f.must(err)
		diff(t, "tier", want, got)
	}},
	{"SetTierGrant adds a grant for a new subject and replaces the role of an existing one", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"), group("acc", "g1"),
			tier("acc", "t1", grant(u("u1"), "viewer"), grant(gr("g1"), "editor")))
		for _, c := range []struct {
			name string
			set  domain.Grant
			want []domain.Grant
		}{
			{"a new user is added", grant(u("u2"), "contributor"),
				[]domain.Grant{grant(u("u1"), "viewer"), grant(gr("g1"), "editor"), grant(u("u2"), "contributor")}},
			{"an existing user's role is replaced", grant(u("u1"), "owner"),
				[]domain.Grant{grant(u("u1"), "owner"), grant(gr("g1"), "editor"), grant(u("u2"), "contributor")}},
			{"an existing group's role is replaced", grant(gr("g1"), "viewer"),
				[]domain.Grant{grant(u("u1"), "owner"), grant(gr("g1"), "viewer"), grant(u("u2"), "contributor")}},
			{"setting the same role again changes nothing", grant(gr("g1"), "viewer"),
				[]domain.Grant{grant(u("u1"), "owner"), grant(gr("g1"), "viewer"), grant(u("u2"), "contributor")}},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := f.at(t)
				f.update(func(tx store.Tx) error { return tx.SetTierGrant(f.ctx, "t1", c.set) })
				got, err := f.s.GetTier(f.ctx, "t1")
				f.must(err)
				diff(t, "grants", c.want, got.Grants)
			})
		}
	}},
	{"RemoveTierGrant removes a grant, and removing a missing one is not found", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), group("acc", "g1"),
			tier("acc", "t1", grant(u("u1"), "viewer"), grant(gr("g1"), "editor")))
		f.update(func(tx store.Tx) error { return tx.RemoveTierGrant(f.ctx, "t1", u("u1")) })
		got, err := f.s.GetTier(f.ctx, "t1")
		f.must(err)
		diff(t, "grants", []domain.Grant{grant(gr("g1"), "editor")}, got.Grants)
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.RemoveTierGrant(f.ctx, "t1", u("u1")) })
		wantNotFound(t, "removing the grant again", err)
	}},
	{"UpdateTier changes name and description and keeps the grants", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		tr := tier("acc", "t1", grant(u("u1"), "viewer"))
		tr.CreatedAt = f.createAt(tr)
		tr.Name, tr.Description = "Renamed", "Described"
		f.update(func(tx store.Tx) error {
			upd := tr
			upd.Grants = nil
			return tx.UpdateTier(f.ctx, upd)
		})
		got, err := f.s.GetTier(f.ctx, "t1")
		f.must(err)
		diff(t, "tier", tr, got)
	}},
	{"ListTiers lists the account's tiers only", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("acc2"), user("acc", "u1"),
			tier("acc", "t1", grant(u("u1"), "owner")), tier("acc", "t2"), tier("acc2", "t3"))
		ts, err := f.s.ListTiers(f.ctx, "acc")
		f.must(err)
		var ids []string
		for _, tr := range ts {
			ids = append(ids, tr.ID)
			if tr.ID == "t1" {
				diff(t, "grants of t1 in the listing", []domain.Grant{grant(u("u1"), "owner")}, tr.Grants)
			}
		}
		diff(t, "tier ids", []string{"t1", "t2"}, ids, sortStrings)
	}},
	{"a tier name already used in the account is a conflict", func(t *testing.T, f *fixture) {
		f.create(account("acc"), tier("acc", "t1"))
		dup := tier("acc", "t2")
		dup.Name = "Tier t1"
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateTier(f.ctx, dup) })
		wantConflict(t, "CreateTier with a taken name", err)
	}},
	{"DeleteTier removes an unused tier with its grants", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), tier("acc", "t1", grant(u("u1"), "viewer")))
		f.update(func(tx store.Tx) error { return tx.DeleteTier(f.ctx, "t1") })
		_, err := f.s.GetTier(f.ctx, "t1")
		wantNotFound(t, "GetTier after the delete", err)
		f.create(tier("acc", "t1"))
		got, err := f.s.GetTier(f.ctx, "t1")
		f.must(err)
		diff(t, "grants of a new tier with the old id", []domain.Grant(nil), got.Grants)
	}},
	{"a tier a workspace belongs to cannot be deleted until the workspace leaves it", func(t *testing.T, f *fixture) {
		f.create(account("acc"), tier("acc", "t1"), workspace("acc", "w1", "t1"))
		before := f.revision()
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.DeleteTier(f.ctx, "t1") })
		wantConflict(t, "DeleteTier of a tier in use", err)
		if rev := f.revision(); rev != before {
			t.Errorf("the failed delete moved the revision from %d to %d", before, rev)
		}
		if _, err := f.s.GetTier(f.ctx, "t1"); err != nil {
			t.Fatalf("the tier is gone after the failed delete: %v", err)
		}
		f.update(func(tx store.Tx) error { return tx.UpdateWorkspace(f.ctx, workspace("acc", "w1", "")) })
		f.update(func(tx store.Tx) error { return tx.DeleteTier(f.ctx, "t1") })
	}},
}

var workspaceCases = []testCase{
	{"a created workspace reads back with its tier and members", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), group("acc", "g1"), tier("acc", "t1"))
		want := domain.Workspace{ID: "w1", AccountID: "acc", Name: "Archive", Description: "Old things", TierID: "t1",
			Members: []domain.Grant{grant(gr("g1"), "contributor"), grant(u("u1"), "owner")}}
		want.CreatedAt = f.createAt(want)
		got, err := f.s.GetWorkspace(f.ctx, "w1")
		f.must(err)
		diff(t, "workspace", want, got)
	}},
	{"SetWorkspaceMember adds a new member and replaces the role of an existing one", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"), group("acc", "g1"),
			workspace("acc", "w1", "", grant(u("u1"), "viewer")))
		f.update(func(tx store.Tx) error { return tx.SetWorkspaceMember(f.ctx, "w1", grant(gr("g1"), "editor")) })
		f.update(func(tx store.Tx) error { return tx.SetWorkspaceMember(f.ctx, "w1", grant(u("u1"), "owner")) })
		got, err := f.s.GetWorkspace(f.ctx, "w1")
		f.must(err)
		diff(t, "members", []domain.Grant{grant(u("u1"), "owner"), grant(gr("g1"), "editor")}, got.Members)
	}},
	{"RemoveWorkspaceMember removes a member, and removing a non-member is not found", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"),
			workspace("acc", "w1", "", grant(u("u1"), "viewer"), grant(u("u2"), "editor")))
		f.update(func(tx store.Tx) error { return tx.RemoveWorkspaceMember(f.ctx, "w1", u("u1")) })
		got, err := f.s.GetWorkspace(f.ctx, "w1")
		f.must(err)
		diff(t, "members", []domain.Grant{grant(u("u2"), "editor")}, got.Members)
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.RemoveWorkspaceMember(f.ctx, "w1", u("u1")) })
		wantNotFound(t, "removing a non-member", err)
	}},
	{"UpdateWorkspace changes name, description and tier and keeps the members", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), tier("acc", "t1"), tier("acc", "t2"))
		w := workspace("acc", "w1", "t1", grant(u("u1"), "viewer"))
		w.CreatedAt = f.createAt(w)
		for _, tierID := range []string{"t2", ""} {
			w.Name, w.Description, w.TierID = "Renamed "+tierID, "Described "+tierID, tierID
			f.update(func(tx store.Tx) error {
				upd := w
				upd.Members = nil
				return tx.UpdateWorkspace(f.ctx, upd)
			})
			got, err := f.s.GetWorkspace(f.ctx, "w1")
			f.must(err)
			diff(t, "workspace with tier "+tierID, w, got)
		}
	}},
	{"ListWorkspaces and CountWorkspaces cover the account's workspaces only", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("acc2"), user("acc", "u1"),
			workspace("acc", "w1", "", grant(u("u1"), "owner")), workspace("acc", "w2", ""), workspace("acc2", "w3", ""))
		ws, err := f.s.ListWorkspaces(f.ctx, "acc")
		f.must(err)
		var ids []string
		for _, w := range ws {
			ids = append(ids, w.ID)
			if w.ID == "w1" {
				diff(t, "members of w1 in the listing", []domain.Grant{grant(u("u1"), "owner")}, w.Members)
			}
		}
		diff(t, "workspace ids", []string{"w1", "w2"}, ids, sortStrings)
		for acct, want := range map[string]int{"acc": 2, "acc2": 1, "nobody": 0} {
			n, err := f.s.CountWorkspaces(f.ctx, acct)
			f.must(err)
			if n != want {
				t.Errorf("CountWorkspaces(%s) = %d, want %d", acct, n, want)
			}
		}
	}},
	{"a workspace name already used in the account is a conflict", func(t *testing.T, f *fixture) {
		f.create(account("acc"), workspace("acc", "w1", ""))
		dup := workspace("acc", "w2", "")
		dup.Name = "Workspace w1"
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateWorkspace(f.ctx, dup) })
		wantConflict(t, "CreateWorkspace with a taken name", err)
	}},
	{"WorkspaceContent counts a workspace's records and collections", func(t *testing.T, f *fixture) {
		f.create(account("acc"), workspace("acc", "w1", ""), workspace("acc", "w2", ""),
			record("w1", "r1"), record("w1", "r2"), record("w2", "r3"), media("r1", "m1"), media("r1", "m2"),
			collection("w1", "c1", ""))
		for _, c := range []struct {
			ws          string
			recs, colls int
		}{{"w1", 2, 1}, {"w2", 1, 0}, {"nowhere", 0, 0}} {
			recs, colls, err := f.s.WorkspaceContent(f.ctx, c.ws)
			f.must(err)
			if recs != c.recs || colls != c.colls {
				t.Errorf("WorkspaceContent(%s) = %d records, %d collections; want %d, %d", c.ws, recs, colls, c.recs, c.colls)
			}
		}
	}},
	{"a workspace holding a record or collection cannot be deleted", func(t *testing.T, f *fixture) {
		f.create(account("acc"), workspace("acc", "w1", ""), workspace("acc", "w2", ""),
			record("w1", "r1"), collection("w2", "c1", ""))
		for _, ws := range []string{"w1", "w2"} {
			before := f.revision()
			_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.DeleteWorkspace(f.ctx, ws) })
			wantConflict(t, "DeleteWorkspace of "+ws, err)
			if rev := f.revision(); rev != before {
				t.Errorf("the failed delete moved the revision from %d to %d", before, rev)
			}
			if _, err := f.s.GetWorkspace(f.ctx, ws); err != nil {
				t.Errorf("workspace %s is gone after the failed delete: %v", ws, err)
			}
		}
		if _, err := f.s.GetRecord(f.ctx, "r1"); err != nil {
			t.Errorf("the record is gone after the failed delete: %v", err)
		}
	}},
	{"an empty workspace can be deleted with its members", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), group("acc", "g1"), tier("acc", "t1"),
			workspace("acc", "w1", "t1", grant(u("u1"), "owner"), grant(gr("g1"), "viewer")))
		f.update(func(tx store.Tx) error { return tx.DeleteWorkspace(f.ctx, "w1") })
		_, err := f.s.GetWorkspace(f.ctx, "w1")
		wantNotFound(t, "GetWorkspace after the delete", err)
		grants, err := f.s.GroupGrants(f.ctx, "g1")
		f.must(err)
		diff(t, "grants of the former member group", []store.Ref(nil), grants)
		// The group and tier are free to go now.
		f.update(func(tx store.Tx) error {
			if err := tx.DeleteGroup(f.ctx, "g1"); err != nil {
				return err
			}
			return tx.DeleteTier(f.ctx, "t1")
		})
	}},
}
